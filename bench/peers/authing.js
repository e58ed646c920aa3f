'use strict';
// Authing v5 mini-program SDK, Taro flavour (@authing/miniapp-taro; the native wx flavour
// is not on the registry), with @tarojs/taro replaced by the bench-only shim
// bench/peers/shims/taro.js (Taro.x → wx.x, promise form). `new Authing()` calls wx.login
// at once (to have a code ready); loginByCode() POSTs that code to /api/v3/signin-by-mobile
// and keeps {access_token, expires_at} with async setStorage. It has no request wrapper
// (the app adds the token itself), no refresh without a valid token, no 401 handling.
const { peer, capturingSeed } = require('./base.js');

const HOST = 'https://core.authing.cn';
const NO_WRAPPER = 'it has no request wrapper: the app reads the token and calls wx.request itself';

module.exports = peer('authing', '@authing/miniapp-taro', {
  name: '@authing/miniapp-taro',
  aliases: { '@tarojs/taro': 'taro.js' },
  sizeNote: 'without Taro, which a Taro app has anyway',
  url: 'https://api.example.com/api/me',
  readyMeans: '`new Authing({appId, userPoolId})` + `await getLoginState()` returns the stored state',
  skip: { expired10: NO_WRAPPER, '401x3': NO_WRAPPER },
  noRequest: NO_WRAPPER,
  notes: ['@authing/miniapp-taro: run with a bench-only `@tarojs/taro` shim (bench/peers/shims/taro.js: each Taro API is the wx API in promise form) aliased in at bundle time for the run copy only; the size row bundles it with Taro left external. The bench backend (bench/lib/backend.js) answers `POST /api/v3/signin-by-mobile` with `{statusCode: 200, data: {access_token, id_token, expires_in}}` and `POST /oidc/token/revocation` with 200. Its `state` read is `getLoginState()` (an async getStorage), so it has no state-read figure.'],
  seed: capturingSeed(),
  start: async function (sdk) {
    const Authing = sdk.Authing || (sdk.default && sdk.default.Authing) || sdk.default || sdk;
    const authing = new Authing({ appId: 'bench-app', userPoolId: 'bench-pool', host: HOST });
    const [err, state] = await authing.getLoginState();
    return { authing, state: !err && state && state.access_token ? 'logged-in' : 'none' };
  },
  loggedIn: (h) => h.state === 'logged-in',
  async login(h) {
    const [err, state] = await h.authing.loginByCode({});
    if (err) throw new Error(JSON.stringify(err));
    h.state = state && state.access_token ? 'logged-in' : 'none';
  },
  request: () => Promise.reject(new Error('no request wrapper (the app decides whether to send)')),
  async logout(h) { const [err] = await h.authing.logout(); if (err) throw new Error(JSON.stringify(err)); },
});
