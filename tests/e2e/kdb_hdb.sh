#!/usr/bin/env bash
# tick-eod --format kdb: partitions in q's layout (.Q.dpft's), read back by
# an independent reader written from KDB.md's layouts (qhdb.py): rows
# sorted by sym in arrival order, symbols enumerated against DIR/sym across
# days, tables and a second writer at once; a killed write leaves nothing.
source "$(dirname "$0")/lib.sh"
SRC=${TICK_SOURCE:-$HERE/../..}
Q="$PY $SRC/tests/e2e/qhdb.py"

# A day with a sym's rows out of time order (q keeps their order).
cat > s.schema <<'S'
trade time:timestamp sym:symbol price:float size:long
quote time:timestamp sym:symbol bid:float ask:float bsize:long asize:long
S
{
  tick-gen --count 3000 --syms 7 --start 2026-12-03T09:00:00Z -f json
  printf '{"table":"trade","time":"2026-12-03T08:00:00Z","sym":"ZZZ","price":1,"size":1}\n'
  printf '{"table":"trade","time":"2026-12-03T07:00:00Z","sym":"ZZZ","price":2,"size":2}\n'
  printf '{"table":"trade","time":"2026-12-03T07:30:00Z","sym":"AAPL","price":3,"size":3}\n'
} | tick-cat -e --schema s.schema > day1.tick
tick-eod --format kdb --hdb q --date 2026-12-03 < day1.tick 2> eod.err
expect_match "$(cat eod.err)" "q/2026.12.03: 3003 rows, 2 tables, [0-9]+ syms, q.s layout" "a partition named as q names it"
for t in trade quote; do
  tick-cat -f csv -t $t day1.tick > $t.csv
  $Q want $t.csv > want.$t
  $Q rows q 2026-12-03 $t > got.$t
  same_files got.$t want.$t "$t: the rows, sorted by sym, each sym's in arrival order"
done
expect_eq "$(grep '"ZZZ"' got.trade | grep -o '"price": [0-9.]*' | tr '\n' ' ')" '"price": 1.0 "price": 2.0 ' "a sym's rows keep their order (q sorts by sym alone)"
expect_eq "$($Q syms q | tr '\n' ' ')" "AAPL AMZN GOOG META MSFT NVDA TSLA ZZZ " "the sym file"
expect_eq "$(head -c 4 q/2026.12.03/trade/.d | od -An -tx1 | tr -d ' ')" "ff010b00" ".d is a symbol list"

# A second day: old names keep their places, new ones are appended.
printf '{"table":"trade","time":"2026-12-04T09:00:00Z","sym":"NEW1","price":5,"size":5}\n{"table":"trade","time":"2026-12-04T09:00:01Z","sym":"AAPL","price":6,"size":6}\n{"table":"trade","time":"2026-12-04T09:00:02Z","sym":"ABC","price":7,"size":7}\n' \
  | tick-cat -e --schema s.schema > day2.tick
tick-eod --format kdb --hdb q --date 2026-12-04 < day2.tick 2> /dev/null
expect_eq "$($Q syms q | tr '\n' ' ')" "AAPL AMZN GOOG META MSFT NVDA TSLA ZZZ ABC NEW1 " "new names appended, old ones never move"
$Q rows q 2026-12-03 trade > again.trade
same_files again.trade want.trade "the first day still reads right against the grown sym file"
tick-cat -f csv -t trade day2.tick > d2.csv
$Q want d2.csv > want.d2; $Q rows q 2026-12-04 trade > got.d2
same_files got.d2 want.d2 "the second day"
# An existing partition is kept unless --force.
expect_status 1 tick-eod --format kdb --hdb q --date 2026-12-04 < day2.tick
expect_match "$(cat err)" "q/2026.12.04 exists: kept" "an existing partition kept"

# Two writers at once, each with names the other lacks: every partition
# decodes against the one sym file, and no name is there twice.
for i in 1 2 3 4; do
  tick-gen --count 2000 --syms 30 --seed $i --start 2026-12-1${i}T09:00:00Z -f json \
    | sed "s/\"sym\":\"\([A-Z0-9]*\)\"/\"sym\":\"\1_$i\"/" | tick-cat -e --schema s.schema > w$i.tick
