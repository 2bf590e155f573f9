#!/usr/bin/env bash
# --fsync: what each policy syncs, counted in tick-log's system calls
# (strace). never: nothing, not at the day roll nor at the end of input (the
# operating system decides, as man tick-log says); always: each write before
# it goes downstream; interval: at least the end of input.
source "$(dirname "$0")/lib.sh"
command -v strace > /dev/null || die "strace is missing (scripts/install-deps.sh installs it)"
# (LeakSanitizer cannot run under ptrace: a sanitized tick-log is traced
# without it)
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
syncs() { grep -cE '^[0-9]+ +(fdatasync|fsync|fsyncdata|sync_file_range)\(' "$1" || true; }

tick-gen --seed 3 --count 20000 --batch 10 --syms 20 --start 2026-11-23T12:00:00Z > feed.tick
for policy in never always interval; do
  rm -rf tp
  TICK_FAKE_TIME=2026-11-23T12:00:00Z strace -f -qq -e trace=fdatasync,fsync -o $policy.trace \
    tick-log tp --fsync $policy < feed.tick > /dev/null 2> $policy.err || die "tick-log --fsync $policy: $(cat $policy.err)"
  expect_eq "$(tick-cat -f json tp/2026-11-23.tick | wc -l)" 20000 "--fsync $policy: every row journaled"
done
expect_eq "$(syncs never.trace)" 0 "--fsync never: no sync, the end of input included ($(head -3 never.trace | tr '\n' ' '))"
n=$(syncs always.trace)
[ "$n" -ge 1 ] || die "--fsync always: no sync"; ok
n=$(syncs interval.trace)
[ "$n" -ge 1 ] || die "--fsync interval: the end of input is not synced"; ok

# A day roll under never: the closed day is not synced either.
rm -rf tp
tick-gen --rate 2000 --duration 3 --syms 5 --start 2026-11-23T23:59:58Z |
  TICK_FAKE_TIME=2026-11-23T23:59:58Z strace -f -qq -e trace=fdatasync,fsync -o roll.trace \
    tick-log tp --fsync never > /dev/null 2> roll.err || die "tick-log --fsync never across a roll: $(cat roll.err)"
expect_eq "$(ls tp | grep -c '\.tick$')" 2 "the day rolled"
expect_eq "$(syncs roll.trace)" 0 "--fsync never: no sync at the day roll"
done_ok
