#!/usr/bin/env bash
# make demo: the whole system, on embedded defaults, in a run directory:
#
#   tick-gen --rate ─────────────────────────────────────┐ (stdin)
#   tick-gen | tick-kafka produce → tick-kafka broker     │
#     → tick-kafka consume --resume-from tp | tick-pub --to ┤ (--listen)
#                                                         ▼
#                              tick-log --listen  (the journal, tp/)
#                                     │
#              ┌──────────────────────┴───────────────────────┐
#   tick-sub tp --from start               tick-pub -l  (fan-out)
#     | tick-eod --hdb                       tick-sub | tick-agg --bar 5s
#   (the RDB, reading the journal in place:    | tick-ws --hdb --log (dashboard, HTTP history)
#    a partition at each day roll)             tick-sub --from start | tick-q (kdb+ IPC)
#                                                ← a q-style RDB (node-q: r.q's request)
#
# The clock is replaced: the demo's day ends DEMO_ROLL (20) seconds after it
# starts, so a partition appears in the HDB within the first half minute.
# DEMO_SECONDS=N runs N seconds, checks that the journal, the HDB, the Kafka
# leg and the dashboard all have data, and exits 0 (1 naming what had none);
# without it, the demo runs until Ctrl-C. Either way every process it
# started is stopped, feeds first, and the journal is checked.
set -euo pipefail
BUILD=${1:-build}
case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export PATH="$BUILD:$PATH"
SECS=${DEMO_SECONDS:-0}
ROLL=${DEMO_ROLL:-20}
PY=/usr/bin/python3
dir=$(mktemp -d /tmp/tick-demo.XXXXXX)
cd "$dir"

# (bold on a terminal only: a log or a pipe gets plain text)
if [ -t 1 ]; then BOLD=$'\033[1m'; PLAIN=$'\033[0m'; else BOLD=; PLAIN=; fi
say() { printf '\n%s== %s%s\n' "$BOLD" "$*" "$PLAIN"; }
free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
P_LOG=$(free_port); P_PUB=$(free_port); P_WS=$(free_port); P_Q=$(free_port)

# One replaced clock for every process: the instant D0 + (now - R0), handed
# to each pipeline as it starts (TICK_FAKE_TIME, ns since the epoch).
day=$(date -u +%F)
R0=$(date +%s%N)
D0=$(( ($(date -u -d "$day + 1 day" +%s) - ROLL) * 1000000000 ))
clock() { echo $(( D0 + $(date +%s%N) - R0 )); }
next_day=$(date -u -d "$day + 1 day" +%F)

# start NAME PIPELINE: a pipeline in the background, in a session of its own
# (stopped as one, in order), its stderr in NAME.err.
declare -A PGID
start() {
  TICK_FAKE_TIME=$(clock) setsid bash -c "$2" 2> "$1.err" < /dev/null &
  PGID[$1]=$!
}
# stop NAME: SIGTERM to its processes, SIGKILL what is left after 10 s.
stop() {
  local g=${PGID[$1]:-}
  [ -n "$g" ] || return 0
  kill -TERM -- "-$g" 2> /dev/null || true
  for _ in $(seq 1 100); do pgrep -s "$g" > /dev/null || return 0; sleep 0.1; done
  echo "demo: $1 did not stop in 10 s: killed" >&2
  pkill -KILL -s "$g" 2> /dev/null || true
}
# Waits for a line in a log, or fails naming the log.
await() {
  for _ in $(seq 1 300); do grep -q "$2" "$1" 2> /dev/null && return 0; sleep 0.1; done
  echo "demo: timed out waiting for '$2' in $dir/$1" >&2; tail -3 "$dir/$1" >&2; return 1
}
stopped=0
stop_all() {
  [ $stopped = 1 ] && return; stopped=1
  say "stopping: the feeds first, then the tickerplant, its subscribers, the broker"
  stop kafka-feed
  stop kafka-consume
  [ -z "${PGID[tickerplant]:-}" ] || pkill -TERM -x tick-gen -s "${PGID[tickerplant]}" 2> /dev/null || true
  sleep 0.3
  stop q-rdb
  stop kdb
  stop analytics
  stop rdb
  stop tickerplant
  stop broker
  kill $(jobs -p) 2> /dev/null || true
  wait 2> /dev/null || true
  echo "demo: its files are kept in $dir (the journal, the HDB, each process's NAME.err); rm -rf it when done"
}
# Ctrl-C (or SIGTERM) while it runs: on to the orderly stop and the checks
# of the journal; during the start, stop at once.
running=0; interrupted=0; sleeper=
trap 'stop_all' EXIT
trap 'interrupted=1; if [ $running = 1 ]; then [ -z "$sleeper" ] || kill $sleeper 2> /dev/null; else exit 130; fi' INT TERM
# nap SECS: a sleep that Ctrl-C ends
nap() { [ $interrupted = 0 ] || return 0; sleep "$1" & sleeper=$!; wait $sleeper || true; sleeper=; }

mkdir -p hdb
tick-gen --print-schema > sym.schema
# the Kafka leg's trades are a table of their own, so its rows can be told apart
sed -n 's/^trade /kafka_trade /p' sym.schema > kafka.schema

say "run directory $dir (every process logs to NAME.err there)"
start broker "exec tick-kafka broker --topics ext.trades:2 --address-file broker.addr > /dev/null"
for _ in $(seq 1 100); do [ -s broker.addr ] && break; sleep 0.1; done
[ -s broker.addr ] || { echo "demo: the Kafka broker did not start: $(tail -3 broker.err)" >&2; exit 1; }
B=$(cat broker.addr)
echo "   kafka broker (librdkafka's mock, in memory) at $B"

