#!/usr/bin/env bash
# tick-log --listen against hostile and broken publishers, while a real one
# (tick-pub --to) feeds it: each bad client ends its own connection, named,
# with the exact reason; tick-log never exits, stalls or grows; a refused
# publisher leaves nothing in the journal; the journal checks clean and
# holds every row of the real feed exactly once.
source "$(dirname "$0")/lib.sh"
H="$PY $HERE/hostile.py"
port=$(free_port)
rss_kb() { awk '/VmHWM/{print $2}' /proc/$1/status; }
cpu_ticks() { awk '{print $14 + $15}' /proc/$1/stat; }
rows_in() { { tick-log info "$1" 2> /dev/null || true; } | awk '/^  table/{s += $3} END{print s + 0}'; }

export TICK_FAKE_TIME=2026-11-25T10:00:00Z
# A low descriptor limit, for the EMFILE part.
(ulimit -n 64; exec tick-log tp --listen :$port --timeout 3 --max-syms 2000 --max-tables 16 > /dev/null 2> log.err < /dev/null) &
logpid=$!
wait_for grep -q listening log.err
expect_match "$(cat log.err)" "tick-log: listening on 127\.0\.0\.1:$port" "the bound address is logged"
J=tp/2026-11-25.tick

# The real feed: 60k rows, paced over the whole test.
tick-gen --seed 5 --count 60000 --batch 10 --syms 50 --start 2026-01-05T10:00:00Z > feed.tick
tick-replay --rate 2000 feed.tick | tick-pub --to :$port 2> feed.err &
feed=$!
wait_for test -s $J

# 1. A publisher that resets its connection: that connection ends, one line.
expect_eq "$($H reset 127.0.0.1 $port)" "reset sent" "reset client"
sleep 0.3
kill -0 $logpid || die "tick-log died of a reset connection: $(cat log.err)"; ok
expect_match "$(cat log.err)" "tick-log: 127\.0\.0\.1:[0-9]+: read error: Connection reset by peer; closed" "reset named once"
# A real publisher SIGKILLed mid-stream, three times: tick-log goes on.
for i in 1 2 3; do
  tick-gen --seed $((20 + i)) --count 2000000 --batch 100 --syms 50 --rate 200000 --start 2026-01-06T00:00:00Z | tick-pub --to :$port 2> killed$i.err &
  k=$!
  sleep 0.4
  kill -KILL $k 2> /dev/null || die "publisher $i ended before it was killed: $(cat killed$i.err)"; wait $k 2> /dev/null || true
done
sleep 0.3
kill -0 $logpid || die "tick-log died when a publisher was killed: $(cat log.err)"; ok

# 2. zstd's magic, then a stall: refused at once; the feed is journaled meanwhile.
before=$(rows_in $J)
expect_eq "$($H zstd-stall 127.0.0.1 $port 3)" "stalled then closed by the server" "zstd on a connection refused"
expect_match "$(cat log.err)" "127\.0\.0\.1:[0-9]+: zstd-compressed input is not accepted on a connection \(send the stream uncompressed\); closed" "zstd named"
after=$(rows_in $J)
[ "$after" -gt "$before" ] || die "the feed stalled behind the zstd client ($before -> $after rows)"; ok

# 3. Silence, half a header, a stray subscribe: --timeout 3, and a refusal.
$H silent 127.0.0.1 $port 10 > silent.out &
s1=$!
$H half 127.0.0.1 $port 10 > half.out &
s2=$!
expect_match "$($H subscribe 127.0.0.1 $port)" "refused: expected a hello, got a subscribe record \(tick-log --listen takes publishers: tick-pub --to\)" "a subscriber at the publishers' port"
wait $s1 $s2
expect_match "$(cat silent.out)" "^closed after [3-5] s$" "a silent connection closed after --timeout"
expect_match "$(cat half.out)" "^closed after [3-5] s$" "half a record closed after --timeout"
expect_match "$(cat log.err)" ": no hello within 3 s; closed" "silent named"
expect_match "$(cat log.err)" ": a record it started 3 s ago is still incomplete; closed" "half named"

# 4. Claimed sizes: three connections each claiming a 1 GiB record and
# sending 64 MiB are refused at the header; tick-log stays small.
expect_eq "$($H huge 127.0.0.1 $port 3)" "sent; 3 closed by the server" "oversized records refused"
expect_eq "$(grep -c 'data record of 1073741824 bytes is over the limit of 67108864 bytes (--max-record)' log.err)" 3 "each oversized record named"

