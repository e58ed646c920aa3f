#!/usr/bin/env bash
# Fails when the built files that are committed (dist/ and the example's copy of the
# package in examples/miniprogram/miniprogram_npm/, the testing kit's testing/wx-sim.js) differ from what `make dist` just
# built from the sources: the package installs from git with no Rust toolchain, so what
# is committed must be what the sources build. Run after `make dist` (make test does).
set -euo pipefail
cd "$(dirname "$0")/.."
paths=(dist examples/miniprogram/miniprogram_npm testing/wx-sim.js)
if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  echo "check-committed: not a git checkout; nothing to compare"
  exit 0
fi
# Against the index: on a clean checkout (CI) that is the commit; while working, `git add`
# of the rebuilt files is enough.
changed=$(git status --porcelain --untracked-files=all -- "${paths[@]}" | grep -v '^[MADR] ' || true)
if [ -n "$changed" ]; then
  echo "not ok - dist/ is stale: run make dist and commit (the built files differ from the committed ones):"
  echo "$changed" | sed 's/^/    /'
  exit 1
fi
echo "ok - dist/ and the example's copy are what make dist builds from these sources"
