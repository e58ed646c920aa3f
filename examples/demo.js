'use strict';
// `make demo`: a mini-program page, simulated, walked through privacy → profile → login →
// an authorized request → logout → restart with the built dist/, printing every state and
// every wx call. It runs in the mini-program-shaped realm of tests/support/mp-realm.js
// (WXWebAssembly path loading, no TextEncoder, no eval) against the wx simulator of
// tests/sim/wx-sim.js and its in-process backend stand-in. Tokens are never printed.
const path = require('path');
const { createRealm } = require('../tests/support/mp-realm.js');

const root = path.resolve(__dirname, '..');
const API = 'https://api.example.com';

function describe(state) {
  let s = state.kind;
  if (state.profile) s += ' · ' + state.profile.nickName + ' · avatar ' + state.profile.avatarUrl;
  if (state.expiresAt) s += ' · session until ' + new Date(state.expiresAt).toISOString();
  if (state.reason) s += ' · reason: ' + state.reason;
  return s;
}

async function main() {
  const realm = createRealm({ root: root });
  realm.loadModuleAsScript(path.join(root, 'tests/sim/wx-sim.js'));
  const sim = realm.run("var sim = createWxSim({ sdkVersion: '3.3.4', needPrivacyAuthorization: true }); installWx(sim); sim");
  sim.calls.push = function (call) {
    console.log('    wx.' + call.api + (call.detail ? '  (' + call.detail + ')' : ''));
    return Array.prototype.push.call(this, call);
  };
  const sdk = realm.require('./dist/index.js');
  const options = { wasmPath: '/dist/wx_auth.wasm.br', loginUrl: API + '/auth/login', logoutUrl: API + '/auth/logout', now: sim.now };
  const step = (title) => console.log('\n▶ ' + title);

  step('app launch: createAuth() loads /dist/wx_auth.wasm.br through WXWebAssembly');
  const auth = await sdk.createAuth(options);
  console.log('  state: ' + describe(auth.state));
  auth.onChange((s) => console.log('  onChange → ' + describe(s)));

  step('privacy: the page asks for the agreement');
  auth.onPrivacyPrompt((prompt) => {
    console.log('  page shows its privacy popup (referrer: ' + prompt.referrer + ')');
    console.log('  user taps 同意 on <button open-type="agreePrivacyAuthorization" id="agree-btn">');
    sim.tap(() => sim.tapAgreeButton('agree-btn'));
    auth.resolvePrivacy({ agree: true, buttonId: 'agree-btn' });
  });
  await auth.agreePrivacy();

  step('profile: chooseAvatar, then the nickname form is submitted');
  auth.setProfile({ avatarUrl: 'wxfile://tmp/avatar-xiaoming.png', nickName: '小明' });
  await sim.settle();

  step('login: wx.login, then POST /auth/login {code}');
  await auth.login();

  step('authorized request: GET /api/me with the bearer token');
  const me = await auth.request({ url: API + '/api/me' });
  console.log('  → HTTP ' + me.statusCode + ' ' + JSON.stringify(me.data));

  step('logout');
  await auth.logout();
  await sim.settle();
  const after = await auth.request({ url: API + '/api/me' }).then(() => null, (e) => e);
  console.log('  a request now: ' + (after ? after.code : 'unexpectedly sent'));

  step('restart: the app is opened again');
  const again = await sdk.createAuth(options);
  console.log('  state: ' + describe(again.state));
  const still = await again.request({ url: API + '/api/me' }).then(() => null, (e) => e);
  console.log('  a request after the restart: ' + (still ? still.code : 'unexpectedly sent'));

  const logins = sim.count('login');
  console.log('\nwx.login was called ' + logins + ' time' + (logins === 1 ? '' : 's') + '; the session stayed logged out after the restart.');
  if (again.state.kind !== 'logged-out' || !after || !still || logins !== 1) {
    console.error('demo: the flow did not end as it should');
    process.exit(1);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