# 5. A refused publisher leaves nothing behind: its table and 1100 symbols
# came before a corrupt record; too many tables; too many symbols.
expect_match "$($H context-refused 127.0.0.1 $port)" "refused: offset [0-9]+: CRC mismatch in data record" "corrupt record refused"
expect_match "$($H tables 127.0.0.1 $port 4097)" "refused: its stream declares more than 16 tables \(--max-tables\)" "too many tables refused"
expect_match "$($H syms 127.0.0.1 $port 2000000)" "refused: its dictionary passed 2000 symbols \(--max-syms\)" "too many symbols refused"
# Hellos without records declare nothing.
expect_eq "$($H hellos 127.0.0.1 $port 500)" "sent" "hellos"

# 6. Someone else's id: refused while it is connected, and a hello that
# would skip records is refused after it left.
sleep 0.5
id=$($H idof $J -)
[ "$id" != 0 ] || die "no publisher id in the journal"; ok
expect_match "$($H hijack 127.0.0.1 $port $id 999999999)" "refused: publisher [0-9a-f]{16} is already connected from 127\.0\.0\.1:[0-9]+; refused" "a live id refused"

# 7. Out of file descriptors: no spin, the feed goes on, and it recovers.
$H many 127.0.0.1 $port 80 4 > many.out &
many=$!
sleep 1
c0=$(cpu_ticks $logpid); sleep 2; c1=$(cpu_ticks $logpid)
wait $many
[ $((c1 - c0)) -lt 100 ] || die "tick-log spun on EMFILE: $((c1 - c0)) ticks of CPU in 2 s"; ok
# Said once per shortage (the silent ones are timed out meanwhile, which
# ends one), never a line per attempt.
short=$(grep -c 'accept: Too many open files' log.err)
[ "$short" -ge 1 ] && [ "$short" -le 3 ] || die "EMFILE said $short times"; ok
expect_eq "$(grep -E 'accept: Too many|accepting connections again' log.err | uniq -c -w 20 | awk '$1 > 1' | wc -l)" 0 "a shortage said once, then its end"

wait $feed || die "the real publisher failed: $(cat feed.err)"; ok
# After it left: a hello under its id that skips records is refused.
expect_match "$($H hijack 127.0.0.1 $port $id 999999999)" "refused: publisher [0-9a-f]{16} says its next record is 999999999, but the journal has its records only up to [0-9]+; refused" "a skipping hello refused"
# Accepting works again after EMFILE: a new publisher is journaled.
tick-gen --seed 7 --count 1000 --batch 10 --syms 5 --start 2026-01-05T12:00:00Z > late.tick
tick-pub --to :$port < late.tick 2> late.err || die "a publisher after EMFILE failed: $(cat late.err)"
ok
expect_match "$(cat log.err)" "accepting connections again on 127\.0\.0\.1:$port" "recovery said"

kill -0 $logpid || die "tick-log died: $(cat log.err)"; ok
[ "$(rss_kb $logpid)" -lt 200000 ] || die "tick-log peak RSS $(rss_kb $logpid) kB"; ok
kill -TERM $logpid; wait $logpid || die "tick-log did not exit 0"; ok

expect_status 0 tick-log check $J
# Exactly the real feeds' rows (the killed publishers' rows are what they
# got acknowledged: a prefix of each), and nothing of the hostile ones.
tick-replay -f json --from 2026-01-05T10:00:00Z --to 2026-01-05T10:59:59Z $J > got.json
tick-cat -f json feed.tick > want.json
same_files got.json want.json "the real feed's rows, each once, in order"
expect_eq "$(tick-replay -f json --from 2026-01-05T12:00:00Z --to 2026-01-05T12:59:59Z $J | wc -l)" 1000 "the late publisher's rows"
tick-log info $J > info.txt
expect_eq "$(grep -cE 'table +(evil|t[0-9])' info.txt)" 0 "no table of a refused publisher"
expect_eq "$(tick-replay -f json -s EVIL1,RST,S0000001 $J | grep -c '^{"table"')" 0 "no row of a refused publisher"
expect_eq "$(grep -ac 'EVIL1\|S0000001' $J)" 0 "no symbol of a refused publisher"
# Progress records: only publishers that had records journaled (the real
# ones' ids are random 64-bit; the hostile ones' are small).
ids=$($H ids $J -)
expect_match "$ids" "^[0-9]+( [0-9]+){1,4}$" "a slot per publisher with records (feed, killed ones, late)"
expect_eq "$(echo "$ids" | awk '{for (i = 1; i <= NF; i++) if ($i + 0 < 1879049000) print $i}')" "" "no slot for a hostile publisher"
done_ok
