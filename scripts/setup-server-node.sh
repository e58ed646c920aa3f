#!/usr/bin/env bash
# What the Node.js reference backend (examples/server-node) and its checks need, each
# step skipped when already done: the Rust stand-in and redis-server (setup-server.sh),
# then its dependencies at the versions in package-lock.json (npm ci, only when
# node_modules is missing or older than the lockfile).
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[setup-server-node] %s\n' "$*"; }

scripts/setup-server.sh

dir=examples/server-node
if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
  log "npm ci in $dir/"
  (cd "$dir" && npm ci --omit=dev --no-audit --no-fund --loglevel=error)
fi
