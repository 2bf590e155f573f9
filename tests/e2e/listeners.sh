#!/usr/bin/env bash
# Every listener of every tool binds loopback unless given a host, as the
# socket table shows it (ss), whatever the tool says: tick-log --listen,
# tick-pub -l, tick-ws -l, tick-kafka broker; :PORT, 127.0.0.1:PORT and
# localhost:PORT alike.
source "$(dirname "$0")/lib.sh"

# bound PORT: the local address of the listening socket on PORT.
bound() { ss -ltnH "sport = :$1" | awk '{print $4}' | sort -u | tr '\n' ' ' | sed 's/ $//'; }
loopback() { [[ "$1" =~ ^(127\.0\.0\.1|\[::1\]|\[::ffff:127\.0\.0\.1\]):[0-9]+$ ]]; }
# port_of FILE: the port a tool said it listens on ("... listening on [http://]HOST:PORT[/]").
port_of() { grep -o 'listening on [^ ]*' "$1" | head -1 | sed 's|/$||; s/.*://'; }

check() {  # check WHAT ERRFILE
  local p; p=$(port_of "$2")
  [ -n "$p" ] || die "$1: no port said: $(cat "$2")"
  local b; b=$(bound "$p")
  loopback "$b" || die "$1 listens on '$b' (port $p): not loopback only"; ok
}

for L in :0 127.0.0.1:0 localhost:0; do
  n=${L%%:*}; n=${n:-port}
  sleep 30 | tick-log log_$n --listen "$L" > /dev/null 2> log_$n.err & P1=$!
  wait_for grep -q listening log_$n.err
  check "tick-log --listen $L" log_$n.err
  sleep 30 | tick-pub -l "$L" 2> pub_$n.err & P2=$!
  wait_for grep -q listening pub_$n.err
  check "tick-pub -l $L" pub_$n.err
  sleep 30 | tick-ws -l "$L" 2> ws_$n.err & P3=$!
  wait_for grep -q listening ws_$n.err
  check "tick-ws -l $L" ws_$n.err
  kill $P1 $P2 $P3
  wait $P1 $P2 $P3 2> /dev/null || true
done

# tick-kafka broker (librdkafka's mock cluster): every broker's port.
tick-kafka broker --topics t:1 --address-file b.addr > /dev/null 2> broker.err & BRK=$!
wait_for test -s b.addr
for a in $(tr ',' ' ' < b.addr); do
  b=$(bound "${a##*:}")
  loopback "$b" || die "tick-kafka broker listens on '$b': not loopback only"; ok
done
kill $BRK
done_ok
