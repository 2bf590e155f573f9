#!/usr/bin/env bash
# tick-q with node-q's clients: kdb-tick's r.q (its exact request, the
# replay of the first i messages of L read here, then live updates: every
# row of tick's journal exactly once, joined from the start and mid-stream);
# a q feed handler in every form of .u.upd, async and sync, its rows in
# tick's journal once and back to tick and q subscribers alike; filtered
# subscriptions; the answers q gives; refusals; credentials; a compressed
# message; the day roll (.u.end with the day, the next journal named for
# the next day).
source "$(dirname "$0")/lib.sh"
source "$HERE/qlib.sh"
D=2026-12-01
DQ=2026.12.01
printf 'rdb:secret\nfeed:pw2\n' > users

# The tickerplant: tick-log taking publishers, tick-pub, and tick-q on a
# subscriber's stream, writing tick.q's journal and feeding tick-log.
start_tp ${D}T10:00:00Z tp
start_q ${D}T10:00:00Z q.err --kdb-log qlog --feed-to 127.0.0.1:$PL --schema sym.q
# (the socket table: loopback only)
expect_match "$(ss -ltn "sport = :$PQ" | tail -n +2)" "127.0.0.1:$PQ" "tick-q listens on loopback"

# Answers as q gives them, through node-q's own connection.
expect_eq "$($QC ask $PQ '.u.sub[`trade;`]')" '["trade",{"time":[],"sym":[],"price":[],"size":[]}]' "one table: (t; its empty table)"
expect_eq "$($QC ask $PQ '.u.sub[`nosuch;`]')" "error: nosuch" "an unknown table: an error naming it"
expect_eq "$($QC ask $PQ '1+1')" "error: access" "an expression is refused, not evaluated"
expect_eq "$($QC ask $PQ 'system "touch pwned"')" "error: access" "a system call is refused"
[ ! -e pwned ] || die "a request was evaluated"; ok
expect_eq "$($QC raw $PQ lambda)" '{"error":"access"}' "a lambda is refused"
expect_eq "$($QC raw $PQ upd-text)" '{"error":"nyi"}' ".u.upd as a string is not evaluated"
expect_eq "$($QC raw $PQ symlist)" '["trade",{"time":[],"sym":[],"price":[],"size":[]}]' ".u.sub, trade and the null symbol as a symbol vector"
expect_eq "$($QC ask $PQ '')" "null" "an empty string (a Java feed's sync after a batch) answers ::"
expect_match "$($QC ask $PQ '(.u.sub[`;`];`.u `i`L)')" "^\[\[\[\"trade\",\{.*\}\],\[\"quote\",\{.*\}\]\],\[\"0\",\":$WORK/qlog/sym$DQ\"\]\]$" "the request of r.q: every table, then (i;L)"
expect_match "$($QC ask $PQ '(.u.sub[`;`];$[`m in key`.u;(`.u `m)"`.u `i`L";`.u `i`L])')" "^\[\[\[\"trade\"" "chainedr.q's request"
# sym g# in the schemas, as q marks it: an empty symbol list with attribute 4.
expect_match "$($QC raw $PQ subhex)" "0b0400000000" "sym is g# in the answer"
expect_eq "$(xxd -p qlog/sym$DQ)" "ff01000000000000" "the day's journal exists at once, empty (tick.q's head)"

