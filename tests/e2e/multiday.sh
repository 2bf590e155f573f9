#!/usr/bin/env bash
# Two days' journals whose table and sym ids differ (a day started fresh: a
# restart after midnight, feeds arriving in another order). Every reader
# that goes on from the first file to the second reads each with the ids of
# its own file: tick-cat F1 F2, tick-replay DIR, tick-sub DIR, tick-pub's
# catch-up, in every output format and with filters.
source "$(dirname "$0")/lib.sh"

tick-gen --print-schema > s1.schema; tac s1.schema > s2.schema          # day 2: quote declared first
tick-gen --count 2000 --syms 10 --seed 1 -f json > d1.json
tick-gen --count 2000 --syms 10 --seed 2 -f json | tac > d2.json       # day 2: syms first seen in another order
tick-cat -e --schema s1.schema < d1.json | TICK_FAKE_TIME=2026-03-02T12:00:00Z tick-log tp > /dev/null
# (day 2 started fresh: in a directory of its own, as a tick-log started on
# day 2 in tp would carry day 1's context over)
tick-cat -e --schema s2.schema < d2.json | TICK_FAKE_TIME=2026-03-03T12:00:00Z tick-log tp.2 > /dev/null
mv tp.2/2026-03-03.tick tp.2/.tick.live tp/
F1=tp/2026-03-02.tick; F2=tp/2026-03-03.tick
# The files really do number tables differently (else this tests nothing).
first_table() { head -c 100 "$1" | grep -a -o 'quote\|trade' | head -1; }
expect_eq "$(first_table $F1)" "trade" "day 1 declares trade first (table 0)"
expect_eq "$(first_table $F2)" "quote" "day 2 declares quote first (table 0)"

for f in json table; do
  (tick-cat -f $f $F1; tick-cat -f $f $F2) | grep -v '^table\|^--' > want.$f
  tick-cat -f $f $F1 $F2 | grep -v '^table\|^--' > got.$f || die "tick-cat -f $f F1 F2 failed"
  # (-f table prints a header at each change of table: the rows are the reference)
  same_files got.$f want.$f "tick-cat -f $f F1 F2 against each file alone"
done
# CSV is one table: one header over both files.
for t in trade quote; do
  (tick-cat -f csv -t $t $F1; tick-cat -f csv -t $t $F2 | tail -n +2) > want.$t.csv
  tick-cat -f csv -t $t $F1 $F2 > got.$t.csv || die "tick-cat -f csv -t $t F1 F2 failed"
  same_files got.$t.csv want.$t.csv "tick-cat -f csv -t $t F1 F2: the rows of each file under one header"
done
tick-replay tp -f json > replay.json
(tick-cat -f json $F1; tick-cat -f json $F2) > want.json
same_files replay.json want.json "tick-replay DIR -f json against each file alone"

pairs() { jq -r '[.table,.sym]|@tsv' | sort | uniq -c | tr -s ' \n' ' '; }
want=$( (tick-cat -f json -t trade -s AAPL $F1; tick-cat -f json -t trade -s AAPL $F2) | pairs)
[[ "$want" =~ trade.AAPL ]] || die "no AAPL trades in the reference"; ok
expect_eq "$(tick-replay tp -t trade -s AAPL -f json | pairs)" "$want" "tick-replay DIR -t trade -s AAPL"
expect_eq "$(tick-cat -t trade -s AAPL -f json $F1 $F2 | pairs)" "$want" "tick-cat -t trade -s AAPL F1 F2"
expect_eq "$(timeout 10 tick-sub tp --from start --day 2026-03-02 -t trade -s AAPL 2> /dev/null | tick-cat -f json | pairs)" \
  "$want" "tick-sub DIR --from start -t trade -s AAPL"

# TCP: tick-pub's catch-up from the journal, day 1 then the live day 2.
PP=$(free_port); mkfifo in.fifo; sleep 60 > in.fifo & HOLD=$!
TICK_FAKE_TIME=2026-03-03T13:00:00Z tick-log tp < in.fifo 2> log.err | tick-pub -l 127.0.0.1:$PP --log tp 2> pub.err &
wait_for grep -q listening pub.err
timeout 10 tick-sub 127.0.0.1:$PP --from start --day 2026-03-02 -t trade -s AAPL > tcp.tick 2> sub.err || true
expect_eq "$(tick-cat -f json tcp.tick | pairs)" "$want" "tick-sub ADDR --from start --day D1 -t trade -s AAPL (tick-pub's catch-up)"
kill $HOLD
done_ok
