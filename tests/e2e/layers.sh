#!/usr/bin/env bash
# The library's layers: scripts/check-layers.py passes the tree as it is, and
# fails, naming file and line, a copy given an include of a layer above its
# own, one beside it, and a file outside the layers.
source "$(dirname "$0")/lib.sh"
SRC=${TICK_SOURCE:-$(cd "$HERE/../.." && pwd)}
CHECK="$PY $SRC/scripts/check-layers.py"

expect_status 0 $CHECK "$SRC"
expect_match "$(cat "$WORK/out")" "^check-layers: [0-9]+ files" "the tree's layers"

mkdir -p copy/lib
cp -r "$SRC/lib/tick" copy/lib/
expect_status 0 $CHECK copy

# stream (rank 1) including the journal (rank 3): above.
f=copy/lib/tick/stream/reader.h
n=$(( $(grep -n '^#include' "$f" | tail -1 | cut -d: -f1) + 1 ))
sed -i "${n}i #include \"tick/journal/walk.h\"" "$f"
expect_status 1 $CHECK copy
expect_match "$(cat "$WORK/err")" "lib/tick/stream/reader.h:$n: stream includes tick/journal/walk.h, a layer above its own" "an upward include"
sed -i "${n}d" "$f"
expect_status 0 $CHECK copy

# net and analytics stand beside each other.
echo '#include "tick/analytics/agg.h"' >> copy/lib/tick/net/pub.cpp
expect_status 1 $CHECK copy
expect_match "$(cat "$WORK/err")" "lib/tick/net/pub.cpp:[0-9]+: net includes tick/analytics/agg.h, a layer beside its own" "a sideways include"
sed -i '$d' copy/lib/tick/net/pub.cpp

# The library does not include the tools' command lines.
echo '#include "common/cli.h"' >> copy/lib/tick/base/io.cpp
expect_status 1 $CHECK copy
expect_match "$(cat "$WORK/err")" "lib/tick/base/io.cpp:[0-9]+: includes common/cli.h, which is not the library's" "the tools' CLI"
sed -i '$d' copy/lib/tick/base/io.cpp

# A file in no layer.
touch copy/lib/tick/stray.h
expect_status 1 $CHECK copy
expect_match "$(cat "$WORK/err")" "lib/tick/stray.h:1: outside the layers" "a file outside the layers"
rm copy/lib/tick/stray.h
expect_status 0 $CHECK copy
done_ok
