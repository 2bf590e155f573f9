#!/usr/bin/env bash
# A kdb+ shop's own files: sym.q in each dialect as a schema, q's literal
# time forms as JSON and CSV input, and q's time forms as output.
source "$(dirname "$0")/lib.sh"
SRC=${TICK_SOURCE:-$HERE/../..}

# One table, written in every dialect; the same rows encode the same in each.
cat > native.schema <<'S'
trade time:timespan sym:symbol price:float size:long ex:char note:string
S
cat > plain.q <<'S'
trade:([]time:`timespan$();sym:`g#`symbol$();price:`float$();size:`long$();ex:`char$();note:())
S
cat > flipchars.q <<'S'
/ the flip form
trade:flip `time`sym`price`size`ex`note!"NSFJC*"$\:()
S
cat > fliplist.q <<'S'
trade:flip `time`sym`price`size`ex`note!(`timespan$();`g#`$();"f"$();`long$();"c"$();())
S
cat > lines.q <<'S'
\d .
/ a definition over several lines, comments, attributes set afterwards
trade:([]
  time:`timespan$();    / time of day
  sym:`symbol$();
  price:`float$(); size:`long$();
  ex:`char$();
  note:())
/
block comment: trade:([] x:())
\
update `g#sym from `trade
\d .u
S
cat > rows.json <<'S'
{"table":"trade","time":"14:30:00.000000001","sym":"AAPL","price":189.5,"size":100,"ex":"N","note":"open"}
{"table":"trade","time":"14:30:01.5","sym":"MSFT","price":410.25,"size":7,"ex":"Q","note":""}
S
tick-cat -e --schema native.schema < rows.json | tick-cat > want.json
[ "$(wc -l < want.json)" -eq 2 ] || die "the native schema encodes the rows"; ok
for q in plain.q flipchars.q fliplist.q lines.q; do
  tick-cat -e --schema $q < rows.json 2> err | tick-cat > got.json
  same_files got.json want.json "rows encoded with $q"
done
# Only what defines no table is noted, in one line naming where.
tick-cat -e --schema lines.q < rows.json 2> err > /dev/null
expect_eq "$(wc -l < err)" 1 "one note for lines.q"
expect_match "$(cat err)" "^tick-cat: lines.q: note: skipped what defines no table: line 1 \(\\\\d \.\), line 12 \(update of attributes on trade\), line 13 \(\\\\d \.u\)$" "the note"
tick-cat -e --schema plain.q < rows.json 2> err > /dev/null
[ ! -s err ] || die "plain.q needs no note: $(cat err)"; ok

# A realistic schema: twelve tables, in all of these dialects at once.
for t in trade quote nbbo auction depth order execution fxquote fxtrade status news bar; do
  echo "{\"table\":\"$t\",\"time\":\"2026-11-23T14:30:00Z\",\"sym\":\"AAPL\"}"
done > twelve.json
tick-cat -e --schema "$SRC/examples/sym.q" < twelve.json 2> err > twelve.tick
expect_match "$(cat err)" "line 4 \(\\\\d \.\), line 36 \(update of attributes on depth\), line 37 \(update of attributes on order\), line 39 \(\\\\d \.u\)" "the note for examples/sym.q"
# Each table's columns, in order, as sym.q gives them.
$PY - twelve.tick <<'P' || die "the twelve tables' columns"
import json, subprocess, sys
want = {
 'trade': 'time sym price size ex cond', 'quote': 'time sym bid ask bsize asize ex',
 'nbbo': 'time sym bid ask bsize asize', 'auction': 'time sym price size side',
 'depth': 'time sym side level price size', 'order': 'time sym id side price size trader live',
 'execution': 'time sym order price size venue', 'fxquote': 'time sym bid ask lp',
 'fxtrade': 'time sym price qty lp', 'status': 'time sym halted reason',
 'news': 'time sym headline body', 'bar': 'time sym open high low close volume day'}
out = subprocess.run(['tick-cat', sys.argv[1]], capture_output=True, text=True, check=True).stdout
got = {}
for line in out.splitlines():
    row = json.loads(line)
    t = row.pop('table')
    got[t] = ' '.join(row)
    # timespan tables show a time of day, timestamp tables the instant
    assert row['time'] in ('14:30:00.000000000', '2026-11-23T14:30:00.000000000Z'), row
assert got == want, (got, want)
# the types: nulls of each kind, false booleans, blank chars, empty strings
rows = {json.loads(l)['table']: json.loads(l) for l in out.splitlines()}
assert rows['trade']['time'] == '14:30:00.000000000' and rows['nbbo']['time'] == '14:30:00.000000000'
assert rows['auction']['time'] == '2026-11-23T14:30:00.000000000Z'
assert rows['order']['live'] is False and rows['order']['side'] == ' ' and rows['news']['body'] == ''
assert rows['bar']['day'] is None and rows['depth']['level'] is None
P
ok
expect_match "$(tick-log info twelve.tick | grep -c '^  table ')" "^12$" "tick-log info lists twelve tables"

# What is not a table definition is refused with file:line, before any output.
printf 'trade:([]time:`timespan$();sym:`symbol$())\n\nupd:{[t;x] t insert x}\n' > bad.q
expect_status 1 tick-cat -e --schema bad.q < rows.json
expect_eq "$(cat err)" "tick-cat: bad.q:3: expected ([] or flip after the table name, found '{'" "a function is refused"
[ ! -s out ] || die "nothing is written before a bad schema"; ok
printf 'trade:flip `time`sym`t!"PSY"$\\:()\n' > badtype.q
expect_status 1 tick-cat -e --schema badtype.q < rows.json
expect_match "$(cat err)" "^tick-cat: badtype.q:1: column t: unknown type character 'Y' \(supported: b x h i j e f c s p n d t u v m z g" "a type character q does not have"
# kdb+'s older types are column types: an old tickerplant's time:`time$()
# is the table's time column; a framework's update `g#sym from flip ... loads.
printf 'trade:update `g#sym from flip `time`sym`price`when`m`u`v`id!"TSFZMUVG"$\\:()\n' > oldtypes.q
printf '{"table":"trade","time":"09:30:00.123","sym":"A","price":1.5,"when":"2026-12-07T09:30:00.250","m":"2026.12m","u":"09:31","v":"09:31:05","id":"8c680a01-5a49-5aab-5a65-d4bfddb6a661"}\n{"table":"trade","sym":"B","price":2,"when":null,"m":null,"u":null,"v":null,"id":null}\n' > old.json
tick-cat -e --schema oldtypes.q < old.json > old.tick
expect_eq "$(tick-cat -f csv -t trade old.tick | head -1)" "time,sym,price,when,m,u,v,id" "q's older types become tick column types"
expect_eq "$(tick-cat --from 09:30 --to 09:31 old.tick | wc -l)" "1" "a time:time column is the table's time: filtered by time of day"
expect_eq "$(tick-cat -f json old.tick | head -1)" '{"table":"trade","time":"09:30:00.123","sym":"A","price":1.5,"when":"2026-12-07T09:30:00.250","m":"2026-12","u":"09:31","v":"09:31:05","id":"8c680a01-5a49-5aab-5a65-d4bfddb6a661"}' "their text forms"
expect_match "$(tick-cat -f json old.tick | tail -1)" '"when":null,"m":null,"u":null,"v":null,"id":null}$' "their nulls"
expect_eq "$(tick-cat -f csv -t trade old.tick | head -2 | tail -1)" "09:30:00.123,A,1.5,2026-12-07T09:30:00.250,2026-12,09:31,09:31:05,8c680a01-5a49-5aab-5a65-d4bfddb6a661" "CSV"
expect_eq "$(tick-cat -f csv -t trade old.tick | tick-cat -e --in csv -t trade --schema oldtypes.q | tick-cat -f json | head -1)" "$(tick-cat -f json old.tick | head -1)" "CSV read back"
tick-eod --hdb oldhdb --date 2026-12-07 < old.tick 2> /dev/null
expect_eq "$(tick-replay --hdb oldhdb | tick-cat -f json)" "$(tick-cat -f json old.tick)" "their HDB columns, written and read back"
expect_eq "$(tick-replay --hdb oldhdb --from 09:00 --to 10:00 | tick-cat -f json)" "$(tick-cat -f json old.tick | head -1)" "an HDB time window over a time column"
printf 'trade:update `g#size from flip `time`sym!"PS"$\\:()\n' > badattr.q
expect_status 1 tick-cat -e --schema badattr.q < rows.json
expect_eq "$(cat err)" "tick-cat: badattr.q:1: update of column 'size', which table trade lacks" "an attribute on a column the table lacks"
printf 'quote:([sym:`symbol$()] time:`timestamp$();bid:`float$())\n' > keyed.q
expect_status 1 tick-cat -e --schema keyed.q < rows.json
expect_eq "$(cat err)" "tick-cat: keyed.q:1: table quote is keyed; a tick table is unkeyed ([] ...)" "a keyed table"
printf 'trade:([]time:`timespan$();\n  sym:`symbol$()\n' > open.q
expect_status 1 tick-cat -e --schema open.q < rows.json
expect_eq "$(cat err)" "tick-cat: open.q:1: a parenthesis is never closed" "an unclosed definition"

# q's literals as input, in JSON and CSV, into every time type; an ISO
# timestamp into kdb+ tick's time:timespan is the time since midnight.
cat > q.schema <<'S'
t time:timestamp sym:symbol d:date s:timespan
u time:timespan sym:symbol
S
cat > q.json <<'S'
{"table":"t","time":"2026.11.23D14:30:00.123456789","sym":"A","d":"2026.11.23","s":"0D14:30:00.000"}
{"table":"t","time":"2026.11.23T14:30:00.5","sym":"A","d":"2026-11-23","s":"14:30:00.000"}
{"table":"t","time":"2026.11.23","sym":"A","d":"2026.02.28","s":"1D00:00:01"}
{"table":"u","time":"2026-11-23T14:30:00.25Z","sym":"B"}
{"table":"u","time":"2026.11.23D09:00:00.000000001","sym":"B"}
{"table":"u","time":"2026-11-23T09:30:00-05:00","sym":"B"}
S
tick-cat -e --schema q.schema < q.json > q0.tick
(tick-cat -f csv -t t q0.tick; tick-cat -f csv -t u q0.tick) > q.csv
cat > q.want <<'S'
time,sym,d,s
2026-11-23T14:30:00.123456789Z,A,2026-11-23,14:30:00.000000000
2026-11-23T14:30:00.500000000Z,A,2026-11-23,14:30:00.000000000
2026-11-23T00:00:00.000000000Z,A,2026-02-28,1D00:00:01.000000000
time,sym
14:30:00.250000000,B
09:00:00.000000001,B
14:30:00.000000000,B
S
same_files q.csv q.want "q literals in JSON"
printf 'time,sym,d,s\n2026.11.23D14:30:00.123456789,A,2026.11.23,0D14:30:00.000\n' | tick-cat -e --in csv -t t --schema q.schema | tick-cat -f csv -t t > qcsv.csv
expect_eq "$(tail -1 qcsv.csv)" "2026-11-23T14:30:00.123456789Z,A,2026-11-23,14:30:00.000000000" "q literals in CSV"
expect_status 1 tick-cat -e --schema q.schema <<< '{"table":"t","time":"2026.13.23D14:30:00","sym":"A"}'
expect_match "$(cat err)" "^tick-cat: -:1: column time: '2026.13.23D14:30:00' is not a timestamp" "a month 13 is refused"
expect_status 1 tick-cat -e --schema q.schema <<< '{"table":"u","time":"half past two","sym":"A"}'
expect_match "$(cat err)" "is not a timespan \(HH:MM:SS.f, a timestamp or a number\)" "a timespan that is neither"

# q's forms out: JSON, CSV, and the table on a terminal, by every tool with
# text output; JSON in q's forms encodes back to the same rows.
tick-cat -e --schema q.schema < q.json > q.tick
tick-cat --time-format q -f csv -t t q.tick > qout.csv
expect_eq "$(sed -n 2p qout.csv)" "2026.11.23D14:30:00.123456789,A,2026.11.23,0D14:30:00.000000000" "csv in q's forms"
expect_eq "$(sed -n 4p qout.csv)" "2026.11.23D00:00:00.000000000,A,2026.02.28,1D00:00:01.000000000" "a day past a timespan"
tick-cat --time-format q q.tick > qout.json
expect_eq "$(sed -n 4p qout.json)" '{"table":"u","time":"0D14:30:00.250000000","sym":"B"}' "json in q's forms"
tick-cat -e --schema q.schema < qout.json | tick-cat > back.json
tick-cat q.tick > orig.json
same_files back.json orig.json "q's forms read back"
table=$(PTYRUN_STDOUT=1 $PY "$HERE/ptyrun.py" tick-cat --time-format q -t u q.tick)
expect_match "$table" "0D14:30:00.250000000 B" "the table in q's forms"
expect_eq "$(tick-replay --time-format q -f csv -t t q.tick | sed -n 2p)" "2026.11.23D14:30:00.123456789,A,2026.11.23,0D14:30:00.000000000" "tick-replay --time-format q"
expect_eq "$(tick-gen --count 1 --start 2026-11-23T14:30:00Z --time-format q -f json | cut -c1-50)" '{"table":"trade","time":"2026.11.23D14:30:00.00000' "tick-gen --time-format q"
expect_status 2 tick-cat --time-format kdb q.tick
expect_match "$(cat err)" "time-format" "an unknown time format is a usage error"
done_ok
