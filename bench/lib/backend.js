'use strict';
// The bench backend: one in-process server for every SDK in the benchmark, passed to the
// simulator as its `backend` option (tests/sim/wx-sim.js). It answers our protocol
// (POST /auth/login {code} → {token, expiresIn}) and, bench-only, the minimal valid
// shapes each peer's client expects from its own server or cloud (bench/peers/*.js add
// their routes). Codes are checked with the simulator's jscode2session stand-in, so a
// reused or invented code fails as it would on WeChat's side.
const TTL = 7200;
let seq = 0; // across backends: a token is never issued twice in one run

function makeBackend() {
  const sessions = new Map(); // token -> {expiresAt, revoked}
  const routes = []; // [{method, path (string|RegExp), fn(req, api)}]
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
    revokeAll() { sessions.forEach((s) => { s.revoked = true; }); },
    exchange(code) { return api.sim.exchangeCode(code); },
    json(req) { try { return JSON.parse(req.body || 'null'); } catch (e) { return null; } },
    route(method, path, fn) { routes.push({ method, path, fn }); },
    /** The token a request carries, whatever header the SDK uses. */
    tokenOf(req) {
      const h = {};
      Object.keys(req.header || {}).forEach((k) => { h[k.toLowerCase()] = req.header[k]; });
      const auth = /^(?:Bearer|Hydrogen-r1)\s+(.+)$/i.exec(h.authorization || '');
      return (auth && auth[1]) || h['x-wx-skey'] || h['x-authing-token'] || null;
    },
    handle(req) {
      for (const r of routes) {
        if (r.method !== req.method && r.method !== '*') continue;
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
    const s = sessions.get(api.tokenOf(req));
    if (s) s.revoked = true;
    return { statusCode: 200, body: { ok: true } };
  });
  // The app's own API, shared by every SDK: 200 with a valid token, 401 otherwise.
  api.route('*', '/api/me', (req) => (api.valid(api.tokenOf(req))
    ? { statusCode: 200, body: { ok: true } }
    : { statusCode: 401, body: { code: 'UNAUTHORIZED' } }));
  return api;
}

module.exports = { makeBackend, TTL };
