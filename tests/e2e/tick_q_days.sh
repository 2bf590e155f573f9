#!/usr/bin/env bash
# tick-q where its features meet the tickerplant's seams: the day roll (an
# r.q stand-in gets .u.end with the day that ended, its rows split at it as
# the journals split them; tick.q's journal of the next day is named for
# it; a subscriber after the roll replays the new day only), and tick-q
# SIGKILLed and restarted under a q feed publishing and an r.q stand-in
# subscribed (nothing lost or doubled in tick's journal or in tick.q's; the
# subscriber reconnects and resumes with r.q's request).
source "$(dirname "$0")/lib.sh"
source "$HERE/qlib.sh"
rows_of_day() { tick-cat -f json "$1" > day.json; $QR tick day.json; }

# 1. The day roll: the clock 2 s before midnight, a feed of 3 s.
D1=2026-12-01; D2=2026-12-02
start_tp ${D1}T23:59:58Z d1
start_q ${D1}T23:59:58Z q.err --kdb-log qlog --schema sym.q
N=3000
$QC rq $PQ rq1.rows $N > /dev/null 2> rq1.err &
RQ1=$!
sleep 0.3
$PY $SRC/tests/e2e/qfeed.py $N 1000 1 | tick-cat -e --schema sym.q | tick-pub --to 127.0.0.1:$PL 2> tfeed.err
wait_for test -f tp/$D2.tick
$QC rq $PQ rq2.rows 1 > /dev/null 2> rq2.err &
RQ2=$!
wait $RQ1 || die "r.q across the roll: $(cat rq1.err)"; ok
wait $RQ2 || die "r.q after the roll: $(cat rq2.err)"; ok
rows_of_day tp/$D1.tick > d1.rows
rows_of_day tp/$D2.tick > d2.rows
[ -s d1.rows ] && [ -s d2.rows ] || die "the feed did not cross midnight: $(wc -l d1.rows d2.rows)"; ok
expect_eq "$(cat rq1.rows.end)" "{\"date\":\"$D1\",\"rows\":$(wc -l < d1.rows)}" ".u.end once, with the day that ended, after that day's rows"
head -n "$(wc -l < d1.rows)" rq1.rows > rq1.d1
tail -n +"$(($(wc -l < d1.rows) + 1))" rq1.rows > rq1.d2
expect_eq "$($QR compare d1.rows rq1.d1)" "same $(wc -l < d1.rows)" "day 1's rows before .u.end"
expect_eq "$($QR compare d2.rows rq1.d2)" "same $(wc -l < d2.rows)" "day 2's rows after it"
expect_eq "$($QR compare d2.rows rq2.rows)" "same $(wc -l < d2.rows)" "r.q after the roll: the new day's journal replayed, then live"
expect_eq "$(ls qlog)" "$(printf 'sym2026.12.01\nsym2026.12.02')" "tick.q's journal of each day, named for it"
tick-cat --schema sym.q -f json qlog/sym2026.12.01 > q1.json
$QR tick q1.json > q1.rows
same_files q1.rows d1.rows "day 1's journal"
tick-cat --schema sym.q -f json qlog/sym2026.12.02 | grep -v eod > q2.json || true
$QR tick q2.json > q2.rows
same_files q2.rows d2.rows "day 2's journal"
stop_session $QS
kill %1 2> /dev/null || true
wait %1 2> /dev/null || true

