#!/usr/bin/env bash
# tick-pub (and tick-sub, tick-pub --to) against hostile and careless peers:
# the request timeout on tick-pub's own clock, a subscriber waiting for the
# input's first records, EMFILE, huge subscriptions, names with control
# bytes, socket modes and a live socket path, a journal that claims a huge
# record, a server that sends a zstd bomb.
source "$(dirname "$0")/lib.sh"
H="$PY $HERE/hostile.py"
rss_kb() { awk '/VmHWM/{print $2}' /proc/$1/status; }
cpu_ticks() { awk '{print $14 + $15}' /proc/$1/stat; }
port=$(free_port)

# --mode is validated, everywhere it is taken.
for m in 999 abc 0 17777; do
  expect_status 2 tick-pub -l unix:$WORK/x.sock --mode $m
  expect_eq "$(cat err)" "tick-pub: bad --mode '$m' (want an octal file mode such as 660) (see --help)" "tick-pub --mode $m"
  expect_status 2 tick-log tp --listen unix:$WORK/y.sock --mode $m
  expect_eq "$(cat err)" "tick-log: bad --mode '$m' (want an octal file mode such as 660) (see --help)" "tick-log --mode $m"
done

# tick-pub's input is a FIFO this script holds: nothing comes until it says.
mkfifo feed
tick-pub -l :$port -l unix:$WORK/pub.sock --heartbeat 25 --timeout 2 < feed 2> pub.err &
pub=$!
exec 3> feed
wait_for grep -q "listening on unix" pub.err
expect_match "$(cat pub.err)" "tick-pub: listening on 127\.0\.0\.1:$port" "the bound address"
# Under a umask of 000 the socket is still 660 (bound with its mode).
(umask 000; tick-log tl --listen unix:$WORK/log.sock < /dev/null > /dev/null 2> tl.err 3>&- &
 echo $! > tl.pid)
wait_for test -S $WORK/log.sock
expect_eq "$(stat -c %a $WORK/log.sock)" 660 "tick-log's Unix socket mode under umask 000"
expect_eq "$(stat -c %a $WORK/pub.sock)" 660 "tick-pub's Unix socket mode"
# A live socket path is not taken over; the first server keeps it.
expect_status 1 tick-pub -l unix:$WORK/pub.sock
expect_eq "$(cat err)" "tick-pub: unix:$WORK/pub.sock: another process is listening on it" "a live socket refused"
expect_status 1 tick-log tl2 --listen unix:$WORK/log.sock
expect_eq "$(cat err)" "tick-log: unix:$WORK/log.sock: another process is listening on it" "a live socket refused (tick-log)"
kill -TERM "$(cat tl.pid)"

# A silent client is closed after --timeout 2 (not at the 25 s heartbeat);
# a subscriber that has asked, waiting for the input's first record, is not.
$H silent 127.0.0.1 $port 12 > silent.out 3>&- &
s1=$!
tick-sub :$port --from now -f json > waiting.csv 2> waiting.err 3>&- &
waiting=$!
wait $s1
expect_match "$(cat silent.out)" "^closed after [2-4] s$" "silent client closed after --timeout"
expect_match "$(cat pub.err)" ": no subscription within 2 s; closed" "silent client named"
sleep 1
kill -0 $waiting || die "the waiting subscriber was dropped: $(cat waiting.err)"; ok
tick-gen --seed 1 --count 2000 --batch 10 --syms 20 > one.tick
tick-gen --seed 2 --count 3000 --batch 10 --syms 20 > two.tick
cat one.tick >&3   # its first records start the subscription ("now")
sleep 0.5
cat two.tick >&3
for _ in $(seq 1 100); do [ "$(wc -l < waiting.csv)" -ge 3000 ] && break; sleep 0.1; done
expect_eq "$(wc -l < waiting.csv)" 3000 "the waiting subscriber got what came after it started"
expect_eq "$(grep -c 'no subscription' pub.err)" 1 "only the silent client was timed out"

