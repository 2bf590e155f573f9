#!/usr/bin/env bash
# Write-ahead under a crash: SIGKILL tick-log at full speed; everything that
# reached its stdout is in the journal; a restart cuts the torn tail into
# FILE.bad, checks clean and continues the sequence with no gap or repeat.
source "$(dirname "$0")/lib.sh"
export TICK_FAKE_TIME=2026-11-20T12:00:00Z
J=tp/2026-11-20.tick

for fsync in never always; do
  rm -rf tp down.tick
  # Full speed: tick-gen without a rate; kill tick-log while it writes.
  tick-gen --seed 5 --batch 10 --syms 50 | tick-log tp --fsync $fsync > down.tick 2> log.err &
  pid=$!
  for i in $(seq 1 200); do [ -s down.tick ] && [ "$(stat -c %s down.tick)" -gt 2000000 ] && break; sleep 0.05; done
  kill -KILL $pid || die "tick-log was not running"
  wait || true
  d=$(stat -c %s down.tick); j=$(stat -c %s $J)
  [ "$d" -gt 0 ] || die "nothing reached stdout"
  [ "$j" -ge "$d" ] || die "journal ($j bytes) is shorter than what went downstream ($d bytes)"; ok
  # What went downstream is a byte prefix of the journal: every record that
  # reached stdout (even a partial one) is in the file.
  cmp -n "$d" down.tick $J || die "downstream bytes are not the journal's ($fsync)"; ok
done

# The kill may itself land mid-write and leave a torn tail: cut it, so the
# one made below is the only one.
good=$($PY -c '
import struct, sys
d = open(sys.argv[1], "rb").read(); off = 0
while off + 16 <= len(d):
    m, n = struct.unpack_from("<II", d, off)
    if m != 0x4B54A7E1 or off + 16 + n > len(d): break
    off += 16 + n
print(off)' $J)
truncate -s "$good" $J
# A torn tail: the first 40 bytes of a data record, as a crash mid-write leaves.
n_before=$($WALK $J | awk '$2=="D"' | wc -l)
last_seq=$($WALK $J | awk '$2=="D"{s=$5} END{print s}')
expect_eq "$($WALK $J | awk '$2=="D"{print $5}' | awk 'NR!=$1{print "gap at " NR; exit}')" "" "sequence before the crash"
size=$(stat -c %s $J)
first_data=$($WALK $J | awk '$2=="D"{print $1; exit}')
dd if=$J of=torn.bin bs=1 skip="$first_data" count=40 status=none
cat torn.bin >> $J
cp $J before-restart.tick

# Restart, with more input: the tail is cut and kept, the sequence continues.
tick-gen --seed 6 --count 3000 --batch 10 --syms 50 | tick-log tp > down2.tick 2> restart.err
expect_match "$(cat restart.err)" "^tick-log: tp/2026-11-20\.tick:$size: cut a torn tail of 40 bytes into tp/2026-11-20\.tick\.bad \(truncated data record" "torn tail message"
cmp <(tail -c 40 before-restart.tick) tp/2026-11-20.tick.bad || die ".bad does not hold the torn bytes"; ok
expect_status 0 tick-log check $J
seqs=$($WALK $J | awk '$2=="D"{print $5}')
expect_eq "$(echo "$seqs" | awk 'NR!=$1{print "gap or repeat at " NR; exit}')" "" "sequence after restart"
n_new=$($WALK down2.tick | awk '$2=="D"' | wc -l)
[ "$n_new" -ge 300 ] || die "only $n_new records downstream after restart"
expect_eq "$(echo "$seqs" | wc -l)" "$((n_before + n_new))" "records after restart"
expect_eq "$(echo "$seqs" | sed -n "$((last_seq + 1))p")" "$((last_seq + 1))" "first new seq"
# Downstream of the restarted tick-log decodes on its own (it got the context).
expect_eq "$(tick-cat -f json down2.tick | wc -l)" 3000 "rows downstream after restart"
# And the journal holds all the rows: before the crash and after.
expect_eq "$(tick-replay -f json $J | wc -l)" "$(( $(tick-cat -f json before-restart.tick 2>/dev/null | wc -l) + 3000 ))" "rows in the journal"
done_ok
