#!/usr/bin/env bash
# tick-kafka against a real broker over TCP (tick-kafka broker, librdkafka's
# mock cluster, on loopback), with clients that are not ours: kcat and
# kafka-python.
source "$(dirname "$0")/lib.sh"
SRC=${TICK_SOURCE:-$HERE/../..}

start_broker() {  # start_broker NAME [broker options]: its address in $B
  local name=$1; shift
  rm -f "$name.addr"
  tick-kafka broker --address-file "$name.addr" "$@" > "$name.out" 2> "$name.err" &
  BROKER_PID=$!
  wait_for test -s "$name.addr"
  B=$(cat "$name.addr")
  [[ "$B" =~ ^127\.0\.0\.1:[0-9]+$ ]] || die "the broker is on loopback: $B"; ok
  expect_eq "$(head -1 "$name.out")" "$B" "the broker prints its address first"
}
# Topics made before use: the mock's topic made by a first produce can lose
# that produce's messages now and then.
start_broker main --topics seen,bad,long,feedk,big:2,rt.t:3,rt.u:3,batch1:2,alo:3,seam:2,stopk:4,drain:2,trim --partitions 1

# -- Round trip: every type, per table, in order within a sym; json-batch too.
cat > all.schema <<'S'
t time:timestamp sym:symbol b:boolean x:byte h:short i:int j:long e:real f:float c:char n:timespan d:date s:string
u time:timespan sym:symbol v:long
S
$PY - > all.json <<'P'
import json
for i in range(3000):
    s = ['AAPL', 'MSFT', 'IBM', 'Z'][i % 4]
    if i % 3 == 0:
        print(json.dumps({"table": "u", "time": "14:30:%02d.%09d" % (i % 60, i), "sym": s, "v": i if i % 7 else None}))
    else:
        print(json.dumps({"table": "t", "time": "2026-11-23T14:30:00.%09dZ" % i, "sym": s, "b": i % 2 == 0,
                          "x": i % 256, "h": -i % 30000, "i": i * 1000, "j": i * 10**12, "e": 0.5 * i,
                          "f": 1.0 / (i + 1), "c": "abc"[i % 3], "n": "0D01:02:03.%09d" % i,
                          "d": "2026-11-%02d" % (1 + i % 28), "s": "line\n\"%d\"\ttab é" % i if i % 5 else None}))
P
tick-cat -e --schema all.schema < all.json > all.tick
tick-kafka produce -b "$B" --topic-prefix rt. < all.tick 2> err || die "produce: $(cat err)"; ok
for t in t u; do
  tick-kafka consume -b "$B" --topic rt.$t --table-from-topic --topic-prefix rt. --schema all.schema -e -f json > got.$t.json 2> err \
    || die "consume rt.$t: $(cat err)"
  tick-cat -t $t all.tick > want.$t.json
  $PY - got.$t.json want.$t.json <<'P' || die "round trip of table $t"
import json, sys, collections
got = [json.loads(l) for l in open(sys.argv[1])]
want = [json.loads(l) for l in open(sys.argv[2])]
assert sorted(map(json.dumps, got)) == sorted(map(json.dumps, want)), "the same rows"
per = lambda rows: collections.defaultdict(list, {s: [r for r in rows if r['sym'] == s] for s in {r['sym'] for r in rows}})
g, w = per(got), per(want)
assert all(g[s] == w[s] for s in w), "in order within each sym"
P
  ok
done
tick-cat all.tick | sort > want.sorted
tick-kafka produce -b "$B" --topic batch1 --value json-batch < all.tick
tick-kafka consume -b "$B" --topic batch1 --schema all.schema -e -f json | sort > got.sorted
same_files got.sorted want.sorted "json-batch round trip"
expect_match "$(kcat -b "$B" -C -t batch1 -e -q 2> /dev/null | head -1 | cut -c1-12)" '^\[\{"table":"[tu]$' "a json-batch message is an array of rows"

