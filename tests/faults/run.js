'use strict';
// Fault injection over every flow, every step and every failure the platform can produce.
//
// For each flow (privacy, profile, login, request with renewal, logout, unbind, phone,
// saveProfile, restart) the
// flow is run once without faults to learn its steps: the wx calls it makes. Then, for
// every step and every fault that can happen at that step, a fresh mini-program realm
// (tests/support/mp-realm.js, the shipped dist/) is brought to the flow's starting
// state, the fault is armed for exactly that call, and the flow is run. Afterwards:
//  1. the state is one of the five;
//  2. the stored record says exactly what the state says (kind, expiry, profile, reason),
//     and anonymous / privacy-agreed have no record;
//  3. a flow that failed left the state and the stored record as they were, except for
//     what happened for good on the way: a privacy agreement WeChat recorded (anonymous
//     becomes privacy-agreed), a renewal that succeeded before the resend failed (the new
//     session is kept), and a renewal the backend refused for good (the session ends as
//     expired or revoked);
//  4. a logged-in user is only ever logged out by a logout, an unbind or such a refused renewal
//     (no token lost), and a logout that succeeded stays logged out (no token resurrected);
//  5. a restart on the same storage comes back in the same state, and a phone code was sent
//     at most once (WeChat bills each verification);
//  6. the SDK still works: the next step of the way (agree, login, or a request) succeeds.
// Prints the matrix it covered and `N passed, N failed`.
const path = require('path');
const { createRealm } = require('../support/mp-realm.js');

const root = path.resolve(__dirname, '../..');
const API = 'https://api.example.com';
const KEY = 'wx-auth:session';
const KINDS = ['anonymous', 'privacy-agreed', 'profile-granted', 'logged-in', 'logged-out'];
const CORRUPT = '{"v":2,"state":"logged-in","tok';

// Each fault: where it can happen (by wx API, as the simulator logs calls) and how.
const FAULTS = {
  'wx fail': { at: ['login', 'request', 'uploadFile', 'cloud.callFunction', 'setStorage', 'getStorage', 'removeStorage', 'getPrivacySetting', 'requirePrivacyAuthorize', 'getUserProfile'],
    arm: (api) => ({ fail: { errMsg: api + ':fail system error', errno: 602001 } }) },
  'timeout': { at: ['login', 'request', 'uploadFile'], arm: (api) => ({ fail: { errMsg: api + ':fail timeout', errno: 5 } }) },
  'HTTP 5xx': { at: ['request', 'uploadFile', 'cloud.callFunction'], arm: () => ({ backend: { statusCode: 503, body: { code: 'BUSY', message: 'system busy' } } }) },
  '401': { at: ['request', 'uploadFile', 'cloud.callFunction'], arm: () => ({ backend: { statusCode: 401, body: { code: 'UNAUTHORIZED' } } }) },
  'malformed JSON': { at: ['request', 'uploadFile', 'cloud.callFunction'], arm: () => ({ backend: { statusCode: 200, body: '{"token": "tok-x", "expiresIn": ' } }) },
  'oversized body': { at: ['request', 'uploadFile'], arm: () => ({ backend: { statusCode: 200, body: 'x'.repeat(2 * 1024 * 1024) } }) },
  'storage full': { at: ['setStorage'], arm: () => ({ fail: { errMsg: 'setStorage:fail exceed storage max size 10MB' } }) },
  'storage corrupt': { at: ['getStorage'], arm: () => ({ ok: { data: CORRUPT } }), corruptStorage: true },
  'privacy disagree': { at: ['onNeedPrivacyAuthorization→listener'], page: { privacyAnswer: 'disagree' } },
  'tap lost': { at: ['getUserProfile'], page: { tapLost: true } },
  'app backgrounded': { at: ['request', 'uploadFile'], arm: (api) => ({ fail: { errMsg: api + ':fail interrupted', errno: 600003 } }) },
};

function world(simConfig, cloud) {
  const realm = createRealm({ root });
  realm.loadModuleAsScript(path.join(root, 'tests/sim/wx-sim.js'));
  realm.context.__simConfig = simConfig;
  const sim = realm.run('var sim = createWxSim(__simConfig); installWx(sim); if (wx.cloud) wx.cloud.init({}); sim');
  realm.context.__cloud = cloud;
  const sdk = realm.require('./dist/index.js');
  const options = realm.run(`({ wasmPath: '/dist/wx_auth.wasm.br', loginUrl: '${API}/auth/login',
    logoutUrl: '${API}/auth/logout', unbindUrl: '${API}/auth/unbind', phoneUrl: '${API}/auth/phone',
    profileUrl: '${API}/auth/profile', now: sim.now, setTimeout: sim.setTimeout,
    retry: { attempts: 2, baseDelayMs: 100 }, cloud: __cloud })`);
  const w = { realm, sim, sdk, options, auth: null, page: { privacyAnswer: 'agree', tapLost: false } };
  w.start = async () => {
    const auth = await sdk.createAuth(options);
    auth.onPrivacyPrompt(() => {
      if (w.page.privacyAnswer === 'agree') {
        sim.tapAgreeButton('agree-btn');
        auth.resolvePrivacy({ agree: true, buttonId: 'agree-btn' });
      } else {
        auth.resolvePrivacy({ agree: false });
      }
    });
    return auth;
  };
  return w;
}

