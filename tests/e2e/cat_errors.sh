#!/usr/bin/env bash
# Bad input gets one line naming where (file:offset or file:line), exit 1, and
# nothing accepted before it is lost. Never a crash.
source "$(dirname "$0")/lib.sh"

tick-gen --print-schema > s.schema
tick-gen --seed 3 --count 20000 --batch 50 > a.tick
tick-cat -f json a.tick > a.json
size=$(stat -c %s a.tick)

# Garbage.
# (a first byte no text begins with: random bytes may start with "{")
{ printf '\001'; head -c 4999 /dev/urandom; } > g.bin
expect_status 1 tick-cat -f json g.bin
expect_eq "$(cat err)" "tick-cat: g.bin:0: not a tick stream (no record marker)" "garbage message"
expect_eq "$(wc -c < out)" 0 "garbage output"

# Empty input is an empty stream.
: > empty.tick
expect_status 0 tick-cat -f json empty.tick
expect_eq "$(wc -c < out)" 0 "empty output"

# Record offsets from a walk of the framing (16-byte headers, length at +4).
$PY - a.tick > offsets <<'P'
import struct, sys
d = open(sys.argv[1], 'rb').read()
o = 0
while o < len(d):
    ln, typ = struct.unpack_from('<IB', d, o + 4)
    print(o, chr(typ))
    o += 16 + ln
P
data_offsets=$(awk '$2=="D"{print $1}' offsets)
mid=$(echo "$data_offsets" | sed -n 100p)
next=$(echo "$data_offsets" | sed -n 101p)

# Truncated mid-record: everything before the torn record comes out.
head -c $((next + 40)) a.tick > t.tick
expect_status 1 tick-cat -f json t.tick
expect_match "$(cat err)" "^tick-cat: t\.tick:$next: truncated data record: [0-9]+ of [0-9]+ bytes at the end of input$" "torn tail message"
rows=$(wc -l < out)
head -n "$rows" a.json | cmp -s - out || die "rows before the torn tail differ"
expect_eq "$(tick-cat -f json -t trade <(head -c "$next" a.tick) | wc -l)+$(tick-cat -f json -t quote <(head -c "$next" a.tick) | wc -l)" "$(tick-cat -f json -t trade t.tick 2>/dev/null | wc -l)+$(tick-cat -f json -t quote t.tick 2>/dev/null | wc -l)" "rows kept before the torn tail"

# A flipped byte inside record 100: fail mode stops there, naming its offset.
cp a.tick c.tick
printf '\xff' | dd of=c.tick bs=1 seek=$((mid + 40)) conv=notrunc status=none
expect_status 1 tick-cat -f json c.tick
expect_match "$(cat err)" "^tick-cat: c\.tick:$mid: CRC mismatch in data record of [0-9]+ bytes$" "corrupt record message"
before=$(tick-cat -f json <(head -c "$mid" a.tick) | wc -l)
expect_eq "$(wc -l < out)" "$before" "rows before the corrupt record"
# Skip mode reports it, resyncs, and keeps every other record.
expect_status 1 tick-cat -f json --on-error skip c.tick
expect_match "$(cat err)" "^tick-cat: c\.tick:$mid: CRC mismatch in data record of [0-9]+ bytes \(skipped [0-9]+ bytes to the next good record\)$" "skip message"
lost=$(tick-cat -f json <(head -c "$next" a.tick) | wc -l)
expect_eq "$(wc -l < out)" "$((20000 - (lost - before)))" "rows kept around the corrupt record"
# Garbage spliced between two records: skipped, everything else kept.
{ head -c "$mid" a.tick; head -c 777 /dev/urandom; tail -c +$((mid + 1)) a.tick; } > s.tick
expect_status 1 tick-cat -f json --on-error skip s.tick
expect_match "$(cat err)" "^tick-cat: s\.tick:$mid: corrupt data \(no record marker\) \(skipped 777 bytes to the next good record\)$" "spliced garbage message"
same_files out a.json "rows around spliced garbage"

# Unsupported major version: refused with its number, even in skip mode.
$PY - a.tick v.tick <<'P'
import struct, sys
def crc32c(data, crc=0):
    crc ^= 0xffffffff
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xffffffff
d = bytearray(open(sys.argv[1], 'rb').read())
struct.pack_into('<H', d, 16 + 8, 9)          # major version 9
ln = struct.unpack_from('<I', d, 4)[0]
struct.pack_into('<I', d, 12, crc32c(bytes(d[4:12]) + bytes(d[16:16 + ln])))
open(sys.argv[2], 'wb').write(d)
P
expect_status 1 tick-cat -f json --on-error skip v.tick
expect_eq "$(cat err)" "tick-cat: v.tick:0: unsupported tick stream version 9.1 (this build reads 1.x)" "version message"

