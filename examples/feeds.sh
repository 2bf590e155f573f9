#!/usr/bin/env bash
# Several feeds into one journal: each connects to tick-log --listen as a
# publisher (tick-pub --to), holding what is not journaled yet.
set -euo pipefail
dir=${1:-$(mktemp -d)}
here=$(cd "$(dirname "$0")" && pwd)
# (every process of every pipeline is this shell's child: all are stopped)
trap 'pkill -P $$ 2> /dev/null || true' EXIT
tick-log "$dir/tp" --listen :5009 < /dev/null | tick-pub -l :5010 --log "$dir/tp" &
sleep 0.5
# A binary feed, and a JSON feed encoded on the way in.
tick-gen --rate 5000 --syms 20 --duration 5 | tick-pub --to :5009 &
for i in $(seq 1 2000); do
  printf '{"table":"trade","sym":"JSONCO","price":%d.5,"size":%d}\n' $((100 + i % 7)) $((i * 10))
done | tick-cat -e --schema "$here/sym.q" | tick-pub --to :5009
wait %2
tick-log info "$dir"/tp/*.tick
echo "the JSON feed's rows, from the journal:"
tick-replay -s JSONCO -f csv "$dir/tp" | head -n 4
