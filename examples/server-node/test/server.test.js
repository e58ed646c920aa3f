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
  assert.deepStrictEqual([c.avatarDir, c.publicBaseUrl], ['avatars', undefined]);
  const d = fromEnv({ WX_APPID: 'a', WX_SECRET: 's', REDIS_URL: 'r', AVATAR_DIR: '/srv/avatars', PUBLIC_BASE_URL: 'https://api.example.com/' });
  assert.deepStrictEqual([d.avatarDir, d.publicBaseUrl], ['/srv/avatars', 'https://api.example.com']);
  for (const bad of ['api.example.com', 'ftp://x', 'https://', 'https://a b']) {
    assert.throws(() => fromEnv({ WX_APPID: 'a', WX_SECRET: 's', REDIS_URL: 'r', PUBLIC_BASE_URL: bad }), /PUBLIC_BASE_URL/, bad);
  }
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

// The profile (POST /auth/profile, GET /avatars/…), as examples/server/tests/profile_api.rs
// checks it on the Rust server.

/** A real PNG: 1×1, one red pixel. */
const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c49444154789c63f8cfc0000003010100c9fe92ef0000000049454e44ae426082', 'hex');

/** POST /auth/profile as wx.uploadFile sends it: the file part avatar and the text part nickName. */
async function upload(base, token, nickName, bytes) {
  const form = new FormData();
  form.append('nickName', nickName);
  form.append('avatar', new Blob([bytes], { type: 'image/png' }), 'tmp_8a1f.png');
  const headers = token ? { Authorization: 'Bearer ' + token } : {};
  const res = await fetch(base + '/auth/profile', { method: 'POST', headers: headers, body: form });
  return { status: res.status, body: await res.json() };
}

const filesIn = (dir) => (require('fs').existsSync(dir) ? require('fs').readdirSync(dir).sort() : []);