# Encoding: a bad line names file and line; the lines before it are kept.
head -n 5 a.json > bad.json
echo '{"table":"trade","sym":"X","price":"cheap","size":1}' >> bad.json
tail -n 3 a.json >> bad.json
expect_status 1 tick-cat -e --schema s.schema bad.json
expect_eq "$(cat err)" "tick-cat: bad.json:6: column price: 'cheap' is not a number" "encode error message"
expect_eq "$(tick-cat -f json < out)" "$(head -n 5 a.json)" "rows before the bad line"
# Skip mode: every rejected line lands in the rejects file with its reason.
printf '{"table":"trade","sym":"Y","price":1.5,"size":1.5}\nnot json\n' >> bad.json
expect_status 0 tick-cat -e --schema s.schema --on-error skip --rejects rej.tsv bad.json
expect_eq "$(tick-cat -f json < out | wc -l)" 8 "rows accepted in skip mode"
expect_eq "$(wc -l < rej.tsv)" 3 "rejected lines"
expect_eq "$(cut -f1 rej.tsv | tr '\n' ' ')" "bad.json:6 bad.json:10 bad.json:11 " "rejected line numbers"
expect_eq "$(sed -n 1p rej.tsv | cut -f3-)" '{"table":"trade","sym":"X","price":"cheap","size":1}' "rejected line kept whole"
expect_eq "$(sed -n 2p rej.tsv | cut -f2)" "column size: expected an integer, got a fraction" "rejected reason"
expect_match "$(cat err)" "3 lines rejected" "rejection summary"

# Schema errors name file and line.
printf 'trade time:timestamp sym:symbol price:float\nquote time:timestamp sym:symbol bid:money\n' > bad.schema
expect_status 1 tick-cat -e --schema bad.schema a.json
expect_match "$(cat err)" "^tick-cat: bad\.schema:2: unknown type 'money'" "schema error"
printf 'trade:([]time:`timespan$();sym:`g#`symbol$();price:`float$();size:`int$())\nquote:([]sym:`symbol$())\n' > bad.q
expect_status 1 tick-cat -e --schema bad.q a.json
expect_eq "$(cat err)" "tick-cat: bad.q:2: table quote has no time column" "sym.q error"

# Usage errors exit 2.
expect_status 2 tick-cat --no-such-flag
expect_eq "$(cat err)" "tick-cat: The following argument was not expected: --no-such-flag (see --help)" "an unknown flag"
expect_status 2 tick-cat -e a.json
expect_eq "$(cat err)" "tick-cat: -e needs --schema FILE (see --help)" "-e without a schema"
expect_status 2 tick-cat -f xml a.tick
expect_eq "$(cat err)" "tick-cat: --format: xml not in {tick,json,csv,table,kdb} (see --help)" "an unknown format"
expect_status 1 tick-cat no-such-file.tick
expect_eq "$(cat err)" "tick-cat: no-such-file.tick: No such file or directory" "missing file"

# A closed downstream ends the tool quietly.
set +e
tick-cat -f json a.tick 2> pipe.err | head -n 1 > /dev/null
st=${PIPESTATUS[0]}
set -e
expect_eq "$st" 0 "exit status after SIGPIPE"
expect_eq "$(cat pipe.err)" "" "nothing on stderr after SIGPIPE"

# Never raw bytes on a terminal: table by default, tick refused.
if command -v script > /dev/null; then
  script -qec "tick-cat a.tick" /dev/null > tty.out < /dev/null || die "table on a terminal failed"
  grep -q "^table  time" tty.out || die "no table on a terminal"; ok
  set +e; script -qec "tick-cat -f tick a.tick" /dev/null > tty2.out < /dev/null; st=$?; set -e
  expect_eq "$st" 2 "tick to a terminal refused"
  grep -q "refusing to write a binary tick stream to a terminal" tty2.out || die "no refusal message"; ok
fi

# A large file (mapped, framed and checked on a second thread) and the same
# bytes through a pipe (one thread) give the same rows and the same
# messages, refused and skipped, with corrupt regions in several places.
tick-gen --seed 8 --count 600000 --syms 100 > big.tick
for off in 3000000 9000000 9000040 20000000; do
  printf 'garbage!' | dd of=big.tick bs=1 seek=$off conv=notrunc status=none
done
[ "$(stat -c %s big.tick)" -gt 16000000 ] || die "big.tick is too small to be read on two threads"; ok
for mode in fail skip; do
  set +e
  tick-cat -f json --on-error $mode big.tick > map.csv 2> map.err; ms=$?
  cat big.tick | tick-cat -f json --on-error $mode > pipe.csv 2> pipe.err; ps=$?
  set -e
  expect_eq "$ms" 1 "exit status, mapped ($mode)"
  expect_eq "$ps" 1 "exit status, piped ($mode)"
  same_files map.csv pipe.csv "rows, mapped vs piped ($mode)"
  expect_eq "$(sed 's/big\.tick:/-:/' map.err)" "$(cat pipe.err)" "messages, mapped vs piped ($mode)"
done
expect_eq "$(grep -c 'skipped' map.err)" 3 "three corrupt regions reported"
done_ok
