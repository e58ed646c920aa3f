#!/usr/bin/env node
'use strict';
// A tiny backend for the kit's negative self-test (self-test.js): node's http module, an
// in-memory store, the protocol of examples/server/README.md, and deliberate bugs switched
// on by FAKE_BUGS (comma-separated names, see BUGS in self-test.js). Without bugs it passes
// the kit; with each bug, the checks that bug names must fail. Not a server to deploy.
// Environment: LISTEN (host:port), WX_APPID, WX_SECRET, WX_API_BASE, SESSION_TTL_SECONDS,
// PUBLIC_BASE_URL, FAKE_BUGS.
const crypto = require('crypto');
const http = require('http');

const bugs = new Set((process.env.FAKE_BUGS || '').split(',').filter(Boolean));
const bug = (name) => bugs.has(name);
const ttl = Number(process.env.SESSION_TTL_SECONDS || 7200);
const api = process.env.WX_API_BASE;
const MAX_BODY = bug('body-limit-1m') ? 1 << 20 : 1024;
const MAX_AVATAR = bug('avatar-limit-2m') ? 2 << 20 : 1 << 20;
const MAX_UPLOAD = MAX_AVATAR + 16 * 1024;
const avatars = new Map(); // file name → {bytes, type}
let publicBase = process.env.PUBLIC_BASE_URL; // set at listen when not given
const users = new Map(); // openid → {since, binding, profile?: {nickName, avatarUrl, file?}}
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

const ROUTES = { '/auth/login': 'POST', '/auth/logout': 'POST', '/api/me': 'GET', '/auth/unbind': 'POST', '/auth/phone': 'POST', '/auth/profile': 'POST', '/avatars/': 'GET' };

// The profile (POST /auth/profile, GET /avatars/<name>), with a small multipart reader of
// its own (this fake uses node's standard library only).

const KINDS = [
  { ext: 'png', type: 'image/png', magic: (b) => b.subarray(0, 8).equals(Buffer.from('89504e470d0a1a0a', 'hex')) },
  { ext: 'jpg', type: 'image/jpeg', magic: (b) => b.subarray(0, 3).equals(Buffer.from('ffd8ff', 'hex')) },
  { ext: 'gif', type: 'image/gif', magic: (b) => /^GIF8[79]a/.test(b.subarray(0, 6).toString('latin1')) },
  { ext: 'webp', type: 'image/webp', magic: (b) => b.length >= 12 && b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP' },
];

function parts(req, body) {
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(String(req.headers['content-type']));
  if (!m) throw new Answer(400, 'INVALID_PROFILE', 'no boundary');
  const delim = Buffer.from('--' + (m[1] || m[2]));
  const out = [];
  let pos = body.indexOf(delim);
  if (pos < 0) throw new Answer(400, 'INVALID_PROFILE', 'malformed');
  for (;;) {
    pos += delim.length;
    if (body.subarray(pos, pos + 2).toString() === '--') return out;
    const headEnd = body.indexOf('\r\n\r\n', pos);
    const next = headEnd < 0 ? -1 : body.indexOf(Buffer.concat([Buffer.from('\r\n'), delim]), headEnd + 4);
    if (next < 0) throw new Answer(400, 'INVALID_PROFILE', 'malformed');
    const head = body.subarray(pos + 2, headEnd).toString('latin1');
    const name = /(?:^|;)\s*name="([^"]*)"/im.exec(head);
    const type = /^content-type:\s*([^\r\n;]+)/im.exec(head);
    out.push({ name: name && name[1], type: type && type[1].trim(), bytes: body.subarray(headEnd + 4, next) });
    pos = next + 2;
  }
}

const CONTROL = bug('nick-no-control-check') ? /(?!)/ : /\p{Cc}/u;

function checkNick(raw) {
  const nick = bug('profile-json-untrimmed') ? raw : raw.replace(/^\p{White_Space}+|\p{White_Space}+$/gu, '');
  if (nick === '' || /^\p{White_Space}*$/u.test(nick) || [...nick].length > 64 || CONTROL.test(nick)) throw new Answer(400, 'INVALID_PROFILE', 'bad nickName');
  return nick;
}