test('the profile: an uploaded PNG served back, the JSON form, refusals that change nothing, the login reply, unbind; a Rust instance on the same Redis reads and replaces it', async () => {
  const fs = require('fs');
  const os = require('os');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wx-auth-node-avatars-'));
  try {
    const redisUrl = await stack.startRedis();
    const standin = (await stack.startBinary('wechat-standin', { LISTEN: '127.0.0.1:0', WX_APPID: APPID, WX_SECRET: SECRET })).base;
    const env = { LISTEN: '127.0.0.1:0', WX_APPID: APPID, WX_SECRET: SECRET, WX_API_BASE: standin, REDIS_URL: redisUrl, AVATAR_DIR: dir, PUBLIC_BASE_URL: 'https://api.example.test' };
    const server = await stack.startNodeServer(env);
    const rust = await stack.startBinary('wx-auth-server', env);
    const s = server.base;
    const login = async (code, user, base) => {
      assert.strictEqual((await post(standin, '/_standin/codes', { code: code, user: user })).status, 200);
      const r = await post(base || s, '/auth/login', { code: code });
      assert.strictEqual(r.status, 200);
      return r.body;
    };
    const me = async (t, base) => (await fetch((base || s) + '/api/me', { headers: { Authorization: 'Bearer ' + t } })).json();
    const nameOf = (url) => {
      const m = /^https:\/\/api\.example\.test\/avatars\/([0-9a-f]{32}\.png)$/.exec(url);
      assert.ok(m, url);
      return m[1];
    };

    const first = await login('c1', 'xiaoming');
    assert.ok(!('profile' in first), 'no profile before one is saved');
    const t = first.token;
    const up = await upload(s, t, '  小明 ', PNG);
    assert.strictEqual(up.status, 200, JSON.stringify(up.body));
    assert.deepStrictEqual(Object.keys(up.body).sort(), ['avatarUrl', 'nickName']);
    assert.strictEqual(up.body.nickName, '小明');
    const f1 = nameOf(up.body.avatarUrl);
    assert.deepStrictEqual(filesIn(dir), [f1]);
    const served = await fetch(s + '/avatars/' + f1);
    assert.strictEqual(served.status, 200);
    assert.deepStrictEqual(Buffer.from(await served.arrayBuffer()), PNG);
    assert.strictEqual(served.headers.get('content-type'), 'image/png');
    assert.strictEqual(served.headers.get('x-content-type-options'), 'nosniff');
    assert.strictEqual(served.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.deepStrictEqual((await me(t)).profile, up.body);
    // The Rust server on the same Redis and directory reads the record the Node one wrote.
    assert.deepStrictEqual((await login('c2', 'xiaoming', rust.base)).profile, up.body);

    // Refusals: nothing stored changes, no file is added or removed.
    const big = Buffer.alloc(1024 * 1024 + 1);
    PNG.copy(big);
    for (const [r, status, code] of [
      [await upload(s, t, '小明', Buffer.from('not an image, whatever its name says')), 415, 'UNSUPPORTED_IMAGE'],
      [await upload(s, t, '小明', big), 413, 'AVATAR_TOO_LARGE'],
      [await upload(s, t, ' ', PNG), 400, 'INVALID_PROFILE'],
      [await upload(s, t, '😀'.repeat(65), PNG), 400, 'INVALID_PROFILE'],
      [await upload(s, t, 'a\u0007b', PNG), 400, 'INVALID_PROFILE'],
      [await upload(s, null, '小明', PNG), 401, 'UNAUTHORIZED'],
      [await upload(s, 'f'.repeat(64), '小明', PNG), 401, 'UNAUTHORIZED'],
      [await post(s, '/auth/profile', { nickName: '小明', avatarUrl: 'http://a.example/x.png' }, t), 400, 'INVALID_PROFILE'],
      [await post(s, '/auth/profile', { nickName: '小明' }, t), 400, 'INVALID_PROFILE'],
      [await post(s, '/auth/profile', { nickName: '小明', avatarUrl: 'https://a.example/' + 'x'.repeat(9000) }, t), 413, 'PAYLOAD_TOO_LARGE'],
    ]) {
      assert.deepStrictEqual([r.status, r.body.code], [status, code], JSON.stringify(r.body));
      assert.ok(r.body.message);
    }
    const plain = await fetch(s + '/auth/profile', { method: 'POST', headers: { Authorization: 'Bearer ' + t, 'Content-Type': 'text/plain' }, body: 'x' });
    assert.strictEqual(plain.status, 415);
    assert.strictEqual((await plain.json()).code, 'UNSUPPORTED_MEDIA_TYPE');
    assert.deepStrictEqual((await me(t)).profile, up.body);
    assert.deepStrictEqual(filesIn(dir), [f1]);

    // A new upload on the Rust instance replaces the file; the Node one then keeps it for a
    // JSON form with the same URL, and deletes it for another URL.
    const again = await upload(rust.base, t, '小明', PNG);
    assert.strictEqual(again.status, 200);
    const f2 = nameOf(again.body.avatarUrl);
    assert.deepStrictEqual(filesIn(dir), [f2]);
    const renamed = await post(s, '/auth/profile', { nickName: ' 小明明 ', avatarUrl: again.body.avatarUrl }, t);
    assert.deepStrictEqual([renamed.status, renamed.body], [200, { nickName: '小明明', avatarUrl: again.body.avatarUrl }]);
    assert.deepStrictEqual(filesIn(dir), [f2]);
    const remote = 'https://thirdwx.qlogo.cn/mmopen/vi_32/Q0j4TwGTfTK/132';
    const json = await post(s, '/auth/profile', { nickName: '小明', avatarUrl: remote }, t);
    assert.deepStrictEqual([json.status, json.body], [200, { nickName: '小明', avatarUrl: remote }]);
    assert.deepStrictEqual(filesIn(dir), []);
    assert.strictEqual((await fetch(s + '/avatars/' + f2)).status, 404);
    assert.deepStrictEqual((await me(t, rust.base)).profile, json.body);

    // /avatars looks up only names the server makes.
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'private');
    for (const p of ['/avatars/notes.txt', '/avatars/..%2fnotes.txt', '/avatars/%2e%2e%2f%2e%2e%2fetc%2fpasswd', '/avatars/' + f1.toUpperCase(), '/avatars/' + f1 + '.part']) {
      const r = await fetch(s + p);
      assert.strictEqual(r.status, 404, p);
      assert.strictEqual((await r.json()).code, 'NOT_FOUND', p);
    }
    fs.rmSync(path.join(dir, 'notes.txt'));

    // Unbind erases the profile and its file.
    const last = await upload(s, t, '小明', PNG);
    assert.deepStrictEqual(filesIn(dir), [nameOf(last.body.avatarUrl)]);
    assert.strictEqual((await post(standin, '/_standin/codes', { code: 'u1', user: 'xiaoming' })).status, 200);
    assert.strictEqual((await post(s, '/auth/unbind', { code: 'u1' }, t)).status, 200);
    assert.deepStrictEqual(filesIn(dir), []);
    assert.ok(!('profile' in (await login('c3', 'xiaoming'))));

    const log = server.log();
    assert.match(log, /POST \/auth\/profile 200/);
    for (const secret of ['小明', t]) assert.ok(!log.includes(secret), 'the log holds ' + secret);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('uploads read at once are bounded: with 32 in flight the next is 503 BUSY at once, and a normal upload works once they end', async () => {
  const net = require('net');
  const fs = require('fs');
  const os = require('os');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wx-auth-node-busy-'));
  try {
    const redisUrl = await stack.startRedis();
    const standin = (await stack.startBinary('wechat-standin', { LISTEN: '127.0.0.1:0', WX_APPID: APPID, WX_SECRET: SECRET })).base;
    const server = await stack.startNodeServer({ LISTEN: '127.0.0.1:0', WX_APPID: APPID, WX_SECRET: SECRET, WX_API_BASE: standin, REDIS_URL: redisUrl, AVATAR_DIR: dir });
    const s = server.base;
    assert.strictEqual((await post(standin, '/_standin/codes', { code: 'busy-1', user: 'xiaoming' })).status, 200);
    const token = (await post(s, '/auth/login', { code: 'busy-1' })).body.token;
    const { port } = new URL(s);
    // 32 uploads that announce 200 KB and send only their first part's head.
    const slow = [];
    for (let i = 0; i < 32; i++) {
      const socket = net.connect(Number(port), '127.0.0.1');
      socket.on('error', () => {});
      socket.write('POST /auth/profile HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ' + token +
        '\r\nContent-Type: multipart/form-data; boundary=b0undary\r\nContent-Length: 200000\r\n\r\n' +
        '--b0undary\r\nContent-Disposition: form-data; name="avatar"; filename="a.png"\r\n\r\n');
      slow.push(socket);
    }
    await new Promise((r) => setTimeout(r, 500));
    const started = Date.now();
    const more = await upload(s, token, '小明', PNG);
    assert.deepStrictEqual([more.status, more.body.code], [503, 'BUSY']);
    assert.ok(Date.now() - started < 1000, 'turned away at once: ' + (Date.now() - started) + ' ms');
    slow.forEach((socket) => socket.destroy());
    let ok = null;
    for (let i = 0; i < 50 && !(ok && ok.status === 200); i++) {
      await new Promise((r) => setTimeout(r, 50));
      ok = await upload(s, token, '小明', PNG);
    }
    assert.strictEqual(ok.status, 200, JSON.stringify(ok.body));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
