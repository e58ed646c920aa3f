'use strict';
// Page-level tests of examples/miniprogram: the real WXML, JS and JSON of each page,
// rendered by miniprogram-simulate, with the SDK from dist/ (copied into
// miniprogram_npm/ by `make dist`) against the wx simulator of tests/sim/wx-sim.js.
// Every step dispatches what the user does (a tap, the agreeprivacyauthorization /
// chooseavatar events, a form submit) and asserts what the page then shows.
const test = require('node:test');
const assert = require('node:assert');
const harness = require('./harness.js');

const INDEX = 'pages/index/index';
const PROFILE = 'pages/profile/profile';
const ACCOUNT = 'pages/account/account';
const AGREE = '#privacy-popup #agree-btn';

/** A launched app on a fresh simulator, its index page open and the privacy answered. */
async function agreed(config) {
  const s = harness.start(config);
  const index = s.open(INDEX);
  await s.settle();
  await index.agreePrivacy(AGREE);
  return { s, index };
}

async function loggedIn(config) {
  const { s, index } = await agreed(config);
  await index.tap('#login-btn');
  assert.strictEqual(index.text('#state'), '已登录');
  return { s, index };
}

/** Logged in, the profile page open, an avatar chosen and 小明 submitted (saved on the backend). */
async function profileSaved() {
  const { s } = await loggedIn();
  const profile = s.open(PROFILE);
  await s.settle();
  await profile.chooseAvatar('#avatar-btn');
  await profile.submit('#profile-form', { nickName: '小明' });
  await s.settle();
  return { s, profile };
}

/** Nothing the page rendered is a token, and no handler threw. */
function assertClean(s, page) {
  assert.doesNotMatch(page.html(), /tok-\d/, 'a token was rendered');
  assert.deepStrictEqual(s.swallowed, [], 'a handler threw');
}

test('launch: the SDK is created once in app.js from the package path, and a first visit shows the privacy popup', async () => {
  const s = harness.start();
  const index = s.open(INDEX);
  assert.strictEqual(index.text('#state'), '正在启动…');
  await s.settle();
  assert.deepStrictEqual(s.wasmLoads, ['/miniprogram_npm/wx-auth/wx_auth.wasm.br']);
  assert.strictEqual(index.text('#state'), '未同意隐私保护指引');
  assert.ok(index.has('#privacy-popup #privacy-dialog'), 'the popup is shown');
  assert.strictEqual(index.text('#privacy-popup #contract-link'), '《示例小程序隐私保护指引》');
  assert.ok(!index.has('#login-btn'), 'no login before the agreement');
  // The agree button is what WeChat checks resolve({buttonId}) against.
  const agree = index.wiring(AGREE);
  assert.strictEqual(agree.attrs.openType, 'agreePrivacyAuthorization');
  assert.strictEqual(agree.attrs.id, 'agree-btn');
  assert.strictEqual(agree.events.agreeprivacyauthorization.handler, 'onAgree');
  assertClean(s, index);
});

test('privacy: agreeing closes the popup and offers login', async () => {
  const { s, index } = await agreed();
  assert.ok(!index.has('#privacy-popup #privacy-dialog'), 'the popup is closed');
  assert.strictEqual(index.text('#state'), '已同意隐私保护指引，未登录');
  assert.strictEqual(index.text('#login-btn'), '微信登录');
  assert.ok(s.sim.privacyAgreed(), 'WeChat recorded the agreement');
  assertClean(s, index);
});

test('privacy: the contract link opens the privacy guide', async () => {
  const s = harness.start();
  const index = s.open(INDEX);
  await s.settle();
  await index.tap('#privacy-popup #contract-link');
  assert.strictEqual(s.sim.count('openPrivacyContract'), 1);
  assert.ok(index.has('#privacy-popup #privacy-dialog'), 'the popup stays until answered');
});

test('privacy: disagreeing is handled gracefully, and the user can look again and agree', async () => {
  const s = harness.start();
  const index = s.open(INDEX);
  await s.settle();
  await index.tap('#privacy-popup #disagree-btn');
  assert.ok(!index.has('#privacy-popup #privacy-dialog'));
  assert.strictEqual(index.text('#state'), '未同意隐私保护指引');
  assert.match(index.text('#privacy-denied'), /登录和头像昵称暂时不能使用/);
  assert.strictEqual(index.text('#error'), '你没有同意隐私保护指引（PRIVACY_DENIED）');
  assert.ok(!index.has('#login-btn'));
  await index.tap('#privacy-retry');
  assert.ok(index.has('#privacy-popup #privacy-dialog'), 'the popup is back');
  assert.ok(!index.has('#privacy-denied'));
  await index.agreePrivacy(AGREE);
  assert.strictEqual(index.text('#state'), '已同意隐私保护指引，未登录');
  assertClean(s, index);
});

