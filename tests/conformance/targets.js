#!/usr/bin/env node
'use strict';
// `make test-conformance`: the conformance kit (run.js) against each reference backend,
// every process started and stopped here on loopback: a redis-server on a free port, and
// per target a fresh WeChat stand-in (the kit moves its clock), the backend under test, a
// second instance on the same store (--peer-backend), one with SESSION_TTL_SECONDS=2
// (--short-ttl-backend), one with a wrong secret (--bad-secret-backend) and one whose
// WeChat is a closed port (--no-wechat-backend), all with one avatar directory in a
// temporary folder (removed at the end) and an https PUBLIC_BASE_URL. Then the Rust and the Node backend on one
// Redis as each other's peer. Prints the kit's lines per target and a summary; exit code 1
// when any check failed.
//
//   node tests/conformance/targets.js [rust-sqlite|rust-redis|node-redis|mixed ...]
//
// Needs the debug binaries and redis-server (scripts/setup-server.sh) and the Node
// backend's dependencies (scripts/setup-server-node.sh).
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn } = require('child_process');
const stack = require('../support/stack.js');

const KIT = path.join(__dirname, 'run.js');
const APPID = 'wx-conformance-app';
const SECRET = 'conformance-' + crypto.randomBytes(6).toString('hex');

/** Runs the kit with `args`; resolves {failed, passed, out}; its lines are printed as they come. */
function kit(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [KIT].concat(args), { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; process.stdout.write(d); });
    child.on('error', reject);
    child.on('exit', (code) => {
      const m = /(\d+) passed, (\d+) failed\s*$/.exec(out);
      resolve({ code: code, passed: m ? Number(m[1]) : 0, failed: m ? Number(m[2]) : 1 });
    });
  });
}

async function main() {
  const wanted = process.argv.slice(2);
  const targets = wanted.length ? wanted : ['rust-sqlite', 'rust-redis', 'node-redis', 'mixed'];
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wx-auth-conformance-'));
  const results = [];
  try {
    stack.buildServer();
    const redis = await stack.startRedis();
    const closed = 'http://127.0.0.1:' + (await stack.freePort());
    let db = 0;
    for (const target of targets) {
      const started = Date.now();
      const standin = (await stack.startBinary('wechat-standin', { LISTEN: '127.0.0.1:0', WX_APPID: APPID, WX_SECRET: SECRET })).base;
      // Every instance of a target shares one avatar directory, as instances behind one
      // public URL must; the URLs are https, so the JSON form can name a saved avatar.
      const env = (extra) => Object.assign({
        LISTEN: '127.0.0.1:0', WX_APPID: APPID, WX_SECRET: SECRET, WX_API_BASE: standin,
        AVATAR_DIR: path.join(tmp, target + '-avatars'), PUBLIC_BASE_URL: 'https://' + target + '.conformance.test',
      }, extra);
      const redisDb = redis + '/' + (++db); // a database of its own per target
      let args;
      if (target === 'mixed') {
        const rust = await stack.startServer('rust', env({ REDIS_URL: redisDb }));
        const node = await stack.startServer('node', env({ REDIS_URL: redisDb }));
        console.log('# mixed: wx-auth-server and wx-auth-server-node on one Redis, each the other\'s peer');
        const r1 = await kit(['--backend', rust.base, '--standin', standin, '--peer-backend', node.base, '--only', 'shared']);
        const r2 = await kit(['--backend', node.base, '--standin', standin, '--peer-backend', rust.base, '--only', 'shared']);
        results.push({ target: target, passed: r1.passed + r2.passed, failed: r1.failed + r2.failed, ms: Date.now() - started });
        continue;
      }
      const m = /^(rust|node)-(sqlite|redis)$/.exec(target);
      if (!m || (m[1] === 'node' && m[2] === 'sqlite')) throw new Error('unknown target ' + target + ' (rust-sqlite, rust-redis, node-redis, mixed)');
      const kind = m[1];
      const store = m[2] === 'sqlite' ? { DATABASE_PATH: path.join(tmp, target + '.db') } : { REDIS_URL: redisDb };
      const main = await stack.startServer(kind, env(store));
      const peer = await stack.startServer(kind, env(store));
      const shortTtl = await stack.startServer(kind, env(Object.assign({}, store, { SESSION_TTL_SECONDS: '2' })));
      const badSecret = await stack.startServer(kind, env(Object.assign({}, store, { WX_SECRET: 'wrong-' + SECRET })));
      const noWeChat = await stack.startServer(kind, env(Object.assign({}, store, { WX_API_BASE: closed })));
      console.log('# ' + target + ': ' + (kind === 'rust' ? 'wx-auth-server' : 'wx-auth-server-node') + ', sessions in ' + (m[2] === 'sqlite' ? 'SQLite' : 'Redis'));
      const r = await kit([
        '--backend', main.base, '--standin', standin, '--peer-backend', peer.base, '--short-ttl-backend', shortTtl.base,
        '--bad-secret-backend', badSecret.base, '--no-wechat-backend', noWeChat.base,
      ]);
      for (const srv of [main, peer, shortTtl, badSecret, noWeChat]) {
        const log = srv.log();
        if (log.includes(SECRET) || /[0-9a-f]{64}/.test(log)) {
          console.log('not ok - ' + target + ': a server log holds the secret or a token');
          r.failed++;
        }
      }
      results.push({ target: target, passed: r.passed, failed: r.failed, ms: Date.now() - started });
    }
  } finally {
    stack.stopAll();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  console.log('# conformance:');
  for (const r of results) console.log('#   ' + r.target + ': ' + r.passed + ' passed, ' + r.failed + ' failed (' + (r.ms / 1000).toFixed(1) + ' s)');
  return results.reduce((n, r) => n + r.failed, 0) + (results.length < (process.argv.slice(2).length || 4) ? 1 : 0);
}

main().then((failed) => process.exit(failed ? 1 : 0), (e) => {
  console.error(e);
  stack.stopAll();
  process.exit(1);
});