// An https avatar: with profileUrl the login saves it as JSON in the background.
const PROFILE = { avatarUrl: 'https://thirdwx.qlogo.cn/mmopen/vi_32/a/132', nickName: '小明' };
const BEFORE = {
  anonymous: async () => { const w = world({ needPrivacyAuthorization: true }); w.auth = await w.start(); return w; },
  'privacy-agreed': async () => { const w = world({ needPrivacyAuthorization: false }); w.auth = await w.start(); return w; },
  'profile-granted': async () => { const w = await BEFORE['privacy-agreed'](); w.auth.setProfile(PROFILE); await w.sim.settle(); return w; },
  // The login saves the profile in the background: settled before the flow starts.
  'logged-in': async () => { const w = await BEFORE['profile-granted'](); await w.auth.login(); await w.sim.settle(); return w; },
  // The cloud transport: a cloud function that knows the caller (no wx.login).
  'privacy-agreed, cloud': async () => { const w = world({ needPrivacyAuthorization: false }, { function: 'wxauth' }); w.auth = await w.start(); return w; },
  'logged-in, expired, cloud': async () => {
    const w = await BEFORE['privacy-agreed, cloud']();
    w.auth.setProfile(PROFILE);
    await w.auth.login();
    await w.sim.settle();
    w.sim.advance(7200 * 1000);
    return w;
  },
  'logged-in, expired': async () => { const w = await BEFORE['logged-in'](); w.sim.advance(7200 * 1000); return w; },
};

const FLOWS = [
  { name: 'privacy', before: 'anonymous', run: (w) => w.auth.agreePrivacy() },
  { name: 'profile', before: 'anonymous', run: (w) => (w.page.tapLost
    ? w.auth.getUserProfile({ desc: '用于完善会员资料' })
    : w.sim.tap(() => w.auth.getUserProfile({ desc: '用于完善会员资料' }))) },
  { name: 'login', before: 'profile-granted', run: (w) => w.auth.login() },
  { name: 'request with renewal', before: 'logged-in, expired', run: (w) => w.auth.request({ url: API + '/api/me' }) },
  { name: 'logout', before: 'logged-in', run: (w) => w.auth.logout() },
  { name: 'unbind', before: 'logged-in', run: (w) => w.auth.unbind() },
  // The user taps the phone button on an expired session: a renewal, then the code, once.
  { name: 'phone', before: 'logged-in, expired', run: async (w) => w.auth.verifyPhoneNumber(await w.sim.tapPhoneButton()) },
  // A new avatar on an expired session: a renewal, then the upload, and the profile is taken.
  { name: 'saveProfile', before: 'logged-in, expired', run: async (w) => w.auth.saveProfile({ nickName: '小红', avatarUrl: (await w.sim.chooseAvatar()).avatarUrl }) },
  { name: 'restart', before: 'logged-in', run: async (w) => { w.auth = await w.start(); } },
  // The cloud transport: login is one call of the cloud function, and a request on an
  // expired session renews through it.
  { name: 'cloud login', before: 'privacy-agreed, cloud', run: (w) => w.auth.login() },
  { name: 'cloud request with renewal', before: 'logged-in, expired, cloud', run: (w) => w.auth.request({ url: API + '/api/me' }) },
];

function record(sim) {
  const text = sim.storageText(KEY);
  if (text === undefined) return null;
  try {
    const rec = JSON.parse(JSON.parse(text));
    return rec && rec.v === 2 ? rec : null;
  } catch (e) {
    return null;
  }
}

