#!/usr/bin/env bash
# make demo: a synthetic feed, shown live as a table, then a look at what it wrote.
set -euo pipefail
BUILD=${1:-build}
export PATH="$PWD/$BUILD:$PATH"
SECONDS_TO_RUN=${DEMO_SECONDS:-10}
dir=$(mktemp -d /tmp/tick-demo.XXXXXX)

echo "== tick demo: tick-gen --rate 20 | tee feed.tick | tick-cat -f table (${SECONDS_TO_RUN}s; Ctrl-C to stop)"
tick-gen --rate 20 --syms 8 --batch 1 --duration "$SECONDS_TO_RUN" | tee "$dir/feed.tick" | tick-cat -f table || true

echo
echo "== the same feed, replayed from the file: trades for AAPL as CSV"
tick-cat -f csv -t trade -s AAPL "$dir/feed.tick" | head -n 6
echo
echo "== and as JSON lines, back and forth through the encoder"
tick-gen --print-schema > "$dir/schema"
tick-cat -f json "$dir/feed.tick" | tick-cat -e --schema "$dir/schema" | tick-cat -f json | head -n 3
echo
echo "files in $dir"