test('profile: the avatar/nickname fill-in (base library 2.27.1+) is wired to chooseAvatar and a form submit', async () => {
  const { s } = await agreed();
  const profile = s.open(PROFILE);
  await s.settle();
  assert.ok(!profile.has('#profile-btn'), 'no getUserProfile on a new base library');
  assert.strictEqual(profile.wiring('#avatar-btn').attrs.openType, 'chooseAvatar');
  assert.strictEqual(profile.wiring('#avatar-btn').events.chooseavatar.handler, 'onChooseAvatar');
  const input = profile.wiring('#nickname-input');
  assert.strictEqual(input.attrs.type, 'nickname');
  assert.strictEqual(input.attrs.name, 'nickName');
  assert.strictEqual(profile.wiring('#save-btn').attrs.formType, 'submit');
  assert.strictEqual(profile.wiring('#profile-form').events.submit.handler, 'onSubmit');
  assert.strictEqual(profile.text('.avatar-empty'), '选择头像');

  await profile.chooseAvatar('#avatar-btn', 'wxfile://tmp/avatar-xiaoming.png');
  assert.ok(profile.has('#avatar-preview'), 'the chosen avatar is shown');
  assert.ok(!profile.has('#saved'));
  await profile.submit('#profile-form', { nickName: '  小明 ' });
  assert.strictEqual(profile.text('#saved'), '已保存，登录后同步到服务器');
  assert.strictEqual(profile.text('#state'), '已填写头像昵称，未登录');
  assert.strictEqual(profile.text('#current-nickname'), '小明');
  assert.strictEqual(profile.text('#sync'), '仅保存在本机');
  assertClean(s, profile);
});

test('profile: logged in, the avatar is uploaded and the profile follows the user to a second phone', async () => {
  const { s, profile } = await profileSaved();
  assert.strictEqual(profile.text('#saved'), '已保存到服务器');
  assert.strictEqual(profile.text('#sync'), '已同步到服务器');
  const upload = s.sim.backendLog.filter((r) => r.path === '/auth/profile');
  assert.strictEqual(upload.length, 1);
  assert.strictEqual(upload[0].upload.name, 'avatar');
  const avatar = profile.wiring('#current-avatar').attrs.src;
  assert.match(avatar, /^https:\/\/api\.example\.com\/avatars\/[0-9a-f]{32}\.png$/, 'the backend URL replaces the temporary file');
  assertClean(s, profile);

  // A second phone of the same user: nothing stored there; the login brings the profile.
  const other = harness.start({ server: s.sim.server, startTime: s.sim.now() });
  const index = other.open(INDEX);
  await other.settle();
  await index.agreePrivacy(AGREE);
  await index.tap('#login-btn');
  const page = other.open(PROFILE);
  await other.settle();
  assert.strictEqual(page.text('#current-nickname'), '小明');
  assert.strictEqual(page.text('#sync'), '已同步到服务器');
  assert.strictEqual(page.wiring('#current-avatar').attrs.src, avatar);
  assert.strictEqual(other.sim.count('uploadFile'), 0, 'nothing uploaded from the second phone');
});

test('profile: a picture the backend refuses is explained and the profile stays as it was', async () => {
  const { s, profile } = await profileSaved();
  await profile.chooseAvatar('#avatar-btn', 'http://tmp/page.html', [0x3c, 0x68, 0x74, 0x6d, 0x6c, 0x3e]);
  await profile.submit('#profile-form', { nickName: '小红' });
  await s.settle();
  assert.strictEqual(profile.text('#error'), '头像或昵称未通过，请换一个再试（PROFILE_REJECTED）');
  assert.strictEqual(profile.text('#current-nickname'), '小明');
  assert.strictEqual(profile.text('#sync'), '已同步到服务器');
  assert.strictEqual(s.sim.storedProfile('o-sim-xiaoming').nickName, '小明');
});

