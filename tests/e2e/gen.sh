#!/usr/bin/env bash
# tick-gen: same seed same bytes, counts, schema, pacing, clean stop on SIGTERM.
source "$(dirname "$0")/lib.sh"

tick-gen --seed 42 --count 50000 --syms 20 > a.tick
tick-gen --seed 42 --count 50000 --syms 20 > b.tick
same_files a.tick b.tick "same seed, same bytes"
tick-gen --seed 43 --count 50000 --syms 20 > c.tick
cmp -s a.tick c.tick && die "different seeds gave the same bytes"; ok

tick-cat -f json a.tick > a.json
expect_eq "$(wc -l < a.json)" 50000 "--count rows"
expect_eq "$(jq -r .sym a.json | sort -u | wc -l)" 20 "--syms symbols"
expect_eq "$(tick-gen --print-schema)" "trade time:timestamp sym:symbol price:float size:long
quote time:timestamp sym:symbol bid:float ask:float bsize:long asize:long" "--print-schema"
# Quotes are sane: bid below ask, positive sizes.
expect_eq "$(jq -c 'select(.table=="quote" and (.bid >= .ask or .bsize <= 0))' a.json | wc -l)" 0 "quotes sane"
# Synthetic times: --start, --step apart.
tick-gen --seed 1 --count 3 --start 2026-11-20T10:00:00Z --step 1000 --batch 1 | tick-cat -f json > t.json
expect_eq "$(jq -r .time t.json | tr '\n' ' ')" "2026-11-20T10:00:00.000000000Z 2026-11-20T10:00:00.000001000Z 2026-11-20T10:00:00.000002000Z " "--start and --step"
# Records hold at most --batch rows.
expect_eq "$(tick-gen --count 1000 --batch 10 | tick-cat -f json | wc -l)" 1000 "rows with --batch 10"

# Paced: about --rate rows a second, stamped with the wall clock.
# (into a pipe, a live feed; into a file, at once unless --pace)
secs() { local a; a=$(date +%s.%N); "$@"; awk -v a="$a" -v b="$(date +%s.%N)" 'BEGIN{print b - a}'; }
elapsed=$(secs sh -c 'tick-gen --rate 2000 --count 1000 | cat > r.tick')
awk -v e="$elapsed" 'BEGIN{exit !(e > 0.35 && e < 5)}' || die "--rate 2000 --count 1000 into a pipe took ${elapsed}s"; ok
expect_match "$(tick-cat -f json r.tick | head -1 | jq -r .time)" "^$(date -u +%Y-%m-%d)T" "paced rows carry today's time"
elapsed=$(secs sh -c 'tick-gen --rate 2000 --count 1000 --pace > rp.tick')
awk -v e="$elapsed" 'BEGIN{exit !(e > 0.35 && e < 5)}' || die "--pace into a file took ${elapsed}s"; ok
# --rate R --duration D into a file: R x D rows, D seconds of market time
# 1/R apart, written at once.
elapsed=$(secs sh -c 'tick-gen --rate 50000 --duration 10 --start 2026-11-23T14:29:55Z > feed.tick')
awk -v e="$elapsed" 'BEGIN{exit !(e < 3)}' || die "a file of 10 s of a feed took ${elapsed}s to write (it slept)"; ok
tick-cat -f json feed.tick | jq -r .time | sort > feed.times
expect_eq "$(wc -l < feed.times)" 500000 "--rate 50000 --duration 10: 500000 rows"
expect_eq "$(head -1 feed.times) $(tail -1 feed.times)" "2026-11-23T14:29:55.000000000Z 2026-11-23T14:30:04.999980000Z" "10 s of market time, 20 us apart"
expect_eq "$(tick-gen --duration 2 --start 2026-11-23T10:00:00Z | tick-cat -f json | wc -l)" 2000 "--duration without --rate: 2 s at the 1 ms step"

# SIGTERM: flush, close cleanly, exit 0, and the output is a valid stream.
tick-gen --rate 5000 --pace > live.tick &
pid=$!
sleep 1
kill -TERM $pid
wait $pid; st=$?
expect_eq "$st" 0 "exit status after SIGTERM"
n=$(tick-cat -f json live.tick | wc -l)
[ "$n" -gt 1000 ] || die "only $n rows written before SIGTERM"; ok

# --duration ends the run, paced too.
timeout 10 tick-gen --duration 0.5 --rate 1000 | cat > d.tick || die "--duration did not end the run"; ok
expect_eq "$(tick-cat -f json d.tick | wc -l)" 500 "--duration 0.5 --rate 1000: 500 rows"
tick-cat -f json d.tick > /dev/null || die "--duration output is not a valid stream"; ok

# Text formats directly; binary never on a terminal.
expect_eq "$(tick-gen --seed 42 --count 50000 --syms 20 -f json | cmp - a.json && echo same)" same "-f json"
expect_status 2 tick-gen --rate -1
expect_eq "$(cat err)" "tick-gen: --rate: '-1' is not a number of rows per second (0 to 10000000000) (see --help)" "a negative rate"
expect_status 2 tick-gen --rate abc
expect_eq "$(cat err)" "tick-gen: --rate: 'abc' is not a number of rows per second (0 to 10000000000) (see --help)" "a rate that is not a number"
expect_status 2 tick-gen --count -5
expect_eq "$(cat err)" "tick-gen: --count: '-5' is not a number of rows (0 to 1000000000000000) (see --help)" "a negative count"
done_ok
