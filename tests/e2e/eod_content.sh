#!/usr/bin/env bash
# The HDB holds exactly the journal's rows, ordered by sym then time (stably),
# every type intact, plain or compressed; tick-replay --hdb gives them back;
# a rerun gives the same bytes; an existing partition is kept without --force.
source "$(dirname "$0")/lib.sh"
SORT="$PY $HERE/hdbsort.py"

cat > all.schema <<'S'
t time:timestamp sym:symbol b:boolean x:byte h:short i:int j:long e:real f:float c:char n:timespan d:date s:string
u time:timestamp sym:symbol px:float qty:long venue:symbol
S
# Every type, nulls, long and non-ASCII strings, equal times, and syms whose
# rows arrive out of time order.
$PY "$HERE/mkrows.py" 200000 5 2026-11-20 > rows.json
# (closed with its end of day, as tick-log closes a day)
{ tick-cat -e --schema all.schema rows.json; $PY "$HERE/tickrec.py" eod 2026-11-20 200000; } > 2026-11-20.tick
tick-cat -f json 2026-11-20.tick | $SORT t,u > ref.json
expect_eq "$(wc -l < ref.json)" 200000 "rows in the reference"

for c in none zstd zstd:9; do
  mkdir "hdb-$c"
  expect_status 0 tick-eod --hdb "hdb-$c" --compress "$c" 2026-11-20.tick
  expect_match "$(cat err)" "hdb-$c/2026-11-20: 200000 rows, 2 tables, 306 syms" "the summary line ($c)"
  tick-replay --hdb "hdb-$c" --date 2026-11-20 -f json > out.json
  same_files out.json ref.json "the partition holds the journal's rows sorted by sym then time ($c)"
  # Tick output decodes to the same rows.
  tick-replay --hdb "hdb-$c" --date 2026-11-20 | tick-cat -f json > out2.json
  same_files out2.json ref.json "tick output ($c)"
done
# Plain columns are arrays usable in place: rows x width bytes.
rows_t=$(grep -c '"table":"t"' rows.json)
expect_eq "$(stat -c %s hdb-none/2026-11-20/t/j)" $((rows_t * 8)) "plain long column size"
expect_eq "$(stat -c %s hdb-none/2026-11-20/t/b)" "$rows_t" "plain boolean column size"
expect_eq "$(stat -c %s hdb-none/2026-11-20/t/s)" $(((rows_t + 1) * 8)) "string offsets: rows + 1"
expect_eq "$(head -c 8 hdb-none/2026-11-20/sym)" "TKSYM001" "the sym file"
[ "$(stat -c %s hdb-zstd/2026-11-20/t/sym)" -lt $((rows_t * 4 / 10)) ] || die "zstd columns are not smaller"; ok
expect_eq "$(sed -n 4p hdb-zstd/2026-11-20/t/.d)" "compress zstd:1" "the table's .d names its compression"

# A rerun gives the same bytes; without --force the partition is kept.
sums() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum); }
sums hdb-zstd > before.sum
expect_status 1 tick-eod --hdb hdb-zstd 2026-11-20.tick
expect_match "$(cat err)" "hdb-zstd/2026-11-20 exists: kept \(--force replaces it\)" "an existing partition is kept"
expect_status 0 tick-eod --hdb hdb-zstd --force 2026-11-20.tick
sums hdb-zstd > after.sum
same_files before.sum after.sum "a rerun gives the same bytes"
expect_eq "$(ls -A hdb-zstd | tr '\n' ' ')" ".lock 2026-11-20 " "nothing left beside the partition"

