'use strict';
// `make bench`: size, start-up (node and jsc --useJIT=false), per-call cost and platform
// calls per scenario, ours against the peers, in one run; writes bench/RESULTS.md.
// Usage: node bench/run.js [--quick]   (--quick: fewer runs, for trying the bench out)
const path = require('path');
const { ROOT, launch } = require('./lib/env.js');
const { runSize } = require('./size.js');
const { startupNode } = require('./startup.js');
const { startupJsc, startupJscPeer } = require('./startup-jsc.js');
const { perCall } = require('./percall.js');
const { runCalls, withTimeout } = require('./calls.js');
const report = require('./report.js');

const quick = process.argv.includes('--quick');
const RUNS = { startup: quick ? 10 : 50, jsc: quick ? 5 : 21, batches: quick ? 10 : 40 };

const ours = require('./peers/ours.js');
const peers = ['wafer2', 'minapp', 'supabase', 'cloudbase', 'authing'].map((p) => require('./peers/' + p + '.js'));

async function main() {
  const t0 = Date.now();
  const subjects = [ours, ...peers];
  const names = {};
  subjects.forEach((s) => { names[s.short] = s.name; });
  const log = (s) => console.log('[bench] ' + s);

  log('size: bundling the peers, twiggy on a named copy of the wasm');
  const size = await runSize(peers);
  // The realm loads the peers' run bundles (bench-only shims aliased in).
  for (const p of peers) p.prepare && p.prepare();

  const runnable = subjects.filter((s) => !s.unsupported);
  const startup = [];
  for (const s of subjects) {
    if (s.unsupported) { startup.push({ subject: s.short, name: s.name, skipped: s.unsupported }); continue; }
    log('start-up: ' + s.short);
    try {
      const node = await withTimeout(startupNode(s, RUNS.startup, 3), 120000);
      let jsc = null;
      let jscNote = null;
      try {
        jsc = s === ours ? startupJsc(ours.seedRecord(), RUNS.jsc) : await startupJscPeer(s, RUNS.jsc);
      } catch (e) {
        jscNote = 'failed: ' + String(e.message).slice(0, 160);
      }
      startup.push({ subject: s.short, name: s.name, ready: s.readyMeans, node, jsc, jscNote });
    } catch (e) {
      startup.push({ subject: s.short, name: s.name, ready: s.readyMeans, skipped: 'failed: ' + String(e.message).slice(0, 160) });
    }
  }
  const percall = [];
  for (const s of subjects) {
    if (s.unsupported || s.noRequest) { percall.push({ subject: s.short, name: s.name, skipped: s.unsupported || s.noRequest }); continue; }
    log('per-call: ' + s.short);
    try {
      percall.push(Object.assign({ subject: s.short, name: s.name }, await withTimeout(perCall(s, { batches: RUNS.batches }), 120000)));
    } catch (e) {
      percall.push({ subject: s.short, name: s.name, skipped: 'failed: ' + String(e.message).slice(0, 160) });
    }
  }
  log('platform calls per scenario');
  const calls = await runCalls(runnable.concat(subjects.filter((s) => s.unsupported).map((s) => Object.assign({}, s, { skip: allSkipped(s.unsupported) }))));
  const notes = [
    'The simulator (tests/sim/wx-sim.js) is used unchanged. Its domain list and backend are set by bench/lib/env.js: the bench backend (bench/lib/backend.js) answers our protocol, the app API `/api/me` (200 with a valid token, 401 otherwise) and, for each peer, the minimal valid replies its client expects from its own server or cloud, each with a comment naming the SDK file its request and reply shapes were read from. The jsc launches load the same backend file.',
    'Inside the realm, `Date` reads the simulator\'s clock (bench/lib/realm-setup.js, in node and in jsc), so peers that keep expiry times from `Date.now()` agree with the backend when the scenario moves the clock. The wx shims, globals and request-task shims a peer asks for below come from the same file.',
    'The simulator answers on `setImmediate` in node (no 1 ms clamp of `setTimeout(0)`), as its header describes for long runs.',
    'jsc start-up of the peers (bench/jsc/peer-startup.js): a mini-program\'s JS runtime has `console`, `clearTimeout`, `setInterval` and `clearInterval`, the jsc shell has none of them and its `setTimeout` returns no id; the script supplies bench-only stand-ins built on the shell\'s `setTimeout` (`console` prints; a `setTimeout` that returns an id and passes extra arguments; `clearTimeout`, `setInterval`, `clearInterval`). It removes `WebAssembly`, `atob` and `btoa`, which the node realm lacks too. The SDK file is evaluated with WeChat\'s define() parameters (`wx` among them), as in tests/jsc/harness.js; the peer\'s seed (storage items and backend sessions) is taken from one seeded node launch.',
    ...peers.flatMap((p) => p.notes || []),
  ];
  const file = path.join(ROOT, 'bench/RESULTS.md');
  report.write({ seconds: (Date.now() - t0) / 1000, peers: peers.map((p) => ({ name: p.name, version: p.version() })), size, startup, percall, calls, names, notes }, file);
  log('wrote ' + path.relative(process.cwd(), file) + ' in ' + ((Date.now() - t0) / 1000).toFixed(0) + ' s');
  const o = startup.find((x) => x.subject === 'ours');
  const c = percall.find((x) => x.subject === 'ours');
  const ms = (x) => (x ? x.median.toFixed(2) + ' ms' : 'not run');
  log(`ours: wasm ${size.ours.rows[0].brotli} B brotli; start-up ${ms(o.node)} node, ${ms(o.jsc)} jsc (medians); request overhead ${c.overheadUs.toFixed(1)} µs, state read ${c.stateUs.toFixed(2)} µs`);
}

function allSkipped(reason) {
  return { cold: reason, first: reason, expired10: reason, '401x3': reason, logout: reason };
}

main().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); }); // peers leave timers running
