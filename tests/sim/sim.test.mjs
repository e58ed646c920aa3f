// The simulator held to ../shared/reference/platform.md: each test names the section
// whose behaviour it checks. A lenient simulator would let a wrong SDK pass, so these
// run in `make test` (node --test).
import test from 'node:test';
import assert from 'node:assert/strict';
import { createWxSim } from './wx-sim.js';

const call = (fn, opts) => new Promise((resolve) => {
  fn(Object.assign({}, opts, { success: (r) => resolve(['ok', r]), fail: (r) => resolve(['fail', r]) }));
});

test('§12: errMsg is <api>:ok / <api>:fail, complete runs after success or fail, callbacks are async', async () => {
  const sim = createWxSim({});
  const order = [];
  await new Promise((resolve) => {
    sim.wx.login({ success: () => order.push('success'), complete: () => { order.push('complete'); resolve(); } });
    order.push('returned');
  });
  assert.deepEqual(order, ['returned', 'success', 'complete']);
  const [kind, res] = await call(sim.wx.getStorage, { key: 'missing' });
  assert.equal(kind, 'fail');
  assert.match(res.errMsg, /^getStorage:fail/);
});

test('§7: Promise form only without callbacks and from 2.10.2; request never returns a Promise', async () => {
  const sim = createWxSim({});
  const p = sim.wx.login({});
  assert.ok(p instanceof Promise);
  assert.match((await p).errMsg, /^login:ok$/);
  assert.equal(sim.wx.login({ success() {} }), undefined);
  assert.equal(sim.wx.login({ complete() {} }), undefined);
  const task = sim.wx.request({ url: 'https://api.example.com/x' });
  assert.ok(!(task instanceof Promise) && typeof task.abort === 'function');
  const old = createWxSim({ sdkVersion: '2.10.1' });
  assert.equal(old.wx.login({}), undefined);
  sim.failNext('login', { errMsg: 'login:fail timeout', errno: 5 });
  await assert.rejects(sim.wx.login({}), (e) => e.errMsg === 'login:fail timeout' && e.errno === 5);
});

test('§4: the privacy APIs are callback-only and absent below 2.32.3', () => {
  const sim = createWxSim({});
  assert.equal(sim.wx.getPrivacySetting({}), undefined);
  assert.equal(sim.wx.requirePrivacyAuthorize({}), undefined);
  const old = createWxSim({ sdkVersion: '2.32.2' });
  for (const api of ['getPrivacySetting', 'onNeedPrivacyAuthorization', 'requirePrivacyAuthorize', 'openPrivacyContract']) {
    assert.equal(old.wx[api], undefined, api);
  }
});

test('§2: a login code is single-use and valid for 5 minutes', async () => {
  const sim = createWxSim({});
  const a = (await sim.wx.login({})).code;
  const b = (await sim.wx.login({})).code;
  assert.notEqual(a, b);
  assert.ok(sim.exchangeCode(a).openid);
  assert.equal(sim.exchangeCode(a).errcode, 40163);
  sim.advance(5 * 60 * 1000 + 1);
  assert.equal(sim.exchangeCode(b).errcode, 40029);
  assert.equal(sim.exchangeCode('made-up').errcode, 40029);
});

