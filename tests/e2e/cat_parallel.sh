#!/usr/bin/env bash
# tick-cat -e on a large file parses windows of it on two threads: the rows,
# their order, the dictionary, rejected lines and the first failing line's
# number are the same as line by line.
source "$(dirname "$0")/lib.sh"
tick-gen --print-schema > s.schema
tick-gen --seed 3 --count 400000 --syms 3000 -f json > good.json
n=$(wc -l < good.json)
# Bad lines spread through the file (so through both halves of windows).
$PY - good.json > mixed.json <<'PY'
import sys
lines = open(sys.argv[1]).read().splitlines(True)
bad = {1000: '{"table":"trade","time":"nope"}\n', 70000: 'not json\n', 150001: '{"table":"quote","sym":5}\n',
       260000: '{"table":"nosuch"}\n', 399990: '\n'}
out = []
for i, l in enumerate(lines, 1):
    if i in bad: out.append(bad[i])
    out.append(l)
sys.stdout.write("".join(out))
PY
[ "$(stat -c %s good.json)" -gt $((20 << 20)) ] || die "the input is too small to be split"

# All good: every row, in order.
tick-cat -e --schema s.schema good.json > a.tick
tick-cat -f json a.tick > a.json
same_files a.json good.json "rows through two threads"
# The same bytes each run.
tick-cat -e --schema s.schema good.json | cmp -s - a.tick || die "not deterministic"; ok

# Skip mode: the good rows, and each bad line rejected with its own number.
expect_status 0 tick-cat -e --schema s.schema --on-error skip --rejects rej.tsv mixed.json
tick-cat -f json out > b.json
same_files b.json good.json "skip mode keeps every good row in order"
expect_eq "$(cut -f1 rej.tsv | tr '\n' ' ')" "mixed.json:1000 mixed.json:70001 mixed.json:150003 mixed.json:260003 " "rejected line numbers"

# Fail mode: rows before the first bad line, and its number — in either half.
for at in 70000 150001 260000; do
  $PY - good.json $at > one.json <<'PY'
import sys
lines = open(sys.argv[1]).read().splitlines(True)
k = int(sys.argv[2])
sys.stdout.write("".join(lines[:k - 1]) + "not json\n" + "".join(lines[k - 1:]))
PY
  expect_status 1 tick-cat -e --schema s.schema one.json
  expect_match "$(cat err)" "one.json:$at: " "the failing line's number ($at)"
  tick-cat -f json out > c.json
  head -n $((at - 1)) good.json > c_ref.json
  same_files c.json c_ref.json "rows before line $at"
done
done_ok
