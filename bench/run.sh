#!/usr/bin/env bash
# make bench: every figure beside the same work done by a peer (or the
# limit) in the same run, as a ratio. Absolute times on a shared 2-core
# machine are noise; the ratios are the figures to quote.
set -euo pipefail
BUILD=$(cd "${1:-build}" && pwd)
BENCH=$(cd "$(dirname "$0")" && pwd)
export PATH="$BUILD:$PATH"
for t in tick-gen tick-cat tick-log tick-replay tick-pub tick-sub tick-eod tick-q tick-kafka tick-ws tick-agg tick-aj kcat bench_latency bench_wake bench_ws_sink jq node zstd /usr/bin/time; do
  command -v "$t" > /dev/null || { echo "bench: $t is missing (run: TICK_DEPS=bench bash scripts/install-deps.sh)" >&2; exit 1; }
done
[ -d "$BENCH/node_modules/@duckdb/node-api" ] || { echo "bench: DuckDB is missing (npm install in bench/)" >&2; exit 1; }
[ -d "$BENCH/node_modules/node-q" ] || { echo "bench: node-q is missing (npm install in bench/)" >&2; exit 1; }
W=$(mktemp -d "${TMPDIR:-/tmp}/tick-bench.XXXXXX")
trap 'set +e; kill $(jobs -p) 2>/dev/null; rm -rf "$W"' EXIT
cd "$W"
RUNS=${BENCH_RUNS:-3}
# BENCH_SCALE=0.1 (or 2): every data size times that (the goals are rates
# and ratios; a small scale gives a quick, noisier run).
sc() { awk -v n="$1" -v s="${BENCH_SCALE:-1}" 'BEGIN { printf "%d", n * s }'; }
NB=$(sc 10000000) NM=$(sc 2000000) NS=$(sc 3000000) NK=$(sc 150000)
# BENCH_ONLY="eod pub": just those sections (cat log pub local eod kdb q kafka agg ws).
want() { [ -z "${BENCH_ONLY:-}" ] || [[ " $BENCH_ONLY " == *" $1 "* ]]; }
ROWS=()