test('§3: getUserProfile needs a tap, a desc of 1-30 characters, and anonymises from 2.27.1', async () => {
  const sim = createWxSim({ needPrivacyAuthorization: false, sdkVersion: '2.27.0' });
  let [kind, res] = await call(sim.wx.getUserProfile, { desc: '用于完善资料' });
  assert.equal(kind, 'fail');
  assert.match(res.errMsg, /^getUserProfile:fail can only be invoked by user TAP gesture/);
  // The tap window closes when the handler returns: a call after an await is outside it.
  const late = await sim.tap(async () => { await null; return call(sim.wx.getUserProfile, { desc: 'x' }); });
  assert.equal(late[0], 'fail');
  [kind, res] = await sim.tap(() => call(sim.wx.getUserProfile, { desc: '这'.repeat(31) }));
  assert.match(res.errMsg, /desc length/);
  [kind, res] = await sim.tap(() => call(sim.wx.getUserProfile, { desc: '用于完善资料' }));
  assert.equal(res.userInfo.nickName, '小明');
  const anon = createWxSim({ needPrivacyAuthorization: false, sdkVersion: '2.27.1' });
  [kind, res] = await anon.tap(() => call(anon.wx.getUserProfile, { desc: '用于完善资料' }));
  assert.equal(res.userInfo.nickName, '微信用户');
  const deny = createWxSim({ needPrivacyAuthorization: false, profileAnswer: 'deny' });
  [kind, res] = await deny.tap(() => call(deny.wx.getUserProfile, { desc: 'x' }));
  assert.match(res.errMsg, /^getUserProfile:fail auth deny/);
});

test('§4: the last privacy listener wins and the pending call resumes on resolve', async () => {
  const sim = createWxSim({});
  const seen = [];
  sim.wx.onNeedPrivacyAuthorization(() => seen.push('first'));
  sim.wx.onNeedPrivacyAuthorization((resolve, info) => {
    seen.push(info.referrer);
    sim.tapAgreeButton('agree');
    resolve({ event: 'exposureAuthorization' });
    resolve({ event: 'agree', buttonId: 'agree' });
  });
  const [kind] = await call(sim.wx.requirePrivacyAuthorize, {});
  assert.equal(kind, 'ok');
  assert.deepEqual(seen, ['requirePrivacyAuthorize']);
  const [again] = await call(sim.wx.requirePrivacyAuthorize, {});
  assert.equal(again, 'ok');
  assert.deepEqual(seen, ['requirePrivacyAuthorize'], 'already agreed: the listener does not fire');
});

test('§4: disagree fails with errno 104; agree needs a tapped agreePrivacyAuthorization button', async () => {
  const sim = createWxSim({});
  sim.wx.onNeedPrivacyAuthorization((resolve) => resolve({ event: 'disagree' }));
  let [kind, res] = await call(sim.wx.requirePrivacyAuthorize, {});
  assert.equal(kind, 'fail');
  assert.equal(res.errno, 104);
  assert.match(res.errMsg, /^requirePrivacyAuthorize:fail privacy permission is not authorized/);
  sim.wx.onNeedPrivacyAuthorization((resolve) => resolve({ event: 'agree', buttonId: 'never-tapped' }));
  [kind, res] = await call(sim.wx.requirePrivacyAuthorize, {});
  assert.equal(kind, 'fail');
  assert.equal(sim.privacyAgreed(), false);
});

test('§4: after a refusal of the official popup, calls in the next 10 s fail at once', async () => {
  const sim = createWxSim({ officialPopupAnswer: 'disagree' });
  let [kind, res] = await call(sim.wx.requirePrivacyAuthorize, {});
  assert.equal(res.errno, 104);
  sim.advance(9000);
  [kind, res] = await call(sim.wx.requirePrivacyAuthorize, {});
  assert.match(res.errMsg, /in gap/);
  sim.advance(2000);
  [kind, res] = await call(sim.wx.requirePrivacyAuthorize, {});
  assert.doesNotMatch(res.errMsg, /in gap/);
  assert.equal(kind, 'fail');
});