start tickerplant "tick-gen --rate 2000 --syms 20 | tick-log --listen :$P_LOG tp | tick-pub -l :$P_PUB --log tp"
await tickerplant.err "listening"
echo "   tickerplant: tick-gen --rate 2000 | tick-log --listen :$P_LOG $dir/tp | tick-pub -l :$P_PUB"

start kafka-feed "tick-gen --rate 200 --syms 5 --seed 7 -f json | grep '\"table\":\"trade\"' --line-buffered |
  sed -u 's/\"table\":\"trade\"/\"table\":\"kafka_trade\"/' | tick-cat -e --schema kafka.schema | tick-kafka produce -b $B --topic ext.trades"
start kafka-consume "tick-kafka consume -b $B --topic ext.trades --schema kafka.schema -t kafka_trade --resume-from tp -o beginning | tick-pub --to :$P_LOG"
echo "   kafka leg: tick-gen (trades as kafka_trade) | tick-kafka produce --topic ext.trades"
echo "              tick-kafka consume --topic ext.trades --resume-from tp | tick-pub --to :$P_LOG   (exactly once)"

start rdb "tick-sub tp --from start | tick-eod --hdb hdb"
echo "   RDB: tick-sub $dir/tp --from start | tick-eod --hdb $dir/hdb"
echo "        (reads the journal in place, woken by tick-log; a partition at each day roll)"

start analytics "tick-sub :$P_PUB | tick-agg --bar 5s | tick-ws -l :$P_WS --hdb hdb --log tp"
await analytics.err "listening on"
echo "   analytics and dashboard: tick-sub :$P_PUB | tick-agg --bar 5s | tick-ws -l :$P_WS --hdb hdb --log tp"

start kdb "tick-sub :$P_PUB --from start | tick-q -l :$P_Q --schema sym.schema --kdb-log q --feed-to :$P_LOG"
await kdb.err "listening on"
start q-rdb "NODE_PATH=$ROOT/tests/node/node_modules exec node $ROOT/examples/q-rdb.js $P_Q > q-rdb.out"
echo "   kdb+ IPC (tick.q's place): tick-sub :$P_PUB --from start | tick-q -l :$P_Q --kdb-log $dir/q --feed-to :$P_LOG"
echo "        a q-style RDB on it (node-q, r.q's request): examples/q-rdb.js, its counts in $dir/q-rdb.out"

say "dashboard: http://127.0.0.1:$P_WS/   (candles: http://127.0.0.1:$P_WS/?table=trade_bars)"
echo "   the demo's clock ends the day $ROLL s from now ($day, then $next_day)"
if [ "$SECS" -gt 0 ]; then echo "   running for $SECS s"; else echo "   Ctrl-C stops it"; fi

running=1
nap 3
say "history over HTTP: GET /api/query?table=trade&syms=AAPL&limit=3&format=csv"
curl -s "http://127.0.0.1:$P_WS/api/query?table=trade&syms=AAPL&date=$day&limit=3&format=csv" || true

if [ "$SECS" -gt 0 ]; then
  nap $((SECS > 3 ? SECS - 3 : 1))
  # a browser's view, taken while it runs: one WebSocket client
  $PY - "$P_WS" > ws.check 2>&1 << 'PY' || true
import asyncio, json, sys
import websockets
async def main():
    async with websockets.connect("ws://127.0.0.1:%s/ws" % sys.argv[1]) as ws:
        await ws.send(json.dumps({"action": "subscribe", "table": "trade"}))
        m = json.loads(await asyncio.wait_for(ws.recv(), 10))
        print(m.get("type"), len(m.get("rows", [])))
asyncio.run(main())
PY
else
  nap infinity
fi
stop_all

say "tick-log check: the journals are whole"
tick-log check tp/*.tick
say "tick-log info"
tick-log info tp/*.tick
say "history from the HDB: tick-replay --hdb hdb --date $day -t trade -s AAPL -f table (last rows)"
tick-replay --hdb hdb --date "$day" -t trade -s AAPL -f table 2> /dev/null | tail -n 5 || echo "   (no partition yet: the day had not ended)"

if [ "$SECS" -gt 0 ]; then
  say "checks"
  bad=0
  check() { if eval "$2"; then echo "   ok: $1"; else echo "   FAILED: $1" >&2; bad=1; fi; }
  rows() { tick-cat -f json -t "$1" tp/*.tick 2> /dev/null | grep -c '^{"table"' || true; }
  check "the journal has the synthetic feed's trades ($(rows trade))" '[ "$(rows trade)" -gt 0 ]'
  check "the journal has the Kafka leg's trades ($(rows kafka_trade))" '[ "$(rows kafka_trade)" -gt 0 ]'
  check "the HDB has the partition $day" '[ -d "hdb/$day/trade" ]'
  check "a WebSocket client of the dashboard got the trades' snapshot ($(cat ws.check))" 'grep -q "^snapshot [1-9]" ws.check'
  check "a q-style RDB on tick-q (node-q) got the trades ($(grep -o 'trade [0-9]* rows' q-rdb.out | tail -1))" 'grep -q "trade [1-9][0-9]* rows" q-rdb.out'
  left=0; for g in "${PGID[@]}"; do left=$((left + $(pgrep -s "$g" | wc -l || true))); done
  check "every process it started has exited" '[ "$left" -eq 0 ]'
  exit $bad
fi
