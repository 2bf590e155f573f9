#!/usr/bin/env bash
# Feeds: three publishers with different dictionaries into one tick-log
# --listen; the journal holds every row of each with the right syms; killing
# tick-log and restarting it loses nothing a publisher had sent (publishers
# resend what was not acknowledged; nothing is journaled twice). A publisher
# whose schema conflicts is refused; the others go on.
source "$(dirname "$0")/lib.sh"
port=$(free_port)
i=0
for spec in "5 10" "50 11" "500 12"; do
  set -- $spec
  i=$((i + 1))
  tick-gen --seed $i --syms $1 --count 100000 --batch 10 --start 2026-01-05T$2:00:00Z > p$i.tick
  tick-cat -f json p$i.tick >> expected.json
done
sort expected.json > expected.sorted

tick-log tp --listen :$port > down1.tick 2> log1.err < /dev/null &
logpid=$!
wait_for grep -q listening log1.err
for i in 1 2 3; do
  tick-replay --rate 40000 p$i.tick | tick-pub --to :$port 2> pub$i.err &
  eval pub$i=\$!
done

# A publisher with a conflicting schema is refused by name; the others go on.
printf 'trade time:timestamp sym:symbol price:long\n' > other.schema
echo '{"table":"trade","sym":"X","price":1}' | tick-cat -e --schema other.schema > other.tick
sleep 0.5
expect_status 1 tick-pub --to :$port < other.tick
expect_match "$(cat err)" "refused: offset [0-9]+: table 'trade' does not match the journal's" "conflicting publisher refused"

# Kill the journal mid-feed; restart it; publishers reconnect and resend.
sleep 0.7
kill -KILL $logpid; wait $logpid 2> /dev/null || true
sleep 0.4
tick-log tp --listen :$port > down2.tick 2> log2.err < /dev/null &
logpid=$!
for i in 1 2 3; do
  eval p=\$pub$i
  wait $p || die "publisher $i failed: $(cat pub$i.err)"
done
ok
kill -TERM $logpid; wait $logpid || die "tick-log did not exit 0 on SIGTERM"
ok

J=$(ls tp/*.tick)
expect_status 0 tick-log check $J
tick-replay -f json $J | sort > journal.sorted
expect_eq "$(wc -l < journal.sorted)" 300000 "rows journaled"
cmp -s journal.sorted expected.sorted || die "the journal's rows differ from the publishers' ($(diff journal.sorted expected.sorted | head -3))"; ok
expect_match "$(cat pub1.err pub2.err pub3.err)" "reconnecting" "publishers saw the restart"
# Each publisher's rows, in its own order.
for i in 1 2 3; do
  h=$(( 9 + i ))
  tick-replay -f json --from 2026-01-05T$h:00:00Z --to 2026-01-05T$h:59:59Z $J > got$i.json
  tick-cat -f json p$i.tick > want$i.json
  same_files got$i.json want$i.json "publisher $i's rows in order"
done
expect_eq "$($WALK $J | awk '$2=="D"{n++; if ($5!=n) {print "gap at " n; exit}}')" "" "journal sequence"
done_ok
