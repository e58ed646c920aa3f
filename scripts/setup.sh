#!/usr/bin/env bash
# Installs what the build (`setup.sh build`) or the build and the tests (`setup.sh`)
# need. Idempotent: each step is skipped when its result is already there, so
# `make demo` and `make test` call it every time.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[setup] %s\n' "$*"; }

# Debian packages for the tests: Chromium + ChromeDriver (browser tests), jsc
# (JavaScriptCore, the iOS-like runner) and wabt (wasm-validate, for `make test-mvp`).
missing=()
if [ "${1:-all}" != build ]; then
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  [ -x /usr/bin/chromedriver ] || missing+=(chromium-driver)
  [ -x /usr/bin/jsc ] || missing+=(libjavascriptcoregtk-4.0-bin)
  [ -x /usr/bin/wasm-validate ] || missing+=(wabt)
fi
if [ ${#missing[@]} -gt 0 ]; then
  log "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The wasm targets: wasm32v1-none (WebAssembly MVP, no_std) for the shipped module,
# wasm32-unknown-unknown (std) for the wasm-bindgen-test suites.
for target in wasm32v1-none wasm32-unknown-unknown; do
  if ! rustup target list --installed | grep -qx "$target"; then
    log "rustup target add $target"
    rustup target add "$target"
  fi
done

# wasm-bindgen-cli at exactly the version in Cargo.lock. Not `--locked`: its lockfile
# names a webpki-roots release this registry lacks (toolchain.md §2);
# --no-default-features drops TLS, which the test runner does not need on loopback.
want=$(sed -n '/^name = "wasm-bindgen"$/{n;s/^version = "\(.*\)"$/\1/p;}' Cargo.lock)
if [ -z "$want" ]; then echo "setup: no wasm-bindgen in Cargo.lock" >&2; exit 1; fi
if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $want" ]; then
  log "cargo install wasm-bindgen-cli $want (about 2 minutes)"
  cargo install --quiet wasm-bindgen-cli --version "$want" --no-default-features
fi

# Build tools from npm (binaryen 132 for wasm-opt, acorn for the ES2015 check).
if [ ! -x tools/node_modules/.bin/wasm-opt ] || [ tools/package-lock.json -nt tools/node_modules/.package-lock.json ]; then
  log "npm ci in tools/"
  (cd tools && npm ci --no-audit --no-fund --loglevel=error)
fi

# The example mini-program: the page harness (build), miniprogram-ci and tsc (tests).
scripts/setup-pages.sh "${1:-all}"

# The reference backend: its binaries (build), redis-server (tests).
scripts/setup-server.sh "${1:-all}"
