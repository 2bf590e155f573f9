#!/usr/bin/env bash
# tick-replay --hdb: sym, table, time window and date ranges against the same
# filters on the journals; plain and zstd partitions answer alike; a sym
# query touches only its own blocks; --info; bad arguments.
source "$(dirname "$0")/lib.sh"
SORT="$PY $HERE/hdbsort.py"
mkdir tp zs plain
days="2026-11-20 2026-11-21 2026-11-23"
seed=1
for d in $days; do
  tick-gen --start ${d}T09:00:00Z --count 300000 --syms 500 --seed $seed > tp/$d.tick
  seed=$((seed + 1))
done
tick-eod --hdb zs tp/*.tick 2> /dev/null
tick-eod --hdb plain --compress none tp/*.tick 2> /dev/null
expect_eq "$(ls zs | tr '\n' ' ')" "2026-11-20 2026-11-21 2026-11-23 " "three partitions"

# check NAME DATES FILTER...: the HDB's answer equals the journals' rows
# through the same filter, sorted as a partition is, date by date.
check() {
  local what=$1 dates=$2; shift 2
  : > ref.json
  for d in $days; do
    if [[ " $dates " == *" $d "* ]]; then tick-cat -f json "$@" tp/$d.tick | $SORT trade,quote >> ref.json; fi
  done
  local range
  range=$(echo "$dates" | awk '{print $1 ".." $NF}')
  for h in zs plain; do
    tick-replay --hdb $h --date "$range" -f json "$@" > out.json
    same_files out.json ref.json "$what ($h)"
  done
  [ -s ref.json ] || die "$what: the reference is empty"
}
check "one sym, one day" "2026-11-20" -s AAPL
check "one sym, all days" "$days" -s MSFT
check "two syms, a table, a time window" "2026-11-21" -t trade -s MSFT,S0042 --from 09:01 --to 09:03:30.5
check "a time window over two days" "2026-11-20 2026-11-21" --from 09:00:10 --to 09:00:11
check "a table over a range with a gap" "2026-11-21 2026-11-23" -t quote
check "everything" "$days"
# Windows are found by binary search within each sym's rows: check the
# edges (bounds equal to row times, empty windows) and a day whose rows cross
# UTC midnight (a time-of-day window then cannot be searched: all is read).
t1=$(tick-cat -f csv -t trade -s MSFT tp/2026-11-21.tick | sed -n 50p | cut -d, -f1)
t2=$(tick-cat -f csv -t trade -s MSFT tp/2026-11-21.tick | sed -n 90p | cut -d, -f1)
check "a window whose bounds are row times" "2026-11-21" -t trade -s MSFT --from "$t1" --to "$t2"
expect_eq "$(tick-replay --hdb zs --date 2026-11-21 -t trade -s MSFT --from "$t1" --to "$t2" -f csv | sed 1d | wc -l)" 41 "inclusive bounds"
expect_eq "$(tick-replay --hdb zs --date 2026-11-21 -s MSFT --from 08:00 --to 08:59 -f csv)" "" "an empty window"
mkdir mid midh
tick-gen --start 2026-11-24T23:58:00Z --count 200000 --syms 50 --seed 9 > mid/2026-11-24.tick
tick-eod --hdb midh mid/2026-11-24.tick 2> /dev/null
for w in "--from 23:59 --to 23:59:30" "--from 00:00:10 --to 00:01" "--from 2026-11-24T23:59:50Z --to 2026-11-25T00:00:20Z"; do
  # shellcheck disable=SC2086
  tick-cat -f json $w mid/2026-11-24.tick | $SORT trade,quote > ref.json
  # shellcheck disable=SC2086
  tick-replay --hdb midh -f json $w > out.json
  same_files out.json ref.json "across midnight: $w"
  [ -s ref.json ] || die "across midnight: $w: the reference is empty"
done
# No date: every partition.
tick-replay --hdb zs -s AAPL -f json > all.json
tick-replay --hdb zs --date 2026-11-01..2026-12-31 -s AAPL -f json > range.json
same_files all.json range.json "no --date reads every partition"
# Other formats: CSV of one table, and tick.
tick-replay --hdb zs --date 2026-11-20 -t trade -s AAPL -f csv > a.csv
expect_eq "$(head -1 a.csv)" "time,sym,price,size" "CSV header"
# (tick-gen's times only grow: one sym's rows are in journal order)
tick-cat -f csv -t trade -s AAPL tp/2026-11-20.tick > ref.csv
same_files a.csv ref.csv "CSV rows"
tick-replay --hdb zs --date 2026-11-20..2026-11-21 -s AAPL | tick-cat -f json > t.json
tick-replay --hdb zs --date 2026-11-20..2026-11-21 -s AAPL -f json > j.json
same_files t.json j.json "tick output"
# A sym that is not there: nothing, and no error.
expect_status 0 tick-replay --hdb zs -s NOPE -f csv
expect_eq "$(cat out)" "" "an unknown sym"

# A sym's query reads only the blocks that hold its rows: with the first
# block of a column destroyed, the last sym still answers, the first fails
# naming the file and block.
last=$(tick-replay --hdb zs --date 2026-11-20 -t trade -f csv | tail -1 | cut -d, -f2)
tick-replay --hdb zs --date 2026-11-20 -t trade -s "$last" -f json > before.json
[ -s before.json ] || die "no rows for $last"
printf 'XXXXXXXXXXXXXXXX' | dd of=zs/2026-11-20/trade/price bs=1 seek=0 conv=notrunc status=none
expect_status 0 tick-replay --hdb zs --date 2026-11-20 -t trade -s "$last" -f json
same_files out before.json "the last sym, its blocks untouched"
expect_status 1 tick-replay --hdb zs --date 2026-11-20 -t trade -s AAPL -f json
expect_match "$(cat err)" "zs/2026-11-20/trade/price: block 0 at byte 0: " "a damaged block is named"

# --info
expect_status 0 tick-replay --hdb plain --info --date 2026-11-21
expect_match "$(cat out)" "trade: [0-9]+ rows, 500 syms, 4 columns, none" "info: trade"
expect_match "$(cat out)" "time 2026-11-21T09:00:00" "info: time range"
trades=$(tick-cat -f csv -t trade tp/2026-11-21.tick | grep -vc '^time,')
expect_match "$(cat out)" "trade: $trades rows" "info: row count"

# Dates and arguments.
expect_status 1 tick-replay --hdb zs --date 2026-11-22
expect_match "$(cat err)" "zs: no partition 2026-11-22" "a missing date"
expect_status 1 tick-replay --hdb zs --date 2026-12-01..2026-12-31
expect_match "$(cat err)" "no partitions from 2026-12-01 to 2026-12-31" "an empty range"
# Usage errors: exit 2 and the message (CLI11 exits 2 for any unknown flag too).
expect_status 2 tick-replay --hdb zs --date 2026-11-32
expect_eq "$(cat err)" "tick-replay: --date: expected YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD, not '2026-11-32' (see --help)" "a bad date"
expect_status 2 tick-replay --hdb zs --date 2026-11-21..2026-11-20
expect_eq "$(cat err)" "tick-replay: --date: 2026-11-21 is after 2026-11-20 (see --help)" "a reversed range"
expect_status 2 tick-replay --hdb zs tp/2026-11-20.tick
expect_eq "$(cat err)" "tick-replay: --hdb reads partitions: give no journal paths with it (see --help)" "--hdb with journals"
expect_status 2 tick-replay --date 2026-11-20 tp/2026-11-20.tick
expect_eq "$(cat err)" "tick-replay: --date requires --hdb, or kdb+ journals to date (see --help)" "--date without --hdb"
expect_status 2 tick-replay --hdb zs --seq-from 5
expect_eq "$(cat err)" "tick-replay: --seq-from/--seq-to select journal records; HDB rows have no sequence numbers (see --help)" "--seq-from on an HDB"
expect_status 2 tick-replay --hdb zs --follow
expect_eq "$(cat err)" "tick-replay: --follow reads growing journals, not --hdb partitions (see --help)" "--follow on an HDB"
expect_status 1 tick-replay --hdb nowhere --date 2026-11-20
done_ok
