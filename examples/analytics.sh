#!/usr/bin/env bash
# Streaming analytics as filters: a tickerplant's trades made into bars by
# tick-agg, journaled and served by a second tickerplant (kdb+'s chained
# tickerplant, here an analytics one), drawn as candles with a VWAP line by
# tick-ws's dashboard; and each trade of the day with the quote that
# prevailed when it happened (tick-aj, q's aj), as CSV.
# Usage: analytics.sh [DIR] [SECONDS] [BAR]
#   SECONDS 0 (the default): until Ctrl-C; BAR: the bar width (default 5s)
set -euo pipefail
dir=${1:-$(mktemp -d)}
seconds=${2:-0}
bar=${3:-5s}
mkdir -p "$dir"
cd "$dir"
trap 'pkill -P $$ 2> /dev/null || true' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
tp=$(free_port); bars=$(free_port); ws=$(free_port)
listening() { until grep -q "listening on" "$1" 2> /dev/null; do sleep 0.1; done; }

# The first tickerplant: a feed, its journal, its fan-out.
tick-gen --rate 5000 --syms 10 | tick-log tp 2> log.err | tick-pub -l :"$tp" --log tp 2> pub.err &
listening pub.err

# The second: the first's trades as bars (OHLC, volume, VWAP per sym), and
# nothing else (--only), journaled and fanned out like any feed.
tick-sub :"$tp" 2> sub.err | tick-agg --bar "$bar" --only 2> agg.err |
  tick-log bars 2> barslog.err | tick-pub -l :"$bars" --log bars 2> barspub.err &
listening barspub.err

# The dashboard of the bars: candles seeded from the bars' journal, then live.
tick-sub :"$bars" 2> barssub.err | tick-ws -l :"$ws" --log bars 2> ws.err &
listening ws.err
echo "first tickerplant :$tp, bars (tick-agg --bar $bar) :$bars, logs in $dir"
echo "dashboard: http://127.0.0.1:$ws/?table=trade_bars"

# Trades with the prevailing quote, from the first tickerplant's journal so far.
sleep 2
echo "the day's first trades with the quote that prevailed:"
tick-replay tp/"$(date -u +%F)".tick -t trade,quote |
  tick-aj --left trade --right quote --cols bid,ask,qtime=time -f csv | head -6

if [ "$seconds" -gt 0 ]; then sleep "$seconds" & wait $!; else echo "Ctrl-C stops it"; wait; fi
