#!/usr/bin/env bash
# Installs what tick needs to build, test and benchmark, from Debian's archive
# and the npm registry. Idempotent: does nothing when everything is present.
set -euo pipefail
cd "$(dirname "$0")/.."

debs=(
  build-essential cmake pkg-config
  libcli11-dev libsimdjson-dev libzstd-dev librdkafka-dev libwebsockets-dev libjemalloc-dev catch2
  zstd jq kcat python3 python3-kafka python3-websockets
  zsh fish groff-base tzdata util-linux
  time curl procps man-db systemd  # (peak RSS, the examples, process checks, man pages and units checked)
  strace  # (the syncs tick-log --fsync makes, counted)
)
# Tests use node's ws as an independent WebSocket client, and drive Debian's
# chromium (with a font to draw text) through npm's playwright-core; the
# build embeds the dashboard's charting library, from npm.
command -v node > /dev/null || debs+=(nodejs)
command -v npm > /dev/null || debs+=(npm)
debs+=(chromium fonts-dejavu-core)
# Benchmarks and fuzzing want a few more; only installed when asked for.
if [ "${TICK_DEPS:-}" = bench ] || [ "${TICK_DEPS:-}" = all ]; then
  debs+=(time)
fi
# libFuzzer: make test fuzzes the decoders briefly, make fuzz at length.
debs+=(clang libclang-rt-14-dev)

missing=()
for p in "${debs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}" >&2
  sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -d tests/node/node_modules/ws ] || [ ! -d tests/node/node_modules/playwright-core ] || [ ! -d tests/node/node_modules/@duckdb/node-api ] || [ ! -d tests/node/node_modules/node-q ]; then
  echo "install-deps: installing ws, playwright-core, DuckDB and node-q into tests/node/" >&2
  (cd tests/node && npm ci --no-audit --no-fund --silent >/dev/null)
fi
if [ ! -f web/node_modules/lightweight-charts/package.json ]; then
  echo "install-deps: installing lightweight-charts into web/ (the dashboard embeds it)" >&2
  (cd web && npm ci --no-audit --no-fund --silent >/dev/null)
fi
if [ "${TICK_DEPS:-}" = bench ] || [ "${TICK_DEPS:-}" = all ]; then
  if [ ! -d bench/node_modules/@duckdb/node-api ] || [ ! -d bench/node_modules/node-q ]; then
    echo "install-deps: installing @duckdb/node-api and node-q into bench/" >&2
    (cd bench && npm install --no-audit --no-fund --silent >/dev/null)
  fi
fi
