#!/usr/bin/env bash
# The README's tour, run: every command of it, paths and ports replaced,
# each checked for what its comment says (readme_tour.py).
source "$(dirname "$0")/lib.sh"
SRC=${TICK_SOURCE:-$HERE/../..}
$PY "$HERE/readme_tour.py" "$SRC/README.md" "$WORK" || die "the README tour"
ok
done_ok
