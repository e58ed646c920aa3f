'use strict';
// The wxauth cloud function (examples/cloudfunctions/wxauth) driven through the wx-server-sdk
// stand-in (tests/cloud/wx-server-sdk) the way the platform runs it (tests/cloud/invoke.js):
// every route and refusal of the envelope protocol, sessions bound to their openid and their
// expiry on a frozen clock, logout and unbind, phone codes (single use, billed once, WeChat's
// errcodes, the quota), UNIONID, the profile, a failing or missing database, the timer sweep,
// concurrent calls, a battery of garbage envelopes (the function never throws), and what the
// function leaves in the database and its log (no token, code, number or openid in the log; no
// token in the database). Needs node only: no network, no npm install. Prints
// `N passed, N failed` and exits non-zero on a failure.
const assert = require('assert');
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const { invoke } = require('./invoke.js');
const control = require('./wx-server-sdk/control.js');
const { createRunner } = require('../support/runner.js');

const FN = path.join(__dirname, '..', '..', 'examples', 'cloudfunctions', 'wxauth');
const APPID = 'wx0123456789abcdef';
const USERS = 'wxauth_users';
const SESSIONS = 'wxauth_sessions';
const T0 = Date.UTC(2026, 0, 1, 8, 0, 0); // the frozen clock's start, ms

const { test, summary } = createRunner();

// What the function must never write to its log, collected as the tests make it.
const secrets = { tokens: new Set(), codes: new Set(), openids: new Set(), numbers: new Set(['13800138000', '2025550123']) };
const allLogs = [];
let invocations = 0;
let invokeNanos = 0n;

const b64url = (buf) => buf.toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const sha256 = (text) => crypto.createHash('sha256').update(text).digest();

/** A WeChat user of the app: their getWXContext() fields (openid shaped like WeChat's, 28 characters). */
function userOf(name, unionid) {
  const who = { OPENID: 'o-' + b64url(sha256(APPID + ':' + name)).slice(0, 26), APPID: APPID };
  if (unionid) who.UNIONID = unionid;
  secrets.openids.add(who.OPENID);
  return who;
}

/** invoke() that must not fail as a call: resolves the function's result envelope. */
async function callRaw(event, who, options) {
  const start = process.hrtime.bigint();
  const r = await invoke(FN, event, who, options);
  invokeNanos += process.hrtime.bigint() - start;
  invocations += 1;
  allLogs.push.apply(allLogs, r.logs);
  assert.strictEqual(r.error, null, 'the function threw: ' + (r.error && r.error.cause && r.error.cause.stack));
  const res = r.result;
  assert.ok(res && Number.isInteger(res.statusCode), 'no statusCode in ' + JSON.stringify(res));
  assert.ok(res.data !== null && typeof res.data === 'object' && !Array.isArray(res.data), 'data is not an object: ' + JSON.stringify(res));
  if (res.statusCode >= 400) {
    assert.strictEqual(typeof res.data.code, 'string', 'an error without a code: ' + JSON.stringify(res));
    assert.strictEqual(typeof res.data.message, 'string', 'an error without a message: ' + JSON.stringify(res));
  }
  return res;
}

const call = (envelope, who, options) => callRaw(envelope, who, options);
const bearer = (token) => ({ authorization: 'Bearer ' + token });

function expectError(res, status, code, messagePart) {
  assert.strictEqual(res.statusCode, status, JSON.stringify(res));
  assert.strictEqual(res.data.code, code, JSON.stringify(res));
  if (messagePart) assert.ok(res.data.message.indexOf(messagePart) >= 0, JSON.stringify(res));
  assert.deepStrictEqual(Object.keys(res.data).sort(), ['code', 'message']);
}

async function login(who, extra) {
  const res = await call(Object.assign({ path: '/auth/login', method: 'POST' }, extra || {}), who);
  assert.strictEqual(res.statusCode, 200, JSON.stringify(res));
  secrets.tokens.add(res.data.token);
  return res.data.token;
}

const me = (token, who) => call({ path: '/api/me', method: 'GET', header: bearer(token) }, who);
const post = (p, token, data, who, header) => call({ path: p, method: 'POST', header: Object.assign(token ? bearer(token) : {}, header || {}), data: data }, who);

function mint(who, options) {
  const code = control.phone.mint(Object.assign({ openid: who.OPENID, appid: APPID }, options || {}));
  secrets.codes.add(code);
  return code;
}

/** A fresh environment: the two collections created, no codes, the clock frozen at T0, the default TTL. */
function fresh() {
  control.reset();
  control.db.createCollection(USERS);
  control.db.createCollection(SESSIONS);
  control.clock.freeze(T0);
  delete process.env.SESSION_TTL_SECONDS;
}

const nowSec = () => Math.floor(control.clock.now() / 1000);