# A tick feed: 3000 rows, while r.q stand-ins join from the start and mid-stream.
N=3000
M=240
# (a plain subscriber, node-q's upd events: trades of IBM and Q3 from now on)
SUBN=$($PY -c "print(sum(1 for i in range($N) if i % 4 != 3 and i % 6 == 3) + sum(1 for k in range(500000, 500000 + $M) if k % 7 == 3))")
$QC sub $PQ sub.rows $SUBN trade IBM Q3 > sub.out 2> sub.err &
SUB=$!
# (and Java's async form, strings: ks(".u.sub","trade","MSFT"))
SUBJ=$($PY -c "print(sum(1 for i in range($N) if i % 4 != 3 and i % 6 == 4))")
$QC sub $PQ subj.rows $SUBJ trade MSFT --async > subj.out 2> subj.err &
SUBJP=$!
wait_for grep -q trade sub.out
wait_for grep -q sent subj.out
($PY $SRC/tests/e2e/qfeed.py $N 1500 1 | tick-cat -e --schema sym.q | tick-pub --to 127.0.0.1:$PL) 2> tfeed.err &
TFEED=$!
# The q feed: 240 trades in every form (sizes 500000..), async and sync.
$QC rq $PQ rq1.rows $((N + M)) > /dev/null 2> rq1.err &
RQ1=$!
sleep 0.7
$QC feed $PQ 500000 $M > qfeed.out 2> qfeed.err &
QFEED=$!
sleep 0.6
$QC rq $PQ rq2.rows $((N + M)) > /dev/null 2> rq2.err &
RQ2=$!
wait $QFEED || die "the q feed failed: $(cat qfeed.err)"; ok
wait $TFEED || die "the tick feed failed: $(cat tfeed.err)"; ok
expect_eq "$(wc -l < qfeed.out)" "$M" "every q feed row sent or answered ::"
wait $RQ1 || die "r.q from the start: $(cat rq1.err)"; ok
wait $RQ2 || die "r.q mid-stream: $(cat rq2.err)"; ok
wait $SUB || die "the filtered subscriber: $(cat sub.err)"; ok
wait $SUBJP || die "the async subscriber: $(cat subj.err)"; ok

# tick's journal: every row of both feeds exactly once.
tick-cat -f json tp > tp.json
$QR tick tp.json > tp.rows
expect_eq "$(wc -l < tp.rows)" "$((N + M))" "tick's journal holds both feeds' rows"
expect_eq "$(grep -c '"trade"' tp.rows)" "$((N * 3 / 4 + M))" "the trades"
# Each q feed row once; the forms with a time column keep the feed's time
# (12:00:00 and k ms), those without are stamped by tick-q (its clock).
$PY - qfeed.out tp.rows << 'EOF' || die "q feed rows in tick's journal"
import collections, json, sys
sent = [int(l) for l in open(sys.argv[1])]
rows = [r for r in map(json.loads, open(sys.argv[2])) if r[0] == "trade" and int(r[4]) >= 500000]
sizes = collections.Counter(int(r[4]) for r in rows)
bad = [s for s in sent if sizes[s] != 1]
assert not bad and len(sizes) == len(sent), (bad[:5], len(sizes))
for r in rows:
    k = int(r[4])
    own = 43200 * 10**9 + (k % 1000) * 10**6
    assert (int(r[1]) == own) == (k % 6 in (0, 2, 4)), r
    assert r[2] == "Q%d" % (k % 7) and r[3] == 100 + (k % 13) / 4, r
EOF
ok
expect_eq "$($QR compare tp.rows rq1.rows)" "same $((N + M))" "r.q from the start: every row exactly once"
expect_eq "$($QR compare tp.rows rq2.rows)" "same $((N + M))" "r.q joined mid-stream: replay then live, every row exactly once"
# The journal tick-q wrote: what tick's holds, in its order, read by tick and by node-q.
tick-cat --schema sym.q -f json qlog/sym$DQ > qlog.json
$QR tick qlog.json > qlog.rows
same_files qlog.rows tp.rows "tick-q's tick.q journal holds tick's rows in order"
data=$(tick-log info tp | sed -n 's/.*records.*(\([0-9]*\) data).*/\1/p')
expect_eq "$(tick-log check qlog/sym$DQ)" "qlog/sym$DQ: ok, $data messages" "one journal message per data record"
# The filtered subscriber: trades of IBM and Q3 only, all of them.
grep '"trade"' tp.rows | grep -E '"(IBM|Q3)"' > want.sub
expect_eq "$($QR compare want.sub sub.rows)" "same $(wc -l < want.sub)" "a filtered subscription: its syms' rows, every one"
expect_eq "$(cat sub.out)" '"trade"' "node-q's subscription answered"
grep '"trade"' tp.rows | grep '"MSFT"' > want.subj
expect_eq "$($QR compare want.subj subj.rows)" "same $(wc -l < want.subj)" "an async subscription (Java's form): its sym's rows, every one"

