#!/usr/bin/env bash
# Subscribers across the day roll: a subscriber from the start of the day
# follows into the next day; one starting after the roll asks for the
# previous day and gets its rest, its end of day, then today; --until-eod
# stops after the end of day. End-of-day records reach every subscriber.
source "$(dirname "$0")/lib.sh"
port=$(free_port)
tick-gen --rate 2000 --duration 4 --syms 10 | TICK_FAKE_TIME=2026-11-23T23:59:58Z tick-log tp 2> log.err | \
  tick-pub -l :$port --log tp 2> pub.err &
feed=$!
wait_for grep -q listening pub.err
sleep 0.5
tick-sub :$port --from start -f json > a.json 2> a.err &
a=$!
tick-sub :$port --from start --until-eod -f json > c.json 2> c.err &
c=$!
tick-sub :$port -t trade -f csv > live.csv 2> live.err &
live=$!
sleep 2.5
expect_eq "$(ls tp | tr '\n' ' ')" "2026-11-23.tick 2026-11-24.tick " "the feed rolled"
tick-sub :$port --from start --day 2026-11-23 -f json > b.json 2> b.err &
b=$!
# A day with no journal (resuming after an end of day before a weekend, say):
# the first journal after it.
tick-sub :$port --from start --day 2026-11-22 -f json > d.json 2> d.err &
d=$!
wait $feed
for p in $a $b $c $d $live; do wait $p || die "a subscriber failed: $(cat a.err b.err c.err live.err)"; done
ok
tick-replay -f json tp > all.json
expect_eq "$(grep -c eod all.json)" 1 "one end of day in the journals"
same_files a.json all.json "from the start of day 1, through the roll"
same_files b.json all.json "from day 1 after the roll"
same_files d.json all.json "from a day with no journal: the next one"
tick-replay -f json tp/2026-11-23.tick > day1.json
same_files c.json day1.json "--until-eod stops after the end of day"
[ "$(wc -l < live.csv)" -gt 100 ] || die "the live subscriber got too little"; ok
done_ok
