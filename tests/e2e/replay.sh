#!/usr/bin/env bash
# tick-replay: filters and seq ranges against references from tick-cat;
# --speed paces rows no earlier than their recorded time (and not far later); --follow sees rows appended
# after it started and continues into the next day's file.
source "$(dirname "$0")/lib.sh"
export TICK_FAKE_TIME=2026-11-20T12:00:00Z
tick-gen --seed 11 --count 100000 --batch 50 --syms 500 | tick-log tp > /dev/null
J=tp/2026-11-20.tick
tick-cat -f json $J > all.json

# Filters: the same rows tick-cat selects, and what jq selects from the JSON.
tick-replay -f json -t quote -s S0100,S0200,AAPL $J > f.json
jq -c 'select(.table=="quote" and (.sym=="S0100" or .sym=="S0200" or .sym=="AAPL"))' all.json > f_ref.json
[ -s f_ref.json ] || die "empty reference"
same_files f.json f_ref.json "table and sym filter"
tick-replay -f csv -t trade --from 14:30:30 --to 14:31:00 $J > w.csv
tick-cat -f csv -t trade --from 14:30:30 --to 14:31:00 $J > w_ref.csv
same_files w.csv w_ref.csv "time window as CSV"
expect_eq "$(tail -n +2 w.csv | wc -l)" "$(jq -c 'select(.table=="trade" and .time >= "2026-01-05T14:30:30" and .time <= "2026-01-05T14:31:00.000000000Z")' all.json | wc -l)" "time window rows"
tick-replay -f json --from 2026-01-05T14:31:00Z $J | head -n 1 | jq -e '.time >= "2026-01-05T14:31:00"' > /dev/null || die "ISO --from"; ok

# Seq ranges: the records [a, b] are a byte range of the journal; with the
# stream's context in front, tick-cat decodes the reference.
first_data=$($WALK $J | awk '$2=="D"{print $1; exit}')
a=500; b=900
from=$($WALK $J | awk -v s=$a '$2=="D" && $5==s{print $1}')
to=$($WALK $J | awk -v s=$((b + 1)) '$2=="D" && $5==s{print $1}')
{ head -c "$first_data" $J; tail -c +$((from + 1)) $J | head -c $((to - from)); } > slice.tick || true
tick-cat -f json slice.tick > seq_ref.json
tick-replay -f json --seq-from $a --seq-to $b $J > seq.json
[ -s seq_ref.json ] || die "empty seq reference"
same_files seq.json seq_ref.json "--seq-from/--seq-to"
tick-replay -f tick --seq-from $a --seq-to $b -s AAPL $J | tick-cat -f json > seqsym.json
jq -c 'select(.sym=="AAPL")' seq_ref.json > seqsym_ref.json
same_files seqsym.json seqsym_ref.json "seq range with a sym filter, as tick"

# --speed: 3 s of recorded time replayed at 1x and 3x. Pacing can never
# finish early (the lower bound is tight: the last row is due 2.999 s after
# the first); a slow spell of the shared machine can only make it late, so
# the upper bound is loose (2x): it tells pacing from none, not jitter.
tick-gen --seed 2 --count 3000 --step 1000000 --batch 5 > paced.tick
for speed in 1 3; do
  s=$(date +%s.%N)
  tick-replay --speed $speed paced.tick > /dev/null
  e=$(awk -v a="$s" -v b="$(date +%s.%N)" -v x=$speed 'BEGIN{printf "%.3f", (b - a) * x}')
  awk -v e="$e" 'BEGIN{exit !(e >= 2.95 && e < 6)}' || die "--speed $speed: 3 s recorded took ${e}s scaled"; ok
done
s=$(date +%s.%N)
tick-replay --rate 2000 paced.tick > /dev/null
e=$(awk -v a="$s" -v b="$(date +%s.%N)" 'BEGIN{printf "%.3f", b - a}')
awk -v e="$e" 'BEGIN{exit !(e >= 1.45 && e < 3)}' || die "--rate 2000 for 3000 rows took ${e}s"; ok

# --follow: rows appended after it started, across the day roll into the next file.
mkdir live
tick-gen --rate 500 --duration 4 --syms 5 | TICK_FAKE_TIME=2026-11-23T23:59:58Z tick-log live > /dev/null 2> live.err &
feed=$!
for i in $(seq 1 100); do [ -e live/2026-11-23.tick ] && break; sleep 0.02; done
# (Its "today" is the day tick-log writes: the same replaced clock.)
TICK_FAKE_TIME=2026-11-23T23:59:58Z tick-replay --follow -f json live > followed.json &
follower=$!
wait $feed
sleep 0.5
kill -TERM $follower
wait $follower || die "tick-replay --follow did not exit 0 on SIGTERM"
ok
expect_eq "$(ls live | tr '\n' ' ')" "2026-11-23.tick 2026-11-24.tick " "the feed rolled"
tick-replay -f json live > whole.json
same_files followed.json whole.json "followed output equals the journals"
expect_eq "$(grep -c eod followed.json)" 1 "end of day followed"
n2=$(tick-replay -f json live/2026-11-24.tick | wc -l)
[ "$n2" -gt 100 ] || die "followed only $n2 rows of the next day"; ok

# --follow DIR of a tick-log's journal reads up to the live end tick-log
# publishes, as tick-sub DIR does: a tick-log that dies 24 bytes into a
# record, restarted (cutting the torn tail), is followed on with every row
# once (reading the file's bytes as they came, it read the torn bytes and
# then the restart's as one record: a CRC mismatch).
mkdir torn
tick-gen --seed 5 --count 1000 --batch 10 --syms 10 --start 2026-11-25T12:00:00Z > ta.tick
tick-gen --seed 6 --count 1000 --batch 10 --syms 10 --start 2026-11-25T12:00:00Z > tb.tick
TICK_FAKE_TIME=2026-11-25T12:00:00Z tick-log torn < ta.tick > /dev/null 2> torn1.err
TICK_FAKE_TIME=2026-11-25T12:00:00Z tick-replay --follow -f json torn > tfollow.json 2> tfollow.err &
tf=$!
followed() { [ "$(wc -l < tfollow.json)" -eq "$1" ]; }
wait_for followed 1000
head -c 24 ta.tick >> torn/2026-11-25.tick
sleep 0.3
TICK_FAKE_TIME=2026-11-25T12:00:00Z tick-log torn < tb.tick > /dev/null 2> torn2.err
expect_match "$(cat torn2.err)" "cut a torn tail of 24 bytes" "the restart cut the torn tail"
wait_for followed 2000
kill -TERM $tf
wait $tf || die "tick-replay --follow across a restart: $(cat tfollow.err)"
ok
expect_eq "$(cat tfollow.err)" "" "--follow across a crash and restart says nothing"
tick-replay -f json torn > twhole.json
same_files tfollow.json twhole.json "--follow across a crash and restart: the journal, each row once"
done_ok
