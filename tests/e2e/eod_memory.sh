#!/usr/bin/env bash
# Peak memory does not grow with the day: a 10M-row and a 40M-row day (same
# syms) are written with peak resident sizes within 20% of each other.
source "$(dirname "$0")/lib.sh"
# peak_kb ROWS: tick-eod's peak RSS (KiB) for a generated day of ROWS rows.
peak_kb() {
  rm -rf day hdb && mkdir day hdb
  tick-gen --start 2026-11-20T00:00:00Z --step 1000 --count "$1" --syms 500 --seed 9 > day/2026-11-20.tick
  /usr/bin/time -f '%M' -o rss tick-eod --hdb hdb --compress none --no-sync day/2026-11-20.tick 2> err \
    || die "tick-eod failed: $(cat err)"
  expect_match "$(cat err)" "hdb/2026-11-20: (partial \\(no end of day yet\\), )?$1 rows" "the day's rows"
  tail -1 rss
}
# (Under ASan the shadow memory and the allocator's quarantine of freed
# blocks grow with the work done: not tick-eod's to bound. The days are
# still written and counted.)
small=$(peak_kb 10000000)
large=$(peak_kb 40000000)
echo "peak RSS: 10M rows ${small} KiB, 40M rows ${large} KiB" >&2
[ "${TICK_SANITIZED:-0}" == 1 ] && { echo "sanitized build: RSS not compared" >&2; done_ok; exit 0; }
[ "$large" -lt $((small * 12 / 10)) ] || die "peak RSS grew with the day: ${small} KiB for 10M rows, ${large} KiB for 40M"
ok
# And far below the day's size (1.5 GiB of journal).
[ "$large" -lt 200000 ] || die "peak RSS ${large} KiB"; ok
done_ok
