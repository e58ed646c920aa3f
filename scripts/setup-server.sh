#!/usr/bin/env bash
# What the reference backend (examples/server) needs. Idempotent, like setup.sh.
#   setup-server.sh build  → builds wx-auth-server and wechat-standin (make demo runs them)
#   setup-server.sh        → the same, plus Debian's redis-server for the Redis tests
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[setup-server] %s\n' "$*"; }

if [ "${1:-all}" != build ] && ! command -v redis-server >/dev/null 2>&1; then
  log "apt-get install redis-server"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends redis-server >/dev/null
fi

# Debug build (what cargo test and tests/e2e use); cargo skips it when up to date.
cargo build --quiet -p wx-auth-server --bins
