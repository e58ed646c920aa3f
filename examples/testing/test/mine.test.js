// Tests of 积分小站's "我的" page with wx-auth/testing: the page's real WXML and JS run
// against a simulated WeChat (privacy, wx.login, storage, wx.request) and a simulated
// backend that speaks the SDK's login protocol plus this app's own /api/points.
const test = require('node:test');
const assert = require('node:assert');
const path = require('path');
const { launch } = require('wx-auth/testing');

const ROOT = path.join(__dirname, '../miniprogram');
const MINE = 'pages/mine/mine';

// This app's API, as the simulated backend answers it: 401 without a valid session.
const routes = {
  'GET /api/points': (req, session) => (session
    ? { statusCode: 200, body: { points: 120 } }
    : { statusCode: 401, body: { code: 'UNAUTHORIZED' } }),
};

function start() {
  return launch({ root: ROOT, sim: { domains: ['points.example.com'], routes: routes } });
}

async function loggedIn() {
  const app = start();
  const mine = app.open(MINE);
  await app.settle();
  await mine.tap('#login');
  await mine.agreePrivacy('#agree');
  return { app, mine };
}

test('a first login asks for the privacy agreement, then shows the points', async () => {
  const app = start();
  const mine = app.open(MINE);
  await app.settle();
  assert.strictEqual(mine.text('#status'), '未同意隐私保护指引');
  await mine.tap('#login');
  assert.ok(mine.has('#privacy'), 'the privacy bar is shown');
  assert.strictEqual(app.sim.count('login'), 0, 'no wx.login before the agreement');
  await mine.agreePrivacy('#agree');
  assert.ok(!mine.has('#privacy'));
  assert.strictEqual(mine.text('#status'), '已登录');
  assert.strictEqual(mine.text('#points'), '我的积分：120');
  assert.deepStrictEqual(app.swallowed, []);
});

test('declining the agreement explains why there is no login', async () => {
  const app = start();
  const mine = app.open(MINE);
  await app.settle();
  await mine.tap('#login');
  await mine.tap('#decline');
  assert.strictEqual(mine.text('#error'), '你没有同意隐私保护指引');
  assert.ok(mine.has('#login'), 'the login button is still there');
  assert.strictEqual(app.sim.count('login'), 0);
});

test('the session survives a restart: no second wx.login', async () => {
  const { app } = await loggedIn();
  app.restart();
  const mine = app.open(MINE);
  await app.settle();
  assert.strictEqual(mine.text('#status'), '已登录');
  assert.strictEqual(mine.text('#points'), '我的积分：120');
  assert.strictEqual(app.sim.count('login'), 1);
});

test('a network that stays down at login leaves the user logged out with a message', async () => {
  const app = start();
  const mine = app.open(MINE);
  await app.settle();
  // The SDK retries a passing failure (4 attempts, fresh codes): every one times out.
  for (let i = 0; i < 4; i++) app.sim.backendNext('/auth/login', { fail: { text: 'timeout', errno: 5 } });
  await mine.tap('#login');
  await mine.agreePrivacy('#agree');
  assert.strictEqual(app.sim.count('login'), 4);
  assert.strictEqual(mine.text('#error'), '网络不可用，请稍后重试');
  assert.ok(mine.has('#login'), 'the user can try again');
  assert.ok(!mine.has('#points'));
});

test('a session the backend revoked is renewed once, silently, when the page asks for points', async () => {
  const { app } = await loggedIn();
  // The backend dropped the session (a deploy, a password change …) while the app slept.
  app.sim.backendNext('/api/points', { statusCode: 401, body: { code: 'UNAUTHORIZED' } });
  app.restart();
  const mine = app.open(MINE);
  await app.settle();
  assert.strictEqual(mine.text('#points'), '我的积分：120');
  assert.strictEqual(app.sim.count('login'), 2, 'one renewal');
});

test('logging out hides the points and tells the backend', async () => {
  const { app, mine } = await loggedIn();
  await mine.tap('#logout');
  assert.strictEqual(mine.text('#status'), '已退出登录（你已退出）');
  assert.ok(!mine.has('#points'));
  assert.ok(app.sim.backendLog.some((r) => r.path === '/auth/logout'), 'POST /auth/logout was sent');
});
