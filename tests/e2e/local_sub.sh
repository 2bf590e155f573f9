#!/usr/bin/env bash
# Local subscribers read the journal in place (tick-sub DIR): the same
# records as tick-sub ADDR through tick-pub, from start, now and a sequence,
# with and without filters, across a day roll; tick-log SIGKILLed under
# local readers; a stalled reader; bad use.
source "$(dirname "$0")/lib.sh"

# beatless IN OUT: IN without its heartbeats (they come when a subscriber
# waits, at moments of its own)
beatless() {
  $PY - "$1" "$2" <<'P'
import struct, sys
d, out, off = open(sys.argv[1], 'rb').read(), bytearray(), 0
while off + 16 <= len(d):
    n, t = struct.unpack_from('<IB', d, off + 4)
    if chr(t) != 'B':
        out += d[off:off + 16 + n]
    off += 16 + n
assert off == len(d), "%s: torn at %d" % (sys.argv[1], off)
open(sys.argv[2], 'wb').write(out)
P
}
# same_stream A B WHAT: byte for byte, heartbeats aside
same_stream() {
  beatless "$1" "$1.nb"; beatless "$2" "$2.nb"
  cmp -s "$1.nb" "$2.nb" || die "$3: $1 ($(stat -c %s "$1.nb") bytes) and $2 ($(stat -c %s "$2.nb") bytes) differ: $(cmp "$1.nb" "$2.nb" 2>&1 | head -1)"
  ok
}
rows_of() { tick-cat -f json "$1" | grep -vc '^{"eod"' || true; }

# -- Equivalence. A tickerplant whose day ends 8 s after it starts (its clock
# is replaced); feeds published in two phases into tick-log --listen; local
# and TCP subscribers side by side, started while the journal is quiet.
LP=$(free_port); PP=$(free_port)
TICK_FAKE_TIME=2026-11-20T23:59:52 tick-log tp --listen 127.0.0.1:$LP < /dev/null 2> log.err |
  tick-pub -l 127.0.0.1:$PP --log tp 2> pub.err &
wait_for grep -q listening log.err
wait_for grep -q listening pub.err
tick-gen --count 3000 --seed 1 | tick-pub --to 127.0.0.1:$LP 2> f1.err || die "phase 1: $(cat f1.err)"
journal_lines_at_least() { [ "$(tick-cat tp 2> /dev/null | wc -l)" -ge "$1" ]; }
wait_for journal_lines_at_least 3000
p1_last=$($WALK tp/2026-11-20.tick | awk '$2 == "D" {s = $5} END {print s}')
[ "$p1_last" -gt 25 ] && [ "$p1_last" -lt 1000 ] || die "phase 1 ends at seq $p1_last"
n=0
# (--from 1000 is a sequence not written yet: it starts at the next record)
for req in "--from start" "--from now" "--from 20" "--from 1000" \
           "--from start -t trade" "--from now -t quote -s AAPL,MSFT" "--from 25 -s IBM,GOOG"; do
  n=$((n + 1))
  tick-sub tp $req > local$n.tick 2> local$n.err &
  tick-sub 127.0.0.1:$PP $req > tcp$n.tick 2> tcp$n.err &
  echo "$req" > req$n
done
sleep 1
# phase 2: across the day roll, at a pace
tick-gen --count 40000 --rate 5000 --seed 2 | tick-pub --to 127.0.0.1:$LP 2> f2.err || die "phase 2: $(cat f2.err)"
journals_at_least() { [ "$(ls tp/*.tick | wc -l)" -ge "$1" ]; }
wait_for journals_at_least 2
pkill -TERM -f "tick-log tp --listen 127.0.0.1:$LP"
for i in $(seq 1 $n); do wait_for test -s local$i.tick; done
sleep 0.5
# every subscriber ends: the local ones when tick-log ends, the TCP ones at tick-pub's end of stream
# (this test's own: other tests' subscribers may run beside it)
for _ in $(seq 1 300); do pgrep -P $$ -x tick-sub > /dev/null || break; sleep 0.1; done
pgrep -a -P $$ -x tick-sub && die "subscribers still running after tick-log ended"
ok
expect_eq "$(ls tp/*.tick | xargs -n1 basename | tr '\n' ' ')" "2026-11-20.tick 2026-11-21.tick " "the day rolled under the subscribers"
for i in $(seq 1 $n); do
  same_stream local$i.tick tcp$i.tick "tick-sub DIR vs ADDR, $(cat req$i)"
  expect_eq "$(cat local$i.err)" "" "tick-sub DIR $(cat req$i): nothing on stderr"