# 3. tick-q restarted after the roll on a stream from the day before (as
# tick-sub --from start --day D1 gives it): that day is caught up in its own
# journal and told to no client (no second .u.end); r.q gets today's.
cp qlog/sym2026.12.01 q1.before
# (and today's journal ends in a torn message, as a kill inside a write
# leaves it: cut off on the restart, kept in FILE.bad)
printf '\x00\x00\x03\x00\x00\x00\xf5upd\x00\xf5tra' >> qlog/sym2026.12.02
PQ3=$(free_port)
{ while [ ! -f go ]; do sleep 0.1; done; tick-replay tp; sleep 60; } | TICK_FAKE_TIME=${D2}T00:00:05Z tick-q -l 127.0.0.1:$PQ3 --kdb-log qlog --schema sym.q 2> q3.err &
wait_for grep -q "listening on" q3.err
$QC rq $PQ3 rq4.rows "$(wc -l < d2.rows)" > /dev/null 2> rq4.err &
RQ4=$!
sleep 0.5
touch go
wait $RQ4 || die "r.q on a restart from the day before: $(cat rq4.err)"; ok
expect_eq "$($QR compare d2.rows rq4.rows)" "same $(wc -l < d2.rows)" "today's rows exactly once, the day before not sent"
expect_eq "$(cat rq4.rows.end)" "" "no .u.end for a day already ended"
same_files qlog/sym2026.12.01 q1.before "the day before's journal as it was"
expect_match "$(cat q3.err)" "qlog/sym2026.12.02: the file ends inside a message at byte [0-9]+: cut to [0-9]+ messages \(the rest kept in qlog/sym2026.12.02.bad\)" "a torn tail cut on the restart, said"
expect_eq "$(wc -c < qlog/sym2026.12.02.bad)" "15" "the cut bytes kept"
tick-cat --schema sym.q -f json qlog/sym2026.12.02 | grep -v eod > q2b.json || true
$QR tick q2b.json > q2b.rows
same_files q2b.rows d2.rows "today's journal after the cut: its rows, none lost or doubled"
kill %% 2> /dev/null || true

# 2. tick-q SIGKILLed and restarted under a q feed (sync publishes, one at a
# time, going on after a reconnection as a feed handler does) and an r.q
# stand-in (reconnecting with r.q's request).
D=2026-12-03; DQ=2026.12.03
rm -rf tp qlog
PQ=
start_tp ${D}T10:00:00Z d2
start_q ${D}T10:00:00Z q2.err --kdb-log qlog --feed-to 127.0.0.1:$PL --schema sym.q
N=4000; M=400
$PY $SRC/tests/e2e/qfeed.py $N 1500 1 | tick-cat -e --schema sym.q | tick-pub --to 127.0.0.1:$PL 2> tfeed2.err &
TFEED=$!
: > acked
$QC feedloop $PQ 700000 $M acked 2> loop.err &
LOOP=$!
$QC rq $PQ rq3.rows $((N + M - 1)) --reconnect > /dev/null 2> rq3.err &
RQ3=$!
wait_for bash -c "[ \$(wc -l < acked) -gt 100 ]"
kill -9 "$(pgrep -s $QS -x tick-q)"
stop_session $QS
before=$(tick-log check qlog/sym$DQ | sed -n 's/.*: \([0-9]*\) valid messages.*/\1/p; s/.*ok, \([0-9]*\) messages/\1/p')
[ "$before" -gt 0 ] || die "nothing journaled before the kill"; ok
start_q ${D}T10:00:00Z q2.err --kdb-log qlog --feed-to 127.0.0.1:$PL --schema sym.q
wait $LOOP || die "the q feed: $(cat loop.err)"; ok
wait $TFEED || die "the tick feed: $(cat tfeed2.err)"; ok
wait $RQ3 || die "r.q across the kill: $(cat rq3.err)"; ok
tick-cat -f json tp > tp.json
$QR tick tp.json > tp.rows
$PY - acked tp.rows $M << 'EOF' || die "q feed rows across the kill"
import collections, json, sys
acked = [int(l) for l in open(sys.argv[1])]
m = int(sys.argv[3])
sizes = collections.Counter(int(r[4]) for r in map(json.loads, open(sys.argv[2])) if r[0] == "trade" and 700000 <= int(r[4]))
assert all(sizes[a] == 1 for a in acked), "an acknowledged row not journaled once"
assert max(sizes.values()) == 1, "a row journaled twice"
# What was not answered :: was in flight at the kill: at most one row.
assert m - 1 <= len(sizes) <= m and len(acked) >= m - 1, (len(sizes), len(acked))
EOF
ok
expect_eq "$($QR compare tp.rows rq3.rows)" "same $(wc -l < tp.rows)" "r.q reconnected: every row of tick's journal exactly once"
tick-cat --schema sym.q -f json qlog/sym$DQ > q3.json
$QR tick q3.json > q3.rows
same_files q3.rows tp.rows "tick.q's journal across the kill: tick's rows, in order, none twice"
expect_eq "$(grep -c 'listening on' q2.err)" "2" "tick-q restarted once"
expect_match "$(cat rq3.err)" "rq: reconnected" "the subscriber reconnected"
done_ok