function viewOf(rec) {
  const v = { kind: rec.state };
  if (rec.profile) v.profile = { nickName: rec.profile.nickName, avatarUrl: rec.profile.avatarUrl, saved: rec.profile.saved === true };
  if (rec.expiresAt !== undefined) v.expiresAt = rec.expiresAt;
  if (rec.reason !== undefined) v.reason = rec.reason;
  return v;
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
function must(cond, message) {
  if (!cond) throw new Error(message);
}

async function inject(flow, stepIndex, step, faultName) {
  const fault = FAULTS[faultName];
  const w = await BEFORE[flow.before]();
  const before = { state: w.auth.state, stored: w.sim.storageText(KEY) };
  const base = w.sim.calls.length;
  if (fault.arm) w.sim.injectAt(base + stepIndex, fault.arm(step));
  if (fault.page) Object.assign(w.page, fault.page);
  if (fault.corruptStorage) {
    const item = w.sim.storageItem(KEY);
    if (item) w.sim.setStorageRaw(KEY, CORRUPT, item.encrypted);
  }
  const corruptedBefore = w.sim.storageText(KEY);
  let rejected = null;
  try {
    await flow.run(w);
  } catch (e) {
    rejected = e;
  }
  await w.sim.settle();
  Object.assign(w.page, { privacyAnswer: 'agree', tapLost: false });

  const state = w.auth.state;
  const rec = record(w.sim);
  // 1. one of the five
  must(KINDS.indexOf(state.kind) >= 0, 'state ' + JSON.stringify(state));
  // 2. the record says what the state says
  if (state.kind === 'anonymous' || state.kind === 'privacy-agreed') {
    must(rec === null, 'a record ' + JSON.stringify(rec) + ' beside state ' + state.kind);
  } else {
    must(rec && same(viewOf(rec), state), 'record ' + JSON.stringify(rec) + ' vs state ' + JSON.stringify(state));
    must((state.kind === 'logged-in') === Boolean(rec.token), 'token in the record iff logged in');
  }
  // 3. a failed flow changed nothing (but a refused renewal may end the session)
  const renews = ['request with renewal', 'cloud request with renewal', 'phone', 'saveProfile'].indexOf(flow.name) >= 0;
  const endedByRenewal = renews && state.kind === 'logged-out' &&
    (state.reason === 'expired' || state.reason === 'revoked');
  const agreedOnTheWay = before.state.kind === 'anonymous' && state.kind === 'privacy-agreed' && w.sim.privacyAgreed();
  const renewedOnTheWay = renews && state.kind === 'logged-in' &&
    state.expiresAt > before.state.expiresAt && same(state.profile, before.state.profile);
  if (rejected) must(typeof rejected.code === 'string', 'rejected without a code: ' + rejected);
  if (rejected && !endedByRenewal && !agreedOnTheWay && !renewedOnTheWay) {
    must(same(state, before.state), 'a failed ' + flow.name + ' (' + rejected.code + ') changed the state to ' + JSON.stringify(state));
    if (!fault.corruptStorage) must(w.sim.storageText(KEY) === before.stored, 'a failed ' + flow.name + ' changed the stored record');
    else must(w.sim.storageText(KEY) === corruptedBefore, 'corrupt data was not left alone');
  }
  // 4. no token lost, none resurrected
  if (before.state.kind === 'logged-in' && state.kind !== 'logged-in') {
    must((flow.name === 'logout' && !rejected) || (flow.name === 'unbind' && !rejected) || endedByRenewal || (flow.name === 'restart' && fault.corruptStorage),
      'logged out by ' + flow.name + ' / ' + faultName);
  }
  if (flow.name === 'logout' && !rejected) must(state.kind === 'logged-out' && state.reason === 'user', 'logout did not stick');
  if (flow.name === 'unbind' && !rejected) must(same(state, { kind: 'privacy-agreed' }) && rec === null, 'unbind left ' + JSON.stringify(state));
  const phoneSends = w.sim.calls.filter((c) => c.api === 'request' && c.detail === 'POST ' + API + '/auth/phone').length;
  must(phoneSends <= 1, 'a phone code was sent ' + phoneSends + ' times');
  // 5. a restart comes back in the same state
  const again = await w.start();
  const expected = state.kind === 'anonymous' || state.kind === 'privacy-agreed' ? again.state : state;
  must(same(again.state, expected), 'restart gave ' + JSON.stringify(again.state) + ' after ' + JSON.stringify(state));
  must(state.kind !== 'logged-out' || again.state.kind === 'logged-out', 'a restart resurrected the session');
  // 6. the SDK still works
  if (state.kind === 'anonymous') must((await w.auth.agreePrivacy()).kind === 'privacy-agreed', 'agree after the fault');
  else if (state.kind === 'logged-in') must((await w.auth.request({ url: API + '/api/me' })).statusCode === 200, 'request after the fault');
  else must((await w.auth.login()).kind === 'logged-in', 'login after the fault');
  return rejected ? rejected.code : 'ok';
}

async function stepsOf(flow) {
  const w = await BEFORE[flow.before]();
  const base = w.sim.calls.length;
  await flow.run(w);
  await w.sim.settle();
  return w.sim.calls.slice(base).map((c) => c.api);
}

async function main() {
  let passed = 0;
  let failed = 0;
  let stepCount = 0;
  const faultsUsed = new Set();
  for (const flow of FLOWS) {
    const steps = await stepsOf(flow);
    stepCount += steps.length;
    const outcomes = {};
    for (let i = 0; i < steps.length; i++) {
      for (const name of Object.keys(FAULTS)) {
        if (FAULTS[name].at.indexOf(steps[i]) < 0) continue;
        faultsUsed.add(name);
        const label = `${flow.name} / step ${i + 1} ${steps[i]} / ${name}`;
        try {
          const outcome = await inject(flow, i, steps[i], name);
          outcomes[outcome] = (outcomes[outcome] || 0) + 1;
          passed++;
        } catch (e) {
          failed++;
          console.log('not ok - ' + label + '\n    ' + e.message);
        }
      }
    }
    console.log(`${flow.name}: ${steps.length} steps (${steps.join(', ')}); outcomes ${JSON.stringify(outcomes)}`);
  }
  const faults = Object.keys(FAULTS).length;
  console.log(`fault matrix: ${FLOWS.length} flows × ${stepCount} steps × ${faults} faults = ${stepCount * faults} cells; ` +
    `${passed + failed} are faults the platform can produce at that step, all injected; ${faultsUsed.size} of ${faults} faults used`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
