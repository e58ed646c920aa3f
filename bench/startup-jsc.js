'use strict';
// Start-up in `jsc --useJIT=false`: one jsc process per launch (a fresh global each
// time), timed inside jsc with preciseTime() (bench/jsc/startup.js); median over runs.
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');
const { ROOT } = require('./lib/env.js');
const { median, quantile } = require('./lib/stats.js');

function startupJsc(seed, runs) {
  const out = path.join(ROOT, 'bench/out');
  fs.mkdirSync(out, { recursive: true });
  const seedFile = path.join(out, 'seed.json');
  fs.writeFileSync(seedFile, JSON.stringify(seed));
  const times = [];
  for (let i = 0; i < runs + 1; i++) {
    const text = execFileSync('jsc', ['--useJIT=false', path.join(ROOT, 'bench/jsc/startup.js'), '--', ROOT, seedFile], { encoding: 'utf8' });
    const m = /startup-ms ([\d.]+) (\S+)/.exec(text);
    if (!m || m[2] !== 'logged-in') throw new Error('jsc start-up did not reach logged-in: ' + text.slice(0, 300));
    if (i > 0) times.push(Number(m[1])); // the first launch warms the OS file cache
  }
  return { runs, median: median(times), p90: quantile(times, 0.9), min: Math.min(...times) };
}

module.exports = { startupJsc };
