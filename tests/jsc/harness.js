// Runs dist/ in JavaScriptCore's `jsc` shell the way a mini-program on iOS does:
// `jsc --useJIT=false` (WeChat's JSC on iOS has no JIT), no TextEncoder, fetch or
// queueMicrotask (the shell has none), files loaded as CommonJS with WeChat's define()
// parameters, and `WXWebAssembly` with a path-only `instantiate` built on
// the shell's WebAssembly, which is then hidden from the SDK; `wx` is passed in as a
// wrapper parameter and is not on the global object. Runs every contract case
// of tests/contract/cases.js and prints `N passed, N failed`.
// Usage: jsc --useJIT=false tests/jsc/harness.js -- <repo root>
var ROOT = arguments[0];
var failures = 0;
var passes = 0;
var g = globalThis;
g.console = { log: print, error: print, warn: print, info: print };

function fatal(message) {
  print('harness error: ' + message);
  setTimeout(function () { throw new Error(message); }, 0); // jsc exits 3; quit() would exit 0
}

['TextEncoder', 'TextDecoder', 'queueMicrotask', 'fetch'].forEach(function (name) {
  if (typeof g[name] !== 'undefined') fatal('this jsc has ' + name + '; the test would not be iOS-like');
});

function moduleAsScript(source) {
  return source.replace(/^import .*;\s*$/gm, '').replace(/^export (?=function|const|let|class|async)/gm, '');
}

// WXWebAssembly: a package path (.wasm or .wasm.br) only. The shell cannot brotli-decode,
// so a .wasm.br path reads the sibling .wasm (the node suite checks they are the same).
var ShellWebAssembly = g.WebAssembly;
g.WXWebAssembly = {
  instantiate: function (path, imports) {
    if (typeof path !== 'string' || !/\.wasm(\.br)?$/.test(path)) {
      return Promise.reject(new Error('WXWebAssembly.instantiate: first argument must be a package path'));
    }
    var bytes = read(ROOT + '/' + path.replace(/^\//, '').replace(/\.br$/, ''), 'binary');
    return ShellWebAssembly.instantiate(bytes, imports).then(function (result) {
      var globals = ShellWebAssembly.Module.exports(result.module).filter(function (e) { return e.kind === 'global'; });
      if (globals.length) throw new Error('exported globals are not supported on iOS');
      return result;
    });
  }
};
delete g.WebAssembly;

// `wx` reaches the SDK only as a parameter of the module wrapper, never as a property of
// the global object: the SDK must find it lexically (platform.md §0, toolchain.md §6).
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
(0, eval)(moduleAsScript(read(ROOT + '/tests/contract/cases.js')));
// The cases install each new simulator through installWx: here it fills the one `wx`
// object the wrapper passes in, and the global object never gets a `wx`.
installWx = function (sim) {
  Object.keys(WX).forEach(function (k) { delete WX[k]; });
  Object.assign(WX, sim.wx);
  return WX;
};

var sdk = makeRequire(ROOT)('./dist/index.js');
var env = {
  createAuth: function (options) {
    return sdk.createAuth(Object.assign({ wasmPath: '/dist/wx_auth.wasm.br' }, options));
  }
};

var names = caseNames();
var started = Date.now();
function next(i) {
  if (typeof g.wx !== 'undefined') fatal('wx leaked onto the global object');
  if (i >= names.length) {
    print('jsc --useJIT=false: ' + names.length + ' cases in ' + (Date.now() - started) + ' ms');
    print(passes + ' passed, ' + failures + ' failed');
    if (failures) fatal(failures + ' failed');
    return;
  }
  runCase(env, names[i]).then(function () {
    passes++;
    print('ok - ' + names[i]);
  }, function (e) {
    failures++;
    print('not ok - ' + names[i] + '\n    ' + (e && e.message ? e.message : String(e)));
  }).then(function () { next(i + 1); });
}
next(0);
