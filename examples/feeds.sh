#!/usr/bin/env bash
# Several feeds into one journal: each connects to tick-log --listen as a
# publisher (tick-pub --to), holding what is not journaled yet.
set -euo pipefail
dir=${1:-$(mktemp -d)}
mkdir -p "$dir"
log_port=${LOG_PORT:-5009} port=${TP_PORT:-5010}   # (LOG_PORT, TP_PORT for others)
# (every process of every pipeline is this shell's child: all are stopped)
trap 'pkill -P $$ 2> /dev/null || true' EXIT
tick-log "$dir/tp" --listen :"$log_port" < /dev/null | tick-pub -l :"$port" --log "$dir/tp" &
until (exec 3<> /dev/tcp/127.0.0.1/"$log_port") 2> /dev/null; do sleep 0.1; done
# A binary feed, and a JSON feed encoded on the way in (with the binary
# feed's schema: a table's columns are the same for every publisher).
tick-gen --print-schema > "$dir/feed.schema"
tick-gen --rate 5000 --syms 20 --duration 5 | tick-pub --to :"$log_port" &
for i in $(seq 1 2000); do
  printf '{"table":"trade","sym":"JSONCO","price":%d.5,"size":%d}\n' $((100 + i % 7)) $((i * 10))
done | tick-cat -e --schema "$dir/feed.schema" | tick-pub --to :"$log_port"
wait %2
tick-log info "$dir"/tp/*.tick
echo "the JSON feed's rows, from the journal:"
tick-replay -t trade -s JSONCO -f csv "$dir/tp" | head -n 4