test('profile: a nickname WeChat cleared on blur is not saved', async () => {
  const { s } = await agreed();
  const profile = s.open(PROFILE);
  await s.settle();
  await profile.chooseAvatar('#avatar-btn', 'wxfile://tmp/avatar.png');
  await profile.submit('#profile-form', { nickName: '' });
  assert.strictEqual(profile.text('#error'), '请选择头像并填写昵称');
  assert.strictEqual(profile.text('#state'), '已同意隐私保护指引，未登录');
  assert.ok(!profile.has('#current-nickname'));
});

test('profile: before the agreement the page asks for it first', async () => {
  const s = harness.start();
  const profile = s.open(PROFILE);
  await s.settle();
  assert.ok(!profile.has('#profile-form'));
  assert.match(profile.text('#need-privacy'), /需要先同意隐私保护指引/);
  // This page's popup took over the prompt handler when the page was attached.
  await profile.tap('#privacy-btn');
  assert.ok(profile.has('#privacy-popup #privacy-dialog'));
  await profile.agreePrivacy(AGREE);
  assert.ok(profile.has('#profile-form'), 'the form appears once agreed');
});

test('profile: on a base library older than 2.27.1, getUserProfile from a tap gives the real profile', async () => {
  const s = harness.start({ sdkVersion: '2.26.2' });
  const profile = s.open(PROFILE);
  await s.settle();
  assert.ok(!profile.has('#profile-form'), 'no fill-in form');
  assert.strictEqual(profile.text('#profile-btn'), '使用微信头像和昵称');
  await profile.tap('#profile-btn');
  assert.strictEqual(profile.text('#saved'), '已保存');
  assert.strictEqual(profile.text('#state'), '已填写头像昵称，未登录');
  assert.strictEqual(profile.text('#current-nickname'), '小明');
  assert.deepStrictEqual(s.sim.calls.filter((c) => c.api === 'getUserProfile').map((c) => c.detail), ['in tap']);
  assertClean(s, profile);
});

test('profile: a refused getUserProfile popup is shown as such', async () => {
  const s = harness.start({ sdkVersion: '2.26.2', profileAnswer: 'deny' });
  const profile = s.open(PROFILE);
  await s.settle();
  await profile.tap('#profile-btn');
  assert.strictEqual(profile.text('#error'), '你拒绝了使用头像和昵称（PROFILE_DENIED）');
  assert.strictEqual(profile.text('#state'), '已同意隐私保护指引，未登录');
});

test('login → /api/me → logout → restart: each step as the page shows it', async () => {
  const { s, index } = await loggedIn();
  assert.strictEqual(index.text('#expires'), '会话有效期至 2026-11-21 11:00');
  assert.ok(!index.has('#login-btn'));
  await index.tap('#me-btn');
  assert.strictEqual(index.text('#me'), 'GET /api/me → 200\nopenid：o-sim-xiaoming\n绑定于：2026-11-21 09:00');
  const me = s.sim.backendLog.filter((r) => r.path === '/api/me');
  assert.strictEqual(me.length, 1);
  assert.match(me[0].header.Authorization, /^Bearer /);
  assertClean(s, index);

  await index.tap('#logout-btn');
  assert.strictEqual(index.text('#state'), '已退出登录（你已退出）');
  assert.ok(!index.has('#me'), 'the /api/me result is gone');
  assert.ok(!index.has('#expires'));
  assert.strictEqual(index.text('#login-btn'), '微信登录');

  // The app is opened again: same phone (storage, privacy), new launch.
  index.unload();
  s.restart();
  const again = s.open(INDEX);
  await s.settle();
  assert.strictEqual(again.text('#state'), '已退出登录（你已退出）');
  assert.ok(!again.has('#privacy-popup #privacy-dialog'), 'the agreement is remembered');
  assert.strictEqual(s.sim.count('login'), 1, 'no silent login after a logout');
  await again.tap('#login-btn');
  assert.strictEqual(again.text('#state'), '已登录');
  assertClean(s, again);
});

test('restart while logged in: the session is restored with its profile', async () => {
  const { s } = await agreed();
  const profile = s.open(PROFILE);
  await s.settle();
  await profile.chooseAvatar('#avatar-btn', 'wxfile://tmp/a.png');
  await profile.submit('#profile-form', { nickName: '小红' });
  const index = s.open(INDEX);
  await s.settle();
  await index.tap('#login-btn');
  assert.strictEqual(index.text('#nickname'), '小红');
  s.restart();
  const again = s.open(INDEX);
  await s.settle();
  assert.strictEqual(again.text('#state'), '已登录');
  assert.strictEqual(again.text('#nickname'), '小红');
  assert.strictEqual(s.sim.count('login'), 1);
});

