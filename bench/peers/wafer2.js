'use strict';
// wafer2-client-sdk 2.x (Tencent, 2018): loginWithCode() → GET loginUrl with header
// X-WX-Code; the server answers {code: 0, data: {skey, userinfo}}; request() sends
// X-WX-Skey and, on a 401 (or body code -1), clears the session, logs in again and resends once.
// Its session has no expiry of its own and lives in getStorageSync/setStorageSync.
const { peer, cb } = require('./base.js');

const API = 'https://api.example.com';
const KEY = 'weapp_session_F2C224D4-2BCE-4C64-AF9F-A6D872000D1A';

module.exports = peer('wafer2', 'wafer2-client-sdk', {
  name: 'wafer2-client-sdk',
  url: API + '/api/me',
  // Its Tunnel module registers socket listeners at load; the simulator has no sockets.
  launchOptions: { wxShims: ['onSocketOpen', 'onSocketClose', 'onSocketMessage', 'onSocketError', 'connectSocket', 'sendSocketMessage', 'closeSocket'] },
  readyMeans: 'require + `Session.get()` returns the stored session (sync)',
  notes: ['wafer2-client-sdk: the bench backend (bench/lib/backend.js) answers `GET /wafer/login` (header `X-WX-Code`) with `{code: 0, data: {skey, userinfo}}`, the reply its `loginWithCode` checks for; `/api/me` accepts its `X-WX-Skey` header. Bench-only wx shims (no-ops, logged): `onSocketOpen`, `onSocketClose`, `onSocketMessage`, `onSocketError` (its Tunnel module registers them at load). It has no server logout (`clearSession` is local), no local expiry, and its `state` is a `getStorageSync` read.'],
  async seed(env) {
    const skey = env.backend.issue();
    env.sim.setStorageRaw(KEY, { skey, userinfo: { openId: 'o-sim-xiaoming' } }, false);
  },
  start: async function (sdk) {
    sdk.setLoginUrl(API + '/wafer/login');
    const session = sdk.Session.get();
    return { sdk, state: session ? 'logged-in' : 'none' };
  },
  loggedIn: (h) => h.state === 'logged-in',
  login: (h) => cb((ok, fail) => h.sdk.loginWithCode({ success: ok, fail })).then(() => { h.state = 'logged-in'; }),
  request: (h, url) => cb((ok, fail) => h.sdk.request({ url, login: false, success: ok, fail })),
  logout: (h) => { h.sdk.clearSession(); },
  readState: (h) => h.sdk.Session.get(),
  bareHeader: (h) => ({ 'X-WX-Skey': h.sdk.Session.get().skey }),
});
