#!/usr/bin/env bash
# Catch-up from a journal that tick-log is still writing: the last record
# in the file may be only partly written when tick-pub reads it. That record
# has not reached tick-pub's input yet (the journal is written first), so a
# subscriber catching up goes live there instead of being refused, and then
# gets the record from the live stream: no gap, no duplicate.
source "$(dirname "$0")/lib.sh"
port=$(free_port)
tick-gen --seed 3 --count 20000 --batch 50 --syms 20 | tick-log tp > /dev/null
J=$(ls tp/*.tick)
name=$(basename $J)
size=$(stat -c %s $J)
last=$($WALK $J | awk '$2=="D"{o=$1} END{print o}')
[ "$last" -gt 0 ] || die "no data record in the journal"; ok

# The journal as tick-pub finds it mid-write: every record before the last,
# and 100 bytes of the last; its input has had only the complete ones.
mkdir live
head -c $((last + 100)) $J > live/$name
mkfifo in
tick-pub -l :$port --log live < in 2> pub.err &
pub=$!
exec 3> in
head -c $last $J >&3
tick-sub :$port --from start -f json > sub.json 2> sub.err 3>&- &
sub=$!
tick-cat -f json <(head -c $last $J) > before.json
want=$(wc -l < before.json)
wait_for sh -c "[ \$(wc -l < sub.json) -ge $want ]"
# tick-log finishes the record: into the file, then downstream.
tail -c +$((last + 101)) $J >> live/$name
tail -c +$((last + 1)) $J >&3
exec 3>&-
wait $pub || die "tick-pub failed: $(cat pub.err)"
wait $sub || die "the subscriber failed: $(cat sub.err)"
ok
tick-cat -f json $J > all.json
same_files sub.json all.json "caught up to the torn record, then live"
expect_eq "$(grep -c refused pub.err || true)" 0 "no refusal"
done_ok
