'use strict';
// One launch of a mini-program for the benchmark: a fresh mp-realm (tests/support/mp-realm.js)
// with the strict wx simulator (tests/sim/wx-sim.js) installed as `wx`, the realm's clock
// tied to the simulator's (so peers that read Date.now() see simulated time too), and
// the bench backend (bench/lib/backend.js) answering every peer's endpoints.
const fs = require('fs');
const path = require('path');
const { createRealm } = require('../../tests/support/mp-realm.js');
const { makeBackend } = require('./backend.js');

const ROOT = path.resolve(__dirname, '../..');
const SIM = path.join(ROOT, 'tests/sim/wx-sim.js');
const SETUP = path.join(__dirname, 'realm-setup.js');
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
  // Bench-only additions a peer asks for (bench/lib/realm-setup.js, shared with jsc).
  realm.run(fs.readFileSync(SETUP, 'utf8'), SETUP);
  realm.context.__setup = { wxShims: o.wxShims, globals: o.globals, requestTaskShims: o.requestTaskShims, fakeDate: o.fakeDate };
  realm.run('benchRealmSetup(globalThis, sim, __setup)');
  // Scripts the app would have loaded before the SDK (e.g. a regenerator runtime).
  for (const file of o.scripts || []) realm.run(fs.readFileSync(path.join(ROOT, file), 'utf8'), file);
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

module.exports = { ROOT, DOMAINS, launch, countCalls };