# -- A closed downstream ends consume (status 0) on a quiet topic, in tick and text.
for f in tick json; do
  timeout 20 bash -c "tick-kafka consume -b '$B' --topic batch1 --schema all.schema -f $f 2> head.err | head -c 10 > /dev/null; exit \${PIPESTATUS[0]}" \
    || die "consume -f $f | head did not end with 0: status $? ($(cat head.err))"
  ok
done

# -- What tick-kafka produce sends, read by kcat and kafka-python: key, timestamp, headers.
tick-cat -t t all.tick | head -3 > three.json
tick-cat -e --schema all.schema < three.json | tick-log jr > /dev/null
tick-replay jr | tick-kafka produce -b "$B" --topic seen --headers table,seq
kcat -b "$B" -C -t seen -e -q -f '%k|%T|%h|%s\n' > kcat.out
expect_eq "$(cut -d'|' -f1-3 kcat.out | head -1)" "MSFT|1795444200000|table=t,seq=1" "kcat sees key, timestamp and headers"
expect_eq "$(cut -d'|' -f4- kcat.out)" "$(cat three.json)" "kcat sees the rows as tick-cat writes them"
$PY - "$B" <<'P' || die "kafka-python reads what tick-kafka produce sent"
import sys, json
from kafka import KafkaConsumer
c = KafkaConsumer('seen', bootstrap_servers=sys.argv[1], auto_offset_reset='earliest', consumer_timeout_ms=5000)
msgs = [m for m, _ in zip(c, range(3))]
assert len(msgs) == 3, len(msgs)
assert [m.key for m in msgs] == [b"MSFT", b"IBM", b"AAPL"], [m.key for m in msgs]
assert msgs[0].timestamp == 1795444200000 and msgs[1].timestamp == 1795444200000, [m.timestamp for m in msgs]
assert dict(msgs[2].headers) == {'table': b't', 'seq': b'1'}, msgs[2].headers
assert json.loads(msgs[0].value)["sym"] == "MSFT"
P
ok
# Headers by default: none on a row's message, table and seq on a batch's;
# --headers names them (kcat and kafka-python read them).
tick-replay jr | tick-kafka produce -b "$B" --topic seen2
tick-replay jr | tick-kafka produce -b "$B" --topic seen3 --value json-batch
tick-replay jr | tick-kafka produce -b "$B" --topic seen4 --headers seq
tick-replay jr | tick-kafka produce -b "$B" --topic seen5 --value json-batch --headers none
expect_eq "$(kcat -b "$B" -C -t seen2 -e -q -f '%k|%h|%s\n' | cut -d'|' -f1-2 | sort | tr '\n' ' ')" "AAPL| IBM| MSFT| " "json rows: no headers by default"
expect_eq "$(kcat -b "$B" -C -t seen3 -e -q -f '%k|%h\n')" "t|table=t,seq=1" "json-batch: table and seq by default"
expect_eq "$(kcat -b "$B" -C -t seen4 -e -q -f '%h\n' | sort -u)" "seq=1" "--headers seq"
expect_eq "$(kcat -b "$B" -C -t seen5 -e -q -f '%k|%h\n')" "t|" "json-batch --headers none"
$PY - "$B" <<'P' || die "kafka-python reads the default headers"
import sys
from kafka import KafkaConsumer
for topic, want in (('seen2', []), ('seen3', [('table', b't'), ('seq', b'1')])):
    c = KafkaConsumer(topic, bootstrap_servers=sys.argv[1], auto_offset_reset='earliest', consumer_timeout_ms=5000)
    msgs = list(c)
    assert msgs and all(list(m.headers) == want for m in msgs), (topic, [m.headers for m in msgs])
P
ok
expect_status 2 bash -c "tick-kafka produce -b '$B' --topic seen6 --headers nonsense < /dev/null"
expect_match "$(cat "$WORK/err")" "expected none, or table and/or seq" "--headers nonsense is named"

