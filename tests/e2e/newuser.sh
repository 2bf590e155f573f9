#!/usr/bin/env bash
# What a new user tripped over (issue 11), each fixed and checked here:
# directories wherever journals are taken, tick-log info's sym count,
# tick-replay --hdb on a directory that is not an HDB, tick-eod on a
# journal with no end of day.
source "$(dirname "$0")/lib.sh"
# (each day's tick-log stopped mid-day, in a directory of its own: one
# started on the next day in the same directory would close the day before)
mkdir tp
for d in 2026-11-18 2026-11-19; do
  TICK_FAKE_TIME=${d}T12:00:00Z sh -c "tick-gen --seed 1 --count 5000 --syms 100 --batch 10 | tick-log tp.$d > /dev/null"
  mv tp.$d/$d.tick tp/
done

# A directory of journals: info, check and tick-eod take it as its journals.
expect_status 0 tick-log info tp
expect_eq "$(grep -c '^tp/2026-11-1[89]\.tick' out)" 2 "info names each journal of the directory"
expect_eq "$(grep -c '^  syms      100$' out)" 2 "100 syms are 100 (the empty symbol is not counted)"
expect_status 0 tick-log check tp
expect_eq "$(cat out)" "tp/2026-11-18.tick: ok, $(tick-log check tp/2026-11-18.tick | sed 's/.*ok, //')
tp/2026-11-19.tick: ok, $(tick-log check tp/2026-11-19.tick | sed 's/.*ok, //')" "check takes a directory"
expect_status 0 tick-eod --hdb hdb tp
expect_eq "$(ls hdb | tr '\n' ' ')" "2026-11-18 2026-11-19 " "tick-eod takes a directory: a partition per journal"
# Neither journal has an end-of-day record (their tick-log stopped mid-day):
# each partition is marked partial, for the day's real end to replace.
expect_eq "$(grep -c 'no end-of-day record (its tick-log stopped before the roll): the partition is marked partial, and the day.s real end replaces it' err)" 2 "tick-eod says a day has no end of day"
[ -e hdb/2026-11-18/.partial ] && [ -e hdb/2026-11-19/.partial ] || die "a day without its end of day not marked partial"; ok

# A journal a tick-log is writing (its day is not over) is skipped, not
# written as the whole day; once its tick-log has stopped, the day is
# written marked partial, and once a restart has closed the day with its end
# of day, the real partition replaces it.
mkdir live
mkfifo livefeed
TICK_FAKE_TIME=2026-11-21T12:00:00Z tick-log live < livefeed > /dev/null 2> live.err &
LIVELOG=$!
exec 4> livefeed
tick-gen --seed 2 --count 1000 --syms 10 --start 2026-11-21T12:00:00Z >&4
journaled() { [ "$(tick-replay -f json live 2> /dev/null | wc -l)" -eq 1000 ]; }
wait_for journaled
expect_status 0 tick-eod --hdb hdb2 live
expect_eq "$(cat err)" "tick-eod: live/2026-11-21.tick: a tick-log is writing this journal (its day is not over): skipped; its partition is written once the day has rolled" "the live day skipped"
[ ! -e hdb2/2026-11-21 ] || die "a partition of a day that is not over"; ok
exec 4>&-
wait $LIVELOG || die "tick-log of the live day: $(cat live.err)"
expect_status 0 tick-eod --hdb hdb2 live
[ -e hdb2/2026-11-21/.partial ] || die "the stopped day's partition is not marked partial"; ok
TICK_FAKE_TIME=2026-11-22T12:00:00Z tick-log live < /dev/null > /dev/null 2> live2.err
expect_match "$(cat live2.err)" "closed with its end-of-day record" "the restart closed the day"
expect_status 0 tick-eod --hdb hdb2 live/2026-11-21.tick
expect_match "$(cat err)" "replaced the partial partition" "the day's real end replaced the partial partition"
[ ! -e hdb2/2026-11-21/.partial ] || die "the real partition is still marked partial"; ok
expect_eq "$(tick-replay --hdb hdb2 -f json | grep -c '"table":"trade"')" "$(tick-replay -f json live/2026-11-21.tick | grep -c '"table":"trade"')" "the partition holds the day's trades"
mkdir empty
expect_status 1 tick-log info empty
expect_eq "$(cat err)" "tick-log: empty: no journals (YYYY-MM-DD.tick, or kdb+'s NAMEyyyy.mm.dd) in it" "a directory without journals"

# tick-replay --hdb on a directory that is not an HDB.
expect_status 1 tick-replay --hdb tp --date 2026-11-18
expect_eq "$(cat err)" "tick-replay: tp: not an HDB (no YYYY-MM-DD partitions in it, nor q's yyyy.mm.dd)" "not an HDB"
printf 'trade time:timestamp sym:symbol price:float size:long\n' > s.schema

