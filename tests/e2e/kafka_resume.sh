#!/usr/bin/env bash
# Exactly once from Kafka into a journal: tick-kafka consume --resume-from DIR
# | tick-log DIR, against a real broker over TCP (tick-kafka broker), with
# the consumer and tick-log each SIGKILLed mid-stream, streams and journals
# cut inside a group, and the day rolling under the stream.
source "$(dirname "$0")/lib.sh"

rm -f b.addr
tick-kafka broker --address-file b.addr --topics eo:3,pre:2,rec:2,old:2,roll:2,via:3 > b.out 2> b.err &
wait_for test -s b.addr
B=$(cat b.addr)
tick-gen --print-schema > gen.schema

# rows FILE...: every row of the journals/streams (not end-of-day records), sorted (each row has its own time)
rows() { tick-cat -f json "$@" | grep -v '^{"eod"' | sort; }
# exact WANT.tick JOURNAL... : the journals hold WANT's rows, each exactly once
exact() {
  local want=$1; shift
  rows "$want" > want.rows
  rows "$@" > got.rows
  # (as multisets: a feed may send the same row twice, and then the journal
  # must hold it twice)
  cmp -s want.rows got.rows ||
    die "$WHAT: $(wc -l < got.rows) rows journaled for $(wc -l < want.rows) sent:" \
      "$(comm -13 want.rows got.rows | wc -l) more than sent, $(comm -23 want.rows got.rows | wc -l) missing"
  ok
}
# complete_groups JOURNAL: every positions record is followed by the data records it announces
complete_groups() {
  $WALK "$1" | awk '$2 == "O" { if (left) bad = 1; left = $4; next }
                    $2 == "D" && left { left-- }
                    END { exit bad || left }' || die "$1 has a group lacking some of its data records"
  ok
}
# pipeline DIR [consume options]: consume --resume-from DIR | tick-log DIR in
# the background; $CPID and $LPID. TICK_LOG_TIME: tick-log's fake clock.
pipeline() {
  local dir=$1; shift
  rm -f pipe; mkfifo pipe
  tick-kafka consume -b "$B" --schema gen.schema --resume-from "$dir" "$@" > pipe 2>> consume.err &
  CPID=$!
  TICK_FAKE_TIME=${TICK_LOG_TIME:-} tick-log "$dir" < pipe > /dev/null 2>> log.err &
  LPID=$!
}
journaled() { tick-cat "$1" 2> /dev/null | wc -l; }
grew() { [ "$(journaled "$1")" -gt "$seen" ]; }

# -- SIGKILL the consumer, then tick-log, mid-stream, three times each, while
# a feed goes on producing; then read to the end.
# (the feed runs until the kills are done, however slow the machine: its
# head is stopped then, and what it wrote is the reference)
mkfifo gen.fifo
tick-gen --rate 8000 --count 100000000 --seed 3 > gen.fifo &
GEN=$!
tee eo.tick < gen.fifo | tick-kafka produce -b "$B" --topic eo 2> produce.err &
PRODUCER=$!
wait_for test -s eo.tick
seen=0
for victim in consume consume consume log log log; do
  pipeline tp --topic eo
  # the kill comes once this run has journaled something (a loaded machine
  # may take a while to start), at a random moment after
  wait_for grew tp
  sleep 0.$((1 + RANDOM % 5))
  if [ $victim = consume ]; then kill -9 $CPID; else kill -9 $LPID; fi
  wait $CPID 2> /dev/null || true
  wait $LPID 2> /dev/null || true
  n=$(journaled tp)
  [ "$n" -gt "$seen" ] || die "a run before the SIGKILL of $victim journaled nothing more ($n rows; consume: $(tail -2 consume.err))"
  ok
  seen=$n
