#!/usr/bin/env bash
# examples/cron/eod.sh: writes yesterday's (or a given day's) partition and
# logs it; a retry finds it done; a missing journal or a failing tick-eod
# exits non-zero with the reason in the log.
source "$(dirname "$0")/lib.sh"
SRC=${TICK_SOURCE:-$HERE/../..}
EOD="$SRC/examples/cron/eod.sh"
mkdir tp
y=$(date -d yesterday +%F)
# Yesterday's journal, closed with its end of day (today's tick-log start
# closes it).
TICK_FAKE_TIME="${y}T09:00:00Z" sh -c "tick-gen --start ${y}T09:00:00Z --count 20000 --syms 20 | tick-log tp > /dev/null"
tick-log tp < /dev/null > /dev/null 2> today.err
expect_status 0 "$EOD" tp hdb
[ -d "hdb/$y" ] || die "no partition for yesterday"; ok
expect_match "$(cat hdb/eod.log)" "hdb/$y: 20000 rows" "the log has tick-eod's line"
expect_match "$(tail -1 hdb/eod.log)" "done $y" "and says done"
expect_status 0 "$EOD" tp hdb
expect_match "$(tail -1 hdb/eod.log)" "$y already in hdb: nothing to do" "a retry"
# A day with no journal.
expect_status 1 "$EOD" tp hdb 2026-01-02
expect_match "$(cat err)" "2026-01-02: no journal tp/2026-01-02.tick" "missing journal"
expect_match "$(tail -1 hdb/eod.log)" "FAILED 2026-01-02: no journal" "logged"
# A corrupt journal, compressed: tick-eod refuses it, the job fails.
tick-gen --start 2026-01-03T09:00:00Z --count 20000 --syms 20 > j.tick
printf 'XXXXXXXX' | dd of=j.tick bs=1 seek=100000 conv=notrunc status=none
zstd -q j.tick -o tp/2026-01-03.tick.zst
EOD_LOG=other.log expect_status 1 "$EOD" tp hdb 2026-01-03
expect_match "$(cat other.log)" "tp/2026-01-03.tick.zst:[0-9]+: .*--salvage" "tick-eod's reason in the log"
expect_match "$(tail -1 other.log)" "FAILED 2026-01-03: tick-eod exited 1" "the failure logged"
[ ! -e hdb/2026-01-03 ] || die "a partition from a corrupt journal"; ok
done_ok
