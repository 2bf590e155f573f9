#!/usr/bin/env bash
# Corruption in the middle of a journal: check names the offset and exits 1;
# --repair keeps every record before and after the damaged one; tick-replay
# reports the offset and goes on (--on-error skip) or stops (default).
# Also info and compress.
source "$(dirname "$0")/lib.sh"
export TICK_FAKE_TIME=2026-11-20T12:00:00Z
tick-gen --seed 9 --count 60000 --batch 100 --syms 30 | tick-log tp > /dev/null
J=tp/2026-11-20.tick
cp $J clean.tick
tick-replay -f json clean.tick > clean.json
expect_eq "$(wc -l < clean.json)" 60000 "rows journaled"

expect_status 0 tick-log info $J
expect_match "$(cat out)" "seq       1 \.\. [0-9]+" "info: seq range"
expect_match "$(cat out)" "time      2026-01-05T14:30:00\.000000000Z \.\. 2026-01-05T14:30:59\.999000000Z" "info: time range"
expect_match "$(cat out)" "syms      30" "info: syms"
expect_match "$(cat out)" "table     quote +[0-9]+ rows" "info: quote rows"
trades=$(jq -c 'select(.table=="trade")' clean.json | wc -l)
expect_match "$(cat out)" "table     trade +$trades rows" "info: trade rows"

# Damage one data record in the middle (a byte inside its payload).
rec=$($WALK $J | awk '$2=="D"' | sed -n 300p)
off=$(echo "$rec" | cut -d' ' -f1); seq=$(echo "$rec" | cut -d' ' -f5); rows=$(echo "$rec" | cut -d' ' -f4)
next=$($WALK $J | awk -v o="$off" '$1>o{print $1; exit}')
printf '\x5a\x5a\x5a' | dd of=$J bs=1 seek=$((off + 100)) conv=notrunc status=none

expect_status 1 tick-log check $J
expect_match "$(cat err)" "^tick-log: $J:$off: CRC mismatch in data record of [0-9]+ bytes \(skipped [0-9]+ bytes to the next good record\)$" "check names the offset"

# tick-replay: stops at the offset by default, with every row before it.
expect_status 1 tick-replay -f json $J
expect_match "$(cat err)" "^tick-replay: $J:$off: CRC mismatch" "replay names the offset"
before=$(tick-replay -f json <(head -c "$off" clean.tick) | wc -l)
expect_eq "$(wc -l < out)" "$before" "replay keeps the rows before"
# ... or goes on past it.
expect_status 1 tick-replay -f json --on-error skip $J
expect_eq "$(wc -l < out)" "$((60000 - rows))" "replay skips just the damaged record"
expect_match "$(cat err)" "skipped $((next - off)) bytes to the next good record" "replay resync"

# Repair: every record but the damaged one, bad bytes beside it, then clean.
# A repair that leaves a sound file exits 0, and says what it kept.
expect_status 0 tick-log check --repair $J
expect_match "$(cat out)" "repaired: kept [0-9]+ records, moved $((next - off)) bytes to $J\.bad; the file is sound" "repair summary"
expect_eq "$(stat -c %s $J.bad)" "$((next - off))" "bad bytes kept"
expect_status 0 tick-log check $J
tick-replay -f json $J > repaired.json
expect_eq "$(wc -l < repaired.json)" "$((60000 - rows))" "rows after repair"
expect_eq "$($WALK $J | awk '$2=="D"{print $5}' | grep -c "^$seq\$" || true)" 0 "the damaged record is gone"
expect_eq "$($WALK $J | awk '$2=="D"' | wc -l)" "$(( $($WALK clean.tick | awk '$2=="D"' | wc -l) - 1 ))" "every other record kept"
# The rows kept are exactly the clean journal's minus the damaged record's.
tick-replay -f json --seq-to $((seq - 1)) clean.tick > a.json
tick-replay -f json --seq-from $((seq + 1)) clean.tick >> a.json
same_files repaired.json a.json "repaired rows"

# Garbage spliced between records: found, repaired, all rows kept.
{ head -c "$off" clean.tick; head -c 1000 /dev/urandom; tail -c +$((off + 1)) clean.tick; } > spliced.tick
expect_status 1 tick-log check spliced.tick
expect_status 0 tick-log check --repair spliced.tick
expect_status 0 tick-log check spliced.tick
tick-replay -f json spliced.tick > spliced.json
same_files spliced.json clean.json "rows around spliced garbage"

# compress: atomic .zst that every reader reads; today's journal left alone.
mkdir -p hist
cp clean.tick hist/2026-11-18.tick; cp clean.tick hist/2026-11-19.tick; cp clean.tick hist/2026-11-20.tick
# These copies have no end-of-day record (the tick-log that wrote them
# stopped mid-day). Today's is refused, by name, unless --force; past days
# are over, so they are compressed, each with a warning.
expect_status 1 tick-log compress hist/2026-11-20.tick
expect_match "$(cat err)" "hist/2026-11-20.tick: has no end-of-day record \(its day is not over, or its tick-log died\): not compressed \(--force" "compress refuses today's journal with no end of day"
expect_status 0 tick-log compress --older-than 1 hist
expect_eq "$(grep -c 'has no end-of-day record (its tick-log stopped before the roll); its day is over: compressed' err)" 2 "a warning for each past day with no end of day"
expect_eq "$(ls hist | tr '\n' ' ')" "2026-11-18.tick.zst 2026-11-19.tick.zst 2026-11-20.tick " "compressed all but today's"
expect_status 0 tick-log check hist/2026-11-18.tick.zst
tick-replay -f json hist/2026-11-19.tick.zst > z.json
same_files z.json clean.json "replay of a compressed journal"
expect_eq "$(tick-replay -f json hist | wc -l)" 180000 "replay of a directory, compressed and not"
zstd -qdc hist/2026-11-18.tick.zst | cmp - clean.tick || die "zstd -d does not give the journal back"; ok
expect_status 0 tick-log compress --force hist/2026-11-20.tick
expect_eq "$(ls hist | tr '\n' ' ')" "2026-11-18.tick.zst 2026-11-19.tick.zst 2026-11-20.tick.zst " "--force compresses today's too"
done_ok
