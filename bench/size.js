'use strict';
// Size: our shipped files against each peer's mini-program entry, bundled and minified
// with one esbuild command (bench/peers/entries/*.js → bench/out/peers/*.js), plus where
// the bytes of our wasm go (twiggy on a copy built with names; the shipped dist/ is
// untouched).
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');
const { sizes } = require('../tools/sizes.js');
const { ROOT } = require('./lib/env.js');

const OUT = path.join(ROOT, 'bench/out');
const ESBUILD = path.join(ROOT, 'bench/node_modules/.bin/esbuild');
const ESBUILD_ARGS = ['--bundle', '--minify', '--format=cjs', '--platform=neutral', '--main-fields=miniprogram,main,module', '--log-level=error'];

/** Bundles a peer's entry; `run` bundles the copy the realm loads (with bench-only shims aliased in). */
function bundle(peer, run) {
  const entry = path.join(ROOT, 'bench/peers/entries', peer.short + '.js');
  const out = path.join(OUT, run ? 'peers-run' : 'peers', peer.short + '.js');
  const extra = [];
  for (const [mod, shim] of Object.entries(peer.aliases || {})) {
    extra.push(run ? `--alias:${mod}=${path.join(ROOT, 'bench/peers/shims', shim)}` : `--external:${mod}`);
  }
  execFileSync(ESBUILD, [entry, ...ESBUILD_ARGS, ...extra, '--outfile=' + out], { cwd: path.join(ROOT, 'bench'), stdio: 'inherit' });
  return out;
}

function ourFiles() {
  const dist = path.join(ROOT, 'dist');
  const rows = ['wx_auth.wasm', 'wx_auth.js', 'index.js', 'text-codec.js'].map((f) => Object.assign({ file: 'dist/' + f }, sizes(path.join(dist, f))));
  // The same JS minified with the peers' esbuild options (not what ships; for a like-for-like row).
  const minDir = path.join(OUT, 'ours-min');
  fs.mkdirSync(minDir, { recursive: true });
  let minJs = { raw: 0, gzip: 0, brotli: 0 };
  for (const f of ['wx_auth.js', 'index.js', 'text-codec.js']) {
    execFileSync(ESBUILD, [path.join(dist, f), '--minify', '--format=cjs', '--platform=neutral', '--log-level=error', '--outfile=' + path.join(minDir, f)]);
    const s = sizes(path.join(minDir, f));
    minJs = { raw: minJs.raw + s.raw, gzip: minJs.gzip + s.gzip, brotli: minJs.brotli + s.brotli };
  }
  // The cloud transport's carrier mapping: loaded only by an app that sets `cloud`, so not
  // part of what every page loads.
  const cloud = Object.assign({ file: 'dist/cloud.js' }, sizes(path.join(dist, 'cloud.js')));
  return { rows, minJs, cloud };
}

// Twiggy: a named copy of the shipped wasm (same wasm-bindgen and wasm-opt -Oz passes,
// names section kept, DWARF dropped), each item grouped by the crate its name belongs to.
function breakdown() {
  const dir = path.join(OUT, 'named');
  fs.mkdirSync(dir, { recursive: true });
  const src = path.join(ROOT, 'target/wasm32v1-none/release/wx_auth.wasm');
  execFileSync('wasm-bindgen', ['--target', 'nodejs', '--no-typescript', '--keep-debug', '--out-dir', dir, src]);
  const named = path.join(dir, 'wx_auth.named.wasm');
  execFileSync(path.join(ROOT, 'tools/node_modules/.bin/wasm-opt'), ['--mvp-features', '-Oz', '--debuginfo', '--strip-dwarf', '--strip-producers',
    '--remove-exports', '--pass-arg=remove-exports@__abort_handler,__instance_terminated', path.join(dir, 'wx_auth_bg.wasm'), '-o', named]);
  const items = JSON.parse(execFileSync('twiggy', ['top', '-n', '100000', '-f', 'json', named], { encoding: 'utf8', maxBuffer: 64 << 20 }));
  const groups = {};
  let total = 0;
  for (const it of items) {
    const g = crateOf(it.name);
    if (!g) continue; // the names section itself and other custom sections
    groups[g] = (groups[g] || 0) + it.shallow_size;
    total += it.shallow_size;
  }
  const rows = Object.entries(groups).map(([group, bytes]) => ({ group, bytes })).sort((a, b) => b.bytes - a.bytes);
  const top = items.filter((it) => crateOf(it.name)).slice(0, 12).map((it) => ({ name: it.name, bytes: it.shallow_size }));
  return { rows, total, top, shipped: fs.statSync(path.join(ROOT, 'dist/wx_auth.wasm')).size };
}

function crateOf(name) {
  if (/^custom section|subsection$/.test(name)) return null;
  if (/^data segment/.test(name)) return 'data segments (strings, tables)';
  if (/externref shim|^__wbindgen|^__wbg|^__externref|^export "|^import |^elem\[|^table\[|^type\[|wasm_bindgen::|wasm_bindgen\[/.test(name)) return 'wasm-bindgen (glue shims, closures)';
  if (/wasm_bindgen_futures/.test(name)) return 'wasm-bindgen-futures';
  if (/js_sys/.test(name)) return 'js-sys';
  if (/core::fmt|core\[[0-9a-f]+\]::fmt/.test(name)) return 'core::fmt (formatting)';
  if (/lol_alloc|__rust_(alloc|dealloc|realloc)|__rdl_|alloc::alloc|__rustc.*__rust/.test(name)) return 'allocator (lol_alloc, __rust_alloc)';
  if (/^<?(alloc|&?alloc)(\[|::)|^<alloc/.test(name)) return 'alloc (Vec, String, BTreeMap…)';
  if (/^<?&?(core)(\[|::)|^memcmp|^memcpy|^memset|^memmove|^__multi3|^__/.test(name)) return 'core + compiler builtins (other)';
  if (/wx_auth::web::/.test(name)) return 'ours: src/web (wx bindings, the effect interpreter)';
  if (/wx_auth::engine::/.test(name)) return 'ours: src/engine (every flow)';
  if (/wx_auth::/.test(name)) return 'ours: core (machine, record, exchange, …)';
  if (/^code\[/.test(name)) return 'unnamed code (closure shims)';
  return 'other';
}

async function runSize(peers) {
  const ours = ourFiles();
  const rows = [];
  for (const p of peers) {
    try {
      const file = bundle(p, false);
      rows.push(Object.assign({ peer: p, file: path.relative(ROOT, file) }, sizes(file)));
    } catch (e) {
      rows.push({ peer: p, error: String(e.message).split('\n')[0] });
    }
  }
  return { ours, peers: rows, breakdown: breakdown(), esbuild: ESBUILD_ARGS.join(' ') };
}

module.exports = { runSize, bundle };
