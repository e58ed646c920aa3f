// One launch of a peer SDK in JavaScriptCore without JIT (WeChat on iOS), timed with the
// shell's own clock (preciseTime): from the require of the peer's run bundle
// (bench/out/peers-run/<peer>.js, the copy node loads) to its ready state, reached by the
// same `start` as in node (bench/peers/<peer>.js). The strict simulator answers on the
// shell's setTimeout(0); the bench backend (bench/lib/backend.js) and the bench-only
// realm additions (bench/lib/realm-setup.js) are the node run's own files, and the
// stored session is the one node seeds (storage items and backend sessions, written by
// bench/startup-jsc.js). One process is one launch.
// Usage: jsc --useJIT=false bench/jsc/peer-startup.js -- <repo root> <launch.json>
var ROOT = arguments[0];
var CFG = JSON.parse(read(arguments[1]));
var g = globalThis;

// The mini-program logic layer has console, clearTimeout, setInterval and clearInterval;
// the jsc shell has only print and a setTimeout that returns no id and passes no
// arguments. Bench-only stand-ins on the shell's setTimeout:
g.console = { log: print, error: print, warn: print, info: print, debug: print };
var shellSetTimeout = g.setTimeout;
var live = {};
var nextTimer = 1;
g.setTimeout = function (fn, ms) {
  var id = nextTimer++;
  var args = Array.prototype.slice.call(arguments, 2);
  live[id] = true;
  shellSetTimeout(function () { if (!live[id]) return; delete live[id]; fn.apply(null, args); }, Number(ms) || 0);
  return id;
};
g.clearTimeout = function (id) { delete live[id]; };
g.setInterval = function (fn, ms) {
  var id = nextTimer++;
  live[id] = true;
  (function tick() { shellSetTimeout(function () { if (!live[id]) return; fn(); tick(); }, Number(ms) || 0); })();
  return id;
};
g.clearInterval = g.clearTimeout;
// What the node realm (tests/support/mp-realm.js) lacks, the jsc run lacks too.
delete g.WebAssembly;
delete g.atob;
delete g.btoa;

function resolve(from, request) {
  var parts = (from + '/' + request).split('/');
  var out = [];
  parts.forEach(function (p) { if (p === '..') out.pop(); else if (p !== '.' && p !== '') out.push(p); });
  return '/' + out.join('/');
}
function dirOf(p) { return p.replace(/\/[^/]*$/, ''); }
// CommonJS for the bench's own files (backend, peer adapter): node's wrapper parameters.
var benchCache = {};
function benchRequire(file) {
  if (benchCache[file]) return benchCache[file].exports;
  var module = { exports: {} };
  benchCache[file] = module;
  var fn = (0, eval)('(function (require, module, exports, __filename, __dirname) {\n' + read(file) + '\n})');
  fn.call(module.exports, function (r) { return benchRequire(resolve(dirOf(file), r)); }, module, module.exports, file, dirOf(file));
  return module.exports;
}
// CommonJS for the SDK, as WeChat compiles it (tests/jsc/harness.js): its define()
// parameters, `wx` among them.
var DEFINE_PARAMS = 'require, module, exports, window, document, frames, self, location, navigator, localStorage, ' +
  'history, Caches, screen, alert, confirm, prompt, XMLHttpRequest, WebSocket, Reporter, webkit, WeixinJSCore, wx';
var mpCache = {};
function mpRequire(file) {
  if (mpCache[file]) return mpCache[file].exports;
  var module = { exports: {} };
  mpCache[file] = module;
  var define = (0, eval)('(function (' + DEFINE_PARAMS + ') {\n' + read(file) + '\n})');
  define.call(module.exports, function (r) { return mpRequire(resolve(dirOf(file), r)); }, module, module.exports,
    undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined,
    undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined, g.wx);
  return module.exports;
}

(0, eval)(read(ROOT + '/tests/sim/wx-sim.js').replace(/^import .*;\s*$/gm, '').replace(/^export (?=function|const|let|class|async)/gm, ''));
var backend = benchRequire(ROOT + '/bench/lib/backend.js').makeBackend();
var sim = createWxSim({ needPrivacyAuthorization: false, domains: CFG.domains, backend: function (req) { return backend.handle(req); } });
backend.sim = sim;
installWx(sim);
load(ROOT + '/bench/lib/realm-setup.js');
benchRealmSetup(g, sim, CFG.options);
(CFG.options.scripts || []).forEach(function (file) { load(ROOT + '/' + file); });
CFG.seed.items.forEach(function (it) { sim.setStorageRaw(it[0], JSON.parse(it[1]), it[2]); });
CFG.seed.sessions.forEach(function (s) { backend.seed(s[0], s[1]); });
var adapter = benchRequire(ROOT + '/bench/peers/' + CFG.short + '.js');

var t0 = preciseTime();
var sdk = mpRequire(ROOT + '/' + adapter.bundlePath);
adapter.start(sdk, { wx: g.wx, sim: sim, backend: backend }).then(function (h) {
  var ms = (preciseTime() - t0) * 1000;
  print('startup-ms ' + ms.toFixed(3) + ' ' + h.state);
  quit();
}, function (e) {
  print('error ' + (e && (e.stack || e.message || JSON.stringify(e))));
  quit();
});
