'use strict';
// Start-up in node: a fresh mini-program realm and simulator per launch, with a valid
// stored session; timed from the `require` of the SDK's entry to its ready state with
// the session restored (ours: createAuth resolved with `logged-in`). Realm creation and
// seeding the storage are outside the timing. The first launches warm node's own caches
// and are dropped.
const { performance } = require('perf_hooks');
const { launch } = require('./lib/env.js');
const { median, quantile } = require('./lib/stats.js');

async function startupNode(subject, runs, warmup) {
  const times = [];
  let state = null;
  for (let i = 0; i < runs + warmup; i++) {
    const env = launch(subject.launchOptions);
    await subject.seed(env);
    const t0 = performance.now();
    const h = await subject.ready(env);
    const t1 = performance.now();
    if (!subject.loggedIn(h)) throw new Error(subject.short + ': not logged in after start-up');
    state = h.state;
    if (i >= warmup) times.push(t1 - t0);
  }
  return { runs, median: median(times), p90: quantile(times, 0.9), min: Math.min(...times), state };
}

module.exports = { startupNode };
