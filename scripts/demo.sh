#!/usr/bin/env bash
# make demo: a synthetic feed journaled by tick-log, followed live from the
# journal, then inspected and replayed.
set -euo pipefail
BUILD=${1:-build}
export PATH="$PWD/$BUILD:$PATH"
SECS=${DEMO_SECONDS:-8}
dir=$(mktemp -d /tmp/tick-demo.XXXXXX)
tp="$dir/tp"
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "tickerplant: tick-gen --rate 5000 | tick-log $tp > downstream.tick   (${SECS}s)"
tick-gen --rate 5000 --syms 50 --duration "$SECS" | tick-log "$tp" > "$dir/downstream.tick" &
pids+=($!)
sleep 0.3
journal=$(ls "$tp"/*.tick)

say "following the journal live: tick-replay --follow $tp -t trade -s AAPL,MSFT"
tick-replay --follow "$tp" -t trade -s AAPL,MSFT -f table &
follower=$!
pids+=($follower)
for i in $(seq 1 "$SECS"); do
  sleep 1
  printf '   ... journal %s: %s bytes\n' "$(basename "$journal")" "$(stat -c %s "$journal")" >&2
done
wait "${pids[0]}" || true
sleep 0.3
kill "$follower" 2>/dev/null || true
wait "$follower" 2>/dev/null || true

say "tick-log info $journal"
tick-log info "$journal"

say "tick-log check: every record's CRC and context"
tick-log check "$journal"

say "the first second of AAPL trades, as CSV"
first=$(tick-replay -f json -t trade "$journal" | head -n 1 | sed 's/.*"time":"[0-9-]*T\([0-9:]*\)\..*/\1/')
tick-replay -f csv -t trade -s AAPL --from "$first" --to "$first.999" "$journal" | head -n 8

say "downstream got exactly the journal's bytes"
cmp "$dir/downstream.tick" "$journal" && echo "   identical: $(stat -c %s "$journal") bytes"

say "compressed, and read back the same"
cp "$journal" "$dir/copy.tick" && tick-log compress "$dir/copy.tick"
tick-replay -f json "$dir/copy.tick.zst" | cmp - <(tick-replay -f json "$journal") && \
  echo "   $(stat -c %s "$dir/copy.tick.zst") bytes compressed, same rows"

echo
echo "files in $dir"
