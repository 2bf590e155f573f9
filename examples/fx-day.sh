#!/usr/bin/env bash
# A day that ends at 17:00 New York. TICK_FAKE_TIME/TICK_FAKE_SPEED make the
# clock start just before the roll and run a minute per second; the feed's
# rows are stamped on the same clock (from 16:58, 60 ms of it apart at 1000
# rows a second), so each journal holds its own day's rows.
set -euo pipefail
dir=${1:-$(mktemp -d)}
mkdir -p "$dir"
tick-gen --rate 1000 --duration 5 --syms 5 --start 2026-11-23T16:58:00-05:00 --step 60000000 |
  TICK_FAKE_TIME=2026-11-23T16:58:00-05:00 TICK_FAKE_SPEED=60 \
  tick-log "$dir/fx" --roll-at 17:00 --tz America/New_York > "$dir/downstream.tick"
ls "$dir/fx"
tick-cat -f json "$dir/downstream.tick" | grep eod        # the end of day went downstream
tick-log info "$dir"/fx/*.tick | grep -E "^/|end of day|open"
