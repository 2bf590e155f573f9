#!/usr/bin/env bash
# Every tool has a man page that formats cleanly and names every option its
# --help lists, and bash, zsh and fish completions that parse.
source "$(dirname "$0")/lib.sh"
SRC=${TICK_SOURCE:-$HERE/../..}
for page in "$SRC"/man/*.5; do
  groff -t -ww -man -z "$page" 2> lint.err; [ ! -s lint.err ] || die "$(basename "$page"): $(cat lint.err)"; ok
done
for dir in "$SRC"/tools/tick-*/; do
  t=$(basename "$dir")
  page="$SRC/man/$t.1"
  [ -f "$page" ] || die "no man page for $t"
  groff -t -ww -man -z "$page" 2> lint.err; [ ! -s lint.err ] || die "$t.1: $(cat lint.err)"; ok
  text=$(groff -t -man -Tutf8 "$page" 2> /dev/null | sed 's/\x1b\[[0-9;]*m//g; s/.\x08//g')
  for opt in $("$t" --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
    grep -q -- "$opt" <<< "$text" || die "$t.1 does not describe $opt"
  done
  # and each subcommand's options
  for sub in $("$t" --help | sed -n '/^Subcommands:/,$p' | awk 'NR > 1 && NF { print $1 }'); do
    grep -q -- "$sub" <<< "$text" || die "$t.1 does not describe $sub"
    for opt in $("$t" "$sub" --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
      grep -q -- "$opt" <<< "$text" || die "$t.1 does not describe $sub $opt"
    done
  done
  ok
  [ -f "$SRC/completions/bash/$t" ] && bash -n "$SRC/completions/bash/$t" || die "bash completion for $t"; ok
  [ -f "$SRC/completions/zsh/_$t" ] || die "no zsh completion for $t"
  if command -v zsh > /dev/null; then zsh -n "$SRC/completions/zsh/_$t" || die "zsh completion for $t"; fi
  [ -f "$SRC/completions/fish/$t.fish" ] || die "no fish completion for $t"
  if command -v fish > /dev/null; then fish -n "$SRC/completions/fish/$t.fish" || die "fish completion for $t"; fi
  ok
  "$t" --version | grep -q "^$t [0-9]" || die "$t --version"; ok
done
done_ok
