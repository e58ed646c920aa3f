#!/usr/bin/env bash
# Installs what `make bench` needs beyond scripts/setup.sh: the peer SDKs and esbuild
# (bench/package.json, pinned), brotli for the size table, jsc for the iOS-like start-up.
# Idempotent: each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf '[setup-bench] %s\n' "$*"; }

if [ ! -x /usr/bin/jsc ]; then
  log "apt-get install libjavascriptcoregtk-4.0-bin (jsc)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends libjavascriptcoregtk-4.0-bin >/dev/null
fi

# Peers and esbuild. --ignore-scripts: no peer needs an install script, and esbuild's
# binary comes from its platform package.
if [ ! -d bench/node_modules/esbuild ] || [ bench/package-lock.json -nt bench/node_modules/.package-lock.json ]; then
  log "npm ci in bench/"
  (cd bench && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
fi

# twiggy, for the breakdown of the wasm by crate.
if ! command -v twiggy >/dev/null 2>&1; then
  log "cargo install twiggy"
  cargo install --quiet twiggy --version 0.8.0
fi
