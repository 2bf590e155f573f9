#!/usr/bin/env bash
# tick-ws's figures for bench/run.sh (sourced there: row, div, ge, le, M,
# RUNS, BENCH and a working directory are its). Every client is
# bench_ws_sink: one epoll thread holding all the connections, parsing only
# frame headers, so the servers are what is measured; the peers (a Python
# websockets and a node ws broadcast server) send tick-ws's own update
# messages, recorded, to the same clients.
fp() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
median() { sort -g | sed -n "$(( (RUNS + 1) / 2 ))p"; }
cpu_of() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.3f", ($14 + $15) / hz}' "/proc/$1/stat"; }
rss_of() { awk '/^VmRSS/ {print int($2 / 1024)}' "/proc/$1/status"; }
hwm_of() { awk '/^VmHWM/ {print int($2 / 1024)}' "/proc/$1/status"; }
ulimit -n 4096
# BENCH_WS="thru lat cpu mem": just those parts.
wsp() { [ -z "${BENCH_WS:-}" ] || [[ " $BENCH_WS " == *" $1 "* ]]; }

tick-gen --seed 9 --count 600000 --syms 100 --batch 10 > ws.tick
tick-gen --seed 1 --count 2 --syms 100 > ws-pre.tick  # (declares the tables: a subscription needs them)
echo '{"action":"subscribe","table":"trade"}' > ws-all.sub

# tick_ws CONNS SUBS SINK_OPTIONS... : tick-ws fed ws.tick once the clients
# are in; prints the sink's line, then tick-ws's CPU seconds and RSS MiB.
tick_ws() {
  local conns=$1 subs=$2; shift 2
  local port; port=$(fp)
  rm -f ws-go
  { cat ws-pre.tick; until [ -e ws-go ]; do sleep 0.02; done; eval "${WS_FEED_CMD:-cat ${WS_FEED:-ws.tick}}"; } |
    tick-ws -l :"$port" --max-queue "${WS_MAXQ:-1G}" ${WS_ARGS:-} 2> ws.err &
  local pid=$!
  until grep -q "listening on" ws.err; do sleep 0.02; done
  bench_ws_sink 127.0.0.1 "$port" /ws "$conns" --subs "$subs" "$@" > ws-sink.out 2> ws-sink.err &
  local sink=$!
  until grep -q ready ws-sink.err; do sleep 0.02; done
  sleep 0.3
  local c0; c0=$(cpu_of "$pid")
  touch ws-go
  # (a failed sink stops the server too: it holds the $(...) this runs in)
  wait $sink || { echo "bench: ws_sink: $(cat ws-sink.err)" >&2; kill $pid; exit 1; }
  echo "$(cat ws-sink.out) $(awk -v a="$(cpu_of "$pid")" -v b="$c0" 'BEGIN{printf "%.3f", a - b}') $(hwm_of "$pid")"
  kill $pid; wait $pid 2> /dev/null || true
}
# peer python|node CONNS: the peer broadcasting ws-msgs.jsonl; the sink's line
peer() {
  local port; port=$(fp)
  if [ "$1" = python ]; then /usr/bin/python3 "$BENCH/ws_peer.py" "$port" "$2" ws-msgs.jsonl 2> peer.err &
  else node "$BENCH/ws_peer.js" "$port" "$2" ws-msgs.jsonl 2> peer.err & fi
  local pid=$!
  until (exec 3<> /dev/tcp/127.0.0.1/"$port") 2> /dev/null; do
    kill -0 $pid 2> /dev/null || { echo "bench: the $1 peer did not start: $(tail -3 peer.err)" >&2; exit 1; }
    sleep 0.05
  done
  local c0; c0=$(cpu_of "$pid")
  bench_ws_sink 127.0.0.1 "$port" /ws "$2" --subs ws-all.sub > ws-sink.out 2> ws-sink.err ||
    { echo "bench: ws_sink against $1: $(cat ws-sink.err) $(cat peer.err)" >&2; kill $pid; exit 1; }
  # (the sink's line, then the peer's CPU seconds while it served)
  echo "$(cat ws-sink.out) $(awk -v a="$(cpu_of "$pid")" -v b="$c0" 'BEGIN{printf "%.3f", a - b}')"
  kill $pid; wait $pid 2> /dev/null || true
}
# ns_row LINE: CPU nanoseconds per delivered row of a server's run (its CPU
# seconds are the field after the sink's, 9 without latency figures)
ns_row() { awk -v c="$(field 9 "$1")" -v r="$(field 3 "$1")" 'BEGIN{printf "%.0f", c / r * 1e9}'; }
# field N LINE: the Nth field of a sink's line (1 conns, 2 msgs, 3 rows, 4 bytes, 5 secs, 6 min, 7 max,
# 8 conflated, [9-11 latency p50 p99 p99.9], then tick_ws's CPU seconds and peak RSS)
field() { awk -v n="$1" '{print $n}' <<< "$2"; }
rate() { awk -v r="$(field 3 "$1")" -v s="$(field 5 "$1")" 'BEGIN{printf "%.0f", r / s}'; }

