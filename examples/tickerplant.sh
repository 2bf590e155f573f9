#!/usr/bin/env bash
# The tickerplant: tick-gen | tick-log | tick-pub, a live subscriber, a
# real-time subscriber recovering the day from the journal, and one on this
# host reading the journal in place (no socket, nothing for tick-pub to do).
set -euo pipefail
dir=${1:-$(mktemp -d)}
mkdir -p "$dir"
secs=${2:-10}
port=${TP_PORT:-5010}   # (kdb+'s tickerplant port; TP_PORT for another)
# (every process of every pipeline is this shell's child: all are stopped)
trap 'pkill -P $$ 2> /dev/null || true' EXIT
tick-gen --rate 20000 --syms 100 --duration "$secs" | tick-log "$dir/tp" | tick-pub -l :"$port" --log "$dir/tp" &
until (exec 3<> /dev/tcp/127.0.0.1/"$port") 2> /dev/null; do sleep 0.1; done
until [ -e "$dir/tp/.tick.live" ]; do sleep 0.1; done   # (tick-log has made its journal: tick-pub may listen first)
tick-sub :"$port" -t trade -s AAPL,MSFT -f table &          # last trades, live
tick-sub "$dir/tp" --from start -f csv -t trade > "$dir/trades.csv" &   # in place, to tick-log's end
sleep $((secs / 3))
tick-sub :"$port" --from start -f csv -t quote > "$dir/quotes.csv"   # the day so far, then live, to the end
wait
tick-log info "$dir"/tp/*.tick
echo "quotes: $(($(wc -l < "$dir/quotes.csv") - 1)) rows in $dir/quotes.csv"
echo "trades: $(($(wc -l < "$dir/trades.csv") - 1)) rows in $dir/trades.csv"
