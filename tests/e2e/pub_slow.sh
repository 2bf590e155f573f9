#!/usr/bin/env bash
# A slow subscriber: one tick-sub is stopped (SIGSTOP) while 500 MB flow.
# tick-pub cuts it off when its queue passes --max-queue, so its resident
# memory stays under that plus a fixed margin; the other subscriber keeps
# going; after SIGCONT the stopped one reconnects, resumes from the journal
# and ends with every row.
source "$(dirname "$0")/lib.sh"
port=$(free_port)
rows=13000000   # about 500 MB of tick stream
maxq=$((32 << 20))

# The feed is a FIFO this script holds open, so tick-pub keeps serving
# after the rows until the script closes it.
# (Every process started after it is given 3>&- so that only this script
# holds the FIFO's write end.)
mkfifo feed
tick-log tp < feed | tick-pub -l :$port --log tp --max-queue $maxq 2> pub.err &
pub=$!
exec 3> feed
wait_for grep -q listening pub.err
tick-gen --seed 3 --count $rows --batch 100 --syms 500 > feed 3>&- &

tick-sub :$port --from start > slow.tick 2> slow.err 3>&- &
slow=$!
sleep 0.3
kill -STOP $slow
tick-sub :$port --from start -f csv -t trade -s AAPL > fast.csv 2> fast.err 3>&- &
fast=$!

# Wait until the whole feed is journaled and the fast subscriber has all of it.
J=$(ls tp/*.tick)
wait_for test -s $J
for _ in $(seq 1 600); do
  n=$({ tick-log info $J 2>/dev/null || true; } | awk '/table/{s+=$3} END{print s+0}')
  [ "$n" -eq $rows ] && break
  sleep 0.2
done
expect_eq "$n" $rows "rows journaled while one subscriber is stopped"
tick-replay -f csv -t trade -s AAPL $J > fast_ref.csv
for _ in $(seq 1 300); do cmp -s fast.csv fast_ref.csv && break; sleep 0.1; done
same_files fast.csv fast_ref.csv "the running subscriber got everything while the other was stopped"

hwm=$(awk '/VmHWM/{print $2 * 1024}' /proc/$pub/status)
# (Under ASan the shadow memory and quarantine are not tick-pub's to bound.)
if [ "${TICK_SANITIZED:-0}" != 1 ]; then
  [ "$hwm" -lt $((maxq + (96 << 20))) ] || die "tick-pub peak RSS $hwm bytes with --max-queue $maxq"; ok
fi
echo "tick-pub peak RSS: $((hwm >> 20)) MiB with --max-queue $((maxq >> 20)) MiB, $(stat -c %s $J) bytes journaled" >&2
expect_match "$(cat pub.err)" "cut off: its queue passed --max-queue $maxq bytes" "cut-off message"

# The stopped one wakes, reconnects, and catches up from the journal.
kill -CONT $slow
for _ in $(seq 1 600); do
  [ "$(stat -c %s slow.tick)" -ge "$(stat -c %s $J)" ] && break
  sleep 0.2
done
sleep 0.5
kill -TERM $slow; wait $slow || true
tick-cat -f csv -t quote -s S0042 slow.tick > slow_q.csv
tick-replay -f csv -t quote -s S0042 $J > ref_q.csv
same_files slow_q.csv ref_q.csv "the stopped subscriber ends with every row"
expect_eq "$(tick-cat -f json slow.tick | wc -l)" $rows "rows at the stopped subscriber"
expect_match "$(cat slow.err)" "reconnecting" "the stopped subscriber reconnected"
# Cut off with its socket full: the connection ends mid-record (or, by
# chance, between records, after the refusal): one line says which.
expect_match "$(head -1 slow.err)" "^tick-sub: (:$port:[0-9]+: truncated data record: [0-9]+ of [0-9]+ bytes at the end of input: connection lost mid-record|:$port: cut off: its queue passed --max-queue [0-9]+ bytes.*); reconnecting$" "the loss in one line"
# Closing the feed ends the tickerplant: the running subscriber gets an
# end-of-stream and exits 0.
exec 3>&-
wait $fast || die "the running subscriber did not end cleanly: $(cat fast.err)"; ok
wait $pub || die "tick-pub did not exit 0"; ok
done_ok
