#!/usr/bin/env bash
# The framework examples (examples/taro, examples/uni-app): their dependencies, then their
# mini-program builds, which tests/frameworks/run.js loads.
#   scripts/frameworks.sh [taro|uni-app …]    default: both
# `npm ci` runs only when an example's lockfile, its package.json or the SDK files it
# installs from this checkout (package.json, dist/) changed since the last install
# (a stamp in its node_modules/), so running it again costs only the builds.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[frameworks] %s\n' "$*"; }

examples=("$@")
[ ${#examples[@]} -gt 0 ] || examples=(taro uni-app)

# What an install depends on: the example's lock and manifest, and the packed SDK (the
# example takes wx-auth from ../.. as a copy, install-links=true in its .npmrc).
stamp_of() {
  local sdk_files
  sdk_files=$(node -p "require('./package.json').files.filter((f) => f.startsWith('dist/')).join(' ')")
  # shellcheck disable=SC2086
  cat "$1/package-lock.json" "$1/package.json" "$1/.npmrc" package.json $sdk_files | sha256sum | cut -d' ' -f1
}

for ex in "${examples[@]}"; do
  dir=examples/$ex
  [ -f "$dir/package.json" ] || { echo "frameworks: no $dir/package.json" >&2; exit 1; }
  want=$(stamp_of "$dir")
  if [ "$(cat "$dir/node_modules/.wx-auth-ci-stamp" 2>/dev/null)" != "$want" ]; then
    log "npm ci in $dir/"
    start=$SECONDS
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$want" > "$dir/node_modules/.wx-auth-ci-stamp"
    log "npm ci in $dir/: $((SECONDS - start)) s"
  fi
  start=$SECONDS
  case $ex in
    taro) (cd "$dir" && rm -rf dist && npx --no-install taro build --type weapp >/dev/null) ;;
    uni-app) (cd "$dir" && rm -rf dist && npx --no-install uni build -p mp-weixin >/dev/null) ;;
    *) echo "frameworks: unknown example $ex" >&2; exit 1 ;;
  esac
  log "build of $dir/: $((SECONDS - start)) s"
done
