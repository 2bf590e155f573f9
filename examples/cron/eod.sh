#!/usr/bin/env bash
# The end-of-day job: a day's journal into an HDB partition, logged, failing
# loudly (non-zero, and a line in the log) when the journal is missing or
# tick-eod fails, so cron's mail and monitoring see it.
#
# usage: eod.sh TP_DIR HDB_DIR [DATE]     (DATE defaults to yesterday)
# log:   $EOD_LOG, default HDB_DIR/eod.log
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 TP_DIR HDB_DIR [DATE]" >&2; exit 2; }
tp=$1 hdb=$2
day=${3:-$(date -d yesterday +%F)}
log=${EOD_LOG:-$hdb/eod.log}
say() { printf '%s %s\n' "$(date -u +%FT%TZ)" "$*" >> "$log"; }
fail() { say "FAILED $day: $*"; echo "eod.sh: $day: $*" >&2; exit 1; }

mkdir -p "$hdb"
# A retried job finds its partition written: nothing to do. (A partial one,
# of a day whose tick-log stopped before the roll, is written again: once the
# day has its end of day, the real partition replaces it.)
if [ -d "$hdb/$day" ] && [ ! -e "$hdb/$day/.partial" ]; then
  say "$day already in $hdb: nothing to do (tick-eod --force rewrites it)"
  exit 0
fi
journal=
for f in "$tp/$day.tick" "$tp/$day.tick.zst"; do
  [ -f "$f" ] && { journal=$f; break; }
done
[ -n "$journal" ] || fail "no journal $tp/$day.tick(.zst)"
say "start $day from $journal"
if out=$(tick-eod --hdb "$hdb" "$journal" 2>&1); then
  say "$out"
  say "done $day"
else
  rc=$?
  say "$out"
  fail "tick-eod exited $rc"
fi
