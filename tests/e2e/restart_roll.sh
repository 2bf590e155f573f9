#!/usr/bin/env bash
# tick-log stopped or killed before its day roll and started after it: the
# last day's journal is closed with its end-of-day record, and the
# publishers' progress carries over, so a feed's records journaled but not
# acknowledged before the kill are not journaled again in the new day; the
# RDB on the local and the TCP path writes each day's partition with that
# day's rows. A compressed last day passes its publishers on too.
source "$(dirname "$0")/lib.sh"
D1=2026-03-01; D2=2026-03-02

rows_of() { local n=0 f; for f in "$@"; do n=$((n + $(tick-cat -f json "$f" | grep -c '^{"table"'))); done; echo $n; }
dups_of() { local f; for f in "$@"; do tick-cat -f json "$f"; done | grep '^{"table"' | sort | uniq -d | wc -l; }
# blocked_on_pipe PID: the process waits to write into a full pipe.
blocked_on_pipe() { grep -q pipe_w /proc/$1/wchan 2> /dev/null; }

# 1. A publisher's journaled, unacknowledged records across a kill before
# midnight and a restart after it. tick-log's downstream stops reading: it
# journals, then blocks writing downstream, before acknowledging.
PL=$(free_port)
mkfifo down.fifo
sleep 600 < down.fifo & HOLD=$!   # (holds the fifo open, never reads)
TICK_FAKE_TIME=${D1}T23:59:00Z tick-log tp --listen 127.0.0.1:$PL < /dev/null > down.fifo 2> log1.err & LOG=$!
wait_for grep -q listening log1.err
(tick-gen --count 200000 --start ${D1}T10:00:00Z | tick-pub --to 127.0.0.1:$PL) 2> feed.err & FEED=$!
wait_for blocked_on_pipe $LOG
kill -9 $LOG; wait $LOG 2> /dev/null || true
kill $HOLD
journaled1=$(rows_of tp/$D1.tick)
[ "$journaled1" -gt 0 ] && [ "$journaled1" -lt 200000 ] || die "day 1 journaled $journaled1 rows before the kill"; ok
TICK_FAKE_TIME=${D2}T00:00:10Z tick-log tp --listen 127.0.0.1:$PL < /dev/null > /dev/null 2> log2.err & LOG=$!
wait $FEED || die "the feed failed: $(cat feed.err)"; ok
kill -TERM $LOG; wait $LOG
expect_match "$(cat log2.err)" "tp/$D1.tick: closed with its end-of-day record" "the restart says it closed the last day"
expect_match "$(tick-log info tp/$D1.tick)" "end of day $D1" "day 1 ends with its end-of-day record"
expect_eq "$(rows_of tp/$D1.tick tp/$D2.tick)" "200000" "every row acknowledged is journaled"
expect_eq "$(dups_of tp/$D1.tick tp/$D2.tick)" "0" "no row journaled twice"
expect_eq "$(rows_of tp/$D1.tick)" "$journaled1" "day 1 holds what it had"
expect_status 0 tick-log check tp

# A second restart on day 2 leaves day 1 alone (closed once).
(sleep 0.5 | TICK_FAKE_TIME=${D2}T00:01:00Z tick-log tp > /dev/null) 2> log3.err
expect_eq "$(grep -c 'closed with' log3.err || true)" "0" "a restart on the same day closes nothing"
expect_eq "$($WALK tp/$D1.tick | grep -c ' E ')" "1" "one end-of-day record in day 1"

# 2. The RDB: tick-log stopped in order before midnight, started after it;
# the RDB started after the restart on the local and on the TCP path.
PL=$(free_port); PP=$(free_port)
mkfifo a.fifo
TICK_FAKE_TIME=${D1}T23:59:50Z tick-log rdb --listen 127.0.0.1:$PL < /dev/null > a.fifo 2> rlog1.err & LOG=$!
TICK_FAKE_TIME=${D1}T23:59:50Z tick-pub -l 127.0.0.1:$PP --log rdb < a.fifo 2> rpub1.err & PUB=$!
wait_for grep -q listening rpub1.err
tick-gen --count 3000 --start ${D1}T10:00:00Z | tick-pub --to 127.0.0.1:$PL 2> feed1.err
kill -TERM $LOG; wait $LOG $PUB
mkfifo b.fifo
TICK_FAKE_TIME=${D2}T00:00:10Z tick-log rdb --listen 127.0.0.1:$PL < /dev/null > b.fifo 2> rlog2.err & LOG=$!
TICK_FAKE_TIME=${D2}T00:00:10Z tick-pub -l 127.0.0.1:$PP --log rdb < b.fifo 2> rpub2.err & PUB=$!
wait_for grep -q listening rpub2.err
setsid sh -c "tick-sub rdb --from start --day $D1 | tick-eod --hdb hdb_local" > /dev/null 2> rdb_local.err & RL=$!
setsid sh -c "tick-sub 127.0.0.1:$PP --from start --day $D1 | tick-eod --hdb hdb_tcp" > /dev/null 2> rdb_tcp.err & RT=$!
ON_EXIT='stop_session $RL; stop_session $RT' 
tick-gen --count 2000 --start ${D2}T10:00:00Z | tick-pub --to 127.0.0.1:$PL 2> feed2.err
wait_for test -d hdb_local/$D1
wait_for test -d hdb_tcp/$D1
for h in hdb_local hdb_tcp; do
  expect_eq "$(tick-replay --hdb $h --date $D1 -f json | grep -c '^{"table"')" "3000" "$h: day 1's partition holds day 1's rows"
done
stop_session $RL; stop_session $RT
kill -TERM $LOG; wait $LOG $PUB

# 3. The last day compressed (closed, at rest): its publishers carry over.
PL=$(free_port)
TICK_FAKE_TIME=${D1}T12:00:00Z tick-log zz --listen 127.0.0.1:$PL < /dev/null > /dev/null 2> zlog1.err & LOG=$!
wait_for grep -q listening zlog1.err
tick-gen --count 500 | tick-pub --to 127.0.0.1:$PL 2> zfeed.err
kill -TERM $LOG; wait $LOG
(sleep 0.3 | TICK_FAKE_TIME=${D2}T00:00:10Z tick-log zz > /dev/null) 2> /dev/null    # closes day 1
rm zz/$D2.tick
expect_status 0 tick-log compress zz/$D1.tick
(sleep 0.3 | TICK_FAKE_TIME=${D2}T00:00:20Z tick-log zz > /dev/null) 2> /dev/null
expect_eq "$($WALK zz/$D2.tick | grep -c ' G ')" "1" "day 2 declares day 1's publisher (from the compressed journal)"
done_ok