# -- A group consumer and its downstream stopped at once (Ctrl-C, a killed
# session): the revocation at close cannot write its rows, and says nothing
# of it to librdkafka's C frames (the exception ended in std::terminate, and
# the process hung for ever).
tick-gen --print-schema > gen.schema
for i in $(seq 0 99); do echo "{\"time\":\"2026-11-23T14:30:00Z\",\"sym\":\"S$((i % 7))\",\"price\":$i.5,\"size\":$i}"; done > stop.json
kcat -b "$B" -P -t stopk -l stop.json
for i in 1 2 3; do
  setsid bash -c "tick-kafka consume -b '$B' --topic stopk --schema gen.schema -t trade -g stop$i 2> stop$i.err | tick-log stoptp$i > /dev/null 2>&1" &
  sess=$!
  wait_for bash -c "[ \$(tick-cat -f json stoptp$i/*.tick 2> /dev/null | wc -l) -ge 100 ]"  # (assigned, and read)
  kill -TERM -- -$sess
  for _ in $(seq 1 150); do pgrep -s $sess > /dev/null || break; sleep 0.1; done
  if pgrep -s $sess > /dev/null; then pkill -KILL -s $sess; die "tick-kafka consume did not stop on SIGTERM with its downstream gone: $(cat stop$i.err)"; fi
  if grep -q "terminate\|Aborted" stop$i.err; then die "consume with its downstream gone: $(cat stop$i.err)"; fi
  ok
done

# -- JSON from kcat -P and kafka-python: nested fields, ISO and epoch times,
# keys and headers as columns, the message timestamp for rows with none.
cat > feed.schema <<'S'
px time:timestamp sym:symbol last:float bid:float venue:symbol src:symbol part:int off:long kts:timestamp
S
printf '%s\n' '{"s":"AAPL","t":"2026-11-23T14:30:00.5Z","px":{"last":189.5,"bid":189.4}}' \
  '{"s":"MSFT","t":1795444201000,"px":{"last":410.25}}' > kcat.feed
kcat -b "$B" -P -t feedk -k AAPL -H venue=XNAS -l kcat.feed
$PY - "$B" <<'P'
import sys, json
from kafka import KafkaProducer
p = KafkaProducer(bootstrap_servers=sys.argv[1])
p.send('feedk', key=b'IBM', value=json.dumps({"s": "IBM", "px": {"last": 150.0, "bid": 149.9}}).encode(),
       headers=[('venue', b'XNYS')], timestamp_ms=1795444202000)
p.flush()
P
tick-kafka consume -b "$B" --topic feedk --schema feed.schema -t px --time-unit ms -e -f csv \
  --map sym=s --map time=t --map last=px.last --map bid=/px/bid --map venue=@header:venue --map src=@key \
  --map part=@partition --map off=@offset --map kts=@timestamp > feed.csv 2> err || die "consume feedk: $(cat err)"
expect_eq "$(sed -n 2p feed.csv | cut -d, -f1-7)" "2026-11-23T14:30:00.500000000Z,AAPL,189.5,189.4,XNAS,AAPL,0" "a kcat message, mapped (ISO time)"
expect_eq "$(sed -n 3p feed.csv | cut -d, -f1-8)" "2026-11-23T14:30:01.000000000Z,MSFT,410.25,,XNAS,AAPL,0,1" "epoch ms, a missing field null"
expect_eq "$(sed -n 4p feed.csv)" "2026-11-23T14:30:02.000000000Z,IBM,150,149.9,XNYS,IBM,0,2,2026-11-23T14:30:02.000000000Z" "kafka-python's message: no time, so its timestamp"

# -- Bad messages: each named by topic[partition]@offset; fail stops after
# delivering what came before, skip sets each aside and loses nothing else.
kcat -b "$B" -P -t bad -p 0 -l <(printf '%s\n' \
  '{"table":"u","time":"14:30:00","sym":"A","v":1}' \
  '{"table":"u","time":"14:30:01","sym":"A","v":' \
  '{"table":"u","time":"14:30:02","sym":"A","v":"two"}' \
  '{"time":"14:30:03","sym":"A","v":3}' \
  '{"table":"trades","time":"14:30:04","sym":"A","v":4}' \
  '{"table":"u","time":"14:30:05","sym":"A","v":5}')