# -- Throughput to 100 clients of one subscription: rows delivered a second.
# tick-ws batches what comes together (by default up to 1024 rows a
# message); the peers send the messages it sent, recorded by one client.
# Twice: as tick-ws batches ws.tick, and with --batch-rows 10 (each record
# of 10 rows its own message, on a smaller file: the Python peer's pace).
# thru LABEL: with WS_FEED and WS_ARGS as tick_ws takes them
thru() {
  local rec; rec=$(tick_ws 1 ws-all.sub --record ws-msgs.jsonl)
  NMSG=$(wc -l < ws-msgs.jsonl); NROWS=$(field 3 "$rec")
  t=(); tc=(); for _ in $(seq 1 "$RUNS"); do l=$(tick_ws 100 ws-all.sub); all_rows tick-ws "$l"; t+=("$(rate "$l")"); tc+=("$(ns_row "$l")"); done
  T=$(printf '%s\n' "${t[@]}" | median); TC=$(printf '%s\n' "${tc[@]}" | median)
  n=(); nc=(); for _ in $(seq 1 "$RUNS"); do l=$(peer node 100); all_rows node "$l"; n+=("$(rate "$l")"); nc+=("$(ns_row "$l")"); done
  N=$(printf '%s\n' "${n[@]}" | median); NC=$(printf '%s\n' "${nc[@]}" | median)
  l=$(peer python 100); all_rows python "$l"
  PYR=$(rate "$l"); PYC=$(ns_row "$l")
  if [ "$1" = batched ]; then
    # Every server here outruns the one receiving sink: the rates are the
    # sink's, and the CPU per row is the figure that compares the servers.
    r=$(div "$T" "$PYR"); row "tick-ws to 100 clients, rows delivered/s vs Python websockets ($1; the sink's limit)" "$(M "$T")" "python $(M "$PYR")" "$r" "sink-bound" "-"
    r=$(div "$T" "$N"); row "  vs node ws (the same $NMSG messages, $((NROWS / NMSG)) rows each on average)" "$(M "$T")" "node $(M "$N")" "$r" "sink-bound" "-"
    r=$(div "$NC" "$TC"); row "  CPU per delivered row (ns), vs node ws (python: $PYC)" "$TC" "node $NC" "$r" ">= 1" "$(ge "$r" 1)"
  else
    r=$(div "$T" "$PYR"); row "tick-ws to 100 clients, rows delivered/s vs Python websockets ($1)" "$(M "$T")" "python $(M "$PYR")" "$r" ">= 10" "$(ge "$r" 10)"
    r=$(div "$T" "$N"); row "  vs node ws (the same $NMSG messages, $((NROWS / NMSG)) rows each on average)" "$(M "$T")" "node $(M "$N")" "$r" ">= 3" "$(ge "$r" 3)"
    r=$(div "$NC" "$TC"); row "  CPU per delivered row (ns), vs node ws (python: $PYC)" "$TC" "node $NC" "$r" "-" "-"
  fi
}
# every client has every row, none conflated
all_rows() { [ "$(field 3 "$2")" = $((100 * NROWS)) ] && [ "$(field 8 "$2")" = 0 ] ||
  { echo "bench: $1's clients had $(field 3 "$2") rows of $((100 * NROWS)) ($(field 8 "$2") conflated messages)" >&2; exit 1; }; }