async function main() {
  const started = process.hrtime.bigint();

  // ---- the deployable function itself ----

  await test('the function directory is deployable: package.json depends on wx-server-sdk, config.json declares the cloud call, nothing vendored', async () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(FN, 'package.json'), 'utf8'));
    assert.strictEqual(pkg.main, 'index.js');
    assert.ok(pkg.dependencies && typeof pkg.dependencies['wx-server-sdk'] === 'string');
    const config = JSON.parse(fs.readFileSync(path.join(FN, 'config.json'), 'utf8'));
    assert.deepStrictEqual(config.permissions.openapi, ['phonenumber.getPhoneNumber']);
    assert.strictEqual(config.triggers.length, 1, 'one trigger at most per function');
    assert.strictEqual(config.triggers[0].type, 'timer');
    assert.strictEqual(config.triggers[0].config.split(' ').length, 7, 'cron of seven fields');
    assert.ok(!fs.existsSync(path.join(FN, 'node_modules')), 'no node_modules in the function');
    for (const f of ['index.js', 'router.js', 'sessions.js', 'phone.js', 'profile.js', 'README.md']) {
      assert.ok(fs.existsSync(path.join(FN, f)), f);
    }
  });

  await test('the function is ES2017 (no ?. ?? ... catch{} or newer built-ins) and requires only node built-ins, wx-server-sdk and its own files', async () => {
    const banned = [/\?\./, /\?\?/, /\.\.\./, /catch\s*\{/, /\.at\(/, /Object\.hasOwn\b/, /structuredClone/, /\.flat(Map)?\(/, /Object\.fromEntries/, /\.matchAll\(/, /\.replaceAll\(/, /Promise\.(allSettled|any)\b/, /\bimport\s*\(/];
    const allowed = new Set(['crypto', 'wx-server-sdk']);
    for (const f of fs.readdirSync(FN).filter((n) => n.endsWith('.js'))) {
      const code = fs.readFileSync(path.join(FN, f), 'utf8').split('\n').filter((l) => !/^\s*(\/\/|\*|\/\*\*)/.test(l)).join('\n');
      for (const re of banned) assert.ok(!re.test(code), f + ' uses ' + re);
      const requires = [];
      code.replace(/require\('([^']+)'\)/g, (m, name) => requires.push(name));
      for (const name of requires) assert.ok(allowed.has(name) || name.startsWith('./'), f + ' requires ' + name);
    }
  });

  // ---- the stand-in holds to the documented shapes ----

  await test('stand-in: doc().get() of a missing document rejects with errCode/errMsg (resolves {data: null} with throwOnNotFound: false); set/update/remove/add/where answer their documented shapes', async () => {
    fresh();
    const sdk = require('./wx-server-sdk');
    const db = sdk.database();
    const c = db.collection(USERS);
    await assert.rejects(c.doc('nope').get(), (e) => e.errCode === -1 && /document\.get:fail .* does not exist/.test(e.errMsg) && /^errCode: -1 \| errMsg: /.test(e.message));
    assert.deepStrictEqual(await sdk.database({ throwOnNotFound: false }).collection(USERS).doc('nope').get(), { data: null });
    assert.deepStrictEqual(await c.doc('a').set({ data: { n: 1, o: { x: 1 } } }), { _id: 'a', stats: { updated: 0, created: 1 } });
    assert.deepStrictEqual(await c.doc('a').set({ data: { n: 2, o: { x: 1 } } }), { _id: 'a', stats: { updated: 1, created: 0 } });
    await assert.rejects(c.doc('a').set({ data: { _id: 'b' } }), (e) => typeof e.errCode === 'number');
    assert.deepStrictEqual(await c.doc('a').update({ data: { o: { y: 2 } } }), { stats: { updated: 1 } });
    assert.deepStrictEqual((await c.doc('a').get()).data, { _id: 'a', n: 2, o: { x: 1, y: 2 } });
    assert.deepStrictEqual(await c.doc('zz').update({ data: { n: 1 } }), { stats: { updated: 0 } });
    const added = await c.add({ data: { n: 3 } });
    assert.ok(/^[0-9a-f]{32}$/.test(added._id));
    for (let i = 0; i < 150; i += 1) await c.add({ data: { bulk: true } });
    assert.strictEqual((await c.where({ bulk: true }).get()).data.length, 100, 'a cloud function gets 100 documents by default');
    assert.strictEqual((await c.where({ bulk: true }).limit(1000).get()).data.length, 150);
    assert.deepStrictEqual(await c.where({ n: db.command.gte(2) }).count(), { total: 2 });
    assert.deepStrictEqual(await c.where({ bulk: true }).remove(), { stats: { removed: 150 } });
    assert.deepStrictEqual(await c.doc('a').remove(), { stats: { removed: 1 } });
    assert.deepStrictEqual(await c.doc('a').remove(), { stats: { removed: 0 } });
    await assert.rejects(db.collection('never_created').doc('a').get(), (e) => e.errCode === -502005);
  });

  await test('stand-in: getPhoneNumber resolves {errCode: 0, errMsg: ...:ok, phoneInfo} once per code, rejects 40029/1400001/-604101 with errCode and errMsg, outside an invocation too', async () => {
    fresh();
    const sdk = require('./wx-server-sdk');
    const alice = userOf('alice');
    const code = mint(alice);
    await assert.rejects(sdk.openapi.phonenumber.getPhoneNumber({ code: code }), (e) => e.errCode === -604101);
    const { state } = control;
    const inv = { wxContext: { OPENID: alice.OPENID, APPID: APPID }, permissions: ['phonenumber.getPhoneNumber'], logs: [] };
    const res = await state.invocation.run(inv, () => sdk.openapi.phonenumber.getPhoneNumber({ code: code }));
    assert.deepStrictEqual(res, {
      errCode: 0,
      errMsg: 'openapi.phonenumber.getPhoneNumber:ok',
      phoneInfo: { phoneNumber: '13800138000', purePhoneNumber: '13800138000', countryCode: '86', watermark: { timestamp: nowSec(), appid: APPID } },
    });
    await assert.rejects(state.invocation.run(inv, () => sdk.openapi.phonenumber.getPhoneNumber({ code: code })),
      (e) => e.errCode === 40029 && /^openapi\.phonenumber\.getPhoneNumber:fail invalid code rid: /.test(e.errMsg));
    control.phone.exhaustQuota();
    await assert.rejects(state.invocation.run(inv, () => sdk.openapi.phonenumber.getPhoneNumber({ code: mint(alice) })), (e) => e.errCode === 1400001);
    assert.deepStrictEqual(control.phone.stats(), { calls: 3, billed: 1 });
    assert.deepStrictEqual(sdk.getWXContext(), {}, 'no WeChat context outside an invocation');
  });

  await test('runner: the event is JSON-cloned with the platform\'s userInfo replacing the caller\'s; getWXContext() is the invocation\'s', async () => {
    fresh();
    const dir = fs.mkdtempSync(path.join(require('os').tmpdir(), 'wxauth-probe-'));
    fs.writeFileSync(path.join(dir, 'index.js'),
      "const cloud = require('wx-server-sdk');\ncloud.init({ env: cloud.DYNAMIC_CURRENT_ENV });\n" +
      'exports.main = async (event, context) => ({ event: event, wx: cloud.getWXContext(), fn: context.function_name });\n');
    const alice = userOf('alice', 'u-alice');
    const r = await invoke(dir, { a: 1, when: new Date(T0), userInfo: { openId: 'forged' } }, alice);
    assert.strictEqual(r.error, null);
    assert.deepStrictEqual(r.result.event, { a: 1, when: new Date(T0).toISOString(), userInfo: { appId: APPID, openId: alice.OPENID } });
    assert.strictEqual(r.result.wx.OPENID, alice.OPENID);
    assert.strictEqual(r.result.wx.UNIONID, 'u-alice');
    assert.strictEqual(r.result.wx.SOURCE, 'wx_client');
    const anonymous = await invoke(dir, {}, {});
    assert.strictEqual(anonymous.result.wx.OPENID, undefined);
    assert.strictEqual(anonymous.result.wx.UNIONID, undefined);
    const http = await invoke(dir, { userInfo: { openId: 'forged' } }, { APPID: APPID, SOURCE: 'wx_http' });
    assert.deepStrictEqual(http.result.event, { userInfo: { appId: APPID } });
    assert.strictEqual(http.result.wx.SOURCE, 'wx_http');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  // ---- login ----

  await test('POST /auth/login: 200 {token, expiresIn: 7200}; the user is bound by OPENID; the session is stored under the token\'s SHA-256 with {openid, issuedAt, expiresAt}', async () => {
    fresh();
    const alice = userOf('alice');
    const res = await call({ path: '/auth/login', method: 'POST' }, alice);
    assert.strictEqual(res.statusCode, 200);
    assert.deepStrictEqual(Object.keys(res.data).sort(), ['expiresIn', 'token']);
    assert.strictEqual(res.data.expiresIn, 7200);
    assert.ok(/^[A-Za-z0-9_-]{43}$/.test(res.data.token), 'base64url of 32 bytes');
    assert.strictEqual(Buffer.from(res.data.token.replace(/-/g, '+').replace(/_/g, '/'), 'base64').length, 32);
    secrets.tokens.add(res.data.token);
    assert.deepStrictEqual(control.db.dump(USERS), [{ _id: alice.OPENID, openid: alice.OPENID, since: nowSec() }]);
    assert.deepStrictEqual(control.db.dump(SESSIONS), [{
      _id: crypto.createHash('sha256').update(res.data.token).digest('hex'), openid: alice.OPENID, issuedAt: nowSec(), expiresAt: nowSec() + 7200,
    }]);
  });

  await test('login: a body is ignored (a code, JSON text, garbage); each login is a new session, the binding and its since stay', async () => {
    fresh();
    const alice = userOf('alice');
    const t1 = await login(alice, { data: { code: '0a1b2c3d' } });
    control.clock.advance(60);
    const t2 = await login(alice, { data: 'not json at all' });
    const t3 = await login(alice, { data: JSON.stringify({ code: 'x' }), header: { 'content-type': 'application/json' } });
    assert.notStrictEqual(t1, t2);
    for (const t of [t1, t2, t3]) {
      const res = await me(t, alice);
      assert.strictEqual(res.statusCode, 200);
      assert.strictEqual(res.data.since, nowSec() - 60);
    }
    assert.strictEqual(control.db.dump(USERS).length, 1);
    assert.strictEqual(control.db.dump(SESSIONS).length, 3);
  });

  await test('login without a WeChat user (an HTTP API call, a forged userInfo in the event) is 401 UNAUTHORIZED; nothing is stored', async () => {
    fresh();
    const victim = userOf('victim');
    expectError(await call({ path: '/auth/login', method: 'POST' }, { SOURCE: 'wx_http' }), 401, 'UNAUTHORIZED');
    expectError(await call({ path: '/auth/login', method: 'POST', userInfo: { openId: victim.OPENID, appId: APPID }, OPENID: victim.OPENID }, { SOURCE: 'wx_http' }), 401, 'UNAUTHORIZED');
    expectError(await call({ path: '/auth/login', method: 'POST' }, { OPENID: 'has space', APPID: APPID }), 401, 'UNAUTHORIZED');
    assert.deepStrictEqual(control.db.dump(USERS), []);
    assert.deepStrictEqual(control.db.dump(SESSIONS), []);
  });

  await test('UNIONID: stored at login and shown by /api/me when WeChat gives it; added by a later login; an unusable one is ignored', async () => {
    fresh();
    const bob = userOf('bob');
    const t1 = await login(bob);
    assert.ok(!('unionid' in (await me(t1, bob)).data));
    const bobBound = Object.assign({}, bob, { UNIONID: 'oUnion-bob-1' });
    const t2 = await login(bobBound);
    assert.strictEqual((await me(t2, bobBound)).data.unionid, 'oUnion-bob-1');
    assert.strictEqual((await me(t1, bob)).data.unionid, 'oUnion-bob-1', 'kept with the user, whichever session asks');
    assert.strictEqual(control.db.dump(USERS)[0].unionid, 'oUnion-bob-1');
    await login(Object.assign({}, bob, { UNIONID: 'oUnion-bob-2' }));
    assert.strictEqual(control.db.dump(USERS)[0].unionid, 'oUnion-bob-2');
    const carol = userOf('carol', 'with space');
    const t3 = await login(carol);
    assert.ok(!('unionid' in (await me(t3, carol)).data));
    const dave = userOf('dave', 'u'.repeat(129));
    await login(dave);
    assert.ok(!('unionid' in control.db.dump(USERS)[2]));
  });

  await test('SESSION_TTL_SECONDS sets expiresIn; an unusable value is 500 INTERNAL with no session made', async () => {
    fresh();
    const alice = userOf('alice');
    process.env.SESSION_TTL_SECONDS = '60';
    const res = await call({ path: '/auth/login', method: 'POST' }, alice);
    assert.strictEqual(res.data.expiresIn, 60);
    secrets.tokens.add(res.data.token);
    assert.strictEqual(control.db.dump(SESSIONS)[0].expiresAt - control.db.dump(SESSIONS)[0].issuedAt, 60);
    for (const bad of ['0', '-5', '1.5', 'abc', '31536001']) {
      process.env.SESSION_TTL_SECONDS = bad;
      expectError(await call({ path: '/auth/login', method: 'POST' }, alice), 500, 'INTERNAL', 'misconfigured');
    }
    assert.strictEqual(control.db.dump(SESSIONS).length, 1);
    process.env.SESSION_TTL_SECONDS = ' 31536000 ';
    assert.strictEqual((await call({ path: '/auth/login', method: 'POST' }, alice)).data.expiresIn, 31536000);
    process.env.SESSION_TTL_SECONDS = '';
    assert.strictEqual((await call({ path: '/auth/login', method: 'POST' }, alice)).data.expiresIn, 7200);
    delete process.env.SESSION_TTL_SECONDS;
  });

  // ---- sessions ----

  await test('GET /api/me: 200 {openid, since} with the session; 401 UNAUTHORIZED without one, with a malformed or unknown token, another scheme', async () => {
    fresh();
    const alice = userOf('alice');
    const t = await login(alice);
    const ok = await me(t, alice);
    assert.deepStrictEqual(ok, { statusCode: 200, data: { openid: alice.OPENID, since: nowSec() } });
    for (const header of [{ authorization: 'Bearer ' + t }, { Authorization: 'Bearer ' + t }, { AUTHORIZATION: '  bearer   ' + t + ' ' }]) {
      assert.strictEqual((await call({ path: '/api/me', method: 'GET', header: header }, alice)).statusCode, 200, JSON.stringify(header));
    }
    const reads = control.db.ops().read;
    for (const header of [undefined, {}, { authorization: '' }, { authorization: t }, { authorization: 'Basic ' + t },
      { authorization: 'Bearer ' + t + 'x' }, { authorization: 'Bearer ' + t.slice(1) }, { authorization: 'Bearer ' + t.replace(/.$/, '+') },
      { authorization: ['Bearer ' + t] }, { authorization: 7 }]) {
      expectError(await call({ path: '/api/me', method: 'GET', header: header }, alice), 401, 'UNAUTHORIZED', 'bearer token');
    }
    assert.strictEqual(control.db.ops().read, reads, 'a token of the wrong shape is refused without a database read');
    const unknown = b64url(crypto.randomBytes(32));
    expectError(await me(unknown, alice), 401, 'UNAUTHORIZED');
  });

  await test('a token replayed by another WeChat user is 401 on every authenticated route, and stays valid for its owner', async () => {
    fresh();
    const alice = userOf('alice');
    const mallory = userOf('mallory');
    const t = await login(alice);
    await login(mallory);
    const code = mint(alice);
    expectError(await me(t, mallory), 401, 'UNAUTHORIZED');
    expectError(await post('/auth/phone', t, { code: code }, mallory), 401, 'UNAUTHORIZED');
    expectError(await post('/auth/profile', t, { nickName: 'x', avatarUrl: 'https://a/b.png' }, mallory), 401, 'UNAUTHORIZED');
    expectError(await post('/auth/unbind', t, undefined, mallory), 401, 'UNAUTHORIZED');
    expectError(await me(t, { APPID: APPID }), 401, 'UNAUTHORIZED');
    assert.strictEqual((await post('/auth/logout', t, undefined, mallory)).statusCode, 200);
    assert.strictEqual(control.phone.stats().calls, 0, 'the phone code was not sent to WeChat');
    assert.strictEqual((await me(t, alice)).statusCode, 200, 'the owner\'s session is untouched');
    assert.strictEqual((await post('/auth/phone', t, { code: code }, alice)).statusCode, 200, 'the code is still good for its owner');
    assert.strictEqual(control.db.dump(USERS).length, 2);
  });

  await test('expiry on the clock: valid until expiresAt, 401 from then on, and the ended session is deleted', async () => {
    fresh();
    const alice = userOf('alice');
    const t = await login(alice);
    control.clock.advance(7199);
    assert.strictEqual((await me(t, alice)).statusCode, 200);
    control.clock.advance(1);
    expectError(await me(t, alice), 401, 'UNAUTHORIZED');
    assert.deepStrictEqual(control.db.dump(SESSIONS), []);
    const t2 = await login(alice);
    assert.strictEqual((await me(t2, alice)).statusCode, 200, 'a new login after expiry');
  });

  await test('a login deletes the caller\'s ended sessions, nobody else\'s', async () => {
    fresh();
    const alice = userOf('alice');
    const bob = userOf('bob');
    await login(alice);
    await login(bob);
    control.clock.advance(8000);
    await login(alice);
    const left = control.db.dump(SESSIONS);
    assert.strictEqual(left.length, 2);
    assert.strictEqual(left.filter((s) => s.openid === alice.OPENID).length, 1);
    assert.strictEqual(left.filter((s) => s.openid === bob.OPENID).length, 1, 'bob\'s ended session waits for the sweep');
  });

  await test('a session whose user is gone (a login that raced an unbind) is refused and deleted', async () => {
    fresh();
    const alice = userOf('alice');
    const t = await login(alice);
    control.state.db.collections.get(USERS).clear();
    expectError(await me(t, alice), 401, 'UNAUTHORIZED');
    assert.deepStrictEqual(control.db.dump(SESSIONS), []);
  });

  // ---- logout and unbind ----

  await test('POST /auth/logout: 200 {ok: true} always; the token is then refused; other sessions live on', async () => {
    fresh();
    const alice = userOf('alice');
    const t1 = await login(alice);
    const t2 = await login(alice);
    assert.deepStrictEqual(await post('/auth/logout', t1, undefined, alice), { statusCode: 200, data: { ok: true } });
    expectError(await me(t1, alice), 401, 'UNAUTHORIZED');
    assert.strictEqual((await me(t2, alice)).statusCode, 200);
    assert.deepStrictEqual(await post('/auth/logout', t1, undefined, alice), { statusCode: 200, data: { ok: true } }, 'again');
    assert.deepStrictEqual(await post('/auth/logout', null, undefined, alice), { statusCode: 200, data: { ok: true } }, 'no token');
    assert.deepStrictEqual(await post('/auth/logout', 'garbage', undefined, alice), { statusCode: 200, data: { ok: true } }, 'a malformed token');
    assert.deepStrictEqual(await post('/auth/logout', t2, undefined, {}), { statusCode: 200, data: { ok: true } }, 'no WeChat user');
    assert.strictEqual((await me(t2, alice)).statusCode, 200, 'a call without the owner ends nothing');
  });

  await test('POST /auth/unbind: 200 {ok: true}; the user, their number, profile and every session go; other users stay; a new login is a new binding', async () => {
    fresh();
    const alice = userOf('alice', 'u-alice');
    const bob = userOf('bob');
    const t1 = await login(alice);
    const t2 = await login(alice);
    const tb = await login(bob);
    assert.strictEqual((await post('/auth/phone', t1, { code: mint(alice) }, alice)).statusCode, 200);
    assert.strictEqual((await post('/auth/profile', t1, { nickName: 'Alice', avatarUrl: 'https://a/b.png' }, alice)).statusCode, 200);
    control.clock.advance(100);
    assert.deepStrictEqual(await post('/auth/unbind', t2, { code: 'ignored' }, alice), { statusCode: 200, data: { ok: true } });
    expectError(await me(t1, alice), 401, 'UNAUTHORIZED');
    expectError(await me(t2, alice), 401, 'UNAUTHORIZED');
    expectError(await post('/auth/unbind', t2, undefined, alice), 401, 'UNAUTHORIZED');
    assert.deepStrictEqual(control.db.dump(USERS).map((u) => u.openid), [bob.OPENID]);
    assert.deepStrictEqual(control.db.dump(SESSIONS).map((s) => s.openid), [bob.OPENID]);
    assert.strictEqual((await me(tb, bob)).statusCode, 200);
    const again = await call({ path: '/auth/login', method: 'POST' }, alice);
    secrets.tokens.add(again.data.token);
    assert.ok(!('profile' in again.data), 'the profile went with the binding');
    const after = await me(again.data.token, alice);
    assert.strictEqual(after.data.since, nowSec(), 'a new since');
    assert.ok(!('phoneNumber' in after.data));
    expectError(await post('/auth/unbind', null, undefined, alice), 401, 'UNAUTHORIZED');
  });

  // ---- phone ----

  await test('POST /auth/phone: 200 {phoneNumber: 138****8000, countryCode: 86}; the full number is stored with the user; billed once; /api/me shows it masked', async () => {
    fresh();
    const alice = userOf('alice');
    const t = await login(alice);
    const code = mint(alice);
    assert.deepStrictEqual(await post('/auth/phone', t, { code: code }, alice), { statusCode: 200, data: { phoneNumber: '138****8000', countryCode: '86' } });
    assert.deepStrictEqual(control.db.dump(USERS)[0].phone, { countryCode: '86', number: '13800138000', verifiedAt: nowSec() });
    assert.deepStrictEqual(control.phone.stats(), { calls: 1, billed: 1 });
    assert.strictEqual((await me(t, alice)).data.phoneNumber, '138****8000');
    expectError(await post('/auth/phone', t, { code: code }, alice), 400, 'INVALID_CODE', 'errcode 40029');
    assert.deepStrictEqual(control.phone.stats(), { calls: 2, billed: 1 }, 'a used code is refused and not billed');
  });

  await test('phone: the body as JSON text works too; another country code is masked the same way; a second number replaces the first', async () => {
    fresh();
    const alice = userOf('alice');
    const t = await login(alice);
    const us = mint(alice, { countryCode: '1', purePhoneNumber: '2025550123' });
    assert.deepStrictEqual(await post('/auth/phone', t, JSON.stringify({ code: us }), alice, { 'Content-Type': 'application/json; charset=utf-8' }),
      { statusCode: 200, data: { phoneNumber: '202****0123', countryCode: '1' } });
    assert.deepStrictEqual(await post('/auth/phone', t, { code: mint(alice) }, alice), { statusCode: 200, data: { phoneNumber: '138****8000', countryCode: '86' } });
    assert.strictEqual(control.db.dump(USERS)[0].phone.number, '13800138000');
  });

  await test('phone codes: an expired code (5 minutes) and another user\'s code are 400 INVALID_CODE; another user\'s code stays good for its owner', async () => {
    fresh();
    const alice = userOf('alice');
    const bob = userOf('bob');
    const ta = await login(alice);
    const tb = await login(bob);
    const old = mint(alice);
    control.clock.advance(300);
    expectError(await post('/auth/phone', ta, { code: old }, alice), 400, 'INVALID_CODE');
    const bobs = mint(bob);
    expectError(await post('/auth/phone', ta, { code: bobs }, alice), 400, 'INVALID_CODE');
    assert.strictEqual((await post('/auth/phone', tb, { code: bobs }, bob)).statusCode, 200);
    assert.deepStrictEqual(control.phone.stats(), { calls: 3, billed: 1 });
    assert.ok(!('phone' in control.db.dump(USERS)[0]), 'alice has no number');
  });

  await test('phone: the session is checked before anything is sent to WeChat; a bad body is 400 (415 for another content type) and sends nothing', async () => {
    fresh();
    const alice = userOf('alice');
    const t = await login(alice);
    const code = mint(alice);
    expectError(await post('/auth/phone', null, { code: code }, alice), 401, 'UNAUTHORIZED');
    expectError(await post('/auth/phone', 'x', { code: code }, alice), 401, 'UNAUTHORIZED');
    expectError(await post('/auth/phone', t, undefined, alice), 400, 'BAD_REQUEST', 'not JSON');
    expectError(await post('/auth/phone', t, '{', alice), 400, 'BAD_REQUEST', 'not JSON');
    expectError(await post('/auth/phone', t, '', alice), 400, 'BAD_REQUEST', 'not JSON');
    expectError(await post('/auth/phone', t, '["' + code + '"]', alice), 400, 'BAD_REQUEST', 'not a JSON object');
    expectError(await post('/auth/phone', t, [code], alice), 400, 'BAD_REQUEST', 'not a JSON object');
    expectError(await post('/auth/phone', t, '"' + code + '"', alice), 400, 'BAD_REQUEST', 'not a JSON object');
    expectError(await post('/auth/phone', t, 7, alice), 400, 'BAD_REQUEST');
    expectError(await post('/auth/phone', t, {}, alice), 400, 'BAD_REQUEST', 'no string "code"');
    expectError(await post('/auth/phone', t, { code: 7 }, alice), 400, 'BAD_REQUEST', 'no string "code"');
    expectError(await post('/auth/phone', t, { code: null }, alice), 400, 'BAD_REQUEST', 'no string "code"');
    expectError(await post('/auth/phone', t, { code: '' }, alice), 400, 'BAD_REQUEST', '1 to 128');
    expectError(await post('/auth/phone', t, { code: 'a b' }, alice), 400, 'BAD_REQUEST', '1 to 128');
    expectError(await post('/auth/phone', t, { code: 'a'.repeat(129) }, alice), 400, 'BAD_REQUEST', '1 to 128');
    expectError(await post('/auth/phone', t, { code: code }, alice, { 'content-type': 'text/plain' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    expectError(await post('/auth/phone', t, { code: code }, alice, { 'Content-Type': 'multipart/form-data; boundary=x' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    assert.deepStrictEqual(control.phone.stats(), { calls: 0, billed: 0 });
    assert.strictEqual((await post('/auth/phone', t, JSON.stringify({ code: code, extra: [1] }), alice)).statusCode, 200, 'the code still works');
  });

  await test('phone: WeChat\'s errcodes are answered as the HTTP servers answer getuserphonenumber\'s, and none spends the code', async () => {
    fresh();
    const alice = userOf('alice');
    const t = await login(alice);
    const code = mint(alice);
    const cases = [
      [-1, 503, 'WECHAT_BUSY', 'errcode -1'],
      [45011, 429, 'RATE_LIMITED', 'errcode 45011'],
      [40029, 400, 'INVALID_CODE', 'errcode 40029'],
      [40001, 502, 'WECHAT_ERROR', 'access token (errcode 40001)'],
      [42001, 502, 'WECHAT_ERROR', 'access token (errcode 42001)'],
      [48001, 502, 'WECHAT_ERROR', 'phone verification (errcode 48001)'],
    ];
    for (const c of cases) {
      control.phone.failNext(c[0]);
      expectError(await post('/auth/phone', t, { code: code }, alice), c[1], c[2], c[3]);
    }
    control.phone.exhaustQuota();
    expectError(await post('/auth/phone', t, { code: code }, alice), 502, 'WECHAT_ERROR', 'phone verification (errcode 1400001)');
    expectError(await post('/auth/phone', t, { code: code }, alice), 502, 'WECHAT_ERROR', 'errcode 1400001');
    assert.deepStrictEqual(control.phone.stats(), { calls: 8, billed: 0 });
    control.phone.setQuota(1);
    assert.strictEqual((await post('/auth/phone', t, { code: code }, alice)).statusCode, 200);
    expectError(await post('/auth/phone', t, { code: mint(alice) }, alice), 502, 'WECHAT_ERROR', 'errcode 1400001');
    assert.deepStrictEqual(control.phone.stats(), { calls: 10, billed: 1 });
  });

  await test('phone: without the permission in config.json the cloud call fails (-604101): 502 WECHAT_ERROR, and the log says what to declare', async () => {
    fresh();
    const alice = userOf('alice');
    const t = await login(alice);
    const r = await invoke(FN, { path: '/auth/phone', method: 'POST', header: bearer(t), data: { code: mint(alice) } }, alice, { permissions: [] });
    allLogs.push.apply(allLogs, r.logs);
    assert.strictEqual(r.error, null);
    expectError(r.result, 502, 'WECHAT_ERROR', 'errcode -604101');
    assert.ok(r.logs.some((l) => /config\.json/.test(l)), r.logs.join('\n'));
  });

  await test('phone: the answer is read leniently where WeChat\'s names vary (phone_info, errcode, a numeric countryCode) and strictly on the number itself', async () => {
    const phone = require(path.join(FN, 'phone.js'));
    const info = { phoneNumber: '13800138000', purePhoneNumber: '13800138000', countryCode: '86' };
    assert.deepStrictEqual(phone.parseResult({ errCode: 0, errMsg: 'x:ok', phoneInfo: info }), { number: '13800138000', countryCode: '86' });
    assert.deepStrictEqual(phone.parseResult({ errcode: 0, errmsg: 'ok', phone_info: Object.assign({}, info, { countryCode: 86 }) }), { number: '13800138000', countryCode: '86' });
    assert.deepStrictEqual(phone.parseResult({ phoneInfo: info }), { number: '13800138000', countryCode: '86' }, 'no errCode is success');
    // Inside an invocation, so the function's log lines stay in its log.
    const quiet = { wxContext: {}, permissions: [], logs: [] };
    const refused = (res, status, code, part) => control.state.invocation.run(quiet, () =>
      assert.throws(() => phone.parseResult(res), (e) => e.status === status && e.code === code && e.message.indexOf(part) >= 0));
    refused({ errCode: 40029, errMsg: 'x:fail invalid code' }, 400, 'INVALID_CODE', '40029');
    refused({ errcode: -1 }, 503, 'WECHAT_BUSY', '-1');
    for (const bad of [null, 'ok', {}, { errCode: 0 }, { phoneInfo: 'x' }, { phoneInfo: Object.assign({}, info, { purePhoneNumber: '+8613800138000' }) },
      { phoneInfo: Object.assign({}, info, { purePhoneNumber: '1'.repeat(21) }) }, { phoneInfo: Object.assign({}, info, { countryCode: '12345' }) },
      { phoneInfo: Object.assign({}, info, { countryCode: -1 }) }, { phoneInfo: Object.assign({}, info, { purePhoneNumber: 13800138000 }) }]) {
      refused(bad, 502, 'WECHAT_ERROR', 'unreadable');
    }
    assert.strictEqual(phone.errCodeOf(new Error('errCode: 45011 | errMsg: x')), 45011);
    assert.strictEqual(phone.errCodeOf({ errCode: '40029' }), 40029);
    assert.strictEqual(phone.errCodeOf(new Error('socket hang up')), null);
    assert.strictEqual(phone.phoneError(null).message, 'WeChat could not be reached');
  });

  await test('phone: two verifications of one code at once: one 200, one 400, billed once', async () => {
    fresh();
    const alice = userOf('alice');
    const t = await login(alice);
    const code = mint(alice);
    const both = await Promise.all([post('/auth/phone', t, { code: code }, alice), post('/auth/phone', t, { code: code }, alice)]);
    assert.deepStrictEqual(both.map((r) => r.statusCode).sort(), [200, 400]);
    assert.deepStrictEqual(control.phone.stats(), { calls: 2, billed: 1 });
  });

  // ---- profile ----

  await test('POST /auth/profile: 200 {nickName, avatarUrl} as saved (trimmed); the next login answers it, /api/me shows it; a cloud:// fileID is taken', async () => {
    fresh();
    const alice = userOf('alice');
    const t = await login(alice);
    assert.deepStrictEqual(await post('/auth/profile', t, { nickName: '\u3000 小明 \n', avatarUrl: ' https://thirdwx.qlogo.cn/mmopen/a/132 ' }, alice),
      { statusCode: 200, data: { nickName: '小明', avatarUrl: 'https://thirdwx.qlogo.cn/mmopen/a/132' } });
    const again = await call({ path: '/auth/login', method: 'POST' }, alice);
    secrets.tokens.add(again.data.token);
    assert.deepStrictEqual(again.data.profile, { nickName: '小明', avatarUrl: 'https://thirdwx.qlogo.cn/mmopen/a/132' });
    const fileID = 'cloud://prod-1a2b3c.7072-prod-1a2b3c-1250000000/avatars/' + alice.OPENID + '.png';
    assert.deepStrictEqual(await post('/auth/profile', again.data.token, JSON.stringify({ nickName: 'Ming', avatarUrl: fileID, extra: 1 }), alice),
      { statusCode: 200, data: { nickName: 'Ming', avatarUrl: fileID } });
    assert.deepStrictEqual((await me(t, alice)).data.profile, { nickName: 'Ming', avatarUrl: fileID });
    const saved = control.db.dump(USERS)[0].profile;
    assert.deepStrictEqual(saved, { nickName: 'Ming', avatarUrl: fileID, updatedAt: nowSec() });
    assert.deepStrictEqual(await post('/auth/profile', t, { nickName: 'Ming', avatarUrl: fileID }, alice), { statusCode: 200, data: { nickName: 'Ming', avatarUrl: fileID } }, 'the same again');
  });

  await test('profile: the SDK\'s rules (1 to 64 characters, no control characters; an https:// or cloud:// avatar of at most 2048 bytes without spaces), else 400 INVALID_PROFILE', async () => {
    fresh();
    const alice = userOf('alice');
    const t = await login(alice);
    const good = 'https://a/b.png';
    const emoji = '\ud83d\ude00';
    const accepted = [
      [emoji.repeat(64), good],
      ['a b', good],
      ['x', 'https://' + 'a'.repeat(2040)],
      ['x', 'cloud://e/f'],
      ['é'.repeat(64), 'https://a/' + 'é'.repeat(1019)],
    ];
    for (const p of accepted) {
      const res = await post('/auth/profile', t, { nickName: p[0], avatarUrl: p[1] }, alice);
      assert.strictEqual(res.statusCode, 200, JSON.stringify(res).slice(0, 200));
    }
    const refused = [
      [{ avatarUrl: good }, 'nickName must be a string'],
      [{ nickName: 'x' }, 'avatarUrl must be a string'],
      [{ nickName: 5, avatarUrl: good }, 'nickName must be a string'],
      [{ nickName: 'x', avatarUrl: null }, 'avatarUrl must be a string'],
      [{ nickName: '', avatarUrl: good }, 'nickName is empty'],
      [{ nickName: ' \t\u3000\u00a0', avatarUrl: good }, 'nickName is empty'],
      [{ nickName: emoji.repeat(65), avatarUrl: good }, 'longer than 64'],
      [{ nickName: 'a'.repeat(65), avatarUrl: good }, 'longer than 64'],
      [{ nickName: 'a\u0007b', avatarUrl: good }, 'control'],
      [{ nickName: 'a\u0085b', avatarUrl: good }, 'control'],
      [{ nickName: 'a\nb', avatarUrl: good }, 'control'],
      [{ nickName: 'a\ud800b', avatarUrl: good }, 'Unicode'],
      [{ nickName: 'x', avatarUrl: '' }, 'avatarUrl is empty'],
      [{ nickName: 'x', avatarUrl: 'https://' + 'a'.repeat(2041) }, 'longer than 2048'],
      [{ nickName: 'x', avatarUrl: 'https://a/' + 'é'.repeat(1020) }, 'longer than 2048'],
      [{ nickName: 'x', avatarUrl: 'https://a b/c.png' }, 'spaces or control'],
      [{ nickName: 'x', avatarUrl: 'https://a\u3000b/c.png' }, 'spaces or control'],
      [{ nickName: 'x', avatarUrl: 'https://a\u0000b' }, 'spaces or control'],
      [{ nickName: 'x', avatarUrl: 'http://a/b.png' }, 'https:// URL or a cloud:// fileID'],
      [{ nickName: 'x', avatarUrl: 'wxfile://tmp_abc.png' }, 'https:// URL or a cloud:// fileID'],
      [{ nickName: 'x', avatarUrl: 'https://' }, 'https:// URL or a cloud:// fileID'],
      [{ nickName: 'x', avatarUrl: 'HTTPS://A/B' }, 'https:// URL or a cloud:// fileID'],
      [{ nickName: 'x', avatarUrl: '/tmp/a.png' }, 'https:// URL or a cloud:// fileID'],
    ];
    for (const r of refused) expectError(await post('/auth/profile', t, r[0], alice), 400, 'INVALID_PROFILE', r[1]);
    expectError(await post('/auth/profile', t, '{"nickName":', alice), 400, 'BAD_REQUEST', 'not JSON');
    expectError(await post('/auth/profile', t, [], alice), 400, 'BAD_REQUEST', 'not a JSON object');
    expectError(await post('/auth/profile', t, { nickName: 'x', avatarUrl: good }, alice, { 'content-type': 'multipart/form-data' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    expectError(await post('/auth/profile', null, { nickName: 'x', avatarUrl: good }, alice), 401, 'UNAUTHORIZED');
    assert.strictEqual(control.db.dump(USERS)[0].profile.nickName, 'é'.repeat(64), 'the last accepted profile stays');
  });

  // ---- the envelope ----

  await test('envelope: no path (or not a request at all) is 400 BAD_REQUEST; a bad method or header is 400', async () => {
    fresh();
    const alice = userOf('alice');
    for (const event of [{}, { method: 'POST' }, { path: '' }, { path: 'auth/login', method: 'POST' }, { path: 7 }, { path: ['/auth/login'] },
      { path: '/' + 'a'.repeat(2048) }]) {
      expectError(await call(event, alice), 400, 'BAD_REQUEST', 'path');
    }
    for (const event of [null, 'POST /auth/login', 7, ['/auth/login'], true]) {
      expectError(await call(event, alice), 400, 'BAD_REQUEST', 'envelope');
    }
    expectError(await call({ path: '/auth/login', method: 7 }, alice), 400, 'BAD_REQUEST', 'method');
    expectError(await call({ path: '/auth/login', method: 'PO ST' }, alice), 400, 'BAD_REQUEST', 'method');
    expectError(await call({ path: '/auth/login', method: 'POST', header: 'authorization: x' }, alice), 400, 'BAD_REQUEST', 'header');
    expectError(await call({ path: '/auth/login', method: 'POST', header: [] }, alice), 400, 'BAD_REQUEST', 'header');
    assert.deepStrictEqual(control.db.dump(USERS), []);
  });

  await test('envelope: an unknown path is 404 NOT_FOUND, a wrong method 405 METHOD_NOT_ALLOWED; a query string is ignored, the method\'s case too, GET is the default', async () => {
    fresh();
    const alice = userOf('alice');
    for (const p of ['/auth/nope', '/', '/api/me/', '/API/ME', '/auth/login/', '/constructor', '/__proto__', '/toString']) {
      expectError(await call({ path: p, method: 'GET' }, alice), 404, 'NOT_FOUND', 'no such endpoint');
    }
    expectError(await call({ path: '/auth/login', method: 'GET' }, alice), 405, 'METHOD_NOT_ALLOWED', '/auth/login takes POST');
    expectError(await call({ path: '/auth/login' }, alice), 405, 'METHOD_NOT_ALLOWED', 'takes POST');
    for (const p of ['/auth/logout', '/auth/unbind', '/auth/phone', '/auth/profile']) {
      expectError(await call({ path: p, method: 'PUT' }, alice), 405, 'METHOD_NOT_ALLOWED', p + ' takes POST');
    }
    expectError(await call({ path: '/api/me', method: 'POST' }, alice), 405, 'METHOD_NOT_ALLOWED', '/api/me takes GET');
    const t = await login(alice, { method: 'post', path: '/auth/login?from=cloud' });
    assert.strictEqual((await call({ path: '/api/me?x=1', header: bearer(t) }, alice)).statusCode, 200);
    expectError(await call({ path: '/auth/nope', method: 'POST', header: bearer(t) }, alice), 404, 'NOT_FOUND');
  });

  await test('envelope: a body over 8 KiB is 413 PAYLOAD_TOO_LARGE, before the session is looked at', async () => {
    fresh();
    const alice = userOf('alice');
    const t = await login(alice);
    const big = { nickName: 'x', avatarUrl: 'https://a/' + 'b'.repeat(9000) };
    expectError(await post('/auth/profile', t, big, alice), 413, 'PAYLOAD_TOO_LARGE', '8192 bytes');
    expectError(await post('/auth/profile', null, JSON.stringify(big), alice), 413, 'PAYLOAD_TOO_LARGE');
    expectError(await post('/auth/login', null, 'x'.repeat(8193), alice), 413, 'PAYLOAD_TOO_LARGE');
    assert.strictEqual((await post('/auth/login', null, 'x'.repeat(8192), alice)).statusCode, 200);
  });

  await test('envelope: 500 random envelopes (garbage paths, methods, headers, bodies, tokens) never make the function throw, and every answer is an envelope', async () => {
    fresh();
    const alice = userOf('alice');
    const t = await login(alice);
    let seed = 20260101;
    const rand = (n) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const pick = (xs) => xs[rand(xs.length)];
    const garbage = () => pick([undefined, null, 0, -1, 1e308, true, '', ' ', '{', '[]', '{"code":', '\u0000', 'x'.repeat(rand(50)), [], [1, [2]], {}, { a: { b: { c: null } } },
      { code: pick([null, 7, 'ok', '', 'a b', '\ud800']) }, { nickName: pick([null, 'x', '', 5]), avatarUrl: pick(['https://a/b', 'cloud://x', 5, '']) }]);
    const statuses = new Map();
    for (let i = 0; i < 500; i += 1) {
      const event = {};
      if (rand(10) > 0) event.path = pick(['/auth/login', '/auth/logout', '/auth/unbind', '/auth/phone', '/auth/profile', '/api/me', '/nope', '', 'x', '/auth/phone?x', garbage()]);
      if (rand(5) > 0) event.method = pick(['GET', 'POST', 'post', 'DELETE', '', 'G E T', garbage()]);
      if (rand(3) > 0) {
        event.header = pick([garbage(), { authorization: pick(['Bearer ' + t, 'Bearer ' + t.slice(2), 'Bearer', 'bearer  ' + t, garbage()]) },
          { authorization: 'Bearer ' + t, 'content-type': pick(['application/json', 'text/plain', '', garbage()]) }]);
      }
      if (rand(2) > 0) event.data = garbage();
      const who = pick([alice, alice, {}, userOf('eve')]);
      const res = await call(event, who);
      statuses.set(res.statusCode, (statuses.get(res.statusCode) || 0) + 1);
      if (res.statusCode === 200 && event.path === '/auth/login') secrets.tokens.add(res.data.token);
    }
    for (const s of statuses.keys()) assert.ok([200, 400, 401, 404, 405, 413, 415].indexOf(s) >= 0, 'status ' + s);
    assert.ok(statuses.size >= 5, 'the battery reached many answers: ' + JSON.stringify(Array.from(statuses)));
  });

  // ---- the database failing ----

  await test('a failing database is 500 INTERNAL on every route that needs it (never a throw); logout too; the log names the operation and errCode only', async () => {
    fresh();
    const alice = userOf('alice');
    const t = await login(alice);
    control.db.setUnavailable(true);
    expectError(await call({ path: '/auth/login', method: 'POST' }, alice), 500, 'INTERNAL', 'session store is unavailable');
    expectError(await me(t, alice), 500, 'INTERNAL');
    expectError(await post('/auth/logout', t, undefined, alice), 500, 'INTERNAL');
    expectError(await post('/auth/unbind', t, undefined, alice), 500, 'INTERNAL');
    expectError(await post('/auth/phone', t, { code: mint(alice) }, alice), 500, 'INTERNAL');
    expectError(await post('/auth/profile', t, { nickName: 'x', avatarUrl: 'https://a/b' }, alice), 500, 'INTERNAL');
    assert.strictEqual((await post('/auth/logout', null, undefined, alice)).statusCode, 200, 'a logout without a token touches nothing');
    control.db.setUnavailable(false);
    assert.strictEqual((await me(t, alice)).statusCode, 200, 'back when the database is');
    assert.ok(allLogs.some((l) => /cloud database: read wxauth_sessions failed \(errCode -501001\)/.test(l)));
  });

  await test('a rejected doc().get() is taken as "missing" only when a query for the _id finds nothing: a failing read of an existing session is 500, not 401', async () => {
    fresh();
    const alice = userOf('alice');
    const t = await login(alice);
    control.db.failNext(1, -501002, 'cloud response timeout');
    expectError(await me(t, alice), 500, 'INTERNAL');
    control.db.failNext(1, -501002, 'cloud response timeout');
    expectError(await me(b64url(crypto.randomBytes(32)), alice), 401, 'UNAUTHORIZED', 'bearer token');
    control.db.failNext(2);
    expectError(await me(t, alice), 500, 'INTERNAL');
    assert.strictEqual((await me(t, alice)).statusCode, 200);
  });

  await test('a collection that was not created is 500 INTERNAL, and the log says which to create', async () => {
    fresh();
    const alice = userOf('alice');
    control.db.dropCollection(SESSIONS);
    const r = await invoke(FN, { path: '/auth/login', method: 'POST' }, alice);
    allLogs.push.apply(allLogs, r.logs);
    expectError(r.result, 500, 'INTERNAL');
    assert.ok(r.logs.some((l) => /errCode -502005.*create the collections wxauth_users and wxauth_sessions/.test(l)), r.logs.join('\n'));
  });

  // ---- the timer ----

  await test('the timer trigger (SOURCE wx_trigger) deletes every ended session; the same event from a client is an envelope without a path', async () => {
    fresh();
    const alice = userOf('alice');
    const bob = userOf('bob');
    process.env.SESSION_TTL_SECONDS = '100';
    await login(alice);
    await login(bob);
    delete process.env.SESSION_TTL_SECONDS;
    const live = await login(alice);
    control.clock.advance(100);
    const timer = { Type: 'Timer', TriggerName: 'wxauthSweep', Time: new Date(control.clock.now()).toISOString(), Message: '' };
    expectError(await call(timer, alice), 400, 'BAD_REQUEST', 'path');
    assert.strictEqual(control.db.dump(SESSIONS).length, 3);
    assert.deepStrictEqual(await call(timer, { SOURCE: 'wx_trigger' }), { statusCode: 200, data: { swept: 2 } });
    assert.strictEqual(control.db.dump(SESSIONS).length, 1);
    assert.strictEqual((await me(live, alice)).statusCode, 200);
    assert.deepStrictEqual(await call(timer, { SOURCE: 'wx_trigger' }), { statusCode: 200, data: { swept: 0 } });
    expectError(await call({ path: '/api/me' }, { SOURCE: 'wx_trigger' }), 401, 'UNAUTHORIZED');
  });

  // ---- concurrency, a cold start, what is left behind ----

  await test('concurrent first logins of one user: every token works, one binding', async () => {
    fresh();
    const alice = userOf('alice', 'u-alice');
    const tokens = await Promise.all([1, 2, 3, 4, 5].map(() => login(alice)));
    assert.strictEqual(new Set(tokens).size, 5);
    assert.strictEqual(control.db.dump(USERS).length, 1);
    for (const tk of tokens) assert.strictEqual((await me(tk, alice)).statusCode, 200);
  });

  await test('a cold start (the function loaded afresh) reads the same database: sessions survive instances', async () => {
    fresh();
    const alice = userOf('alice');
    const t = await login(alice);
    const res = await call({ path: '/api/me', method: 'GET', header: bearer(t) }, alice, { cold: true });
    assert.strictEqual(res.statusCode, 200);
  });

  await test('nothing in the function\'s log holds a token, a phone code, a number or an openid; the database holds no token', async () => {
    assert.ok(allLogs.length > 500, 'logs were collected: ' + allLogs.length);
    const haystack = allLogs.join('\n');
    const leaks = [];
    for (const kind of Object.keys(secrets)) {
      for (const s of secrets[kind]) if (haystack.indexOf(s) >= 0) leaks.push(kind);
    }
    assert.deepStrictEqual(leaks, []);
    assert.ok(secrets.tokens.size > 20 && secrets.codes.size > 10);
    fresh();
    const alice = userOf('alice');
    const t = await login(alice);
    await post('/auth/phone', t, { code: mint(alice) }, alice);
    const stored = JSON.stringify([control.db.dump(USERS), control.db.dump(SESSIONS)]);
    assert.ok(stored.indexOf(t) < 0, 'the token is stored only as its hash');
  });

  control.clock.restore();
  const total = Number(process.hrtime.bigint() - started) / 1e6;
  console.log('# ' + invocations + ' invocations in ' + (Number(invokeNanos) / 1e6).toFixed(0) + ' ms (' +
    (Number(invokeNanos) / 1e3 / invocations).toFixed(0) + ' µs each); the suite took ' + total.toFixed(0) + ' ms');
  return summary();
}

main().then((failed) => {
  process.exitCode = failed === 0 ? 0 : 1;
}, (e) => {
  console.error(e);
  process.exitCode = 1;
});
