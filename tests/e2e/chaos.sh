#!/usr/bin/env bash
# make chaos's short form: the whole tickerplant (feeds through tick-pub --to,
# the Kafka leg with --resume-from, TCP and local subscribers, the RDB, tick-agg
# into tick-ws with a client, tick-q with a node-q RDB) for 40 s across a day roll while a seeded
# driver SIGKILLs, restarts and SIGSTOPs its parts and runs hostile clients on
# every listener: no row lost or doubled, every subscriber equal to the
# journal, the ended day's partition equal to its journal, no crash.
source "$(dirname "$0")/lib.sh"
CHAOS_SEED=${CHAOS_SEED:-20261207} CHAOS_SECONDS=40 bash "$TICK_SOURCE/scripts/chaos.sh" "$TICK_BUILD" > chaos.out 2>&1 \
  || die "$(cat chaos.out)"
cat chaos.out
expect_match "$(cat chaos.out)" $'rows lost: 0\nrows duplicated: 0' "the chaos table's last lines"
expect_match "$(cat chaos.out)" "q RDB \(node-q, r.q\) on tick-q, [0-9-]+ +same [0-9]+" "the q RDB on tick-q holds its day once"
done_ok
