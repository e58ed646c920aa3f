'use strict';
// End to end over real HTTP: the shipped SDK (dist/, through the shim) runs in the
// mini-program realm with the wx simulator, whose wx.request goes through a forwarder
// that sends each request with node's fetch to wx-auth-server on loopback, which calls
// the WeChat stand-in (wechat-standin) for jscode2session. Every code wx.login mints is
// registered with the stand-in before wx.login answers.
//
// Scenarios: privacy → login → /api/me → logout → the old token refused by the server,
// with SQLite and with Redis (two server instances sharing it); WeChat's errors arriving
// at the page as SDK errors; unbind (a fresh code proves the user); and the phone button
// (each phone code the simulator mints is registered with the stand-in, the server
// exchanges it with getuserphonenumber). Prints `N passed, N failed`.
//
// The backend: `--backend rust` (the default; wx-auth-server, examples/server) or
// `--backend node` (wx-auth-server-node, examples/server-node), or E2E_BACKEND=node. The
// Node backend keeps sessions in Redis only: its first scenarios run on a Redis of their
// own where the Rust one uses SQLite, and one more shares a Redis with a Rust instance.
//
// Needs: dist/ (make dist), cargo (builds the debug binaries), redis-server on PATH
// (scripts/setup-server.sh); for node, examples/server-node's dependencies
// (scripts/setup-server-node.sh). Tokens are never printed.
const assert = require('assert');
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { createRealm } = require('../support/mp-realm.js');
const { createRunner } = require('../support/runner.js');
const { buildServer, startBinary, startServer, startRedis, postJson, forwarder, codeRegistrar, phoneCodeRegistrar, stopAll } = require('../support/stack.js');

/** `--backend rust|node` (or E2E_BACKEND): the server under test. */
function backendKind(argv) {
  const i = argv.findIndex((a) => a === '--backend' || a.startsWith('--backend='));
  const kind = i < 0 ? process.env.E2E_BACKEND || 'rust' : argv[i].includes('=') ? argv[i].split('=')[1] : argv[i + 1];
  if (kind !== 'rust' && kind !== 'node') throw new Error('--backend must be rust or node, not ' + kind);
  return kind;
}
const BACKEND = backendKind(process.argv.slice(2));
const NAME = BACKEND === 'rust' ? 'wx-auth-server' : 'wx-auth-server-node';

const root = path.resolve(__dirname, '../..');
const SIM = path.join(root, 'tests/sim/wx-sim.js');
const API = 'https://api.example.com';
const APPID = 'wx-e2e-app';
const SECRET = 'e2e-secret-' + crypto.randomBytes(6).toString('hex');
const USER = 'xiaoming';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wx-auth-e2e-'));

/** The openid the stand-in gives a user (see examples/server/src/standin.rs). */
function openidFor(user) {
  const digest = crypto.createHash('sha256').update(APPID + ':' + user).digest('base64url');
  return 'o-' + digest.slice(0, 26);
}

async function getMe(base, bearer) {
  const res = await fetch(base + '/api/me', { headers: { Authorization: 'Bearer ' + bearer } });
  return { status: res.status, body: await res.json() };
}

/**
 * A page: a fresh realm with the simulator and the SDK. `route(req)` picks the server
 * base URL for each request. The forwarder keeps what the server answered (and the bearer
 * it was sent, so the test can ask the server about it after logout) in `seen`.
 */
async function page(standin, route, options) {
  const realm = createRealm({ root: root });
  realm.loadModuleAsScript(SIM);
  const seen = [];
  realm.context.__backend = forwarder(route, seen);
  realm.context.__onCodeMinted = codeRegistrar(standin, USER);
  realm.context.__onPhoneCodeMinted = phoneCodeRegistrar(standin, USER);
  const sim = realm.run("var sim = createWxSim({ sdkVersion: '3.3.4', needPrivacyAuthorization: true, backend: __backend, onCodeMinted: __onCodeMinted, onPhoneCodeMinted: __onPhoneCodeMinted }); installWx(sim); sim");
  const sdk = realm.require('./dist/index.js');
  const auth = await sdk.createAuth(Object.assign({
    wasmPath: '/dist/wx_auth.wasm.br',
    loginUrl: API + '/auth/login',
    logoutUrl: API + '/auth/logout',
    now: sim.now,
  }, options || {}));
  auth.onPrivacyPrompt(() => {
    sim.tap(() => sim.tapAgreeButton('agree-btn'));
    auth.resolvePrivacy({ agree: true, buttonId: 'agree-btn' });
  });
  await auth.agreePrivacy();
  assert.strictEqual(auth.state.kind, 'privacy-agreed');
  return { auth: auth, sim: sim, seen: seen };
}

