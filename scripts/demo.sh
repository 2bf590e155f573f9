#!/usr/bin/env bash
# make demo: a tickerplant on a synthetic feed: journal, fan-out, a live
# subscriber, a late subscriber recovering the day from the journal, then a
# look at what was written.
set -euo pipefail
BUILD=${1:-build}
export PATH="$PWD/$BUILD:$PATH"
SECS=${DEMO_SECONDS:-8}
dir=$(mktemp -d /tmp/tick-demo.XXXXXX)
tp="$dir/tp"
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "tickerplant: tick-gen --rate 5000 | tick-log $tp | tick-pub -l :$port --log $tp   (${SECS}s)"
tick-gen --rate 5000 --syms 50 --duration "$SECS" | tick-log "$tp" | tick-pub -l ":$port" --log "$tp" 2> "$dir/pub.err" &
feed=$!
for _ in $(seq 1 50); do grep -q listening "$dir/pub.err" 2>/dev/null && break; sleep 0.1; done

say "a subscriber: tick-sub :$port -t trade -s AAPL,MSFT   (a live table)"
tick-sub ":$port" -t trade -s AAPL,MSFT -f table &
sleep $(( SECS / 2 ))

say "a late subscriber recovers the day from the journal, then follows live"
tick-sub ":$port" --from start -f json > "$dir/late.json" &
late=$!
wait "$feed" || true
wait "$late" || true
wait || true

say "tick-log info"
tick-log info "$tp"/*.tick

say "the late subscriber got every row the journal holds, in order"
tick-replay -f json "$tp" | cmp - "$dir/late.json" && echo "   identical: $(wc -l < "$dir/late.json") rows"

say "the first AAPL trades of the day, as CSV, from the journal"
tick-replay -f csv -t trade -s AAPL "$tp" | head -n 6

say "tick-log check, and compression"
tick-log check "$tp"/*.tick
# (Today's day is not over, so its journal has no end-of-day record yet:
# compress refuses it unless --force, as it refuses the live journal.)
cp "$tp"/*.tick "$dir/copy.tick" && tick-log compress --force "$dir/copy.tick"
echo "   $(stat -c %s "$dir/copy.tick.zst") bytes compressed from $(stat -c %s "$tp"/*.tick); tick-replay reads either"

say "end of day: tick-eod --hdb $dir/hdb (the day's journal into a partition, sorted by sym then time)"
tick-eod --hdb "$dir/hdb" "$tp"/*.tick
tick-replay --hdb "$dir/hdb" --info

day=$(basename "$tp"/*.tick .tick)
say "history: tick-replay --hdb $dir/hdb --date $day -t trade -s AAPL -f csv   (first rows)"
tick-replay --hdb "$dir/hdb" --date "$day" -t trade -s AAPL -f csv | head -n 6
echo "   $(tick-replay --hdb "$dir/hdb" --date "$day" -t trade -s AAPL -f csv | tail -n +2 | wc -l) AAPL trades in the partition," \
  "$(tick-replay -t trade -s AAPL -f csv "$tp" | tail -n +2 | wc -l) in the journal"

echo
echo "files in $dir"