# A mistyped table is an error naming the tables there are (not an empty
# result and status 0), in a journal, a directory and the HDB; a sym never
# seen is a warning.
expect_status 1 tick-cat -t trades -f csv tp/2026-11-18.tick
expect_eq "$(cat err)" "tick-cat: unknown table 'trades' (tables: quote, trade)" "tick-cat -t trades"
expect_status 1 tick-replay -t trades -f csv tp
expect_eq "$(cat err)" "tick-replay: unknown table 'trades' (tables: quote, trade)" "tick-replay -t trades"
expect_status 1 tick-replay --hdb hdb --date 2026-11-18 -t trades -f csv
expect_eq "$(cat err)" "tick-replay: unknown table 'trades' (tables: quote, trade)" "tick-replay --hdb -t trades"
expect_status 0 tick-cat -t trade -s NOPE,"$(tick-cat -f csv -t trade tp/2026-11-18.tick | sed -n 2p | cut -d, -f2)" -f csv tp/2026-11-18.tick
expect_eq "$(cat err)" "tick-cat: no sym 'NOPE' in the input" "a sym never seen: a warning"
[ "$(wc -l < out)" -gt 1 ] || die "the sym that is there gave no rows"; ok

# tick-cat -e -f json|csv|table shows what was encoded; on a terminal
# without -f it is refused with a suggestion that works.
echo '{"table":"trade","time":"2026-11-18T10:00:00Z","sym":"A","price":1.5,"size":2}' > one.json
expect_eq "$(tick-cat -e --schema s.schema -t trade -f csv one.json)" "time,sym,price,size
2026-11-18T10:00:00.000000000Z,A,1.5,2" "-e -t trade -f csv"
expect_eq "$(tick-cat -e --schema s.schema -f json one.json)" '{"table":"trade","time":"2026-11-18T10:00:00.000000000Z","sym":"A","price":1.5,"size":2}' "-e -f json"
expect_match "$(tick-cat -e --schema s.schema -f table one.json | sed -n 3p)" "^trade +2026-11-18T10:00:00\.000000000Z +A +1\.5 +2$" "-e -f table"
set +e
PTYRUN_STDOUT=1 $PY "$HERE/ptyrun.py" tick-cat -e --schema s.schema one.json > tty2.out
rc=$?
set -e
expect_eq "$rc" 2 "binary to a terminal: usage error"
expect_match "$(tr -d '\r' < tty2.out)" "tick-cat: refusing to write a binary tick stream to a terminal \(redirect it, or add -f table to see what is encoded\)" "the suggestion"

# tick-replay --follow DIR follows today's journal, not the whole directory
# first; --from-day starts earlier.
n18=$(tick-replay -f json tp/2026-11-18.tick | grep -c '^{"table"')
n19=$(tick-replay -f json tp/2026-11-19.tick | grep -c '^{"table"')
TICK_FAKE_TIME=2026-11-19T12:00:00Z tick-replay --follow -f json tp > f19.csv 2> f19.err &
f=$!
TICK_FAKE_TIME=2026-11-19T12:00:00Z tick-replay --follow --from-day 2026-11-18 -f json tp > f18.csv 2> f18.err &
g=$!
sleep 1.5
kill -TERM $f $g
wait $f || die "tick-replay --follow: $(cat f19.err)"
wait $g || die "tick-replay --follow --from-day: $(cat f18.err)"
ok
expect_eq "$(grep -c '^{"table"' f19.csv)" "$n19" "--follow DIR starts at today's journal"
expect_eq "$(grep -c '^{"table"' f18.csv)" "$((n18 + n19))" "--from-day starts earlier"
# A closed downstream ends a follower of a quiet journal too (status 0).
TICK_FAKE_TIME=2026-11-19T12:00:00Z timeout 10 bash -c 'tick-replay --follow tp 2> fh.err | head -c 100 > /dev/null; exit ${PIPESTATUS[0]}' \
  || die "tick-replay --follow | head did not end: status $? ($(cat fh.err))"
ok
TICK_FAKE_TIME=2026-11-20T12:00:00Z expect_status 1 tick-replay --follow tp
expect_eq "$(cat err)" "tick-replay: tp: no journal from 2026-11-20 on (yet)" "no journal for today"
expect_status 2 tick-replay --from-day 2026-11-18 tp
expect_eq "$(cat err)" "tick-replay: --from-day is for --follow DIR (see --help)" "--from-day without --follow"

# tick-cat, the decoder, writes JSON lines on a pipe by default (-f tick
# passes the stream through); the other tools write tick.
expect_eq "$(tick-cat tp/2026-11-18.tick | head -1)" "$(tick-cat -f json tp/2026-11-18.tick | head -1)" "tick-cat | head: JSON lines"
expect_match "$(tick-cat tp/2026-11-18.tick | head -1)" '^\{"table":"(trade|quote)","time":' "a JSON row"
tick-cat -f tick tp/2026-11-18.tick | tick-cat -f json > through.json
tick-cat -f json tp/2026-11-18.tick > direct.json
same_files through.json direct.json "-f tick passes the stream through"
expect_eq "$(tick-replay tp/2026-11-18.tick | head -c 4 | od -An -tx1 | tr -d ' ')" "e1a7544b" "tick-replay still writes tick on a pipe"