function readProfile(req, body) {
  const type = String(req.headers['content-type'] || '').split(';')[0].trim().toLowerCase();
  if (type === 'multipart/form-data') {
    const got = {};
    for (const p of parts(req, body)) if (p.name === 'avatar' || p.name === 'nickName') got[p.name] = p;
    if (!got.nickName || (!got.avatar && !bug('avatar-optional'))) throw new Answer(400, 'INVALID_PROFILE', 'a part is missing');
    const nickName = checkNick(got.nickName.bytes.toString('utf8'));
    if (!got.avatar) return { nickName: nickName };
    if (got.avatar.bytes.length > MAX_AVATAR) throw new Answer(413, 'AVATAR_TOO_LARGE');
    const kind = bug('trusts-content-type') && /^image\//.test(got.avatar.type) ? KINDS[0] : KINDS.find((k) => k.magic(got.avatar.bytes));
    if (!kind) throw new Answer(415, 'UNSUPPORTED_IMAGE');
    return { nickName: nickName, avatar: { bytes: got.avatar.bytes, kind: kind } };
  }
  if (type === 'application/json' || bug('profile-any-type')) {
    let doc;
    try { doc = JSON.parse(body.toString('utf8')); } catch (e) { throw new Answer(400, 'INVALID_PROFILE', 'not JSON'); }
    if (!doc || typeof doc.nickName !== 'string' || typeof doc.avatarUrl !== 'string') throw new Answer(400, 'INVALID_PROFILE', 'a field is missing');
    const url = doc.avatarUrl;
    const scheme = bug('avatar-url-http') ? /^https?:\/\// : /^https:\/\//;
    if (!scheme.test(url) || Buffer.byteLength(url) > 2048 || /[\p{White_Space}\p{Cc}]/u.test(url)) throw new Answer(400, 'INVALID_PROFILE', 'bad avatarUrl');
    return { nickName: checkNick(doc.nickName), avatarUrl: url };
  }
  throw new Answer(415, 'UNSUPPORTED_MEDIA_TYPE');
}

function saveProfile(s, input) {
  const user = users.get(s.openid);
  const old = user.profile;
  const profile = { nickName: input.nickName, avatarUrl: input.avatarUrl || (old && old.avatarUrl), file: null };
  if (input.avatar) {
    profile.file = crypto.randomBytes(16).toString('hex') + '.' + input.avatar.kind.ext;
    avatars.set(profile.file, { bytes: Buffer.from(input.avatar.bytes), type: input.avatar.kind.type });
    profile.avatarUrl = publicBase + '/avatars/' + profile.file;
  } else if (old && old.avatarUrl === profile.avatarUrl) {
    profile.file = old.file;
  }
  if (old && old.file && old.file !== profile.file && !bug('replace-keeps-old')) avatars.delete(old.file);
  user.profile = profile;
  return { nickName: profile.nickName, avatarUrl: profile.avatarUrl };
}

const wire = (p) => ({ nickName: p.nickName, avatarUrl: p.avatarUrl });

