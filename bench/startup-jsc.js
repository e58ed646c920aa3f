'use strict';
// Start-up in `jsc --useJIT=false`: one jsc process per launch (a fresh global each
// time), timed inside jsc with preciseTime() (bench/jsc/startup.js for ours,
// bench/jsc/peer-startup.js for a peer); median over runs. The first launch warms the
// OS file cache and is dropped.
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');
const { ROOT, DOMAINS, launch } = require('./lib/env.js');
const { median, quantile } = require('./lib/stats.js');

const OUT = path.join(ROOT, 'bench/out');

function timeLaunches(script, args, runs) {
  const times = [];
  for (let i = 0; i < runs + 1; i++) {
    const text = execFileSync('jsc', ['--useJIT=false', path.join(ROOT, script), '--', ROOT, ...args], { encoding: 'utf8', timeout: 60000 });
    const m = /startup-ms ([\d.]+) (\S+)/.exec(text);
    if (!m || m[2] !== 'logged-in') throw new Error('jsc start-up did not reach logged-in: ' + text.slice(0, 300));
    if (i > 0) times.push(Number(m[1]));
  }
  return { runs, median: median(times), p90: quantile(times, 0.9), min: Math.min(...times) };
}

function startupJsc(seed, runs) {
  fs.mkdirSync(OUT, { recursive: true });
  const seedFile = path.join(OUT, 'seed.json');
  fs.writeFileSync(seedFile, JSON.stringify(seed));
  return timeLaunches('bench/jsc/startup.js', [seedFile], runs);
}

/**
 * A peer: its stored session is what its node launches are seeded with (storage items
 * and the backend's sessions, taken from one seeded node launch), written to a file the
 * jsc launch reads with its launch options.
 */
async function startupJscPeer(subject, runs) {
  const env = launch(subject.launchOptions);
  await subject.seed(env);
  const items = env.wx.getStorageInfoSync().keys.map((k) => { const it = env.sim.storageItem(k); return [k, it.text, it.encrypted]; });
  const sessions = Array.from(env.backend.sessions.entries()).map(([t, s]) => [t, s.expiresAt]);
  const options = Object.assign({ fakeDate: true }, subject.launchOptions);
  fs.mkdirSync(OUT, { recursive: true });
  const file = path.join(OUT, 'jsc-' + subject.short + '.json');
  fs.writeFileSync(file, JSON.stringify({ short: subject.short, domains: DOMAINS, options, seed: { items, sessions } }));
  return timeLaunches('bench/jsc/peer-startup.js', [file], runs);
}

module.exports = { startupJsc, startupJscPeer };