test('login: a backend failure is shown and the user can retry', async () => {
  const { s, index } = await agreed();
  s.sim.backendNext('/auth/login', { statusCode: 400, body: { code: 'INVALID_CODE' } });
  await index.tap('#login-btn');
  assert.strictEqual(index.text('#error'), '登录失败，请重试（LOGIN_FAILED）');
  assert.strictEqual(index.text('#state'), '已同意隐私保护指引，未登录');
  s.sim.advance(11000); // the SDK keeps wx.login calls at least 10 s apart
  await index.tap('#login-btn');
  assert.strictEqual(index.text('#state'), '已登录');
  assert.ok(!index.has('#error'));
});

test('account: scopes never asked for are absent, not denied', async () => {
  const { s } = await loggedIn();
  const account = s.open(ACCOUNT);
  await s.settle();
  assert.strictEqual(account.text('#state'), '已登录');
  assert.strictEqual(account.text('#scopes-empty'), '本小程序还没有申请过任何权限。');
  assert.deepStrictEqual(account.texts('.scope'), []);
});

test('account: openSetting from a tap shows the scopes as the user left them', async () => {
  const { s } = await loggedIn({
    authSetting: { 'scope.userLocation': true, 'scope.camera': false },
    openSettingAnswer: { 'scope.userLocation': false, 'scope.record': true },
  });
  const account = s.open(ACCOUNT);
  await s.settle();
  assert.deepStrictEqual(account.texts('.scope'), ['位置信息已允许', '摄像头已拒绝']);
  await account.tap('#open-setting-btn');
  // Only scopes asked before are on WeChat's settings page: record stays absent.
  assert.deepStrictEqual(account.texts('.scope'), ['位置信息已拒绝', '摄像头已拒绝']);
  assert.deepStrictEqual(s.sim.calls.filter((c) => c.api === 'openSetting').map((c) => c.detail), ['in tap']);
  assert.ok(!account.has('#error'));
  assertClean(s, account);
});

test('account: logging out keeps the account; the text tells it apart from cancelling the authorization in WeChat', async () => {
  const { s } = await loggedIn();
  const account = s.open(ACCOUNT);
  await s.settle();
  assert.match(account.text('#revoke-section'), /我 → 设置 → 隐私 → 授权管理/);
  assert.match(account.text('#revoke-section'), /小程序无法替你取消授权/);
  assert.ok(!account.has('#revoke-section button'), 'nothing in the app pretends to cancel it');
  await account.tap('#logout-btn');
  assert.strictEqual(account.text('#state'), '已退出登录（你已退出）');
  assert.match(account.text('#message'), /账号和微信授权都还在/);
  assert.ok(!account.has('#logout-btn') && !account.has('#unbind-btn'));
});

test('account: unbind asks first, then deletes the binding and the local session', async () => {
  const { s, index } = await loggedIn();
  await index.tap('#me-btn');
  const firstSince = index.text('#me').split('\n')[2];
  const account = s.open(ACCOUNT);
  await s.settle();
  await account.tap('#unbind-btn');
  assert.match(account.text('#unbind-confirm'), /此操作不能撤销/);
  await account.tap('#unbind-no');
  assert.ok(!account.has('#unbind-confirm'));
  assert.strictEqual(s.sim.backendLog.filter((r) => r.path === '/auth/unbind').length, 0, 'cancel sends nothing');

  await account.tap('#unbind-btn');
  await account.tap('#unbind-yes');
  assert.strictEqual(account.text('#state'), '已同意隐私保护指引，未登录');
  assert.match(account.text('#message'), /已解除绑定/);
  assert.strictEqual(s.sim.backendLog.filter((r) => r.path === '/auth/unbind').length, 1);
  // The index page (still in the stack) followed; logging in again is a new binding.
  assert.strictEqual(index.text('#state'), '已同意隐私保护指引，未登录');
  s.sim.advance(61000);
  await index.tap('#login-btn');
  await index.tap('#me-btn');
  assert.notStrictEqual(index.text('#me').split('\n')[2], firstSince);
  assertClean(s, account);
});

