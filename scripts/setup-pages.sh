#!/usr/bin/env bash
# What the example mini-program's checks need, each step skipped when already done.
#   setup-pages.sh build        the page harness (make demo runs the real pages)
#   setup-pages.sh              + miniprogram-ci (structural check), tsc (type check) and
#                               the testing kit's example (examples/testing)
#   setup-pages.sh screenshots  + Chromium and CJK fonts for `make screenshots`
# Each tool has its own package folder: miniprogram-ci pins an old @babel/core that must
# not be hoisted next to anything else.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-all}

log() { printf '[setup-pages] %s\n' "$*"; }

npm_ci() {
  if [ ! -d "$1/node_modules" ] || [ "$1/package-lock.json" -nt "$1/node_modules/.package-lock.json" ]; then
    log "npm ci in $1/"
    (cd "$1" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

npm_ci tests/pages
[ "$mode" = build ] && exit 0
npm_ci tests/mp-ci
npm_ci tests/types
npm_ci examples/testing
[ "$mode" = screenshots ] || exit 0

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
fc-list 2>/dev/null | grep -qi 'Noto Sans CJK' || missing+=(fonts-noto-cjk)
if [ ${#missing[@]} -gt 0 ]; then
  log "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
