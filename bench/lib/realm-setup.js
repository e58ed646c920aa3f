// Bench-only pieces a launch adds to the mini-program realm, as one plain script so that
// node (bench/lib/env.js evaluates it inside the mp-realm) and jsc
// (bench/jsc/peer-startup.js loads it) run the same code. Each piece is named in
// bench/RESULTS.md by the peer that asks for it (its `launchOptions`).
//   benchRealmSetup(globalThis, sim, {wxShims, globals, requestTaskShims, fakeDate})
function benchRealmSetup(g, sim, o) {
  var wx = g.wx;
  // wx APIs a peer calls that the simulator lacks: no-ops that answer success (a sync
  // one returns {}), logged as `<api> (bench shim)` in the call log.
  (o.wxShims || []).forEach(function (name) {
    if (typeof wx[name] === 'function') return;
    wx[name] = function (opt) {
      sim.calls.push({ api: name + ' (bench shim)', detail: '', at: sim.now() });
      if (/Sync$/.test(name)) return {};
      if (opt && typeof opt.success === 'function') setTimeout(function () { opt.success({ errMsg: name + ':ok' }); }, 0);
      if (opt && typeof opt.complete === 'function') setTimeout(function () { opt.complete({ errMsg: name + ':ok' }); }, 0);
    };
  });
  // Globals of the mini-program logic layer that the realm does not define (e.g. `Page`,
  // which some SDKs test for to detect a mini-program): no-op functions.
  (o.globals || []).forEach(function (name) {
    if (typeof g[name] === 'undefined') g[name] = function () {};
  });
  // RequestTask methods (of what wx.request returns) the simulator's task lacks: no-ops.
  if ((o.requestTaskShims || []).length) {
    var request = wx.request;
    wx.request = function (opt) {
      var task = request(opt);
      o.requestTaskShims.forEach(function (m) { if (typeof task[m] !== 'function') task[m] = function () {}; });
      return task;
    };
  }
  if (o.fakeDate) {
    // Date.now() and new Date() read the simulated clock; a peer that stores an expiry
    // from Date.now() and compares later stays consistent with the backend.
    var RealDate = g.Date;
    var SimDate = function SimDate() {
      var a = Array.prototype.slice.call(arguments);
      if (!(this instanceof SimDate)) return new RealDate(sim.now()).toString();
      return a.length ? new (Function.prototype.bind.apply(RealDate, [null].concat(a)))() : new RealDate(sim.now());
    };
    SimDate.prototype = RealDate.prototype;
    SimDate.now = function () { return sim.now(); };
    SimDate.UTC = RealDate.UTC; SimDate.parse = RealDate.parse;
    g.Date = SimDate;
  }
}