head -c 10485760 /dev/zero | tr '\0' 'x' | sed 's/^/{"table":"u","sym":"/; s/$/"}/' > big.msg
kcat -b "$B" -P -t bad -p 0 <<< '{"table":"u","time":"14:30:06","sym":"A","v":6}'
expect_status 1 tick-kafka consume -b "$B" --topic bad --schema all.schema -e -f json
expect_eq "$(cat err)" "tick-kafka: bad[0]@1: JSON document ended early in the middle of an object or array." "fail names topic, partition and offset"
expect_eq "$(grep -c '"table":"u"' "$WORK/out")" 1 "the row before it is delivered"
tick-kafka consume -b "$B" --topic bad --schema all.schema -e -f json --on-error skip --rejects rej.tsv > out 2> err \
  || die "skip mode: $(cat err)"
expect_eq "$(jq -r .v out | tr '\n' ' ')" "1 5 6 " "skip keeps the good ones"
expect_eq "$(cut -f1-3 rej.tsv | tr '\t\n' ', ')" "bad,0,1 bad,0,2 bad,0,3 bad,0,4 " "each bad message in the rejects file"
expect_match "$(sed -n 2p rej.tsv | cut -f4)" "column v: expected an integer, got a string" "a wrong type"
expect_match "$(sed -n 3p rej.tsv | cut -f4)" "no \"table\" field" "a missing table"
expect_match "$(sed -n 4p rej.tsv | cut -f4)" "unknown table 'trades'" "an unknown table"
expect_match "$(cat err)" "4 messages rejected \(see rej.tsv\)" "the count of rejects"
# The same in long runs (read on two threads, half each): 4000 messages on
# one partition, every 613th bad; skip keeps the rest in order and names
# each bad one, fail stops at the first after the rows before it; a closed
# downstream mid-run ends with status 0.
for i in $(seq 0 3999); do
  if [ $((i % 613)) = 600 ]; then echo '{"table":"u","sym":"A","v":"bad"}'
  else echo "{\"table\":\"u\",\"time\":\"14:30:00\",\"sym\":\"S$((i % 7))\",\"v\":$i}"; fi
done > long.json
kcat -b "$B" -P -t long -p 0 -l long.json
tick-kafka consume -b "$B" --topic long --schema all.schema -e -f json --on-error skip --rejects long.tsv > out 2> err \
  || die "skip mode, long runs: $(cat err)"
expect_eq "$(jq -r .v out | md5sum)" "$(jq -r 'select(.v != "bad") | .v' long.json | md5sum)" "long runs: every good row, in order"
expect_eq "$(cut -f3 long.tsv | tr '\n' ' ')" "600 1213 1826 2439 3052 3665 " "long runs: each bad offset in the rejects file, in order"
expect_status 1 tick-kafka consume -b "$B" --topic long --schema all.schema -e -f json
expect_eq "$(jq -r .v "$WORK/out" | tr '\n' ' ' | md5sum)" "$(seq 0 599 | tr '\n' ' ' | md5sum)" "long runs, fail: the rows before the first bad one"
expect_match "$(cat "$WORK/err")" "long\[0\]@600: column v" "long runs, fail: the first bad one named"
timeout 20 bash -c "tick-kafka consume -b '$B' --topic long --schema all.schema --on-error skip 2> head.err | head -c 300 > /dev/null; exit \${PIPESTATUS[0]}" \
  || die "consume | head -c 300 on a long run: status $? ($(cat head.err))"
if grep -q "terminate\|Aborted\|runtime" head.err; then die "consume | head on a long run: $(cat head.err)"; fi
ok
# (a topic of its own: the broker keeps a bounded history per partition)
kcat -b "$B" -P -t big -p 0 -X message.max.bytes=20000000 big.msg
kcat -b "$B" -P -t big -p 1 <<< '{"table":"u","time":"14:30:07","sym":"A","v":7}'
tick-kafka consume -b "$B" --topic big --schema all.schema -e -f json --on-error skip --rejects big.tsv > out 2> err \
  || die "a big message: $(cat err)"
