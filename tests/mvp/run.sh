#!/usr/bin/env bash
# Every dist/*.wasm must be a WebAssembly MVP module: wabt's wasm-validate with every
# post-MVP feature it knows turned off (mutable-globals, saturating float-to-int,
# sign-extension, multi-value, bulk-memory, reference-types, SIMD). Older iOS
# JavaScriptCore may refuse a module that uses any of them (platform.md §1.4).
# Usage: tests/mvp/run.sh [dist]   Prints one line per file and `N passed, N failed`.
set -uo pipefail
dir=${1:-dist}
features=(--disable-mutable-globals --disable-saturating-float-to-int --disable-sign-extension
  --disable-multi-value --disable-bulk-memory --disable-reference-types --disable-simd)
shopt -s nullglob
files=("$dir"/*.wasm)
if [ ${#files[@]} -eq 0 ]; then
  echo "not ok - no $dir/*.wasm to check (run make dist first)"
  echo "0 passed, 1 failed"
  exit 1
fi
passed=0 failed=0
for f in "${files[@]}"; do
  if err=$(wasm-validate "${features[@]}" "$f" 2>&1); then
    echo "ok - $f is a WebAssembly MVP module (no post-MVP feature used)"
    passed=$((passed + 1))
  else
    echo "not ok - $f needs a post-MVP feature: $(printf '%s' "$err" | head -1)"
    failed=$((failed + 1))
  fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
