#!/usr/bin/env bash
# One set of rules for a journal: a restart of tick-log, tick-log check,
# check --repair, info and tick-kafka consume --resume-from read it alike.
# For each rule (a record must frame, fit the context, keep the publishers'
# slots and the Kafka groups), a journal broken by it mid-file: check names
# the record; a restart refuses and sends the operator to check --repair;
# the repair mends what the restart refused, and the restart then goes on
# with every other record. The same record at the end is a torn tail: the
# restart cuts it, at the offset check names.
source "$(dirname "$0")/lib.sh"
export TICK_FAKE_TIME=2026-11-27T09:00:00Z
D=2026-11-27
tick-gen --seed 4 --count 2000 --batch 100 --syms 10 | tick-log tp > /dev/null
tick-replay -f json tp/$D.tick > rows.csv
expect_eq "$(wc -l < rows.csv)" 2000 "the journal's rows"

# forge CASE OUT: the journal with one record broken by a rule, inserted
# after the 5th data record (mid) or appended (tail); prints its offset.
forge() {
  $PY - "$1" "$2" "$3" << EOF
import struct, sys
sys.path.insert(0, '$HERE')
from tickrec import record, crc32c
case, where, out = sys.argv[1:]
data = open('tp/$D.tick', 'rb').read()
recs, at = [], 0
while at < len(data):
    n, typ = struct.unpack_from('<IB', data, at + 4)
    recs.append((at, chr(typ), data[at:at + 16 + n])); at += 16 + n
data_recs = [r for r in recs if r[1] == 'D']
def reframe(raw, payload=None, table=None):
    n, typ, flags, tab = struct.unpack_from('<IBBH', raw, 4)
    return record(chr(typ), raw[16:] if payload is None else payload, tab if table is None else table)
d = data_recs[5][2]
if case == 'framing':     # a data record whose CRC fails
    bad = bytearray(d); bad[40] ^= 0x5a; bad = bytes(bad)
elif case == 'context':   # a data record of a table no schema defined
    bad = reframe(d, table=99)
elif case == 'slots':     # a data record from a publisher slot never declared
    p = bytearray(d[16:]); struct.pack_into('<I', p, 4, 7); bad = reframe(d, bytes(p))
elif case == 'progress':  # a progress record for a slot past 65535
    bad = record('G', struct.pack('<QQII', 42, 0, 70000, 0))
elif case == 'groups':    # a Kafka positions record naming one position and holding none
    bad = record('O', struct.pack('<II', 1, 1))
cut = data_recs[5][0] + len(d) if where == 'mid' else len(data)
open(out, 'wb').write(data[:cut] + bad + data[cut:])
print(cut)
EOF
}

for rule in framing context slots progress groups; do
  off=$(forge $rule mid $rule.tick)
  # check names the record, and so does info.
  expect_status 1 tick-log check $rule.tick
  expect_match "$(head -1 err)" "^tick-log: $rule.tick:$off: " "$rule: check names the record"
  expect_status 1 tick-log info $rule.tick
  expect_match "$(head -1 err)" "^tick-log: $rule.tick:$off: " "$rule: info names the record"
  # A restart refuses it, and says what check says.
  mkdir -p r-$rule && cp $rule.tick r-$rule/$D.tick
  expect_status 1 tick-log r-$rule < /dev/null
  expect_match "$(cat err)" "^tick-log: r-$rule/$D.tick:$off: .*run tick-log check --repair r-$rule/$D.tick$" \
    "$rule: the restart refuses it mid-file"
  # The repair mends what the restart refused.
  expect_status 0 tick-log check --repair r-$rule/$D.tick
  expect_match "$(cat out)" "repaired: .*; the file is sound$" "$rule: repaired"
  expect_status 0 tick-log check r-$rule/$D.tick
  expect_status 0 tick-log r-$rule < /dev/null
  tick-replay -f json r-$rule/$D.tick > r-$rule.csv
  same_files r-$rule.csv rows.csv "$rule: after the repair every row is there, once"
done

# The same records at the end: the restart cuts them where check says.
for rule in framing context slots progress groups; do
  off=$(forge $rule tail t-$rule.tick)
  expect_status 1 tick-log check t-$rule.tick
  expect_match "$(head -1 err)" "^tick-log: t-$rule.tick:$off: " "$rule at the end: check names it"
  mkdir -p rt-$rule && cp t-$rule.tick rt-$rule/$D.tick
  expect_status 0 tick-log rt-$rule < /dev/null
  expect_match "$(cat err)" "rt-$rule/$D.tick" "$rule at the end: the restart says what it cut"
  expect_eq "$(stat -c %s rt-$rule/$D.tick.bad)" "$(( $(stat -c %s t-$rule.tick) - off ))" \
    "$rule at the end: the cut bytes are kept in .bad"
  expect_status 0 tick-log check rt-$rule/$D.tick
done

# tick-kafka consume --resume-from reads the journals as the restart does:
# it refuses the one the restart refuses, before it asks a broker anything.
mkdir -p k && cp groups.tick k/$D.tick && tick-gen --print-schema > s.schema
expect_status 1 tick-kafka consume -b 127.0.0.1:1 --topic quotes --schema s.schema -t quote --resume-from k
expect_match "$(cat err)" "k/$D.tick:[0-9]+: positions message too short; run tick-log check --repair k/$D.tick" \
  "tick-kafka consume --resume-from refuses what the restart refuses"

# A journal being written is read to its live end: tick-log may be in the
# middle of a record there (a write seen in part). tick-replay and tick-ws's
# history give the whole records, and no error.
mkdir -p live
tick-gen --seed 5 --count 1000 --batch 10 --syms 10 > feed.tick
mkfifo livefeed
tick-log live < livefeed > /dev/null 2> live.err &
exec 3> livefeed
cat feed.tick >&3
all_journaled() { [ "$(tick-replay -f json live 2> /dev/null | wc -l)" -eq 1000 ]; }
wait_for all_journaled
head -c 24 feed.tick >> live/$D.tick  # the first 24 bytes of a record
expect_status 0 tick-replay -f json live
expect_eq "$(wc -l < out)" 1000 "tick-replay DIR of a journal being written: its whole records"
expect_eq "$(cat err)" "" "and nothing said"
expect_status 0 tick-replay -f json live/$D.tick
expect_eq "$(wc -l < out)" 1000 "tick-replay FILE of a journal being written: its whole records"
exec 3>&-
done_ok