if wsp thru; then
  thru "batched"
  tick-gen --seed 9 --count 100000 --syms 100 --batch 10 > ws-small.tick
  WS_FEED=ws-small.tick WS_ARGS="--batch-rows 10" thru "10-row messages"
fi

# -- Latency from tick-ws's stdin to the clients at 20k rows/s (trades and
# quotes, 10 rows a record), 100 clients: each message's first row's time
# (stamped by tick-gen as it wrote it) against the clock on arrival.
if wsp lat; then
printf '{"action":"subscribe","table":"trade"}\t{"action":"subscribe","table":"quote"}\n' > ws-both.sub
l=$(WS_FEED_CMD="tick-gen --rate 20000 --duration 8 --syms 100 --batch 10" tick_ws 100 ws-both.sub --latency)
p50=$(field 9 "$l"); p99=$(field 10 "$l")
ms() { awk -v a="$1" 'BEGIN{printf "%.2f", a / 1000}'; }
r=$(div "$p99" 5000); row "tick-ws latency stdin->100 clients at 20k rows/s, p50 / p99 ms" "$(ms "$p50") / $(ms "$p99")" "limit 5 ms (p99)" "$r" "<= 1" "$(le "$r" 1)"
fi

# -- Shared serialisation: CPU per delivered row, 100 clients on 5 distinct
# subscriptions against 100 distinct ones (each: every sym but one).
if wsp cpu; then
syms=$(tick-cat -f csv -t trade ws.tick | cut -d, -f2 | tail -n +2 | sort -u | head -100)
mksubs() {  # mksubs N: N subscriptions, the ith leaving out the ith sym
  local i=0
  while read -r leave; do
    [ $i -lt "$1" ] || break
    printf '{"action":"subscribe","table":"trade","syms":[%s]}\n' "$(grep -vx "$leave" <<< "$syms" | sed 's/.*/"&"/' | paste -sd,)"
    i=$((i + 1))
  done <<< "$syms"
}
mksubs 5 > ws-5.sub
mksubs 100 > ws-100.sub
s5=(); s100=(); m5=(); m100=()
for _ in $(seq 1 "$RUNS"); do
  l=$(tick_ws 100 ws-5.sub); s5+=("$(awk -v c="$(field 9 "$l")" -v r="$(field 3 "$l")" 'BEGIN{print c / r * 1e9}')"); m5+=("$(field 10 "$l")")
  l=$(tick_ws 100 ws-100.sub); s100+=("$(awk -v c="$(field 9 "$l")" -v r="$(field 3 "$l")" 'BEGIN{print c / r * 1e9}')"); m100+=("$(field 10 "$l")")