# Names a client sent: quoted, escaped, cut short: one line.
expect_match "$($H badname 127.0.0.1 $port)" "^refused: unknown table 'tr\\\\nade\\\\x1b" "refusal quoted"
line=$(grep "unknown table" pub.err)
expect_match "$line" "refused: unknown table 'tr\\\\nade\\\\x1b\[31mxxx.*'\.\.\. \(5011 bytes\)$" "the name escaped and cut"
expect_eq "$(grep -c "unknown table" pub.err)" 1 "one line"

# Twenty subscriptions of 500k empty syms each: memory stays small.
rss0=$(rss_kb $pub)
expect_match "$($H bigsub 127.0.0.1 $port 20 3 3>&-)" "subscribed 20" "big subscriptions"
rss1=$(rss_kb $pub)
echo "20 subscriptions of 500k syms: tick-pub's peak RSS grew by $((rss1 - rss0)) kB" >&2
# (ASan keeps freed memory in quarantine: not compared there.)
if [ "${TICK_SANITIZED:-0}" != 1 ]; then
  [ $((rss1 - rss0)) -lt 120000 ] || die "20 big subscriptions grew tick-pub by $((rss1 - rss0)) kB"; ok
fi

# Out of file descriptors: no spin, and it recovers.
kill -TERM $pub; exec 3>&-; wait $pub || true
port2=$(free_port)
mkfifo feed2
(ulimit -n 32; exec tick-pub -l :$port2 < feed2 2> pub2.err) &
pub2=$!
exec 4> feed2
wait_for grep -q listening pub2.err
cat one.tick >&4
$H many 127.0.0.1 $port2 60 4 4>&- > many.out &
many=$!
sleep 1
c0=$(cpu_ticks $pub2); sleep 2; c1=$(cpu_ticks $pub2)
wait $many
[ $((c1 - c0)) -lt 100 ] || die "tick-pub spun on EMFILE: $((c1 - c0)) ticks of CPU in 2 s"; ok
expect_match "$(cat pub2.err)" "127\.0\.0\.1:$port2: accept: Too many open files" "EMFILE said"
sleep 1.2
tick-sub :$port2 --from now -f json > late.csv 2> late.err 4>&- &
late=$!
sleep 0.5
exec 4>&-
wait $late || die "a subscriber after EMFILE failed: $(cat late.err)"; ok
expect_match "$(cat pub2.err)" "accepting connections again on 127\.0\.0\.1:$port2" "recovery said"
wait $pub2 || die "tick-pub failed: $(cat pub2.err)"; ok

# tick-pub --to: a "journal" that answers with a header claiming 1 GiB is
# left, not buffered for; nothing it holds is dropped.
port3=$(free_port)
$H fake-journal 127.0.0.1 $port3 6 > fake.out &
fake=$!
wait_for grep -q listening fake.out
tick-pub --to :$port3 < one.tick 2> to.err &
to=$!
wait_for grep -q "unexpected data record of 1073741824 bytes from the journal; reconnecting" to.err
ok
[ "$(rss_kb $to)" -lt 100000 ] || die "tick-pub --to grew to $(rss_kb $to) kB"; ok
kill -TERM $to; wait $to || true
expect_match "$(cat to.err)" "records were not acknowledged by the journal" "what it held is said at the stop"

# tick-sub: a server that answers with zstd's magic is refused, and tick-sub
# ends (it would be the same on every reconnect).
port4=$(free_port)
$H zstd-server 127.0.0.1 $port4 6 > zs.out &
wait_for grep -q listening zs.out
expect_status 1 tick-sub :$port4 -f csv
expect_eq "$(cat err)" "tick-sub: :$port4: zstd-compressed input is not accepted on a connection (send the stream uncompressed)" "zstd from a server refused"
# ... and so is a record over --max-record (it would come again on every
# reconnect): the "journal" above claims 1 GiB to whoever connects.
port5=$(free_port)
$H fake-journal 127.0.0.1 $port5 6 > fake5.out &
wait_for grep -q listening fake5.out
expect_status 1 tick-sub :$port5 -f csv
expect_eq "$(cat err)" "tick-sub: :$port5:0: data record of 1073741824 bytes is over the limit of 67108864 bytes (--max-record)" "an oversized record from a server refused"
done_ok
