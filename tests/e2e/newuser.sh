#!/usr/bin/env bash
# What a new user tripped over (issue 11), each fixed and checked here:
# directories wherever journals are taken, tick-log info's sym count,
# tick-replay --hdb on a directory that is not an HDB, tick-eod on a
# journal with no end of day.
source "$(dirname "$0")/lib.sh"
for d in 2026-11-18 2026-11-19; do
  TICK_FAKE_TIME=${d}T12:00:00Z sh -c "tick-gen --seed 1 --count 5000 --syms 100 --batch 10 | tick-log tp > /dev/null"
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
# Neither journal has an end-of-day record (their tick-log stopped mid-day).
expect_eq "$(grep -c 'no end-of-day record (its day may not be over, or its tick-log stopped before the roll): the partition holds what the journal has now' err)" 2 "tick-eod says a day has no end of day"
mkdir empty
expect_status 1 tick-log info empty
expect_eq "$(cat err)" "tick-log: empty: no journals (YYYY-MM-DD.tick) in it" "a directory without journals"

# tick-replay --hdb on a directory that is not an HDB.
expect_status 1 tick-replay --hdb tp --date 2026-11-18
expect_eq "$(cat err)" "tick-replay: tp: not an HDB (no YYYY-MM-DD partitions in it)" "not an HDB"
done_ok