done
A=$(printf '%s\n' "${s5[@]}" | median); Z=$(printf '%s\n' "${s100[@]}" | median)
# (The feed comes at once, far faster than 100 clients take it: the
# updates wait in tick-ws, each distinct client's its own copy, the shared
# ones' one copy for 20 clients; the peak RSS says how much waited, and
# the distinct side's CPU is mostly the kernel's zeroing of those pages.)
r=$(div "$A" "$Z"); row "tick-ws CPU per delivered row, 5 shared subs vs 100 distinct (ns; a burst: peak RSS $(printf '%s\n' "${m5[@]}" | median) vs $(printf '%s\n' "${m100[@]}" | median) MiB)" "$(printf '%.0f' "$A")" "distinct $(printf '%.0f' "$Z")" "$r" "< 0.33" "$(le "$r" 0.33)"
# The same at a pace the clients keep up with (150k rows/s in, one run):
# nothing waits, updates are the few rows that came together, and each
# client's write (a send of a small message) is most of the cost, shared
# or not.
ns_paced() { local l; l=$(WS_FEED_CMD="tick-replay --rate 150000 ws.tick" tick_ws 100 "$1"); awk -v c="$(field 9 "$l")" -v r="$(field 3 "$l")" -v m="$(field 2 "$l")" 'BEGIN{printf "%.0f %.0f", c / r * 1e9, r / m}'; }
read -r P5 R5 <<< "$(ns_paced ws-5.sub)"; read -r P100 R100 <<< "$(ns_paced ws-100.sub)"
row "  paced, 150k rows/s in: CPU per delivered row (ns; $R5 and $R100 rows a message)" "$P5" "distinct $P100" "$(div "$P5" "$P100")" "-" "-"
# The floor under a shared subscription's row: the kernel's copy of its
# bytes to each client. A bare sender writing the messages tick-ws sent
# (recorded) to 100 loopback TCP readers, per row delivered.
rec=$(tick_ws 1 ws-all.sub --record ws-floor.jsonl)
rec_rows=$(field 3 "$rec")
F=$(for _ in $(seq 1 "$RUNS"); do /usr/bin/python3 "$BENCH/fanout_floor.py" ws-floor.jsonl 100; done | median)
FN=$(awk -v c="$F" -v r="$rec_rows" 'BEGIN{printf "%.0f", c / (100 * r) * 1e9}')
row "  the kernel's floor: a bare sender of those messages to 100 TCP readers, ns a row" "$(printf '%.0f' "$A")" "sender $FN" "$(div "$FN" "$A")" "-" "-"
fi

# -- Memory: 1,000 idle subscribed connections; one stalled client while
# more than 100 MB flow to another.
if wsp mem; then
port=$(fp)
{ cat ws-pre.tick; sleep 30; } | tick-ws -l :"$port" --max-clients 2000 2> ws.err &
pid=$!
until grep -q "listening on" ws.err; do sleep 0.02; done
base=$(rss_of $pid)
bench_ws_sink 127.0.0.1 "$port" /ws 1000 --subs ws-all.sub --hold 2 > ws-sink.out 2> ws-sink.err || { echo "bench: 1000 idle: $(cat ws-sink.err)" >&2; kill $pid; exit 1; }
idle=$(hwm_of $pid)
kill $pid; wait $pid 2> /dev/null || true
port=$(fp)
node "$BENCH/ws_peer.js" "$port" 1001 /dev/null 2> peer.err &
npid=$!
until (exec 3<> /dev/tcp/127.0.0.1/"$port") 2> /dev/null; do
  kill -0 $npid 2> /dev/null || { echo "bench: the node peer did not start: $(tail -3 peer.err)" >&2; exit 1; }
  sleep 0.05
done
bench_ws_sink 127.0.0.1 "$port" /ws 1000 --subs ws-all.sub --hold 2 > /dev/null 2>&1
nidle=$(hwm_of $npid)
kill $npid; wait $npid 2> /dev/null || true
row "tick-ws RSS with 1,000 idle subscribed connections (MiB)" "$idle (at 0: $base)" "node ws $nidle" "$(div "$idle" "$nidle")" "bounded" "-"
# (a feed at 300k rows/s, 1M trades: ~100 MB of JSON to the subscriber that reads)
l=$(WS_FEED_CMD="tick-gen --rate 300000 --count 3000000 --syms 100 --batch 10" WS_MAXQ=4M tick_ws 2 ws-all.sub --stall 1)
mb=$(awk -v b="$(field 4 "$l")" 'BEGIN{printf "%.0f", b / 1e6}')
[ "$(field 8 "$l")" = 0 ] || echo "bench: the client that reads was conflated ($(field 8 "$l") messages)" >&2
row "tick-ws peak RSS, one client stalled while $mb MB flow to another (MiB)" "$(field 10 "$l")" "the flow $mb MB" "$(div "$(field 10 "$l")" "$mb")" "bounded" "-"
fi
