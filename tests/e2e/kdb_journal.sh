#!/usr/bin/env bash
# kdb+ tick journals (tick.q's logs), made by node-q's serialiser: read by
# every tool that reads a journal, checked and repaired as q's -11! does,
# written back byte for byte.
source "$(dirname "$0")/lib.sh"
SRC=${TICK_SOURCE:-$HERE/../..}
KJ="node $SRC/tests/e2e/kdbjournal.js"

$KJ make .
J=sym2026.12.05

# Read with the sym.q that names its columns: every type, nulls, infinities.
expect_status 1 tick-cat $J
expect_eq "$(cat err)" "tick-cat: $J: a kdb+ tick journal (tick.q's log): name its tables' columns with --schema sym.q" "a journal without a schema"
tick-cat --schema all.q -t all $J | grep "\"table\"" > all.json
expect_eq "$(wc -l < all.json)" "12" "four messages of three rows"
row1=$(head -1 all.json)
expect_match "$row1" '^\{"table":"all","time":"09:00:00.000000000","sym":"IBM","b":true,"x":0,"h":0,"i":-5,"j":1234567890123,"e":1.5,"f":3.25,"c":"a","p":"2026-12-05T09:30:00.123' "values, the timestamp shifted to tick's epoch"
expect_match "$row1" '"d":"2026-12-05","t":"09:30:00.123","u":"09:31","v":"09:31:05","m":"2026-12","z":"2026-12-05T09:30:00.250","g":"8c680a01-5a49-5aab-5a65-d4bfddb6a661","s":"hello"\}$' "dates, q's older types, guids, strings"
expect_eq "$(sed -n 2p all.json)" '{"table":"all","time":"09:00:00.500000000","sym":"MSFT","b":false,"x":127,"h":null,"i":null,"j":null,"e":null,"f":null,"c":" ","p":null,"d":null,"t":null,"u":null,"v":null,"m":null,"z":null,"g":null,"s":""}' "q's nulls are nulls"
expect_eq "$(sed -n 3p all.json)" '{"table":"all","time":null,"sym":"","b":false,"x":255,"h":32767,"i":-2147483647,"j":9223372036854775807,"e":"-inf","f":"inf","c":"z","p":"1999-12-31T23:59:59.999000000Z","d":"1970-01-01","t":"23:59:59.999","u":"00:00","v":"12:00:00","m":"1999-01","z":"2000-01-01T00:00:00.000","g":"00000000-0000-0000-0000-000000000001","s":"a, \"quoted\" one"}' "infinities, dates before 2000"
expect_eq "$(tick-cat --schema all.q -t trade -f csv $J | sed -n 2p)" "10:00:00.000000000,IBM,100.5,0" "the trades"
# The day is the file name's; a past day ends.
expect_eq "$(tick-cat --schema all.q -t trade $J | tail -1)" '{"eod":"2026-12-05","seq":0}' "the day from tick.q's file name"
cp $J today.log
expect_eq "$(tick-cat --schema all.q --date 2026-12-04 -t trade today.log | tail -1)" '{"eod":"2026-12-04","seq":0}' "--date for a name without one"

