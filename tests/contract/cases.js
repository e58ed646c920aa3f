// The public contract of the SDK, case by case, against the wx simulator.
//
// Written once and run three ways: by wasm-bindgen-test (node and headless Chromium,
// tests/contract.rs), against dist/ in a node realm shaped like a mini-program
// (tests/dist/run-node.js), and against dist/ in JavaScriptCore without JIT
// (tests/jsc/harness.js). `env.createAuth(options)` is the only thing that differs.
import { createWxSim, installWx } from '../sim/wx-sim.js';

const LOGIN_URL = 'https://api.example.com/auth/login';
const LOGOUT_URL = 'https://api.example.com/auth/logout';
const ME_URL = 'https://api.example.com/api/me';
const UNBIND_URL = 'https://api.example.com/auth/unbind';
const PHONE_URL = 'https://api.example.com/auth/phone';
const PROFILE_URL = 'https://api.example.com/auth/profile';
const KEY = 'wx-auth:session';

function fail(message) {
  throw new Error(message);
}
function ok(cond, message) {
  if (!cond) fail(message || 'expected a true condition');
}
function eq(actual, expected, what) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) fail((what || 'value') + ': expected ' + e + ', got ' + a);
}
async function rejects(promise, code, what) {
  let value;
  try {
    value = await promise;
  } catch (e) {
    ok(e instanceof Error, (what || 'rejection') + ' is an Error');
    eq(e.code, code, (what || 'rejection') + ' code');
    return e;
  }
  fail((what || 'call') + ' resolved with ' + JSON.stringify(value) + ', expected ' + code);
}
function throws(fn, code, what) {
  try {
    fn();
  } catch (e) {
    ok(e instanceof Error, (what || 'throw') + ' is an Error');
    eq(e.code, code, (what || 'throw') + ' code');
    return e;
  }
  fail((what || 'call') + ' did not throw ' + code);
}
function stored(sim) {
  const text = sim.storageText(KEY);
  return text === undefined ? undefined : JSON.parse(JSON.parse(text));
}

async function start(env, simConfig, options) {
  const sim = createWxSim(simConfig);
  installWx(sim);
  const auth = await env.createAuth(Object.assign({ loginUrl: LOGIN_URL, logoutUrl: LOGOUT_URL, now: sim.now, setTimeout: sim.setTimeout }, options || {}));
  return { sim, auth };
}
// A user who agreed to privacy already (needAuthorization false).
function agreed(env, extra, options) {
  return start(env, Object.assign({ needPrivacyAuthorization: false }, extra || {}), options);
}
async function loggedIn(env, extra, options) {
  const s = await agreed(env, extra, options);
  await s.auth.login();
  return s;
}
// Restarts the SDK on the same phone: same storage, same WeChat state.
function restart(env, sim, options) {
  return env.createAuth(Object.assign({ loginUrl: LOGIN_URL, logoutUrl: LOGOUT_URL, now: sim.now, setTimeout: sim.setTimeout }, options || {}));
}
function backendCalls(sim, path) {
  return sim.backendLog.filter((r) => r.path === path);
}

