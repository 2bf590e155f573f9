#!/usr/bin/env bash
# kdb+'s chained tickerplant: a second tickerplant fed by tick-sub from the
# first, with a journal and subscribers of its own, so that the first serves
# one client however many the second has. The second journals exactly the
# first's records (same rows, same order); its subscribers recover from its
# journal, not the first's.
# Usage: chained.sh [DIR] [SECONDS]   (TP_PORT, TP2_PORT: the two tick-pubs)
set -euo pipefail
dir=${1:-$(mktemp -d)}
secs=${2:-10}
p1=${TP_PORT:-5010} p2=${TP2_PORT:-5011}
mkdir -p "$dir"; cd "$dir"
trap 'pkill -P $$ 2> /dev/null || true' EXIT
up() { until (exec 3<> /dev/tcp/127.0.0.1/"$1") 2> /dev/null; do sleep 0.1; done; }

# The first: feed, journal, fan-out.
tick-gen --rate 5000 --syms 20 --duration "$secs" | tick-log tp1 2> tp1.err | tick-pub -l :"$p1" --log tp1 2> pub1.err &
up "$p1"
# The second: the first's stream from the start of the day, journaled again.
tick-sub :"$p1" --from start 2> sub1.err | tick-log tp2 2> tp2.err | tick-pub -l :"$p2" --log tp2 2> pub2.err &
up "$p2"
# A subscriber of the second, recovering the day from its journal.
sleep $((secs / 2))
tick-sub :"$p2" --from start -t trade -f csv > trades2.csv 2> sub2.err &
wait %1   # (the feed ends: the first's tick-pub ends, then the chain after it)
wait
day=$(date -u +%F)
echo "first:  $(tick-cat -f json tp1/$day.tick | wc -l) rows journaled"
echo "second: $(tick-cat -f json tp2/$day.tick | wc -l) rows journaled"
echo "its subscriber: $(( $(wc -l < trades2.csv) - 1 )) trades"