# A time of day past 24:00 is refused, not an empty result.
expect_status 2 tick-replay tp/2026-11-18.tick --from 25:00 -f csv
expect_eq "$(cat err)" "tick-replay: bad time '25:00' (a time of day is 00:00 to 23:59:59.999999999) (see --help)" "--from 25:00"

# A UTF-8 byte order mark before a CSV header is not part of its first column.
printf '\xef\xbb\xbftime,sym,price,size\n2026-11-18T10:00:00Z,A,1.5,2\n' > bom.csv
expect_eq "$(tick-cat -e --in csv -t trade --schema s.schema bom.csv | tick-cat -f csv -t trade)" "time,sym,price,size
2026-11-18T10:00:00.000000000Z,A,1.5,2" "a CSV header with a BOM"

# One table asked for: no table column, in CSV or in the table format.
tick-cat -f table -t trade tp/2026-11-18.tick > one.txt
expect_match "$(head -1 one.txt)" "^time +sym +price +size$" "the table format's header without a table column"
expect_match "$(sed -n 3p one.txt)" "^2026-[^ ]+Z +S[0-9]+ " "rows without a table column"
expect_match "$(tick-cat -f table tp/2026-11-18.tick | head -1)" "^table +time +sym" "several tables: the table column stays"
# A time into a timespan column (kdb+ tick's time:timespan) is its time of
# day, whether an ISO timestamp or an epoch number (whole or not), as JSON
# or as a CSV field.
printf 'trade time:timespan sym:symbol price:float\n' > ts.schema
printf '%s\n' '{"table":"trade","time":"2026-12-08T14:00:00.123Z","sym":"A","price":1}' \
  '{"table":"trade","time":1796738400123,"sym":"A","price":1}' \
  '{"table":"trade","time":1796738400123.0,"sym":"A","price":1}' '{"table":"trade","time":"1796738400123","sym":"A","price":1}' > ts.json
tick-cat -e --schema ts.schema --time-unit ms ts.json | tick-cat -f csv > ts.csv
expect_eq "$(cut -d, -f2 ts.csv | tail -n +2 | cut -c1-12 | sort -u)" "14:00:00.123" "epoch numbers and timestamps into a timespan: the time of day"
# What a new user types first gets an answer that says what to do.
tick-cat -t trade -f csv tp/2026-11-18.tick > trades.csv
expect_status 1 tick-cat -e --schema s.schema trades.csv
expect_eq "$(cat err)" "tick-cat: trades.csv:1: not a JSON object: it looks like CSV (give --in csv)" "a .csv file without --in csv"
expect_status 2 tick-sub tp/2026-11-18.tick
expect_match "$(cat err)" "tp/2026-11-18.tick is a file: .* read a file with tick-replay tp/2026-11-18.tick" "tick-sub FILE points to tick-replay"
expect_status 1 sh -c 'echo "{\"table\":\"trade\",\"sym\":\"A\"}" | tick-log jsonlog > /dev/null'
expect_eq "$(cat err)" "tick-log: -:0: not a tick stream (no record marker): it looks like JSON; encode it first: tick-cat -e --schema FILE" "JSON into tick-log"
[ ! -e jsonlog ] || die "JSON into tick-log left $(ls -a jsonlog | tr '\n' ' ')"; ok
expect_status 1 sh -c 'tick-log csvlog < trades.csv > /dev/null'
expect_match "$(cat err)" "it looks like CSV; encode it first: tick-cat -e --in csv --schema FILE" "CSV into tick-log"
expect_status 1 tick-replay trades.csv
expect_match "$(cat err)" "trades.csv:0: not a tick stream .*it looks like CSV" "CSV into tick-replay"
expect_status 2 tick-cat --tabel trade tp/2026-11-18.tick
expect_eq "$(cat err)" "tick-cat: The following argument was not expected: --tabel; did you mean --table? (see --help)" "a flag typo: the nearest flag"
expect_status 2 tick-log --fsyn never tp
expect_match "$(cat err)" "did you mean --fsync\?" "tick-log's too"

# Ctrl-C on a long tick-cat of files (read in place: no read ever blocks)
# stops it, keeping whole rows; it ran to the end of every file before.
tick-gen --seed 3 --count 1000000 --syms 100 > big.tick
many=$(printf 'big.tick %.0s' $(seq 1 30))
tick-cat -f json $many > part.json 2> int.err &
cat_pid=$!
until [ -s part.json ]; do sleep 0.05; done
kill -INT $cat_pid
wait $cat_pid
expect_eq "$?" "0" "tick-cat stopped by SIGINT exits 0 (what it read is written)"
lines=$(wc -l < part.json)
expect_eq "$(( lines < 30000000 ))" "1" "SIGINT stops tick-cat before the end ($lines of 30000000 rows)"
tail -n 1 part.json | python3 -c 'import json, sys; assert json.loads(sys.stdin.read())["table"]' || die "the last row written is not whole: $(tail -c 100 part.json)"; ok
done_ok
