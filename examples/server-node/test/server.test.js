'use strict';
// What the conformance kit cannot see from outside, as examples/server/tests/http_api.rs checks
// it for the Rust server: the configuration is refused without credentials, Redis going away
// is a 500 (and the server keeps serving), and the log holds no secret, code or token.
// Run with `node --test examples/server-node/test/` (make test-e2e-node does); needs the
// stand-in binary and redis-server (scripts/setup-server-node.sh).
const assert = require('assert');
const { execFile } = require('child_process');
const path = require('path');
const { test, after } = require('node:test');
const stack = require('../../../tests/support/stack.js');
const { fromEnv } = require('../src/config.js');

const MAIN = path.join(__dirname, '../src/main.js');
const APPID = 'wx-node-test';
const SECRET = 'node-test-secret-5d2e';

after(() => stack.stopAll());

async function post(base, p, body, bearer) {
  const headers = { 'Content-Type': 'application/json' };
  if (bearer) headers.Authorization = 'Bearer ' + bearer;
  const res = await fetch(base + p, { method: 'POST', headers: headers, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

test('the configuration needs the credentials and Redis, and keeps the secret out of sight', () => {
  assert.throws(() => fromEnv({ WX_SECRET: 's', REDIS_URL: 'redis://x' }), /WX_APPID is required/);
  assert.throws(() => fromEnv({ WX_APPID: 'a', REDIS_URL: 'redis://x' }), /WX_SECRET is required/);
  assert.throws(() => fromEnv({ WX_APPID: 'a', WX_SECRET: 's' }), /REDIS_URL is required/);
  assert.throws(() => fromEnv({ WX_APPID: 'a', WX_SECRET: 's', REDIS_URL: 'r', SESSION_TTL_SECONDS: '0' }), /SESSION_TTL_SECONDS/);
  assert.throws(() => fromEnv({ WX_APPID: 'a', WX_SECRET: 's', REDIS_URL: 'r', LISTEN: 'nowhere' }), /LISTEN/);
  const c = fromEnv({ WX_APPID: 'a', WX_SECRET: SECRET, REDIS_URL: 'redis://x', WX_API_BASE: 'http://127.0.0.1:9/' });
  assert.strictEqual(c.secret, SECRET);
  assert.strictEqual(c.apiBase, 'http://127.0.0.1:9');
  assert.strictEqual(c.sessionTtl, 7200);
  assert.deepStrictEqual([c.host, c.port], ['127.0.0.1', 8080]);
  assert.ok(!JSON.stringify(c).includes(SECRET) && !require('util').inspect(c).includes(SECRET));
});

test('without WX_SECRET the server exits 1 and says why', async () => {
  const r = await new Promise((resolve) => {
    execFile(process.execPath, [MAIN], { env: { PATH: process.env.PATH, WX_APPID: 'a' } }, (err, stdout, stderr) => resolve({ code: err ? err.code : 0, stdout: stdout, stderr: stderr }));
  });
  assert.strictEqual(r.code, 1);
  assert.strictEqual(r.stdout, '');
  assert.match(r.stderr, /WX_SECRET is required/);
});

test('Redis gone: 500 INTERNAL, the server keeps serving; the log holds no secret, code or token', async () => {
  const redisUrl = await stack.startRedis();
  const standin = (await stack.startBinary('wechat-standin', { LISTEN: '127.0.0.1:0', WX_APPID: APPID, WX_SECRET: SECRET })).base;
  const server = await stack.startNodeServer({ LISTEN: '127.0.0.1:0', WX_APPID: APPID, WX_SECRET: SECRET, WX_API_BASE: standin, REDIS_URL: redisUrl });
  const s = server.base;
  assert.strictEqual((await post(standin, '/_standin/codes', { code: 'code-logme-1', user: 'xiaoming' })).status, 200);
  const login = await post(s, '/auth/login', { code: 'code-logme-1' });
  assert.strictEqual(login.status, 200);
  const token = login.body.token;
  const me = await fetch(s + '/api/me', { headers: { Authorization: 'Bearer ' + token } });
  assert.strictEqual(me.status, 200);

  // Stop only the redis-server this test started (the last child stack.js spawned for Redis).
  const port = new URL(redisUrl).port;
  const redis = stack.processes().find((c) => c.spawnargs[0] === 'redis-server' && c.spawnargs.includes(port));
  redis.kill();
  await new Promise((r) => redis.once('exit', r));
  const started = Date.now();
  const gone = await fetch(s + '/api/me', { headers: { Authorization: 'Bearer ' + token } });
  assert.strictEqual(gone.status, 500);
  assert.deepStrictEqual((await gone.json()).code, 'INTERNAL');
  assert.ok(Date.now() - started < 3500, 'answered without waiting for Redis');
  assert.strictEqual((await post(s, '/auth/logout', {}, token)).status, 500);
  assert.strictEqual((await fetch(s + '/nowhere')).status, 404, 'still serving');

  const log = server.log();
  assert.match(log, /POST \/auth\/login 200/);
  assert.match(log, /redis/);
  for (const secret of [SECRET, token, 'code-logme-1', 'session_key']) assert.ok(!log.includes(secret), 'the log holds ' + secret);
});

test('phone and unionid: one access token for two Node instances and a Rust one on one Redis (under the same keys), numbers stored in full, nothing secret in the log', async () => {
  const { createClient } = require('@redis/client');
  const redisUrl = await stack.startRedis();
  const standin = (await stack.startBinary('wechat-standin', { LISTEN: '127.0.0.1:0', WX_APPID: APPID, WX_SECRET: SECRET })).base;
  const env = { LISTEN: '127.0.0.1:0', WX_APPID: APPID, WX_SECRET: SECRET, WX_API_BASE: standin, REDIS_URL: redisUrl };
  const a = await stack.startNodeServer(env);
  const b = await stack.startNodeServer(env);
  const rust = await stack.startBinary('wx-auth-server', env);
  const billing = async () => (await fetch(standin + '/_standin/billing')).json();

  // Six users log in (one with a unionid), then verify their numbers all at once on A and B.
  const work = [];
  for (let i = 0; i < 6; i++) {
    const user = 'user' + i;
    const reg = { code: 'login-' + i, user: user };
    if (i === 0) reg.unionid = 'oUnion-node-0';
    const r = await post(standin, '/_standin/codes', reg);
    assert.strictEqual(r.status, 200);
    const server = i % 2 ? b : a;
    const login = await post(server.base, '/auth/login', { code: 'login-' + i });
    assert.strictEqual(login.status, 200);
    assert.strictEqual((await post(standin, '/_standin/phone-codes', { code: 'phone-' + i, user: user, phoneNumber: '1391234567' + i })).status, 200);
    work.push({ base: server.base, token: login.body.token, code: 'phone-' + i, openid: r.body.openid, number: '1391234567' + i });
  }
  const answers = await Promise.all(work.map((w) => post(w.base, '/auth/phone', { code: w.code }, w.token)));
  answers.forEach((r, i) => assert.deepStrictEqual([r.status, r.body], [200, { phoneNumber: '139****567' + i, countryCode: '86' }]));
  assert.deepStrictEqual(await billing(), { phoneVerifications: 6, stableTokenCalls: 1, forceRefreshes: 0 });

  // The Rust server reads the same token key.
  assert.strictEqual((await post(standin, '/_standin/phone-codes', { code: 'phone-rust', user: 'user0' })).status, 200);
  const viaRust = await post(rust.base, '/auth/phone', { code: 'phone-rust' }, work[0].token);
  assert.strictEqual(viaRust.status, 200, JSON.stringify(viaRust.body));
  assert.deepStrictEqual(await billing(), { phoneVerifications: 7, stableTokenCalls: 1, forceRefreshes: 0 });

  // The unionid on /api/me, on either backend.
  for (const base of [b.base, rust.base]) {
    const me = await (await fetch(base + '/api/me', { headers: { Authorization: 'Bearer ' + work[0].token } })).json();
    assert.strictEqual(me.unionid, 'oUnion-node-0');
  }
  const other = await (await fetch(a.base + '/api/me', { headers: { Authorization: 'Bearer ' + work[1].token } })).json();
  assert.ok(!('unionid' in other));

  // The keys, as documented in both READMEs.
  const client = createClient({ url: redisUrl });
  await client.connect();
  try {
    assert.ok((await client.get('wx-auth:access-token:' + APPID)).startsWith('AT_'));
    assert.ok((await client.ttl('wx-auth:access-token:' + APPID)) > 6800);
    assert.strictEqual(await client.get('wx-auth:user-phone:' + work[1].openid), '86 13912345671');
    assert.strictEqual(await client.get('wx-auth:user-phone:' + work[0].openid), '86 13800138000', 'the later number replaced the earlier');
    assert.strictEqual(await client.get('wx-auth:user-unionid:' + work[0].openid), 'oUnion-node-0');
  } finally {
    await client.close();
  }

  for (const server of [a, b]) {
    const log = server.log();
    assert.match(log, /POST \/auth\/phone 200/);
    for (const w of work) {
      for (const secret of [w.number, w.code, w.token, w.openid]) assert.ok(!log.includes(secret), 'the log holds ' + secret);
    }
    for (const secret of [SECRET, 'AT_', 'oUnion', '13800138000']) assert.ok(!log.includes(secret), 'the log holds ' + secret);
  }
});

test('a WeChat that never answers holds at most 64 calls: the next login is 503 WECHAT_BUSY within about a second, and /api/me is not delayed', async () => {
  const net = require('net');
  const held = [];
  const silent = net.createServer((socket) => { held.push(socket); socket.on('error', () => {}); });
  await new Promise((r) => silent.listen(0, '127.0.0.1', r));
  const redisUrl = await stack.startRedis();
  const server = await stack.startNodeServer({
    LISTEN: '127.0.0.1:0', WX_APPID: APPID, WX_SECRET: SECRET,
    WX_API_BASE: 'http://127.0.0.1:' + silent.address().port, REDIS_URL: redisUrl,
  });
  const s = server.base;
  const pending = [];
  for (let i = 0; i < 64; i++) pending.push(post(s, '/auth/login', { code: 'code-held-' + i }).catch(() => null));
  // Let the 64 reach WeChat (and hang there) before the 65th asks for a slot.
  for (let i = 0; i < 100 && held.length < 64; i++) await new Promise((r) => setTimeout(r, 20));
  assert.strictEqual(held.length, 64, 'calls that reached WeChat');
  const started = Date.now();
  const refused = await post(s, '/auth/login', { code: 'code-held-64' });
  const waited = Date.now() - started;
  assert.strictEqual(refused.status, 503);
  assert.strictEqual(refused.body.code, 'WECHAT_BUSY');
  assert.ok(waited >= 900 && waited < 3000, 'refused after waiting about a second for a slot: ' + waited + ' ms');
  assert.strictEqual(held.length, 64, 'the 65th never reached WeChat');
  const meStarted = Date.now();
  const me = await fetch(s + '/api/me');
  assert.strictEqual(me.status, 401);
  assert.ok(Date.now() - meStarted < 500, '/api/me does not wait for WeChat');
  held.forEach((socket) => socket.destroy());
  silent.close();
  await Promise.all(pending);
});
