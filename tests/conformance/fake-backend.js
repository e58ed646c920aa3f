#!/usr/bin/env node
'use strict';
// A tiny backend for the kit's negative self-test (self-test.js): node's http module, an
// in-memory store, the protocol of examples/server/README.md, and deliberate bugs switched
// on by FAKE_BUGS (comma-separated names, see BUGS in self-test.js). Without bugs it passes
// the kit; with each bug, the checks that bug names must fail. Not a server to deploy.
// Environment: LISTEN (host:port), WX_APPID, WX_SECRET, WX_API_BASE, SESSION_TTL_SECONDS, FAKE_BUGS.
const crypto = require('crypto');
const http = require('http');

const bugs = new Set((process.env.FAKE_BUGS || '').split(',').filter(Boolean));
const bug = (name) => bugs.has(name);
const ttl = Number(process.env.SESSION_TTL_SECONDS || 7200);
const api = process.env.WX_API_BASE;
const MAX_BODY = bug('body-limit-1m') ? 1 << 20 : 1024;
const users = new Map(); // openid → {since, binding}
const sessions = new Map(); // sha256(token) → {openid, binding, expiresAt}
const now = () => Math.floor(Date.now() / 1000);
const sha = (t) => crypto.createHash('sha256').update(t).digest('hex');

class Answer extends Error {
  constructor(status, code, message) { super(message || code); this.status = status; this.code = code; }
}

const MAP = { '-1': [503, 'WECHAT_BUSY'], 40029: [400, 'INVALID_CODE'], 40163: [400, 'CODE_USED'], 45011: [429, 'RATE_LIMITED'], 40226: [403, 'USER_BLOCKED'] };
if (bug('40029-as-502')) MAP[40029] = [502, 'WECHAT_ERROR'];
if (bug('40163-as-invalid')) MAP[40163] = [400, 'INVALID_CODE'];
if (bug('busy-as-502')) MAP[-1] = [502, 'WECHAT_ERROR'];
if (bug('45011-as-503')) MAP[45011] = [503, 'WECHAT_BUSY'];
if (bug('40226-as-401')) MAP[40226] = [401, 'UNAUTHORIZED'];

async function exchange(code) {
  return (await exchangeDoc(code)).openid;
}

async function exchangeDoc(code) {
  const q = new URLSearchParams({ appid: process.env.WX_APPID, secret: process.env.WX_SECRET, js_code: code, grant_type: 'authorization_code' });
  let doc;
  try {
    doc = await (await fetch(api + '/sns/jscode2session?' + q, { signal: AbortSignal.timeout(5000) })).json();
  } catch (e) {
    throw bug('unreachable-as-500') ? new Answer(500, 'INTERNAL') : new Answer(502, 'WECHAT_ERROR', 'WeChat could not be reached');
  }
  if (doc.errcode) {
    const known = MAP[doc.errcode];
    if (known) throw new Answer(known[0], known[1], 'errcode ' + doc.errcode);
    throw bug('other-as-400') ? new Answer(400, 'INVALID_CODE', 'errcode ' + doc.errcode) : new Answer(502, 'WECHAT_ERROR', 'errcode ' + doc.errcode);
  }
  return doc;
}

// Phone numbers: the access token from stable_token, cached in memory (this one process is
// its own "shared store"), and getuserphonenumber with the session's openid.
let cached = null; // {token, until}
const PHONE_MAP = { '-1': [503, 'WECHAT_BUSY'], 45011: [429, 'RATE_LIMITED'], 40029: [400, 'INVALID_CODE'] };
if (bug('phone-40029-as-502')) PHONE_MAP[40029] = [502, 'WECHAT_ERROR'];

async function wechatPost(path, body) {
  try {
    const res = await fetch(api + path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(5000) });
    return await res.json();
  } catch (e) {
    throw new Answer(502, 'WECHAT_ERROR', 'WeChat could not be reached');
  }
}

async function fetchToken(force) {
  const doc = await wechatPost('/cgi-bin/stable_token', { grant_type: 'client_credential', appid: process.env.WX_APPID, secret: process.env.WX_SECRET, force_refresh: !!force });
  if (doc.errcode || typeof doc.access_token !== 'string') throw new Answer(502, 'WECHAT_ERROR', 'errcode ' + doc.errcode);
  cached = { token: doc.access_token, until: Date.now() + (doc.expires_in - 300) * 1000 };
  return cached.token;
}

async function accessToken() {
  if (cached && cached.until > Date.now() && !bug('token-per-request')) return cached.token;
  return fetchToken(false);
}