# Written back (-f kdb): the same bytes; and the other forms feeds send (a row
# of atoms, tables in any column order) come back as columns node-q reads
# to the same values.
tick-cat --schema all.q -f kdb $J > back
same_files back $J "a journal read and written back"
tick-replay --schema all.q -f kdb $J > back2
same_files back2 $J "tick-replay -f kdb"
tick-cat --schema all.q -f kdb mixed2026.12.05 > mixed.back
$KJ values mixed2026.12.05 > want.values
$KJ values mixed.back > got.values
same_files got.values want.values "rows of atoms and tables, as node-q reads them"
expect_eq "$(wc -l < got.values)" "4" "one message per data record"
# A tick stream becomes a journal: filtered, and from JSON through tick-cat -e.
tick-cat --schema all.q -f kdb -s IBM $J > ibm.log
expect_eq "$(tick-cat --schema all.q -f csv -t trade ibm.log | tail -n +2 | cut -d, -f2 | sort -u)" "IBM" "a filtered journal"
$KJ values ibm.log > ibm.values
expect_eq "$(grep -c '"trade"' ibm.values)" "4" "node-q reads the filtered journal"
printf '{"table":"trade","time":"10:00:00","sym":"A","price":1.5,"size":3}\n' | tick-cat -e --schema all.q | tick-cat -f kdb > fromjson.log
expect_eq "$($KJ values fromjson.log)" '{"table":"trade","columns":[["36000000000000"],["A"],[1.5],["3"]]}' "JSON to a journal node-q reads"
# tick-sub -f kdb: a subscriber's stream as a journal, the same as tick-cat's.
tick-gen --count 1000 --syms 5 | tick-log tpx --fsync never > /dev/null 2>&1
timeout 60 tick-sub tpx --from start -f kdb > sub.log
tick-cat -f kdb tpx > cat.log
same_files sub.log cat.log "tick-sub -f kdb"
data=$(tick-log info tpx | sed -n 's/.*records.*(\([0-9]*\) data).*/\1/p')
expect_eq "$($KJ values sub.log | wc -l)" "$data" "node-q reads a message per data record"
expect_status 1 tick-cat -f kdb $J
# (a journal on a pipe is not recognised: said, with what to do)
cat $J | expect_status 1 tick-cat --schema all.q
expect_eq "$(cat err)" "tick-cat: -:0: not a tick stream (no record marker): it looks like a kdb+ tick journal (tick.q's log); give it as a file, with --schema sym.q" "a journal on a pipe"
expect_status 2 tick-cat --schema all.q -f kdb --split . $J

# A closed pipe ends the reading and the writing quietly (exit 0).
big=$(printf "$J %.0s" $(seq 1 200))
expect_status 0 bash -c "tick-cat --schema all.q $big | head -1 > /dev/null; exit \${PIPESTATUS[0]}"
tick-gen --count 200000 > many.tick
expect_status 0 bash -c "tick-cat -f kdb many.tick | head -c 100 > /dev/null; exit \${PIPESTATUS[0]}"

# A journal longer than the reader's window (8 MiB of the file mapped ahead,
# what was read let go), with messages past its 1 MiB batch of stream
# between small ones: every row back in order, in bounded memory.
tick-gen --print-schema > gen.schema
tick-gen --seed 3 --count 300000 --batch 10 --start 2026-11-20T09:30:00Z > g1.tick
tick-gen --seed 4 --count 160000 --batch 40000 --start 2026-11-20T10:30:00Z > g2.tick
tick-gen --seed 5 --count 300000 --batch 7 --start 2026-11-20T11:30:00Z > g3.tick
for i in 1 2 3; do tick-cat -f kdb g$i.tick > j$i; done
{ cat j1; tail -c +9 j2; tail -c +9 j3; } > long2026.11.20
tick-cat -f json g1.tick g2.tick g3.tick > want.json
/usr/bin/time -f %M -o long.rss tick-cat --schema gen.schema -f json long2026.11.20 > got.json
expect_eq "$(tail -1 got.json)" '{"eod":"2026-11-20","seq":0}' "a past day's journal ends with its day"
head -n -1 got.json > got_rows.json
same_files got_rows.json want.json "a long journal of small and large messages, read whole"
# (peak RSS under the file's size: the whole file mapped at once was 58 MB
# for its 33 MB; the sanitizers' shadow memory is not compared)
if [ "${TICK_SANITIZED:-0}" != 1 ]; then
  expect_eq "$(( $(tail -1 long.rss) < $(stat -c %s long2026.11.20) >> 10 ))" "1" "read in a window, not the whole file ($(tail -1 long.rss) KiB)"
fi

# check: q's -11!(-2;L) answer; torn at every byte of the last message.
expect_eq "$(tick-log check $J)" "$J: ok, 8 messages" "a sound journal"
size=$(stat -c %s $J)
last=$($KJ offsets $J | tail -1)
for ((cut = last + 1; cut < size; cut++)); do
  head -c $cut $J > torn2026.12.05
  expect_status 1 tick-log check torn2026.12.05
  expect_eq "$(cat out)" "torn2026.12.05: 7 valid messages, $last valid bytes of $cut (q's -11!(-2;L): 7 $last)" "torn at byte $cut"
