'use strict';
// Per-call cost: reading the SDK's state, and the overhead of its request wrapper over a
// bare wx.request to the same instant backend (the simulator answers on the next
// setImmediate turn, so no timer clamp). Sequential calls in batches; µs per call is
// each batch's time over its calls, and the median over batches is reported. The
// bare and wrapped batches alternate so drifting noise hits both alike.
const { performance } = require('perf_hooks');
const { launch } = require('./lib/env.js');
const { median } = require('./lib/stats.js');

async function perCall(subject, opts) {
  const o = Object.assign({ batches: 30, perBatch: 100, stateReads: 20000 }, opts || {});
  const env = launch(subject.launchOptions);
  await subject.seed(env);
  const h = await subject.ready(env);
  const url = subject.url;
  const wx = env.wx;
  const bare = () => new Promise((resolve, reject) => wx.request({ url, header: subject.bareHeader ? subject.bareHeader(h) : {}, success: resolve, fail: reject }));
  const out = {};
  if (subject.readState) {
    const reads = [];
    let sink = 0;
    for (let b = 0; b < o.batches; b++) {
      const t0 = performance.now();
      for (let i = 0; i < o.stateReads / o.batches; i++) { const s = subject.readState(h); if (s) sink++; }
      reads.push(((performance.now() - t0) * 1000) / (o.stateReads / o.batches));
    }
    out.stateUs = median(reads);
    out.stateReads = o.stateReads;
    if (sink < 0) console.log(sink);
  }
  const bareUs = [];
  const wrapUs = [];
  for (let b = 0; b < o.batches + 2; b++) {
    let t0 = performance.now();
    for (let i = 0; i < o.perBatch; i++) await bare();
    const tb = ((performance.now() - t0) * 1000) / o.perBatch;
    t0 = performance.now();
    for (let i = 0; i < o.perBatch; i++) {
      const r = await subject.request(h, url);
      if (r.statusCode !== 200) throw new Error(subject.short + ': request answered ' + r.statusCode);
    }
    const tw = ((performance.now() - t0) * 1000) / o.perBatch;
    if (b >= 2) { bareUs.push(tb); wrapUs.push(tw); } // two warm-up batches
    env.sim.calls.length = 0; // keep the log from growing through the run
    env.sim.backendLog.length = 0;
  }
  out.bareUs = median(bareUs);
  out.wrapUs = median(wrapUs);
  out.overheadUs = median(wrapUs.map((w, i) => w - bareUs[i]));
  out.requests = o.batches * o.perBatch;
  return out;
}

module.exports = { perCall };
