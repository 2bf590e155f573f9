#!/usr/bin/env bash
# Join: while a feed writes 1M rows, a subscriber starts from the start of the
# day halfway through; what it writes equals the journal exactly (no gap, no
# duplicate), also when tick-pub (and so the tickerplant) is restarted in
# the middle.
source "$(dirname "$0")/lib.sh"
port=$(free_port)
tick-gen --seed 1 --count 500000 --batch 20 --syms 100 > a.tick
tick-gen --seed 2 --count 500000 --batch 20 --syms 120 > b.tick

# First half, paced so the subscriber joins in the middle of it.
tick-replay --rate 250000 a.tick | tick-log tp | tick-pub -l :$port --log tp 2> pub1.err &
pub1=$!
sleep 1
tick-sub :$port --from start -f json > early.json 2> early.err &
early=$!
sleep 0.6
{ kill -KILL $pub1; wait $pub1; } 2> /dev/null || true
# The tickerplant is down; the subscriber keeps trying. Restart it with the second half.
sleep 0.5
tick-replay --rate 250000 b.tick | tick-log tp | tick-pub -l :$port --log tp 2> pub2.err &
pub2=$!
sleep 1
tick-sub :$port --from start -f json > late.json 2> late.err &
late=$!
wait $pub2
wait $early || die "the early subscriber failed: $(cat early.err)"
wait $late || die "the late subscriber failed: $(cat late.err)"
ok

J=$(ls tp/*.tick)
tick-replay -f json $J > journal.json
n=$(wc -l < journal.json)
[ "$n" -gt 500000 ] || die "the journal holds only $n rows"; ok
same_files early.json journal.json "joined across a restart"
same_files late.json journal.json "joined after the restart"
expect_match "$(cat early.err)" "reconnecting" "the early subscriber saw the restart"
# Sequence numbers in the journal: one run, no gap or repeat.
expect_eq "$($WALK $J | awk '$2=="D"{n++; if ($5!=n) {print "gap at " n; exit}}')" "" "journal sequence"

expect_status 1 tick-sub :$port --no-reconnect -f json
expect_match "$(cat err)" "^tick-sub: :$port: Connection refused$" "no-reconnect error"
# Retrying a connection that cannot be made: said at once, and again while it
# goes on failing; a downstream that has gone ends it (nothing is written
# while it waits, so it looks).
tick-sub :$port -f json > /dev/null 2> retry.err &
rp=$!
# A connection that was up and went: its retries are counted from then.
port3=$(free_port)
tick-gen --rate 200 | tick-pub -l :$port3 2> pub3.err &
p3=$!
wait_for grep -q listening pub3.err
tick-sub :$port3 -f json > lost.out 2> lost.err &
lp=$!
wait_for test -s lost.out
kill $p3; pkill -f "tick-pub -l :$port3" || true
timeout 20 bash -c "tick-sub :$port -f json 2> gone.err | true" || die "tick-sub :PORT | true did not end: status $?"
ok
expect_match "$(head -1 gone.err)" "^tick-sub: :$port: Connection refused \\(retrying; --no-reconnect fails at once\\)$" "the first refusal said"
sleep 13
kill -TERM $rp
wait $rp || die "tick-sub retrying: status $? at SIGTERM"
ok
expect_match "$(sed -n 2p retry.err)" "^tick-sub: :$port: Connection refused \\(still, after [0-9]+ attempts in 1[0-9] s; retrying every 5 s\\)$" \
  "said again while it goes on failing"
kill -TERM $lp; wait $lp || true
expect_match "$(grep 'still, after' lost.err | head -1)" "^tick-sub: :$port3: Connection refused \\(still, after [0-9]+ attempts in 1[0-9] s; retrying every 5 s\\)$" \
  "after a lost connection too, counted from the loss"
done_ok
