#!/usr/bin/env bash
# Kafka both ways, on a local broker: a feed of JSON into a topic (as other
# teams' producers would send it), consumed into a tickerplant's journal;
# the journaled stream produced back out to a topic per table, and read by
# kcat. Usage: run.sh [DIR] [ROWS]
set -euo pipefail
dir=${1:-$(mktemp -d)}
rows=${2:-100000}
mkdir -p "$dir"
cd "$dir"
tick-kafka broker --topics md:4,tick.trade:4,tick.quote:4 --address-file broker.addr > /dev/null &
broker=$!
trap 'kill $broker 2> /dev/null' EXIT
while [ ! -s broker.addr ]; do sleep 0.1; done
B=$(cat broker.addr)
tick-gen --print-schema > sym.schema

# In: JSON on topic md (here from tick-gen; any producer's JSON does), into the journal.
tick-gen --count "$rows" --start 2026-11-23T14:30:00Z -f json > feed.json
kcat -b "$B" -P -t md -l feed.json
tick-kafka consume -b "$B" --topic md --schema sym.schema -g tp -e | tick-log tp > /dev/null
tick-log info tp | grep -E "table|records"

# Out: the journal's rows to a topic per table, keyed by sym.
tick-replay tp | tick-kafka produce -b "$B" --topic-prefix tick.
echo "tick.trade: $(kcat -b "$B" -C -t tick.trade -e -q | wc -l) messages, tick.quote: $(kcat -b "$B" -C -t tick.quote -e -q | wc -l)"
kcat -b "$B" -C -t tick.trade -e -q -c 1 -f 'key %k, timestamp %T, headers %h: %s\n'
