#!/usr/bin/env bash
# The real-time database and its end of day: a subscriber from the start of
# the day writes the day's partition when the tickerplant's end-of-day
# record comes (tick-eod in stream mode), as kdb+'s RDB saves to the HDB at
# .u.end. The tickerplant's clock is replaced so the day ends ROLL seconds
# after the start; then the HDB answers for that day.
# Usage: rdb-eod.sh [DIR] [ROLL]   (TP_PORT: the tick-pub)
set -euo pipefail
dir=${1:-$(mktemp -d)}
roll=${2:-5}
port=${TP_PORT:-5010}
mkdir -p "$dir"; cd "$dir"
trap 'pkill -P $$ 2> /dev/null || true' EXIT
day=$(date -u +%F)
start=$(( $(date -u -d "$day + 1 day" +%s) - roll ))   # midnight, less ROLL seconds
export TICK_FAKE_TIME=$(date -u -d @$start +%FT%TZ)   # (every tool's clock)
tick-gen --rate 2000 --syms 10 --duration $((roll + 2)) | tick-log tp 2> log.err | tick-pub -l :"$port" --log tp 2> pub.err &
until (exec 3<> /dev/tcp/127.0.0.1/"$port") 2> /dev/null; do sleep 0.1; done
tick-sub :"$port" --from start 2> sub.err | tick-eod --hdb hdb 2> eod.err &
wait %1
wait
cat eod.err
tick-replay --hdb hdb --info
echo "the day's last AAPL trades, from the HDB:"
tick-replay --hdb hdb --date "$day" -t trade -s AAPL -f csv | tail -n 3
