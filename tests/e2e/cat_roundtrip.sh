#!/usr/bin/env bash
# tick-gen | tick-cat -f json | tick-cat -e | tick-cat -f json equals the first
# JSON; likewise through CSV, zstd files and concatenated streams.
source "$(dirname "$0")/lib.sh"

tick-gen --print-schema > s.schema
tick-gen --seed 7 --count 100000 > a.tick
tick-cat -f json a.tick > a.json
expect_eq "$(wc -l < a.json)" 100000 "rows in JSON"
tick-gen --seed 7 --count 100000 | tick-cat -f json | tick-cat -e --schema s.schema | tick-cat -f json > b.json
same_files a.json b.json "JSON round trip"

# One CSV that pandas, DuckDB and q's 0: load: one header (a table column,
# then the union of the tables' columns; a row is empty in those its table
# lacks), and it encodes back to the same rows.
tick-cat -f csv a.tick > a.csv
expect_eq "$(head -1 a.csv)" "table,time,sym,price,size,bid,ask,bsize,asize" "one header: the table, then the union of the columns"
expect_eq "$(grep -c '^table,' a.csv)" 1 "a header once (it was repeated at each change of table)"
$PY -c "import csv, sys; rows = list(csv.DictReader(open('a.csv'))); sys.exit(len(rows) != 100000 or any(r['table'] == 'quote' and r['price'] for r in rows))" ||
  die "Python's csv reads a.csv whole, quotes with no price"
ok
tick-cat -e --schema s.schema --in csv a.csv | tick-cat -f json > c.json
same_files a.json c.json "CSV round trip"
# --split: a CSV per table, each with one header, each encoding back.
mkdir split
tick-cat --split split a.tick
expect_eq "$(ls split | tr '\n' ' ')" "quote.csv trade.csv " "--split: a file per table"
for t in trade quote; do
  expect_eq "$(grep -c '^time,' split/$t.csv)" 1 "$t.csv: one header"
  tick-cat -e --schema s.schema --in csv -t $t split/$t.csv | tick-cat -f json > c_$t.json
  tick-cat -f json -t $t a.tick > want_$t.json
  same_files want_$t.json c_$t.json "$t.csv round trip"
done
$PY -c "import csv, sys; n = sum(1 for _ in csv.DictReader(open('split/trade.csv'))); sys.exit(n != $(wc -l < want_trade.json))" ||
  die "Python's csv reads split/trade.csv whole"
ok
# An answer with no rows is still that table's CSV: its header.
expect_eq "$(tick-cat -f csv -t trade -s NOSUCH a.tick 2> /dev/null)" "time,sym,price,size" "the header of an empty answer"

# One table asked for: plain CSV that encodes back with -t.
tick-cat -f csv -t quote a.tick > q.csv
expect_eq "$(head -1 q.csv)" "time,sym,bid,ask,bsize,asize" "single-table CSV header"
tick-cat -e --schema s.schema --in csv -t quote q.csv | tick-cat -f json > q.json
tick-cat -f json -t quote a.tick > q_ref.json
same_files q.json q_ref.json "single-table CSV round trip"

# Pass-through keeps every byte.
tick-cat -f tick < a.tick > p.tick
same_files a.tick p.tick "tick pass-through"

# zstd-compressed files and stdin read transparently.
zstd -q -1 a.tick -o a.tick.zst
tick-cat -f json a.tick.zst > z.json
same_files a.json z.json "zstd file"
tick-cat -f json < a.tick.zst > z2.json
same_files a.json z2.json "zstd on stdin"

# Two streams concatenated decode as one (each brings its own dictionary).
tick-gen --seed 8 --count 5000 --syms 7 > b.tick
cat a.tick b.tick > ab.tick
tick-cat -f json ab.tick > ab.json
cat a.json <(tick-cat -f json b.tick) > ab_ref.json
same_files ab.json ab_ref.json "concatenated streams"
tick-cat -f json a.tick b.tick > ab2.json
same_files ab.json ab2.json "two file arguments"

# Types beyond tick-gen's: every type through JSON and back.
cat > all.schema <<'S'
# every type
t time:timestamp sym:symbol b:boolean x:byte h:short i:int j:long e:real f:float c:char n:timespan d:date s:string
S
cat > all.json <<'J'
{"table":"t","time":"2026-11-23T14:30:00.123456789Z","sym":"AAPL","b":true,"x":255,"h":-32767,"i":2147483647,"j":9223372036854775807,"e":1.5,"f":-0.1,"c":"x","n":"1D02:03:04.000000005","d":"1999-12-31","s":"h\u00e9llo \"q\"\n"}
{"table":"t","time":null,"sym":"","b":false,"x":0,"h":null,"i":null,"j":null,"e":null,"f":"inf","c":" ","n":null,"d":null,"s":""}
J
tick-cat -e --schema all.schema all.json | tick-cat -f json > all.out
expect_eq "$(sed -n 1p all.out)" '{"table":"t","time":"2026-11-23T14:30:00.123456789Z","sym":"AAPL","b":true,"x":255,"h":-32767,"i":2147483647,"j":9223372036854775807,"e":1.5,"f":-0.1,"c":"x","n":"1D02:03:04.000000005","d":"1999-12-31","s":"héllo \"q\"\n"}' "all types, row 1"
# A null time is no time: the row is stamped at arrival.
expect_match "$(sed -n 2p all.out)" '^\{"table":"t","time":"'"$(date -u +%Y-%m-%d)"'T[0-9:.]{18}Z",' "null time stamped at arrival"
expect_eq "$(sed -n 2p all.out | sed 's/"time":"[^"]*"/"time":null/')" '{"table":"t","time":null,"sym":"","b":false,"x":0,"h":null,"i":null,"j":null,"e":null,"f":"inf","c":" ","n":null,"d":null,"s":""}' "all types, nulls"

# Filters against a reference computed with jq from the JSON.
tick-cat -f json -t trade -s AAPL,MSFT a.tick > f.json
jq -c 'select(.table=="trade" and (.sym=="AAPL" or .sym=="MSFT"))' a.json > f_ref.json
same_files f.json f_ref.json "table and sym filter"
[ -s f.json ] || die "the filter reference is empty"
tick-cat -f json --from 14:30:10 --to 14:30:20.5 a.tick > w.json
jq -c 'select(.time >= "2026-01-05T14:30:10" and .time <= "2026-01-05T14:30:20.500000000Z")' a.json > w_ref.json
same_files w.json w_ref.json "time window"
[ -s w.json ] || die "the time window reference is empty"
# Filtered tick output is a valid stream holding just those rows.
tick-cat -f tick -s AAPL a.tick | tick-cat -f json > s.json
jq -c 'select(.sym=="AAPL")' a.json > s_ref.json
same_files s.json s_ref.json "sym filter in tick output"
done_ok