/** privacy → login → /api/me → logout → the server refuses the old token. */
async function flow(standin, loginBase, meBase, logoutBase) {
  const route = (req) => (req.path === '/auth/login' ? loginBase : req.path === '/auth/logout' ? logoutBase : meBase);
  const { auth, sim, seen } = await page(standin, route);
  await auth.login();
  assert.strictEqual(auth.state.kind, 'logged-in');
  const me = await auth.request({ url: API + '/api/me' });
  assert.strictEqual(me.statusCode, 200);
  assert.strictEqual(me.data.openid, openidFor(USER));
  assert.ok(Math.abs(me.data.since - Date.now() / 1000) < 600, 'since is now-ish: ' + me.data.since);
  const sent = seen.find((s) => s.path === '/api/me');
  assert.strictEqual(sent.base, meBase);
  const token = sent.bearer;
  assert.ok(/^[0-9a-f]{64}$/.test(token), 'the SDK sent the server\'s token');
  await auth.logout();
  await sim.settle();
  assert.strictEqual(auth.state.kind, 'logged-out');
  const out = seen.find((s) => s.path === '/auth/logout');
  assert.ok(out, 'the SDK posted the logout');
  assert.strictEqual(out.status, 200);
  assert.strictEqual(out.bearer, token);
  const refused = await auth.request({ url: API + '/api/me' }).then(() => null, (e) => e);
  assert.strictEqual(refused && refused.code, 'NOT_LOGGED_IN');
  const direct = await getMe(meBase, token);
  assert.strictEqual(direct.status, 401);
  assert.strictEqual(direct.body.code, 'UNAUTHORIZED');
  assert.strictEqual(sim.count('login'), 1);
}

/** A login whose exchange WeChat answers with `errcodes` (one per exchange, in order). */
async function loginWithWeChatErrors(standin, server, errcodes, options) {
  for (const errcode of errcodes) {
    const r = await postJson(standin, '/_standin/fail', { errcode: errcode });
    assert.strictEqual(r.status, 200);
  }
  const p = await page(standin, () => server, options);
  const error = await p.auth.login().then(() => null, (e) => e);
  return Object.assign(p, { error: error });
}

const { test, summary } = createRunner(6);

