#!/usr/bin/env bash
# Builds dist/: the shim, the CommonJS glue, the optimized .wasm and its .wasm.br.
set -euo pipefail
cd "$(dirname "$0")/.."
crate=wx_auth
# `cargo rustc --crate-type cdylib` is what makes `lto = true` apply; plain `cargo build`
# with crate-type ["cdylib", "rlib"] silently skips LTO (toolchain.md §4).
# wasm32v1-none is the WebAssembly MVP plus mutable-globals (stable since Rust 1.84, core
# and alloc only, which the no_std build needs): no bulk-memory, reference-types,
# sign-ext, nontrapping-fptoint or multi-value, which older iOS JavaScriptCore may
# refuse (toolchain.md §11, route A). `make test-mvp` checks the result.
cargo rustc --quiet --lib --release --target wasm32v1-none --crate-type cdylib \
  --no-default-features  # no_std: see [features] in Cargo.toml
# Without reference types wasm-bindgen keeps JS values in a slab in the glue
# (heap/addHeapObject) instead of an externref table in the module.
wasm-bindgen --target nodejs --no-typescript --out-dir target/bindgen \
  "target/wasm32v1-none/release/$crate.wasm"
rm -rf dist.tmp && mkdir -p dist.tmp
# -Oz with binaryen 132, then twice more after re-building the control flow (flatten +
# rereloop), all of it repeated until it stops shrinking. Measured on the MVP module
# (brotli): -Oz alone 23,538 B; with the flatten + rereloop round 23,353 B; with
# --converge 23,293 B; with the second -Oz after the round 23,243 B (raw and gzip
# shrink too; a third -Oz gains nothing, a second round makes it larger).
# --mvp-features keeps the output MVP: without it wasm-opt turns on the features it
# defaults to and writes sign-ext opcodes back in. The two exported globals wasm-bindgen
# adds are removed because WXWebAssembly on iOS cannot load a module that exports
# globals (platform.md §1.1). The target_features section is only for tools and goes too.
tools/node_modules/.bin/wasm-opt --mvp-features -Oz --flatten --rereloop -Oz -Oz --converge \
  --strip-debug --strip-producers --strip-target-features \
  --remove-exports --pass-arg=remove-exports@__abort_handler,__instance_terminated \
  "target/bindgen/${crate}_bg.wasm" -o "dist.tmp/$crate.wasm"
# The CommonJS glue for WXWebAssembly; the wasm's import/export names are shortened
# and the glue made to match (tools/wxify.js, tools/wasm-names.js).
node tools/wxify.js "target/bindgen/$crate.js" "dist.tmp/$crate.js" "dist.tmp/$crate.wasm"
node -e '
const z = require("zlib"), fs = require("fs"), f = process.argv[1];
fs.writeFileSync(f + ".br", z.brotliCompressSync(fs.readFileSync(f), {
  params: { [z.constants.BROTLI_PARAM_QUALITY]: 11, [z.constants.BROTLI_PARAM_SIZE_HINT]: fs.statSync(f).size } }));
' "dist.tmp/$crate.wasm"
cp js-glue/index.js js-glue/cloud.js js-glue/text-codec.js js-glue/index.d.ts js-glue/messages.js js-glue/messages.d.ts dist.tmp/
# Comments and whitespace out, local names shortened (tools/minify.js says what is kept).
node tools/minify.js dist.tmp/index.js dist.tmp/cloud.js "dist.tmp/$crate.js" dist.tmp/text-codec.js dist.tmp/messages.js
rm -rf dist && mv dist.tmp dist
