#!/usr/bin/env bash
# tick-kafka consume --resume-from over thousands of partitions with long
# topic names: the positions it writes stay within the format's 1 MiB for a
# positions record (split: the partitions a group does not move go first,
# in records announcing no data), tick-log journals every message once, and
# a restart resumes exactly where the journal says, every partition.
source "$(dirname "$0")/lib.sh"
tick-gen --print-schema > gen.schema
T=$($PY -c "print('t' * 249)")   # Kafka's longest topic name
tick-kafka broker --topics "$T:2500" --address-file b.addr > /dev/null 2> broker.err & BRK=$!
wait_for test -s b.addr
B=$(cat b.addr)
tick-gen --count 30000 --syms 20000 | tick-kafka produce -b $B --topic $T 2> produce.err
rows() { local f; for f in tp/*.tick; do tick-cat -f json "$f"; done | grep -c '^{"table"'; }
for run in 1 2; do
  set +e
  timeout 120 tick-kafka consume -b $B --topic $T --schema gen.schema --resume-from tp -e 2> c$run.err | tick-log tp > /dev/null 2> l$run.err
  st=("${PIPESTATUS[@]}"); set -e
  expect_eq "${st[0]} ${st[1]}" "0 0" "run $run: consume and tick-log exit 0 ($(head -c 300 l$run.err))"
  expect_eq "$(rows)" "30000" "run $run: every message journaled once"
done
# Every positions record within 1 MiB, and the journal names every partition.
$WALK tp/*.tick | awk '$2 == "O"' > o.txt
big=$($PY - tp/*.tick <<'P'
import struct, sys
sys.path.insert(0, sys.argv[0].rsplit('/', 1)[0])
worst, parts = 0, set()
for path in sys.argv[1:]:
    d = open(path, 'rb').read(); off = 0
    while off + 16 <= len(d):
        _, n, typ = struct.unpack_from('<IIB', d, off)
        if chr(typ) == 'O':
            worst = max(worst, n)
            cnt = struct.unpack_from('<I', d, off + 20)[0]; at = off + 24
            for _ in range(cnt):
                nxt, part, tl = struct.unpack_from('<QIH', d, at); parts.add(part); at += 14 + tl
        off += 16 + n
print(worst, len(parts))
P
)
read -r worst nparts <<< "$big"
[ "$worst" -le 1048576 ] || die "a positions record of $worst bytes"; ok
[ "$nparts" -gt 2400 ] || die "the journal's positions name $nparts partitions"; ok
[ "$(wc -l < o.txt)" -gt 1 ] || die "the positions were not split"; ok
expect_match "$(cat c2.err)" "resuming $nparts partitions" "the second run resumes every partition the journal names"
kill $BRK
done_ok
