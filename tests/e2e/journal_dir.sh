#!/usr/bin/env bash
# A journal directory someone else can write: symbolic links and special
# files planted where tick-log writes (a day's journal, .tick.live, a .bad
# file, tick-log compress's temporary file) are refused by name, never
# followed; the files they point to are untouched; .bad files are no more
# readable than the journal.
source "$(dirname "$0")/lib.sh"
printf 'secret line %d\n' $(seq 1 400) > victim_a.txt; printf 'precious %d\n' $(seq 1 300) > victim_b.txt
a0=$(md5sum < victim_a.txt); b0=$(md5sum < victim_b.txt)
feed() { tick-gen --count 10 | TICK_FAKE_TIME=$1 tick-log "$2" > /dev/null; }

mkdir t1; ln -s ../victim_a.txt t1/.tick.live
expect_status 1 feed 2026-03-01T12:00:00Z t1
expect_eq "$(cat err)" "tick-log: t1/.tick.live: a symbolic link: refused (only regular files are read or written there)" "a planted .tick.live"

mkdir t2; ln -s ../victim_b.txt t2/2026-03-01.tick
expect_status 1 feed 2026-03-01T12:00:00Z t2
expect_eq "$(cat err)" "tick-log: t2/2026-03-01.tick: a symbolic link: refused (only regular files are read or written there)" "a planted day's journal"
[ ! -e t2/2026-03-01.tick.bad ] || die "a .bad file was made of the link's target"; ok

mkdir t3; ln -s ../created_outside t3/2026-03-01.tick
expect_status 1 feed 2026-03-01T12:00:00Z t3
[ ! -e created_outside ] || die "a dangling link's target was created"; ok

mkdir t4; mkfifo t4/2026-03-01.tick
expect_status 1 timeout 10 sh -c "tick-gen --count 10 | TICK_FAKE_TIME=2026-03-01T12:00:00Z tick-log t4 > /dev/null"
expect_eq "$(cat err)" "tick-log: t4/2026-03-01.tick: not a regular file: refused" "a FIFO as the day's journal"

# A torn tail's .bad file has the journal's mode, and a planted .bad link is refused.
feed 2026-03-01T12:00:00Z t5
chmod 600 t5/2026-03-01.tick
printf 'torn' >> t5/2026-03-01.tick
feed 2026-03-01T13:00:00Z t5 2> /dev/null
expect_eq "$(stat -c %a t5/2026-03-01.tick.bad)" "600" "the .bad file is no more readable than its journal"
printf 'torn' >> t5/2026-03-01.tick; rm t5/2026-03-01.tick.bad; ln -s ../victim_b.txt t5/2026-03-01.tick.bad
expect_status 1 feed 2026-03-01T14:00:00Z t5
expect_match "$(cat err)" "t5/2026-03-01.tick.bad: a symbolic link: refused" "a planted .bad link"

# tick-log compress's temporary file.
feed 2026-03-02T12:00:00Z t6; (sleep 0.2 | TICK_FAKE_TIME=2026-03-03T00:00:05Z tick-log t6 > /dev/null) 2> /dev/null
ln -s ../victim_a.txt t6/2026-03-02.tick.zst.tmp
expect_status 1 tick-log compress t6/2026-03-02.tick
expect_match "$(cat err)" "2026-03-02.tick.zst.tmp: a symbolic link: refused" "a planted compress temporary"

expect_eq "$(md5sum < victim_a.txt)" "$a0" "victim_a.txt untouched"
expect_eq "$(md5sum < victim_b.txt)" "$b0" "victim_b.txt untouched"
done_ok
