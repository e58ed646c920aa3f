#!/usr/bin/env bash
# Runs the jsc harness without JIT and fails unless every case passed.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$(mktemp)
status=0
jsc --useJIT=false "$root/tests/jsc/harness.js" -- "$root" | tee "$out" || status=$?
if [ "$status" -ne 0 ] || ! grep -Eq '^[0-9]+ passed, 0 failed$' "$out"; then
  echo "jsc harness failed (exit $status)" >&2
  rm -f "$out"
  exit 1
fi
rm -f "$out"
