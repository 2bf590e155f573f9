#!/usr/bin/env bash
# make fuzz: builds the decoders' libFuzzer targets with clang (ASan, UBSan)
# and runs each for SECONDS (default 60). Exit 1 on any crash.
set -euo pipefail
SECONDS_EACH=${1:-60}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/build-fuzz
mkdir -p "$OUT"
CXX=${CXX_FUZZ:-clang++}
FLAGS="-std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -I$ROOT/lib -DTICK_VERSION=\"fuzz\""
# The library once, as objects (and tick-ws's parsers, without lws), two
# compilers at a time.
objs=()
stale=()
for src in "$ROOT"/lib/tick/{base,stream,kdb,text,journal,hdb,net,analytics}/*.cpp "$ROOT"/lib/tick/ws/hub.cpp "$ROOT"/lib/tick/ws/query.cpp; do
  o="$OUT/$(basename "$(dirname "$src")")_$(basename "$src" .cpp).o"
  # (Rebuilt when its source or any header is newer: a header's layout change
  # must reach every object.)
  if [ ! -f "$o" ] || [ "$src" -nt "$o" ] || [ -n "$(find "$ROOT/lib/tick" -name '*.h' -newer "$o" | head -1)" ]; then
    stale+=("$src:$o")
  fi
  objs+=("$o")
done
OBJ_FLAGS="${FLAGS/-fsanitize=fuzzer,/-fsanitize=} -fsanitize=fuzzer-no-link"
export CXX OBJ_FLAGS
printf '%s\n' "${stale[@]}" | { grep . || true; } | xargs -r -P "$(nproc)" -I{} sh -c \
  'src=${1%%:*}; o=${1#*:}; $CXX $OBJ_FLAGS -c "$src" -o "$o"' _ {} \
  || { echo "fuzz: the library did not build" >&2; exit 1; }
for t in ${FUZZ_ONLY:-reader json hdb parsers kdb qhdb ipc}; do
  $CXX $FLAGS "$ROOT/fuzz/${t}_fuzz.cpp" "${objs[@]}" -lsimdjson -lzstd -o "$OUT/${t}_fuzz"
done
# Seeds made now (the corpora are not kept in git).
gen="$ROOT/build/tick-gen"
[ -x "$gen" ] || { cmake -S "$ROOT" -B "$ROOT/build" >/dev/null && cmake --build "$ROOT/build" -j2 --target tick-gen tick-cat tick-eod >/dev/null; }
mkdir -p "$ROOT/fuzz/corpus-reader" "$ROOT/fuzz/corpus-json"
for m in 0 1 2 3 7 13 21; do
  { printf "\\x$(printf %02x $m)"; "$gen" --count 40 --batch 7 --syms 5; } > "$ROOT/fuzz/corpus-reader/seed$m"
done
"$gen" --count 20 --syms 3 -f json > "$ROOT/fuzz/corpus-json/j.txt"
{ printf '\x00'; cat "$ROOT/fuzz/corpus-json/j.txt"; } > "$ROOT/fuzz/corpus-json/seed-json"
# (CSV with a table column, as other tools write several tables, and plain)
printf '\x01table,time,sym,price,size\ntrade,2026-01-05T14:30:00Z,A,1.5,100\ntable,time,sym,bid,ask,bsize,asize\nquote,2026-01-05T14:30:00.001Z,B,1.25,1.5,10,20\ntime,sym,price,size\n2026-01-05T14:30:01Z,"A,B",2,3\n' > "$ROOT/fuzz/corpus-json/seed-csv"
rm "$ROOT/fuzz/corpus-json/j.txt"
# (flat rows of every type, as the fast path reads them, and long numbers)
printf '\x00{"table":"t","time":"2026-01-05T14:30:00Z","sym":"A","b":true,"x":7,"h":-3,"i":4,"j":-9223372036854775808,"e":1.5,"f":0.95000000000000000000,"c":"x","n":"01:02:03","d":"2026-01-05","s":"t"}\n{"table":"v","tm":"09:30:00.123","mi":"09:30","se":1,"mo":"2026-12","dt":9500.5,"g":"0a0b0c0d-0102-0304-0506-0708090a0b0c"}\n{"table":"u","time":1.5e9,"sym":null,"v":1e3}\n' > "$ROOT/fuzz/corpus-json/seed-flat"
# HDB seeds: small partitions, plain and compressed, packed as hdb_fuzz reads them.
mkdir -p "$ROOT/fuzz/corpus-hdb"
for c in none zstd:1; do
  h=$(mktemp -d); "$gen" --start 2026-11-20T09:00:00Z --count 300 --syms 4 > "$h/2026-11-20.tick"
  mkdir "$h/hdb"; "$ROOT/build/tick-eod" --hdb "$h/hdb" --compress $c --no-sync "$h/2026-11-20.tick" 2> /dev/null
  /usr/bin/python3 - "$h/hdb/2026-11-20" > "$ROOT/fuzz/corpus-hdb/seed-${c%:*}" <<'PY'
import os, struct, sys
files = [".d", "sym", "trade/.d", "trade/.index", "trade/time", "trade/sym", "trade/price", "trade/size",
         "quote/.d", "quote/.index", "quote/time", "quote/sym", "quote/bid", "quote/ask", "quote/bsize", "quote/asize"]
out = sys.stdout.buffer
for f in files:
    b = open(os.path.join(sys.argv[1], f), "rb").read()
    out.write(struct.pack("<I", len(b)) + b)
PY
  rm -rf "$h"
done
# Parser seeds: one per parser (the first byte picks it, as parsers_fuzz reads it).
mkdir -p "$ROOT/fuzz/corpus-parsers"
P="$ROOT/fuzz/corpus-parsers"
printf '\x07trade time:timestamp sym:symbol price:float size:long\n' > "$P/schema"
printf '\x08trade:([]time:`timespan$();sym:`symbol$();price:`float$();size:`long$())\n' > "$P/symq"
printf '\x09{"action":"subscribe","table":"trade","syms":["AAPL"],"history":5,"id":1}' > "$P/subscribe"
printf '\x09{"action":"query","table":"trade","date":"2026-03-01..2026-03-02","from":"10:00","limit":5}' > "$P/query"
printf '\x0atable=trade\0syms=A,B\0date=2026-03-01\0from=09:30\0to=16:00\0limit=9\0format=csv' > "$P/fields"
# kdb+ journal seeds: node-q's journals (every type, and each form feeds send).
mkdir -p "$ROOT/fuzz/corpus-kdb"
k=$(mktemp -d)
node "$ROOT/tests/e2e/kdbjournal.js" make "$k" > /dev/null
for m in 0 1 2 3; do
  { printf "\\x$(printf %02x $m)"; cat "$k/sym2026.12.05"; } > "$ROOT/fuzz/corpus-kdb/seed$m"
  { printf "\\x$(printf %02x $m)"; cat "$k/mixed2026.12.05"; } > "$ROOT/fuzz/corpus-kdb/mixed$m"
done
rm -rf "$k"
# q HDB seeds: a small q-layout partition, packed as qhdb_fuzz reads it.
mkdir -p "$ROOT/fuzz/corpus-qhdb"
h=$(mktemp -d); "$gen" --start 2026-11-20T09:00:00Z --count 200 --syms 4 > "$h/d.tick"
"$ROOT/build/tick-eod" --format kdb --hdb "$h/q" --date 2026-11-20 --no-sync < "$h/d.tick" 2> /dev/null
/usr/bin/python3 - "$h/q" > "$ROOT/fuzz/corpus-qhdb/seed" <<'PY'
import os, struct, sys
files = ["sym", "2026.11.20/trade/.d", "2026.11.20/trade/sym", "2026.11.20/trade/time", "2026.11.20/trade/price", "2026.11.20/trade/size"]
out = sys.stdout.buffer
for f in files:
    b = open(os.path.join(sys.argv[1], f), "rb").read()
    out.write(struct.pack("<I", len(b)) + b)
PY
rm -rf "$h"
# kdb+ IPC seeds: what tick-q's clients send, made by node-q's serialiser.
mkdir -p "$ROOT/fuzz/corpus-ipc"
node "$ROOT/tests/e2e/qclient.js" seeds 0 "$ROOT/fuzz/corpus-ipc"
status=0
for t in ${FUZZ_ONLY:-reader json hdb parsers kdb qhdb ipc}; do
  # Inputs that once crashed a fuzzer (fuzz/regressions/TARGET/, kept in
  # git) run first, each once: a fixed crash stays fixed.
  if compgen -G "$ROOT/fuzz/regressions/$t/*" > /dev/null; then
    "$OUT/${t}_fuzz" "$ROOT/fuzz/regressions/$t"/* > "$OUT/${t}-regressions.log" 2>&1 \
      || { echo "fuzz: ${t}_fuzz crashes on a regression input again; see $OUT/${t}-regressions.log" >&2; status=1; }
  fi
  echo "fuzz: ${t}_fuzz for ${SECONDS_EACH}s" >&2
  "$OUT/${t}_fuzz" -max_total_time="$SECONDS_EACH" -max_len=65536 -print_final_stats=1 \
    -artifact_prefix="$OUT/${t}-" "$ROOT/fuzz/corpus-$t" 2> "$OUT/${t}.log" || status=1
  grep -E "stat::number_of_executed_units|stat::peak_rss|cov:" "$OUT/${t}.log" | tail -3 >&2
  # A new crash becomes a regression input: fix it, and commit the file.
  for a in "$OUT/${t}-"crash-* "$OUT/${t}-"leak-* "$OUT/${t}-"timeout-*; do
    [ -f "$a" ] || continue
    mkdir -p "$ROOT/fuzz/regressions/$t"
    mv "$a" "$ROOT/fuzz/regressions/$t/"
    echo "fuzz: kept fuzz/regressions/$t/$(basename "$a"): commit it once fixed" >&2
  done
done
[ $status -eq 0 ] || { echo "fuzz: a crash; see $OUT/*.log and fuzz/regressions/" >&2; exit 1; }
echo "fuzz: no crashes" >&2
