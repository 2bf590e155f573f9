#!/usr/bin/env bash
# Subscriptions by table and sym against references from tick-cat; an
# unknown table refused by name; and bad clients (garbage, a half-open
# connection, one that never reads) handled without harming the others.
source "$(dirname "$0")/lib.sh"
RAW="$PY $HERE/rawclient.py"
port=$(free_port)
tick-gen --seed 5 --count 400000 --batch 50 --syms 200 > feed.tick

mkfifo feed
tick-log tp < feed | tick-pub -l :$port -l unix:$WORK/pub.sock --mode 600 --log tp --max-queue 4M --stats 1 2> pub.err &
pub=$!
exec 3> feed
wait_for grep -q "listening on unix" pub.err
expect_eq "$(stat -c %a pub.sock)" 600 "--mode of the Unix socket"

# Bad clients first, so the good ones run beside them.
$RAW silent 127.0.0.1 $port 20 > silent.out 3>&- &
silent=$!
$RAW noread 127.0.0.1 $port 8 > noread.out 3>&- &
noread=$!
expect_eq "$($RAW garbage 127.0.0.1 $port 3>&-)" "closed" "garbage client closed"

tick-sub :$port --from start -t trade -s AAPL,S0100 -f json > ts.json 2> ts.err 3>&- &
s1=$!
tick-sub unix:$WORK/pub.sock --from start -t quote -f csv > q.csv 2> q.err 3>&- &
s2=$!
tick-sub :$port --from start -s S0007 > sym.tick 2> sym.err 3>&- &
s3=$!
tick-sub :$port --from start -f json > all.json 2> all.err 3>&- &
s4=$!
cat feed.tick > feed
expect_status 1 tick-sub :$port -t trade,orders 3>&-
expect_eq "$(cat err)" "tick-sub: :$port: refused: unknown table 'orders'" "unknown table refused"
# The feed stays open until the half-open client has been timed out.
wait $silent; expect_match "$(cat silent.out)" "^closed after 1[0-9] s$" "half-open connection closed after 10 s"
exec 3>&-
for p in $s1 $s2 $s3 $s4; do wait $p || die "a subscriber failed: $(cat ts.err q.err sym.err all.err)"; done
ok
wait $pub || die "tick-pub did not exit 0: $(cat pub.err)"; ok

J=$(ls tp/*.tick)
tick-cat -f json -t trade -s AAPL,S0100 $J > ts_ref.json
same_files ts.json ts_ref.json "table and syms subscription"
tick-cat -f csv -t quote $J > q_ref.csv
same_files q.csv q_ref.csv "table subscription over a Unix socket"
tick-cat -f json sym.tick > sym.json
jq -c 'select(.sym=="S0007")' all.json > sym_ref.json
same_files sym.json sym_ref.json "sym subscription, as a tick stream"
tick-cat -f json $J > all_ref.json
same_files all.json all_ref.json "the whole stream beside the bad clients"

expect_match "$(cat pub.err)" "no subscription within 10 s; closed" "half-open message"
wait $noread
expect_match "$(cat pub.err)" "127\.0\.0\.1:[0-9]+: refused: cut off: its queue passed --max-queue 4194304 bytes" "a client that never reads is cut off"
expect_match "$(cat pub.err)" "not a subscription" "garbage named"
expect_match "$(cat pub.err)" "tick-pub: in [0-9]+ records/s [0-9.]+ [KMG]B/s; seq [0-9]+; [0-9]+ subscribers; 127\.0\.0\.1:[0-9]+ (live|catching up|waiting) queue [0-9]+" "--stats lines"
done_ok