done
for i in 1 2 3 4; do tick-eod --format kdb --hdb q --date 2026-12-1$i --no-sync < w$i.tick 2> /dev/null & done
wait
expect_eq "$($Q syms q | sort | uniq -d)" "" "no name twice in the sym file"
for i in 1 2 3 4; do
  tick-cat -f csv -t trade w$i.tick > w$i.csv
  $Q want w$i.csv > want.w$i; $Q rows q 2026-12-1$i trade > got.w$i
  same_files got.w$i want.w$i "writer $i's partition against the shared sym file"
done

# Strings have no confirmed q column form: refused by name, nothing written.
printf 'news time:timestamp sym:symbol headline:string\n' > n.schema
printf '{"table":"news","time":"2026-12-05T09:00:00Z","sym":"A","headline":"hi"}\n' | tick-cat -e --schema n.schema > news.tick
expect_status 1 tick-eod --format kdb --hdb q --date 2026-12-05 < news.tick
expect_match "$(cat err)" "table news: column headline is a string" "a string column refused by name"
[ ! -e q/2026.12.05 ] || die "no partition for a refused day"; ok
expect_status 2 tick-eod --format kdb --compress zstd --hdb q --date 2026-12-05 < news.tick

# Stream mode: a partition at each end of day, in q's layout.
# (a kdb+ journal of a past day read as a stream: dated, and ended by its end of day)
printf '{"table":"trade","time":"2026-12-06T09:00:00Z","sym":"S1","price":1,"size":1}\n' | tick-cat -e --schema s.schema | tick-cat -f kdb > sym2026.12.06
tick-cat --schema s.schema -f tick sym2026.12.06 | tick-eod --format kdb --hdb q 2> /dev/null
expect_eq "$($Q rows q 2026-12-06 trade)" '{"price": 1.0, "size": 1.0, "sym": "S1", "time": "2026-12-06T09:00:00.000000000Z"}' "stream mode: the partition at the end of day"

# A day roll in the stream: two days of tick.q's logs replayed into stream
# mode, a partition at each day's end; today's (not over) is left for its end.
mkdir tplog
printf '{"table":"trade","time":"2026-12-08T09:00:00Z","sym":"R1","price":1,"size":1}\n' | tick-cat -e --schema s.schema | tick-cat -f kdb > tplog/sym2026.12.08
printf '{"table":"trade","time":"2026-12-09T09:00:00Z","sym":"R2","price":2,"size":2}\n' | tick-cat -e --schema s.schema | tick-cat -f kdb > tplog/sym2026.12.09
TICK_FAKE_TIME=2026-12-09T12:00:00Z tick-replay --schema s.schema tplog | tick-eod --format kdb --hdb q 2> roll.err || true
expect_eq "$($Q rows q 2026-12-08 trade)" '{"price": 1.0, "size": 1.0, "sym": "R1", "time": "2026-12-08T09:00:00.000000000Z"}' "the first day's partition at its end"
[ ! -e q/2026.12.09 ] || die "today's journal (its day not over) was written"; ok
expect_match "$(cat roll.err)" "the input ended before the end of day 2026-12-09" "today's day said, not written"
TICK_FAKE_TIME=2026-12-10T12:00:00Z tick-replay --schema s.schema tplog/sym2026.12.09 | tick-eod --format kdb --hdb q 2> /dev/null
expect_eq "$($Q rows q 2026-12-09 trade | grep -c R2)" "1" "written once its day is over"

# SIGKILL during the write leaves no partition (and the next run cleans up).
tick-gen --count 4000000 --syms 500 --seed 1 --start 2026-12-07T09:00:00Z > 2026-12-07.tick
tick-eod --format kdb --hdb q 2026-12-07.tick 2> /dev/null &
pid=$!
for _ in $(seq 1 3000); do
  compgen -G "q/.tmp-2026-12-07.*/*/*" > /dev/null && break
  kill -0 $pid 2> /dev/null || die "tick-eod finished before it could be killed"
  sleep 0.01
done
kill -9 $pid; wait $pid 2> /dev/null || true
[ ! -e q/2026.12.07 ] || die "a killed write left a partition"; ok
compgen -G "q/.tmp-2026-12-07.*" > /dev/null || die "no temporary directory (killed too late?)"; ok
tick-eod --format kdb --hdb q --no-sync 2026-12-07.tick 2> /dev/null
expect_eq "$(ls -a q | grep -c '^\.tmp-')" "0" "the next run removed what the killed one left"
expect_eq "$($Q rows q 2026-12-07 trade | wc -l)" "$(tick-cat -t trade -f csv 2026-12-07.tick | tail -n +2 | wc -l)" "the day written whole after"
done_ok
