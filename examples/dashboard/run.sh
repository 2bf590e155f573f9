#!/usr/bin/env bash
# The dashboard: a tickerplant (feed -> journal -> fan-out), yesterday's
# partition in an HDB, and tick-ws subscribed to the tickerplant with the HDB
# and today's journal behind its history API. Open the URL it prints.
# Usage: run.sh [DIR] [SECONDS]   (SECONDS 0, the default: until Ctrl-C)
set -euo pipefail
dir=${1:-$(mktemp -d)}
seconds=${2:-0}
mkdir -p "$dir"
cd "$dir"
# (every process of every pipeline is this shell's child: all are stopped)
trap 'pkill -P $$ 2> /dev/null || true' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
tp_port=$(free_port)
ws_port=$(free_port)

# Yesterday, as the HDB holds it after last night's end of day.
yesterday=$(date -u -d yesterday +%F)
rm -rf hdb/"$yesterday"
# (the journal's day is tick-log's clock: here replaced by yesterday's noon)
rm -rf ytp
tick-gen --syms 20 --count 200000 --start "${yesterday}T13:30:00Z" --step 100000000 |
  TICK_FAKE_TIME="${yesterday}T12:00:00Z" tick-log ytp > /dev/null
tick-eod --hdb hdb ytp/"$yesterday".tick 2> eod.err

# Today: a live feed, journaled and fanned out; tick-ws subscribes like any RDB.
tick-gen --rate 2000 --syms 20 | tick-log tp 2> log.err | tick-pub -l :"$tp_port" --log tp 2> pub.err &
until (exec 3<> /dev/tcp/127.0.0.1/"$tp_port") 2> /dev/null; do sleep 0.1; done
tick-sub :"$tp_port" 2> sub.err | tick-ws -l :"$ws_port" --hdb hdb --log tp 2> ws.err &
until grep -q "listening on" ws.err; do sleep 0.1; done
echo "dashboard: http://127.0.0.1:$ws_port/   (logs in $dir)"
sleep 2
echo "yesterday's AAPL trades from 19:00, from the HDB:"
curl -s "http://127.0.0.1:$ws_port/api/query?table=trade&syms=AAPL&date=$yesterday&from=${yesterday}T19:00:00Z&limit=3&format=csv"
echo "today's last AAPL trade, from tick-ws's state:"
curl -s "http://127.0.0.1:$ws_port/api/last?table=trade&syms=AAPL"; echo
if [ "$seconds" -gt 0 ]; then sleep "$seconds" & wait $!; else echo "Ctrl-C stops it"; wait; fi