done
kill $GEN
wait $PRODUCER || die "produce: $(cat produce.err)"
pipeline tp --topic eo -e
wait $CPID || die "consume -e after the kills: $(tail -3 consume.err)"
wait $LPID || die "tick-log after the kills: $(tail -3 log.err)"
WHAT="three consumer and three tick-log SIGKILLs" exact eo.tick tp
complete_groups tp/*.tick
expect_match "$(cat consume.err)" "resuming 3 partitions at the positions in tp/" "a restart says where it resumes"
expect_eq "$($WALK tp/*.tick | awk '$2 == "O"' | wc -l | awk '{print ($1 > 6)}')" 1 "the journal has positions records"

# -- The consumer's stream cut inside a group (a SIGKILL mid-write): tick-log
# journals none of that group, says so, and the restart reads it again.
tick-gen --count 6000 --seed 4 > pre.tick
tick-kafka produce -b "$B" --topic pre < pre.tick
tick-kafka consume -b "$B" --topic pre --schema gen.schema --resume-from tp2 -c 2500 2> c.err | tick-log tp2 > /dev/null 2> l.err
expect_match "$(cat c.err)" "tp2: no Kafka positions in its journals: starting at -o \(beginning\)" "a first run says it starts afresh"
tick-kafka consume -b "$B" --topic pre --schema gen.schema --resume-from tp2 -e > rest.tick 2> c.err
# cut just after the first data record of the stream's last group
cut_at=$($WALK rest.tick | awk '$2 == "O" { o = NR } { off[NR] = $1 } END { print off[o + 2] }')
[ "$($WALK rest.tick | awk '$2 == "O" {n = $4} END {print n}')" -gt 1 ] || die "the last group has more than one data record"
head -c "$cut_at" rest.tick > cut.tick
expect_status 0 tick-log tp2 < cut.tick
expect_match "$(cat err)" "ended inside a Kafka consumer's group lacking [0-9]+ of its [0-9]+ data records.*not journaled" \
  "tick-log says the group was not journaled"
complete_groups tp2/*.tick
tick-kafka consume -b "$B" --topic pre --schema gen.schema --resume-from tp2 -e 2> c.err | tick-log tp2 > /dev/null
WHAT="a stream cut inside a group" exact pre.tick tp2

# -- tick-log killed while writing a group (the journal ends inside it): the
# restart cuts the group (kept in FILE.bad) and the consumer reads it again.
tick-kafka produce -b "$B" --topic rec < pre.tick
tick-kafka consume -b "$B" --topic rec --schema gen.schema --resume-from tp3 -c 2500 2> /dev/null | tick-log tp3 > /dev/null
tick-kafka consume -b "$B" --topic rec --schema gen.schema --resume-from tp3 -e 2> /dev/null | tick-log tp3 > /dev/null
j=$(ls tp3/*.tick)
cut_at=$($WALK "$j" | awk '$2 == "O" { o = NR } { off[NR] = $1 } END { print off[o + 2] }')
truncate -s "$cut_at" "$j"
pipeline tp3 --topic rec -e
wait $CPID || die "consume after a journal cut inside a group: $(tail -3 consume.err)"
wait $LPID || die "tick-log: $(tail -3 log.err)"
expect_match "$(tail -5 log.err)" "cut a torn tail of [0-9]+ bytes into $j.bad \(a Kafka consumer's group lacking" \
  "tick-log cuts the group a kill left unfinished"
test -s "$j.bad" || die "the cut group is kept in $j.bad"; ok
complete_groups "$j"
WHAT="a journal ending inside a group" exact pre.tick tp3

# -- The same, found only after the day rolled: yesterday's journal is cut
# too, and the consumer resumes from it.
tick-kafka produce -b "$B" --topic old < pre.tick
TICK_LOG_TIME=2026-11-20T12:00:00Z
export TICK_FAKE_TIME=$TICK_LOG_TIME
tick-kafka consume -b "$B" --topic old --schema gen.schema --resume-from tp4 -c 2500 2> /dev/null | tick-log tp4 > /dev/null
tick-kafka consume -b "$B" --topic old --schema gen.schema --resume-from tp4 -e 2> /dev/null | tick-log tp4 > /dev/null
unset TICK_FAKE_TIME
cut_at=$($WALK tp4/2026-11-20.tick | awk '$2 == "O" { o = NR } { off[NR] = $1 } END { print off[o + 2] }')
truncate -s "$cut_at" tp4/2026-11-20.tick
TICK_LOG_TIME=2026-11-21T12:00:00Z pipeline tp4 --topic old -e
wait $CPID || die "consume after yesterday's journal was cut: $(tail -3 consume.err)"
wait $LPID || die "tick-log: $(tail -3 log.err)"
expect_match "$(cat consume.err)" "resuming [12] partitions? at the positions in tp4/2026-11-20.tick" "positions from yesterday's journal"
complete_groups tp4/2026-11-20.tick
test -s tp4/2026-11-21.tick || die "today's journal"; ok
WHAT="yesterday's journal ending inside a group" exact pre.tick tp4

# -- The day rolls under a live stream; a restart finds the positions in the
# new day's journal.
tick-gen --rate 4000 --count 16000 --seed 5 | tee roll.tick | tick-kafka produce -b "$B" --topic roll 2> /dev/null &
PRODUCER=$!
TICK_LOG_TIME=2026-11-20T23:59:59Z pipeline tp5 --topic roll
sleep 2.5
kill -9 $CPID
wait $CPID 2> /dev/null || true
wait $LPID || die "tick-log across the roll: $(tail -3 log.err)"
test -s tp5/2026-11-21.tick || die "the day rolled mid-stream"; ok
wait $PRODUCER
TICK_LOG_TIME=2026-11-21T00:00:10Z pipeline tp5 --topic roll -e
wait $CPID || die "consume after the roll: $(tail -3 consume.err)"
wait $LPID || die "tick-log: $(tail -3 log.err)"
expect_match "$(cat consume.err)" "resuming [12] partitions? at the positions in tp5/2026-11-21.tick" "positions from the new day's journal"
WHAT="a day roll under the stream" exact roll.tick tp5

# -- Exactly once through a publisher: consume --resume-from DIR | tick-pub
# --to into tick-log --listen DIR, beside a second feed publishing into the
# same journal, with the consumer, its tick-pub --to and tick-log --listen
# each SIGKILLed mid-stream; then read to the end.
port=$(free_port)
listens=0
listen() {  # (re)starts tick-log --listen tp6; $L6
  tick-log tp6 --listen 127.0.0.1:$port < /dev/null > /dev/null 2>> l6.err &
  L6=$!
  listens=$((listens + 1))
  wait_for listening
}
listening() { [ "$(grep -c listening l6.err)" -ge $listens ]; }
# leg [consume options]: the Kafka leg in the background; $C6 (consume), $P6 (tick-pub --to)
leg() {
  rm -f pipe6; mkfifo pipe6
  tick-kafka consume -b "$B" --topic via --schema gen.schema --resume-from tp6 "$@" > pipe6 2>> c6.err &
  C6=$!
  tick-pub --to 127.0.0.1:$port < pipe6 2>> p6.err &
  P6=$!
}
listen
# a local reader of the journal, through every kill and restart of tick-log
tick-sub tp6 --from start > local6.tick 2> local6.err &
LOCAL6=$!
tick-gen --rate 8000 --count 48000 --seed 5 | tee via.tick | tick-kafka produce -b "$B" --topic via 2> produce6.err &
PRODUCER=$!
tick-gen --rate 4000 --count 24000 --seed 6 | tee other.tick | tick-pub --to 127.0.0.1:$port 2> other.err &
OTHER=$!
wait_for test -s via.tick
leg
seen=0
for victim in consume pub log consume log pub; do
  wait_for grew tp6
  sleep 0.$((1 + RANDOM % 5))
  case $victim in
    consume) kill -9 $C6 ;;
    pub) kill -9 $P6 ;;
    log) kill -9 $L6; wait $L6 2> /dev/null || true; listen ;;
  esac
  if [ $victim != log ]; then
    # the leg ends whole before it starts again: its tick-pub --to delivers
    # what it holds of complete groups first (or dies with its consumer)
    wait $C6 2> /dev/null || true
    wait $P6 2> /dev/null || true
    leg
  fi
  n=$(journaled tp6)
  [ "$n" -gt "$seen" ] || die "nothing more journaled before the SIGKILL of $victim ($n rows)"
  ok
  seen=$n
done
wait $PRODUCER || die "produce: $(cat produce6.err)"
kill -TERM $C6  # an orderly stop of the leg: what it read is journaled
wait $C6 || die "consume stopped by SIGTERM: $(tail -3 c6.err)"
wait $P6 || die "tick-pub --to after its consumer's orderly stop: $(tail -3 p6.err)"
leg -e
wait $C6 || die "consume -e after the kills: $(tail -3 c6.err)"
wait $P6 || die "tick-pub --to after the kills: $(tail -3 p6.err)"
wait $OTHER || die "the second feed: $(tail -3 other.err)"
kill -TERM $L6; wait $L6 || die "tick-log --listen: $(tail -3 l6.err)"
wait $LOCAL6 || die "the local reader through the kills: $(tail -3 local6.err)"
expect_eq "$(tick-cat -f json local6.tick | md5sum)" "$(tick-cat -f json tp6/*.tick | md5sum)" \
  "a local reader through three SIGKILLs of tick-log --listen with Kafka groups: the journal's rows"
expect_eq "$($WALK local6.tick | awk '$2 == "O"' | wc -l)" 0 "no positions records to a local reader (as tick-pub serves)"
rows via.tick other.tick > want.rows
rows tp6 > got.rows
cmp -s want.rows got.rows ||
  die "through a publisher: $(wc -l < got.rows) rows journaled for $(wc -l < want.rows) sent:" \
    "$(comm -13 want.rows got.rows | wc -l) more than sent, $(comm -23 want.rows got.rows | wc -l) missing"
ok
complete_groups tp6/*.tick
expect_match "$(cat c6.err)" "resuming 3 partitions at the positions in tp6/" "a restarted leg resumes at the journal's positions"
expect_eq "$($WALK tp6/*.tick | awk '$2 == "O"' | wc -l | awk '{print ($1 > 6)}')" 1 "a publisher's positions are journaled"

# -- A publisher's input cut inside a group (its consumer killed mid-write):
# tick-pub --to says so and ends, the journal has none of that group, and the
# restarted leg reads it again.
port7=$(free_port)
tick-log tp7 --listen 127.0.0.1:$port7 < /dev/null > /dev/null 2> l7.err &
L7=$!
wait_for grep -q listening l7.err
tick-kafka consume -b "$B" --topic pre --schema gen.schema --resume-from tp7 -c 2500 2> /dev/null |
  tick-pub --to 127.0.0.1:$port7 2> p7.err || die "the first leg: $(cat p7.err)"
tick-kafka consume -b "$B" --topic pre --schema gen.schema --resume-from tp7 -e > rest7.tick 2> /dev/null
cut_at=$($WALK rest7.tick | awk '$2 == "O" { o = NR } { off[NR] = $1 } END { print off[o + 2] }')
head -c "$cut_at" rest7.tick > cut7.tick
expect_status 0 tick-pub --to 127.0.0.1:$port7 < cut7.tick
expect_match "$(cat err)" "ended inside a Kafka consumer's group lacking [0-9]+ data records \(not journaled" \
  "tick-pub --to says its input ended inside a group"
wait_for grep -q "ended inside a Kafka consumer's group" l7.err
complete_groups tp7/*.tick
tick-kafka consume -b "$B" --topic pre --schema gen.schema --resume-from tp7 -e 2> /dev/null |
  tick-pub --to 127.0.0.1:$port7 2> p7.err || die "the restarted leg: $(cat p7.err)"
kill -TERM $L7; wait $L7 || die "tick-log --listen: $(tail -3 l7.err)"
WHAT="a publisher's input cut inside a group" exact pre.tick tp7

# -- Hostile group records on tick-log's stdin: each is named by offset, and
# nothing of the unfinished group is journaled.
tick-kafka consume -b "$B" --topic pre --schema gen.schema --resume-from nowhere -c 100 > g.tick 2> /dev/null
$PY - "$HERE" g.tick <<'P'
import struct, sys
sys.path.insert(0, sys.argv[1])
from tickrec import record, header
data = open(sys.argv[2], 'rb').read()
recs, off = [], 0
while off + 16 <= len(data):
    n, t = struct.unpack_from('<IB', data, off + 4)
    recs.append((chr(t), data[off:off + 16 + n]))
    off += 16 + n
ctx = b''.join(r for t, r in recs if t in 'HSY')
d = next(r for t, r in recs if t == 'D')
def positions(n):
    return record('O', struct.pack('<II', n, 1) + struct.pack('<QIH', 5, 0, 3) + b'pre')
open('h_header.tick', 'wb').write(ctx + positions(2) + d + header())
open('h_twice.tick', 'wb').write(ctx + positions(2) + d + positions(1) + d)
open('h_bad.tick', 'wb').write(ctx + record('O', struct.pack('<II', 1, 1000)) + d)
P
for h in "header:a stream header inside the Kafka consumer's group announced at offset [0-9]+" \
         "twice:a positions record while the group announced at offset [0-9]+ lacks 1 of its 2 data records" \
         "bad:positions message too short"; do
  f=h_${h%%:*}.tick
  expect_status 1 tick-log hj_${h%%:*} < $f
  expect_match "$(cat err)" "tick-log: -:[0-9]+: ${h#*:}" "$f: named by offset"
  expect_eq "$(tick-cat hj_${h%%:*} | wc -l)" 0 "$f: nothing of the group journaled"
done

# -- Bad use: text output refused; positions only where tick-log takes them.
expect_status 2 tick-kafka consume -b "$B" --topic pre --schema gen.schema --resume-from tp2 -f json
expect_match "$(cat err)" "--resume-from records the consumer's positions in a tick stream" "--resume-from with text output"
# readers pass positions over: tick-replay's stream has none, and tick-pub serves none
expect_eq "$(tick-replay tp2 | $WALK /dev/stdin | awk '$2 == "O"' | wc -l)" 0 "tick-replay passes positions over"
done_ok