async function verifyPhone(code, openid) {
  let token = await accessToken();
  const retries = bug('token-retry-unbounded') ? 3 : bug('no-token-retry') ? 0 : 1;
  for (let attempt = 0; ; attempt++) {
    const body = bug('phone-no-openid') || openid === undefined ? { code: code } : { code: code, openid: openid };
    const doc = await wechatPost('/wxa/business/getuserphonenumber?access_token=' + encodeURIComponent(token), body);
    if ((doc.errcode === 40001 || doc.errcode === 42001) && attempt < retries) {
      cached = null;
      token = await fetchToken(bug('force-refresh-on-40001'));
      continue;
    }
    if (doc.errcode) {
      if (bug('phone-errors-500')) throw new Answer(500, 'INTERNAL');
      const known = PHONE_MAP[doc.errcode] || [502, 'WECHAT_ERROR'];
      throw new Answer(known[0], known[1], 'errcode ' + doc.errcode);
    }
    return doc.phone_info;
  }
}

function readCode(req, body, checkType) {
  const type = String(req.headers['content-type'] || '').split(';')[0].trim().toLowerCase();
  if (checkType && type !== 'application/json') throw new Answer(415, 'UNSUPPORTED_MEDIA_TYPE');
  let doc;
  try { doc = JSON.parse(body.toString('utf8')); } catch (e) { throw bug('bad-json-500') ? new Answer(500, 'INTERNAL') : new Answer(400, 'BAD_REQUEST', 'not JSON'); }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new Answer(400, 'BAD_REQUEST', 'not an object');
  let code = doc.code;
  if (bug('code-optional') && code === undefined) return 'none'; // sent to WeChat as it is
  if (bug('code-coerced') && code !== undefined && typeof code !== 'string') code = String(code);
  if (typeof code !== 'string') throw new Answer(400, 'BAD_REQUEST', 'no string code');
  const max = bug('code-max-64') ? 64 : 128;
  if (!bug('no-code-shape') && !(code.length >= 1 && code.length <= max && /^[A-Za-z0-9_-]+$/.test(code))) throw new Answer(400, 'BAD_REQUEST', 'bad code');
  return code;
}

function bearer(req) {
  const value = String(req.headers.authorization || '').trim();
  if (bug('bearer-lenient')) return value.replace(/^bearer\s+/i, '').toLowerCase() || null;
  const m = /^bearer (\S+)$/i.exec(value);
  return m && /^[0-9a-f]{64}$/.test(m[1]) ? m[1] : null;
}

function session(req) {
  const t = bearer(req);
  if (!t) throw bug('missing-bearer-403') && !req.headers.authorization ? new Answer(403, 'FORBIDDEN') : new Answer(401, 'UNAUTHORIZED');
  const s = sessions.get(sha(t));
  if (!s && bug('unknown-token-500')) throw new Answer(500, 'INTERNAL');
  const user = s && users.get(s.openid);
  if (!s || !user || user.binding !== s.binding || (s.expiresAt <= now() && !bug('no-expiry'))) throw new Answer(401, 'UNAUTHORIZED');
  return Object.assign({ since: user.since }, s);
}

const ROUTES = { '/auth/login': 'POST', '/auth/logout': 'POST', '/api/me': 'GET', '/auth/unbind': 'POST', '/auth/phone': 'POST' };

