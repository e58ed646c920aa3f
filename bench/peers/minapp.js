'use strict';
// minapp-sdk (知晓云, ifanrx/hydrogen-js-sdk): BaaS.init(clientID, {autoLogin: true}) sets
// it up as wx.BaaS; auth.loginWithWechat() is the silent login (wx.login → POST
// silent-login {code}) unless a stored token is unexpired, then resolves the current
// user (GET user/info/<uid>/). Token, uid, openid and `session_expires_at` (expires_in −
// 30 s) are separate setStorageSync keys, read back with async getStorage.
// BaaS._baasRequest is the request path all its data calls take: with autoLogin it runs
// the silent login first (a no-op while the token is valid), sends `Authorization:
// Hydrogen-r1 <token>` and, on a 401, clears the session, logs in again and resends once.
const { peer, capturingSeed } = require('./base.js');

const API = 'https://bench.minapp.example';

module.exports = peer('minapp', 'minapp-sdk', {
  name: 'minapp-sdk (知晓云)',
  url: 'https://api.example.com/api/me',
  launchOptions: {
    // BaaS.init reads wx.getSystemInfoSync().platform (a version check in devtools only).
    wxShims: ['getSystemInfoSync'],
    // Its build calls a global regeneratorRuntime at load (it expects WeChat's enhanced
    // compile, or the app, to provide one).
    scripts: ['bench/node_modules/regenerator-runtime/runtime.js'],
  },
  readyMeans: '`BaaS.init(clientID, {autoLogin: true})` + `await auth.loginWithWechat()` resolves the current user without a wx.login (one GET of the user record)',
  notes: ['minapp-sdk (知晓云): the bench backend (bench/lib/backend.js) answers `POST /hserve/v2.5/idp/wechat/silent-login/` with `{token, expires_in, user_info: {id, openid, unionid}}`, `GET /hserve/v2.5/user/info/<id>/` with the user record (401 without a valid `Hydrogen-r1` token) and `POST /hserve/v2.0/session/destroy/` with 200. Its request wrapper is `BaaS._baasRequest` (underscored, but the path every data call of the SDK takes; the public `BaaS.request` only adds the headers). Bench-only: a `getSystemInfoSync` wx shim (answers `{}`), and regenerator-runtime 0.14.1 (bench/package.json) loaded as the global `regeneratorRuntime` its build calls at load, before the timed require; it is not in its size row. Its state is read with `getAuthToken()` (an async getStorage) or `auth.getCurrentUser()` (a request), so it has no state-read figure. With `autoLogin` a request after logout logs in again silently.'],
  seed: capturingSeed(),
  start: async function (sdk, ctx) {
    const logins = ctx.sim.count('login');
    sdk.init('bench-client', { autoLogin: true, host: API });
    const user = await sdk.auth.loginWithWechat();
    // Restored means no wx.login was needed on the way.
    return { sdk, state: user && user.id && ctx.sim.count('login') === logins ? 'logged-in' : 'none' };
  },
  loggedIn: (h) => h.state === 'logged-in',
  async login(h) {
    const user = await h.sdk.auth.loginWithWechat();
    h.state = user && user.id ? 'logged-in' : 'none';
  },
  request: (h, url) => h.sdk._baasRequest({ url }),
  async logout(h) { await h.sdk.auth.logout(); },
  bareHeader: (h) => ({ Authorization: 'Hydrogen-r1 ' + h.sdk.storage.get('auth_token') }),
});
