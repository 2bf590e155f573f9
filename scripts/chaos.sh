#!/usr/bin/env bash
# make chaos: the tickerplant run whole while a seeded driver breaks it.
#
#   tick-gen | tick-pub --to ───────────────────┐
#   tick-gen | tick-kafka produce → broker       │  (publishers, --listen)
#     → tick-kafka consume --resume-from tp | tick-pub --to
#                                                ▼
#     the unit: tick-log tp --listen | tick-pub -l --log tp
#        │ (local)                         │ (TCP)
#   tick-sub tp --from start | tick-eod      tick-sub ADDR --from start
#   tick-sub tp --from start                 tick-sub ADDR | tick-agg | tick-ws (+ a client)
#                                            tick-sub ADDR --from start | tick-q --kdb-log
#                                              (+ a q RDB: node-q, r.q's request)
#
# One replaced clock for every process crosses a day roll CHAOS_ROLL seconds
# in. Faults, one every 1-4 s, drawn from CHAOS_SEED: SIGKILL of tick-log, of
# the fan-out tick-pub, of the Kafka consumer, of the RDB, of tick-agg or
# tick-ws, of tick-q (each restarted, as a service manager would: the unit
# after its non-zero exit), a full journal disk freed again, SIGSTOP/SIGCONT
# of the subscribers, the RDB, the WebSocket client, tick-ws and the q RDB,
# and hostile clients on every listener. Then the feeds finish, the unit is stopped in order, and
# the table compares what was acknowledged, journaled, received and
# written. Exits 0 when rows lost and duplicated are 0 everywhere.
#
# usage: scripts/chaos.sh BUILD_DIR   (CHAOS_SEED, CHAOS_SECONDS, CHAOS_ROLL)
set -uo pipefail
BUILD=${1:-build}
case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export PATH="$BUILD:$PATH"
SEED=${CHAOS_SEED:-$((RANDOM * 32768 + RANDOM))}
SECS=${CHAOS_SECONDS:-60}
ROLL=${CHAOS_ROLL:-$((SECS / 2))}
RANDOM=$SEED
PY=/usr/bin/python3
W=$(mktemp -d "${TMPDIR:-/tmp}/tick-chaos.XXXXXX")
cd "$W"
echo "chaos: seed $SEED, $SECS s, day roll at $ROLL s, in $W (replay: CHAOS_SEED=$SEED CHAOS_SECONDS=$SECS make chaos)"

free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
R0=$(date +%s%N)
D1=2026-03-02; D2=2026-03-03
D0=$(( ($(date -u -d "$D2" +%s) - ROLL) * 1000000000 ))
clock() { echo $(( D0 + $(date +%s%N) - R0 )); }
declare -A faults=() crashes=() peak=()
fault() { faults[$1]=$(( ${faults[$1]:-0} + 1 )); }
# Every process of a session started with setsid.
stop() { kill -TERM -- "-$1" 2> /dev/null; for _ in $(seq 100); do pgrep -s "$1" > /dev/null || return 0; sleep 0.1; done; pkill -KILL -s "$1" 2> /dev/null; }
cleanup() { for s in ${SESSIONS:-}; do pkill -KILL -s "$s" 2> /dev/null; done; [ -n "${TMPFS:-}" ] && umount -l "$W/tp" 2> /dev/null; }
trap cleanup EXIT
SESSIONS=""
start() {  # start NAME COMMAND: in a session of its own; sets S_NAME
  setsid bash -c "$2" < /dev/null 2>> "$1.err" & local s=$!
  SESSIONS="$SESSIONS $s"
  eval "S_$1=$s"
}
# Peak RSS per tool, sampled.
sample() {
  local p c r
  for p in $(for s in $SESSIONS; do pgrep -s "$s" '^tick-'; done); do
    c=$(cat /proc/$p/comm 2> /dev/null) || continue
    r=$(awk '/VmHWM/{print $2}' /proc/$p/status 2> /dev/null) || continue
    [ -n "$r" ] && [ "$r" -gt "${peak[$c]:-0}" ] && peak[$c]=$r
  done
}

PL=$(free_port); PP=$(free_port); PW=$(free_port); PQ=$(free_port)
NA=$((SECS * 2000)); NK=$((SECS * 500))
tick-gen --print-schema > gen.schema
tick-kafka broker --topics k:4 --address-file b.addr > /dev/null 2> broker.err & BRK=$!
for _ in $(seq 100); do [ -s b.addr ] && break; sleep 0.1; done; B=$(cat b.addr)

