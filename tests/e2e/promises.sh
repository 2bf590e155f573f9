#!/usr/bin/env bash
# What the man pages promise and no other test checked: tick-log refuses to
# start on a journal damaged before its tail; tick-pub --heartbeat reaches
# an idle subscriber; tick-pub --to --max-hold stops reading stdin while
# the journal is away, and loses nothing; tick-cat -e --time-unit and
# --ignore-unknown.
source "$(dirname "$0")/lib.sh"
export TICK_FAKE_TIME=2026-11-27T09:00:00Z

# tick-log.1: corruption before the tail is not a torn tail.
tick-gen --seed 4 --count 20000 --batch 100 --syms 10 | tick-log tp > /dev/null
J=tp/2026-11-27.tick
rec=$($WALK $J | awk '$2=="D"' | sed -n 50p)
off=$(echo "$rec" | cut -d' ' -f1)
printf '\x5a\x5a' | dd of=$J bs=1 seek=$((off + 40)) conv=notrunc status=none
cp $J before.tick
expect_status 1 tick-log tp < /dev/null
expect_match "$(cat err)" "^tick-log: $J:$off: CRC mismatch in data record of [0-9]+ bytes, and valid records follow it: not a torn tail; run tick-log check --repair $J$" "refuses to start"
cmp -s $J before.tick || die "the damaged journal was changed"; ok
[ ! -e $J.bad ] || die "a .bad file was made"; ok

# tick-pub.1: --heartbeat SECS to an idle subscriber.
port=$(free_port)
mkfifo feed
tick-pub -l :$port --heartbeat 0.2 < feed 2> pub.err &
pub=$!
exec 3> feed
wait_for grep -q listening pub.err
tick-gen --seed 1 --count 10 --syms 2 >&3
tick-sub :$port > hb.tick 2> sub.err 3>&- &
sub=$!
sleep 2
exec 3>&-
wait $sub || die "tick-sub: $(cat sub.err)"
wait $pub
hb=$($WALK hb.tick | awk '$2=="B"' | wc -l)
[ "$hb" -ge 3 ] || die "an idle subscriber got $hb heartbeats in 2 s at --heartbeat 0.2"; ok

# tick-pub.1: --max-hold: with no journal to take them, at most that much is
# read from stdin; once tick-log is there, every record arrives once.
lport=$(free_port)
tick-gen --seed 2 --count 400000 --batch 100 --syms 20 --start 2026-01-05T09:00:00Z > big.tick
size=$(stat -c %s big.tick)
tick-pub --to :$lport --max-hold 1M < big.tick 2> to.err &
to=$!
sleep 1.5
read_bytes=$(awk '/^rchar/{print $2}' /proc/$to/io)
[ "$read_bytes" -lt $(( (4 << 20) )) ] || die "tick-pub --to read $read_bytes of $size bytes with --max-hold 1M and no journal"; ok
[ "$size" -gt $(( 8 << 20 )) ] || die "the input is too small to tell ($size bytes)"; ok
tick-log tp2 --listen :$lport < /dev/null > /dev/null 2> log.err &
log=$!
wait $to || die "tick-pub --to: $(cat to.err)"; ok
kill -TERM $log; wait $log
expect_eq "$(tick-replay -f json tp2/2026-11-27.tick | grep -c '^{"table"')" 400000 "every row once, after the wait"

# tick-cat.1: -e --time-unit, --ignore-unknown.
printf 'trade time:timestamp sym:symbol price:float size:long\n' > s.schema
line='{"table":"trade","time":1700000000,"sym":"A","price":1.5,"size":2}'
expect_eq "$(echo "$line" | tick-cat -e --schema s.schema --time-unit s | tick-cat -f json)" \
  '{"table":"trade","time":"2023-11-14T22:13:20.000000000Z","sym":"A","price":1.5,"size":2}' "--time-unit s"
expect_eq "$(echo "${line/1700000000/1700000000123}" | tick-cat -e --schema s.schema --time-unit ms | tick-cat -f json)" \
  '{"table":"trade","time":"2023-11-14T22:13:20.123000000Z","sym":"A","price":1.5,"size":2}' "--time-unit ms"
extra='{"table":"trade","time":1700000000,"sym":"A","price":1.5,"size":2,"venue":"X"}'
expect_status 1 sh -c "echo '$extra' | tick-cat -e --schema s.schema --time-unit s > /dev/null"
expect_eq "$(cat err)" "tick-cat: -:1: unknown column 'venue' for table trade" "an unknown field refused, named"
expect_eq "$(echo "$extra" | tick-cat -e --schema s.schema --time-unit s --ignore-unknown | tick-cat -f csv | tail -1)" \
  "trade,2023-11-14T22:13:20.000000000Z,A,1.5,2" "--ignore-unknown"
# An option takes one value (repeat it for several): --listen does not
# swallow the directory after it.
p1=$(free_port)
tick-log --listen :$p1 tp3 < /dev/null > /dev/null 2> l3.err &
l3=$!
wait_for grep -q listening l3.err
[ -f tp3/2026-11-27.tick ] || die "tick-log --listen :P DIR did not journal into DIR: $(cat l3.err)"; ok
kill -TERM $l3; wait $l3
expect_status 2 tick-pub -l :$p1 stray
expect_match "$(cat err)" "tick-pub: The following argument was not expected: stray" "tick-pub -l takes one address"
# tick-log DIR with a terminal on stdin (and no --listen): refused with a
# hint, and no journal made.
set +e
PTYRUN_STDIN=1 $PY "$HERE/ptyrun.py" tick-log tty > tty.out
rc=$?
set -e
expect_eq "$rc" 2 "tick-log on a terminal: usage error"
expect_match "$(tr -d '\r' < tty.out)" "tick-log: refusing to read a binary tick stream from a terminal \(pipe a feed in, as in tick-gen \| tick-log tty, or give --listen ADDR for publishers\)" "the hint"
[ ! -e tty ] || die "a journal directory was made"; ok
done_ok
