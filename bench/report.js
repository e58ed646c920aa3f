'use strict';
// Writes bench/RESULTS.md from the measurements of bench/run.js.
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execSync } = require('child_process');

const n = (x) => Number(x).toLocaleString('en-US');
const f = (x, d) => (x === undefined || x === null || Number.isNaN(x) ? '–' : Number(x).toFixed(d === undefined ? 1 : d));
const sh = (cmd) => { try { return execSync(cmd, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(); } catch (e) { return 'unknown'; } };

function machine() {
  const cpu = os.cpus();
  return {
    cpu: cpu[0] ? cpu[0].model : 'unknown', cores: cpu.length,
    os: sh('. /etc/os-release && echo "$PRETTY_NAME"') + ', ' + os.type() + ' ' + os.release(),
    node: process.version, jsc: 'libjavascriptcoregtk-4.0-bin ' + sh("dpkg-query -W -f='${Version}' libjavascriptcoregtk-4.0-bin"),
    rustc: sh('rustc --version'), wasmBindgen: sh('wasm-bindgen --version'), wasmOpt: sh('tools/node_modules/.bin/wasm-opt --version'),
    twiggy: sh('twiggy --version'), esbuild: sh('bench/node_modules/.bin/esbuild --version'),
    load: os.loadavg().map((x) => x.toFixed(2)).join(' '), date: new Date().toISOString(),
  };
}

function write(r, file) {
  const m = machine();
  const L = [];
  const p = (s) => L.push(s === undefined ? '' : s);
  p('# wx-auth against its peers');
  p();
  p('Written by `make bench` (`node bench/run.js`); do not edit by hand. Every figure below comes from that run.');
  p();
  p(`- Machine: ${m.cpu}, ${m.cores} cores; ${m.os}; load average at the end ${m.load} (other builds may share the machine: timings are noisy).`);
  p(`- Versions: node ${m.node}; jsc from ${m.jsc}; ${m.rustc}; ${m.wasmBindgen}; wasm-opt ${m.wasmOpt}; ${m.twiggy}; esbuild ${m.esbuild}.`);
  p(`- Date: ${m.date}. Run time: ${f(r.seconds, 0)} s.`);
  p(`- Peers (bench/package.json, exact versions): ${r.peers.map((x) => `${x.name} ${x.version}`).join('; ')}.`);
  p();
  // ---- size
  const s = r.size;
  p('## Size');
  p();
  p('What a mini-program loads, in bytes. Ours as `make dist` ships it; each peer\'s entry (`bench/peers/entries/`) bundled and minified by');
  p(`esbuild with one command line: \`${s.esbuild}\`. gzip -9, brotli -q 11.`);
  p();
  p('| SDK · file | raw | gzip | brotli |');
  p('| --- | ---: | ---: | ---: |');
  for (const row of s.ours.rows) p(`| ours · \`${row.file}\` | ${n(row.raw)} | ${n(row.gzip)} | ${n(row.brotli)} |`);
  const js = s.ours.rows.filter((x) => /\.js$/.test(x.file));
  const sum = (k, rows) => rows.reduce((a, x) => a + x[k], 0);
  const wasm = s.ours.rows[0];
  p(`| **ours · total (wasm + 3 JS files)** | **${n(sum('raw', s.ours.rows))}** | **${n(sum('gzip', s.ours.rows))}** | **${n(sum('brotli', s.ours.rows))}** |`);
  p(`| ours · the 3 JS files minified with the same esbuild (not shipped; like-for-like) | ${n(s.ours.minJs.raw)} | ${n(s.ours.minJs.gzip)} | ${n(s.ours.minJs.brotli)} |`);
  p(`| ours · \`${s.ours.cloud.file}\` (only apps with the \`cloud\` option load it) | ${n(s.ours.cloud.raw)} | ${n(s.ours.cloud.gzip)} | ${n(s.ours.cloud.brotli)} |`);
  for (const row of s.peers) {
    if (row.error) { p(`| ${row.peer.name} ${row.peer.version()} | not bundled: ${row.error} | | |`); continue; }
    p(`| ${row.peer.name} ${row.peer.version()} · \`${row.file}\`${row.peer.sizeNote ? ' (' + row.peer.sizeNote + ')' : ''} | ${n(row.raw)} | ${n(row.gzip)} | ${n(row.brotli)} |`);
  }
  p();
  p(`What a page loads of ours, as the README compares it with the peers' gzip: the wasm brotli (WXWebAssembly loads the \`.wasm.br\`) plus the three JS files gzip = ${n(wasm.brotli)} + ${n(sum('gzip', js))} = **${n(wasm.brotli + sum('gzip', js))} B**.`);
  p();
  p('### Where the wasm bytes go');
  p();
  p(`\`twiggy top\` on a copy built with names (\`bench/out/named/\`: the same wasm-bindgen and \`wasm-opt -Oz\` passes as tools/build-dist.sh, names kept), items grouped by the crate in their name. Code and data total ${n(s.breakdown.total)} B (the shipped file is ${n(s.breakdown.shipped)} B).`);
  p();
  p('| group | bytes | share |');
  p('| --- | ---: | ---: |');
  for (const row of s.breakdown.rows) p(`| ${row.group} | ${n(row.bytes)} | ${f((100 * row.bytes) / s.breakdown.total)} % |`);
  p();
  p('Largest single items:');
  p();
  p('| item | bytes |');
  p('| --- | ---: |');
  for (const it of s.breakdown.top) p(`| \`${it.name.replace(/\|/g, '\\|').slice(0, 110)}\` | ${n(it.bytes)} |`);
  p();
  // ---- startup
  p('## Start-up');
  p();
  p('From the `require` of the SDK\'s entry to its ready state with a stored session restored (ours: `createAuth` resolved with `logged-in`),');
  p('a fresh mini-program realm and simulator per launch (realm creation and seeding storage not timed). In node the simulator answers on');
  p('`setImmediate` (no timer clamp); in jsc on the shell\'s `setTimeout(0)`, one jsc process per launch, timed inside jsc with `preciseTime()`');
  p('(bench/jsc/startup.js for ours; bench/jsc/peer-startup.js for a peer: the same run bundle, `start` function, bench backend and stored session as in node).');
  p('The first launches are dropped (node: 3, jsc: 1).');
  p();
  p('| SDK | ready means | node median (ms) | node p90 | jsc --useJIT=false median (ms) | jsc p90 | vs ours (node) | vs ours (jsc) |');
  p('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  const ourStart = r.startup.find((x) => x.subject === 'ours');
  const ratio = (x, k) => (x.subject === 'ours' ? '1×' : x[k] && ourStart[k] ? f(x[k].median / ourStart[k].median, 2) + '×' : '');
  for (const x of r.startup) {
    if (x.skipped) { p(`| ${x.name} | ${x.ready || ''} | not run: ${x.skipped} | | | | | |`); continue; }
    p(`| ${x.name} | ${x.ready} | ${f(x.node.median, 2)} (${x.node.runs} runs) | ${f(x.node.p90, 2)} | ${x.jsc ? f(x.jsc.median, 2) + ' (' + x.jsc.runs + ' runs)' : 'not run: ' + (x.jscNote || 'no jsc launcher')} | ${x.jsc ? f(x.jsc.p90, 2) : ''} | ${ratio(x, 'node')} | ${ratio(x, 'jsc')} |`);
  }
  p();
  p(`Target: under 5 ms median in node — ours ${f(ourStart.node.median, 2)} ms (${ourStart.node.median < 5 ? 'met' : 'not met'}).`);
  p();
  // ---- per call
  p('## Per-call cost');
  p();
  p('`state` read: µs per read, median over batches. Request overhead: sequential requests to an instant simulated backend');
  p('(answers on the next `setImmediate`), the SDK\'s wrapper minus a bare `wx.request` to the same URL with the same header, batches alternating; µs per call, medians over batches.');
  p();
  p('| SDK | state read (µs) | bare wx.request (µs) | through the SDK (µs) | overhead (µs) | requests timed | vs ours |');
  p('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  const ourCall = r.percall.find((x) => x.subject === 'ours');
  for (const x of r.percall) {
    if (x.skipped) { p(`| ${x.name} | not run: ${x.skipped} | | | | | |`); continue; }
    p(`| ${x.name} | ${x.stateUs !== undefined ? f(x.stateUs, 2) : 'n/a'} | ${f(x.bareUs)} | ${f(x.wrapUs)} | ${f(x.overheadUs)} | ${n(x.requests)} | ${x.subject === 'ours' ? '1×' : f(x.overheadUs / ourCall.overheadUs, 2) + '×'} |`);
  }
  p();
  p(`Target: overhead under 20 µs — ours ${f(ourCall.overheadUs)} µs (${ourCall.overheadUs < 20 ? 'met' : 'not met'}).`);
  p();
  // ---- calls
  p('## Platform calls per scenario');
  p();
  p('Each SDK runs each scenario in a fresh launch of the strict simulator; counts are from its call log, from the scenario\'s start mark.');
  p('reads = getStorage/getStorageSync; writes = setStorage/removeStorage (sync or not); requests = every wx.request (login, logout and API calls).');
  p('Cells over the minimum are marked ▲. "other" lists the remaining wx calls. "simulated ms" is the simulated clock from the scenario\'s first call to its last answer (every wx call and request answers at once in simulated time, so this is only what the SDK itself waits: backoff, floors between logins).');
  p();
  const c = r.calls;
  for (const sc of c.scenarios) {
    p(`### ${sc.title}`);
    p();
    p(`Minimum: ${c.cols.map((k) => `${k} ${sc.min[k]}`).join(', ')} — ${sc.why}.`);
    p();
    p(`| SDK | ${c.cols.join(' | ')} | simulated ms | outcome | other wx calls |`);
    p(`| --- | ${c.cols.map(() => '---:').join(' | ')} | ---: | --- | --- |`);
    p(`| *minimum* | ${c.cols.map((k) => sc.min[k]).join(' | ')} | | | |`);
    for (const row of c.rows.filter((x) => x.scenario === sc.id)) {
      const name = r.names[row.subject];
      if (row.skipped) { p(`| ${name} | ${c.cols.map(() => '–').join(' | ')} | – | not run: ${row.skipped} | |`); continue; }
      p(`| ${name} | ${c.cols.map((k) => (row[k] > sc.min[k] ? `${row[k]} ▲` : String(row[k]))).join(' | ')} | ${row.ms} | ${row.outcome} | ${[...new Set(row.other)].join(', ')} |`);
    }
    p();
  }
  p('Where ours is above the minimum, the call log of that scenario:');
  p();
  const over = c.rows.filter((x) => x.subject === 'ours' && !x.skipped && c.cols.some((k) => x[k] > c.scenarios.find((s) => s.id === x.scenario).min[k]));
  if (!over.length) p('- nowhere.');
  for (const row of over) p(`- ${c.scenarios.find((s) => s.id === row.scenario).title}: ${row.log.map((x) => '`' + x + '`').join(' → ')}`);
  p();
  p('## Bench-only pieces');
  p();
  for (const note of r.notes) p('- ' + note);
  p();
  fs.writeFileSync(file, L.join('\n'));
}

module.exports = { write };
