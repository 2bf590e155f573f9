#!/usr/bin/env bash
# A crash is never an orderly end. tick-log whose downstream is killed, or
# whose disk fills, leaves its live end unfinished: local readers and the RDB
# wait for the restart and then go on. tick-log killed under tick-pub: tick-pub
# sends no end-of-stream and exits 1 (so a service manager restarts the
# tickerplant); its subscribers reconnect to the restarted one and get every
# row once. An orderly stop still ends every reader.
source "$(dirname "$0")/lib.sh"

live_state() { $PY -c "import struct;print(struct.unpack_from('<I',open('$1/.tick.live','rb').read(64),24)[0])"; }
rows() { tick-cat -f json "$@" | grep -c '^{"table"'; }
running() { kill -0 "$1" 2> /dev/null; }
larger() { [ "$(stat -c %s "$1")" -gt "$2" ]; }

# 1. The fan-out of tick-log --listen DIR | tick-pub is SIGKILLed.
PL=$(free_port); PP=$(free_port); mkfifo tp.fifo
tick-log tp --listen 127.0.0.1:$PL < /dev/null > tp.fifo 2> log.err & LOG=$!
tick-pub -l 127.0.0.1:$PP --log tp < tp.fifo 2> pub.err & PUB=$!
wait_for grep -q listening pub.err
(tick-gen --rate 2000 --count 6000 --start 2026-03-01T01:00:00Z | tick-pub --to 127.0.0.1:$PL) 2> feed.err & FEED=$!
tick-sub tp --from start > local.tick 2> local.err & LOC=$!
wait_for larger local.tick 20000
kill -9 $PUB; wait $PUB 2> /dev/null || true
set +e; wait $LOG; logrc=$?; set -e
expect_eq "$logrc" "0" "tick-log ends quietly on a broken pipe, as a filter does"
expect_eq "$(live_state tp)" "1" "its live end does not say 'ended in order'"
wait_for grep -q "waiting for it to start again" local.err
running $LOC || die "the local reader ended: $(cat local.err)"; ok
# The restart: the feed resends what was not acknowledged, the reader goes on.
tick-log tp --listen 127.0.0.1:$PL < /dev/null > /dev/null 2>> log.err & LOG=$!
wait $FEED || die "the feed failed: $(cat feed.err)"; ok
kill -TERM $LOG; wait $LOG
wait $LOC || die "the local reader failed after an orderly stop: $(cat local.err)"; ok
expect_eq "$(rows local.tick)" "6000" "the local reader got every row once across the restart"
expect_eq "$(live_state tp)" "2" "an orderly stop says 'ended in order'"

# 2. tick-log killed under tick-pub, as the shipped unit runs them.
PL=$(free_port); PP=$(free_port)
setsid sh -c "exec tick-log --listen 127.0.0.1:$PL tp2 < /dev/null | exec tick-pub -l 127.0.0.1:$PP --log tp2" > /dev/null 2> tp.err & TP=$!
ON_EXIT='stop_session $TP; stop_session ${FEED3:-$TP}' 
wait_for grep -q 'tick-pub: listening' tp.err
(tick-gen --rate 2000 --count 6000 --start 2026-03-01T01:00:00Z | tick-pub --to 127.0.0.1:$PL) 2> feed2.err & FEED=$!
tick-sub 127.0.0.1:$PP --from start > sub.tick 2> sub.err & SUB=$!
tick-sub 127.0.0.1:$PP --from start -t trade -f csv > sub.csv 2> subcsv.err & SUBCSV=$!
wait_for larger sub.tick 20000
kill -9 "$(pgrep -s $TP -x tick-log)"
set +e; wait $TP; unit=$?; set -e
[ "$unit" != 0 ] || die "the unit's process ended 0 after tick-log was killed: $(cat tp.err)"; ok
expect_match "$(cat tp.err)" "did not end in order" "tick-pub says why it ends"
wait_for grep -q "reconnecting" sub.err
running $SUB || die "the TCP subscriber ended: $(cat sub.err)"; ok
setsid sh -c "exec tick-log --listen 127.0.0.1:$PL tp2 < /dev/null | exec tick-pub -l 127.0.0.1:$PP --log tp2" > /dev/null 2>> tp.err & TP=$!
wait $FEED || die "the feed failed: $(cat feed2.err)"; ok
kill -TERM "$(pgrep -s $TP -x tick-log)"
wait $SUB || die "the subscriber failed after the orderly stop: $(cat sub.err)"; ok
wait $TP || die "the unit failed on an orderly stop: $(cat tp.err)"; ok
expect_eq "$(rows sub.tick)" "6000" "the TCP subscriber got every row once across the restart"
wait $SUBCSV || die "the CSV subscriber failed: $(cat subcsv.err)"; ok
expect_eq "$(grep -c '^time,' sub.csv) $(grep -vc '^time,' sub.csv)" "1 $(tick-cat -f json -t trade tp2 | grep -c '^{"table"')" \
  "a CSV subscriber's rows across the reconnect, under one header"

# 3. The journal's disk fills (root: a small tmpfs).
if [ "$(id -u)" = 0 ] && mkdir mnt && mount -t tmpfs -o size=2m tmpfs mnt 2> /dev/null; then
  ON_EXIT="$ON_EXIT; umount -l $WORK/mnt"
  PL=$(free_port)
  tick-log mnt/tp --listen 127.0.0.1:$PL < /dev/null > /dev/null 2> full.err & LOG=$!
  wait_for grep -q listening full.err
  setsid sh -c "tick-gen --count 100000 --start 2026-03-01T01:00:00Z | tick-pub --to 127.0.0.1:$PL" > /dev/null 2> feed3.err & FEED=$!; FEED3=$FEED
  tick-sub mnt/tp --from start > full.tick 2> fullsub.err & LOC=$!
  set +e; wait $LOG; logrc=$?; set -e
  expect_eq "$logrc" "1" "tick-log exits 1 on a full disk"
  expect_match "$(cat full.err)" "tick-log: mnt/tp/[0-9-]+\.tick: write error: No space left on device" "and says why, naming the journal"
  # (the journal's failure is not the publisher's: it is not refused, it waits to resend)
  [[ "$(cat feed3.err)" != *refused* ]] || die "the publisher was refused for tick-log's full disk: $(cat feed3.err)"; ok
  expect_eq "$(live_state mnt/tp)" "1" "its live end does not say 'ended in order'"
  wait_for grep -q "waiting for it to start again" fullsub.err
  running $LOC || die "the local reader ended on a full disk: $(cat fullsub.err)"; ok
  stop_session $FEED; kill $LOC
else
  echo "crash_end: not root, or no tmpfs: the full-disk case is not run" >&2
fi
done_ok
