#!/usr/bin/env bash
# Stream mode: a feed runs across midnight through the tickerplant; behind
# tick-sub --from start, tick-eod writes a partition at the end of day,
# holding exactly its day's journal; the day the input ends in is not
# written (--partial writes it, marked, and the real end of day replaces
# it). The HDB directory is made if missing; a file in its place is refused.
source "$(dirname "$0")/lib.sh"
SORT="$PY $HERE/hdbsort.py"
port=$(free_port)
touch notdir
expect_status 1 tick-eod --hdb notdir < /dev/null
expect_eq "$(cat err)" "tick-eod: notdir: not a directory" "a file for the HDB refused"
tick-gen --rate 3000 --duration 4 --syms 20 | TICK_FAKE_TIME=2026-11-23T23:59:58Z tick-log tp 2> log.err | \
  tick-pub -l :$port --log tp 2> pub.err &
feed=$!
wait_for grep -q listening pub.err
tick-sub :$port --from start 2> sub.err | tick-eod --hdb hdb/new 2> eod.err &
eod=$!
wait $feed
wait $eod || die "tick-sub | tick-eod failed: $(cat sub.err eod.err)"
ok
expect_eq "$(ls tp | tr '\n' ' ')" "2026-11-23.tick 2026-11-24.tick " "the feed rolled"
mv hdb/new hdbx && rmdir hdb && mv hdbx hdb
expect_eq "$(ls hdb | tr '\n' ' ')" "2026-11-23 " "one partition, in an HDB tick-eod made"
tick-cat -f json tp/2026-11-23.tick | $SORT trade,quote > ref.json
[ "$(wc -l < ref.json)" -gt 1000 ] || die "day 2026-11-23 has too few rows"
tick-replay --hdb hdb --date 2026-11-23 -f json > out.json
same_files out.json ref.json "partition 2026-11-23 holds its day"
expect_eq "$(grep -c 'rows, 2 tables' eod.err)" 1 "a summary line per partition"
n24=$(tick-cat -f json tp/2026-11-24.tick | grep -c '^{"table"')
expect_match "$(cat eod.err)" "tick-eod: the input ended before the end of day 2026-11-24: its $n24 rows were not written \(--partial writes them, marked partial\)" "the unfinished day is said, not written"

# The journals on standard input (an end of day between them), --partial:
# the first day as above, the unfinished one written and marked partial.
mkdir hdb2
tick-replay tp | tick-eod --hdb hdb2 --compress none --partial 2> eod2.err || die "stdin: $(cat eod2.err)"
tick-replay --hdb hdb --date 2026-11-23 > a.tick
tick-replay --hdb hdb2 --date 2026-11-23 > b.tick
same_files a.tick b.tick "partition 2026-11-23 from the journals on stdin"
tick-cat -f json tp/2026-11-24.tick | $SORT trade,quote > ref24.json
tick-replay --hdb hdb2 --date 2026-11-24 -f json > out.json
same_files out.json ref24.json "the partial partition holds what came of its day"
[ -f hdb2/2026-11-24/.partial ] || die "the partial partition is not marked"; ok
expect_match "$(cat eod2.err)" "hdb2/2026-11-24: partial \(no end of day yet\), $n24 rows" "partial summary"
# Again: the finished day exists and is kept (exit 1); the partial one is
# not written again without --partial (and stays partial).
expect_status 1 sh -c 'tick-replay tp | tick-eod --hdb hdb2'
expect_eq "$(grep -c 'exists: kept' err)" 1 "existing partition kept"
[ -f hdb2/2026-11-24/.partial ] || die "the partial partition changed"; ok
# The real end of day replaces the partial partition (no --force needed).
{ cat tp/2026-11-24.tick; $PY $HERE/tickrec.py eod 2026-11-24 999999; } > full24.tick
expect_status 0 sh -c 'tick-eod --hdb hdb2 --compress none < full24.tick'
expect_match "$(cat err)" "hdb2/2026-11-24: $n24 rows, .*replaced the partial partition" "the real end of day replaces the partial one"
[ ! -e hdb2/2026-11-24/.partial ] || die "the real partition is still marked partial"; ok
tick-replay --hdb hdb2 --date 2026-11-24 -f json > out.json
same_files out.json ref24.json "the real partition holds the day"
# The spool does not outlive the run.
expect_eq "$(ls -A hdb2 | tr '\n' ' ')" ".lock 2026-11-23 2026-11-24 " "no spool left"