export const cases = [
  ['start: a new user who must agree to privacy is anonymous', async (env) => {
    const { sim, auth } = await start(env, { needPrivacyAuthorization: true });
    eq(auth.state, { kind: 'anonymous' }, 'state');
    eq(sim.count('getStorage'), 1, 'one read: a missing key is missing in both storage modes');
    eq(sim.count('getPrivacySetting'), 1, 'getPrivacySetting calls');
    eq(sim.count('onNeedPrivacyAuthorization'), 1, 'listener registrations');
    eq(sim.storageText(KEY), undefined, 'stored record');
  }],
  ['start: needAuthorization false moves anonymous to privacy-agreed', async (env) => {
    const { auth } = await agreed(env);
    eq(auth.state, { kind: 'privacy-agreed' }, 'state');
  }],
  ['start: a base library without privacy APIs (< 2.32.3) starts privacy-agreed', async (env) => {
    const { sim, auth } = await start(env, { sdkVersion: '2.30.0', needPrivacyAuthorization: true });
    eq(auth.state.kind, 'privacy-agreed', 'state');
    eq(sim.count('getPrivacySetting'), 0, 'getPrivacySetting calls');
  }],
  ['start: bad options reject with INVALID_ARGUMENT', async (env) => {
    const sim = createWxSim({});
    installWx(sim);
    await rejects(env.createAuth({}), 'INVALID_ARGUMENT', 'no loginUrl');
    await rejects(env.createAuth({ loginUrl: LOGIN_URL, requireProfile: 'yes' }), 'INVALID_ARGUMENT', 'requireProfile');
    await rejects(env.createAuth({ loginUrl: LOGIN_URL, storageKey: '' }), 'INVALID_ARGUMENT', 'storageKey');
    await rejects(env.createAuth({ loginUrl: 42 }), 'INVALID_ARGUMENT', 'loginUrl type');
  }],

  ['privacy: agreePrivacy shows the page prompt and agree moves to privacy-agreed', async (env) => {
    const { sim, auth } = await start(env);
    const prompts = [];
    const changes = [];
    auth.onChange((s) => changes.push(s.kind));
    auth.onPrivacyPrompt((p) => prompts.push(p));
    const agreeing = auth.agreePrivacy();
    await sim.settle();
    eq(prompts, [{ referrer: 'requirePrivacyAuthorize' }], 'prompts shown');
    sim.tap(() => sim.tapAgreeButton('agree-btn'));
    auth.resolvePrivacy({ agree: true, buttonId: 'agree-btn' });
    const state = await agreeing;
    eq(state, { kind: 'privacy-agreed' }, 'resolved state');
    eq(auth.state.kind, 'privacy-agreed', 'state');
    ok(sim.privacyAgreed(), 'WeChat recorded the agreement');
    eq(changes, ['privacy-agreed'], 'onChange calls');
  }],
  ['privacy: disagree rejects PRIVACY_DENIED with errno 104 and stays anonymous', async (env) => {
    const { sim, auth } = await start(env);
    auth.onPrivacyPrompt(() => auth.resolvePrivacy({ agree: false }));
    const e = await rejects(auth.agreePrivacy(), 'PRIVACY_DENIED');
    eq(e.errno, 104, 'errno');
    ok(/^requirePrivacyAuthorize:fail/.test(e.errMsg), 'errMsg ' + e.errMsg);
    eq(auth.state.kind, 'anonymous', 'state');
    ok(!sim.privacyAgreed(), 'no agreement recorded');
  }],
  ['privacy: agree with a button that was never tapped is refused by wx', async (env) => {
    const { auth } = await start(env);
    auth.onPrivacyPrompt(() => auth.resolvePrivacy({ agree: true, buttonId: 'not-tapped' }));
    await rejects(auth.agreePrivacy(), 'PRIVACY_DENIED');
    eq(auth.state.kind, 'anonymous', 'state');
  }],
  ['privacy: a prompt that comes before any page handler waits for one', async (env) => {
    const { sim, auth } = await start(env);
    const agreeing = auth.agreePrivacy();
    await sim.settle();
    let shown = null;
    auth.onPrivacyPrompt((p) => { shown = p; });
    eq(shown, { referrer: 'requirePrivacyAuthorize' }, 'prompt delivered on registration');
    sim.tapAgreeButton('b1');
    auth.resolvePrivacy({ agree: true, buttonId: 'b1' });
    eq((await agreeing).kind, 'privacy-agreed', 'state');
  }],
  ['privacy: only the current page handler is told; the SDK keeps the one wx listener', async (env) => {
    const { sim, auth } = await start(env);
    const first = [];
    const second = [];
    auth.onPrivacyPrompt((p) => first.push(p));
    auth.onPrivacyPrompt((p) => second.push(p));
    const agreeing = auth.agreePrivacy();
    await sim.settle();
    eq(first.length, 0, 'previous page handler calls');
    eq(second.length, 1, 'current page handler calls');
    eq(sim.count('onNeedPrivacyAuthorization'), 1, 'wx listener registrations');
    auth.resolvePrivacy({ agree: false });
    await rejects(agreeing, 'PRIVACY_DENIED');
  }],
  ['privacy: resolvePrivacy with nothing waiting or without a buttonId is refused', async (env) => {
    const { sim, auth } = await start(env);
    throws(() => auth.resolvePrivacy({ agree: false }), 'INVALID_TRANSITION', 'nothing pending');
    const agreeing = auth.agreePrivacy();
    await sim.settle();
    throws(() => auth.resolvePrivacy({ agree: true }), 'INVALID_ARGUMENT', 'agree without buttonId');
    throws(() => auth.resolvePrivacy({}), 'INVALID_ARGUMENT', 'no agree field');
    auth.resolvePrivacy({ agree: false });
    await rejects(agreeing, 'PRIVACY_DENIED');
  }],
  ['privacy: agreePrivacy when already agreed resolves at once without a prompt', async (env) => {
    const { sim, auth } = await agreed(env);
    let prompted = false;
    auth.onPrivacyPrompt(() => { prompted = true; });
    eq((await auth.agreePrivacy()).kind, 'privacy-agreed', 'state');
    ok(!prompted, 'no prompt');
    eq(sim.count('requirePrivacyAuthorize'), 1, 'requirePrivacyAuthorize calls');
  }],

  ['privacy: a page handler that registers itself again is not called from inside itself', async (env) => {
    const { sim, auth } = await start(env);
    let calls = 0;
    const handler = () => {
      calls += 1;
      auth.onPrivacyPrompt(handler);
      if (calls === 1) auth.resolvePrivacy({ agree: false });
    };
    auth.onPrivacyPrompt(handler);
    await rejects(auth.agreePrivacy(), 'PRIVACY_DENIED');
    eq(calls, 1, 'handler calls');
  }],
  ['privacy: openPrivacyContract opens the guide, and says so where the base library has none', async (env) => {
    const { sim, auth } = await start(env);
    eq(await auth.openPrivacyContract(), undefined, 'result');
    eq(sim.count('openPrivacyContract'), 1, 'wx calls');
    const old = await start(env, { sdkVersion: '2.30.0' });
    const e = await rejects(old.auth.openPrivacyContract(), 'PRIVACY_DENIED');
    ok(/^openPrivacyContract:fail/.test(e.errMsg), e.errMsg);
  }],

  ['profile: getUserProfile in a tap grants the profile and stores it', async (env) => {
    const { sim, auth } = await agreed(env, { sdkVersion: '2.27.0' });
    const p = sim.tap(() => auth.getUserProfile({ desc: '用于完善会员资料' }));
    const state = await p;
    eq(state, { kind: 'profile-granted', profile: { nickName: '小明', avatarUrl: 'https://thirdwx.qlogo.cn/mmopen/vi_32/xiaoming/132', saved: false } }, 'state');
    eq(stored(sim).state, 'profile-granted', 'stored state');
    eq(stored(sim).profile.nickName, '小明', 'stored nickname');
  }],
  ['profile: base library 2.27.1+ gets the anonymised profile', async (env) => {
    const { sim, auth } = await agreed(env, { sdkVersion: '3.3.4' });
    const state = await sim.tap(() => auth.getUserProfile({ desc: '用于完善会员资料' }));
    eq(state.profile.nickName, '微信用户', 'nickname');
  }],
  ['profile: getUserProfile outside a tap is TAP_REQUIRED and changes nothing', async (env) => {
    const { sim, auth } = await agreed(env);
    const e = await rejects(auth.getUserProfile({ desc: '用于完善会员资料' }), 'TAP_REQUIRED');
    ok(/^getUserProfile:fail/.test(e.errMsg), 'errMsg');
    eq(auth.state.kind, 'privacy-agreed', 'state');
    eq(sim.storageText(KEY), undefined, 'stored record');
  }],
  ['profile: a refused popup is PROFILE_DENIED', async (env) => {
    const { sim, auth } = await agreed(env, { profileAnswer: 'deny' });
    await rejects(sim.tap(() => auth.getUserProfile({ desc: '用于完善会员资料' })), 'PROFILE_DENIED');
    eq(auth.state.kind, 'privacy-agreed', 'state');
  }],
  ['profile: a desc over 30 characters is INVALID_ARGUMENT and wx is not called', async (env) => {
    const { sim, auth } = await agreed(env);
    await rejects(sim.tap(() => auth.getUserProfile({ desc: '这'.repeat(31) })), 'INVALID_ARGUMENT');
    await rejects(sim.tap(() => auth.getUserProfile({})), 'INVALID_ARGUMENT', 'no desc');
    eq(sim.count('getUserProfile'), 0, 'getUserProfile calls');
  }],
  ['profile: getUserProfile while anonymous asks for privacy first and then grants', async (env) => {
    const { sim, auth } = await start(env, { sdkVersion: '2.33.0' });
    auth.onPrivacyPrompt((p) => {
      eq(p.referrer, 'getUserProfile', 'referrer');
      sim.tapAgreeButton('agree');
      auth.resolvePrivacy({ agree: true, buttonId: 'agree' });
    });
    const state = await sim.tap(() => auth.getUserProfile({ desc: '用于完善会员资料' }));
    eq(state.kind, 'profile-granted', 'state');
  }],
  ['profile: declining the privacy prompt that getUserProfile raised is PRIVACY_DENIED', async (env) => {
    const { sim, auth } = await start(env);
    auth.onPrivacyPrompt(() => auth.resolvePrivacy({ agree: false }));
    const e = await rejects(sim.tap(() => auth.getUserProfile({ desc: '用于完善会员资料' })), 'PRIVACY_DENIED');
    eq(e.errno, 104, 'errno');
    eq(auth.state.kind, 'anonymous', 'state');
  }],
  ['profile: setProfile takes the avatar and nickname form and patches later', async (env) => {
    const { sim, auth } = await agreed(env);
    throws(() => auth.setProfile({ avatarUrl: 'wxfile://tmp_a.png', saved: false }), 'INVALID_ARGUMENT', 'first profile without nickname');
    eq(auth.state.kind, 'privacy-agreed', 'state after a refused setProfile');
    const s1 = auth.setProfile({ avatarUrl: 'wxfile://tmp_a.png', nickName: ' 小红 ' });
    eq(s1, { kind: 'profile-granted', profile: { nickName: '小红', avatarUrl: 'wxfile://tmp_a.png', saved: false } }, 'state');
    const s2 = auth.setProfile({ avatarUrl: 'wxfile://tmp_b.png', saved: false });
    eq(s2.profile, { nickName: '小红', avatarUrl: 'wxfile://tmp_b.png', saved: false }, 'patched profile');
    await sim.settle();
    eq(stored(sim).profile.avatarUrl, 'wxfile://tmp_b.png', 'stored profile');
  }],
  ['profile: setProfile refuses anonymous users and bad fields', async (env) => {
    const { auth } = await start(env);
    throws(() => auth.setProfile({ avatarUrl: 'a', nickName: 'b' }), 'INVALID_TRANSITION', 'anonymous');
    const s = await agreed(env);
    throws(() => s.auth.setProfile({ nickName: 42, avatarUrl: 'a' }), 'INVALID_ARGUMENT', 'number nickname');
    throws(() => s.auth.setProfile({ nickName: '   ', avatarUrl: 'a' }), 'INVALID_ARGUMENT', 'blank nickname');
    throws(() => s.auth.setProfile(null), 'INVALID_ARGUMENT', 'null');
    eq(s.auth.state.kind, 'privacy-agreed', 'state');
  }],

  ['login: exchanges one wx.login code and stores the session', async (env) => {
    const { sim, auth } = await agreed(env);
    const t0 = sim.now();
    const state = await auth.login();
    eq(state.kind, 'logged-in', 'state');
    eq(state.expiresAt, t0 + 7200 * 1000, 'expiresAt');
    const req = backendCalls(sim, '/auth/login');
    eq(req.length, 1, 'exchanges');
    eq(JSON.parse(req[0].body), { code: 'code-000001' }, 'body');
    ok(/json/.test(req[0].header['content-type']), 'content-type');
    const rec = stored(sim);
    eq([rec.v, rec.state, rec.issuedAt, rec.expiresAt], [2, 'logged-in', t0, t0 + 7200 * 1000], 'stored record');
    ok(/^tok-/.test(rec.token), 'stored token');
  }],
  ['login: concurrent calls share one wx.login and one exchange', async (env) => {
    const { sim, auth } = await agreed(env);
    const results = await Promise.all([auth.login(), auth.login(), auth.login()]);
    eq(results.map((s) => s.kind), ['logged-in', 'logged-in', 'logged-in'], 'states');
    eq(sim.count('login'), 1, 'wx.login calls');
    eq(backendCalls(sim, '/auth/login').length, 1, 'exchanges');
  }],
  ['login: when already logged in resolves without calling wx.login', async (env) => {
    const { sim, auth } = await loggedIn(env);
    await auth.login();
    eq(sim.count('login'), 1, 'wx.login calls');
  }],
  ['login: anonymous users get INVALID_TRANSITION and wx.login is not called', async (env) => {
    const { sim, auth } = await start(env);
    await rejects(auth.login(), 'INVALID_TRANSITION');
    eq(sim.count('login'), 0, 'wx.login calls');
  }],
  ['login: requireProfile needs profile-granted first', async (env) => {
    const { sim, auth } = await agreed(env, {}, { requireProfile: true });
    await rejects(auth.login(), 'INVALID_TRANSITION');
    auth.setProfile({ avatarUrl: 'wxfile://a.png', nickName: '小红' });
    const s = await auth.login();
    eq(s.kind, 'logged-in', 'state');
    eq(s.profile.nickName, '小红', 'profile kept');
    eq(sim.count('login'), 1, 'wx.login calls');
  }],
  ['login: a wx.login failure is LOGIN_FAILED with errMsg and errno; nothing changes', async (env) => {
    const { sim, auth } = await agreed(env, {}, { retry: { attempts: 1 } });
    sim.failNext('login', { errMsg: 'login:fail timeout', errno: 5 });
    const e = await rejects(auth.login(), 'LOGIN_FAILED');
    eq([e.errMsg, e.errno], ['login:fail timeout', 5], 'wx cause');
    eq(auth.state.kind, 'privacy-agreed', 'state');
    eq(sim.storageText(KEY), undefined, 'stored record');
  }],
  ['login: a failed request is NETWORK', async (env) => {
    const { sim, auth } = await agreed(env);
    sim.failNext('request', { errMsg: 'request:fail url not in domain list', errno: 600002 });
    const e = await rejects(auth.login(), 'NETWORK');
    eq(e.errno, 600002, 'errno');
    eq(auth.state.kind, 'privacy-agreed', 'state');
  }],
  ['login: a 4xx from the backend is LOGIN_FAILED with its status', async (env) => {
    const { sim, auth } = await agreed(env);
    sim.backendNext('/auth/login', { statusCode: 400, body: { code: 'INVALID_CODE', message: 'invalid code' } });
    const e = await rejects(auth.login(), 'LOGIN_FAILED');
    eq(e.statusCode, 400, 'statusCode');
    ok(/INVALID_CODE/.test(e.message), 'message names the backend code: ' + e.message);
  }],
  ['login: a 5xx or an unusable 200 body is SERVER', async (env) => {
    const { sim, auth } = await agreed(env, {}, { retry: { attempts: 1 } });
    sim.backendNext('/auth/login', { statusCode: 503, body: 'busy' });
    eq((await rejects(auth.login(), 'SERVER')).statusCode, 503, 'statusCode');
    for (const body of ['<html>', { token: 'x' }, { token: '', expiresIn: 10 }, { token: 'x', expiresIn: -5 }, '']) {
      sim.backendNext('/auth/login', { statusCode: 200, body: body });
      await rejects(auth.login(), 'SERVER', 'body ' + JSON.stringify(body));
    }
    eq(auth.state.kind, 'privacy-agreed', 'state');
    eq(sim.storageText(KEY), undefined, 'stored record');
  }],
  ['login: a storage failure is STORAGE and leaves state and storage as they were', async (env) => {
    const { sim, auth } = await agreed(env);
    auth.setProfile({ avatarUrl: 'wxfile://a.png', nickName: '小红' });
    await sim.settle();
    const before = sim.storageText(KEY);
    sim.failNext('setStorage', { errMsg: 'setStorage:fail exceed storage max size 10MB' });
    const e = await rejects(auth.login(), 'STORAGE');
    ok(/^setStorage:fail/.test(e.errMsg), 'errMsg');
    eq(auth.state.kind, 'profile-granted', 'state');
    eq(sim.storageText(KEY), before, 'stored record');
    eq((await auth.login()).kind, 'logged-in', 'a later login works');
  }],

  ['login: on an expired session joins the renewal a request started', async (env) => {
    const { sim, auth } = await loggedIn(env);
    sim.advance(7200 * 1000);
    const [res, state] = await Promise.all([auth.request({ url: ME_URL }), auth.login()]);
    eq([res.statusCode, state.kind], [200, 'logged-in'], 'results');
    eq(sim.count('login'), 2, 'wx.login calls (first login + one renewal)');
  }],

  ['request: adds the bearer token and returns statusCode, data and header', async (env) => {
    const { sim, auth } = await loggedIn(env);
    const res = await auth.request({ url: ME_URL, header: { 'X-Trace': '1', authorization: 'Bearer forged' } });
    eq(res.statusCode, 200, 'statusCode');
    eq(res.data, { openid: 'o-sim-xiaoming', since: Math.floor(sim.now() / 1000) }, 'data');
    ok(res.header && typeof res.header === 'object', 'header');
    const sent = backendCalls(sim, '/api/me')[0].header;
    ok(/^Bearer tok-/.test(sent.Authorization), 'bearer header');
    eq(sent.authorization, undefined, 'caller authorization header replaced');
    eq(sent['X-Trace'], '1', 'caller header kept');
  }],
  ['request: not logged in is NOT_LOGGED_IN and nothing is sent', async (env) => {
    const { sim, auth } = await agreed(env);
    await rejects(auth.request({ url: ME_URL }), 'NOT_LOGGED_IN');
    eq(sim.count('request'), 0, 'requests');
  }],
  ['request: bad options are INVALID_ARGUMENT', async (env) => {
    const { auth } = await loggedIn(env);
    await rejects(auth.request({}), 'INVALID_ARGUMENT', 'no url');
    await rejects(auth.request({ url: ME_URL, method: 'PATCH' }), 'INVALID_ARGUMENT', 'method');
    await rejects(auth.request({ url: ME_URL, header: 'x' }), 'INVALID_ARGUMENT', 'header');
    await rejects(auth.request(null), 'INVALID_ARGUMENT', 'null');
  }],
  ['request: an expired session renews once for all waiting callers, then sends', async (env) => {
    const { sim, auth } = await loggedIn(env);
    const firstExpiry = auth.state.expiresAt;
    sim.advance(7200 * 1000);
    const res = await Promise.all([1, 2, 3].map(() => auth.request({ url: ME_URL })));
    eq(res.map((r) => r.statusCode), [200, 200, 200], 'statuses');
    eq(sim.count('login'), 2, 'wx.login calls (first login + one renewal)');
    eq(backendCalls(sim, '/auth/login').length, 2, 'exchanges');
    ok(auth.state.expiresAt > firstExpiry, 'new expiry');
  }],
  ['request: a 401 renews once (shared) and each request is resent once', async (env) => {
    const { sim, auth } = await loggedIn(env);
    sim.sessionOf(stored(sim).token).revoked = true;
    const res = await Promise.all([1, 2, 3].map(() => auth.request({ url: ME_URL })));
    eq(res.map((r) => r.statusCode), [200, 200, 200], 'statuses after the resend');
    eq(sim.count('login'), 2, 'wx.login calls');
    eq(backendCalls(sim, '/api/me').length, 6, 'requests (3 refused + 3 resent)');
  }],
  ['request: a 401 after the renewal is returned, not retried again', async (env) => {
    const { sim, auth } = await loggedIn(env);
    for (let i = 0; i < 2; i++) sim.backendNext('/api/me', { statusCode: 401, body: { code: 'UNAUTHORIZED' } });
    const res = await auth.request({ url: ME_URL });
    eq(res.statusCode, 401, 'statusCode');
    eq(sim.count('login'), 2, 'wx.login calls');
    eq(backendCalls(sim, '/api/me').length, 2, 'sends');
  }],
  ['request: a wx.request failure is NETWORK with errMsg and errno', async (env) => {
    const { sim, auth } = await loggedIn(env);
    sim.failNext('request', { errMsg: 'request:fail interrupted', errno: 600003 });
    const e = await rejects(auth.request({ url: ME_URL }), 'NETWORK');
    eq([e.errMsg, e.errno], ['request:fail interrupted', 600003], 'wx cause');
    eq(auth.state.kind, 'logged-in', 'state');
  }],
  ['request: a renewal that fails for a passing reason rejects with it and keeps the session', async (env) => {
    const { sim, auth } = await loggedIn(env, {}, { retry: { attempts: 2, baseDelayMs: 100 } });
    sim.advance(7200 * 1000);
    sim.failNext('login', { errMsg: 'login:fail system error', errno: 602001 });
    sim.failNext('login', { errMsg: 'login:fail system error', errno: 602001 });
    const e = await rejects(auth.request({ url: ME_URL }), 'LOGIN_FAILED');
    eq(e.transient, true, 'transient');
    eq(auth.state.kind, 'logged-in', 'state');
    eq(stored(sim).state, 'logged-in', 'stored state');
  }],

  ['logout: drops the session, tells the backend, and a request is then NOT_LOGGED_IN', async (env) => {
    const { sim, auth } = await loggedIn(env);
    const token = stored(sim).token;
    const state = await auth.logout();
    eq(state, { kind: 'logged-out', reason: 'user' }, 'state');
    eq(stored(sim), { v: 2, state: 'logged-out', reason: 'user' }, 'stored record');
    await sim.settle();
    const out = backendCalls(sim, '/auth/logout');
    eq(out.length, 1, 'logout requests');
    eq(out[0].header.Authorization, 'Bearer ' + token, 'bearer');
    ok(sim.sessionOf(token).revoked, 'backend revoked it');
    await rejects(auth.request({ url: ME_URL }), 'NOT_LOGGED_IN');
    eq(sim.count('login'), 1, 'wx.login calls');
  }],
  ['logout: a login in flight when logout began does not log the user in', async (env) => {
    const { sim, auth } = await agreed(env);
    const cancelled = rejects(auth.login(), 'INVALID_TRANSITION', 'the cancelled login');
    const out = await auth.logout();
    eq(out.kind, 'logged-out', 'state after logout');
    await cancelled;
    await sim.settle();
    eq(auth.state.kind, 'logged-out', 'state');
    eq(stored(sim).state, 'logged-out', 'stored state');
    eq(stored(sim).token, undefined, 'stored token');
  }],
  ['logout: the backend failing does not stop the local logout', async (env) => {
    const { sim, auth } = await loggedIn(env);
    sim.backendNext('/auth/logout', { fail: { text: 'timeout', errno: 5 } });
    eq((await auth.logout()).kind, 'logged-out', 'state');
  }],
  ['logout: without a logoutUrl nothing is sent to the backend', async (env) => {
    const { sim, auth } = await loggedIn(env, {}, { logoutUrl: undefined });
    await auth.logout();
    await sim.settle();
    eq(backendCalls(sim, '/auth/logout').length, 0, 'logout requests');
  }],
  ['logout: sticks across a restart until login() is called again', async (env) => {
    const { sim, auth } = await loggedIn(env);
    await auth.logout();
    const again = await restart(env, sim);
    eq(again.state.kind, 'logged-out', 'state after restart');
    await rejects(again.request({ url: ME_URL }), 'NOT_LOGGED_IN');
    eq(sim.count('login'), 1, 'wx.login calls');
    eq((await again.login()).kind, 'logged-in', 'explicit login');
  }],
  ['logout: when never logged in is INVALID_TRANSITION; twice is harmless', async (env) => {
    const { auth } = await agreed(env);
    await rejects(auth.logout(), 'INVALID_TRANSITION');
    const s = await loggedIn(env);
    await s.auth.logout();
    eq((await s.auth.logout()).kind, 'logged-out', 'second logout');
  }],
  ['logout: a storage failure is STORAGE and the user stays logged in', async (env) => {
    const { sim, auth } = await loggedIn(env);
    const before = sim.storageText(KEY);
    sim.failNext('setStorage', { errMsg: 'setStorage:fail system error' });
    await rejects(auth.logout(), 'STORAGE');
    eq(auth.state.kind, 'logged-in', 'state');
    eq(sim.storageText(KEY), before, 'stored record');
  }],

  ['restart: a stored session comes back with its expiry and profile', async (env) => {
    const { sim, auth } = await agreed(env);
    auth.setProfile({ avatarUrl: 'wxfile://a.png', nickName: '小红' });
    await auth.login();
    const again = await restart(env, sim);
    eq(again.state, auth.state, 'restored state');
    eq(sim.count('login'), 1, 'wx.login calls');
    eq((await again.request({ url: ME_URL })).statusCode, 200, 'request with the restored token');
  }],
  ['restart: corrupt or foreign data under the key starts cleanly and is left alone', async (env) => {
    for (const junk of ['garbage', { foo: 1 }, 42, '{"v":1,"state":"logged-in","token":"t"}', '{"v":1,"state":"logged-in","expiresAt":1}']) {
      const sim = createWxSim({ needPrivacyAuthorization: false });
      installWx(sim);
      sim.setStorageRaw(KEY, junk);
      const auth = await env.createAuth({ loginUrl: LOGIN_URL, now: sim.now });
      eq(auth.state, { kind: 'privacy-agreed' }, 'state for ' + JSON.stringify(junk));
      eq(sim.storageText(KEY), JSON.stringify(junk), 'data untouched');
    }
  }],
  ['restart: a storage read that fails is a transient STORAGE error and loses nothing', async (env) => {
    const { sim, auth } = await loggedIn(env, { sdkVersion: '2.20.0' });
    sim.failNext('getStorage', { errMsg: 'getStorage:fail system error' });
    const e = await rejects(restart(env, sim), 'STORAGE');
    eq([e.errMsg, e.transient], ['getStorage:fail system error', true], 'cause');
    eq((await restart(env, sim)).state, auth.state, 'the next start restores the session');
  }],
  ['restart: a record from a newer SDK is treated as no session and left untouched', async (env) => {
    const sim = createWxSim({ needPrivacyAuthorization: false });
    installWx(sim);
    const future = JSON.stringify({ v: 2, state: 'logged-in', token: 'x', expiresAt: 1e15 });
    sim.setStorageRaw(KEY, future);
    const auth = await env.createAuth({ loginUrl: LOGIN_URL, now: sim.now });
    eq(auth.state.kind, 'privacy-agreed', 'state');
    eq(sim.storageText(KEY), JSON.stringify(future), 'record untouched');
  }],
  ['storage: a custom storageKey is used and other keys are left alone', async (env) => {
    const sim = createWxSim({ needPrivacyAuthorization: false });
    installWx(sim);
    sim.setStorageRaw('app:cart', ['apple']);
    const auth = await env.createAuth({ loginUrl: LOGIN_URL, storageKey: 'my:auth', now: sim.now });
    await auth.login();
    await auth.logout();
    ok(sim.storageText('my:auth') !== undefined, 'record under the custom key');
    eq(sim.storageText(KEY), undefined, 'default key unused');
    eq(sim.storageText('app:cart'), '["apple"]', 'app data kept');
  }],

  ['onChange: runs after every transition; unsubscribing stops it; a throwing listener is contained', async (env) => {
    const { sim, auth } = await agreed(env);
    const seen = [];
    auth.onChange(() => { throw new Error('page bug'); });
    const stop = auth.onChange((s) => seen.push(s.kind));
    auth.setProfile({ avatarUrl: 'wxfile://a.png', nickName: '小红' });
    await auth.login();
    stop();
    stop();
    await auth.logout();
    eq(seen, ['profile-granted', 'logged-in'], 'kinds seen');
    throws(() => auth.onChange('x'), 'INVALID_ARGUMENT', 'non-function listener');
  }],
  ['re-entrancy: a clock and listeners that call back into the SDK are safe', async (env) => {
    const sim = createWxSim({ needPrivacyAuthorization: false });
    installWx(sim);
    let auth = null;
    const seen = [];
    const errors = [];
    const guarded = (fn) => { try { fn(); } catch (e) { errors.push(String(e)); } };
    const clock = () => { if (auth) guarded(() => seen.push(auth.state.kind)); return sim.now(); };
    auth = await env.createAuth({ loginUrl: LOGIN_URL, now: clock });
    auth.onChange((s) => guarded(() => {
      seen.push('change:' + auth.state.kind);
      if (s.kind === 'logged-in' && !auth.state.profile) auth.setProfile({ nickName: '小红', avatarUrl: 'wxfile://a.png' });
    }));
    await auth.login();
    await auth.request({ url: ME_URL });
    eq(errors, [], 'errors thrown inside the callbacks');
    eq(auth.state.profile, { nickName: '小红', avatarUrl: 'wxfile://a.png', saved: false }, 'profile set from a listener');
    ok(seen.indexOf('change:logged-in') >= 0, 'listener ran: ' + seen.join(','));
    ok(seen.filter((k) => k === 'privacy-agreed').length > 0, 'the clock read the state');
  }],
  ['storage: the record is written encrypted from base library 2.21.3, plain before', async (env) => {
    const a = await loggedIn(env, { sdkVersion: '2.21.3' });
    eq(a.sim.storageItem(KEY).encrypted, true, 'encrypted on 2.21.3');
    const b = await loggedIn(env, { sdkVersion: '2.21.2' });
    eq(b.sim.storageItem(KEY).encrypted, false, 'plain on 2.21.2');
    eq((await restart(env, a.sim)).state.kind, 'logged-in', 'an encrypted record reads back');
  }],
  ['storage: a plain record from before a base library update is read and rewritten encrypted', async (env) => {
    const old = await loggedIn(env, { sdkVersion: '2.20.0' });
    const text = old.sim.storageText(KEY);
    const sim = createWxSim({ needPrivacyAuthorization: false, sdkVersion: '3.3.4' });
    installWx(sim);
    sim.setStorageRaw(KEY, JSON.parse(text), false);
    const auth = await env.createAuth({ loginUrl: LOGIN_URL, now: sim.now, setTimeout: sim.setTimeout });
    eq(auth.state, old.auth.state, 'restored state');
    eq(sim.storageItem(KEY).encrypted, true, 'rewritten encrypted');
    eq(sim.storageText(KEY), text, 'same record');
  }],
  ['storage: a version 1 record migrates forward to version 2', async (env) => {
    const sim = createWxSim({ needPrivacyAuthorization: false });
    installWx(sim);
    sim.setStorageRaw(KEY, JSON.stringify({ v: 1, state: 'logged-out', profile: { nickName: '小红', avatarUrl: 'wxfile://a.png' } }), true);
    const auth = await env.createAuth({ loginUrl: LOGIN_URL, now: sim.now });
    eq(auth.state, { kind: 'logged-out', profile: { nickName: '小红', avatarUrl: 'wxfile://a.png', saved: false }, reason: 'user' }, 'state');
    eq(stored(sim).v, 2, 'stored version');
    eq(stored(sim).reason, 'user', 'stored reason');
  }],
  ['reset: removes only the SDK record, revokes the session and starts over', async (env) => {
    const { sim, auth } = await loggedIn(env);
    sim.setStorageRaw('app:cart', ['apple']);
    const token = stored(sim).token;
    const state = await auth.reset();
    eq(state, { kind: 'privacy-agreed' }, 'state (WeChat says privacy is agreed)');
    eq(sim.storageText(KEY), undefined, 'record removed');
    eq(sim.storageText('app:cart'), '["apple"]', 'app data kept');
    await sim.settle();
    ok(sim.sessionOf(token).revoked, 'backend session revoked');
    eq((await restart(env, sim)).state.kind, 'privacy-agreed', 'after a restart');
  }],
  ['retry: a busy backend (503) is retried with a fresh wx.login code each time', async (env) => {
    const { sim, auth } = await agreed(env);
    sim.backendNext('/auth/login', { statusCode: 503, body: { code: 'BUSY' } });
    sim.backendNext('/auth/login', { fail: { text: 'interrupted', errno: 600003 } });
    const t0 = sim.now();
    eq((await auth.login()).kind, 'logged-in', 'state');
    eq(sim.count('login'), 3, 'wx.login calls');
    const codes = backendCalls(sim, '/auth/login').map((r) => JSON.parse(r.body).code);
    eq(new Set(codes).size, 3, 'three different codes: ' + codes.join(','));
    const at = sim.calls.filter((c) => c.api === 'login').map((c) => c.at - t0);
    ok(at[1] >= 250 && at[1] <= 500, 'first backoff within [base/2, base]: ' + at[1]);
    ok(at[2] - at[1] >= 500 && at[2] - at[1] <= 1000, 'second backoff doubles: ' + (at[2] - at[1]));
  }],
  ['retry: a definitive refusal (4xx) is not retried', async (env) => {
    const { sim, auth } = await agreed(env);
    sim.backendNext('/auth/login', { statusCode: 400, body: { code: 'INVALID_CODE' } });
    const e = await rejects(auth.login(), 'LOGIN_FAILED');
    eq(e.transient, false, 'transient');
    eq(sim.count('login'), 1, 'wx.login calls');
  }],
  ['retry: attempts are bounded and the last error is reported', async (env) => {
    const { sim, auth } = await agreed(env, {}, { retry: { attempts: 3, baseDelayMs: 10 } });
    for (let i = 0; i < 10; i++) sim.backendNext('/auth/login', { statusCode: 503, body: 'busy' });
    const e = await rejects(auth.login(), 'SERVER');
    eq([e.statusCode, e.transient], [503, true], 'last error');
    eq(sim.count('login'), 3, 'wx.login calls');
    eq(auth.state.kind, 'privacy-agreed', 'state');
  }],
  ['timeouts: every request carries the timeout and a slow backend is a transient NETWORK error', async (env) => {
    const { sim, auth } = await loggedIn(env, {}, { timeoutMs: 3000 });
    eq(backendCalls(sim, '/auth/login').map((r) => r.timeout), [3000], 'login exchange timeout');
    sim.backendNext('/api/me', { statusCode: 200, body: {}, latencyMs: 5000 });
    const e = await rejects(auth.request({ url: ME_URL }), 'NETWORK');
    eq([e.errno, e.transient], [5, true], 'timeout error');
    await auth.logout();
    await sim.settle();
    eq(backendCalls(sim, '/auth/logout').map((r) => r.timeout), [3000], 'logout timeout');
    eq(backendCalls(sim, '/api/me').map((r) => r.timeout), [3000], 'request timeout');
  }],
  ['renewal: three concurrent 401s right after a login renew at once, with no wait between wx.login calls', async (env) => {
    const { sim, auth } = await loggedIn(env);
    sim.sessionOf(stored(sim).token).revoked = true;
    const t0 = sim.now();
    const res = await Promise.all([1, 2, 3].map(() => auth.request({ url: ME_URL })));
    eq(res.map((r) => r.statusCode), [200, 200, 200], 'statuses after the resend');
    eq(sim.count('login'), 2, 'one renewal for the three');
    ok(sim.now() - t0 < 1000, 'settled ' + (sim.now() - t0) + ' ms of simulated time after the 401s');
  }],
  ['renewal: a backend that refuses every token is THROTTLED past the budget, at once; login() never is', async (env) => {
    const { sim, auth } = await loggedIn(env, {}, { renewals: { max: 2, perMs: 60000 } });
    for (let i = 0; i < 40; i++) sim.backendNext('/api/me', { statusCode: 401, body: { code: 'UNAUTHORIZED' } });
    const first = await auth.request({ url: ME_URL });
    eq(first.statusCode, 401, 'renewed, resent, and the second 401 is the page\'s');
    eq((await auth.request({ url: ME_URL })).statusCode, 401, 'the second renewal is within the budget');
    const t0 = sim.now();
    const e = await rejects(auth.request({ url: ME_URL }), 'THROTTLED');
    eq(sim.now(), t0, 'failed at once, no wait');
    ok(e.transient === true && e.retryAfterMs > 0 && e.retryAfterMs <= 60000, 'retryAfterMs ' + e.retryAfterMs);
    eq(sim.count('login'), 3, 'first login + two renewals');
    eq(auth.state.kind, 'logged-in', 'the session is kept');
    sim.advance(7200 * 1000);
    eq((await auth.login()).kind, 'logged-in', 'a login the user asks for is not throttled');
    eq(sim.count('login'), 4, 'wx.login calls');
  }],
  ['renewal: bad renewals options are INVALID_ARGUMENT; minLoginIntervalMs is still accepted', async (env) => {
    const sim = createWxSim({ needPrivacyAuthorization: false });
    installWx(sim);
    await rejects(env.createAuth({ loginUrl: LOGIN_URL, renewals: { max: 0 } }), 'INVALID_ARGUMENT', 'max 0');
    await rejects(env.createAuth({ loginUrl: LOGIN_URL, renewals: 5 }), 'INVALID_ARGUMENT', 'not an object');
    await rejects(env.createAuth({ loginUrl: LOGIN_URL, minLoginIntervalMs: 'x' }), 'INVALID_ARGUMENT', 'minLoginIntervalMs type');
    const auth = await env.createAuth({ loginUrl: LOGIN_URL, now: sim.now, setTimeout: sim.setTimeout, minLoginIntervalMs: 10000 });
    await auth.login();
    await auth.logout();
    const t0 = sim.now();
    await auth.login();
    ok(sim.now() - t0 < 1000, 'a login right after another is not held back');
  }],
  ['renewal refused for good after expiry ends the session as expired', async (env) => {
    const { sim, auth } = await loggedIn(env);
    sim.advance(7200 * 1000);
    sim.backendNext('/auth/login', { statusCode: 403, body: { code: 'USER_BLOCKED' } });
    const e = await rejects(auth.request({ url: ME_URL }), 'NOT_LOGGED_IN');
    ok(/expired/.test(e.message), e.message);
    eq(auth.state, { kind: 'logged-out', reason: 'expired' }, 'state');
    eq(stored(sim), { v: 2, state: 'logged-out', reason: 'expired' }, 'stored record');
    eq((await restart(env, sim)).state.reason, 'expired', 'after a restart');
  }],
  ['renewal refused for good after a 401 ends the session as revoked', async (env) => {
    const { sim, auth } = await loggedIn(env);
    sim.sessionOf(stored(sim).token).revoked = true;
    sim.backendNext('/auth/login', { statusCode: 403, body: { code: 'USER_BLOCKED' } });
    await rejects(auth.request({ url: ME_URL }), 'NOT_LOGGED_IN');
    eq(auth.state, { kind: 'logged-out', reason: 'revoked' }, 'state');
    eq(sim.count('login'), 2, 'wx.login calls');
  }],
  ['checkSession: off by default; when on, a failed check renews before the next request', async (env) => {
    // The app's session lasts a week; WeChat's session_key lapses after a day in the simulator.
    const { sim } = await loggedIn(env, { tokenTtlSeconds: 7 * 24 * 3600 });
    sim.advance(25 * 3600 * 1000);
    const off = await restart(env, sim);
    eq(sim.count('checkSession'), 0, 'not called by default');
    eq((await off.request({ url: ME_URL })).statusCode, 200, 'request');
    eq(sim.count('login'), 1, 'no renewal without the option');
    const on = await restart(env, sim, { checkSession: true });
    eq(sim.count('checkSession'), 1, 'called once at start');
    eq((await on.request({ url: ME_URL })).statusCode, 200, 'request');
    eq(sim.count('login'), 2, 'renewed before the request');
  }],
  ['errors: say whether trying again may help (transient)', async (env) => {
    const { sim, auth } = await loggedIn(env);
    sim.failNext('request', { errMsg: 'request:fail timeout', errno: 5 });
    eq((await rejects(auth.request({ url: ME_URL }), 'NETWORK')).transient, true, 'timeout');
    sim.failNext('request', { errMsg: 'request:fail url not in domain list', errno: 600002 });
    eq((await rejects(auth.request({ url: ME_URL }), 'NETWORK')).transient, false, 'domain list');
    eq((await rejects(auth.request({}), 'INVALID_ARGUMENT')).transient, false, 'bad argument');
  }],
  ['unbind: a fresh code with the bearer; the session and profile go, privacy stays', async (env) => {
    const { sim, auth } = await agreed(env, {}, { unbindUrl: UNBIND_URL });
    auth.setProfile({ nickName: '小明', avatarUrl: 'wxfile://tmp/a.png' });
    await auth.login();
    const token = stored(sim).token;
    const changes = [];
    auth.onChange((s) => changes.push(s.kind));
    eq(await auth.unbind(), { kind: 'privacy-agreed' }, 'resolved state');
    eq(auth.state, { kind: 'privacy-agreed' }, 'state');
    eq(changes, ['privacy-agreed'], 'one change');
    eq(sim.storageText(KEY), undefined, 'stored record removed');
    eq(sim.count('login'), 2, 'one fresh wx.login for the unbind');
    const sent = backendCalls(sim, '/auth/unbind');
    eq(sent.length, 1, 'unbind requests');
    eq(sent[0].header.Authorization, 'Bearer ' + token, 'bearer');
    const loginCode = JSON.parse(backendCalls(sim, '/auth/login')[0].body).code;
    const unbindCode = JSON.parse(sent[0].body).code;
    ok(/^code-\d+$/.test(unbindCode) && unbindCode !== loginCode, 'body carries a fresh code: ' + unbindCode);
    eq(sim.hasBinding('o-sim-xiaoming'), false, 'account gone on the backend');
    eq((await restart(env, sim, { unbindUrl: UNBIND_URL })).state, { kind: 'privacy-agreed' }, 'after a restart');
    await rejects(auth.request({ url: ME_URL }), 'NOT_LOGGED_IN', 'request after unbind');
  }],
  ['unbind: a refusal or a failure changes nothing', async (env) => {
    const { sim, auth } = await loggedIn(env, {}, { unbindUrl: UNBIND_URL });
    const before = auth.state;
    const record = sim.storageText(KEY);
    sim.backendNext('/auth/unbind', { statusCode: 403, body: { code: 'IDENTITY_MISMATCH', message: 'another user' } });
    const e = await rejects(auth.unbind(), 'LOGIN_FAILED', 'identity mismatch');
    eq([e.statusCode, e.transient], [403, false], 'status');
    sim.backendNext('/auth/unbind', { statusCode: 503, body: { code: 'WECHAT_BUSY' } });
    eq((await rejects(auth.unbind(), 'SERVER', 'busy')).transient, true, 'busy is transient');
    sim.backendNext('/auth/unbind', { statusCode: 200, body: '<html>Wi-Fi login</html>' });
    await rejects(auth.unbind(), 'SERVER', 'a 200 that is not {ok: true}');
    sim.backendNext('/auth/unbind', { statusCode: 401, body: { code: 'UNAUTHORIZED' } });
    await rejects(auth.unbind(), 'NOT_LOGGED_IN', '401');
    sim.failNext('request', { errMsg: 'request:fail timeout', errno: 5 });
    await rejects(auth.unbind(), 'NETWORK', 'timeout');
    sim.failNext('login', { errMsg: 'login:fail system error' });
    await rejects(auth.unbind(), 'LOGIN_FAILED', 'wx.login');
    sim.failNext('removeStorage', { errMsg: 'removeStorage:fail storage error' });
    await rejects(auth.unbind(), 'STORAGE', 'removing the record');
    eq(auth.state, before, 'state unchanged');
    eq(sim.storageText(KEY), record, 'record unchanged');
    eq(sim.count('login'), 8, 'one wx.login per unbind, none retried');
  }],
  ['unbind: needs a login and the unbindUrl option', async (env) => {
    const { sim, auth } = await agreed(env, {}, { unbindUrl: UNBIND_URL });
    await rejects(auth.unbind(), 'NOT_LOGGED_IN', 'before login');
    const other = await loggedIn(env);
    await rejects(other.auth.unbind(), 'INVALID_ARGUMENT', 'without unbindUrl');
    eq(other.auth.state.kind, 'logged-in', 'still logged in');
    eq(sim.count('login') + other.sim.count('login'), 1, 'no wx.login for refused calls');
  }],
  ['unbind: an expired session is renewed first, then the account is deleted', async (env) => {
    const { sim, auth } = await loggedIn(env, {}, { unbindUrl: UNBIND_URL });
    const old = stored(sim).token;
    sim.advance(7200 * 1000);
    eq((await auth.unbind()).kind, 'privacy-agreed', 'state');
    const sent = backendCalls(sim, '/auth/unbind')[0].header.Authorization.slice('Bearer '.length);
    ok(sent !== old, 'the expired token is not sent');
    eq(sim.sessionOf(sent).openid, 'o-sim-xiaoming', 'the renewed token is sent');
    eq([sim.count('login'), backendCalls(sim, '/auth/login').length], [3, 2], 'wx.login and exchange calls');
  }],
  ['scopes: getSetting reports asked scopes only; unknown keys are dropped', async (env) => {
    const { sim, auth } = await agreed(env, { authSetting: { 'scope.userLocation': true, 'scope.record': false, 'scope.somethingNew': true } });
    eq(await auth.getSetting(), { 'scope.userLocation': true, 'scope.record': false }, 'scopes');
    ok(!('scope.camera' in (await auth.getSetting())), 'never asked is absent');
    eq(sim.count('getSetting'), 2, 'getSetting calls');
    eq(auth.state.kind, 'privacy-agreed', 'state untouched');
  }],
  ['scopes: openSetting only from a tap, and returns what the user changed', async (env) => {
    const { sim, auth } = await agreed(env, { authSetting: { 'scope.userLocation': true }, openSettingAnswer: { 'scope.userLocation': false } });
    const e = await rejects(auth.openSetting(), 'TAP_REQUIRED', 'outside a tap');
    ok(/^openSetting:fail/.test(e.errMsg), e.errMsg);
    eq(await sim.tap(() => auth.openSetting()), { 'scope.userLocation': false }, 'after the settings page');
    eq(await auth.getSetting(), { 'scope.userLocation': false }, 'getSetting agrees');
  }],
  ['phone: the code from the button goes once, with the bearer, and the answer of the backend comes back; nothing is stored', async (env) => {
    const { sim, auth } = await loggedIn(env, {}, { phoneUrl: PHONE_URL });
    const record = sim.storageText(KEY);
    const token = stored(sim).token;
    const detail = await sim.tapPhoneButton('getPhoneNumber');
    ok(typeof detail.code === 'string', 'the button gave a code');
    eq(await auth.verifyPhoneNumber(detail), { phoneNumber: '138****8000', countryCode: '86' }, 'resolved');
    const sent = backendCalls(sim, '/auth/phone');
    eq(sent.length, 1, 'phone requests');
    eq(sent[0].header.Authorization, 'Bearer ' + token, 'bearer');
    eq(JSON.parse(sent[0].body), { code: detail.code }, 'body');
    eq(sim.storedPhone('o-sim-xiaoming'), '13800138000', 'the backend keeps the number');
    eq(sim.storageText(KEY), record, 'the record is unchanged: no number on the phone');
    eq(Object.keys(auth.state).sort(), ['expiresAt', 'kind'], 'the state has no number');
    eq(sim.billedPhoneVerifications, 1, 'one billed verification');
    const realtime = await sim.tapPhoneButton('getRealtimePhoneNumber');
    eq((await auth.verifyPhoneNumber({ detail: realtime })).phoneNumber, '138****8000', 'the real-time button, passing the event');
  }],
  ['phone: a decline, no quota, an old base library and no privacy agreement each have their code, and nothing is sent', async (env) => {
    const declined = await loggedIn(env, { phoneAnswer: 'deny' }, { phoneUrl: PHONE_URL });
    const e = await rejects(declined.auth.verifyPhoneNumber(await declined.sim.tapPhoneButton()), 'PHONE_DENIED', 'declined');
    eq([e.errMsg, e.transient], ['getPhoneNumber:fail user deny', false], 'wx detail');
    const noQuota = await loggedIn(env, { phoneQuota: false }, { phoneUrl: PHONE_URL });
    eq((await rejects(noQuota.auth.verifyPhoneNumber(await noQuota.sim.tapPhoneButton()), 'PHONE_QUOTA', 'no quota')).errno, 1400001, 'errno');
    const old = await loggedIn(env, { sdkVersion: '2.21.1' }, { phoneUrl: PHONE_URL });
    await rejects(old.auth.verifyPhoneNumber(await old.sim.tapPhoneButton()), 'PHONE_UNAVAILABLE', 'no code below 2.21.2');
    const privacy = await start(env, { needPrivacyAuthorization: true }, { phoneUrl: PHONE_URL });
    privacy.auth.onPrivacyPrompt(() => privacy.auth.resolvePrivacy({ agree: false }));
    const detail = await privacy.sim.tapPhoneButton();
    eq(privacy.sim.calls.filter((c) => c.api === 'onNeedPrivacyAuthorization→listener').map((c) => c.detail), ['button.getPhoneNumber'], 'the prompt names the button');
    await rejects(privacy.auth.verifyPhoneNumber(detail), 'PRIVACY_DENIED', 'privacy refused');
    for (const s of [declined, noQuota, old, privacy]) {
      eq(backendCalls(s.sim, '/auth/phone').length, 0, 'nothing sent');
      eq(s.sim.billedPhoneVerifications, 0, 'nothing billed');
    }
    await rejects(declined.auth.verifyPhoneNumber('nonsense'), 'INVALID_ARGUMENT', 'not an event');
  }],
  ['phone: a refusal or a failure is never retried with the same code; the page asks for another tap', async (env) => {
    const { sim, auth } = await loggedIn(env, {}, { phoneUrl: PHONE_URL });
    const before = auth.state;
    sim.backendNext('/auth/phone', { statusCode: 503, body: { code: 'WECHAT_BUSY' } });
    eq((await rejects(auth.verifyPhoneNumber(await sim.tapPhoneButton()), 'SERVER', 'busy')).transient, true, 'transient');
    sim.backendNext('/auth/phone', { statusCode: 400, body: { code: 'INVALID_CODE', message: 'invalid code' } });
    const e = await rejects(auth.verifyPhoneNumber(await sim.tapPhoneButton()), 'PHONE_FAILED', 'refused');
    eq([e.statusCode, e.transient], [400, false], 'status');
    sim.failNext('request', { errMsg: 'request:fail timeout', errno: 5 });
    await rejects(auth.verifyPhoneNumber(await sim.tapPhoneButton()), 'NETWORK', 'timeout');
    const used = await sim.tapPhoneButton();
    await auth.verifyPhoneNumber(used);
    await rejects(auth.verifyPhoneNumber(used), 'PHONE_FAILED', 'a code used once already');
    eq(sim.calls.filter((c) => c.api === 'request' && c.detail === 'POST ' + PHONE_URL).length, 5, 'one wx.request per verification');
    eq(auth.state, before, 'state unchanged');
  }],
  ['phone: needs the phoneUrl option and a session; an expired session is renewed before the code leaves', async (env) => {
    const plain = await loggedIn(env);
    await rejects(plain.auth.verifyPhoneNumber(await plain.sim.tapPhoneButton()), 'INVALID_ARGUMENT', 'without phoneUrl');
    const { sim, auth } = await agreed(env, {}, { phoneUrl: PHONE_URL });
    await rejects(auth.verifyPhoneNumber(await sim.tapPhoneButton()), 'NOT_LOGGED_IN', 'before login');
    eq(backendCalls(sim, '/auth/phone').length, 0, 'nothing sent before login');
    await auth.login();
    sim.advance(7200 * 1000);
    eq((await auth.verifyPhoneNumber(await sim.tapPhoneButton())).phoneNumber, '138****8000', 'after the renewal');
    eq([sim.count('login'), backendCalls(sim, '/auth/phone').length], [2, 1], 'one renewal, one phone request');
  }],
  ['profile: with profileUrl the chosen avatar is uploaded after login and a second phone gets the profile at its login', async (env) => {
    const { sim, auth } = await agreed(env, {}, { profileUrl: PROFILE_URL });
    const picked = await sim.chooseAvatar();
    ok(sim.hasFile(picked.avatarUrl), 'a temporary file on this phone');
    auth.setProfile({ nickName: ' 小明 ', avatarUrl: picked.avatarUrl });
    await sim.settle();
    eq(sim.count('uploadFile'), 0, 'nothing sent before login');
    eq(auth.state.profile.saved, false, 'unsaved before login');
    await auth.login();
    await sim.settle();
    const sent = sim.backendLog.filter((r) => r.path === '/auth/profile');
    eq(sent.length, 1, 'one upload');
    eq([sent[0].upload.name, sent[0].upload.file.path, sent[0].upload.formData], ['avatar', picked.avatarUrl, { nickName: '小明' }], 'file part and form field');
    eq(sent[0].header.Authorization, 'Bearer ' + stored(sim).token, 'bearer');
    const profile = auth.state.profile;
    ok(/^https:\/\/api\.example\.com\/avatars\/[0-9a-f]{32}\.png$/.test(profile.avatarUrl), 'the backend URL replaces the temporary path: ' + profile.avatarUrl);
    eq([profile.nickName, profile.saved], ['小明', true], 'saved');
    eq(stored(sim).profile, { nickName: '小明', avatarUrl: profile.avatarUrl, saved: true }, 'the record says saved');
    eq(sim.avatarBytes(profile.avatarUrl).slice(0, 4), [0x89, 0x50, 0x4e, 0x47], 'the backend serves the PNG');
    // The same user on a second phone: nothing stored there, the profile comes with the login.
    const second = createWxSim({ needPrivacyAuthorization: false, server: sim.server, startTime: sim.now() });
    installWx(second);
    const other = await env.createAuth({ loginUrl: LOGIN_URL, profileUrl: PROFILE_URL, now: second.now, setTimeout: second.setTimeout });
    eq(other.state, { kind: 'privacy-agreed' }, 'nothing on the second phone');
    eq((await other.login()).profile, { nickName: '小明', avatarUrl: profile.avatarUrl, saved: true }, 'restored by the login');
    eq(second.count('uploadFile') + backendCalls(second, '/auth/profile').length, 0, 'nothing uploaded again');
  }],
  ['profile: saveProfile takes the new profile only once the backend has it; a refusal or a failure changes nothing', async (env) => {
    const { sim, auth } = await loggedIn(env, {}, { profileUrl: PROFILE_URL });
    await rejects(auth.saveProfile(), 'INVALID_ARGUMENT', 'nothing to save yet');
    const first = await auth.saveProfile({ nickName: '小明', avatarUrl: (await sim.chooseAvatar()).avatarUrl });
    eq([first.profile.nickName, first.profile.saved], ['小明', true], 'saved and taken');
    const before = auth.state;
    const record = sim.storageText(KEY);
    const notImage = await sim.chooseAvatar([0x3c, 0x68, 0x74, 0x6d, 0x6c, 0x3e]);
    const e = await rejects(auth.saveProfile({ avatarUrl: notImage.avatarUrl }), 'PROFILE_REJECTED', 'not an image');
    eq([e.statusCode, e.transient], [415, false], 'status');
    ok(e.message.indexOf('UNSUPPORTED_IMAGE') >= 0, 'the backend code is quoted: ' + e.message);
    await rejects(auth.saveProfile({ nickName: '\u0007' }), 'INVALID_ARGUMENT', 'a control character, refused before sending');
    sim.backendNext('/auth/profile', { statusCode: 503, body: { code: 'BUSY' } });
    eq((await rejects(auth.saveProfile({ nickName: '小红' }), 'SERVER', 'busy')).transient, true, 'transient');
    sim.failNext('uploadFile', { errMsg: 'uploadFile:fail timeout', errno: 5 });
    await rejects(auth.saveProfile({ avatarUrl: (await sim.chooseAvatar()).avatarUrl }), 'NETWORK', 'upload timeout');
    eq(auth.state, before, 'state unchanged');
    eq(sim.storageText(KEY), record, 'record unchanged');
    eq(sim.storedProfile('o-sim-xiaoming').nickName, '小明', 'the backend kept the first');
    // A nickname alone goes as JSON with the saved https avatar: nothing uploaded.
    const uploads = sim.count('uploadFile');
    const renamed = await auth.saveProfile({ nickName: '小红' });
    eq([renamed.profile.nickName, renamed.profile.avatarUrl, sim.count('uploadFile')], ['小红', first.profile.avatarUrl, uploads], 'JSON');
    eq(JSON.parse(backendCalls(sim, '/auth/profile').pop().body), { nickName: '小红', avatarUrl: first.profile.avatarUrl }, 'the JSON body');
  }],
  ['profile: without profileUrl nothing leaves the phone; with it, a 401 renews and the profile goes again', async (env) => {
    const plain = await loggedIn(env);
    plain.auth.setProfile({ nickName: '小明', avatarUrl: (await plain.sim.chooseAvatar()).avatarUrl });
    await plain.sim.settle();
    eq([plain.sim.count('uploadFile'), backendCalls(plain.sim, '/auth/profile').length], [0, 0], 'nothing sent');
    eq(plain.auth.state.profile.saved, false, 'local only');
    await rejects(plain.auth.saveProfile(), 'INVALID_ARGUMENT', 'saveProfile without profileUrl');
    const { sim, auth } = await loggedIn(env, {}, { profileUrl: PROFILE_URL });
    sim.sessionOf(stored(sim).token).revoked = true;
    auth.setProfile({ nickName: '小明', avatarUrl: (await sim.chooseAvatar()).avatarUrl });
    await sim.settle();
    eq([sim.count('login'), sim.count('uploadFile')], [2, 2], 'refused, renewed, sent again');
    eq(auth.state.profile.saved, true, 'saved after the renewal');
    await auth.logout();
    eq(auth.state.profile.saved, true, 'a logout keeps the saved profile');
  }],
  ['cloud: with a cloud function, login is one call with no wx.login; requests, phone and logout go through it with the session', async (env) => {
    const sim = createWxSim({ needPrivacyAuthorization: false });
    installWx(sim);
    sim.wx.cloud.init({ env: 'prod-1' });
    const auth = await env.createAuth({ loginUrl: LOGIN_URL, logoutUrl: LOGOUT_URL, phoneUrl: PHONE_URL, now: sim.now, setTimeout: sim.setTimeout, cloud: { env: 'prod-1', function: 'wxauth' } });
    eq((await auth.login()).kind, 'logged-in', 'logged in');
    eq([sim.count('login'), sim.count('request'), sim.count('cloud.callFunction')], [0, 0, 1], 'one cloud call, no wx.login, no wx.request');
    eq(JSON.parse(backendCalls(sim, '/auth/login')[0].body), {}, 'no code in the body');
    const token = stored(sim).token;
    const me = await auth.request({ url: ME_URL });
    eq([me.statusCode, me.data.openid], [200, 'o-sim-xiaoming'], 'the page request through the function');
    eq(backendCalls(sim, '/api/me')[0].header.Authorization, 'Bearer ' + token, 'with the bearer');
    eq((await auth.verifyPhoneNumber(await sim.tapPhoneButton())).phoneNumber, '138****8000', 'phone through the function');
    sim.advance(7200 * 1000);
    eq((await auth.request({ url: ME_URL })).statusCode, 200, 'renewed through the function');
    eq(sim.count('login'), 0, 'still no wx.login');
    await auth.logout();
    await sim.settle();
    eq(backendCalls(sim, '/auth/logout').length, 1, 'logout revoked through the function');
    const calls = sim.calls.filter((c) => c.api === 'cloud.callFunction').map((c) => c.detail);
    ok(calls.length >= 5 && calls.every((n) => n === 'wxauth'), 'every call to wxauth: ' + calls);
  }],
  ['cloud: a missing function, a function that throws and a broken answer are typed errors that change nothing', async (env) => {
    const sim = createWxSim({ needPrivacyAuthorization: false, cloudFunctions: { broken: () => ({ ok: true }), thrower: () => { throw new Error('db down'); } } });
    installWx(sim);
    sim.wx.cloud.init({});
    const opts = (name) => ({ loginUrl: LOGIN_URL, now: sim.now, setTimeout: sim.setTimeout, retry: { attempts: 1 }, cloud: { function: name } });
    const missing = await env.createAuth(opts('nosuch'));
    const e = await rejects(missing.login(), 'NETWORK', 'missing function');
    ok(e.errMsg.indexOf('cloud.callFunction:fail') === 0 && e.errMsg.indexOf('FunctionName') > 0, 'wx errMsg kept: ' + e.errMsg);
    await rejects((await env.createAuth(opts('thrower'))).login(), 'NETWORK', 'a throw');
    const broken = await rejects((await env.createAuth(opts('broken'))).login(), 'SERVER', 'no envelope');
    eq([broken.statusCode, broken.transient], [502, true], 'a bad gateway, worth another try');
    eq(sim.storageText(KEY), undefined, 'nothing stored');
    eq(sim.count('login'), 0, 'no wx.login');
  }],
  ['cloud: a function that never answers fails the call after timeoutMs, as wx.request would', async (env) => {
    const sim = createWxSim({ needPrivacyAuthorization: false, cloudFunctions: { stuck: () => new Promise(() => {}) } });
    installWx(sim);
    sim.wx.cloud.init({});
    const auth = await env.createAuth({ loginUrl: LOGIN_URL, now: sim.now, setTimeout: sim.setTimeout, timeoutMs: 30, retry: { attempts: 1 }, cloud: { function: 'stuck' } });
    const e = await rejects(auth.login(), 'NETWORK', 'timed out');
    eq([e.errMsg, e.errno, e.transient], ['cloud.callFunction:fail timeout', 5, true], 'like wx.request');
    eq(auth.state.kind, 'privacy-agreed', 'nothing changed');
  }],
  ['cloud: callContainer carries the same HTTP API to a CloudRun service, with the wx.login code', async (env) => {
    const sim = createWxSim({ needPrivacyAuthorization: false });
    installWx(sim);
    sim.wx.cloud.init({ env: 'prod-1' });
    const auth = await env.createAuth({ loginUrl: LOGIN_URL, now: sim.now, setTimeout: sim.setTimeout, cloud: { env: 'prod-1', service: 'api' } });
    eq((await auth.login()).kind, 'logged-in', 'logged in');
    eq([sim.count('login'), sim.count('request'), sim.count('cloud.callContainer')], [1, 0, 1], 'a code, carried by callContainer');
    const login = backendCalls(sim, '/auth/login')[0];
    eq([login.header['X-WX-SERVICE'], login.header['X-WX-OPENID']], ['api', 'o-sim-xiaoming'], 'service and the identity WeChat adds');
    ok(typeof JSON.parse(login.body).code === 'string', 'the code in the body');
    eq((await auth.request({ url: ME_URL })).data.openid, 'o-sim-xiaoming', 'a page request');
    const old = createWxSim({ needPrivacyAuthorization: false, sdkVersion: '2.22.0' });
    installWx(old);
    old.wx.cloud.init({});
    const e = await rejects((await env.createAuth({ loginUrl: LOGIN_URL, now: old.now, setTimeout: old.setTimeout, retry: { attempts: 1 }, cloud: { service: 'api' } })).login(), 'NETWORK', 'below 2.23.0');
    ok(e.errMsg.indexOf('2.23.0') > 0, e.errMsg);
  }],
  ['cloud: the avatar goes to cloud storage and its fileID is the saved avatar', async (env) => {
    const sim = createWxSim({ needPrivacyAuthorization: false });
    installWx(sim);
    sim.wx.cloud.init({ env: 'prod-1' });
    const auth = await env.createAuth({ loginUrl: LOGIN_URL, profileUrl: PROFILE_URL, now: sim.now, setTimeout: sim.setTimeout, cloud: { env: 'prod-1', function: 'wxauth' } });
    await auth.login();
    const state = await auth.saveProfile({ nickName: '小明', avatarUrl: (await sim.chooseAvatar()).avatarUrl });
    ok(/^cloud:\/\/prod-1\..*\/wxauth\/avatars\/.+\.png$/.test(state.profile.avatarUrl), 'a fileID: ' + state.profile.avatarUrl);
    eq([state.profile.saved, sim.count('uploadFile'), sim.count('cloud.uploadFile')], [true, 0, 1], 'cloud storage, not wx.uploadFile');
    eq(sim.avatarBytes(state.profile.avatarUrl).slice(0, 4), [0x89, 0x50, 0x4e, 0x47], 'the PNG is stored');
    eq(sim.storedProfile('o-sim-xiaoming'), { nickName: '小明', avatarUrl: state.profile.avatarUrl }, 'the profile with the fileID');
  }],
  ['cloud: a bad cloud option or a missing wx.cloud is INVALID_ARGUMENT', async (env) => {
    const sim = createWxSim({ needPrivacyAuthorization: false, sdkVersion: '2.2.2' });
    installWx(sim);
    const base = { loginUrl: LOGIN_URL, now: sim.now, setTimeout: sim.setTimeout };
    await rejects(env.createAuth(Object.assign({ cloud: { function: 'wxauth' } }, base)), 'INVALID_ARGUMENT', 'no wx.cloud below 2.2.3');
    const fresh = createWxSim({ needPrivacyAuthorization: false });
    installWx(fresh);
    for (const cloud of ['wxauth', {}, { function: 'a', service: 'b' }, { function: 7 }, { function: 'a', env: 1 }]) {
      await rejects(env.createAuth(Object.assign({ cloud: cloud }, base)), 'INVALID_ARGUMENT', JSON.stringify(cloud));
    }
  }],
  ['state: never carries the token', async (env) => {
    const { sim, auth } = await loggedIn(env);
    const token = stored(sim).token;
    ok(JSON.stringify(auth.state).indexOf(token) < 0, 'token absent from state');
    eq(Object.keys(auth.state).sort(), ['expiresAt', 'kind'], 'state keys');
  }],
];

/** Runs the named case; resolves when it passes, rejects with what failed. */
export function runCase(env, name) {
  for (let i = 0; i < cases.length; i++) {
    if (cases[i][0] === name) return Promise.resolve().then(() => cases[i][1](env));
  }
  return Promise.reject(new Error('no such case: ' + name));
}

/** The names of all cases, in order. */
export function caseNames() {
  return cases.map((c) => c[0]);
}
