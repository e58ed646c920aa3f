'use strict';
// supabase-wechat-stable-v2 (MemFire): GoTrue patched for WeChat. The caller runs
// wx.login and passes the code to auth.signInWithWechat({code}) (GET
// /auth/v1/wechat_mini/login?code=); the session (access + refresh token, expiry) is one
// JSON in setStorageSync; an expired access token is refreshed with the refresh token
// (one shared refresh); `client.fetch` is its authorized fetch (what its data clients use).
const { peer, cb, capturingSeed } = require('./base.js');

const URL_ = 'https://bench.supabase.example';

module.exports = peer('supabase', 'supabase-wechat-stable-v2', {
  name: 'supabase-wechat-stable-v2',
  url: URL_ + '/api/me',
  readyMeans: '`createClient` + `await auth.getSession()` returns the stored session',
  notes: ['supabase-wechat-stable-v2: the bench backend (bench/lib/backend.js) answers `GET /auth/v1/wechat_mini/login?code=` and `POST /auth/v1/token?grant_type=refresh_token` with a GoTrue session `{access_token, refresh_token, expires_in, expires_at, user}`, and `POST /auth/v1/logout` with 204; its request wrapper is `client.fetch` (the authorized fetch its data clients use). It refreshes with a refresh token instead of a new wx.login, and does not retry a 401.'],
  seed: capturingSeed(),
  start: async function (sdk) {
    const client = sdk.createClient(URL_, 'bench-anon-key');
    const { data } = await client.auth.getSession();
    return { client, state: data && data.session ? 'logged-in' : 'none' };
  },
  loggedIn: (h) => h.state === 'logged-in',
  async login(h, env) {
    const res = await cb((ok, fail) => env.wx.login({ success: ok, fail }));
    const { data, error } = await h.client.auth.signInWithWechat({ code: res.code });
    if (error) throw error;
    h.state = data && data.session ? 'logged-in' : 'none';
  },
  async request(h, url) {
    const r = await h.client.fetch(url, { method: 'GET', headers: {} });
    return { statusCode: r.status };
  },
  async logout(h) { await h.client.auth.signOut(); },
  stop(h) { try { h.client.auth.stopAutoRefresh(); } catch (e) { /* older client */ } },
  bareHeader: () => ({}),
});
