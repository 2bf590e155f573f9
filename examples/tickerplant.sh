#!/usr/bin/env bash
# The tickerplant: tick-gen | tick-log | tick-pub, a live subscriber, and a
# real-time subscriber recovering the day from the journal.
set -euo pipefail
dir=${1:-$(mktemp -d)}
# (every process of every pipeline is this shell's child: all are stopped)
trap 'pkill -P $$ 2> /dev/null || true' EXIT
tick-gen --rate 20000 --syms 100 --duration 10 | tick-log "$dir/tp" | tick-pub -l :5010 --log "$dir/tp" &
sleep 1
tick-sub :5010 -t trade -s AAPL,MSFT -f table &          # last trades, live
sleep 3
tick-sub :5010 --from start -f csv -t quote > "$dir/quotes.csv"   # the day so far, then live, to the end
wait
tick-log info "$dir"/tp/*.tick
echo "quotes: $(($(wc -l < "$dir/quotes.csv") - 1)) rows in $dir/quotes.csv"
