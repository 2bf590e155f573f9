#!/usr/bin/env bash
# tick-agg and tick-aj against DuckDB (an independent reference, npm
# @duckdb/node-api) on the same rows: bars, VWAP and the rest by
# time_bucket + GROUP BY; the as-of join by ASOF JOIN, with trades before
# any quote of their sym and at the same times as quotes, on a stream whose
# records of the two tables interleave, and on two files. Then what is
# around them: --last against tick-cat reduced by hand, late rows under
# both policies, a bar closed on a quiet feed by the (replaced) clock,
# bars at an end of day, a second tickerplant fed by tick-agg and its bars
# in the HDB, and bad input.
source "$(dirname "$0")/lib.sh"
CMP="$PY $HERE/aggcmp.py"
REF="node $HERE/duckdb_ref.mjs"
schema() { tick-gen --print-schema > sym.schema; }
schema

# -- Bars against DuckDB, at two widths; the input passes through unchanged.
tick-gen --seed 3 --count 200000 --syms 20 --batch 64 > day.tick
tick-cat -f csv -t trade day.tick > trades.csv
$CMP ns trades.csv trades_ns.csv
ALL="--ohlc price --volume size --vwap --count --sum size --avg price --min size --max price"
for w in 5 60; do
  $REF bars $w trades_ns.csv > ref$w.csv
  tick-agg --bar ${w}s $ALL --only -f csv day.tick > got$w.csv 2> agg.err || die "tick-agg --bar ${w}s: $(cat agg.err)"
  n=$($CMP same got$w.csv ref$w.csv time,sym) || die "bars of ${w}s differ from DuckDB's: $n"
  [ "$n" -gt 20 ] || die "too few bars ($n)"
  ok
done
tick-agg --bar 1m $ALL day.tick > both.tick
tick-cat -f json -t trade,quote both.tick > passed.json
tick-cat -f json day.tick > input.json
same_files passed.json input.json "the input passes through tick-agg"
expect_eq "$(tick-cat -f csv -t trade_bars both.tick | tail -n +2 | wc -l)" "$(tail -n +2 got60.csv | wc -l)" "and the bars are in it as trade_bars"
# the default aggregates: what the dashboard draws
tick-agg --bar 1m --only -f csv day.tick | head -1 > head.csv
expect_eq "$(cat head.csv)" "time,sym,open,high,low,close,volume,vwap" "--bar alone: OHLC of price, volume of size, VWAP"

# -- As-of join against DuckDB: times on a 10 ms grid, so trades and quotes
# share times; some syms trade before their first quote.
$PY - << 'PY'
import json, random
random.seed(7)
syms = ["S%d" % i for i in range(8)]
rows = []
for s in syms:
    first_q = random.randint(0, 300)
    qt = sorted(random.sample(range(first_q, 2000), 150))  # one quote a time per sym
    for t in qt:
        rows.append((t, random.random(), {"table": "quote", "sym": s, "bid": round(random.uniform(10, 11), 2),
                     "ask": round(random.uniform(11, 12), 2), "bsize": random.randint(1, 9) * 100, "asize": random.randint(1, 9) * 100}))
    for t in sorted(random.choices(range(0, 2000), k=150)):
        rows.append((t, random.random(), {"table": "trade", "sym": s, "price": round(random.uniform(10, 12), 2),
                     "size": random.randint(1, 9) * 100}))
