#!/usr/bin/env bash
# Runs every cargo-fuzz target under fuzz/ for a fixed time each, one after the other.
#
#   scripts/fuzz.sh [seconds-per-target] [target...]    (default: 60 s, every target)
#
# Installs cargo-fuzz when it is missing; libFuzzer needs the nightly toolchain.
# Exits non-zero when any target finds a crash (or fails to build); crashing inputs
# are kept in fuzz/artifacts/<target>/ and replay with
#   cargo +nightly fuzz run <target> fuzz/artifacts/<target>/<file>
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

seconds="${1:-60}"
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: scripts/fuzz.sh [seconds-per-target] [target...]" >&2
  exit 2
fi
shift $(( $# > 0 ? 1 : 0 ))

if ! rustup run nightly rustc --version >/dev/null 2>&1; then
  echo "fuzz: the nightly toolchain is needed (rustup toolchain install nightly)" >&2
  exit 1
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "fuzz: installing cargo-fuzz"
  cargo install cargo-fuzz
fi

cd fuzz
if [ "$#" -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < <(cargo +nightly fuzz list)
fi
cargo +nightly fuzz build

logs="$(mktemp -d)"
trap 'rm -rf "$logs"' EXIT
failed=()
summary=()
for t in "${targets[@]}"; do
  echo "== fuzz $t for ${seconds}s"
  mkdir -p "corpus/$t"
  status=ok
  if ! cargo +nightly fuzz run "$t" -- -max_total_time="$seconds" 2>&1 | tee "$logs/$t.log"; then
    status=FAILED
    failed+=("$t")
  fi
  done_line="$(grep -E '^#[0-9]+[[:space:]]+DONE' "$logs/$t.log" | tail -n 1 || true)"
  summary+=("$(printf '%-14s %-6s %s' "$t" "$status" "${done_line:-(no DONE line)}")")
done

echo
echo "== fuzz summary (${seconds}s per target)"
printf '%s\n' "${summary[@]}"
if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzz: crash or failure in: ${failed[*]} (inputs in fuzz/artifacts/)" >&2
  exit 1
fi
echo "fuzz: ${#targets[@]} targets, no crash"