# secs CMD: median wall seconds of $RUNS runs of a shell command; $PRE, if
# set, runs untimed before each.
secs() {
  local ts=()
  for _ in $(seq 1 "$RUNS"); do
    local s e
    [ -z "${PRE:-}" ] || bash -c "$PRE"
    s=$(date +%s.%N); bash -c "$1" > /dev/null; e=$(date +%s.%N)
    ts+=("$(awk -v a="$s" -v b="$e" 'BEGIN{print b - a}')")
  done
  printf '%s\n' "${ts[@]}" | sort -g | sed -n "$(( (RUNS + 1) / 2 ))p"
}
# cpu CMD: median user+sys seconds of one command (not a pipeline).
cpu() {
  local ts=()
  for _ in $(seq 1 "$RUNS"); do
    ts+=("$( { /usr/bin/time -f '%U %S' bash -c "$1" > /dev/null; } 2>&1 | tail -1 | awk '{print $1 + $2}')")
  done
  printf '%s\n' "${ts[@]}" | sort -g | sed -n "$(( (RUNS + 1) / 2 ))p"
}
# both CMD: median wall and median CPU seconds (user + system, of the
# command and what it starts) of $RUNS runs, "WALL CPU"; $PRE as for secs.
both() {
  local out=()
  for _ in $(seq 1 "$RUNS"); do
    [ -z "${PRE:-}" ] || bash -c "$PRE"
    out+=("$(/usr/bin/python3 "$BENCH/wallcpu.py" "$1")")
  done
  local mid=$(( (RUNS + 1) / 2 ))
  echo "$(printf '%s\n' "${out[@]}" | awk '{print $1}' | sort -g | sed -n "${mid}p") $(printf '%s\n' "${out[@]}" | awk '{print $2}' | sort -g | sed -n "${mid}p")"
}
# per_m SECONDS N: CPU milliseconds per million units, "850 ms/M", "12.5 ms/M"
per_m() { awk -v s="$1" -v n="$2" 'BEGIN{v = s * 1e9 / n; printf (v < 100 ? "%.1f ms/M" : "%.0f ms/M"), v}'; }
# row MEASURE TICK PEER RATIO GOAL MET
row() { ROWS+=("$(printf '%s\t%s\t%s\t%s\t%s\t%s' "$@")"); echo "  $1: $2 | $3 | $4" >&2; }
div() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a / b}'; }
ge() { awk -v a="$1" -v b="$2" 'BEGIN{print (a >= b) ? "yes" : "NO"}'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN{print (a <= b) ? "yes" : "NO"}'; }
M() { awk -v a="$1" 'BEGIN{printf "%.2f M", a / 1e6}'; }

echo "bench: generating data in $W" >&2
if want cat || want log || want pub || want local; then
tick-gen --print-schema > s.schema
tick-gen --seed 1 --count $NB --syms 500 --batch 100 > big.tick
tick-gen --seed 2 --count $NM --syms 500 --batch 100 > mid.tick
tick-cat -f json mid.tick > mid.json
NJ=$NM
fi

if want cat; then
echo "bench: tick-cat" >&2
t=$(secs "cat big.tick | tick-cat -f tick | cat > /dev/null")
c=$(secs "cat big.tick | cat | cat > /dev/null")
r=$(div "$c" "$t"); row "tick-cat pass-through, throughput vs cat (pipe middle)" "${t}s" "cat ${c}s" "$r" ">= 0.8" "$(ge "$r" 0.8)"
t=$(secs "tick-cat -e --schema s.schema mid.json")
j=$(secs "jq -c . mid.json")
r=$(div "$j" "$t"); row "JSON encode, speed vs jq -c ." "${t}s" "jq ${j}s" "$r" ">= 20" "$(ge "$r" 20)"
d=$(secs "node $BENCH/duckdb_load.mjs $W/mid.json")
r=$(div "$d" "$t"); row "JSON encode, speed vs DuckDB read_json" "${t}s" "duckdb ${d}s" "$r" "> 1" "$(ge "$r" 1.0001)"
u=$(cpu "tick-cat -e --schema s.schema mid.json")
rs=$(awk -v n=$NJ -v s="$u" 'BEGIN{print n / s}')
row "JSON encode, rows per CPU-second" "$(M "$rs")" "-" "-" ">= 3 M" "$(ge "$rs" 3000000)"
t=$(secs "tick-cat -f csv big.tick")
rs=$(awk -v n=$NB -v t="$t" 'BEGIN{print n / t}')
row "decode to CSV, rows/s" "$(M "$rs")" "-" "-" ">= 5 M" "$(ge "$rs" 5000000)"
fi

if want log; then
echo "bench: tick-log and tick-replay" >&2
export TICK_FAKE_TIME=2026-11-20T12:00:00Z
t=$(secs 'cat big.tick | tick-log $(mktemp -d -p .) --fsync never | cat > /dev/null')
c=$(secs "cat big.tick | cat | cat > /dev/null")
r=$(div "$c" "$t"); row "tick-log pass-through (100-row records), vs cat" "${t}s" "cat ${c}s" "$r" ">= 0.7" "$(ge "$r" 0.7)"
tick-gen --seed 3 --count $NS --syms 500 --batch 1 > single.tick
t=$(secs 'tick-log $(mktemp -d -p .) --fsync never < single.tick')
rs=$(awk -v n=$NS -v t="$t" 'BEGIN{print n / t}')
row "tick-log single-row records/s (kdb+ ~30 k, TorQ 87-174 k)" "$(M "$rs")" "-" "-" ">= 2 M" "$(ge "$rs" 2000000)"
rm -rf tmp.*; tick-log tp --fsync never < big.tick > /dev/null
J=$(ls tp/*.tick)
t=$(secs "tick-replay $J > /dev/null")
c=$(secs "cat $J > /dev/null")
r=$(div "$c" "$t"); row "tick-replay to /dev/null, vs cat of the file" "${t}s" "cat ${c}s" "$r" ">= 0.8" "$(ge "$r" 0.8)"
t=$(secs "tick-replay -s S0042 -f csv $J")
g=$(secs "tick-replay -f csv $J | grep S0042")
r=$(div "$g" "$t"); row "tick-replay -s ONE_SYM -f csv, vs -f csv | grep (500 syms)" "${t}s" "grep ${g}s" "$r" ">= 10" "$(ge "$r" 10)"
unset TICK_FAKE_TIME
fi

port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# fanout_cpu FILE N: tick-pub's CPU seconds serving FILE to N TCP subscribers
fanout_cpu() {  # tick-pub's CPU for one fanout run
  local file=$1 n=$2 p; p=$(port)
  rm -rf feed; mkfifo feed
  /usr/bin/time -f '%U %S' -o pubcpu.raw tick-pub -l :$p < feed 2> /dev/null &
  local pub=$!
  exec 3> feed
  local subs=()
  for i in $(seq 1 "$n"); do
    while :; do tick-sub :$p --no-reconnect > /dev/null 2>&1 3>&- & local pid=$!; sleep 0.05
      kill -0 $pid 2> /dev/null && break; wait $pid 2>/dev/null || true; done
    subs+=($pid)
  done
  sleep 0.3
  cat "$file" >&3; exec 3>&-
  for pid in "${subs[@]}"; do wait $pid || true; done
  wait $pub || true
  awk '{print $1 + $2}' pubcpu.raw
}

if want pub; then
echo "bench: tick-pub" >&2
# fanout FILE NSUBS: seconds for FILE through tick-log | tick-pub to NSUBS
# subscribers writing to /dev/null; leaves tick-pub's CPU seconds in pubcpu.
fanout() {
  local file=$1 n=$2 p; p=$(port)
  rm -rf fo feed; mkfifo feed
  ( /usr/bin/time -f '%U %S' -o pubcpu.raw tick-log fo --fsync never < feed | tick-pub -l :$p 2> /dev/null ) &
  local pipe=$!
  exec 3> feed
  for _ in $(seq 1 50); do tick-sub :$p --no-reconnect --from now > /dev/null 2>&1 < /dev/null 3>&- & break; done
  local subs=()
  for i in $(seq 1 "$n"); do
    while :; do tick-sub :$p --no-reconnect > /dev/null 2> sub.err 3>&- & local pid=$!; sleep 0.05
      kill -0 $pid 2> /dev/null && break; wait $pid 2>/dev/null || true; done
    subs+=($pid)
  done
  sleep 0.3
  local s e; s=$(date +%s.%N)
  cat "$file" >&3; exec 3>&-
  for pid in "${subs[@]}"; do wait $pid || true; done
  e=$(date +%s.%N)
  wait $pipe || true
  kill $(jobs -p) 2> /dev/null || true
  awk -v a="$s" -v b="$e" 'BEGIN{print b - a}'
}
tick-gen --seed 4 --count $NM --syms 500 --batch 1 > pub1.tick
t=$(fanout pub1.tick 1)
rs=$(awk -v n=$NM -v t="$t" 'BEGIN{print n / t}')
row "tick-log | tick-pub | tick-sub, single-row messages/s" "$(M "$rs")" "kdb+ ~0.03 M" "-" ">= 1 M" "$(ge "$rs" 1000000)"
t=$(fanout big.tick 1)
rs=$(awk -v n=$NB -v t="$t" 'BEGIN{print n / t}')
row "tick-log | tick-pub | tick-sub, rows/s in 100-row records" "$(M "$rs")" "TorQ ~2 M" "-" ">= 20 M" "$(ge "$rs" 20000000)"
c1=$(fanout_cpu big.tick 1); c10=$(fanout_cpu big.tick 10)
r=$(div "$c10" "$c1"); row "tick-pub CPU, 10 subscribers vs 1" "${c10}s" "1 sub ${c1}s" "$r" "<= 2" "$(le "$r" 2)"
# The floor under that: the kernel's own cost of the same fan-out, for a
# sender that only reads the file and writes it to plain TCP readers.
floor() { for _ in $(seq 1 "$RUNS"); do /usr/bin/python3 "$BENCH/fanout_floor.py" big.tick "$1"; done | sort -g | sed -n "$(( (RUNS + 1) / 2 ))p"; }
f1=$(floor 1); f10=$(floor 10)
r=$(div "$f10" "$f1"); row "  the kernel's floor: a bare sender's CPU, 10 TCP readers vs 1" "${f10}s" "1 reader ${f1}s" "$r" "-" "-"
# The same as CPU per million rows delivered, beside the bare sender's.
r=$(div "$f10" "$c10"); row "  tick-pub CPU per million rows delivered, 10 subscribers, vs the bare sender" "$(per_m "$c10" $((10 * NB)))" "sender $(per_m "$f10" $((10 * NB)))" "$r" "-" "-"
r=$(div "$f1" "$c1"); row "  the same, 1 subscriber" "$(per_m "$c1" "$NB")" "sender $(per_m "$f1" "$NB")" "$r" "-" "-"

p=$(port); rm -rf lt
tick-gen --rate 100000 --batch 1 --syms 100 --duration 6 | tick-log lt --fsync never | tick-pub -l :$p 2> /dev/null &
sleep 0.3
lat=$(tick-sub :$p --no-reconnect 2> /dev/null | bench_latency)
wait || true
read -r n p50 p99 p999 mx <<< "$lat"
row "feed-to-subscriber latency at 100 k msg/s, p50 / p99 us" "$p50 / $p99" "kdb+ ~100 median" "-" "p99 < 100" "$(awk -v a="$p99" 'BEGIN{print (a < 100) ? "yes" : "NO"}')"
fi

if want local; then
echo "bench: local subscribers (tick-sub DIR)" >&2
med() { sort -g | sed -n "$(( (RUNS + 1) / 2 ))p"; }
# localcpu N: tick-log's CPU seconds journaling big.tick while N local
# subscribers (tick-sub DIR --from start) read the journal as it grows.
localcpu() {
  for _ in $(seq 1 "$RUNS"); do
    rm -rf lc feed; mkfifo feed
    /usr/bin/time -f '%U %S' -o lcpu.raw tick-log lc --fsync never < feed > /dev/null &
    local log=$! subs=()
    exec 3> feed
    while [ ! -s lc/.tick.live ]; do sleep 0.01; done
    for _ in $(seq 1 "$1"); do tick-sub lc --from start > /dev/null 2>&1 3>&- & subs+=($!); done
    sleep 0.3
    cat big.tick >&3; exec 3>&-
    wait $log; for p in "${subs[@]}"; do wait $p || true; done
    awk '{print $1 + $2}' lcpu.raw
  done | med
}
c1=$(localcpu 1); c10=$(localcpu 10)
t1=$(fanout_cpu big.tick 1); t10=$(fanout_cpu big.tick 10)
r=$(div "$c10" "$c1"); row "tick-log CPU, 10 local subscribers vs 1 (TCP: tick-pub $(div "$t10" "$t1")x)" "${c10}s" "1 sub ${c1}s" "$r" "<= 1.1" "$(le "$r" 1.1)"
# A local reader that stops (SIGSTOP) costs tick-log nothing: its time to
# journal big.tick with one stopped reader attached, against none.
journal_secs() {  # journal_secs 0|1
  for _ in $(seq 1 "$RUNS"); do
    rm -rf sl feed; mkfifo feed
    tick-log sl --fsync never < feed > /dev/null &
    local log=$! r=
    exec 3> feed
    while [ ! -s sl/.tick.live ]; do sleep 0.01; done
    if [ "$1" = 1 ]; then
      tick-sub sl --from start > /dev/null 2>&1 3>&- & r=$!
      sleep 0.2; kill -STOP $r
    fi
    local s e; s=$(date +%s.%N)
    cat big.tick >&3; exec 3>&-; wait $log
    e=$(date +%s.%N)
    [ -z "$r" ] || { kill -9 $r; wait $r 2> /dev/null || true; }
    awk -v a="$s" -v b="$e" 'BEGIN{print b - a}'
  done | med
}
s1=$(journal_secs 1); s0=$(journal_secs 0)
r=$(div "$s0" "$s1"); row "tick-log's speed with a stopped local reader vs none" "${s1}s" "none ${s0}s" "$r" ">= 0.9" "$(ge "$r" 0.9)"
# Ten local subscribers reading the whole journal at once, against ten
# cats of it: the rows each one gets a second.
J=$(ls lc/*.tick)
t=$(secs "for i in 1 2 3 4 5 6 7 8 9 10; do tick-sub lc --from start > /dev/null & done; wait")
c=$(secs "for i in 1 2 3 4 5 6 7 8 9 10; do cat $J > /dev/null & done; wait")
rs=$(awk -v n=$NB -v t="$t" 'BEGIN{print n / t}')
r=$(div "$c" "$t"); row "rows/s to each of 10 local subscribers at once (100-row records), vs 10 cats" "$(M "$rs")" "cat $(M "$(div $NB "$c")")" "$r" ">= 50 M, 0.8" "$(awk -v a="$rs" -v r="$r" 'BEGIN{print (a >= 50e6 && r >= 0.8) ? "yes" : "NO"}')"
# Feed-to-subscriber latency at 100 k single-row messages a second: the
# floor (nothing between the feed and the measurer), two pipes' hops (cat |
# cat: as many processes between them as tick-log and tick-sub), a local
# subscriber, and a TCP one through tick-pub.
gen() { tick-gen --rate 100000 --batch 1 --syms 100 --duration 5; }
read -r _ f50 f99 _ < <(gen | bench_latency)
read -r _ k50 k99 _ < <(gen | cat | cat | bench_latency)
rm -rf ll; gen | tick-log ll --fsync never > /dev/null &
while [ ! -s ll/.tick.live ]; do sleep 0.01; done
read -r _ l50 l99 _ < <(tick-sub ll --from start | bench_latency); wait
p=$(port); rm -rf lt
gen | tick-log lt --fsync never | tick-pub -l :$p 2> /dev/null &
sleep 0.3
read -r _ n50 n99 _ < <(tick-sub :$p --no-reconnect 2> /dev/null | bench_latency); wait
r=$(div "$l99" "$f99")
row "feed-to-subscriber latency, local, p50 / p99 us (at 100 k msg/s)" "$l50 / $l99" "floor $f50 / $f99" "$r" "<= 2x" "$(awk -v a="$l50" -v b="$l99" -v c="$f50" -v d="$f99" 'BEGIN{print (a <= 2 * c && b <= 2 * d) ? "yes" : "NO"}')"
row "  two pipe hops (gen | cat | cat | measurer), p50 / p99 us" "$k50 / $k99" "-" "$(div "$l99" "$k99")" "-" "-"
row "  TCP through tick-pub, p50 / p99 us" "$n50 / $n99" "-" "$(div "$n99" "$f99")" "-" "-"
# How a waiting reader is woken: the futex of the live end, or inotify.
read -r _ w50 w99 _ < <(bench_wake futex 20000 10000)
read -r _ i50 i99 _ < <(bench_wake inotify 20000 10000)
r=$(div "$i99" "$w99"); row "a waiting reader woken, futex vs inotify, p50 / p99 us" "$w50 / $w99" "inotify $i50 / $i99" "$r" ">= 1 (keep)" "$(ge "$r" 1)"
fi

if want eod; then
echo "bench: tick-eod and the HDB" >&2
# A 10M-row day over 6.5 hours, 500 syms.
ED=2026-11-20; EN=$NB
tick-gen --seed 5 --count $EN --syms 500 --batch 100 --start ${ED}T09:30:00Z --step $(awk -v s="${BENCH_SCALE:-1}" 'BEGIN { printf "%d", 2340000 / s }') > $ED.tick
# eod COMPRESS [FLAGS]: median seconds of tick-eod into a fresh HDB; peak RSS (KiB) in eod.rss.
eod() {
  local c=$1; shift
  # Each run starts with the disk idle: what earlier sections wrote is synced.
  t=$(PRE=sync secs "d=\$(mktemp -d -p .) && tick-eod --hdb \$d --compress $c $* $ED.tick 2> /dev/null")
  d=$(mktemp -d -p .); /usr/bin/time -f %M -o eod.rss tick-eod --hdb "$d" --compress "$c" "$@" $ED.tick 2> /dev/null
  rm -rf tmp.*
  echo "$t"
}
t=$(eod none); rss_none=$(cat eod.rss)
rs=$(awk -v t="$t" -v n=$EN 'BEGIN{print n / t}')
row "tick-eod --compress none (fsync'd), rows/s (kdb+ ~5-7 M)" "$(M "$rs")" "-" "-" ">= 20 M" "$(ge "$rs" 20000000)"
# The disk's part: the same bytes merely copied and synced.
dd=$(PRE=sync secs "dd if=$ED.tick of=copy.tick bs=4M conv=fsync status=none"); rm -f copy.tick
r=$(div "$t" "$dd"); row "  the same, time vs a durable copy of the journal (dd conv=fsync)" "${t}s" "dd ${dd}s" "$r" "-" "-"
t=$(eod none --no-sync)
rs=$(awk -v t="$t" -v n=$EN 'BEGIN{print n / t}')
row "tick-eod --compress none --no-sync, rows/s" "$(M "$rs")" "-" "-" ">= 20 M" "$(ge "$rs" 20000000)"
t=$(eod zstd:1); rss_zstd=$(cat eod.rss)
rs=$(awk -v t="$t" -v n=$EN 'BEGIN{print n / t}')
row "tick-eod --compress zstd:1 (fsync'd), rows/s" "$(M "$rs")" "-" "-" "-" "-"
z=$(secs "zstd -1 -q -f $ED.tick -o j.zst")
r=$(div "$t" "$z"); row "tick-eod zstd:1 (fsync'd), time vs zstd -1 of the journal" "${t}s" "zstd ${z}s" "$r" "<= 2" "$(le "$r" 2)"
t=$(eod zstd:1 --no-sync)
r=$(div "$t" "$z"); row "tick-eod zstd:1 --no-sync, time vs zstd -1 of the journal" "${t}s" "zstd ${z}s" "$r" "<= 2" "$(le "$r" 2)"
row "tick-eod peak RSS, none / zstd:1 (journal $(( $(stat -c %s $ED.tick) >> 20 )) MiB)" "$((rss_none / 1024)) / $((rss_zstd / 1024)) MiB" "kdb+ ~4x the day" "-" "bounded" "-"

# One sym, one hour, as CSV: against the whole hour, and against DuckDB
# answering from its own database file, loaded beforehand.
mkdir hq; tick-eod --hdb hq $ED.tick 2> /dev/null
tick-cat -t trade -f csv $ED.tick > trade.csv
S=$(sed -n 2p trade.csv | cut -d, -f2)
node "$BENCH/duckdb_hdb.mjs" load "$W/t.duckdb" "$W/trade.csv" > /dev/null
Q="tick-replay --hdb hq --date $ED -t trade --from 10:00 --to 11:00 -f csv"
t=$(secs "$Q -s $S > q.csv")
a=$(secs "$Q > all.csv")
r=$(div "$a" "$t"); row "tick-replay --hdb one sym one hour (CSV), vs all 500 syms" "${t}s" "all ${a}s" "$r" ">= 20" "$(ge "$r" 20)"
DQ="node $BENCH/duckdb_hdb.mjs query $W/t.duckdb $S '$ED 10:00:00' '$ED 11:00:00' $W/d.csv"
d=$(secs "$DQ")
r=$(div "$d" "$t"); row "the same one-sym hour, vs DuckDB (node process)" "${t}s" "duckdb ${d}s" "$r" "> 1" "$(ge "$r" 1.0001)"
dq=$(bash -c "$DQ" | awk '{printf "%.4f", $1 / 1000}')
r=$(div "$dq" "$t"); row "  vs DuckDB's query alone (COPY, database open)" "${t}s" "duckdb ${dq}s" "$r" "> 1" "$(ge "$r" 1.0001)"
[ "$(wc -l < q.csv)" = "$(wc -l < d.csv)" ] || echo "bench: WARNING: tick $(wc -l < q.csv) lines, DuckDB $(wc -l < d.csv)" >&2
/usr/bin/time -f %M -o q.rss bash -c "$Q -s $S > q.csv"
/usr/bin/time -f %M -o d.rss bash -c "$DQ > /dev/null"
row "query peak RSS, tick / DuckDB" "$(( $(cat q.rss) / 1024 )) MiB" "$(( $(cat d.rss) / 1024 )) MiB" "-" "-" "-"
fi

if want kdb; then
echo "bench: kdb+'s files" >&2
# A tick.q journal of 2M rows in 10-row messages (a feed's batches), 500 syms.
tick-gen --print-schema > s.schema
tick-gen --seed 7 --count $NM --syms 500 --batch 10 --start 2026-11-20T09:30:00Z --step 10000000 > kj.tick
tick-cat -f kdb kj.tick > sym2026.11.20
KB=$(stat -c %s sym2026.11.20)
t=$(secs "tick-cat --schema s.schema -f tick sym2026.11.20 | cat > /dev/null")
c=$(secs "cat sym2026.11.20 | cat > /dev/null")
r=$(div "$c" "$t"); row "kdb+ journal to a tick stream, MB/s vs cat (pipe middle)" "$(awk -v b="$KB" -v t="$t" 'BEGIN{printf "%.0f MB/s", b / t / 1e6}')" "cat $(awk -v b="$KB" -v t="$c" 'BEGIN{printf "%.0f MB/s", b / t / 1e6}')" "$r" ">= 0.5" "$(ge "$r" 0.5)"
n=$(node "$BENCH/nodeq_journal.js" sym2026.11.20 | awk '{print $2}')
r=$(div "$n" "$t"); row "kdb+ journal decoded, rows/s vs node-q's decoder" "$(M "$(awk -v n=$NM -v t="$t" 'BEGIN{print n / t}')")" "node-q $(M "$(awk -v n=$NM -v t="$n" 'BEGIN{print n / t}')")" "$r" ">= 20" "$(ge "$r" 20)"
# The floor under both rows: the same rows already a tick stream, passed
# through tick-cat into the same pipe (no journal to read or convert).
f=$(secs "tick-cat -f tick kj.tick | cat > /dev/null")
r=$(div "$n" "$f"); row "  the floor: the same rows as a tick stream through tick-cat, vs node-q" "$(M "$(awk -v n=$NM -v t="$f" 'BEGIN{print n / t}')")" "node-q $(M "$(awk -v n=$NM -v t="$n" 'BEGIN{print n / t}')")" "$r" "-" "-"
# tick-eod --format kdb against tick's own layout, uncompressed, both fsync'd.
ED=2026-11-20
tick-gen --seed 5 --count $NB --syms 500 --batch 100 --start ${ED}T09:30:00Z --step $(awk -v s="${BENCH_SCALE:-1}" 'BEGIN { printf "%d", 2340000 / s }') > $ED.tick
k=$(PRE=sync secs "d=\$(mktemp -d -p .) && tick-eod --format kdb --hdb \$d $ED.tick 2> /dev/null")
o=$(PRE=sync secs "d=\$(mktemp -d -p .) && tick-eod --compress none --hdb \$d $ED.tick 2> /dev/null")
rm -rf tmp.*
r=$(div "$o" "$k"); row "tick-eod --format kdb, rows/s vs tick's layout (none, fsync'd)" "$(M "$(awk -v n=$NB -v t="$k" 'BEGIN{print n / t}')")" "tick $(M "$(awk -v n=$NB -v t="$o" 'BEGIN{print n / t}')")" "$r" ">= 0.8" "$(ge "$r" 0.8)"
# One sym, one hour: q's HDB against tick's own, the same rows.
tick-eod --format kdb --hdb kq $ED.tick 2> /dev/null
tick-eod --compress none --hdb kt $ED.tick 2> /dev/null
S=$(tick-cat -t trade -f csv $ED.tick | sed -n 2p | cut -d, -f2)
QQ="tick-replay --hdb kq --date $ED -t trade -s $S --from 10:00 --to 11:00 -f csv"
QT="tick-replay --hdb kt --date $ED -t trade -s $S --from 10:00 --to 11:00 -f csv"
q=$(secs "$QQ > kq.csv"); t=$(secs "$QT > kt.csv")
[ "$(wc -l < kq.csv)" = "$(wc -l < kt.csv)" ] || echo "bench: WARNING: q's HDB $(wc -l < kq.csv) lines, tick's $(wc -l < kt.csv)" >&2
r=$(div "$t" "$q"); row "one sym one hour from q's HDB, vs tick's HDB (none)" "${q}s" "tick ${t}s" "$r" ">= 0.5" "$(ge "$r" 0.5)"
fi

if want q; then
echo "bench: tick-q (kdb+ IPC) and node-q subscribers" >&2
# A stream of 2M rows in 100-row records into tick-q through a fifo, to N
# node-q subscribers (their upd events, as a q RDB takes them): seconds
# until all have every row; tick-q's CPU seconds left in qcpu.raw.
NQ=$(sc 2000000)
tick-gen --print-schema > s.schema
tick-gen --seed 8 --count $NQ --syms 500 --batch 100 > q.tick
qfan() {
  local n=$1 p; p=$(port)
  rm -f qfeed; mkfifo qfeed
  /usr/bin/time -f '%U %S' -o qcpu.raw tick-q -l 127.0.0.1:$p --schema s.schema --max-queue 4G < qfeed 2> q.err &
  local q=$! subs=()
  exec 3> qfeed
  until grep -q listening q.err; do sleep 0.05; done
  for i in $(seq 1 "$n"); do node "$BENCH/nodeq_sub.js" count $p $NQ > /dev/null 2> qsub$i.err 3>&- & subs+=($!); done
  for i in $(seq 1 "$n"); do until grep -q subscribed qsub$i.err; do sleep 0.05; done; done
  local s e; s=$(date +%s.%N)
  cat q.tick >&3
  for pid in "${subs[@]}"; do wait $pid; done
  e=$(date +%s.%N)
  exec 3>&-; wait $q
  echo "$(awk -v a="$s" -v b="$e" 'BEGIN{print b - a}') $(awk '{print $1 + $2}' qcpu.raw)"
}
med() { sort -g | sed -n "$(( (RUNS + 1) / 2 ))p"; }
for _ in $(seq 1 "$RUNS"); do qfan 1; done > q1.runs
for _ in $(seq 1 "$RUNS"); do qfan 10; done > q10.runs
t1=$(awk '{print $1}' q1.runs | med); c1=$(awk '{print $2}' q1.runs | med)
t10=$(awk '{print $1}' q10.runs | med); c10=$(awk '{print $2}' q10.runs | med)
row "tick-q to 1 node-q subscriber, rows/s delivered" "$(M "$(awk -v n=$NQ -v t="$t1" 'BEGIN{print n / t}')")" "-" "-" "-" "-"
r=$(awk -v a="$t1" -v b="$t10" 'BEGIN{printf "%.2f", 10 * a / b}')
row "tick-q to 10 node-q subscribers, rows/s delivered (all), vs 1" "$(M "$(awk -v n=$NQ -v t="$t10" 'BEGIN{print 10 * n / t}')")" "1 sub $(M "$(awk -v n=$NQ -v t="$t1" 'BEGIN{print n / t}')")" "$r" "-" "-"
r=$(div "$c10" "$c1"); row "tick-q CPU, 10 node-q subscribers vs 1 (kdb+ 9x)" "${c10}s" "1 sub ${c1}s" "$r" "<= 2" "$(le "$r" 2)"
# The floor under that: the kernel's copy of the same bytes to 10 TCP
# readers against 1, for a sender that does nothing else.
tick-cat -f kdb q.tick > q.kdb
floor() { for _ in $(seq 1 "$RUNS"); do /usr/bin/python3 "$BENCH/fanout_floor.py" q.kdb "$1"; done | med; }
f1=$(floor 1); f10=$(floor 10)
r=$(div "$f10" "$f1"); row "  the kernel's floor: a bare sender of those bytes, 10 TCP readers vs 1" "${f10}s" "1 reader ${f1}s" "$r" "-" "-"
r=$(div "$f10" "$c10"); row "  tick-q CPU per million rows delivered, 10 subscribers, vs the bare sender" "$(per_m "$c10" $((10 * NQ)))" "sender $(per_m "$f10" $((10 * NQ)))" "$r" "-" "-"
# Feed to subscriber: one paced feed through tick-log | tick-pub, to
# tick-sub (its own latency) and to tick-sub | tick-q | a node-q subscriber.
p=$(port); pq=$(port); rm -rf qlt
tick-gen --rate 20000 --batch 1 --syms 100 --duration 8 | tick-log qlt --fsync never | tick-pub -l :$p 2> /dev/null &
sleep 0.3
(tick-sub :$p --no-reconnect 2> /dev/null | tick-q -l 127.0.0.1:$pq 2> ql.err) &
(tick-sub :$p --no-reconnect 2> /dev/null | bench_latency > lat.tick) &
until grep -q listening ql.err; do sleep 0.05; done
node "$BENCH/nodeq_sub.js" latency $pq 7 > lat.q 2> /dev/null
wait || true
read -r _ tp50 tp99 _ < lat.tick
read -r _ qp50 qp99 _ < lat.q
r=$(div "$qp50" "$tp50")
row "feed to a q subscriber (tick-q, node-q) at 20 k msg/s, p50 / p99 us" "$qp50 / $qp99" "tick-sub $tp50 / $tp99" "$r" "-" "-"
fi

if want kafka; then
echo "bench: tick-kafka" >&2
# One broker for all (librdkafka's mock cluster on loopback): the same
# broker, the same topic, the same messages for tick-kafka and its peers.
# The mock keeps a bounded history: the topic is sized to fit it, and the
# count is what the topic holds.
tick-gen --print-schema > ks.schema
tick-gen --seed 4 --count $NK --syms 500 > k.tick
tick-cat k.tick > k.json
topics=kc:8,lat1:4,lat2:4; for i in $(seq 1 $((RUNS * 6))); do topics+=",kp$i:8,kq$i:8,kb$i:8"; done
tick-kafka broker --topics "$topics" --address-file kb.addr > /dev/null 2> kb.err &
while [ ! -s kb.addr ]; do sleep 0.1; done
B=$(cat kb.addr)
kcat -b "$B" -P -t kc -l k.json
NK=$(kcat -b "$B" -C -t kc -e -q | wc -l)
# Each figure with its CPU beside it: the tool's own (user + system) per
# million messages or rows, against the peer's in the same run.
# (a run is ~0.1 s: more of them for the medians)
KR=$((2 * RUNS + 1))
read -r t tc <<< "$(RUNS=$KR both "tick-kafka consume -b $B --topic kc --schema ks.schema -e > /dev/null")"
read -r k kc <<< "$(RUNS=$KR both "kcat -b $B -C -t kc -e -q > /dev/null")"
r=$(div "$k" "$t"); row "tick-kafka consume -e (JSON parsed), msgs/s vs kcat -C (raw)" "$(M "$(div "$NK" "$t")")" "kcat $(M "$(div "$NK" "$k")")" "$r" ">= 1.5" "$(ge "$r" 1.5)"
read -r k10 k10c <<< "$(RUNS=$KR both "kcat -b $B -C -t kc -e -q -X fetch.wait.max.ms=10 > /dev/null")"
r=$(div "$k10" "$t"); row "  vs kcat -C -X fetch.wait.max.ms=10 (tick-kafka's default)" "$(M "$(div "$NK" "$t")")" "kcat $(M "$(div "$NK" "$k10")")" "$r" ">= 1" "$(ge "$r" 1)"
r=$(div "$k10c" "$tc"); row "  CPU per million messages, vs kcat -C (fetch wait 10)" "$(per_m "$tc" "$NK")" "kcat $(per_m "$k10c" "$NK")" "$r" ">= 1" "$(ge "$r" 1)"
# the broker's limit: three kcat consumers at once (at tick-kafka's fetch wait)
k3=$(secs "for i in 1 2 3; do kcat -b $B -C -t kc -e -q -X fetch.wait.max.ms=10 > /dev/null & done; wait")
row "  the broker's limit: 3 kcat -C (fetch wait 10) at once, msgs/s in all" "-" "$(M "$(awk -v n="$NK" -v t="$k3" 'BEGIN{print 3 * n / t}')")" "-" "-" "-"
read -r p pc <<< "$(both "/usr/bin/python3 $BENCH/kafka_bridge.py $B kc $NK")"
r=$(div "$p" "$t"); row "tick-kafka consume vs the Python bridge (kafka-python, json.loads)" "${t}s" "python ${p}s" "$r" ">= 15" "$(ge "$r" 15)"
r=$(div "$pc" "$tc"); row "  CPU per million messages, vs the Python bridge" "$(per_m "$tc" "$NK")" "python $(per_m "$pc" "$NK")" "$r" "-" "-"
# Producing: four times the rows (not read back, so not bounded by the
# broker's history), each run to a topic of its own.
NP=$((4 * NK))
tick-gen --seed 5 --count $NP --syms 500 > kp.tick
tick-cat kp.tick > kp.json
jq -r '[.sym, (. | tostring)] | join("\t")' kp.json > kp.keyed
echo 0 > kn
NEXT='n=$(( $(cat kn) + 1 )); echo $n > kn'
read -r t tc <<< "$(PRE="$NEXT" both "tick-kafka produce -b $B --topic kp\$(cat kn) < kp.tick")"
echo 0 > kn
read -r k kc <<< "$(PRE="$NEXT" both "kcat -b $B -P -t kq\$(cat kn) -l kp.json")"
r=$(div "$k" "$t"); row "tick-kafka produce (json), msgs/s vs kcat -P of the JSON lines" "$(M "$(div $NP "$t")")" "kcat $(M "$(div $NP "$k")")" "$r" ">= 1" "$(ge "$r" 1)"
r=$(div "$kc" "$tc"); row "  CPU per million messages, vs kcat -P" "$(per_m "$tc" "$NP")" "kcat $(per_m "$kc" "$NP")" "$r" ">= 1" "$(ge "$r" 1)"
# What kcat -P is given ready-made: the rows' JSON, rendered by the same code
# alone (tick-cat -f json of the same stream); tick-kafka's CPU less that,
# against kcat's (its reading of the lines included).
read -r _ jc <<< "$(both "tick-cat -f json kp.tick > /dev/null")"
rest=$(awk -v a="$tc" -v b="$jc" 'BEGIN{print a - b}')
row "    of which the JSON rendering (tick-cat -f json of the same rows)" "$(per_m "$jc" "$NP")" "-" "-" "-" "-"
r=$(div "$kc" "$rest"); row "    the rest (reading the stream, the key, librdkafka), vs kcat -P" "$(per_m "$rest" "$NP")" "kcat $(per_m "$kc" "$NP")" "$r" "-" "-"
# the same keys as tick-kafka's (the sym): kcat -K, from "SYM<TAB>JSON" lines
echo 0 > kn
read -r kk kkc <<< "$(PRE="$NEXT" both "kcat -b $B -P -t kq\$(cat kn) -K '\t' -l kp.keyed")"
r=$(div "$kk" "$t"); row "  vs kcat -P -K, keyed by sym as tick-kafka" "$(M "$(div $NP "$t")")" "kcat $(M "$(div $NP "$kk")")" "$r" ">= 1" "$(ge "$r" 1)"
r=$(div "$kkc" "$tc"); row "  CPU per million messages, vs kcat -P -K" "$(per_m "$tc" "$NP")" "kcat $(per_m "$kkc" "$NP")" "$r" ">= 1" "$(ge "$r" 1)"
echo 0 > kn
read -r tb tbc <<< "$(PRE="$NEXT" both "tick-kafka produce -b $B --topic kb\$(cat kn) --value json-batch < kp.tick")"
r=$(div "$k" "$tb"); row "tick-kafka produce (json-batch, $((NP / $(tick-log info kp.tick | awk '/^  records/ {print $2}'))) rows a message), rows/s vs kcat -P" "$(M "$(div $NP "$tb")")" "kcat $(M "$(div $NP "$k")")" "$r" ">= 3" "$(ge "$r" 3)"
r=$(div "$kc" "$tbc"); row "  CPU per million rows, vs kcat -P" "$(per_m "$tbc" "$NP")" "kcat $(per_m "$kc" "$NP")" "$r" ">= 3" "$(ge "$r" 3)"
# End to end at 10k msgs/s: a feed's rows stamped as written, through the
# producer, the broker and the consumer, stamped again on arrival.
printf 'lat time:timestamp sym:symbol t0:long\n' > lat.schema
read -r l50 l99 _ < <(/usr/bin/python3 "$BENCH/kafka_latency.py" "$B" lat1 10000 6 tick lat.schema)
read -r c50 c99 _ < <(/usr/bin/python3 "$BENCH/kafka_latency.py" "$B" lat2 10000 6 kcat lat.schema -X fetch.wait.max.ms=10)
ms() { awk -v a="$1" 'BEGIN{printf "%.1f", a / 1000}'; }
r=$(div "$c99" "$l99"); row "end-to-end latency at 10k msgs/s, p50 / p99 ms (kcat: fetch wait 10)" "$(ms "$l50") / $(ms "$l99")" "kcat $(ms "$c50") / $(ms "$c99")" "$r" "report" "-"
/usr/bin/time -f %M -o kc.rss tick-kafka consume -b "$B" --topic kc --schema ks.schema -e > /dev/null
/usr/bin/time -f %M -o kp.rss bash -c "tick-kafka produce -b $B --topic kp1 < kp.tick"
row "tick-kafka peak RSS, consume / produce" "$(( $(cat kc.rss) / 1024 )) / $(( $(cat kp.rss) / 1024 )) MiB" "-" "-" "bounded" "-"
fi

if want agg; then
source "$BENCH/agg.sh"
fi

if want ws; then
echo "bench: tick-ws" >&2
source "$BENCH/ws.sh"
fi

# The report: the machine, then every figure with its peer, ratio and goal;
# the same as markdown in bench/results.md (BENCH_RESULTS for another file).
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
machine="$(nproc) cores, ${cpu:-unknown CPU}, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), Linux $(uname -r)"
when=$(date -u +%FT%TZ)
echo
echo "machine: $machine"
echo "run: $when, BENCH_RUNS=$RUNS${BENCH_ONLY:+, BENCH_ONLY=$BENCH_ONLY}"
printf '%-62s %-14s %-18s %-7s %-9s %s\n' "measure" "tick" "peer" "ratio" "goal" "met"
printf '%s\n' "${ROWS[@]}" | awk -F'\t' '{printf "%-62s %-14s %-18s %-7s %-9s %s\n", $1, $2, $3, $4, $5, $6}'
out=${BENCH_RESULTS:-$BENCH/results.md}
{
  echo "# make bench results"
  echo
  echo "- machine: $machine"
  echo "- run: $when, medians of $RUNS${BENCH_ONLY:+, areas: $BENCH_ONLY}"
  echo
  echo "| measure | tick | peer | ratio | goal | met |"
  echo "|---|---|---|---|---|---|"
  printf '%s\n' "${ROWS[@]}" | awk -F'\t' '{ m = $1; gsub(/\|/, "/", m); printf "| %s | %s | %s | %s | %s | %s |\n", m, $2, $3, $4, $5, ($6 == "NO" ? "**NO**" : $6) }'
} > "$out"
echo "bench: the report is in $out" >&2
