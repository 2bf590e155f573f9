#!/usr/bin/env bash
# The day roll with a replaced clock (TICK_FAKE_TIME, TICK_FAKE_SPEED): at the
# configured time and zone, exactly once a day across both US DST changes,
# with no input at all, an end-of-day record downstream each time, and a
# jump of several days rolled once and said.
source "$(dirname "$0")/lib.sh"

# run_quiet START SECONDS DIR [extra tick-log args]: a day per real second, no input.
run_quiet() {
  local start=$1 secs=$2 dir=$3; shift 3
  (sleep "$secs" | TICK_FAKE_TIME=$start TICK_FAKE_SPEED=86400 \
     tick-log "$dir" --roll-at 17:00 --tz America/New_York "$@" > "$dir.down") 2> "$dir.err"
}

# Spring forward: Sunday 2026-03-08. 17:00 New York is 22:00Z before, 21:00Z after.
run_quiet 2026-03-06T12:00:00-05:00 4.5 spring
expect_eq "$(grep -o 'end of day [0-9-]* at [0-9T:.-]*Z' spring.err | head -n 4 | sed 's/\.000000000Z/Z/')" \
"end of day 2026-03-06 at 2026-03-06T22:00:00Z
end of day 2026-03-07 at 2026-03-07T22:00:00Z
end of day 2026-03-08 at 2026-03-08T21:00:00Z
end of day 2026-03-09 at 2026-03-09T21:00:00Z" "rolls across spring forward"
expect_eq "$(ls spring | head -n 5 | tr '\n' ' ')" "2026-03-06.tick 2026-03-07.tick 2026-03-08.tick 2026-03-09.tick 2026-03-10.tick " "one file a day"
# Downstream: an end-of-day record for each day, in order, with its date.
expect_eq "$(tick-cat -f json spring.down | jq -r .eod | head -n 4 | tr '\n' ' ')" "2026-03-06 2026-03-07 2026-03-08 2026-03-09 " "end-of-day records downstream"
# Each closed file ends with its own end-of-day record and checks clean.
for d in 06 07 08 09; do
  expect_eq "$($WALK spring/2026-03-$d.tick | tail -1 | awk '{print $2, $4}')" "E $(( $(date -ud 2026-03-$d +%s) / 86400 ))" "end of day in 2026-03-$d.tick"
done
expect_status 0 tick-log check spring/*.tick

# Fall back: Sunday 2026-11-01. 17:00 New York is 21:00Z before, 22:00Z after.
run_quiet 2026-10-30T12:00:00-04:00 3.5 fall
expect_eq "$(grep -o 'end of day [0-9-]* at [0-9T:.-]*Z' fall.err | head -n 3 | sed 's/\.000000000Z/Z/')" \
"end of day 2026-10-30 at 2026-10-30T21:00:00Z
end of day 2026-10-31 at 2026-10-31T21:00:00Z
end of day 2026-11-01 at 2026-11-01T22:00:00Z" "rolls across fall back"
expect_eq "$(tick-cat -f json fall.down | jq -r .eod | sort | uniq -d)" "" "no day rolled twice"

# Midnight UTC is the default.
(sleep 2.5 | TICK_FAKE_TIME=2026-11-23T12:00:00Z TICK_FAKE_SPEED=86400 tick-log utc > utc.down) 2> utc.err
expect_eq "$(grep -o 'end of day [0-9-]* at [0-9T:-]*' utc.err | head -n 2)" "end of day 2026-11-23 at 2026-11-24T00:00:00
end of day 2026-11-24 at 2026-11-25T00:00:00" "default roll at midnight UTC"

# Rows on both sides of a roll land in their day's file; downstream sees the
# end of day between them and the new file's context after it.
(tick-gen --rate 400 --duration 3 --syms 5 | TICK_FAKE_TIME=2026-11-23T23:59:59Z tick-log rows > rows.down) 2> rows.err
expect_eq "$(ls rows | tr '\n' ' ')" "2026-11-23.tick 2026-11-24.tick " "files around the roll"
n1=$(tick-replay -f json rows/2026-11-23.tick | grep -vc eod); n2=$(tick-replay -f json rows/2026-11-24.tick | wc -l)
[ "$n1" -gt 0 ] && [ "$n2" -gt 0 ] || die "rows on one side only ($n1, $n2)"; ok
expect_eq "$(tick-cat -f json rows.down | grep -vc eod)" "$((n1 + n2))" "every row downstream"
expect_eq "$(tick-cat -f json rows.down | grep -n eod | cut -d: -f1)" "$((n1 + 1))" "end of day between the days"
# The second file is self-contained: it decodes alone.
tick-cat -f json rows/2026-11-24.tick > /dev/null || die "the new day's file does not decode alone"; ok

# A stopped clock that wakes days later rolls once, and says so.
sleep 4 | TICK_FAKE_TIME=2026-11-23T12:00:00Z TICK_FAKE_SPEED=86400 tick-log jump > jump.down 2> jump.err &
pid=$!
sleep 0.3
kill -STOP $pid
sleep 3.2
kill -CONT $pid
wait
expect_match "$(cat jump.err)" "the clock jumped from 2026-11-23 to 2026-11-2[6-7]: rolling once, [2-4] days have no journal" "jump message"
expect_eq "$(tick-cat -f json jump.down | jq -r .eod | head -1)" "2026-11-23" "one end of day for the jump"
# Days rolled after the jump are ordinary: one a day, never the skipped ones.
expect_eq "$(ls jump | head -n 1)" "2026-11-23.tick" "the day before the jump"
[ "$(ls jump | sed -n 2p)" \> "2026-11-25.tick" ] || die "a skipped day got a file: $(ls jump | tr '\n' ' ')"; ok
done_ok
