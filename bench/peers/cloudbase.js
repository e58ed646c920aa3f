'use strict';
// @cloudbase/js-sdk v3 (app + auth, mini-program build): cloudbase.init({env}) and
// app.auth(); signInWithOpenId runs wx.login, trades the code for a provider token and
// that for OAuth credentials (access + refresh token, expiry 30 s early), kept as one
// JSON in setStorageSync; an expired access token is refreshed with the refresh token
// behind one shared promise. `app.request.fetch` is its authorized fetch (ICloudbaseRequest
// in its d.ts; what its apis, cloudrun, functions and storage modules call): it adds `Authorization: Bearer`, and
// refreshes once more only on a gateway `ACCESS_TOKEN_EXPIRED` error, not on a 401.
// signInWithOpenId defaults to useWxCloud: true, which tunnels its two sign-in requests
// through wx.cloud.callFunction('httpOverCallFunction') on WeChat's cloud; the bench passes
// useWxCloud: false, the other value of that typed option: the same requests over
// wx.request to the env's gateway (refresh, user and revoke requests take that path anyway).
const { peer, capturingSeed } = require('./base.js');

const ENV = 'bench-env';

module.exports = peer('cloudbase', '@cloudbase/js-sdk', {
  name: '@cloudbase/js-sdk (app + auth, mini-program build)',
  url: 'https://api.example.com/api/me',
  launchOptions: {
    // Its wx_mp adapter is chosen at load only if `Page`, wx.getSystemInfoSync and
    // wx.connectSocket exist; the auth module reads wx.getAccountInfoSync().
    globals: ['Page'],
    wxShims: ['getSystemInfoSync', 'getAccountInfoSync', 'connectSocket'],
    // Its fetch registers requestTask.onChunkReceived (base library 2.20.1+).
    requestTaskShims: ['onChunkReceived'],
  },
  readyMeans: '`cloudbase.init({env})` + `app.auth()` + `await auth.getSession()` returns the stored session',
  notes: ['@cloudbase/js-sdk: the bench backend (bench/lib/backend.js) answers, on the env gateway host, `POST /auth/v1/provider/token` with `{provider_token}`, `POST /auth/v1/signin/with/provider` and `POST /auth/v1/token` (refresh) with credentials `{token_type, access_token, refresh_token, expires_in, scope, sub}`, `GET /auth/v1/user/me` with `{sub, name, picture}` and `POST /auth/v1/revoke` with 200. It signs in with `signInWithOpenId({useWxCloud: false})`: the default `useWxCloud: true` sends its two sign-in requests through `wx.cloud.callFunction(\'httpOverCallFunction\')` to WeChat\'s cloud, which the simulator does not have; `false` (an option its d.ts declares) sends the same requests over `wx.request` to the env gateway, the path its refresh, user and revoke requests take anyway. Its request wrapper is `app.request.fetch` (typed in its d.ts; the authorized fetch its apis, cloudrun, functions and storage modules use). Bench-only: a no-op global `Page` and wx shims `getSystemInfoSync`, `getAccountInfoSync` (answer `{}`) and `connectSocket` (its adapter is picked at load only when they exist), and a no-op `onChunkReceived` on the task `wx.request` returns (its fetch registers one). Its `state` read is `auth.hasLoginState()` (a getStorageSync of the credentials). The bundle registers the auth module with `registerAuth(cloudbase)`, as its modular import does.'],
  seed: capturingSeed(),
  start: async function (sdk) {
    const app = sdk.cloudbase.init({ env: ENV });
    const auth = app.auth();
    const { data } = await auth.getSession();
    const session = data && data.session;
    return { app, auth, token: session && session.access_token, state: session ? 'logged-in' : 'none' };
  },
  loggedIn: (h) => h.state === 'logged-in',
  async login(h) {
    const { data, error } = await h.auth.signInWithOpenId({ useWxCloud: false });
    if (error) throw error;
    h.token = data.session && data.session.access_token;
    h.state = data.session ? 'logged-in' : 'none';
  },
  request: (h, url) => h.app.request.fetch({ url, method: 'GET' }),
  async logout(h) {
    const { error } = await h.auth.signOut();
    if (error) throw error;
  },
  readState: (h) => h.auth.hasLoginState(),
  bareHeader: (h) => ({ Authorization: 'Bearer ' + h.token }),
});