# Several publishers at once: two q feed handlers through the one tick-q
# (one publisher into tick-log) beside a tick feed: each row once, and an
# r.q joining after has the whole journal.
$QC feed $PQ 610000 120 > qf1.out 2> qf1.err &
F1=$!
$QC feed $PQ 620000 120 > qf2.out 2> qf2.err &
F2=$!
$PY $SRC/tests/e2e/qfeed.py 600 1000 900000 | tick-cat -e --schema sym.q | tick-pub --to 127.0.0.1:$PL 2> tfeed3.err
wait $F1 || die "feed 1: $(cat qf1.err)"; ok
wait $F2 || die "feed 2: $(cat qf2.err)"; ok
total=$((N + M + 240 + 600))
wait_for bash -c "[ \$(tick-cat -f json tp | grep -c '^{\"table\"') -ge $total ]"
tick-cat -f json tp > tp2.json
$QR tick tp2.json > tp2.rows
$PY - qf1.out qf2.out tp2.rows << 'EOF' || die "two q feeds at once"
import collections, json, sys
sent = [int(l) for f in sys.argv[1:3] for l in open(f)]
sizes = collections.Counter(int(r[4]) for r in map(json.loads, open(sys.argv[3])) if r[0] == "trade" and int(r[4]) >= 610000 and int(r[4]) < 900000)
assert len(sent) == 240 and all(sizes[s] == 1 for s in sent) and len(sizes) == 240, (len(sent), len(sizes))
EOF
ok
$QC rq $PQ rq5.rows "$total" > /dev/null 2> rq5.err || die "r.q after several publishers: $(cat rq5.err)"
expect_eq "$($QR compare tp2.rows rq5.rows)" "same $total" "r.q after several publishers: the whole journal once"

# Credentials: --users; refused ones close the socket, as q does.
PQ2=$(free_port)
sleep 30 | tick-q -l 127.0.0.1:$PQ2 --schema sym.q --users users 2> q2.err &
wait_for grep -q listening q2.err
expect_eq "$($QC ask $PQ2 '.u.sub[`trade;`]' --user rdb:secret)" '["trade",{"time":[],"sym":[],"price":[],"size":[]}]' "the right password"
expect_eq "$($QC ask $PQ2 '.u.sub[`trade;`]' --user rdb:wrong)" "refused" "a wrong password: the socket closed"
expect_eq "$($QC ask $PQ2 '.u.sub[`trade;`]')" "refused" "no credentials"
expect_match "$(cat q2.err)" "credentials refused for user 'rdb'" "the refusal said, naming the user"
# Without --kdb-log, r.q's request gets (0N;`): r.q skips its replay.
expect_match "$($QC ask $PQ2 '(.u.sub[`;`];`.u `i`L)' --user rdb:secret)" '\],\[null,(""|null)\]\]$' "no journal: (0N;\`)"
# Without --feed-to, a feed is told why (sync).
expect_match "$($QC raw $PQ2 table --user feed:pw2 2>&1)" "start it with --feed-to" "a feed to a tick-q without --feed-to"

# A compressed .u.upd (q compresses between hosts): its 400 rows journaled.
expect_eq "$($QC raw $PQ compressed 2> comp.err)" "null" "a compressed sync publish answered ::"
expect_match "$(cat comp.err)" "compressed [0-9]+ bytes to [0-9]+" "the message was compressed"
wait_for bash -c "[ \$(tick-cat -f json tp | grep -c '\"size\":80[0-3][0-9][0-9]') = 400 ]"
expect_eq "$($QC raw $PQ table --size 900001)" "null" "a table, sync"
# Rows that do not fit the schema: a q error naming what (sync).
expect_eq "$($QC raw $PQ misfit)" '{"error":"trade: 2 items, but trade has 4 columns"}' "rows that do not fit: a q error naming what"
expect_eq "$($QC raw $PQ misfit-async)" "null" "an async publish that does not fit: no answer"
expect_match "$(cat q.err)" "127.0.0.1:[0-9]+: refused \(async\): 'trade: 2 items, but trade has 4 columns" "and a line on stderr naming the client"

# The end: tick-q ends with its input, quietly.
stop_session $QS
expect_eq "$(grep -v -e 'listening on' -e 'the journal closed the connection' -e 'refused (async)' q.err || true)" "" "nothing else said"
done_ok