# The journal on a disk of its own that can be filled and freed (root: a
# tmpfs resized under it).
mkdir tp
TMPFS=""
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=1g tmpfs tp 2> /dev/null; then TMPFS=1; fi
disk_full() {
  local used; used=$(df -k --output=used tp | tail -1)
  mount -o remount,size=$((used + 128))k tp && sleep "$(( 1 + RANDOM % 3 ))" && mount -o remount,size=1g tp
}

# The unit, restarted after it exits non-zero (Restart=on-failure).
unit() {
  start unit "while true; do TICK_FAKE_TIME=\$(( $D0 + \$(date +%s%N) - $R0 )) sh -c 'exec tick-log tp --listen 127.0.0.1:$PL < /dev/null | exec tick-pub -l 127.0.0.1:$PP --log tp'; rc=\$?; echo \"unit exit \$rc\" >&2; [ \$rc = 0 ] && break; sleep 0.5; done"
}
leg() { start leg "TICK_FAKE_TIME=$(clock) tick-kafka consume -b $B --topic k --schema $W/gen.schema --resume-from tp | tick-pub --to 127.0.0.1:$PL"; }
unit
for _ in $(seq 100); do grep -q 'tick-pub: listening' unit.err 2> /dev/null && break; sleep 0.1; done
start feed "tick-gen --seed 7 --syms 50 --rate 2000 --step 1000000 --count $NA --start ${D1}T09:00:00Z | tick-pub --to 127.0.0.1:$PL"
start produce "tick-gen --seed 9 --syms 30 --rate 500 --step 1000000 --count $NK --start ${D1}T12:00:00Z | tick-kafka produce -b $B --topic k"
leg
start tcp "TICK_FAKE_TIME=$(clock) tick-sub 127.0.0.1:$PP --from start --day $D1 > tcp.tick"
start local "TICK_FAKE_TIME=$(clock) tick-sub tp --from start --day $D1 > local.tick"
# (the RDB and the dashboard's pipeline restart as their units would: the
# RDB reading the journal again from the start)
rdb() { start rdb "TICK_FAKE_TIME=$(clock) tick-sub tp --from start --day $D1 | tick-eod --hdb hdb"; }
wsp() { start ws "TICK_FAKE_TIME=$(clock) tick-sub 127.0.0.1:$PP -t trade | tick-agg --bar 5s | exec tick-ws -l 127.0.0.1:$PW"; }
rdb
wsp
# tick.q's place: tick-q on the day from its start, restarted as its unit
# would be; a q RDB (node-q, r.q's request, reconnecting) on it.
start kdb "while true; do TICK_FAKE_TIME=\$(( $D0 + \$(date +%s%N) - $R0 )) sh -c 'tick-sub 127.0.0.1:$PP --from start --day $D1 | exec tick-q -l 127.0.0.1:$PQ --kdb-log qlog --schema $W/gen.schema'; rc=\$?; echo \"kdb exit \$rc\" >&2; [ \$rc = 0 ] && break; sleep 0.5; done"
start qrdb "exec node $ROOT/tests/e2e/qclient.js rq $PQ $W/qrdb.rows 0 --reconnect --rdb"
start wsclient "$PY -c \"
import asyncio, json, websockets
async def main():
    while True:
        try:
            async with websockets.connect('ws://127.0.0.1:$PW/ws', max_size=None) as ws:
                await ws.send(json.dumps({'action': 'subscribe', 'table': 'trade_bars'}))
                while True: await ws.recv()
        except Exception:
            await asyncio.sleep(0.5)
asyncio.run(main())
\""

hostile() {  # hostile PORT: garbage, a torn record, an oversized header, a silent connection
  $PY - "$1" > /dev/null 2>&1 <<'P'
import socket, sys, os, struct
port = int(sys.argv[1])
for payload in (os.urandom(300), struct.pack('<IIBBHI', 0x4B54A7E1, 1 << 31, ord('D'), 0, 0, 0), b'GET / HTTP/1.1\r\n\r\n', b''):
    try:
        s = socket.create_connection(('127.0.0.1', port), timeout=1); s.sendall(payload); s.close()
    except OSError: pass
P
}

