# Shared helpers for end-to-end tests: sourced, not run.
set -euo pipefail
TEST_NAME=$(basename "$0" .sh)
HERE=$(cd "$(dirname "$0")" && pwd)
WALK="/usr/bin/python3 $HERE/tickwalk.py"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tick-$TEST_NAME.XXXXXX")
# On the way out, stop whatever the test left running (a failed check must
# not leave servers holding ctest's pipes): SIGTERM, and a second later
# SIGKILL for what is still there (a producer waiting on a broker that is gone).
# ON_EXIT: a command of the test's own to run on the way out too.
trap 'rc=$?; set +e; eval "${ON_EXIT:-}" 2> /dev/null; kill $(jobs -p) 2>/dev/null; pkill -P $$ 2>/dev/null; for _ in 1 2 3 4 5 6 7 8 9 10; do pgrep -P $$ > /dev/null || break; sleep 0.1; done; pkill -9 -P $$ 2>/dev/null; [ $rc -eq 0 ] && rm -rf "$WORK"; exit $rc' EXIT
cd "$WORK"
PY=/usr/bin/python3
checks=0

die() { echo "FAIL [$TEST_NAME]: $*" >&2; exit 1; }
ok() { checks=$((checks + 1)); }
# expect_eq ACTUAL EXPECTED WHAT
expect_eq() { [ "$1" == "$2" ] || die "$3: expected '$2', got '$1'"; ok; }
# expect_match TEXT REGEX WHAT
expect_match() { [[ "$1" =~ $2 ]] || die "$3: '$1' does not match /$2/"; ok; }
# expect_status N CMD...: runs CMD, checks its exit status, keeps stderr in $WORK/err
expect_status() {
  local want=$1; shift
  set +e; "$@" > "$WORK/out" 2> "$WORK/err"; local got=$?; set -e
  [ "$got" -eq "$want" ] || die "'$*' exited $got, expected $want; stderr: $(head -c 500 "$WORK/err")"
  ok
}
same_files() { cmp -s "$1" "$2" || die "$3: $1 and $2 differ ($(cmp "$1" "$2" 2>&1 | head -1))"; ok; }
done_ok() { echo "PASS [$TEST_NAME]: $checks checks"; }
# A free TCP port on loopback.
free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# wait_for CMD...: retries CMD for up to 30 s (90 s under the sanitizers,
# whose binaries start and run several times slower).
wait_for() {
  local tries=300
  [ "${TICK_SANITIZED:-0}" = 1 ] && tries=900
  for _ in $(seq 1 $tries); do "$@" > /dev/null 2>&1 && return 0; sleep 0.1; done
  die "timed out waiting for: $*"
}
# stop_session PID: a script started with setsid, and every process of its
# session (its pipelines' processes are not all its children); SIGKILL after 10 s.
stop_session() {
  kill -TERM -- "-$1" 2> /dev/null || true
  for _ in $(seq 1 100); do pgrep -s "$1" > /dev/null || return 0; sleep 0.1; done
  pkill -KILL -s "$1" 2> /dev/null || true
}