done
expect_eq "$(rows_of local1.tick)" 43000 "from start: every row of both days"
expect_eq "$($WALK local1.tick | awk '$2 == "E"' | wc -l)" 1 "from start: the end of day in the stream"
expect_eq "$($WALK local3.tick | awk '$2 == "D" {print $5; exit}')" 20 "from 20: the first data record is seq 20"
expect_eq "$($WALK local4.tick | awk '$2 == "D" {print $5; exit}')" $((p1_last + 1)) "from 1000 (not written yet): from the next record"
expect_eq "$(tick-cat -f json local6.tick | grep -v '"eod"' | grep -vc '"sym":"\(AAPL\|MSFT\)"' || true)" 0 "-s: only those syms"
# the local reader from start is the journal itself, bookkeeping aside
expect_eq "$(tick-cat -f json local1.tick | md5sum)" "$(tick-cat -f json tp/2026-11-20.tick tp/2026-11-21.tick | md5sum)" \
  "from start: the journal's rows"

# -- --until-eod, -f json, and a finished journal read afterwards
expect_status 0 tick-sub tp --from start --day 2026-11-20 --until-eod -f json
expect_eq "$(grep -vc '"eod"' out)" "$(tick-cat -f json tp/2026-11-20.tick | grep -vc '"eod"')" "--until-eod: the first day, then the end"
expect_match "$(tail -1 out)" '"eod"' "--until-eod: ends with the end of day"
# -- tick-log SIGKILLed at full speed under local readers, then restarted
# (cutting its torn tail): the readers wait, saying so, and go on with the
# next sequence; each one's output is the journal, no gap, no duplicate.
mkdir cr
tick-sub cr --from start > cr1.tick 2> cr1.err &
R1=$!
wait_for grep -q "no tick-log has written here yet" cr1.err
tick-gen --count 20000000 --rate 2000000 --seed 3 | tick-log cr > /dev/null 2> crlog1.err &
CRLOG=$!
tick-sub cr --from start -f json > cr2.json 2> cr2.err &
R2=$!
wait_for test -s cr2.json
sleep 0.$((5 + RANDOM % 5))
kill -9 $CRLOG
wait $CRLOG 2> /dev/null || true
wait_for grep -q "tick-log is not running (killed?): waiting for it to start again" cr1.err
killed_at=$(stat -c %s cr/*.tick)
tick-gen --count 300000 --seed 4 | tick-log cr > /dev/null 2> crlog2.err || die "tick-log restarted: $(cat crlog2.err)"
wait $R1 || die "reader 1 after the restart: $(cat cr1.err)"
wait $R2 || die "reader 2 after the restart: $(cat cr2.err)"
expect_match "$(cat cr1.err)" "tick-log is writing again" "a reader says when the journal goes on"
[ "$(stat -c %s cr/*.tick | paste -sd+ | bc)" -gt "$killed_at" ] || die "the restart journaled nothing more"
ok
cat cr/*.tick > cr.journal
same_stream cr1.tick cr.journal "a reader across a SIGKILL of tick-log and its restart"
expect_eq "$(md5sum < cr2.json)" "$(tick-cat -f json cr/*.tick | md5sum)" "a json reader across the SIGKILL: the journal's rows"
$WALK cr1.tick | awk '$2 == "D" { if ($5 != last + 1) { print "gap or duplicate at seq " $5 " after " last; exit 1 } last = $5 }
                     $2 == "H" { last = 0 }' || die "sequence numbers of the reader across the restart"
ok

# -- A stalled local reader (SIGSTOP) while 500 MB flow: tick-log writes it
# all and ends while the reader is stopped (it never waits for a reader),
# in bounded memory; after SIGCONT the reader catches up with all of it.
mkfifo feed
/usr/bin/time -f "%M" -o st.rss tick-log st < feed > /dev/null 2> st.err &
STLOG=$!
exec 3> feed
wait_for test -s st/.tick.live
tick-gen --count 1000 --seed 5 >&3
tick-sub st --from start > st.tick 2> st.sub.err 3>&- &  # (not holding the feed open)
SR=$!
wait_for test -s st.tick
kill -STOP $SR
tick-gen --count 14000000 --seed 6 >&3
exec 3>&-
wait $STLOG || die "tick-log under a stopped reader: $(cat st.err)"
journal_bytes=$(stat -c %s st/*.tick | paste -sd+ | bc)
[ "$journal_bytes" -gt 500000000 ] || die "only $journal_bytes bytes flowed"
ok
# the same feed with no reader at all: the stopped reader changes nothing
# of tick-log's peak RSS (its throughput is make bench's: local area)
{ tick-gen --count 1000 --seed 5; tick-gen --count 14000000 --seed 6; } |
  /usr/bin/time -f "%M" -o none.rss tick-log none > /dev/null 2> none.err || die "tick-log alone: $(cat none.err)"
expect_eq "$(awk -v a="$(cat st.rss)" -v b="$(cat none.rss)" 'BEGIN{print (a < 65536 && a <= b + 4096)}')" 1 \
  "tick-log's peak RSS with a stopped reader ($(cat st.rss) KiB) is as without one ($(cat none.rss) KiB)"
rm -rf none
[ "$(stat -c %s st.tick)" -lt "$journal_bytes" ] || die "the stopped reader had everything already"
ok
kill -CONT $SR
wait $SR || die "the reader after SIGCONT: $(cat st.sub.err)"
cat st/*.tick > st.journal
same_stream st.tick st.journal "a stalled reader catches up"
rm -f st.journal st.tick st.tick.nb st.journal.nb

# -- A journal compressed or moved under a local reader: the reader ends
# (status 1) naming the file, the byte and where to read on; reading on
# from there gives the rest, nothing lost.
mkdir mv mvb
mkfifo mvfeed
# followed DIR SEED: tick-log DIR on the fifo ($MVLOG, fd 4 open on it),
# 2000 rows, and a local reader of them ($M1: DIR.tick, DIR.err)
followed() {
  tick-log "$1" < mvfeed > /dev/null 2> "$1"log.err &
  MVLOG=$!
  exec 4> mvfeed
  tick-gen --count 2000 --seed "$2" >&4
  tick-sub "$1" --from start > "$1".tick 2> "$1".err 4>&- &
  M1=$!
  wait_for test -s "$1".tick
}
followed mv 7
kill -9 $MVLOG; wait $MVLOG 2> /dev/null || true
exec 4>&-
wait_for grep -q "tick-log is not running" mv.err
tick-log compress --force mv/*.tick
set +e; wait $M1; st=$?; set -e
expect_eq $st 1 "a reader whose journal was compressed under it exits 1"
msg=$(tail -1 mv.err)
expect_match "$msg" "mv/[0-9-]+\.tick: compressed \(to [0-9-]+\.tick\.zst\) while this reader followed it \(at byte [0-9]+, after seq [0-9]+\); read on with tick-sub mv --from [0-9]+ --day [0-9-]+" \
  "the compressed journal is named, with the byte and where to read on"
on=$(sed 's/.*read on with tick-sub mv //' <<< "$msg")
timeout 3 tick-sub mv $on -f json > mv2.json 2> mv2.err || true
expect_eq "$( (tick-cat -f json mv.tick; cat mv2.json) | md5sum)" "$(tick-cat -f json mv/*.zst | md5sum)" \
  "what the reader wrote and what reading on gives: the journal, nothing lost or twice"
# moved while tick-log still writes it
followed mvb 8
mkdir away; mv mvb/*.tick away/
set +e; wait $M1; st=$?; set -e
expect_eq $st 1 "a reader whose journal was moved away exits 1"
expect_match "$(tail -1 mvb.err)" "mvb/[0-9-]+\.tick: moved or removed while this reader followed it \(at byte [0-9]+, after seq [0-9]+\)" \
  "the moved journal is named"
exec 4>&-
wait $MVLOG || die "tick-log, its journal moved: $(cat mvblog.err)"

# -- A closed downstream while the journal is quiet: tick-sub DIR | head
# ends (status 0, nothing said), in every format.
mkfifo qfeed
tick-log quiet < qfeed > /dev/null 2> quiet.err &
QLOG=$!
exec 5> qfeed
tick-gen --count 100 --seed 12 >&5
wait_for test -s quiet/.tick.live   # (tick-log has made the directory and its live end)
for f in tick json "csv -t trade" table; do
  timeout 10 bash -c "tick-sub quiet --from start -f $f 2> qhead.err | head -c 10 > /dev/null; exit \${PIPESTATUS[0]}" 5>&- ||
    die "tick-sub DIR -f $f | head on a quiet journal: status $?"
  ok
  expect_eq "$(cat qhead.err)" "" "tick-sub DIR -f $f | head says nothing"
done
# tick-replay --follow, woken by the same live end, ends the same way
timeout 10 bash -c "tick-replay --follow quiet -f csv -t trade 2> qhead.err | head -c 10 > /dev/null; exit \${PIPESTATUS[0]}" 5>&- ||
  die "tick-replay --follow DIR | head on a quiet journal: status $?"
ok
exec 5>&-
wait $QLOG || die "tick-log of the quiet journal: $(cat quiet.err)"

# -- Bad use
# a live end that is not the journal's (the journal cut short under it),
# and a file that is no live end at all: said, never a fault
mkdir bad1 bad2
tick-gen --count 3000 --seed 11 | tick-log bad1 > /dev/null
cp bad1/*.tick bad2/
truncate -s 1000 bad1/*.tick
expect_status 1 tick-sub bad1 --from start
expect_match "$(cat err)" "1000 bytes, but the live end says [0-9]+ are written: bad1/.tick.live is not this journal's" \
  "a live end longer than its journal"
# journals with no live end: waited for, said once, with what reads them
mkdir bad3; cp bad2/*.tick bad3/
set +e; timeout 2 tick-sub bad3 --from start > /dev/null 2> bad3.err; st=$?; set -e
expect_eq "$st" 124 "journals with no live end: the reader waits for a tick-log"
expect_eq "$(cat bad3.err)" "tick-sub: bad3: journals, but no .tick.live (a tick-log of an older version wrote them?): waiting for a tick-log to write here; tick-replay reads them as they are" \
  "journals with no live end: said once"
head -c 4096 /dev/urandom | tr '\0' x > bad2/.tick.live
expect_status 1 tick-sub bad2 --from start
expect_match "$(cat err)" "bad2/.tick.live: not a live end of tick-log's" "a .tick.live that is not one"
expect_status 1 tick-sub journal:nowhere
expect_match "$(cat err)" "nowhere: no such directory" "a journal directory that is not there"
expect_status 1 tick-sub tp -t nosuch
expect_match "$(cat err)" "unknown table 'nosuch'" "an unknown table"
expect_status 1 tick-sub tp --from start --day 2027-01-01
expect_match "$(cat err)" "day 2027-01-01 is after the live day 2026-11-21" "a day after the live day"
expect_status 1 tick-sub tp --from 5 --day 2026-11-01
expect_match "$(cat err)" "no journal for 2026-11-01" "a sequence on a day with no journal"
expect_status 2 tick-sub 127.0.0.1:$PP --spin
expect_match "$(cat err)" "--spin is for a journal directory" "--spin with an address"

done_ok