T_END=$(( $(date +%s) + SECS ))
while [ "$(date +%s)" -lt "$T_END" ]; do
  sleep "$(( 1 + RANDOM % 3 )).$(( RANDOM % 10 ))"
  sample
  case $(( RANDOM % (TMPFS ? 14 : 13) )) in
    0) p=$(pgrep -s "$S_unit" -x tick-log) && { kill -9 $p; fault "SIGKILL tick-log"; } ;;
    1) p=$(pgrep -s "$S_unit" -x tick-pub) && { kill -9 $p; fault "SIGKILL tick-pub (fan-out)"; } ;;
    2) p=$(pgrep -s "$S_leg" -x tick-kafka) && { kill -9 $p; sleep 0.$((RANDOM % 10)); stop "$S_leg"; leg; fault "SIGKILL tick-kafka consume"; } ;;
    3) p=$(pgrep -s "$S_tcp" -x tick-sub) && { kill -STOP $p; sleep 1.$((RANDOM % 10)); kill -CONT $p; fault "SIGSTOP TCP subscriber"; } ;;
    4) p=$(pgrep -s "$S_local" -x tick-sub) && { kill -STOP $p; sleep 1.$((RANDOM % 10)); kill -CONT $p; fault "SIGSTOP local subscriber"; } ;;
    5) p=$(pgrep -s "$S_rdb" -x tick-eod) && { kill -STOP $p; sleep 1.$((RANDOM % 10)); kill -CONT $p; fault "SIGSTOP RDB"; } ;;
    6) p=$(pgrep -s "$S_wsclient") && { kill -STOP $p; sleep 1.$((RANDOM % 10)); kill -CONT $p; fault "SIGSTOP WebSocket client"; } ;;
    7) p=$(pgrep -s "$S_ws" -x tick-ws) && { kill -STOP $p; sleep 0.$((RANDOM % 10)); kill -CONT $p; fault "SIGSTOP tick-ws"; } ;;
    8) hostile $PL; hostile $PP; hostile $PW; hostile $PQ; fault "hostile clients on 4 listeners" ;;
    9) p=$(pgrep -s "$S_rdb" -x tick-eod) && { kill -9 $p; stop "$S_rdb"; rdb; fault "SIGKILL the RDB (restarted from the start)"; } ;;
    10) p=$(pgrep -s "$S_ws" -x "tick-$( ((RANDOM % 2)) && echo agg || echo ws)") && { kill -9 $p; stop "$S_ws"; wsp; fault "SIGKILL tick-agg or tick-ws (restarted)"; } ;;
    11) p=$(pgrep -s "$S_kdb" -x tick-q) && { kill -9 $p; fault "SIGKILL tick-q (restarted)"; } ;;
    12) p=$(pgrep -s "$S_qrdb" -x node) && { kill -STOP $p; sleep 1.$((RANDOM % 10)); kill -CONT $p; fault "SIGSTOP the q RDB"; } ;;
    13) disk_full && fault "journal's disk full, then freed" ;;
  esac
done

