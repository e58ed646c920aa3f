#!/usr/bin/env bash
# What each optional call of `Auth` costs in the shipped wasm (brotli bytes): the SDK is
# built once as it is and once per row with those exported methods removed (their
# private code goes with them: LTO drops what nothing calls). For deciding what a
# smaller build would give up; not part of `make bench` (one build per row, minutes).
# Usage: bench/feature-cost.sh   (from a checkout with `make dist` working)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
tree=$(mktemp -d)
trap 'git -C "$root" worktree remove --force "$tree" >/dev/null 2>&1 || true' EXIT
git worktree add -q --detach "$tree" HEAD
ln -s "$root/tools/node_modules" "$tree/tools/node_modules"
cd "$tree"

# Removes `pub fn <name>(` and the doc comment and attributes above it from the exported
# methods, and the engine's dispatch of that call, so that the flow behind it is no
# longer reachable and LTO drops it too.
remove() {
  node -e '
    const fs = require("fs");
    const ARMS = {
      get_setting: "Call::GetSetting =>",
      open_setting: "Call::OpenSetting =>",
      unbind: "Call::Unbind =>",
      get_user_profile: "Call::GetUserProfile(desc) =>",
      reset: "Call::Reset =>",
      open_privacy_contract: "Call::OpenPrivacyContract =>",
      verify_phone_number: "Call::VerifyPhone(event) =>",
    };
    let s = fs.readFileSync("src/web/auth.rs", "utf8");
    let e = fs.readFileSync("src/engine/mod.rs", "utf8");
    for (const name of process.argv.slice(1)) {
      const at = s.indexOf("    pub fn " + name + "(");
      if (at < 0) throw new Error("no method " + name);
      const start = s.lastIndexOf("\n\n", at) + 1;
      const end = s.indexOf("\n    }\n", at) + "\n    }\n".length;
      s = s.slice(0, start) + s.slice(end);
      const arm = ARMS[name];
      const i = e.indexOf(arm);
      if (i < 0) throw new Error("no dispatch " + arm);
      const j = e.indexOf("\n", i);
      e = e.slice(0, i) + arm.replace("(desc)", "(_)").replace("(event)", "(_)") + " {}" + e.slice(j);
    }
    fs.writeFileSync("src/web/auth.rs", s);
    fs.writeFileSync("src/engine/mod.rs", e);
  ' "$@"
}

size() {
  git checkout -q src/web/auth.rs src/engine/mod.rs
  [ $# -eq 0 ] || remove "$@"
  # Unused-code warnings are expected here; the log is shown only when the build fails.
  tools/build-dist.sh >/dev/null 2>build.log || { cat build.log >&2; exit 1; }
  stat -c %s dist/wx_auth.wasm.br
}

base=$(size)
printf '| without | wasm brotli (B) | saved (B) |\n| --- | ---: | ---: |\n| (nothing: as shipped) | %s | 0 |\n' "$base"
row() {
  local label=$1; shift
  local n; n=$(size "$@")
  printf '| %s | %s | %s |\n' "$label" "$n" "$((base - n))"
}
row 'getSetting + openSetting' get_setting open_setting
row 'unbind' unbind
row 'getUserProfile (base libraries before 2.27.1)' get_user_profile
row 'reset' reset
row 'openPrivacyContract' open_privacy_contract
row 'verifyPhoneNumber' verify_phone_number
row 'all of the above' get_setting open_setting unbind get_user_profile reset open_privacy_contract verify_phone_number
