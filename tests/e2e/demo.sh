#!/usr/bin/env bash
# make demo, the whole system: DEMO_SECONDS=30 runs and checks itself (the
# journal, the HDB partition, the Kafka leg, a WebSocket client of the
# dashboard) and exits 0 with nothing left running; run twice in a row; and
# Ctrl-C stops every process it started, the journal checked clean.
source "$(dirname "$0")/lib.sh"
SRC=${TICK_SOURCE:-$HERE/../..}
BUILD=${TICK_BUILD:-$SRC/build}
# (the same configuration as the suite's build: nothing is rebuilt)
SAN=; [ "${TICK_SANITIZED:-0}" == 1 ] && SAN=SANITIZE=1
# (make as a user runs it: not a sub-make of make test, which would name its directories)
# processes whose working directory is in the run directory D
left_in() { local n=0 p; for p in /proc/[0-9]*; do [[ "$(readlink "$p/cwd" 2> /dev/null)" == "$1"* ]] && n=$((n + 1)); done; echo $n; }

for run in 1 2; do
  (cd "$SRC" && DEMO_SECONDS=30 exec env -u MAKELEVEL -u MAKEFLAGS -u MFLAGS setsid make demo BUILD="$BUILD" $SAN) > demo$run.out 2> demo$run.err < /dev/null &
  pid=$!
  wait $pid || die "make demo (run $run) exited $?: $(grep -a FAILED demo$run.err demo$run.out | head -3; tail -3 demo$run.err)"
  ok
  dir=$(sed -n 's/.*run directory \([^ ]*\) .*/\1/p' demo$run.out)
  [ -d "$dir" ] || die "the demo names its run directory: '$dir'"
  expect_eq "$(grep -c '^   ok: ' demo$run.out)" 6 "run $run: its six checks passed"
  for w in "the journal has the synthetic feed" "the journal has the Kafka leg" "the HDB has the partition" \
           "a WebSocket client of the dashboard got" "a q-style RDB on tick-q (node-q) got the trades" \
           "every process it started has exited"; do
    grep -q "ok: $w" demo$run.out || die "run $run: no 'ok: $w' in $(cat demo$run.out)"
  done
  ok
  expect_match "$(cat demo$run.out)" "dashboard: http://127.0.0.1:[0-9]+/" "it prints the dashboard's URL"
  expect_eq "$(grep -c $'\033' demo$run.out || true)" 0 "no colour codes off a terminal"
  expect_match "$(cat demo$run.out)" "demo: its files are kept in $dir " "it says where its run directory is kept"
  expect_match "$(grep -A3 'tick-log check' demo$run.out)" "tp/[0-9-]+\.tick: ok" "the journal is checked clean"
  expect_eq "$(pgrep -s $pid | wc -l)" 0 "nothing of make demo is left"
  expect_eq "$(left_in "$dir")" 0 "no process is left in its run directory"
  rm -rf "$dir"
  [ -z "$(grep -av '^install-deps: ' demo$run.err | grep -av '^tick-' | grep -v '^$')" ] || die "make's own chatter on stderr: $(head -5 demo$run.err)"; ok
done
expect_eq "$(grep -c 'make\[' demo1.out)" 0 "the build step is quiet"

# -- Ctrl-C: the terminal's SIGINT to make and the demo's script
(cd "$SRC" && exec env -u MAKELEVEL -u MAKEFLAGS -u MFLAGS setsid make demo BUILD="$BUILD" $SAN) > int.out 2> int.err < /dev/null &
pid=$!
wait_for grep -q "Ctrl-C stops it" int.out
dir=$(sed -n 's/.*run directory \([^ ]*\) .*/\1/p' int.out)
sleep 4
kill -INT -- -$pid
for _ in $(seq 1 300); do kill -0 $pid 2> /dev/null || break; sleep 0.1; done
kill -0 $pid 2> /dev/null && die "make demo did not end after Ctrl-C"; ok
wait $pid 2> /dev/null || true
expect_match "$(cat int.out)" "stopping: the feeds first" "Ctrl-C stops it in order"
expect_match "$(grep -A2 'tick-log check' int.out)" "tp/[0-9-]+\.tick: ok" "and the journal is whole"
sleep 0.5
expect_eq "$(left_in "$dir")" 0 "no process is left after Ctrl-C"
rm -rf "$dir"
done_ok
