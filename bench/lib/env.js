'use strict';
// One launch of a mini-program for the benchmark: a fresh mp-realm (tests/support/mp-realm.js)
// with the strict wx simulator (tests/sim/wx-sim.js) installed as `wx`, the realm's clock
// tied to the simulator's (so peers that read Date.now() see simulated time too), and
// the bench backend (bench/lib/backend.js) answering every peer's endpoints.
const path = require('path');
const { createRealm } = require('../../tests/support/mp-realm.js');
const { makeBackend } = require('./backend.js');

const ROOT = path.resolve(__dirname, '../..');
const SIM = path.join(ROOT, 'tests/sim/wx-sim.js');
const DOMAINS = ['api.example.com', 'bench-env.api.tcloudbasegateway.com', 'bench-env.ap-shanghai.tcb-api.tencentcloudapi.com',
  'bench.minapp.example', 'bench.supabase.example', 'bench.authing.example', 'core.authing.cn', 'api.ifanrcloud.com'];

// node's setImmediate: callbacks on the next macrotask without the 1 ms clamp of
// setTimeout(0), so timings measure code, not timer granularity (wx-sim.js header).
function launch(options) {
  const o = Object.assign({ simConfig: {}, defer: setImmediate, fakeDate: true }, options || {});
  const realm = createRealm({ root: ROOT });
  realm.loadModuleAsScript(SIM);
  const backend = makeBackend();
  realm.context.__cfg = Object.assign({ needPrivacyAuthorization: false, domains: DOMAINS, defer: o.defer,
    backend: (req, sim) => backend.handle(req, sim) }, o.simConfig);
  const sim = realm.run('var sim = createWxSim(__cfg); installWx(sim); sim');
  backend.sim = sim;
  // Bench-only shims for wx APIs a peer calls that the simulator lacks: no-ops that
  // answer success, logged as `<api> (bench shim)` in the call log.
  for (const name of o.wxShims || []) {
    realm.context.__shimName = name;
    realm.run(`(function (name) {
      if (typeof wx[name] === 'function') return;
      wx[name] = function (opt) {
        sim.calls.push({ api: name + ' (bench shim)', detail: '', at: sim.now() });
        if (/Sync$/.test(name)) return {};
        if (opt && typeof opt.success === 'function') setTimeout(function () { opt.success({ errMsg: name + ':ok' }); }, 0);
        if (opt && typeof opt.complete === 'function') setTimeout(function () { opt.complete({ errMsg: name + ':ok' }); }, 0);
      };
    })(__shimName)`);
  }
  if (o.fakeDate) {
    // Date.now() and new Date() read the simulated clock; a peer that stores an expiry
    // from Date.now() and compares later stays consistent with the backend.
    realm.context.__simNow = sim.now;
    realm.run(`(function () {
      var RealDate = Date;
      function SimDate() {
        var a = Array.prototype.slice.call(arguments);
        if (!(this instanceof SimDate)) return new RealDate(__simNow()).toString();
        return a.length ? new (Function.prototype.bind.apply(RealDate, [null].concat(a)))() : new RealDate(__simNow());
      }
      SimDate.prototype = RealDate.prototype;
      SimDate.now = function () { return __simNow(); };
      SimDate.UTC = RealDate.UTC; SimDate.parse = RealDate.parse;
      globalThis.Date = SimDate;
    })()`);
  }
  return { realm, sim, backend, wx: realm.run('wx') };
}

/** Counts of the platform calls the tables report, from sim.calls[from..]. */
function countCalls(sim, from) {
  const calls = sim.calls.slice(from || 0);
  const n = (pred) => calls.filter(pred).length;
  return {
    login: n((c) => c.api === 'login'),
    checkSession: n((c) => c.api === 'checkSession'),
    reads: n((c) => c.api === 'getStorage' || c.api === 'getStorageSync' || c.api === 'getStorageInfoSync'),
    writes: n((c) => /^(setStorage|removeStorage|clearStorage)(Sync)?$/.test(c.api)),
    requests: n((c) => c.api === 'request'),
    other: calls.filter((c) => !/^(login|checkSession|request|(get|set|remove|clear)Storage(Sync|InfoSync)?)$/.test(c.api)).map((c) => c.api),
    log: calls.map((c) => c.api + (c.detail ? ' ' + c.detail : '')),
  };
}

module.exports = { ROOT, launch, countCalls };