async function handle(req, body) {
  const path = req.url.split('?')[0];
  const route = bug('prefix-routes') ? Object.keys(ROUTES).find((r) => path.startsWith(r)) : ROUTES[path] ? path : path.startsWith('/avatars/') && '/avatars/';
  if (!route) throw new Answer(404, 'NOT_FOUND');
  if (req.method !== ROUTES[route]) throw bug('wrong-method-404') ? new Answer(404, 'NOT_FOUND') : new Answer(405, 'METHOD_NOT_ALLOWED');
  if (body === null) throw route === '/auth/profile' ? new Answer(413, 'AVATAR_TOO_LARGE') : new Answer(413, 'PAYLOAD_TOO_LARGE');
  if (route === '/avatars/') {
    let name = path.slice('/avatars/'.length);
    if (bug('avatars-case-insensitive')) name = name.toLowerCase();
    const file = /^[0-9a-f]{32}\.(png|jpg|gif|webp)$/.test(name) && avatars.get(name);
    if (!file) throw new Answer(404, 'NOT_FOUND', 'no such avatar');
    return { file: file };
  }
  if (route === '/auth/profile') {
    if (bug('profile-missing-bearer-403') && !req.headers.authorization) throw new Answer(403, 'FORBIDDEN');
    const s = session(req);
    return saveProfile(s, readProfile(req, body));
  }
  if (route === '/auth/login') {
    if (bug('exchange-before-checks')) { try { await exchange(JSON.parse(body).code); } catch (e) { /* checked below */ } }
    const doc = await exchangeDoc(readCode(req, body, !bug('any-content-type')));
    const openid = doc.openid;
    const token = bug('token-per-user') ? sha('token:' + openid) : crypto.randomBytes(32).toString('hex');
    if (!users.has(openid)) users.set(openid, { since: now(), binding: crypto.randomBytes(8).toString('hex') });
    if (typeof doc.unionid === 'string' && !bug('me-no-unionid')) users.get(openid).unionid = doc.unionid;
    sessions.set(sha(token), { openid: openid, binding: users.get(openid).binding, expiresAt: now() + ttl });
    const reply = bug('login-leaks-openid') ? { token: token, expiresIn: ttl, openid: openid } : { token: token, expiresIn: ttl };
    const profile = users.get(openid).profile;
    if (profile && !bug('login-no-profile')) reply.profile = wire(profile);
    return reply;
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
    const profile = users.get(s.openid).profile;
    if (profile) me.profile = wire(profile);
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
    const profile = users.get(s.openid).profile;
    if (profile && profile.file && !bug('unbind-keeps-profile')) avatars.delete(profile.file);
    if (bug('unbind-keeps-profile')) {
      const kept = Object.assign({}, users.get(s.openid), { binding: crypto.randomBytes(8).toString('hex') });
      users.set(s.openid, kept);
    } else {
      users.delete(s.openid);
    }
  }
  return { ok: true };
}

function send(res, status, doc, type) {
  const text = JSON.stringify(doc);
  res.writeHead(status, { 'Content-Type': type || 'application/json', 'Content-Length': Buffer.byteLength(text), Connection: 'close' });
  res.end(text);
}

function sendFile(res, file) {
  const headers = { 'Content-Type': bug('avatar-served-octet') ? 'application/octet-stream' : file.type, 'Content-Length': file.bytes.length, Connection: 'close' };
  headers['X-Content-Type-Options'] = 'nosniff';
  headers['Cache-Control'] = 'public, max-age=31536000, immutable';
  res.writeHead(200, headers);
  res.end(file.bytes);
}

const server = http.createServer({ maxHeaderSize: bug('head-limit-16k') ? 16384 : 8192 }, (req, res) => {
  const fail = (e) => send(res, e.status || 500, { code: e.code || 'INTERNAL', message: e.message || 'error' });
  if (req.headers['transfer-encoding'] !== undefined && !bug('accepts-chunked')) return fail(new Answer(411, 'LENGTH_REQUIRED'));
  const limit = req.url.split('?')[0] === '/auth/profile' ? MAX_UPLOAD : MAX_BODY;
  const length = Number(req.headers['content-length'] || 0);
  const chunks = [];
  let size = 0;
  if (length > limit && !bug('waits-for-body')) return handle(req, null).catch(fail);
  req.on('data', (c) => { size += c.length; if (size <= limit) chunks.push(c); });
  req.on('aborted', () => { if (bug('dies-on-hangup')) process.exit(3); });
  req.on('end', () => {
    handle(req, size > limit ? null : Buffer.concat(chunks)).then((doc) => (doc.file ? sendFile(res, doc.file) : send(res, 200, doc)), fail);
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
  publicBase = publicBase || 'http://' + host + ':' + server.address().port;
  process.stdout.write('listening on http://' + host + ':' + server.address().port + '\n');
});