expect_match "$(cut -f1-4 big.tsv)" "^big	0	0	message of 10485782 bytes is over --max-message \(1048576\)$" "a 10 MB message"
expect_eq "$(jq -r .v out)" "7" "the message after it"

# -- At least once: a consumer in a group killed mid-stream; its restart
# loses no row (duplicates are counted, and allowed).
# The feed runs while the consumer reads it; the consumer dies mid-stream.
tick-gen --print-schema > gen.schema
# (a killed member's partitions wait session.timeout.ms before the group moves on)
tick-kafka consume -b "$B" --topic alo --schema gen.schema -g g1 -X session.timeout.ms=6000 > part1.tick 2> c1.err &
c=$!
tick-gen --rate 20000 --duration 4 --syms 50 --start 2026-11-23T14:30:00Z | tee many.tick | tick-kafka produce -b "$B" --topic alo &
p=$!
wait_for bash -c 'test "$(stat -c %s part1.tick)" -gt 100000'
sleep 0.5
kill -KILL $c; wait $c 2> /dev/null || true
wait $p || die "the feed's produce"
tick-kafka consume -b "$B" --topic alo --schema gen.schema -g g1 -X session.timeout.ms=6000 -e > part2.tick 2> c2.err || die "restart: $(cat c2.err)"
tick-cat --on-error skip part1.tick > p1.json 2> /dev/null || true  # (a torn last record from the kill)
tick-cat part2.tick > p2.json
$PY - p1.json p2.json many.tick <<'P' || die "at least once"
import sys, subprocess, collections
want = collections.Counter(subprocess.run(['tick-cat', sys.argv[3]], capture_output=True, text=True).stdout.splitlines())
got = collections.Counter(open(sys.argv[1]).read().splitlines() + open(sys.argv[2]).read().splitlines())
lost = want - got
assert not lost, f"{sum(lost.values())} rows lost"
dups = sum((got - want).values())
print(f"at least once: {sum(want.values())} rows, none lost, {dups} read twice after the kill", file=sys.stderr)
P
ok

# -- Kafka into a tickerplant beside another feed: consume | tick-pub --to
# and tick-replay | tick-pub --to into one tick-log --listen, which is killed
# and restarted mid-stream: the journal holds every row of both, once.
port=$(free_port)
tick-gen --rate 5000 --count 15000 --seed 8 --start 2026-01-05T11:00:00Z | tee seam.tick |
  tick-kafka produce -b "$B" --topic seam 2> seamp.err &
sp=$!
tick-gen --count 40000 --seed 9 --start 2026-01-05T10:00:00Z > other.tick
tick-log seamtp --listen :$port < /dev/null > /dev/null 2> seaml.err &
lp=$!
wait_for grep -q listening seaml.err
tick-kafka consume -b "$B" --topic seam --schema gen.schema -c 15000 2> seamc.err | tick-pub --to :$port 2> seampub1.err &
kp=$!
tick-replay --rate 15000 other.tick | tick-pub --to :$port 2> seampub2.err &
op=$!
sleep 1.2
kill -KILL $lp; wait $lp 2> /dev/null || true
sleep 0.4
tick-log seamtp --listen :$port < /dev/null > /dev/null 2>> seaml.err &
lp=$!
wait $sp || die "the Kafka feed's produce: $(cat seamp.err)"
wait $kp || die "consume | tick-pub --to: $(cat seamc.err seampub1.err)"
wait $op || die "the other feed's tick-pub --to: $(cat seampub2.err)"
kill -TERM $lp; wait $lp || die "tick-log: $(cat seaml.err)"
expect_match "$(cat seampub1.err seampub2.err)" "reconnecting" "the publishers saw tick-log's restart"
tick-cat -f json seamtp | sort > seam.got
tick-cat -f json seam.tick other.tick | sort > seam.want
# (as multisets: a feed may send the same row twice)
expect_eq "$(comm -13 seam.want seam.got | wc -l) $(comm -23 seam.want seam.got | wc -l) $(wc -l < seam.got)" "0 0 55000" \
  "the journal's rows: none more often than sent, none missing"