# A corrupt stream: refused with the offset (partitions already written stay);
# with --salvage, every valid record is kept.
cp tp/2026-11-24.tick bad.tick
printf 'XXXXXXXX' | dd of=bad.tick bs=1 seek=20000 conv=notrunc status=none
mkdir hdb4 hdb5
expect_status 1 sh -c 'cat tp/2026-11-23.tick bad.tick | tick-eod --hdb hdb4'
expect_match "$(cat err)" "stdin:[0-9]+: .*\(--salvage keeps every valid record\)" "refused with the offset"
expect_eq "$(ls hdb4 | tr '\n' ' ')" "2026-11-23 " "the day before the damage is written"
expect_status 0 sh -c 'cat tp/2026-11-23.tick bad.tick | tick-eod --hdb hdb5 --salvage --partial'
expect_match "$(cat err)" "stdin:[0-9]+: .*skipped [0-9]+ bytes" "salvage reports"
want=$({ tick-replay --on-error skip -f json bad.tick 2> /dev/null || true; } | grep -c '^{"table"')
expect_eq "$(tick-replay --hdb hdb5 --date 2026-11-24 -f json | grep -c '^{"table"')" "$want" "salvaged rows"

# Interrupted mid-day: the unfinished day is not written.
mkdir hdb3
tick-gen --rate 2000 --syms 5 | tick-eod --hdb hdb3 2> eod3.err &
E3=$!
sleep 1
kill -TERM $E3   # (this test's own: another suite may run the same beside it)
wait || true
expect_match "$(cat eod3.err)" "stopped: the [0-9]+ rows of the unfinished day were not written" "SIGTERM"
expect_eq "$(ls -A hdb3)" "" "nothing written, no spool left"
# A backfill: an old day's CSV, encoded, loaded as --date D: its rows are
# the day's whole partition (not partial), and a second load is refused.
tick-gen --print-schema > bf.schema
tick-gen --count 3000 --syms 7 --seed 31 --start 2026-10-02T09:00:00Z | tick-cat -t trade -f csv > old.csv
tick-cat -e --schema bf.schema --in csv -t trade old.csv | tick-eod --hdb bf --date 2026-10-02 2> bf.err || die "backfill: $(cat bf.err)"; ok
[ ! -e bf/2026-10-02/.partial ] || die "a backfill is written whole, not partial"; ok
expect_eq "$(tick-replay --hdb bf --date 2026-10-02 -t trade -f csv | tail -n +2 | sort)" "$(tail -n +2 old.csv | sort)" "the partition holds the CSV's rows"
expect_status 1 sh -c 'tick-cat -e --schema bf.schema --in csv -t trade old.csv | tick-eod --hdb bf --date 2026-10-02'
expect_match "$(cat err)" "exists" "loaded again: refused (--force replaces it)"
# A backfill meets a day roll: an end of day for another day in the stream
# is refused, naming it, and nothing is written.
expect_status 1 sh -c "(tick-gen --count 10 --start 2026-10-03T09:00:00Z; $PY '$HERE/tickrec.py' eod 2026-11-24 10) | tick-eod --hdb bf2 --date 2026-10-03"
expect_match "$(cat err)" ": an end of day 2026-11-24 in a stream loaded as --date 2026-10-03$" "an end of day of another day: refused"
[ ! -e bf2/2026-10-03 ] || die "a refused backfill wrote its partition"; ok
expect_status 2 tick-eod --hdb bf --date 2026-10-02 tp/2026-11-24.tick
expect_match "$(cat err)" "--date is for a stream on standard input" "--date with a journal: a usage error"
done_ok
