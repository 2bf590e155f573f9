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
start=$(date +%s.%N)
tick-gen --rate 2000 --count 1000 > r.tick
elapsed=$(awk -v a="$start" -v b="$(date +%s.%N)" "BEGIN{print b - a}")
awk -v e="$elapsed" 'BEGIN{exit !(e > 0.35 && e < 5)}' || die "--rate 2000 --count 1000 took ${elapsed}s"; ok
expect_match "$(tick-cat -f json r.tick | head -1 | jq -r .time)" "^$(date -u +%Y-%m-%d)T" "paced rows carry today's time"

# SIGTERM: flush, close cleanly, exit 0, and the output is a valid stream.
tick-gen --rate 5000 > live.tick &
pid=$!
sleep 1
kill -TERM $pid
wait $pid; st=$?
expect_eq "$st" 0 "exit status after SIGTERM"
n=$(tick-cat -f json live.tick | wc -l)
[ "$n" -gt 1000 ] || die "only $n rows written before SIGTERM"; ok

# --duration ends the run.
timeout 10 tick-gen --duration 0.5 --rate 1000 > d.tick || die "--duration did not end the run"; ok
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
