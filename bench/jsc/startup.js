// One launch in JavaScriptCore without JIT (WeChat on iOS), timed with the shell's own
// clock (preciseTime): from the require of dist/index.js to createAuth resolved with a
// restored `logged-in` session. Loading follows tests/jsc/harness.js: CommonJS files with
// WeChat's define() parameters, `wx` passed lexically, a path-only WXWebAssembly over
// the shell's WebAssembly (hidden from the SDK). One process is one launch.
// Usage: jsc --useJIT=false bench/jsc/startup.js -- <repo root> <seed.json>
var ROOT = arguments[0];
var SEED = JSON.parse(read(arguments[1]));
var g = globalThis;
g.console = { log: print, error: print, warn: print, info: print };
function moduleAsScript(source) {
  return source.replace(/^import .*;\s*$/gm, '').replace(/^export (?=function|const|let|class|async)/gm, '');
}
var ShellWebAssembly = g.WebAssembly;
g.WXWebAssembly = {
  instantiate: function (path, imports) {
    if (typeof path !== 'string' || !/\.wasm(\.br)?$/.test(path)) return Promise.reject(new Error('package path only'));
    // The shell cannot brotli-decode: a .wasm.br path reads the sibling .wasm.
    var bytes = read(ROOT + '/' + path.replace(/^\//, '').replace(/\.br$/, ''), 'binary');
    return ShellWebAssembly.instantiate(bytes, imports);
  }
};
delete g.WebAssembly;
var WX = {};
var DEFINE_PARAMS = 'require, module, exports, window, document, frames, self, location, navigator, localStorage, ' +
  'history, Caches, screen, alert, confirm, prompt, XMLHttpRequest, WebSocket, Reporter, webkit, WeixinJSCore, wx';
var cache = {};
function dirOf(p) { return p.replace(/\/[^/]*$/, ''); }
function resolve(from, request) {
  var parts = (from + '/' + request).split('/');
  var out = [];
  parts.forEach(function (p) { if (p === '..') out.pop(); else if (p !== '.' && p !== '') out.push(p); });
  return '/' + out.join('/');
}
function makeRequire(dir) {
  return function (request) {
    var file = resolve(dir, request);
    if (cache[file]) return cache[file].exports;
    var module = { exports: {} };
    cache[file] = module;
    var define = (0, eval)('(function (' + DEFINE_PARAMS + ') {\n' + read(file) + '\n})');
    define.call(module.exports, makeRequire(dirOf(file)), module, module.exports,
      undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined,
      undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined, WX);
    return module.exports;
  };
}
(0, eval)(moduleAsScript(read(ROOT + '/tests/sim/wx-sim.js')));
var sim = createWxSim({ needPrivacyAuthorization: false });
Object.assign(WX, sim.wx);
sim.setStorageRaw(SEED.key, SEED.value, SEED.encrypted);

var t0 = preciseTime();
var sdk = makeRequire(ROOT)('./dist/index.js');
sdk.createAuth({ wasmPath: '/dist/wx_auth.wasm.br', loginUrl: 'https://api.example.com/auth/login', now: sim.now, setTimeout: sim.setTimeout })
  .then(function (auth) {
    var ms = (preciseTime() - t0) * 1000;
    print('startup-ms ' + ms.toFixed(3) + ' ' + auth.state.kind);
  }, function (e) { print('error ' + (e && e.message)); });