async function main() {
  if (!fs.existsSync(path.join(root, 'dist/index.js'))) throw new Error('no dist/: run make dist first');
  buildServer();
  const standin = (await startBinary('wechat-standin', { LISTEN: '127.0.0.1:0', WX_APPID: APPID, WX_SECRET: SECRET })).base;
  // Avatars are served at the https address the phones know the API by (the forwarder
  // carries it to loopback), as behind a real TLS front.
  const serverEnv = (extra) => Object.assign({ LISTEN: '127.0.0.1:0', WX_APPID: APPID, WX_SECRET: SECRET, WX_API_BASE: standin,
    AVATAR_DIR: path.join(tmp, 'avatars'), PUBLIC_BASE_URL: API }, extra);
  console.log('# backend: ' + NAME);
  const first = BACKEND === 'rust'
    ? await startServer('rust', serverEnv({ DATABASE_PATH: path.join(tmp, 'sessions.db') }))
    : await startServer('node', serverEnv({ REDIS_URL: await startRedis() }));
  const s = first.base;
  const store = BACKEND === 'rust' ? 'SQLite' : 'Redis';

  await test(store + ': privacy → login → /api/me → logout → the old token is refused (401)', () => flow(standin, s, s, s));

  await test('WeChat busy (-1): the server answers 503, the SDK retries with a new code and logs in', async () => {
    const p = await loginWithWeChatErrors(standin, s, [-1]);
    assert.strictEqual(p.error, null, p.error && p.error.message);
    assert.strictEqual(p.auth.state.kind, 'logged-in');
    assert.deepStrictEqual(p.seen.filter((x) => x.path === '/auth/login').map((x) => x.status), [503, 200]);
    assert.strictEqual(p.sim.count('login'), 2);
  });

  for (const [errcode, name] of [[40029, 'invalid code'], [40163, 'used code']]) {
    await test('WeChat ' + errcode + ' (' + name + '): LOGIN_FAILED with statusCode 400, not retried', async () => {
      const p = await loginWithWeChatErrors(standin, s, [errcode]);
      assert.ok(p.error, 'login failed');
      assert.strictEqual(p.error.code, 'LOGIN_FAILED');
      assert.strictEqual(p.error.statusCode, 400);
      assert.strictEqual(p.error.transient, false);
      assert.ok(/INVALID_CODE|CODE_USED/.test(p.error.message), p.error.message);
      assert.strictEqual(p.sim.count('login'), 1);
      assert.strictEqual(p.auth.state.kind, 'privacy-agreed');
    });
  }

  await test('WeChat 45011 (rate limit): 429 is transient, the SDK retries and logs in', async () => {
    const p = await loginWithWeChatErrors(standin, s, [45011]);
    assert.strictEqual(p.error, null, p.error && p.error.message);
    assert.deepStrictEqual(p.seen.filter((x) => x.path === '/auth/login').map((x) => x.status), [429, 200]);
  });

  await test('WeChat 45011 on every attempt: LOGIN_FAILED, statusCode 429, transient', async () => {
    const p = await loginWithWeChatErrors(standin, s, [45011, 45011], { retry: { attempts: 2, baseDelayMs: 10, maxDelayMs: 10 } });
    assert.ok(p.error, 'login failed');
    assert.strictEqual(p.error.code, 'LOGIN_FAILED');
    assert.strictEqual(p.error.statusCode, 429);
    assert.strictEqual(p.error.transient, true);
    assert.strictEqual(p.sim.count('login'), 2);
  });

  await test('WeChat 40226 (blocked user): LOGIN_FAILED with statusCode 403, not retried', async () => {
    const p = await loginWithWeChatErrors(standin, s, [40226]);
    assert.ok(p.error, 'login failed');
    assert.strictEqual(p.error.code, 'LOGIN_FAILED');
    assert.strictEqual(p.error.statusCode, 403);
    assert.strictEqual(p.error.transient, false);
    assert.strictEqual(p.sim.count('login'), 1);
  });

  await test('unbind: login → unbind → privacy-agreed, the old token refused, a new login has a new since', async () => {
    const { auth, seen } = await page(standin, () => s, { unbindUrl: API + '/auth/unbind' });
    assert.strictEqual(typeof auth.unbind, 'function', 'dist/ has auth.unbind (rebuild with make dist)');
    await auth.login();
    const first = await auth.request({ url: API + '/api/me' });
    const token = seen.find((x) => x.path === '/api/me').bearer;
    await new Promise((r) => setTimeout(r, 1100)); // so the new binding starts in a later second
    await auth.unbind();
    assert.strictEqual(auth.state.kind, 'privacy-agreed');
    assert.strictEqual(seen.find((x) => x.path === '/auth/unbind').status, 200);
    assert.strictEqual((await getMe(s, token)).status, 401);
    await auth.login();
    const again = await auth.request({ url: API + '/api/me' });
    assert.strictEqual(again.data.openid, first.data.openid);
    assert.ok(again.data.since > first.data.since, 'a brand-new binding');
  });

  await test('profile: the chosen avatar goes up as multipart, the server serves it back, and a second phone gets the profile at its login', async () => {
    const { auth, sim, seen } = await page(standin, () => s, { profileUrl: API + '/auth/profile' });
    const picked = await sim.chooseAvatar();
    auth.setProfile({ nickName: '小明', avatarUrl: picked.avatarUrl });
    await auth.login();
    await sim.settle();
    assert.deepStrictEqual(seen.filter((x) => x.path === '/auth/profile').map((x) => x.status), [200]);
    const profile = JSON.parse(JSON.stringify(auth.state.profile)); // from the mini-program realm
    assert.match(profile.avatarUrl, /^https:\/\/api\.example\.com\/avatars\/[0-9a-f]{32}\.png$/);
    assert.deepStrictEqual([profile.nickName, profile.saved], ['小明', true]);
    const served = await fetch(s + profile.avatarUrl.slice(API.length));
    assert.strictEqual(served.status, 200);
    assert.strictEqual(served.headers.get('content-type'), 'image/png');
    assert.deepStrictEqual(Array.from(new Uint8Array(await served.arrayBuffer())), Array.from(sim.fileBytes(picked.avatarUrl)), 'the bytes the phone picked');
    // A refused picture changes nothing on the phone.
    const html = await sim.chooseAvatar([0x3c, 0x68, 0x74, 0x6d, 0x6c, 0x3e]);
    const refused = await auth.saveProfile({ avatarUrl: html.avatarUrl }).then(() => null, (e) => e);
    assert.ok(refused, 'a non-image was refused');
    assert.deepStrictEqual([refused.code, refused.statusCode], ['PROFILE_REJECTED', 415]);
    assert.deepStrictEqual(JSON.parse(JSON.stringify(auth.state.profile)), profile);
    // The same WeChat user on a second phone.
    const other = await page(standin, () => s, { profileUrl: API + '/auth/profile' });
    await other.auth.login();
    assert.deepStrictEqual(JSON.parse(JSON.stringify(other.auth.state.profile)), profile);
    assert.strictEqual(other.sim.count('uploadFile'), 0);
  });

  await test('phone: the button\'s code → the server → getuserphonenumber: the masked number; the same code again is PHONE_FAILED', async () => {
    const { auth, sim, seen } = await page(standin, () => s, { phoneUrl: API + '/auth/phone' });
    assert.strictEqual(typeof auth.verifyPhoneNumber, 'function', 'dist/ has auth.verifyPhoneNumber (rebuild with make dist)');
    await auth.login();
    const detail = await sim.tapPhoneButton();
    assert.ok(typeof detail.code === 'string', 'the button gave a code');
    const phone = await auth.verifyPhoneNumber(detail);
    assert.deepStrictEqual(JSON.parse(JSON.stringify(phone)), { phoneNumber: '138****8000', countryCode: '86' }); // from the mini-program realm
    const again = await auth.verifyPhoneNumber(detail).then(() => null, (e) => e);
    assert.ok(again, 'the used code was refused');
    assert.strictEqual(again.code, 'PHONE_FAILED');
    assert.strictEqual(again.statusCode, 400);
    assert.ok(/INVALID_CODE/.test(again.message), again.message);
    assert.deepStrictEqual(seen.filter((x) => x.path === '/auth/phone').map((x) => x.status), [200, 400]);
    // A second tap mints a new code, verified with the cached access token.
    const second = await auth.verifyPhoneNumber(await sim.tapPhoneButton('getRealtimePhoneNumber'));
    assert.strictEqual(second.phoneNumber, '138****8000');
    assert.strictEqual(sim.billedPhoneVerifications, 2);
    const billing = await (await fetch(standin + '/_standin/billing')).json();
    assert.strictEqual(billing.stableTokenCalls, 1, 'one access token for every verification');
    assert.strictEqual(billing.forceRefreshes, 0, 'never force-refreshed');
    assert.strictEqual(auth.state.kind, 'logged-in');
  });

  const redisUrl = await startRedis();
  const a = await startServer(BACKEND, serverEnv({ REDIS_URL: redisUrl }));
  const b = await startServer(BACKEND, serverEnv({ REDIS_URL: redisUrl }));
  await test('Redis: the same flow on one instance', () => flow(standin, a.base, a.base, a.base));
  await test('Redis, two instances: login on A, /api/me on B, logout on B → refused on A', () => flow(standin, a.base, b.base, b.base));
  await test('Redis, two instances: logout on A → refused on B', () => flow(standin, a.base, b.base, a.base));
  const servers = [first, a, b];
  if (BACKEND === 'node') {
    // Both backends keep the same Redis layout: they can serve one app side by side.
    const rust = await startBinary('wx-auth-server', serverEnv({ REDIS_URL: redisUrl }));
    servers.push(rust);
    await test('Redis, Node and Rust side by side: login on Node, /api/me and logout on Rust, then refused', () => flow(standin, a.base, rust.base, rust.base));
  }

  await test('no server log holds the secret or a token', async () => {
    for (const srv of servers) {
      const log = srv.log();
      assert.ok(/(GET|POST) \/(auth|api)\/\S+ \d{3}/.test(log), 'requests are logged');
      assert.ok(!log.includes(SECRET), 'the secret is not logged');
      assert.ok(!/[0-9a-f]{64}/.test(log), 'no token is logged');
      const leak = /13800138000|phone-\d|AT_[0-9a-f]{8}|o-[A-Za-z0-9_-]{26}/.exec(log);
      assert.ok(!leak, 'no phone number, phone code, access token or openid is logged: ' + (leak && log.slice(Math.max(0, leak.index - 80), leak.index + 40)));
    }
  });

  return summary();
}

function cleanup() {
  stopAll();
  fs.rmSync(tmp, { recursive: true, force: true });
}

main().then((failed) => { cleanup(); process.exit(failed ? 1 : 0); }, (e) => {
  console.error(e);
  cleanup();
  process.exit(1);
});
