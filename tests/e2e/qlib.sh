# Shared by the tick-q tests (sourced after lib.sh): node-q's clients, the
# rows helper, the schema, and the tickerplant with tick-q on its stream.
SRC=${TICK_SOURCE:-$HERE/../..}
QC="node $SRC/tests/e2e/qclient.js"
QR="$PY $SRC/tests/e2e/qrows.py"

cat > sym.q << 'EOF2'
trade:([]time:`timespan$();sym:`g#`symbol$();price:`float$();size:`long$())
quote:([]time:`timespan$();sym:`g#`symbol$();bid:`float$();ask:`float$())
EOF2

# start_tp TIME TAG: tick-log tp --listen | tick-pub on new ports PL and PP,
# its clock starting at TIME; stderr in TAG.log.err and TAG.pub.err.
start_tp() {
  PL=$(free_port); PP=$(free_port)
  TICK_FAKE_TIME=$1 tick-log tp --listen 127.0.0.1:$PL < /dev/null 2> $2.log.err | tick-pub -l 127.0.0.1:$PP --log tp 2> $2.pub.err &
  wait_for grep -q listening $2.pub.err
  wait_for grep -q listening $2.log.err
}
# start_q TIME ERR ARGS...: tick-sub PP from the start | tick-q -l PQ ARGS
# (PQ a new port unless set), in a session QS (stopped on the way out);
# its clock starting at TIME, stderr appended to ERR.
start_q() {
  local time=$1 err=$2; shift 2
  PQ=${PQ:-$(free_port)}
  setsid sh -c "tick-sub 127.0.0.1:$PP --from start | TICK_FAKE_TIME=$time exec tick-q -l 127.0.0.1:$PQ $*" 2>> $err &
  QS=$!
  ON_EXIT='stop_session $QS'
  wait_for bash -c "ss -ltn 'sport = :$PQ' | grep -q LISTEN"
}
