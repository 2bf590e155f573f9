#!/usr/bin/env bash
# 1,000 subscribers on one tick-pub at once (its loop is on epoll): 500
# "from now" connected between two phases of the feed, 500 "from start"
# while the second phase flows (served from the journal, then live). Each
# one receives every data record of the journal from where it started,
# byte for byte, then its end of stream. The client is many_subs.py, which
# reads the framing by hand.
source "$(dirname "$0")/lib.sh"
ulimit -n 8192 2> /dev/null || ulimit -n "$(ulimit -Hn)"
[ "$(ulimit -n)" = unlimited ] || [ "$(ulimit -n)" -ge 2100 ] || die "1,000 subscribers need 2,100 descriptors; ulimit -Hn is $(ulimit -Hn)"
port=$(free_port)
mkfifo feed
tick-log tp < feed 2> log.err | tick-pub -l 127.0.0.1:$port --log tp 2> pub.err &
exec 3> feed
wait_for grep -q listening pub.err
tick-gen --seed 9 --count 5000 --batch 100 --syms 100 >&3
journal_lines_at_least() { [ "$(tick-cat tp 2> /dev/null | wc -l)" -ge "$1" ]; }
wait_for journal_lines_at_least 5000
$PY "$HERE/many_subs.py" 127.0.0.1 $port 500 500 > subs.out 2> subs.err 3>&- &
clients=$!
wait_for grep -q ready subs.out
tick-gen --seed 10 --count 100000 --batch 100 --rate 50000 --syms 100 >&3 &
gen=$!
wait_for grep -q connected subs.out
wait $gen
exec 3>&-
wait $clients || die "the clients: $(cat subs.err)"
expect_eq "$(grep -c '^[ns]' subs.out)" 1000 "a line for each of 1,000 subscribers"
# What each should have: the journal's data records from its first sequence on.
$PY - tp/*.tick subs.out > check.out <<'P' || die "$(cat check.out)"
import hashlib, struct, sys
d = open(sys.argv[1], 'rb').read()
recs, at = [], 0
while at + 16 <= len(d):
    n, t = struct.unpack_from('<IB', d, at + 4)
    if chr(t) == 'D':
        recs.append((struct.unpack_from('<Q', d, at + 24)[0], d[at:at + 16 + n]))
    at += 16 + n
want = {}
def expected(first):
    if first not in want:
        h, c = hashlib.md5(), 0
        for seq, b in recs:
            if seq >= first:
                h.update(b); c += 1
        want[first] = (c, h.hexdigest())
    return want[first]
bad, firsts = [], {'now': set(), 'start': set()}
for line in open(sys.argv[2]):
    if line.startswith(('ready', 'connected')):
        continue
    kind, first, n, md5, eos = line.split()
    first, n = int(first), int(n)
    firsts[kind].add(first)
    if (n, md5) != expected(first) or eos != 'eos':
        bad.append(line.strip())
if bad:
    print('%d subscribers got other than the journal, e.g. %s (want %s)' % (len(bad), bad[0], expected(int(bad[0].split()[1]))))
    sys.exit(1)
print(' '.join('%s:%s' % (k, ','.join(map(str, sorted(v)))) for k, v in sorted(firsts.items())))
P
ok
# the first phase's last sequence number: where its 5000 rows end
p1_last=$($PY - tp/*.tick <<'P'
import struct, sys
d = open(sys.argv[1], 'rb').read()
at, rows, seq = 0, 0, 0
while at + 16 <= len(d) and rows < 5000:
    n, t = struct.unpack_from('<IB', d, at + 4)
    if chr(t) == 'D':
        rows += struct.unpack_from('<I', d, at + 16)[0]
        seq = struct.unpack_from('<Q', d, at + 24)[0]
    at += 16 + n
print(seq)
P
)
expect_eq "$(cat check.out)" "now:$((p1_last + 1)) start:1" \
  "the 500 from now start after the first phase, the 500 from start at seq 1; each got its part of the journal whole"
expect_eq "$(grep -c "cut off\|refused" pub.err || true)" 0 "nobody cut off or refused: $(head -3 pub.err)"
# A regular file on stdin (epoll cannot watch one: it is read as always
# ready): tick-pub reads it to its end and exits 0, no busy wait left.
port2=$(free_port)
expect_status 0 timeout 10 tick-pub -l 127.0.0.1:$port2 < tp/*.tick
done_ok