done
expect_eq "$(cat err)" "tick-log: torn2026.12.05: byte $last: message 8: the file ends inside a message" "the torn tail named"
# Reading a torn journal: every whole message, then the error naming where.
expect_status 1 tick-cat --schema all.q -t trade torn2026.12.05
expect_eq "$(grep -c '"trade"' out)" "6" "the rows before the torn tail are written"
expect_match "$(cat err)" "^tick-cat: torn2026.12.05: byte $last: message 8: the file ends inside it" "the torn tail named by the reader"
# Damage in the middle: an unknown type at the third message.
third=$($KJ offsets $J | sed -n 3p)
cp $J damaged2026.12.05
printf '\x50' | dd of=damaged2026.12.05 bs=1 seek=$third conv=notrunc status=none
expect_status 1 tick-log check damaged2026.12.05
expect_eq "$(cat out)" "damaged2026.12.05: 2 valid messages, $third valid bytes of $size (q's -11!(-2;L): 2 $third)" "damage in the middle"
expect_eq "$(cat err)" "tick-log: damaged2026.12.05: byte $third: message 3: unknown type 80" "the damage named"
expect_status 0 tick-log check --repair damaged2026.12.05
expect_eq "$(stat -c %s damaged2026.12.05)" "$third" "repair keeps the valid prefix"
expect_eq "$(stat -c %s damaged2026.12.05.bad)" "$((size - third))" "the cut bytes are kept in FILE.bad"
head -c $third $J > prefix
same_files damaged2026.12.05 prefix "the prefix is untouched"
expect_eq "$(tick-log check damaged2026.12.05)" "damaged2026.12.05: ok, 2 messages" "sound after the repair"

# info: tables, rows, messages, syms, time range (no schema needed).
tick-log info $J > info
expect_match "$(cat info)" "format    kdb\+ tick journal" "info says what the file is"
expect_match "$(cat info)" "messages  8" "info: messages"
expect_match "$(cat info)" "time      09:00:00.000000000 \.\. 10:00:01.000000000" "info: the time range"
expect_match "$(cat info)" "syms      6" "info: syms"
expect_match "$(cat info)" "table     all          12 rows in 4 messages" "info: rows per table"

# Data that does not fit the schema: file, byte offset, message number.
printf 'all:([]time:`timespan$();sym:`symbol$())\ntrade:([]time:`timespan$();sym:`symbol$();price:`float$();size:`int$())\n' > wrong.q
expect_status 1 tick-cat --schema wrong.q $J
expect_eq "$(cat err)" "tick-cat: $J: byte 8: message 1: all: 19 items, but all has 2 columns" "a message with other columns"
second=$($KJ offsets $J | sed -n 2p)
expect_status 1 tick-cat --schema wrong.q -t trade mixed2026.12.05
expect_eq "$(cat err)" "tick-cat: mixed2026.12.05: byte 8: message 1: trade: column size: a long list, not a int list" "a column of another type"
printf 'quote:([]time:`timespan$();sym:`symbol$())\n' > other.q
expect_status 1 tick-cat --schema other.q mixed2026.12.05
expect_eq "$(cat err)" "tick-cat: mixed2026.12.05: byte 8: message 1: table 'trade' is not in the schema" "a table the schema lacks"

# A directory of tick.q's journals, in date order: replay and end of day.
mkdir tp
cp $J tp/; cp mixed2026.12.05 tp/sym2026.12.06
expect_eq "$(tick-replay --schema all.q tp -s GOOG -f csv -t trade | tail -n +2)" "11:00:00.000000000,GOOG,250.25,42
11:00:02.000000000,GOOG,250.5,2" "tick-replay DIR of kdb+ journals"
tick-eod --hdb hdb --schema all.q tp 2> eod.err
expect_eq "$(ls hdb | grep -v '^\.' | tr '\n' ' ')" "2026-12-05 2026-12-06 " "tick-eod: a partition per journal, dated by its name"
expect_eq "$(tick-replay --hdb hdb --date 2026-12-06 -f csv -t trade | tail -n +2 | cut -d, -f2 | tr '\n' ' ')" "AAPL0 GOOG GOOG IBM IBM MSFT " "the partition sorted by sym"
expect_eq "$(tick-replay --hdb hdb --date 2026-12-05 -t all -f json | grep '"table"' | sort)" "$(sort all.json)" "every type in the HDB"
done_ok