test('§5: storage limits (1 MB a key, 10 MB in all, 1.4x when encrypted) and the encrypt pairing rule', async () => {
  const sim = createWxSim({ sdkVersion: '3.0.0' });
  const big = 'x'.repeat(800 * 1024);
  assert.equal((await call(sim.wx.setStorage, { key: 'a', data: big }))[0], 'ok');
  let [kind, res] = await call(sim.wx.setStorage, { key: 'b', data: big, encrypt: true });
  assert.equal(kind, 'fail', '800 KB × 1.4 is over 1 MB');
  assert.match(res.errMsg, /^setStorage:fail/);
  // 800 KB values (plus key): the 12th in all still fits in 10 MB, the 13th does not.
  const kinds = [];
  for (let i = 0; i < 12; i++) kinds.push((await call(sim.wx.setStorage, { key: 'k' + i, data: big }))[0]);
  assert.deepEqual(kinds, Array(11).fill('ok').concat(['fail']), 'over 10 MB in all');
  await call(sim.wx.setStorage, { key: 'secret', data: 's', encrypt: true });
  assert.equal((await call(sim.wx.getStorage, { key: 'secret' }))[0], 'fail', 'read without encrypt');
  assert.equal((await call(sim.wx.getStorage, { key: 'secret', encrypt: true }))[1].data, 's');
  assert.equal((await call(sim.wx.getStorage, { key: 'a', encrypt: true }))[0], 'fail', 'encrypted read of plain data');
  assert.equal(sim.wx.getStorageSync('missing'), '');
  const old = createWxSim({ sdkVersion: '2.21.2' });
  await call(old.wx.setStorage, { key: 'k', data: 1, encrypt: true });
  assert.equal(old.storageItem('k').encrypted, false, 'no encryption before 2.21.3');
});

test('§7: wx.request succeeds for any status; limits on URLs and concurrency; dataType json parses', async () => {
  const sim = createWxSim({ backend: () => new Promise((r) => setTimeout(() => r({ statusCode: 500, body: '{"a":1}' }), 5)) });
  const [kind, res] = await call(sim.wx.request, { url: 'https://api.example.com/x' });
  assert.equal(kind, 'ok');
  assert.equal(res.statusCode, 500);
  assert.deepEqual(res.data, { a: 1 });
  const [, text] = await call(sim.wx.request, { url: 'https://api.example.com/x', dataType: 'text' });
  assert.equal(text.data, '{"a":1}');
  const [, bad] = await call(sim.wx.request, { url: 'http://api.example.com/x' });
  assert.equal(bad.errno, 600009);
  const [, other] = await call(sim.wx.request, { url: 'https://evil.example.org/x' });
  assert.equal(other.errno, 600002);
  const all = await Promise.all(Array.from({ length: 11 }, () => call(sim.wx.request, { url: 'https://api.example.com/x' })));
  assert.equal(all.filter(([k]) => k === 'fail').length, 1);
  assert.equal(all.find(([k]) => k === 'fail')[1].errno, 600007);
});

test('§2: errno appears only from base library 2.24.0', async () => {
  const old = createWxSim({ sdkVersion: '2.23.0' });
  const [, a] = await call(old.wx.request, { url: 'http://api.example.com/x' });
  assert.equal(a.errno, undefined);
  assert.match(a.errMsg, /^request:fail invalid url/);
  const sim = createWxSim({ sdkVersion: '2.24.0' });
  const [, b] = await call(sim.wx.request, { url: 'http://api.example.com/x' });
  assert.equal(b.errno, 600009);
});

test('§7: a backend slower than the request timeout fails it with errno 5; time is simulated', async () => {
  const sim = createWxSim({ backend: () => ({ statusCode: 200, body: 'ok', latencyMs: 3000 }) });
  const t0 = sim.now();
  let [kind, res] = await call(sim.wx.request, { url: 'https://api.example.com/x', timeout: 1000 });
  assert.equal(kind, 'fail');
  assert.equal(res.errno, 5);
  assert.match(res.errMsg, /^request:fail timeout/);
  assert.equal(sim.now(), t0 + 1000);
  [kind, res] = await call(sim.wx.request, { url: 'https://api.example.com/x', timeout: 5000 });
  assert.equal(kind, 'ok');
  assert.equal(sim.now(), t0 + 4000);
  await new Promise((resolve) => sim.setTimeout(resolve, 10000));
  assert.equal(sim.now(), t0 + 14000, 'a simulated timer moves the clock to its due time');
});

