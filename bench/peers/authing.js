'use strict';
// Authing v5 mini-program SDK, Taro flavour (@authing/miniapp-taro; the native wx flavour
// is not on the registry), with @tarojs/taro replaced by the bench-only shim
// bench/peers/shims/taro.js (Taro.x → wx.x, promise form). `new Authing()` calls wx.login
// at once (to have a code ready); loginByCode() POSTs that code to /api/v3/signin-by-mobile
// and keeps {access_token, expires_at} with async setStorage. It has no request wrapper
// (the app adds the token itself), no refresh without a valid token, no 401 handling.
const { peer, capturingSeed } = require('./base.js');

const HOST = 'https://core.authing.cn';
const TTL = 7200;
const NO_WRAPPER = 'it has no request wrapper: the app reads the token and calls wx.request itself';

module.exports = peer('authing', '@authing/miniapp-taro', {
  name: '@authing/miniapp-taro',
  aliases: { '@tarojs/taro': 'taro.js' },
  sizeNote: 'without Taro, which a Taro app has anyway',
  url: 'https://api.example.com/api/me',
  readyMeans: '`new Authing({appId, userPoolId})` + `await getLoginState()` returns the stored state',
  skip: { expired10: NO_WRAPPER, '401x3': NO_WRAPPER },
  noRequest: NO_WRAPPER,
  notes: ['@authing/miniapp-taro: run with a bench-only `@tarojs/taro` shim (bench/peers/shims/taro.js: each Taro API is the wx API in promise form) aliased in at bundle time for the run copy only; the size row bundles it with Taro left external. The bench backend answers `POST /api/v3/signin-by-mobile` with `{statusCode: 200, data: {access_token, id_token, expires_in}}` and `POST /oidc/token/revocation` with 200. Its `state` read is `getLoginState()` (an async getStorage), so it has no state-read figure.'],
  routes(backend) {
    if (backend.__authing) return;
    backend.__authing = true;
    backend.route('POST', '/api/v3/signin-by-mobile', (req) => {
      const body = backend.json(req) || {};
      const r = backend.exchange(body.wechatMiniProgramCodePayload && body.wechatMiniProgramCodePayload.code);
      if (r.errcode) return { statusCode: 200, body: { statusCode: 400, message: r.errmsg } };
      const t = backend.issue(TTL);
      return { statusCode: 200, body: { statusCode: 200, data: { access_token: t, id_token: t, expires_in: TTL, token_type: 'Bearer' } } };
    });
    backend.route('POST', '/oidc/token/revocation', (req) => {
      const m = /token=([^&]*)/.exec(req.body || '');
      const s = m && backend.sessions.get(decodeURIComponent(m[1]));
      if (s) s.revoked = true;
      return { statusCode: 200, body: '' };
    });
  },
  seed: capturingSeed(),
  async ready(env) {
    this.routes(env.backend);
    const sdk = this.load(env);
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
