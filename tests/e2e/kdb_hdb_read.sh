#!/usr/bin/env bash
# q's HDB served by tick: tick-replay --hdb and tick-ws /api/query on an HDB
# written by the test's own writer (qhdb.py, from KDB.md's layouts) and by
# tick-eod --format kdb, every filter against the same rows in tick's own
# HDB; hostile files named, never a crash.
source "$(dirname "$0")/lib.sh"
SRC=${TICK_SOURCE:-$HERE/../..}
Q="$PY $SRC/tests/e2e/qhdb.py"

tick-gen --count 20000 --syms 12 --seed 3 --start 2026-12-03T09:00:00Z > d1.tick
tick-gen --count 8000 --syms 15 --seed 4 --start 2026-12-04T14:00:00Z > d2.tick
tick-eod --hdb ref --date 2026-12-03 < d1.tick 2> /dev/null
tick-eod --hdb ref --date 2026-12-04 < d2.tick 2> /dev/null
# q's HDB, twice: the test's writer (trades) and tick-eod --format kdb (both tables).
for d in 1 2; do
  day=2026-12-0$((d + 2))
  tick-cat -f csv -t trade d$d.tick > t$d.csv
  $Q write qw $day trade t$d.csv
  tick-eod --format kdb --hdb qk --date $day < d$d.tick 2> /dev/null
done

# Every filter: the same rows as tick's own HDB (order within a sym aside:
# q's is arrival, tick's time; both are sorted by sym).
same_rows() { # WHAT ARGS...: the q HDBs' answer to tick-replay ARGS against ref's
  local what=$1; shift
  tick-replay --hdb ref "$@" -f csv | tail -n +2 | sort > want.rows
  for h in qw qk; do
    [ $h = qw ] && ! grep -q -- "-t trade" <<< "$*" && continue
    tick-replay --hdb $h "$@" -f csv > got.csv
    # (q's column order: sym first)
    $PY -c '
import csv, sys
r = csv.reader(open("got.csv")); head = next(r)
order = ["time", "sym"] + [c for c in head if c not in ("time", "sym")]
for row in r:
    d = dict(zip(head, row)); print(",".join(d[c] for c in order))' | sort > got.rows
    same_files got.rows want.rows "$h: $what"
  done
}
same_rows "a day, one table" --date 2026-12-03 -t trade
same_rows "two days" --date 2026-12-03..2026-12-04 -t trade
same_rows "syms" --date 2026-12-03..2026-12-04 -t trade -s AAPL,MSFT
same_rows "a time window" --date 2026-12-03 -t trade --from 09:00:05 --to 09:00:09
same_rows "syms and a window" -t trade -s GOOG --from 2026-12-04T14:00:01Z --to 2026-12-04T14:00:03Z
same_rows "quotes" --date 2026-12-04 -t quote -s TSLA
expect_eq "$(tick-replay --hdb qk -t trade -s AAPL -f csv | tail -n +2 | cut -d, -f1 | sort -u)" "AAPL" "a sym filter reads that sym's rows"

# tick-ws serves q's HDB: /api/tables lists it, /api/query answers as tick-replay does.
port=$(free_port)
sleep 60 | tick-ws -l :$port --hdb qk 2> ws.err &
wait_for curl -sf "http://127.0.0.1:$port/api/tables" -o tables.json
expect_match "$(jq -c '[.tables[] | .name] | sort' tables.json)" '\["quote","trade"\]' "/api/tables: the q HDB's tables"
expect_eq "$(curl -s "http://127.0.0.1:$port/api/query?table=trade&syms=MSFT&date=2026-12-03&from=09:00:02&to=09:00:20&limit=100000" | jq -c .)" \
  "$(tick-replay --hdb qk --date 2026-12-03 -t trade -s MSFT --from 09:00:02 --to 09:00:20 -f json | jq -sc .)" "/api/query on q's HDB"
expect_match "$(curl -s "http://127.0.0.1:$port/api/query?table=trade&syms=MSFT&date=2026-12-03&from=09:00:02&to=09:00:20&limit=100000" | jq length)" "^[1-9][0-9]*$" "(rows in that answer)"
kill %1 2> /dev/null || true

# Hostile files: named, never a crash.
cp -r qw bad
truncate -s -5 bad/2026.12.03/trade/price
expect_status 1 tick-replay --hdb bad --date 2026-12-03 -t trade
expect_match "$(cat err)" "bad/2026.12.03/trade/price: a float list column of [0-9]+ bytes, not a whole number of values" "a truncated column"
cp qw/2026.12.03/trade/price bad/2026.12.03/trade/price
truncate -s -8 bad/2026.12.03/trade/price
expect_status 1 tick-replay --hdb bad --date 2026-12-03 -t trade
expect_match "$(cat err)" "bad/2026.12.03/trade/price: [0-9]+ values, but bad/2026.12.03/trade/sym has [0-9]+ \(a truncated column\?\)" "a column shorter than the others"
cp qw/2026.12.03/trade/price bad/2026.12.03/trade/price
$PY -c 'import os; os.truncate("bad/sym", 20)'
expect_status 1 tick-replay --hdb bad --date 2026-12-03 -t trade
expect_match "$(cat err)" "bad/2026.12.03/trade/sym: row [0-9]+: index [0-9]+ past the sym file's [0-9]+ names|bad/sym: byte [0-9]+: the last name has no end" "an index past the sym file"
cp qw/sym bad/sym
printf 'kxzipped' | dd of=bad/2026.12.03/trade/size conv=notrunc status=none
expect_status 1 tick-replay --hdb bad --date 2026-12-03 -t trade
expect_eq "$(cat err)" "tick-replay: bad/2026.12.03/trade/size: compressed by q (kxzipped): not read" "a compressed column refused by name"
printf '\xff\x01\x00\x00' | dd of=bad/2026.12.03/trade/size conv=notrunc status=none
expect_status 1 tick-replay --hdb bad --date 2026-12-03 -t trade
expect_match "$(cat err)" "bad/2026.12.03/trade/size: a serialised object, not a mapped column" "a general list refused by name"
printf '\xfe\x20\x03' | dd of=bad/2026.12.03/trade/size conv=notrunc status=none
expect_status 1 tick-replay --hdb bad --date 2026-12-03 -t trade
expect_match "$(cat err)" "bad/2026.12.03/trade/size: a column of type 3: not read" "a wrong header"
cp qw/2026.12.03/trade/size bad/2026.12.03/trade/size
printf 'garbage' > bad/2026.12.03/trade/.d
expect_status 1 tick-replay --hdb bad --date 2026-12-03 -t trade
expect_match "$(cat err)" "bad/2026.12.03/trade/.d: not a kdb\+ symbol list" "a .d that is not a symbol list"
done_ok