rows.sort(key=lambda r: (r[0], r[1]))  # time order; at equal times either table first
with open("aj.jsonl", "w") as f:
    for t, _, r in rows:
        r["time"] = "2026-03-02T14:30:%02d.%02d0Z" % (t // 100, t % 100)
        f.write(json.dumps(r) + "\n")
PY
tick-cat -e --schema sym.schema --batch 7 aj.jsonl > aj.tick
tick-cat -f csv -t trade aj.tick > t.csv; $CMP ns t.csv t_ns.csv
tick-cat -f csv -t quote aj.tick > q.csv; $CMP ns q.csv q_ns.csv
$REF aj t_ns.csv q_ns.csv > ajref.csv
cat aj.tick | tick-aj --left trade --right quote -f csv > aj.csv 2> aj.err || die "tick-aj: $(cat aj.err)"
n=$($CMP same aj.csv ajref.csv) || die "tick-aj on a stream differs from DuckDB's ASOF JOIN: $n"
expect_eq "$n" 1200 "every trade joined, in order"
nulls=$(grep -c ',,,,$' aj.csv || true)
[ "$nulls" -gt 0 ] || die "no trade before its sym's first quote: the test data is wrong"; ok
eq=$($PY -c "
import csv
q = {(r['sym'], r['time']) for r in csv.DictReader(open('q.csv'))}
print(sum((r['sym'], r['time']) in q for r in csv.DictReader(open('t.csv'))))")
[ "$eq" -gt 10 ] || die "too few trades at the time of a quote of their sym ($eq)"; ok
tick-cat -f tick -t trade aj.tick > aj_t.tick
tick-cat -f tick -t quote aj.tick > aj_q.tick
tick-aj --left trade --right quote -f csv aj_t.tick aj_q.tick > aj2.csv
same_files aj2.csv aj.csv "two files, merged by time: the same join"
tick-aj --left trade --right quote aj.tick | tick-cat -f csv -t trade_quote > aj3.csv
same_files aj3.csv aj.csv "the join as a tick stream, decoded"
tick-aj --left trade --right quote --cols qbid=bid,qtime=time --out-table tq -f csv aj.tick > aj4.csv
expect_eq "$(head -1 aj4.csv)" "time,sym,price,size,qbid,qtime" "--cols picks and renames"

# -- --last: the last row per sym, against tick-cat reduced by hand
tick-agg --last --every 0 --only -f csv day.tick > last.csv
$PY -c "
import csv
last = {}
for r in csv.reader(open('trades.csv')):
    if r[0] != 'time': last[r[1]] = r
print('time,sym,price,size')
for r in last.values(): print(','.join(r))" > lastref.csv
n=$($CMP same last.csv lastref.csv sym) || die "--last differs: $n"
expect_eq "$n" 20 "--last: the last trade of each of 20 syms"
tick-replay day.tick -t trade | tick-agg --last --only -f csv --every 0 > last2.csv
same_files last2.csv last.csv "tick-replay -t trade | tick-agg --last"

# -- Memory follows the syms, not the rows: the same filters on 4 times the
# rows, from a pipe (a file's pages are mapped, and would count)
if [ "${TICK_SANITIZED:-0}" != 1 ]; then
  for n in 500000 2000000; do
    tick-gen --seed 2 --count $n --syms 500 --batch 100 | /usr/bin/time -f %M -o aj$n.rss tick-aj --left trade --right quote > /dev/null
    tick-gen --seed 2 --count $n --syms 500 --batch 100 | /usr/bin/time -f %M -o agg$n.rss tick-agg --bar 1s --count --only > /dev/null
  done
  for t in aj agg; do
    a=$(cat ${t}500000.rss); b=$(cat ${t}2000000.rss)
    [ "$b" -le $((a + a / 4 + 2048)) ] || die "tick-$t's peak RSS grew with the rows: $a KiB at 0.5 M rows, $b KiB at 2 M"; ok
  done
fi

# -- Late rows: a row whose bar was closed, dropped (and said) or corrected
cat > late.jsonl << 'J'
{"table":"trade","time":"2026-03-02T10:00:01Z","sym":"A","price":10,"size":100}
{"table":"trade","time":"2026-03-02T10:01:05Z","sym":"A","price":11,"size":100}
{"table":"trade","time":"2026-03-02T10:00:30Z","sym":"A","price":13,"size":300}
{"table":"trade","time":"2026-03-02T09:58:00Z","sym":"A","price":9,"size":100}
{"table":"trade","time":"2026-03-02T10:01:10Z","sym":"A","price":12,"size":100}
J
tick-cat -e --schema sym.schema --batch 1 late.jsonl > late.tick
tick-agg --bar 1m --ohlc --volume --vwap --count --only -f csv late.tick > late_drop.csv 2> late.err
expect_eq "$(cat late_drop.csv | tr '\n' ' ')" "time,sym,open,high,low,close,volume,vwap,count 2026-03-02T10:00:00.000000000Z,A,10,10,10,10,100,10,1 2026-03-02T10:01:00.000000000Z,A,11,12,11,12,200,11.5,2 " "--late drop: the closed bar stays"
expect_eq "$(cat late.err)" "tick-agg: 2 late rows dropped (older than their closed bar; --late update corrects it)" "and the late rows are counted"
tick-agg --bar 1m --only --late update -f csv late.tick > late_up.csv 2> late.err
expect_eq "$(sed -n 3p late_up.csv)" "2026-03-02T10:00:00.000000000Z,A,10,13,10,13,400,12.25" "--late update: a corrected row for the closed bar"
expect_eq "$(cat late.err)" "tick-agg: 1 late rows dropped: older than their sym's last closed bar, which --late update keeps" "a row older than that is dropped, and said"

# -- A quiet feed: the open bar closes --grace after its end by the clock
# (replaced: TICK_FAKE_SPEED 20, the 2 s of grace in 0.15 s), the input still open
mkfifo quiet
{ tick-gen --seed 5 --count 50 --syms 3; sleep 30; } > quiet &
feed=$!
TICK_FAKE_TIME=2026-01-05T14:30:00Z TICK_FAKE_SPEED=20 tick-agg --bar 1s --grace 2s --only -f csv < quiet > quiet.csv 2> quiet.err &
agg=$!
wait_for grep -q "^20" quiet.csv
kill -0 $agg || die "tick-agg ended: the bars came at the end of input, not on the clock"; ok
kill $agg $feed 2> /dev/null || true; pkill -P $feed 2> /dev/null || true; wait $agg 2> /dev/null || true
expect_eq "$(tail -n +2 quiet.csv | wc -l)" 3 "a bar per sym, closed while the feed was quiet"

# -- A closed downstream ends them while the feed is still open and silent
# (| head: the idle hook asks whether the reader is there, each second)
mkfifo silent
for cmd in "tick-agg --bar 1h --only" "tick-agg --last --every 0" "tick-agg --last --only -f csv" "tick-aj --left trade --right quote -f csv"; do
  { tick-gen --seed 5 --count 50 --syms 3; sleep 60; } > silent &
  feed=$!
  set +e
  timeout 20 $cmd < silent 2> head.err | head -c 1 > /dev/null  # (head ends after what came first)
  st=${PIPESTATUS[0]}
  set -e
  kill $feed 2> /dev/null || true; pkill -P $feed 2> /dev/null || true; wait $feed 2> /dev/null || true
  [ "$st" = 0 ] || die "$cmd | head on a silent feed: status $st (124: it did not notice the closed pipe) $(cat head.err)"
  ok
done

# -- A second tickerplant fed by tick-agg: tick-gen | tick-log | tick-pub,
# tick-sub | tick-agg --bar 1s | tick-log | tick-pub across midnight;
# a subscriber of the second has the bars, tick-eod writes them into the HDB.
p1=$(free_port); p2=$(free_port)
tick-gen --rate 2000 --duration 6 --syms 10 | TICK_FAKE_TIME=2026-11-23T23:59:57Z tick-log tp1 2> log1.err |
  tick-pub -l :$p1 --log tp1 2> pub1.err &
feed=$!
wait_for grep -q listening pub1.err
tick-sub :$p1 --from start 2> sub1.err | tick-agg --bar 1s --only 2> agg.err | TICK_FAKE_TIME=2026-11-23T23:59:57Z tick-log tp2 2> log2.err |
  tick-pub -l :$p2 --log tp2 2> pub2.err &
bars=$!
wait_for grep -q listening pub2.err
tick-sub :$p2 --from start -t trade_bars -f csv > sub2.csv 2> sub2.err &
sub=$!
# the RDB of the second tickerplant: subscribed before its day rolls
tick-sub :$p2 --from start 2> sub3.err | tick-eod --hdb hdb 2> eod.err &
eod=$!
wait $feed
wait_for test -d hdb/2026-11-23/trade_bars
sleep 1.5  # (the last bars close a --grace after the feed stops)
kill $bars $sub $eod 2> /dev/null || true; wait 2> /dev/null || true
tick-replay --hdb hdb --date 2026-11-23 -t trade_bars -f csv | tail -n +2 | sort > hdbbars.csv
tick-cat -f csv -t trade_bars tp2/2026-11-23.tick | tail -n +2 | sort > j1.csv
[ "$(wc -l < j1.csv)" -ge 10 ] || die "the second tickerplant journaled too few bars on 2026-11-23"; ok
same_files hdbbars.csv j1.csv "the HDB's trade_bars of 2026-11-23: the bars the second tickerplant journaled that day"
tail -n +2 sub2.csv | sort > s.csv
expect_eq "$(comm -23 j1.csv s.csv | wc -l)" 0 "its subscriber saw every one of them"

# -- At an end of day the open bars close before it, and the next day's rows
# (here in the same hour: the feed's clock is not the journal's) start bars
# of their own, none of them late.
tick-replay tp1/2026-11-23.tick tp1/2026-11-24.tick | tick-agg --bar 1h --count --only -f json > eodbars.json 2> eodbars.err
expect_eq "$(cat eodbars.err)" "" "no row is late across the end of day"
for d in 23 24; do tick-cat -f csv -t trade tp1/2026-11-$d.tick | tail -n +2 | cut -d, -f2 | sort | uniq -c | awk '{ print $2, $1 }' > want$d; done
$PY -c "
import json
day, got = 23, {23: {}, 24: {}}
for l in open('eodbars.json'):
    r = json.loads(l)
    if 'eod' in r: day = 24
    elif 'sym' in r: got[day][r['sym']] = got[day].get(r['sym'], 0) + r['count']
for d in (23, 24):
    with open('got%d' % d, 'w') as f:
        for s in sorted(got[d]): f.write('%s %d\\n' % (s, got[d][s]))"
sort want23 > w23; sort want24 > w24
same_files got23 w23 "the bars before the end of day count that day's trades"
same_files got24 w24 "the bars after it count the next day's"

# -- Bad input
expect_status 2 tick-agg day.tick
expect_eq "$(cat err)" "tick-agg: say what to make: --bar DURATION or --last (see --help)" "neither --bar nor --last"
expect_status 2 tick-agg --bar 1x day.tick
expect_eq "$(cat err)" "tick-agg: bad --bar '1x' (want a duration: 250ms, 5s, 1m, 1h) (see --help)" "a bad duration"
expect_status 2 tick-agg --bar 1m -t nosuch day.tick
expect_eq "$(cat err)" "tick-agg: -t nosuch: the stream has no table 'nosuch' (it has quote, trade) (see --help)" "a table the stream lacks"
expect_status 2 tick-agg --bar 1m --ohlc sym day.tick
expect_eq "$(cat err)" "tick-agg: column sym of table trade is symbol, not a number (see --help)" "a symbol is not aggregated"
expect_status 2 tick-aj --left trade --right nosuch day.tick
expect_match "$(cat err)" "^tick-aj: --right nosuch: day.tick:[0-9]+: rows of trade came before any table 'nosuch' \(the stream has trade, quote\)" "tick-aj: a right table the stream lacks"
expect_status 2 tick-aj --left nosuch --right quote day.tick
expect_eq "$(cat err)" "tick-aj: --left nosuch: day.tick has no table 'nosuch' (it has trade, quote) (see --help)" "tick-aj: a left table the stream lacks"
expect_status 2 tick-agg --bar 1m --sum nosuch day.tick
expect_eq "$(cat err)" "tick-agg: table trade has no column 'nosuch' (see --help)" "a column the table lacks"
expect_status 2 tick-aj --left trade --right trade day.tick
expect_match "$(cat err)" "column price is in both trade and trade" "a column in both tables is refused, not overwritten"
head -c 5000 day.tick > torn.tick
expect_status 1 tick-agg --bar 1m torn.tick
expect_match "$(cat err)" "^tick-agg: torn.tick:[0-9]+: truncated" "a torn input: where it is"
tick-cat -f csv -t trade torn.tick 2> /dev/null | tail -n +2 | wc -l > n_torn || true
tick-agg --bar 1h --count --only -f csv torn.tick 2> /dev/null | awk -F, 'NR > 1 { n += $3 } END { print n + 0 }' > n_agg || true
expect_eq "$(cat n_agg)" "$(cat n_torn)" "the rows before the damage are in the bars written before the error"
expect_status 1 tick-aj --left trade --right quote torn.tick
expect_match "$(cat err)" "^tick-aj: torn.tick:[0-9]+: truncated" "tick-aj: a torn input"
done_ok
