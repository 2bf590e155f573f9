#!/usr/bin/env bash
# tick-log's input side: batching (kdb+ batch mode), bad input named by
# offset with everything before it journaled, conflicting schemas, several
# input streams in a row with their own dictionaries, and SIGTERM.
source "$(dirname "$0")/lib.sh"
export TICK_FAKE_TIME=2026-11-20T12:00:00Z

tick-gen --seed 4 --count 20000 --batch 1 --syms 40 > single.tick
tick-cat -f json single.tick > single.json
expect_eq "$($WALK single.tick | awk '$2=="D"' | wc -l)" 20000 "single-row records in"

# Without batching: one journal record per input record, numbered 1..N.
tick-log plain < single.tick > plain.down
expect_eq "$($WALK plain/2026-11-20.tick | awk '$2=="D"{n++; if ($5!=n) bad=1} END{print n, bad+0}')" "20000 0" "records numbered 1..N"
same_files plain.down plain/2026-11-20.tick "downstream is the journal"

# --batch-rows 100: rows coalesce into records of 100 rows of one table.
tick-log rows --batch-rows 100 < single.tick > /dev/null
expect_eq "$($WALK rows/2026-11-20.tick | awk '$2=="D" && $4==100' | wc -l)" 199 "full batches"
expect_eq "$($WALK rows/2026-11-20.tick | awk '$2=="D"' | wc -l)" 201 "records with --batch-rows 100"
# Coalescing is per table: a table's rows keep their order.
for t in trade quote; do
  expect_eq "$(tick-replay -f json -t $t rows/2026-11-20.tick | md5sum)" "$(jq -c "select(.table==\"$t\")" single.json | md5sum)" "$t rows after batching"
done
# --batch-ms: a paced feed of single rows arrives in records of many rows.
tick-gen --rate 4000 --count 4000 --batch 1 --syms 5 | tick-log ms --batch-ms 100 > ms.down
recs=$($WALK ms/2026-11-20.tick | awk '$2=="D"' | wc -l)
[ "$recs" -ge 10 ] && [ "$recs" -le 60 ] || die "--batch-ms 100 over ~1 s gave $recs records"; ok
expect_eq "$(tick-cat -f json ms.down | wc -l)" 4000 "rows downstream with --batch-ms"

# Bad input: the error names the offset; what came before is journaled.
{ head -c 200000 single.tick; head -c 3000 /dev/urandom; } > bad.tick
expect_status 1 tick-log badlog < bad.tick
expect_match "$(cat err)" "^tick-log: -:[0-9]+: (truncated|CRC mismatch|corrupt)" "bad input message"
good=$({ tick-cat -f json <(head -c 200000 single.tick) 2>/dev/null || true; } | wc -l)
expect_eq "$(tick-replay -f json badlog/2026-11-20.tick | wc -l)" "$good" "rows before the bad input journaled"
expect_status 0 tick-log check badlog/2026-11-20.tick

# Several input streams one after another (cat a b): dictionaries differ,
# the journal remaps every sym into its own dictionary.
tick-gen --seed 1 --count 3000 --syms 7 > a.tick
tick-gen --seed 2 --count 3000 --syms 60 > b.tick
cat a.tick b.tick | tick-log two > two.down
tick-cat -f json a.tick b.tick > two_ref.json
tick-replay -f json two/2026-11-20.tick > two.json
same_files two.json two_ref.json "two streams with their own dictionaries"
# A stream whose table conflicts with the journal's is refused by name.
printf 'trade time:timestamp sym:symbol price:long\n' > other.schema
echo '{"table":"trade","sym":"X","price":1}' | tick-cat -e --schema other.schema > other.tick
expect_status 1 tick-log two < other.tick
expect_match "$(cat err)" "table 'trade' does not match the journal's" "conflicting schema"
expect_status 0 tick-log check two/2026-11-20.tick

# SIGTERM: flush, sync, exit 0; everything downstream is journaled.
tick-gen --rate 2000 --syms 5 | tick-log sig > sig.down 2> sig.err &
pid=$!
sleep 1
kill -TERM $pid
wait $pid; st=$?
expect_eq "$st" 0 "exit status after SIGTERM"
n=$(tick-replay -f json sig/2026-11-20.tick | wc -l)
[ "$n" -gt 500 ] || die "only $n rows journaled"; ok
expect_eq "$(tick-cat -f json sig.down | wc -l)" "$n" "downstream equals the journal after SIGTERM"
expect_status 0 tick-log check sig/2026-11-20.tick
done_ok
