#!/usr/bin/env bash
# make install PREFIX=... and make package: the binaries, man pages (1 and
# 5), bash/zsh/fish completions and the examples where each belongs; the
# Debian package holds the same, with its runtime dependencies declared.
source "$(dirname "$0")/lib.sh"
SRC=${TICK_SOURCE:-$HERE/../..}
BUILD=${TICK_BUILD:-$SRC/build}
P=$WORK/prefix
cmake --install "$BUILD" --prefix "$P" > install.out 2>&1 || die "cmake --install: $(tail -3 install.out)"
tools=$(cd "$SRC/tools" && ls -d tick-*)
for t in $tools; do
  [ -x "$P/bin/$t" ] || die "no $P/bin/$t"
  [ -f "$P/share/man/man1/$t.1" ] || die "no man page $t.1"
  [ -f "$P/share/bash-completion/completions/$t" ] || die "no bash completion for $t"
  [ -f "$P/share/zsh/vendor-completions/_$t" ] || die "no zsh completion for $t"
  [ -f "$P/share/fish/vendor_completions.d/$t.fish" ] || die "no fish completion for $t"
done
ok
for f in tick.5 tick-hdb.5; do [ -f "$P/share/man/man5/$f" ] || die "no $f"; done; ok
[ -x "$P/share/doc/tick/examples/tickerplant.sh" ] || die "the examples are installed, runnable"; ok
expect_match "$(MANWIDTH=80 man -M "$P/share/man" 1 tick-log 2> man.err | head -5)" "tick-log +- +the +journal" "man -M PREFIX/share/man 1 tick-log renders"
expect_match "$(MANWIDTH=80 man -M "$P/share/man" 5 tick 2> /dev/null | head -5)" "tick" "and man 5 tick"
expect_eq "$(bash -c "source '$P/share/bash-completion/completions/tick-log' && complete -p tick-log")" "complete -o filenames -F _tick_log tick-log" "bash loads the completion"
expect_eq "$(bash -c "source '$P/share/bash-completion/completions/tick-agg'; COMP_WORDS=(tick-agg --la); COMP_CWORD=1; _tick_agg; echo \${COMPREPLY[*]}")" "--last --late" "and it completes tick-agg's options"
"$P/bin/tick-gen" --count 10 | "$P/bin/tick-cat" -f csv -t trade > inst.csv
[ "$(wc -l < inst.csv)" -ge 2 ] || die "the installed binaries run"; ok

# make package's Debian package (cpack in a directory of the test's own)
(cd "$BUILD" && cpack -G DEB -B "$WORK/pkg") > cpack.out 2>&1 || die "cpack: $(tail -3 cpack.out)"
deb=$(ls "$WORK"/pkg/tick_*_amd64.deb)
expect_match "$(basename "$deb")" "^tick_[0-9]+\.[0-9]+\.[0-9]+_amd64\.deb$" "the package is tick_VERSION_amd64.deb"
dpkg-deb -c "$deb" | awk '{ print $6 }' > contents
for t in $tools; do
  for f in "./usr/bin/$t" "./usr/share/man/man1/$t.1" "./usr/share/bash-completion/completions/$t" "./usr/share/zsh/vendor-completions/_$t" "./usr/share/fish/vendor_completions.d/$t.fish"; do
    grep -qx -- "$f" contents || die "the package lacks $f"
  done
done
grep -qx ./usr/share/man/man5/tick.5 contents || die "the package lacks man5/tick.5"; ok
deps=$(dpkg-deb -f "$deb" Depends)
for d in librdkafka1 libwebsockets17 libzstd1 libsimdjson libstdc++6; do
  [[ "$deps" == *"$d"* ]] || die "the package does not declare $d: $deps"
done
ok
expect_eq "$(dpkg-deb -f "$deb" Package)" "tick" "its name"
done_ok