# The feeds finish (every row acknowledged), the Kafka leg catches up.
for _ in $(seq 600); do pgrep -s "$S_feed" > /dev/null || break; sample; sleep 0.5; done
journaled() { tick-cat -f json tp/*.tick 2> /dev/null | grep -c '^{"table"'; }
for _ in $(seq 120); do [ "$(journaled)" -ge $((NA + NK)) ] && break; sample; sleep 1; done
# Stop in order: the Kafka leg, the unit (SIGTERM to tick-log: an orderly end).
stop "$S_leg"
p=$(pgrep -s "$S_unit" -x tick-log) && kill -TERM $p
for _ in $(seq 300); do pgrep -s "$S_unit" > /dev/null || break; sleep 0.1; done
for s in tcp local rdb kdb; do eval "ss=\$S_$s"; for _ in $(seq 300); do pgrep -s "$ss" > /dev/null || break; sleep 0.1; done; done
# (the q RDB writes the day it holds when stopped)
sleep 1; stop "$S_qrdb"
sample
stop "$S_ws"; stop "$S_wsclient"; stop "$S_produce"; kill $BRK 2> /dev/null

# Crashes: an exit by a signal not sent here, named in stderr.
for f in *.err; do
  n=$(grep -cE 'Segmentation|Aborted|AddressSanitizer|runtime error|core dumped' "$f")
  [ "$n" -gt 0 ] && crashes[${f%.err}]=$n
done

# What each holds, as "table,time,sym,..." lines.
rows_of() { tick-cat -f json "$@" 2> /dev/null | grep '^{"table"' | sort; }
rows_of tp/*.tick > journal.rows
feed_rows() { tick-gen --seed 7 --syms 50 --count $NA --start ${D1}T09:00:00Z -f json; }
kafka_rows() { tick-gen --seed 9 --syms 30 --count $NK --start ${D1}T12:00:00Z -f json; }
feed_rows | sort > feed.rows
kafka_rows | sort > kafka.rows
lost_of() { comm -23 "$1" journal.rows | wc -l; }
dup_of() { comm -12 "$1" <(uniq -d journal.rows) | wc -l; }
lost_feed=$(lost_of feed.rows); dup_feed=$(dup_of feed.rows)
lost_kafka=$(lost_of kafka.rows); dup_kafka=$(dup_of kafka.rows)
extra=$(comm -13 <(sort -m feed.rows kafka.rows) <(sort -u journal.rows) | wc -l)
cmp_sub() { rows_of "$1" > "$1.rows"; if cmp -s "$1.rows" journal.rows; then echo "= journal ($(wc -l < journal.rows) rows)"; else echo "DIFFERS: $(comm -23 journal.rows "$1.rows" | wc -l) missing, $(comm -13 journal.rows "$1.rows" | wc -l) extra"; fi; }
bad=0
printf '\n%-44s %s\n' "what" "result"
printf '%-44s %s\n' "feed (tick-pub --to): acknowledged $NA" "journaled: lost $lost_feed, duplicated $dup_feed"
printf '%-44s %s\n' "Kafka leg (--resume-from): produced $NK" "journaled: lost $lost_kafka, duplicated $dup_kafka"
printf '%-44s %s\n' "rows in the journal from neither" "$extra"
s_tcp=$(cmp_sub tcp.tick); s_local=$(cmp_sub local.tick)
printf '%-44s %s\n' "TCP subscriber (--from start)" "$s_tcp"
printf '%-44s %s\n' "local subscriber (--from start)" "$s_local"
for d in $D1 $D2; do
  j=$(tick-cat -f json tp/$d.tick 2> /dev/null | grep -c '^{"table"')
  if [ -d hdb/$d ]; then h=$(tick-replay --hdb hdb --date $d -f json 2> /dev/null | grep -c '^{"table"'); else h="no partition"; fi
  ended=$(tick-log info tp/$d.tick 2> /dev/null | grep -c 'end of day')
  printf '%-44s %s\n' "HDB $d (journal: $j rows, $([ "$ended" = 1 ] && echo ended || echo open))" "$h"
  if [ "$ended" = 1 ] && [ "$h" != "$j" ]; then bad=1; fi
done
[[ "$s_tcp" == "= journal"* && "$s_local" == "= journal"* ]] || bad=1
# tick-q: tick.q's journal of each day holds that day's rows, in order, none
# twice (across its kills); the q RDB holds the last day's rows once.
for d in $D1 $D2; do
  dq=${d//-/.}
  [ -f tp/$d.tick ] || continue
  tick-cat -f json tp/$d.tick 2> /dev/null | grep '^{"table"' > day.rows
  tick-cat --schema gen.schema -f json qlog/sym$dq 2> /dev/null | grep '^{"table"' > qday.rows
  if cmp -s day.rows qday.rows; then r="= journal ($(wc -l < day.rows) rows, in order)"; else r="DIFFERS: $(comm -23 <(sort day.rows) <(sort qday.rows) | wc -l) missing, $(comm -13 <(sort day.rows) <(sort qday.rows) | wc -l) extra"; bad=1; fi
  printf '%-44s %s\n' "tick.q's journal by tick-q, $d" "$r"
  last=$d
done
tick-cat -f json tp/$last.tick 2> /dev/null > last.json
r=$($PY "$ROOT/tests/e2e/qrows.py" tick last.json > last.rows && $PY "$ROOT/tests/e2e/qrows.py" compare last.rows qrdb.rows) || bad=1
printf '%-44s %s\n' "q RDB (node-q, r.q) on tick-q, $last" "$r"
printf '%-44s %s\n' "faults" ""
for k in "${!faults[@]}"; do printf '  %-42s %s\n' "$k" "${faults[$k]}"; done | sort
printf '%-44s %s\n' "unit restarts (non-zero exits)" "$(grep -c 'unit exit [^0]' unit.err)"
printf '%-44s %s\n' "tick-q restarts (non-zero exits)" "$(grep -c 'kdb exit [^0]' kdb.err)"
printf '%-44s %s\n' "peak RSS (MiB)" "$(for k in "${!peak[@]}"; do printf '%s %d, ' "$k" $(( ${peak[$k]} / 1024 )); done | sed 's/, $//')"
printf '%-44s %s\n' "crashes" "$(if [ ${#crashes[@]} = 0 ]; then echo 0; else for k in "${!crashes[@]}"; do printf '%s ' "$k"; done; fi)"
tick-log check tp > check.out 2>&1 || { bad=1; echo "tick-log check: $(cat check.out)"; }
lost=$((lost_feed + lost_kafka)); dup=$((dup_feed + dup_kafka))
echo "rows lost: $lost"
echo "rows duplicated: $dup"
[ $lost = 0 ] && [ $dup = 0 ] && [ $extra = 0 ] && [ ${#crashes[@]} = 0 ] && [ $bad = 0 ] || { echo "chaos: FAILED (seed $SEED; work left in $W)"; trap - EXIT; [ -n "$TMPFS" ] && cp -a tp tp.saved; cleanup; exit 1; }
trap - EXIT; cleanup; cd /; rm -rf "$W"
