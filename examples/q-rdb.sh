#!/usr/bin/env bash
# kdb+'s processes on tick: tick-q in tick.q's place. A q-style RDB (r.q's
# request, the journal's replay, then live updates; examples/q-rdb.js) and
# a q feed handler (.u.upd, sync; examples/q-feed.js), both node-q scripts
# standing in for q, beside a tick feed through tick-pub --to.
#
#   q-rdb.sh [DIR] [SECONDS]     (needs node and npm's node-q: NODE_PATH)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=${1:-$(mktemp -d)}
secs=${2:-6}
mkdir -p "$dir"
log_port=${LOG_PORT:-5009} tp_port=${TP_PORT:-5011} q_port=${Q_PORT:-5010}
# (node-q from the source tree's test modules, unless NODE_PATH says)
export NODE_PATH=${NODE_PATH:-$here/../tests/node/node_modules}
trap 'pkill -P $$ 2> /dev/null || true' EXIT
# The tickerplant, and tick-q on its stream: tick.q's -p 5010 is these two lines.
tick-log "$dir/tp" --listen :"$log_port" < /dev/null | tick-pub -l :"$tp_port" --log "$dir/tp" &
tick-sub :"$tp_port" --from start | tick-q -l :"$q_port" --schema "$here/sym.q" --kdb-log "$dir/q" --feed-to :"$log_port" &
until (exec 3<> /dev/tcp/127.0.0.1/"$q_port") 2> /dev/null; do sleep 0.1; done
# A tick feed: trades and quotes as JSON, encoded on the way in.
for i in $(seq 1 3000); do
  if [ $((i % 3)) = 0 ]; then
    printf '{"table":"quote","sym":"S%d","bid":%d.25,"ask":%d.5,"bsize":100,"asize":200,"ex":"N"}\n' $((i % 20)) $((100 + i % 9)) $((100 + i % 9))
  else
    printf '{"table":"trade","sym":"S%d","price":%d.5,"size":%d,"ex":"N","cond":"TICK"}\n' $((i % 20)) $((100 + i % 7)) $((i % 50 + 1))
  fi
  [ $((i % 500)) = 0 ] && sleep 0.2
done | tick-cat -e --schema "$here/sym.q" | tick-pub --to :"$log_port" &
sleep 0.5
# The RDB joins mid-stream; the q feed publishes meanwhile.
node "$here/q-rdb.js" "$q_port" "$secs" > "$dir/rdb.out" &
rdb=$!
node "$here/q-feed.js" "$q_port" 200
wait $rdb
cat "$dir/rdb.out"
echo "the journal (tick-log info):"
tick-log info "$dir"/tp/*.tick | grep -E "table|rows"
echo "tick.q's journal tick-q wrote (q's -11!(-2;L)):"
tick-log check "$dir"/q/sym*