test('account: a failed unbind changes nothing and says so', async () => {
  const { s } = await loggedIn();
  const account = s.open(ACCOUNT);
  await s.settle();
  s.sim.backendNext('/auth/unbind', { statusCode: 503, body: { code: 'BUSY' } });
  await account.tap('#unbind-btn');
  await account.tap('#unbind-yes');
  assert.strictEqual(account.text('#state'), '已登录');
  assert.match(account.text('#error'), /（SERVER）$/);
  assert.ok(!account.has('#message'));
});

const PHONE = 'pages/phone/phone';

test('phone: the button is wired to getPhoneNumber, says what it costs, and shows the masked number the backend kept', async () => {
  const { s } = await loggedIn();
  const phone = s.open(PHONE);
  await s.settle();
  const btn = phone.wiring('#phone-btn');
  assert.strictEqual(btn.attrs.openType, 'getPhoneNumber');
  assert.strictEqual(btn.events.getphonenumber.handler, 'onPhoneNumber');
  assert.match(phone.text('#billing'), /0\.03 元/);
  await phone.getPhoneNumber('#phone-btn');
  assert.strictEqual(phone.text('#phone'), '+86 138****8000');
  assert.strictEqual(s.sim.storedPhone('o-sim-xiaoming'), '13800138000', 'the backend has the number');
  assert.strictEqual(s.sim.billedPhoneVerifications, 1);
  assert.strictEqual(s.sim.backendLog.filter((r) => r.path === '/auth/phone').length, 1);
  assert.doesNotMatch(phone.html(), /13800138000/, 'the full number never reaches the page');
  assertClean(s, phone);
});

test('phone: a decline is explained, nothing is sent or billed, and another tap works', async () => {
  const { s } = await loggedIn({ phoneAnswer: 'deny' });
  const phone = s.open(PHONE);
  await s.settle();
  await phone.getPhoneNumber('#phone-btn');
  assert.strictEqual(phone.text('#error'), '你没有授权使用手机号（PHONE_DENIED）');
  assert.ok(!phone.has('#phone'));
  assert.strictEqual(s.sim.backendLog.filter((r) => r.path === '/auth/phone').length, 0);
  assert.strictEqual(s.sim.billedPhoneVerifications, 0);
  s.sim.config.phoneAnswer = 'allow';
  await phone.getPhoneNumber('#phone-btn');
  assert.strictEqual(phone.text('#phone'), '+86 138****8000');
  assert.ok(!phone.has('#error'));
});

test('phone: before login the page asks for a login and shows no button', async () => {
  const { s } = await agreed();
  const phone = s.open(PHONE);
  await s.settle();
  assert.ok(!phone.has('#phone-btn'));
  assert.strictEqual(phone.text('#need-login'), '请先在首页登录，再验证手机号。');
});

test('cloud: the same app switched to a cloud function by one setting logs in, verifies the phone and logs out with no wx.login or wx.request', async () => {
  // The example as a developer would switch it: config.js's `cloud: null` set, nothing else.
  const fs = require('fs');
  const os = require('os');
  const path = require('path');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wx-auth-cloud-'));
  fs.cpSync(harness.ROOT, dir, { recursive: true });
  const configFile = path.join(dir, 'config.js');
  const config = fs.readFileSync(configFile, 'utf8');
  assert.match(config, /^ {2}cloud: null,$/m);
  fs.writeFileSync(configFile, config.replace(/^ {2}cloud: null,$/m, "  cloud: { env: 'prod-1', function: 'wxauth' },"));
  try {
    harness.init();
    const s = require('../../testing/page-runner.js').launch({ root: dir, sim: {}, modules: __dirname });
    const index = s.open(INDEX);
    await s.settle();
    await index.agreePrivacy(AGREE);
    await index.tap('#login-btn');
    assert.strictEqual(index.text('#state'), '已登录');
    const phone = s.open(PHONE);
    await s.settle();
    await phone.getPhoneNumber('#phone-btn');
    assert.strictEqual(phone.text('#phone'), '+86 138****8000');
    const account = s.open(ACCOUNT);
    await s.settle();
    await account.tap('#logout-btn');
    assert.strictEqual(s.sim.count('login'), 0, 'no wx.login: WeChat names the caller');
    assert.strictEqual(s.sim.count('request'), 0, 'no wx.request');
    assert.ok(s.sim.count('cloud.callFunction') >= 3, 'everything through the cloud function');
    assert.strictEqual(s.sim.backendLog.filter((r) => r.path === '/auth/logout').length, 1);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
