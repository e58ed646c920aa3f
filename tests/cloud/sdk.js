'use strict';
// The SDK as a mini-program ships it (dist/, in a realm shaped like the logic layer) with
// the cloud transport, against the REAL wxauth cloud function (examples/cloudfunctions)
// run by the wx-server-sdk stand-in: the simulator's wx.cloud.callFunction hands each
// envelope to invoke(), as WeChat hands it to the function with the caller's OPENID.
// Login with no wx.login, /api/me with the UNIONID, a renewal on expiry, the phone
// button's code through the getPhoneNumber cloud call, the avatar in cloud storage and the
// profile restored on a second phone, logout and unbind. Prints `N passed, N failed`.
const assert = require('assert');
const path = require('path');
const { createRealm } = require('../support/mp-realm.js');
const { createRunner } = require('../support/runner.js');
const { invoke } = require('./invoke.js');
const control = require('./wx-server-sdk/control.js');

const root = path.resolve(__dirname, '../..');
const FN = path.join(root, 'examples/cloudfunctions/wxauth');
const API = 'https://api.example.com';
const USER = { nickName: '小明', avatarUrl: 'https://thirdwx.qlogo.cn/mmopen/vi_32/xiaoming/132', openid: 'o-cloud-xiaoming', unionid: 'u-cloud-xiaoming' };
const { test, summary } = createRunner();
/** A value from the realm as plain data (its objects have the realm's prototypes). */
const plain = (v) => JSON.parse(JSON.stringify(v));

/** A phone with the example's options and `cloud: {function: 'wxauth'}`; `server` shares the sim's server side. */
async function phone(server) {
  const realm = createRealm({ root });
  realm.loadModuleAsScript(path.join(root, 'tests/sim/wx-sim.js'));
  // The function runs here in node, on the stand-in's clock, which follows the phone's.
  realm.context.__wxauth = (event, ctx) => invoke(FN, event, ctx).then((r) => {
    if (r.error) throw r.error.cause; // the simulator fails the call with -404011
    return r.result;
  });
  realm.context.__config = { needPrivacyAuthorization: false, user: USER, server: server, startTime: control.clock.now(),
    onPhoneCodeMinted: (code) => { control.phone.mint({ code: code, openid: USER.openid, appid: 'wx-sim' }); } };
  const sim = realm.run('var sim = createWxSim(Object.assign({ cloudFunctions: { wxauth: __wxauth } }, __config)); installWx(sim); wx.cloud.init({ env: "prod-1" }); sim');
  const sdk = realm.require('./dist/index.js');
  realm.context.__opts = { API };
  const options = realm.run(`({ wasmPath: '/dist/wx_auth.wasm.br', loginUrl: __opts.API + '/auth/login', logoutUrl: __opts.API + '/auth/logout',
    unbindUrl: __opts.API + '/auth/unbind', phoneUrl: __opts.API + '/auth/phone', profileUrl: __opts.API + '/auth/profile',
    now: sim.now, setTimeout: sim.setTimeout, cloud: { env: 'prod-1', function: 'wxauth' } })`);
  const auth = await sdk.createAuth(options);
  return { sim, auth };
}

function advance(sim, ms) {
  sim.advance(ms);
  control.clock.advance(ms / 1000);
}

async function main() {
  control.reset();
  control.clock.freeze(Date.UTC(2026, 10, 21, 9, 0, 0));
  control.db.createCollection('wxauth_users');
  control.db.createCollection('wxauth_sessions');
  const { sim, auth } = await phone();

  await test('cloud: login is one call of the function, no wx.login; the session is the function\'s', async () => {
    assert.strictEqual((await auth.login()).kind, 'logged-in');
    assert.strictEqual(sim.count('login'), 0);
    assert.strictEqual(sim.count('cloud.callFunction'), 1);
    const sessions = control.db.dump('wxauth_sessions');
    assert.strictEqual(sessions.length, 1);
    assert.strictEqual(sessions[0].openid, USER.openid);
  });

  await test('cloud: /api/me through the function answers the caller, with the UNIONID', async () => {
    const me = await auth.request({ url: API + '/api/me' });
    assert.strictEqual(me.statusCode, 200);
    assert.strictEqual(me.data.openid, USER.openid);
    assert.strictEqual(me.data.unionid, USER.unionid);
  });

  await test('cloud: an expired session is renewed through the function and the request goes on', async () => {
    advance(sim, 7200 * 1000);
    const me = await auth.request({ url: API + '/api/me' });
    assert.strictEqual(me.statusCode, 200);
    assert.strictEqual(sim.count('login'), 0);
    assert.ok(auth.state.expiresAt > sim.now());
  });

  await test('cloud: the phone button\'s code goes once to the getPhoneNumber cloud call; the number comes back masked', async () => {
    const answer = await auth.verifyPhoneNumber(await sim.tapPhoneButton());
    assert.deepStrictEqual(plain(answer), { phoneNumber: '138****8000', countryCode: '86' });
    assert.deepStrictEqual(control.phone.stats(), { calls: 1, billed: 1 });
  });

  await test('cloud: the avatar goes to cloud storage; a second phone gets the profile at its login', async () => {
    const state = await auth.saveProfile({ nickName: '小明', avatarUrl: (await sim.chooseAvatar()).avatarUrl });
    assert.match(state.profile.avatarUrl, /^cloud:\/\/prod-1\./);
    assert.strictEqual(state.profile.saved, true);
    const other = await phone(sim.server);
    const restored = await other.auth.login();
    assert.deepStrictEqual(plain(restored.profile), { nickName: '小明', avatarUrl: state.profile.avatarUrl, saved: true });
    assert.strictEqual(other.sim.count('cloud.uploadFile'), 0);
  });

  await test('cloud: logout ends the session in the function; unbind deletes the user', async () => {
    await auth.logout();
    await sim.settle();
    assert.strictEqual(control.db.dump('wxauth_sessions').filter((s) => s.openid === USER.openid).length, 1, 'the second phone\'s session remains');
    await auth.login();
    assert.strictEqual((await auth.unbind()).kind, 'privacy-agreed');
    assert.strictEqual(control.db.dump('wxauth_users').length, 0);
    assert.strictEqual(control.db.dump('wxauth_sessions').length, 0);
  });

  control.reset();
  process.exit(summary() ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
