#!/usr/bin/env bash
# Rows that went missing without a word: feeds' rows served from the journal
# (--from start and --from SEQ), tick-sub ending when its downstream closes
# (every format), a subscriber that was cut off and reconnects as the input
# ends, catch-up under a small --max-queue, the live journal locked against a
# second tick-log and against compress, and check refusing what a restart
# would refuse.
source "$(dirname "$0")/lib.sh"
H="$PY $HERE/hostile.py"
lport=$(free_port); port=$(free_port)

export TICK_FAKE_TIME=2026-11-26T09:00:00Z
J=tp/2026-11-26.tick
tick-log tp --listen :$lport < /dev/null 2> log.err | tick-pub -l :$port --log tp --max-queue 1M 2> pub.err &
wait_for grep -q listening pub.err
# Two feeds, 10000 rows in all (one row a record: seq = row).
tick-gen --seed 1 --count 6000 --batch 1 --syms 20 --start 2026-01-05T10:00:00Z > f1.tick
tick-gen --seed 2 --count 4000 --batch 1 --syms 30 --start 2026-01-05T11:00:00Z > f2.tick
tick-pub --to :$lport < f1.tick 2> f1.err & p1=$!
tick-pub --to :$lport < f2.tick 2> f2.err & p2=$!
wait $p1 || die "feed 1: $(cat f1.err)"; wait $p2 || die "feed 2: $(cat f2.err)"; ok

# A second tick-log on the same journal is refused (the live one is locked).
expect_status 1 tick-log tp < /dev/null
expect_eq "$(cat err)" "tick-log: $J: another tick-log is writing this journal" "a second tick-log refused"
# compress refuses the live journal, named as a file.
expect_status 1 tick-log compress $J
expect_eq "$(cat err)" "tick-log: $J: a tick-log is writing this journal: not compressed" "compress refuses the live journal"
[ -f $J ] && [ ! -e $J.zst ] || die "the live journal was touched"; ok

# The journaled feeds' rows from the journal: all, and from a sequence.
tick-replay -f json $J > journal.json
expect_eq "$(wc -l < journal.json)" 10000 "rows journaled"
read_until() {  # read_until FILE N: wait for N lines
  for _ in $(seq 1 200); do [ "$(wc -l < "$1")" -ge "$2" ] && return 0; sleep 0.05; done
  return 1
}
tick-sub :$port --from start -f json > all.json 2> all.err &
s_all=$!
tick-sub :$port --from 7001 -f json > from.json 2> from.err &
s_from=$!
read_until all.json 10000 || die "tick-sub --from start got $(wc -l < all.json) of 10000 rows: $(cat all.err)"; ok
read_until from.json 3000 || die "tick-sub --from 7001 got $(wc -l < from.json) of 3000 rows: $(cat from.err)"; ok

# A closed downstream ends tick-sub at once, status 0, in every format
# (timeout would end a pipeline that hangs: status 124).
for f in tick json "csv -t trade" table; do
  timeout 10 bash -c "tick-sub :$port --from start -f $f 2> head.err | head -c 100 > /dev/null; exit \${PIPESTATUS[0]}" \
    || die "tick-sub -f $f | head: status $? ($(cat head.err))"
  ok
  expect_eq "$(cat head.err)" "" "tick-sub -f $f | head says nothing"
done
# CSV of a stream whose tables tick-pub declares as they are first used:
# one header, grown once by the later table's columns, and it encodes back.
timeout 20 bash -c "tick-sub :$port --from start -f csv 2> csvsub.err | head -n 3000 > sub.csv" || die "tick-sub -f csv | head: $(cat csvsub.err)"
ok
expect_match "$(grep -c '^table,' sub.csv)" "^[12]$" "a header, and once more at most (a table declared later)"
expect_eq "$(grep '^table,' sub.csv | tail -1 | tr ',' '\n' | LC_ALL=C sort | tr '\n' ' ')" "asize ask bid bsize price size sym table time " "the last header: the union of both tables' columns"
tick-gen --print-schema > gen.schema
expect_eq "$(head -n 2999 sub.csv | tick-cat -e --schema gen.schema --in csv | tick-cat -f json | wc -l)" "$(( 2999 - $(head -n 2999 sub.csv | grep -c '^table,') ))" "tick-cat -e reads it back, every row"

# A subscriber that is cut off (stopped, its queue past --max-queue 1M)
# and comes back after tick-pub's input has ended still gets every row and
# the end-of-stream. A catch-up that keeps up is never cut off.
tick-gen --seed 3 --count 600000 --batch 100 --syms 50 --start 2026-01-05T12:00:00Z > f3.tick
tick-sub :$port --from start > slow.tick 2> slow.err &
slow=$!
sleep 0.3
kill -STOP $slow
tick-pub --to :$lport < f3.tick 2> f3.err || die "feed 3: $(cat f3.err)"; ok
tick-sub :$port --from start -f json > keep.json 2> keep.err &
keep=$!
for _ in $(seq 1 600); do [ "$(wc -l < keep.json)" -ge 610000 ] && break; sleep 0.05; done
expect_eq "$(wc -l < keep.json)" 610000 "the catch-up under --max-queue 1M"
wait_for grep -q "cut off" pub.err
# End the tickerplant's input while the cut-off one is away.
kill -TERM "$(pgrep -f "tick-log tp --listen :$lport")"
sleep 0.5
kill -CONT $slow
wait $slow || die "the cut-off subscriber failed: $(cat slow.err)"; ok
wait $keep || die "the keeping-up subscriber failed: $(cat keep.err)"; ok
wait $s_all || die "tick-sub --from start failed: $(cat all.err)"; ok
wait $s_from || die "tick-sub --from 7001 failed: $(cat from.err)"; ok
expect_match "$(cat slow.err)" "cut off: its queue passed --max-queue" "the slow one was cut off"
expect_eq "$(grep -c "cut off" keep.err)" 0 "a catch-up that keeps up is never cut off"
tick-cat -f json slow.tick > slow.json
tick-replay -f json $J > journal.json
expect_eq "$(wc -l < journal.json)" 610000 "rows journaled"
same_files slow.json journal.json "the cut-off subscriber, back after the end, has every row"
same_files keep.json journal.json "the keeping-up catch-up has every row"
same_files all.json journal.json "tick-sub --from start: the feeds' rows from the journal"
sed -n '7001,$p' journal.json > from_ref.json
same_files from.json from_ref.json "tick-sub --from 7001"

# check says what a restart would refuse: a progress record for a slot past
# 65535, and a data record of an undeclared slot.
$PY -c "
import sys; sys.path.insert(0, '$HERE')
import struct
from tickrec import record, eod, days
data = open('$J', 'rb').read()
open('bad1.tick', 'wb').write(data + record('G', struct.pack('<QQII', 42, 0, 70000, 0)) + eod(days('2026-11-26'), 1))
"
mkdir -p restart && cp bad1.tick restart/2026-11-26.tick
expect_status 1 tick-log check bad1.tick
expect_match "$(cat err)" "bad1.tick:[0-9]+: progress record for publisher slot 70000 \(slots are 1 to 65535\)" "check names the slot"
expect_status 1 tick-log restart < /dev/null
expect_match "$(cat err)" "restart/2026-11-26.tick:[0-9]+: progress record for publisher slot 70000 \(slots are 1 to 65535\); run tick-log check --repair" "restart refuses the same"
done_ok