async function handle(req, body) {
  const path = req.url.split('?')[0];
  const route = bug('prefix-routes') ? Object.keys(ROUTES).find((r) => path.startsWith(r)) : ROUTES[path] && path;
  if (!route) throw new Answer(404, 'NOT_FOUND');
  if (req.method !== ROUTES[route]) throw bug('wrong-method-404') ? new Answer(404, 'NOT_FOUND') : new Answer(405, 'METHOD_NOT_ALLOWED');
  if (body === null) throw new Answer(413, 'PAYLOAD_TOO_LARGE');
  if (route === '/auth/login') {
    if (bug('exchange-before-checks')) { try { await exchange(JSON.parse(body).code); } catch (e) { /* checked below */ } }
    const doc = await exchangeDoc(readCode(req, body, !bug('any-content-type')));
    const openid = doc.openid;
    const token = bug('token-per-user') ? sha('token:' + openid) : crypto.randomBytes(32).toString('hex');
    if (!users.has(openid)) users.set(openid, { since: now(), binding: crypto.randomBytes(8).toString('hex') });
    if (typeof doc.unionid === 'string' && !bug('me-no-unionid')) users.get(openid).unionid = doc.unionid;
    sessions.set(sha(token), { openid: openid, binding: users.get(openid).binding, expiresAt: now() + ttl });
    return bug('login-leaks-openid') ? { token: token, expiresIn: ttl, openid: openid } : { token: token, expiresIn: ttl };
  }
  if (route === '/auth/logout') {
    const t = bearer(req);
    if (bug('logout-needs-session')) session(req);
    if (t && !bug('logout-noop')) {
      const s = sessions.get(sha(t));
      if (bug('logout-all') && s) { for (const [h, x] of sessions) if (x.openid === s.openid) sessions.delete(h); }
      sessions.delete(sha(t));
    }
    return { ok: true };
  }
  if (route === '/api/me') {
    const s = session(req);
    const me = bug('me-no-since') ? { openid: s.openid } : { openid: s.openid, since: s.since };
    const unionid = users.get(s.openid).unionid;
    if (unionid) me.unionid = unionid;
    return me;
  }
  if (route === '/auth/phone') {
    if (bug('phone-exchanges-first')) { try { await verifyPhone(JSON.parse(body).code); } catch (e) { /* checked below */ } }
    const s = session(req);
    const info = await verifyPhone(readCode(req, body, !bug('phone-any-body')), s.openid);
    const n = info.purePhoneNumber;
    users.get(s.openid).phone = n;
    return { phoneNumber: bug('phone-unmasked') ? n : n.slice(0, 3) + '****' + n.slice(-4), countryCode: info.countryCode };
  }
  // unbind
  if (bug('unbind-exchanges-first')) { try { await exchange(JSON.parse(body).code); } catch (e) { /* checked below */ } }
  const s = session(req);
  let openid;
  try {
    openid = await exchange(readCode(req, body, !bug('unbind-any-body') && !bug('any-content-type')));
  } catch (e) {
    if (bug('unbind-errors-500') && e.code !== 'BAD_REQUEST' && e.code !== 'UNSUPPORTED_MEDIA_TYPE') throw new Answer(500, 'INTERNAL');
    throw e;
  }
  if (openid !== s.openid && !bug('unbind-no-identity-check')) throw new Answer(403, 'IDENTITY_MISMATCH');
  if (bug('unbind-keeps-sessions')) {
    for (const [h, x] of sessions) if (x.openid === s.openid) { sessions.delete(h); break; }
  } else {
    users.delete(s.openid);
  }
  return { ok: true };
}

function send(res, status, doc, type) {
  const text = JSON.stringify(doc);
  res.writeHead(status, { 'Content-Type': type || 'application/json', 'Content-Length': Buffer.byteLength(text), Connection: 'close' });
  res.end(text);
}

const server = http.createServer({ maxHeaderSize: bug('head-limit-16k') ? 16384 : 8192 }, (req, res) => {
  const fail = (e) => send(res, e.status || 500, { code: e.code || 'INTERNAL', message: e.message || 'error' });
  if (req.headers['transfer-encoding'] !== undefined && !bug('accepts-chunked')) return fail(new Answer(411, 'LENGTH_REQUIRED'));
  const length = Number(req.headers['content-length'] || 0);
  const chunks = [];
  let size = 0;
  if (length > MAX_BODY && !bug('waits-for-body')) return handle(req, null).catch(fail);
  req.on('data', (c) => { size += c.length; if (size <= MAX_BODY) chunks.push(c); });
  req.on('aborted', () => { if (bug('dies-on-hangup')) process.exit(3); });
  req.on('end', () => {
    handle(req, size > MAX_BODY ? null : Buffer.concat(chunks)).then((doc) => send(res, 200, doc), fail);
  });
});
server.on('clientError', (err, socket) => {
  if (bug('dies-on-hangup')) process.exit(3);
  if (!socket.writable) return socket.destroy();
  const [status, code] = err.code === 'HPE_HEADER_OVERFLOW' ? [431, 'HEADERS_TOO_LARGE'] : [400, 'BAD_REQUEST'];
  const text = bug('plain-400') ? 'Bad Request' : JSON.stringify({ code: code, message: code });
  const type = bug('plain-400') ? 'text/plain' : 'application/json';
  socket.end('HTTP/1.1 ' + status + ' X\r\nContent-Type: ' + type + '\r\nContent-Length: ' + text.length + '\r\nConnection: close\r\n\r\n' + text);
});
const [host, port] = (process.env.LISTEN || '127.0.0.1:0').split(':');
server.listen(Number(port), host, () => {
  process.stdout.write('listening on http://' + host + ':' + server.address().port + '\n');
});