# A generated day of 1M rows, from a zstd journal: the same again.
tick-gen --start 2026-11-21T09:00:00Z --count 1000000 --syms 500 --seed 3 | zstd -q -1 > 2026-11-21.tick.zst
mkdir hdb
expect_status 0 tick-eod --hdb hdb 2026-11-21.tick.zst
tick-cat -f json 2026-11-21.tick.zst | $SORT trade,quote > ref2.json
tick-replay --hdb hdb -f json > out2.json
same_files out2.json ref2.json "a generated day from a zstd journal"
# 5000 syms: per-sym buffers smaller than a page (the unaligned way of
# writing runs; 500 syms above give page-sized ones).
tick-gen --start 2026-11-19T09:00:00Z --count 300000 --syms 5000 --seed 4 > 2026-11-19.tick
expect_status 0 tick-eod --hdb hdb --compress none 2026-11-19.tick
tick-cat -f json 2026-11-19.tick | $SORT trade,quote > ref3.json
tick-replay --hdb hdb --date 2026-11-19 -f json > out3.json
same_files out3.json ref3.json "a day of 5000 syms"
# The date comes from the journal's header when it has one.
tick-gen --count 1000 --syms 3 | tick-log logdir 2> /dev/null > /dev/null
journal=$(ls logdir/*.tick)
cp "$journal" undated-name.tick
expect_status 0 tick-eod --hdb hdb undated-name.tick
[ -d "hdb/$(basename "$journal" .tick)" ] || die "not dated by the journal's header: $(ls hdb)"; ok
# A table that changes shape within the day: refused, with where.
echo 'trade time:timestamp sym:symbol price:float' > s1.schema
echo 'trade time:timestamp sym:symbol px:long' > s2.schema
echo '{"time":"2026-11-22T10:00:00Z","sym":"A","price":1.5}' | tick-cat -e --schema s1.schema -t trade > p1.tick
echo '{"time":"2026-11-22T10:00:01Z","sym":"A","px":2}' | tick-cat -e --schema s2.schema -t trade > p2.tick
cat p1.tick p2.tick > 2026-11-22.tick
expect_status 1 tick-eod --hdb hdb 2026-11-22.tick
expect_match "$(cat err)" "2026-11-22.tick:$(( $(stat -c %s p1.tick) + 32 )): table 'trade' is defined again with other columns" "a table changing shape, at its second schema record"
[ ! -e hdb/2026-11-22 ] || die "a partition from a refused journal"; ok
# Several journals: each its own partition; one that fails is reported and
# the others are still written (exit 1).
mkdir multi hm
tick-gen --start 2026-11-24T09:00:00Z --count 5000 --seed 1 > multi/2026-11-24.tick
cp 2026-11-22.tick multi/2026-11-25.tick
tick-gen --start 2026-11-26T09:00:00Z --count 5000 --seed 2 > multi/2026-11-26.tick
expect_status 1 tick-eod --hdb hm multi/2026-11-24.tick multi/2026-11-25.tick multi/2026-11-26.tick
expect_match "$(cat err)" "multi/2026-11-25.tick:[0-9]+: table 'trade' is defined again" "the failing journal named"
expect_eq "$(ls hm | tr '\n' ' ')" "2026-11-24 2026-11-26 " "the others written"
# A journal with no rows (a quiet day): an empty partition that reads back.
echo -n | TICK_FAKE_TIME=2026-11-27T10:00:00Z tick-log quiet > /dev/null 2>&1
expect_status 0 tick-eod --hdb hm quiet/2026-11-27.tick
expect_status 0 tick-replay --hdb hm --date 2026-11-27 -f csv
expect_eq "$(cat out)" "" "an empty day"
# No date anywhere: refused.
tick-gen --count 10 > nodate.tick
expect_status 1 tick-eod --hdb hdb nodate.tick
expect_match "$(cat err)" "nodate.tick: no date in the journal's header or name" "no date"

# On a terminal: a progress bar that ends at 100%, then the summary line,
# for work that runs past a second (here the clock runs 1000 times fast);
# work done within a second shows none. Elsewhere (every run above): no bar.
$PY "$HERE/ptyrun.py" tick-eod --hdb quick 2026-11-20.tick > quick.out || die "tick-eod on a terminal: $(cat quick.out)"
expect_eq "$(grep -c '%\|\[#' quick.out || true)" 0 "no bar for work done within a second"
TICK_FAKE_TIME=2026-11-21T00:00:00Z TICK_FAKE_SPEED=1000 $PY "$HERE/ptyrun.py" tick-eod --hdb tty 2026-11-20.tick > tty.out ||
  die "tick-eod on a terminal: $(cat tty.out)"
expect_match "$(tail -c 300 tty.out | tr '\r' '\n' | grep -a '100%' | tail -1)" "^2026-11-20\.tick +\[#{30}\] 100% +[0-9.]+ MB/s" "the progress bar at its end"
expect_match "$(tr '\r' '\n' < tty.out | grep -v '^$' | tail -1)" "^tick-eod: tty/2026-11-20: 200000 rows" "the summary line after the bar"
tick-eod --hdb notty --force 2026-11-20.tick 2> notty.err
expect_eq "$(grep -c $'\r\\|%' notty.err || true)" 0 "no bar when stderr is not a terminal"
# A damaged compressed block is an error naming the column and the block
# when it is read (each frame carries its checksum), never other values.
cp -r hdb-zstd dmg
f=dmg/2026-11-20/t/f
$PY -c 'import sys; p=sys.argv[1]; b=bytearray(open(p,"rb").read()); n=len(b)//2; b[n:n+64]=b"\xff"*64; open(p,"wb").write(b)' "$f"
expect_status 1 tick-replay --hdb dmg --date 2026-11-20 -f csv -t t
expect_match "$(cat err)" "dmg/2026-11-20/t/f: block [0-9]+ at byte [0-9]+: " "the damaged block named"
done_ok