same_files seam.got seam.want "Kafka's rows and the other feed's, each once"

# -- A cron drain: `consume -g G -e` run again ends at the group's commit
# (it waited for ever for rows before it), and a third run after more rows
# reads just those.
tick-gen --count 3000 --seed 4 | tick-kafka produce -b "$B" --topic drain
for run in 1 2 3; do
  [ $run != 3 ] || tick-gen --count 500 --seed 5 --start 2026-01-06T10:00:00Z | tick-kafka produce -b "$B" --topic drain
  timeout 90 tick-kafka consume -b "$B" --topic drain --schema gen.schema -g cron -e -f json > drain$run.json 2> drain$run.err ||
    die "drain run $run did not end, or failed: $(tail -2 drain$run.err)"
done
expect_eq "$(wc -l < drain1.json) $(wc -l < drain2.json) $(wc -l < drain3.json)" "3000 0 500" "three drains: all, nothing new, the new rows"
expect_eq "$(sort drain3.json)" "$(tick-gen --count 500 --seed 5 --start 2026-01-06T10:00:00Z -f json | sort)" "the third drain's rows are the new ones"

# -- The broker in memory keeps a bounded history a partition (librdkafka's
# fixed bounds): when it drops the oldest messages it says so on stderr, and
# kcat sees the same start.
tick-gen --count 150000 --seed 6 | tick-kafka produce -b "$B" --topic trim
wait_for grep -q "trim\[0\]: offsets before [0-9]* dropped" main.err
lo=$(sed -n 's/.*trim\[0\]: offsets before \([0-9]*\) dropped.*/\1/p' main.err | tail -1)
first=$(kcat -C -b "$B" -t trim -o beginning -c 1 -f '%o\n' 2> /dev/null)
[ "$lo" -gt 0 ] && [ "$first" -ge "$lo" ] || die "the trim said ($lo) and kcat's first offset ($first)"; ok
expect_match "$(grep 'trim\[0\]' main.err | tail -1)" "keeps at most 5 MiB or 100000 message sets a partition; [0-9]+ messages kept\): use a real Kafka broker for more" "the trim names the bound"

# -- The broker goes away: produce says how many deliveries failed (exit 1);
# consume says it is retrying and ends 0 on SIGTERM.
start_broker out1 --topics gone:2
tick-gen --count 1000 | tick-kafka produce -b "$B" --topic gone
tick-kafka consume -b "$B" --topic gone --schema gen.schema > gone.tick 2> gone.err &
c=$!
wait_for bash -c 'test "$(tick-cat gone.tick 2> /dev/null | wc -l)" -ge 1000'
kill $BROKER_PID; wait $BROKER_PID || true
sleep 2
kill -TERM $c
wait $c || die "consume exits 0 on SIGTERM after an outage: $(cat gone.err)"
ok
expect_match "$(cat gone.err)" "retrying" "consume says it is retrying"
expect_eq "$(tick-cat gone.tick | wc -l)" 1000 "what came before the outage is kept"
expect_status 1 bash -c "tick-gen --count 100 | tick-kafka produce -b '$B' --topic gone -X message.timeout.ms=1500"
expect_match "$(tail -1 err)" "^tick-kafka: 100 of 100 messages not delivered \(first: gone\[" "produce names the failures"

# -- examples/kafka, in a short form: both directions add up.
bash "$SRC/examples/kafka/run.sh" "$WORK/example" 5000 > ex.out 2> ex.err || die "examples/kafka: $(cat ex.err)"
expect_match "$(cat ex.out)" "tick.trade: ([0-9]+) messages, tick.quote: ([0-9]+)" "examples/kafka says what it produced"
[[ "$(cat ex.out)" =~ tick.trade:\ ([0-9]+)\ messages,\ tick.quote:\ ([0-9]+) ]]
expect_eq "$((BASH_REMATCH[1] + BASH_REMATCH[2]))" 5000 "every row through Kafka, the journal, and Kafka again"
done_ok
