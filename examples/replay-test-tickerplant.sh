#!/usr/bin/env bash
# Yesterday's journal replayed at 10 times its recorded pace into a test
# tickerplant (its own journal, its own port), to try a new subscriber
# against a real day without touching production. The replay keeps the
# rows' own times; the test journal is named by the day it runs on.
# Usage: replay-test-tickerplant.sh [DIR] [SPEED] [JOURNAL]
#   (default: a made-up yesterday of 20 seconds; TEST_PORT: its tick-pub)
set -euo pipefail
dir=${1:-$(mktemp -d)}
speed=${2:-10}
journal=${3:-}
port=${TEST_PORT:-5020}
mkdir -p "$dir"; cd "$dir"
trap 'pkill -P $$ 2> /dev/null || true' EXIT
if [ -z "$journal" ]; then
  # (a day recorded at 5000 rows a second for 20 s, on yesterday's clock)
  y=$(date -u -d yesterday +%F)
  rm -rf prod
  tick-gen --count 100000 --syms 20 --start "${y}T14:30:00Z" --step 200000 |
    TICK_FAKE_TIME="${y}T12:00:00Z" tick-log prod > /dev/null
  journal=prod/$y.tick
fi
echo "replaying $journal at ${speed}x into a test tickerplant on :$port"
tick-replay --speed "$speed" "$journal" | tick-log testtp 2> testlog.err | tick-pub -l :"$port" --log testtp 2> testpub.err &
until (exec 3<> /dev/tcp/127.0.0.1/"$port") 2> /dev/null; do sleep 0.1; done
# the subscriber under test: here, the last trade per sym at the end
tick-sub :"$port" --from start -t trade 2> sub.err | tick-agg --last --only --every 0 -f csv > last.csv
wait
echo "the test tickerplant journaled $(tick-cat -f json testtp/*.tick | wc -l) rows; the last trades:"
head -4 last.csv