test('§6: getSetting reports only scopes asked before; openSetting needs a tap from 2.3.0', async () => {
  const sim = createWxSim({ authSetting: { 'scope.userLocation': true }, openSettingAnswer: { 'scope.userLocation': false, 'scope.camera': true } });
  const got = await sim.wx.getSetting({});
  assert.equal(got.errMsg, 'getSetting:ok');
  assert.deepEqual(got.authSetting, { 'scope.userLocation': true });
  assert.equal('scope.camera' in got.authSetting, false);
  const [kind, res] = await call(sim.wx.openSetting, {});
  assert.equal(kind, 'fail');
  assert.match(res.errMsg, /^openSetting:fail can only be invoked by user TAP gesture/);
  const opened = await sim.tap(() => sim.wx.openSetting({}));
  assert.equal(opened.errMsg, 'openSetting:ok');
  // The settings page lists only scopes asked before: camera was never asked, so it stays absent.
  assert.deepEqual(opened.authSetting, { 'scope.userLocation': false });
  const old = createWxSim({ sdkVersion: '2.2.9', authSetting: { 'scope.record': true } });
  const [oldKind] = await call(old.wx.openSetting, {});
  assert.equal(oldKind, 'ok');
});

test('§2: wx.login answers after onCodeMinted settles, and fails when it rejects', async () => {
  const seen = [];
  let release;
  const sim = createWxSim({ onCodeMinted: (code) => { seen.push(code); return new Promise((r) => { release = r; }); } });
  let answered = false;
  const p = sim.wx.login({}).then((r) => { answered = true; return r; });
  await sim.settle(5);
  assert.deepEqual(seen, ['code-000001']);
  assert.equal(answered, false);
  release();
  assert.equal((await p).code, 'code-000001');
  const failing = createWxSim({ onCodeMinted: () => Promise.reject(new Error('stand-in down')) });
  await assert.rejects(failing.wx.login({}), (e) => /^login:fail/.test(e.errMsg));
});

test('the in-process backend unbinds only with a fresh code of the same user', async () => {
  const sim = createWxSim({});
  const post = (path, body, token) => new Promise((resolve) => sim.wx.request({
    url: 'https://api.example.com' + path, method: 'POST', data: body,
    header: token ? { Authorization: 'Bearer ' + token } : {}, success: resolve, fail: resolve,
  }));
  const first = (await sim.wx.login({})).code;
  const token = (await post('/auth/login', { code: first })).data.token;
  assert.equal((await post('/auth/unbind', { code: first }, token)).statusCode, 400, 'a used code is no fresh login');
  assert.equal((await post('/auth/unbind', { code: (await sim.wx.login({})).code })).statusCode, 401);
  assert.equal(sim.hasBinding('o-sim-xiaoming'), true);
  assert.equal((await post('/auth/unbind', { code: (await sim.wx.login({})).code }, token)).statusCode, 200);
  assert.equal(sim.hasBinding('o-sim-xiaoming'), false);
  const me = await new Promise((resolve) => sim.wx.request({ url: 'https://api.example.com/api/me', header: { Authorization: 'Bearer ' + token }, success: resolve }));
  assert.equal(me.statusCode, 401);
});

test('§12 rules for showToast: errMsg, async callbacks, Promise form; the toast is recorded; title required', async () => {
  const sim = createWxSim({});
  const [kind, res] = await call(sim.wx.showToast, { title: '登录失败，请重试', icon: 'none' });
  assert.equal(kind, 'ok');
  assert.equal(res.errMsg, 'showToast:ok');
  assert.deepEqual(sim.toasts.map((t) => [t.title, t.icon, t.duration]), [['登录失败，请重试', 'none', 1500]]);
  assert.match((await sim.wx.showToast({ title: 'x' })).errMsg, /^showToast:ok$/);
  const [kind2, res2] = await call(sim.wx.showToast, {});
  assert.equal(kind2, 'fail');
  assert.match(res2.errMsg, /^showToast:fail/);
  assert.equal(sim.toasts.length, 2);
});
