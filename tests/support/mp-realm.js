'use strict';
// A node `vm` realm shaped like a mini-program logic layer, for running dist/ the way
// WeChat would (toolchain.md §6 and §10):
// - CommonJS files compiled with WeChat's define() parameter list, `window`, `document`
//   and friends undefined; no `process`, `require` of node modules, `fetch`,
//   `TextEncoder`/`TextDecoder`, `queueMicrotask` or global `WebAssembly`;
// - `eval` and `new Function` throw (codeGeneration.strings = false);
// - `WXWebAssembly.instantiate(path, imports)` takes only a package path ending in
//   .wasm or .wasm.br, resolves `{instance, module}` (or the bare instance, to test the
//   other shape), and like iOS refuses modules that export globals.
// Options: `noFinalizationRegistry: true` deletes FinalizationRegistry from the realm (so
// wasm-bindgen's automatic cleanup cannot hide a leak); `instances` lists every
// WebAssembly.Instance made (for reading `exports.memory.buffer.byteLength`);
// `source: (file, text) => text` may rewrite a file before it is compiled (the leak check
// appends a probe to the glue).
// Every object the SDK receives is made inside the realm, because the wasm-bindgen glue
// tests `instanceof Object` / `instanceof Promise` against the realm's own classes.
const fs = require('fs');
const path = require('path');
const vm = require('vm');
const zlib = require('zlib');

const DEFINE_PARAMS = ['require', 'module', 'exports', 'window', 'document', 'frames', 'self',
  'location', 'navigator', 'localStorage', 'history', 'Caches', 'screen', 'alert', 'confirm',
  'prompt', 'XMLHttpRequest', 'WebSocket', 'Reporter', 'webkit', 'WeixinJSCore'];

/** An ES module's text as a script: `import` lines dropped, `export` keywords removed. */
function moduleAsScript(source) {
  return source.replace(/^import .*;\s*$/gm, '').replace(/^export (?=function|const|let|class|async)/gm, '');
}

function createRealm(options) {
  const opts = Object.assign({ root: path.resolve(__dirname, '../..'), bareInstance: false }, options || {});
  const sandbox = {
    console: console,
    setTimeout: setTimeout,
    clearTimeout: clearTimeout,
    setInterval: setInterval,
    clearInterval: clearInterval,
  };
  const context = vm.createContext(sandbox, { codeGeneration: { strings: false, wasm: true } });
  const run = (code, filename) => vm.runInContext(code, context, { filename: filename });
  // What the realm must not have, whatever node version builds it.
  run('delete globalThis.TextEncoder; delete globalThis.TextDecoder; ' +
    'delete globalThis.queueMicrotask; delete globalThis.fetch; delete globalThis.structuredClone;', 'realm-setup');
  if (opts.noFinalizationRegistry) run('delete globalThis.FinalizationRegistry;', 'realm-setup');
  if (opts.browser) {
    // A browser-shaped realm instead: standard WebAssembly and fetch, no WXWebAssembly.
    sandbox.fetch = function (url) {
      return run('Promise').resolve().then(() => {
        const file = path.join(opts.root, String(url).replace(/^\//, ''));
        if (!fs.existsSync(file)) return { ok: false, status: 404 };
        const bytes = fs.readFileSync(file);
        return { ok: true, status: 200, arrayBuffer: () => Promise.resolve(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)) };
      });
    };
  } else {
    run('delete globalThis.WebAssembly;', 'realm-setup');
  }
  const RealmPromise = run('Promise');
  const instantiated = [];
  const instances = [];

  const wxWebAssembly = run('({})');
  if (!opts.browser) sandbox.WXWebAssembly = wxWebAssembly;
  wxWebAssembly.instantiate = function (wasmPath, imports) {
    return new RealmPromise((resolve, reject) => {
      if (typeof wasmPath !== 'string') throw new TypeError('WebAssembly.instantiate: first argument must be a string');
      if (!/\.wasm(\.br)?$/.test(wasmPath)) throw new Error('WXWebAssembly: only .wasm and .wasm.br package paths');
      const file = path.join(opts.root, wasmPath.replace(/^\//, ''));
      let bytes = fs.readFileSync(file);
      if (/\.br$/.test(wasmPath)) bytes = zlib.brotliDecompressSync(bytes);
      const module = new WebAssembly.Module(bytes);
      const globals = WebAssembly.Module.exports(module).filter((e) => e.kind === 'global').map((e) => e.name);
      if (globals.length) throw new Error('WXWebAssembly (iOS): exported globals are not supported: ' + globals.join(','));
      const instance = new WebAssembly.Instance(module, imports);
      instantiated.push(wasmPath);
      instances.push(instance);
      resolve(opts.bareInstance ? instance : { instance: instance, module: module });
    });
  };

  const cache = {};
  function makeRequire(fromDir) {
    return function require(request) {
      if (!/^\.{0,2}\//.test(request)) throw new Error('mini-program require of a non-relative module: ' + request);
      let file = path.resolve(fromDir, request);
      // require('./common') loads common.js, as WeChat's require does (framework builds write it so).
      if (!fs.existsSync(file) && fs.existsSync(file + '.js')) file += '.js';
      if (cache[file]) return cache[file].exports;
      const module = { exports: {} };
      cache[file] = module;
      let text = fs.readFileSync(file, 'utf8');
      if (opts.source) text = opts.source(file, text);
      const fn = vm.compileFunction(text, DEFINE_PARAMS, { parsingContext: context, filename: file });
      fn.call(module.exports, makeRequire(path.dirname(file)), module, module.exports);
      return module.exports;
    };
  }

  return {
    context: context,
    WXWebAssembly: wxWebAssembly,
    run: run,
    instantiated: instantiated,
    instances: instances,
    /** `require` as a page in the package root would call it. */
    require: makeRequire(opts.root),
    /** Evaluates an ES module file of tests/ as a script inside the realm. */
    loadModuleAsScript: (file) => run(moduleAsScript(fs.readFileSync(file, 'utf8')), file),
  };
}

module.exports = { createRealm, moduleAsScript };
