'use strict';
// The bench backend: one in-process server for every SDK in the benchmark, passed to the
// simulator as its `backend` option (tests/sim/wx-sim.js). It answers our protocol
// (POST /auth/login {code} → {token, expiresIn}), the app API `/api/me` and, bench-only,
// the minimal valid replies each peer's client expects from its own server or cloud:
// each peer's routes below name the SDK file their request and reply shapes were read
// from. Codes are checked with the simulator's jscode2session stand-in, so a reused or
// invented code fails as it would on WeChat's side.
// Plain CommonJS without node modules: the jsc start-up (bench/jsc/peer-startup.js)
// loads this same file.
const TTL = 7200;
let seq = 0; // across backends: a token is never issued twice in one run

function makeBackend() {
  const sessions = new Map(); // token -> {expiresAt, revoked}
  const routes = []; // [{method, path (string|RegExp), fn(req, api), host}]
  const api = {
    sim: null,
    sessions,
    ttl: TTL,
    issue(ttlSeconds) {
      seq += 1;
      const token = 'tok-' + String(seq).padStart(6, '0');
      sessions.set(token, { expiresAt: api.sim.now() + (ttlSeconds || TTL) * 1000, revoked: false });
      return token;
    },
    seed(token, expiresAt) { sessions.set(token, { expiresAt, revoked: false }); },
    valid(token) { const s = token && sessions.get(token); return !!(s && !s.revoked && s.expiresAt > api.sim.now()); },
    revoke(token) { const s = token && sessions.get(token); if (s) s.revoked = true; },
    revokeAll() { sessions.forEach((s) => { s.revoked = true; }); },
    exchange(code) { return api.sim.exchangeCode(code); },
    json(req) { try { return JSON.parse(req.body || 'null'); } catch (e) { return null; } },
    /** A route; `host` only where two peers' clouds use the same path. */
    route(method, path, fn, host) { routes.push({ method, path, fn, host }); },
    /** The token a request carries, whatever header the SDK uses. */
    tokenOf(req) {
      const h = {};
      Object.keys(req.header || {}).forEach((k) => { h[k.toLowerCase()] = req.header[k]; });
      const auth = /^(?:Bearer|Hydrogen-r1)\s+(.+)$/i.exec(h.authorization || '');
      return (auth && auth[1]) || h['x-wx-skey'] || h['x-authing-token'] || null;
    },
    handle(req) {
      const host = (/^https:\/\/([^/:?#]+)/.exec(req.url || '') || [])[1];
      for (const r of routes) {
        if (r.method !== req.method && r.method !== '*') continue;
        if (r.host && r.host !== host) continue;
        if (typeof r.path === 'string' ? r.path === req.path : r.path.test(req.path)) return r.fn(req, api);
      }
      return { statusCode: 404, body: { code: 'NOT_FOUND', message: req.method + ' ' + req.path } };
    },
  };
  // Ours (README "The contract").
  api.route('POST', '/auth/login', (req) => {
    const body = api.json(req);
    const r = api.exchange(body && body.code);
    if (r.errcode) return { statusCode: 400, body: { code: 'INVALID_CODE', message: r.errmsg } };
    return { statusCode: 200, body: { token: api.issue(), expiresIn: TTL } };
  });
  api.route('POST', '/auth/logout', (req) => {
    api.revoke(api.tokenOf(req));
    return { statusCode: 200, body: { ok: true } };
  });
  // The app's own API, shared by every SDK: 200 with a valid token, 401 otherwise.
  api.route('*', '/api/me', (req) => (api.valid(api.tokenOf(req))
    ? { statusCode: 200, body: { ok: true } }
    : { statusCode: 401, body: { code: 'UNAUTHORIZED' } }));
  wafer2(api);
  supabase(api);
  authing(api);
  minapp(api);
  cloudbase(api);
  return api;
}

// wafer2-client-sdk 2.1.0, lib/login.js: loginWithCode() sends the code in the
// X-WX-Code header and wants {code: 0, data: {skey, userinfo}}; lib/request.js sends
// the skey as X-WX-Skey.
function wafer2(api) {
  api.route('GET', '/wafer/login', (req) => {
    const r = api.exchange(req.header['X-WX-Code']);
    if (r.errcode) return { statusCode: 200, body: { code: -1, error: 'ERR_LOGIN_FAILED', message: r.errmsg } };
    return { statusCode: 200, body: { code: 0, data: { skey: api.issue(), userinfo: { openId: r.openid } } } };
  });
}

// supabase-wechat-stable-v2 2.2.0, dist/main/gotrue-js/src/GoTrueClient.js:
// signInWithWechat → GET /auth/v1/wechat_mini/login?code=, refresh → POST
// /auth/v1/token?grant_type=refresh_token {refresh_token}, signOut → POST /auth/v1/logout;
// each session reply is a GoTrue session {access_token, refresh_token, expires_in,
// expires_at, user}. A refresh token is 'refresh-<access token>', good once.
const SUPABASE = 'bench.supabase.example';
function supabase(api) {
  const used = new Set();
  const session = () => {
    const access = api.issue(TTL);
    return { access_token: access, refresh_token: 'refresh-' + access, token_type: 'bearer', expires_in: TTL,
      expires_at: Math.floor(api.sim.now() / 1000) + TTL,
      user: { id: 'u-1', aud: 'authenticated', role: 'authenticated', app_metadata: {}, user_metadata: {}, created_at: '2026-01-01T00:00:00Z' } };
  };
  api.route('GET', '/auth/v1/wechat_mini/login', (req) => {
    const code = decodeURIComponent((/[?&]code=([^&]*)/.exec(req.query) || [])[1] || '');
    const r = api.exchange(code);
    if (r.errcode) return { statusCode: 400, body: { error: 'invalid_grant', error_description: r.errmsg } };
    return { statusCode: 200, body: session() };
  }, SUPABASE);
  api.route('POST', '/auth/v1/token', (req) => {
    const rt = String((api.json(req) || {}).refresh_token || '');
    if (!/^refresh-/.test(rt) || !api.sessions.has(rt.slice(8)) || used.has(rt)) return { statusCode: 400, body: { error: 'invalid_grant' } };
    used.add(rt);
    return { statusCode: 200, body: session() };
  }, SUPABASE);
  api.route('POST', '/auth/v1/logout', (req) => {
    api.revoke(api.tokenOf(req));
    return { statusCode: 204, body: '' };
  }, SUPABASE);
}

// @authing/miniapp-taro 5.1.18, dist/bundle-taro.js (Authing.ts): loginByCode POSTs
// {wechatMiniProgramCodePayload: {code}} to /api/v3/signin-by-mobile and reads
// {statusCode: 200, data: {access_token, id_token, expires_in}}; logout POSTs the token
// form-encoded to /oidc/token/revocation.
function authing(api) {
  api.route('POST', '/api/v3/signin-by-mobile', (req) => {
    const body = api.json(req) || {};
    const r = api.exchange(body.wechatMiniProgramCodePayload && body.wechatMiniProgramCodePayload.code);
    if (r.errcode) return { statusCode: 200, body: { statusCode: 400, message: r.errmsg } };
    const t = api.issue(TTL);
    return { statusCode: 200, body: { statusCode: 200, data: { access_token: t, id_token: t, expires_in: TTL, token_type: 'Bearer' } } };
  });
  api.route('POST', '/oidc/token/revocation', (req) => {
    const m = /token=([^&]*)/.exec(req.body || '');
    if (m) api.revoke(decodeURIComponent(m[1]));
    return { statusCode: 200, body: '' };
  });
}

// minapp-sdk 3.23.6, lib/index.js (hydrogen-js-sdk sdk-file/src/wechat/auth.js and
// core/auth.js): silentLogin POSTs {create_user, code, login_with_unionid} to
// /hserve/v2.5/idp/wechat/silent-login/ and needs a 2xx with {token, expires_in,
// user_info: {id, openid, unionid}} (utils.flatAuthResponse reads user_info.id);
// getCurrentUser GETs /hserve/v2.5/user/info/<uid>/ with `Authorization: Hydrogen-r1
// <token>` and wants the user record; logout POSTs /hserve/v2.0/session/destroy/. Its
// utils.validateStatusCode takes any 2xx; errors carry {error_msg}.
const MINAPP_USER = { id: 1001, openid: 'o-sim-xiaoming', unionid: '', nickname: '', avatar: '' };
function minapp(api) {
  api.route('POST', '/hserve/v2.5/idp/wechat/silent-login/', (req) => {
    const r = api.exchange((api.json(req) || {}).code);
    if (r.errcode) return { statusCode: 400, body: { error_msg: r.errmsg } };
    return { statusCode: 200, body: { token: api.issue(TTL), expires_in: TTL, user_info: Object.assign({}, MINAPP_USER, { openid: r.openid }) } };
  });
  api.route('GET', /^\/hserve\/v2\.5\/user\/info\/\d+\/$/, (req) => (api.valid(api.tokenOf(req))
    ? { statusCode: 200, body: MINAPP_USER }
    : { statusCode: 401, body: { error_msg: 'Unauthorized' } }));
  api.route('POST', '/hserve/v2.0/session/destroy/', (req) => {
    api.revoke(api.tokenOf(req));
    return { statusCode: 200, body: {} };
  });
}

// @cloudbase/js-sdk 3.7.0, miniprogram_dist/auth/index.js (the bundled @cloudbase/oauth
// client: ApiUrls, OAuth2Client, AuthV1Compat.signInWithOpenId): signInWithOpenId runs
// wx.login, POSTs {provider_id, provider_code, provider_params} to
// /auth/v1/provider/token and needs {provider_token}, then POSTs {provider_token} to
// /auth/v1/signin/with/provider and stores the credentials {token_type, access_token,
// refresh_token, expires_in, scope, sub}; an expired access token is refreshed with
// POST /auth/v1/token {grant_type: 'refresh_token', refresh_token}; getUser GETs
// /auth/v1/user/me (the user {sub, name, picture}); signOut POSTs {token} to
// /auth/v1/revoke. Error replies are {error, error_description} with a 4xx.
const CLOUDBASE = 'bench-env.api.tcloudbasegateway.com';
function cloudbase(api) {
  const providerTokens = new Map(); // provider_token -> openid, good once
  const used = new Set();
  const credentials = () => {
    const access = api.issue(TTL);
    return { token_type: 'Bearer', access_token: access, refresh_token: 'refresh-' + access, expires_in: TTL, scope: 'user', sub: 'u-1' };
  };
  api.route('POST', '/auth/v1/provider/token', (req) => {
    const r = api.exchange((api.json(req) || {}).provider_code);
    if (r.errcode) return { statusCode: 400, body: { error: 'invalid_argument', error_description: r.errmsg } };
    const pt = 'provider-' + (providerTokens.size + used.size + 1);
    providerTokens.set(pt, r.openid);
    return { statusCode: 200, body: { provider_token: pt, expires_in: 1200 } };
  }, CLOUDBASE);
  api.route('POST', '/auth/v1/signin/with/provider', (req) => {
    const pt = (api.json(req) || {}).provider_token;
    if (!providerTokens.has(pt)) return { statusCode: 400, body: { error: 'invalid_argument', error_description: 'provider token' } };
    providerTokens.delete(pt);
    used.add(pt);
    return { statusCode: 200, body: credentials() };
  }, CLOUDBASE);
  api.route('POST', '/auth/v1/token', (req) => {
    const rt = String((api.json(req) || {}).refresh_token || '');
    if (!/^refresh-/.test(rt) || !api.sessions.has(rt.slice(8)) || used.has(rt)) return { statusCode: 400, body: { error: 'invalid_grant', error_description: 'refresh token' } };
    used.add(rt);
    return { statusCode: 200, body: credentials() };
  }, CLOUDBASE);
  api.route('GET', '/auth/v1/user/me', (req) => (api.valid(api.tokenOf(req))
    ? { statusCode: 200, body: { sub: 'u-1', name: '', picture: '' } }
    : { statusCode: 401, body: { error: 'unauthenticated', error_description: 'access token' } }), CLOUDBASE);
  api.route('POST', '/auth/v1/revoke', (req) => {
    api.revoke((api.json(req) || {}).token);
    return { statusCode: 200, body: {} };
  }, CLOUDBASE);
}

module.exports = { makeBackend, TTL };
