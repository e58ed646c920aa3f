#!/usr/bin/env node
'use strict';
// The backend conformance kit: what the SDK (and the page around it) relies on from a
// wx-auth backend, checked over real HTTP. Node 20, standard library only.
//
//   node tests/conformance/run.js --backend URL --standin URL [options]
//
// --backend URL               the backend under test, its WX_API_BASE pointing at the stand-in
// --standin URL               the WeChat stand-in (wechat-standin): codes are registered and
//                             failures injected through its loopback control API
// --peer-backend URL          optional: a second instance sharing the first one's store
// --short-ttl-backend URL     optional: an instance on the same stand-in started with
//                             SESSION_TTL_SECONDS=2 (session expiry)
// --bad-secret-backend URL    optional: an instance started with a wrong WX_SECRET
// --no-wechat-backend URL     optional: an instance whose WX_API_BASE nothing listens on
// --only ID[,ID...]           run only the checks whose id starts with one of these
// --list                      print the check ids and exit
//
// One line per check (`ok - id: what`, `not ok - id: what` and why, or `skip - id: …` when
// its optional backend is not given), then `N passed, N failed`. Exit code 1 if any failed.
// Every check sets up what it needs (its own codes and users), so any subset can run alone.
// The stand-in's clock is moved forward by 301 s (the expired-code check): start a fresh
// stand-in for each run. Tokens and codes are never printed.
const crypto = require('crypto');
const http = require('http');
const net = require('net');

// ---- arguments ------------------------------------------------------------------------

function parseArgs(argv) {
  const opts = {};
  const known = ['backend', 'standin', 'peer-backend', 'short-ttl-backend', 'bad-secret-backend', 'no-wechat-backend', 'only'];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--list') { opts.list = true; continue; }
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a);
    if (!m || !known.includes(m[1])) throw new Error('unknown argument ' + a);
    const value = m[2] !== undefined ? m[2] : argv[++i];
    if (value === undefined) throw new Error(a + ' needs a value');
    opts[m[1]] = m[1] === 'only' ? value : value.replace(/\/+$/, '');
  }
  return opts;
}

// ---- HTTP -----------------------------------------------------------------------------

const TIMEOUT_MS = 5000;

/**
 * One request on a fresh connection, with exactly the headers given (plus Host and, for a
 * body, Content-Length). Resolves {status, headers, text, json} (json: the parsed body or
 * undefined).
 */
function request(base, method, path, options) {
  const o = options || {};
  const url = new URL(base + path);
  const body = o.body === undefined ? undefined : Buffer.from(o.body);
  const headers = Object.assign({}, o.headers || {});
  if (body !== undefined) headers['Content-Length'] = String(body.length);
  if (o.bearer !== undefined) headers.Authorization = 'Bearer ' + o.bearer;
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: url.hostname, port: url.port, method: method, path: url.pathname + url.search,
      headers: headers, agent: false, timeout: TIMEOUT_MS,
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const bytes = Buffer.concat(chunks);
        resolve(Object.assign(answer(res.statusCode, res.headers, bytes.toString('utf8')), { bytes: bytes }));
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(method + ' ' + path + ': no answer within ' + TIMEOUT_MS + ' ms')));
    req.on('error', reject);
    req.end(body);
  });
}

function answer(status, headers, text) {
  let json;
  try { json = JSON.parse(text); } catch (e) { json = undefined; }
  return { status: status, headers: headers, text: text, json: json };
}

/**
 * Raw bytes on a fresh connection; resolves the first response (parsed by Content-Length,
 * or up to the close) or rejects after `ms`. `hangUp`: close right after writing.
 */
function raw(base, bytes, ms) {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const sock = net.connect(Number(url.port), url.hostname);
    let buf = Buffer.alloc(0);
    let done = false;
    const finish = (err, value) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err); else resolve(value);
    };
    const timer = setTimeout(() => finish(new Error('no answer within ' + (ms || TIMEOUT_MS) + ' ms')), ms || TIMEOUT_MS);
    const tryParse = (closed) => {
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) { if (closed) finish(new Error('connection closed without an answer')); return; }
      const head = buf.subarray(0, end).toString('latin1').split('\r\n');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(head[0]);
      if (!m) return finish(new Error('not an HTTP answer: ' + JSON.stringify(head[0])));
      const headers = {};
      for (const line of head.slice(1)) {
        const i = line.indexOf(':');
        if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
      }
      const rest = buf.subarray(end + 4);
      const length = headers['content-length'] !== undefined ? Number(headers['content-length']) : undefined;
      if (length !== undefined && rest.length >= length) return finish(null, answer(Number(m[1]), headers, rest.subarray(0, length).toString('utf8')));
      if (closed) finish(null, answer(Number(m[1]), headers, rest.toString('utf8')));
    };
    sock.on('data', (d) => { buf = Buffer.concat([buf, d]); tryParse(false); });
    sock.on('end', () => tryParse(true));
    sock.on('close', () => tryParse(true));
    sock.on('error', (e) => { if (buf.length) tryParse(true); else finish(e); });
    sock.write(bytes);
  });
}

const json = (body) => ({ headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
const withBearer = (o, bearer) => Object.assign({}, o, { bearer: bearer });

// ---- expectations ---------------------------------------------------------------------

class Failure extends Error {}

function expect(cond, message) {
  if (!cond) throw new Failure(message);
}

function describe(res) {
  return 'HTTP ' + res.status + ' ' + JSON.stringify(res.text.length > 200 ? res.text.slice(0, 200) + '…' : res.text);
}

function isJsonType(res) {
  const type = String(res.headers['content-type'] || '');
  return type.split(';')[0].trim().toLowerCase() === 'application/json';
}

/** `res` is `status` with a JSON body `{code, message}` of this `code` and a non-empty message. */
function expectError(res, status, code, what) {
  const label = (what ? what + ': ' : '');
  expect(res.status === status && res.json && res.json.code === code,
    label + 'expected ' + status + ' ' + code + ', got ' + describe(res));
  expect(isJsonType(res), label + 'Content-Type is ' + JSON.stringify(res.headers['content-type']) + ', not application/json');
  expect(typeof res.json.message === 'string' && res.json.message.length > 0, label + 'the error has no message: ' + describe(res));
}

/**
 * A refusal at the HTTP layer, before the application sees the request (a head too large,
 * a request line that does not parse): the status is what a client relies on, and a
 * server's HTTP library may answer it with no body. A body, if there is one, must be the
 * JSON error of this `code`.
 */
function expectRefused(res, status, code, what) {
  const label = (what ? what + ': ' : '');
  expect(res.status === status, label + 'expected ' + status + ', got ' + describe(res));
  if (res.text && res.text.length) {
    expect(res.json && res.json.code === code, label + 'a body that is not the JSON error ' + code + ': ' + describe(res));
  }
}

/** `res` is 200 `{"ok": true}`. */
function expectOk(res, what) {
  expect(res.status === 200 && res.json && res.json.ok === true, (what ? what + ': ' : '') + 'expected 200 {"ok":true}, got ' + describe(res));
  expect(isJsonType(res), (what ? what + ': ' : '') + 'Content-Type is not application/json');
}

// ---- the stack ------------------------------------------------------------------------

function createStack(opts) {
  const tag = crypto.randomBytes(4).toString('hex');
  let n = 0;
  const fresh = (what) => what + '-' + tag + '-' + (++n);
  const s = {
    opts: opts,
    backend: opts.backend,
    code: () => fresh('code'),
    user: () => fresh('user'),
    /** Registers `code` for `user` with the stand-in; resolves the user's openid. */
    async register(code, user) {
      const r = await request(opts.standin, 'POST', '/_standin/codes', json({ code: code, user: user }));
      if (r.status !== 200) throw new Error('the stand-in refused the code: ' + describe(r));
      return r.json.openid;
    },
    async failNext(errcode) {
      const r = await request(opts.standin, 'POST', '/_standin/fail', json({ errcode: errcode }));
      if (r.status !== 200) throw new Error('the stand-in refused the failure: ' + describe(r));
    },
    /** Registers a login code for `user` and gives the user `unionid` (a bound Open Platform account). */
    async registerWithUnionid(code, user, unionid) {
      const r = await request(opts.standin, 'POST', '/_standin/codes', json({ code: code, user: user, unionid: unionid }));
      if (r.status !== 200) throw new Error('the stand-in refused the code: ' + describe(r));
      return r.json.openid;
    },
    /** Registers a phone button's code for `user`, with `number` (country code 86). */
    async registerPhone(code, user, number) {
      const r = await request(opts.standin, 'POST', '/_standin/phone-codes', json({ code: code, user: user, phoneNumber: number, countryCode: '86' }));
      if (r.status !== 200) throw new Error('the stand-in refused the phone code: ' + describe(r));
    },
    /** Queues `errcode` for the next getuserphonenumber call. */
    async failPhone(errcode) {
      const r = await request(opts.standin, 'POST', '/_standin/fail', json({ errcode: errcode, api: 'getuserphonenumber' }));
      if (r.status !== 200) throw new Error('the stand-in refused the failure: ' + describe(r));
    },
    /** The current access token becomes invalid at WeChat (as a force refresh by someone else does). */
    async revokeToken() {
      const r = await request(opts.standin, 'POST', '/_standin/revoke-token', json({}));
      if (r.status !== 200) throw new Error('the stand-in refused to revoke the token: ' + describe(r));
    },
    /** The stand-in's counters: {phoneVerifications, stableTokenCalls, forceRefreshes}. */
    async billing() {
      const r = await request(opts.standin, 'GET', '/_standin/billing');
      if (r.status !== 200 || !r.json) throw new Error('the stand-in has no billing counters: ' + describe(r));
      return r.json;
    },
    phone: (bearer, code, base) => request(base || opts.backend, 'POST', '/auth/phone', withBearer(json({ code: code }), bearer)),
    /** A fresh phone code of `user` with a random number: resolves {code, number}. */
    async phoneCode(user) {
      const code = s.code();
      const number = '139' + String(crypto.randomInt(0, 1e8)).padStart(8, '0');
      await s.registerPhone(code, user, number);
      return { code: code, number: number };
    },
    async advanceClock(seconds) {
      const r = await request(opts.standin, 'POST', '/_standin/clock', json({ advanceSeconds: seconds }));
      if (r.status !== 200) throw new Error('the stand-in refused the clock: ' + describe(r));
    },
    login: (code, base) => request(base || opts.backend, 'POST', '/auth/login', json({ code: code })),
    me: (bearer, base) => request(base || opts.backend, 'GET', '/api/me', bearer === undefined ? {} : { bearer: bearer }),
    logout: (bearer, base) => request(base || opts.backend, 'POST', '/auth/logout', bearer === undefined ? {} : { bearer: bearer }),
    unbind: (bearer, code) => request(opts.backend, 'POST', '/auth/unbind', withBearer(json({ code: code }), bearer)),
    /** A new code for `user` (a new user when not given), exchanged: resolves {token, openid, user, reply}. */
    async session(user, base) {
      const u = user || s.user();
      const code = s.code();
      const openid = await s.register(code, u);
      const r = await s.login(code, base);
      if (r.status !== 200 || !r.json || typeof r.json.token !== 'string') throw new Failure('a login with a fresh code failed: ' + describe(r));
      return { token: r.json.token, openid: openid, user: u, reply: r };
    },
  };
  return s;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const MAX_EXPIRES_IN = 366 * 24 * 3600; // the SDK's bound (src/session.rs)

// ---- the checks -----------------------------------------------------------------------
// [id, what it checks, fn(stack), option it needs (or none)]

const checks = [];
const check = (id, what, fn, needs) => checks.push({ id: id, what: what, fn: fn, needs: needs });

// Login.

check('login.ok', 'a registered code logs in: 200 {token, expiresIn} and nothing else (a profile only once one is saved)', async (s) => {
  const code = s.code();
  await s.register(code, s.user());
  const r = await s.login(code);
  expect(r.status === 200, 'expected 200, got ' + describe(r));
  expect(isJsonType(r), 'Content-Type is not application/json');
  const body = r.json;
  expect(body && typeof body === 'object' && !Array.isArray(body), 'the body is not a JSON object');
  expect(JSON.stringify(Object.keys(body).sort()) === '["expiresIn","token"]', 'the body has members other than token and expiresIn: ' + Object.keys(body).join(', '));
  expect(typeof body.token === 'string' && /^[\x21-\x7e]{1,4096}$/.test(body.token), 'token is not 1 to 4096 visible ASCII characters');
  expect(Number.isInteger(body.expiresIn) && body.expiresIn >= 1 && body.expiresIn <= MAX_EXPIRES_IN, 'expiresIn is not a whole number of seconds from 1 to 366 days: ' + body.expiresIn);
  expect(!/session_key|openid/i.test(r.text), 'the login answer mentions session_key or openid');
});

check('login.tokens-distinct', 'two logins of one user: two tokens, both live, one openid and since', async (s) => {
  const a = await s.session();
  const b = await s.session(a.user);
  expect(a.token !== b.token, 'both logins got the same token');
  const ma = await s.me(a.token);
  const mb = await s.me(b.token);
  expect(ma.status === 200 && mb.status === 200, 'a session is not live: ' + describe(ma) + ' / ' + describe(mb));
  expect(ma.json.openid === mb.json.openid && ma.json.since === mb.json.since, 'the two sessions disagree on openid or since');
});

check('me.ok', '/api/me with the token: 200 {openid, since}, the openid WeChat gave, since is now', async (s) => {
  const a = await s.session();
  const other = await s.session();
  const r = await s.me(a.token);
  expect(r.status === 200 && isJsonType(r) && r.json, 'expected 200 JSON, got ' + describe(r));
  expect(r.json.openid === a.openid, 'openid is not the one the stand-in gave for this user');
  expect(Number.isInteger(r.json.since) && Math.abs(r.json.since - Date.now() / 1000) < 600, 'since is not Unix seconds of about now: ' + r.json.since);
  const o = await s.me(other.token);
  expect(o.status === 200 && o.json.openid === other.openid && o.json.openid !== a.openid, 'another user\'s session does not show that user: ' + describe(o));
});

check('login.code-missing', 'a body without "code": 400 BAD_REQUEST', async (s) => {
  expectError(await request(s.backend, 'POST', '/auth/login', json({})), 400, 'BAD_REQUEST', '{}');
  expectError(await request(s.backend, 'POST', '/auth/login', json({ js_code: s.code() })), 400, 'BAD_REQUEST', '{js_code}');
});

check('login.code-not-string', 'a "code" that is not a string: 400 BAD_REQUEST', async (s) => {
  for (const code of [7, null, true, ['abc'], { a: 1 }]) {
    expectError(await request(s.backend, 'POST', '/auth/login', json({ code: code })), 400, 'BAD_REQUEST', JSON.stringify({ code: code }));
  }
});

check('login.code-shape', 'a code that is empty, over 128 characters or outside [A-Za-z0-9_-]: 400 BAD_REQUEST', async (s) => {
  for (const code of ['', 'a'.repeat(129), 'code door', 'code-dööor', 'code&secret=x', 'code%41', 'a/b', 'x\u0000y']) {
    expectError(await s.login(code), 400, 'BAD_REQUEST', 'code ' + JSON.stringify(code.length > 20 ? code.slice(0, 10) + '…(' + code.length + ')' : code));
  }
});

check('login.code-128', 'a 128-character code passes the door (and WeChat calls it invalid)', async (s) => {
  expectError(await s.login('a'.repeat(128)), 400, 'INVALID_CODE', '128 characters');
  const code = s.code() + '_-' + 'Z'.repeat(40);
  await s.register(code, s.user());
  expect((await s.login(code)).status === 200, 'a registered code with _ - and capitals is refused');
});

check('login.not-json', 'a body that is not a JSON object: 400 BAD_REQUEST', async (s) => {
  for (const body of ['{not json', '[]', '["abc"]', '"abc"', '', 'null', '{"code":"a"} trailing']) {
    expectError(await request(s.backend, 'POST', '/auth/login', { headers: { 'Content-Type': 'application/json' }, body: body }), 400, 'BAD_REQUEST', 'body ' + JSON.stringify(body));
  }
});

check('login.unknown-code', 'a code WeChat does not know: 400 INVALID_CODE', async (s) => {
  expectError(await s.login(s.code()), 400, 'INVALID_CODE');
});

check('login.used-code', 'a code used once already: 400 CODE_USED', async (s) => {
  const code = s.code();
  await s.register(code, s.user());
  expect((await s.login(code)).status === 200, 'the first login failed');
  expectError(await s.login(code), 400, 'CODE_USED', 'the second use');
});

check('login.expired-code', 'a code older than 5 minutes: 400 INVALID_CODE', async (s) => {
  const code = s.code();
  await s.register(code, s.user());
  await s.advanceClock(301);
  expectError(await s.login(code), 400, 'INVALID_CODE');
});

// WeChat's errors, injected through the stand-in (POST /_standin/fail {errcode}).

for (const [errcode, status, name, why] of [
  [-1, 503, 'WECHAT_BUSY', 'busy'],
  [40029, 400, 'INVALID_CODE', 'invalid code'],
  [40163, 400, 'CODE_USED', 'code used'],
  [45011, 429, 'RATE_LIMITED', 'minute quota'],
  [40226, 403, 'USER_BLOCKED', 'blocked user'],
]) {
  check('wechat.' + name.replace(/^WECHAT_/, '').toLowerCase().replace(/_/g, '-'), 'jscode2session errcode ' + errcode + ' (' + why + '): ' + status + ' ' + name, async (s) => {
    const code = s.code();
    await s.register(code, s.user());
    await s.failNext(errcode);
    const r = await s.login(code);
    expectError(r, status, name);
    expect(!r.text.includes(code), 'the answer echoes the code');
    // The injected failure did not use the code up: the next exchange succeeds.
    expect((await s.login(code)).status === 200, 'the backend did not ask WeChat (the injected failure is still queued) or the code was used up');
  });
}

check('wechat.bad-secret', 'WeChat refuses the app\'s credentials (errcode 40125): 502 WECHAT_ERROR', async (s) => {
  const code = s.code();
  await s.register(code, s.user());
  const r = await s.login(code, s.opts['bad-secret-backend']);
  expectError(r, 502, 'WECHAT_ERROR');
  expect(!/secret=|appid=/.test(r.text), 'the answer shows the request to WeChat');
}, 'bad-secret-backend');

check('wechat.unreachable', 'WeChat cannot be reached: 502 WECHAT_ERROR', async (s) => {
  const r = await s.login(s.code(), s.opts['no-wechat-backend']);
  expectError(r, 502, 'WECHAT_ERROR');
  expect(!/secret=|appid=/.test(r.text), 'the answer shows the request to WeChat');
}, 'no-wechat-backend');

// Bearer tokens.

check('bearer.missing', '/api/me without Authorization: 401 UNAUTHORIZED', async (s) => {
  expectError(await s.me(), 401, 'UNAUTHORIZED');
  expectError(await request(s.backend, 'GET', '/api/me', { headers: { Authorization: '' } }), 401, 'UNAUTHORIZED', 'empty header');
});

check('bearer.malformed', 'a malformed Authorization header, even around a live token: 401 UNAUTHORIZED', async (s) => {
  const a = await s.session();
  const t = a.token;
  const variants = [
    ['no scheme', t],
    ['Basic', 'Basic ' + t],
    ['Bearer alone', 'Bearer'],
    ['Bearer and a space', 'Bearer '],
    ['a short token', 'Bearer abc'],
    ['the token and more', 'Bearer ' + t + 'x'],
    ['the token cut short', 'Bearer ' + t.slice(0, -1)],
    ['the token and a second word', 'Bearer ' + t + ' ' + t],
  ];
  if (t.toUpperCase() !== t) variants.push(['the token in capitals', 'Bearer ' + t.toUpperCase()]);
  for (const [what, value] of variants) {
    expectError(await request(s.backend, 'GET', '/api/me', { headers: { Authorization: value } }), 401, 'UNAUTHORIZED', what);
  }
  expect((await s.me(t)).status === 200, 'the token itself no longer works');
});

check('bearer.unknown', 'a well-formed token the backend never issued: 401 UNAUTHORIZED', async (s) => {
  const a = await s.session();
  const forged = crypto.randomBytes(a.token.length).toString('hex').slice(0, a.token.length);
  expectError(await s.me(forged), 401, 'UNAUTHORIZED', 'random hex of the token\'s length');
  expectError(await s.me('0'.repeat(64)), 401, 'UNAUTHORIZED', '64 zeros');
});

check('bearer.expired', 'a session past its expiresIn: 401 UNAUTHORIZED', async (s) => {
  const base = s.opts['short-ttl-backend'];
  const a = await s.session(undefined, base);
  const ttl = a.reply.json.expiresIn;
  expect(Number.isInteger(ttl) && ttl <= 5, 'the short-TTL backend answered expiresIn ' + ttl + ' (start it with SESSION_TTL_SECONDS=2)');
  expect((await s.me(a.token, base)).status === 200, 'the fresh session is refused');
  await sleep(ttl * 1000 + 1200);
  expectError(await s.me(a.token, base), 401, 'UNAUTHORIZED', 'after expiresIn');
}, 'short-ttl-backend');

// Logout.

check('logout.ends-session', 'logout: 200 {"ok":true}, then the token is refused with 401', async (s) => {
  const a = await s.session();
  expectOk(await s.logout(a.token), 'logout');
  expectError(await s.me(a.token), 401, 'UNAUTHORIZED', '/api/me after logout');
});

check('logout.idempotent', 'logout again, with an unknown, a malformed or no token: 200 {"ok":true}', async (s) => {
  const a = await s.session();
  expectOk(await s.logout(a.token), 'first logout');
  expectOk(await s.logout(a.token), 'second logout');
  expectOk(await s.logout('f'.repeat(64)), 'unknown token');
  expectOk(await s.logout('nonsense'), 'malformed token');
  expectOk(await s.logout(), 'no Authorization');
  expectOk(await request(s.backend, 'POST', '/auth/logout', withBearer(json({}), 'e'.repeat(64))), 'with a JSON body');
});

check('logout.one-session', 'logout ends that session only: the user\'s other session stays live', async (s) => {
  const a = await s.session();
  const b = await s.session(a.user);
  expectOk(await s.logout(a.token), 'logout');
  expect((await s.me(b.token)).status === 200, 'the other session of the same user ended too');
});

// Unbind.

check('unbind.no-session', 'unbind without a live session: 401, and the code is not spent', async (s) => {
  const code = s.code();
  await s.register(code, s.user());
  expectError(await request(s.backend, 'POST', '/auth/unbind', json({ code: code })), 401, 'UNAUTHORIZED', 'no bearer');
  expectError(await s.unbind('f'.repeat(64), code), 401, 'UNAUTHORIZED', 'unknown bearer');
  expectError(await s.unbind('nonsense', code), 401, 'UNAUTHORIZED', 'malformed bearer');
  expect((await s.login(code)).status === 200, 'the code was exchanged with WeChat before the session was checked');
});

check('unbind.bad-body', 'unbind with a bad body: 415 or 400, nothing deleted', async (s) => {
  const a = await s.session();
  const code = s.code();
  await s.register(code, a.user);
  expectError(await request(s.backend, 'POST', '/auth/unbind', { bearer: a.token, headers: { 'Content-Type': 'text/plain' }, body: JSON.stringify({ code: code }) }), 415, 'UNSUPPORTED_MEDIA_TYPE', 'text/plain');
  expectError(await s.unbind(a.token, ''), 400, 'BAD_REQUEST', 'empty code');
  expectError(await request(s.backend, 'POST', '/auth/unbind', withBearer({ headers: { 'Content-Type': 'application/json' }, body: '{' }, a.token)), 400, 'BAD_REQUEST', 'not JSON');
  expectError(await request(s.backend, 'POST', '/auth/unbind', withBearer(json({}), a.token)), 400, 'BAD_REQUEST', 'no code');
  expect((await s.me(a.token)).status === 200, 'the session ended');
  expect((await s.login(code)).status === 200, 'the code was spent');
});

check('unbind.other-user', 'unbind with another user\'s fresh code: 403 IDENTITY_MISMATCH, nothing deleted', async (s) => {
  const a = await s.session();
  const code = s.code();
  await s.register(code, s.user());
  expectError(await s.unbind(a.token, code), 403, 'IDENTITY_MISMATCH');
  expect((await s.me(a.token)).status === 200, 'the session ended');
});

check('unbind.wechat-errors', 'unbind: WeChat\'s refusals map as for login, nothing deleted', async (s) => {
  const a = await s.session();
  for (const [errcode, status, name] of [[-1, 503, 'WECHAT_BUSY'], [45011, 429, 'RATE_LIMITED'], [40226, 403, 'USER_BLOCKED']]) {
    const code = s.code();
    await s.register(code, a.user);
    await s.failNext(errcode);
    expectError(await s.unbind(a.token, code), status, name, 'errcode ' + errcode);
  }
  expectError(await s.unbind(a.token, s.code()), 400, 'INVALID_CODE', 'unknown code');
  expect((await s.me(a.token)).status === 200, 'the session ended');
});

check('unbind.used-code', 'unbind with a code already used: 400 CODE_USED, nothing deleted', async (s) => {
  const a = await s.session();
  const code = s.code();
  await s.register(code, a.user);
  expect((await s.login(code)).status === 200, 'the login with the code failed');
  expectError(await s.unbind(a.token, code), 400, 'CODE_USED');
  expect((await s.me(a.token)).status === 200, 'the session ended');
});

check('unbind.ok', 'unbind with the user\'s fresh code: 200 {"ok":true}, every session of the user ends, a new login is a new binding', async (s) => {
  const a = await s.session();
  const b = await s.session(a.user);
  const other = await s.session();
  const before = (await s.me(a.token)).json;
  await sleep(1100); // so a new binding starts in a later second
  const code = s.code();
  await s.register(code, a.user);
  expectOk(await s.unbind(a.token, code), 'unbind');
  expectError(await s.me(a.token), 401, 'UNAUTHORIZED', 'the unbinding session');
  expectError(await s.me(b.token), 401, 'UNAUTHORIZED', 'the user\'s other session');
  expect((await s.me(other.token)).status === 200, 'another user\'s session ended');
  const c = await s.session(a.user);
  const after = (await s.me(c.token)).json;
  expect(after.openid === before.openid, 'the new login has another openid');
  expect(after.since > before.since, 'the new login kept the old binding\'s since (' + before.since + ' → ' + after.since + ')');
});


// Phone-number verification (POST /auth/phone {code} + bearer; the code of a getPhoneNumber
// button, exchanged with getuserphonenumber; WeChat bills each successful one).

const masked = (n) => n.slice(0, 3) + '****' + n.slice(-4);
const delta = (before, after) => ({
  phoneVerifications: after.phoneVerifications - before.phoneVerifications,
  stableTokenCalls: after.stableTokenCalls - before.stableTokenCalls,
  forceRefreshes: after.forceRefreshes - before.forceRefreshes,
});

check('phone.ok', 'a phone code with the session: 200 {phoneNumber, countryCode}, the number masked as 139****5678', async (s) => {
  const a = await s.session();
  const p = await s.phoneCode(a.user);
  const r = await s.phone(a.token, p.code);
  expect(r.status === 200 && isJsonType(r) && r.json && typeof r.json === 'object', 'expected 200 JSON, got ' + describe(r));
  expect(JSON.stringify(Object.keys(r.json).sort()) === '["countryCode","phoneNumber"]', 'the body has members other than phoneNumber and countryCode: ' + Object.keys(r.json).join(', '));
  expect(r.json.phoneNumber === masked(p.number), 'phoneNumber is not the number masked as 3 digits, ****, 4 digits: ' + JSON.stringify(r.json.phoneNumber));
  expect(r.json.countryCode === '86', 'countryCode is not "86": ' + JSON.stringify(r.json.countryCode));
  expect(!r.text.includes(p.number) && !r.text.includes(p.number.slice(3, 7)), 'the answer holds the full number');
});

check('phone.no-session', 'without a live session: 401, before WeChat is asked (the code stays unspent)', async (s) => {
  const a = await s.session();
  const p = await s.phoneCode(a.user);
  const before = await s.billing();
  expectError(await request(s.backend, 'POST', '/auth/phone', json({ code: p.code })), 401, 'UNAUTHORIZED', 'no bearer');
  expectError(await s.phone('f'.repeat(64), p.code), 401, 'UNAUTHORIZED', 'unknown bearer');
  expectError(await s.phone('nonsense', p.code), 401, 'UNAUTHORIZED', 'malformed bearer');
  const d = delta(before, await s.billing());
  expect(d.phoneVerifications === 0 && d.stableTokenCalls === 0, 'WeChat was asked for a request without a session: ' + JSON.stringify(d));
  const r = await s.phone(a.token, p.code);
  expect(r.status === 200, 'the code was spent by the refused requests: ' + describe(r));
});

check('phone.bad-body', 'a bad body: 415 or 400, nothing reaches WeChat', async (s) => {
  const a = await s.session();
  const p = await s.phoneCode(a.user);
  expectError(await request(s.backend, 'POST', '/auth/phone', { bearer: a.token, headers: { 'Content-Type': 'text/plain' }, body: JSON.stringify({ code: p.code }) }), 415, 'UNSUPPORTED_MEDIA_TYPE', 'text/plain');
  expectError(await request(s.backend, 'POST', '/auth/phone', withBearer(json({}), a.token)), 400, 'BAD_REQUEST', 'no code');
  expectError(await request(s.backend, 'POST', '/auth/phone', withBearer({ headers: { 'Content-Type': 'application/json' }, body: '{' }, a.token)), 400, 'BAD_REQUEST', 'not JSON');
  expectError(await s.phone(a.token, 'code&x=1'), 400, 'BAD_REQUEST', 'a code outside [A-Za-z0-9_-]');
  expectError(await request(s.backend, 'GET', '/auth/phone', { bearer: a.token }), 405, 'METHOD_NOT_ALLOWED', 'GET');
  expect((await s.phone(a.token, p.code)).status === 200, 'the code was spent');
});

check('phone.used-code', 'a phone code used once already, unknown or expired: 400 INVALID_CODE', async (s) => {
  const a = await s.session();
  const p = await s.phoneCode(a.user);
  expect((await s.phone(a.token, p.code)).status === 200, 'the first use failed');
  expectError(await s.phone(a.token, p.code), 400, 'INVALID_CODE', 'the second use');
  expectError(await s.phone(a.token, s.code()), 400, 'INVALID_CODE', 'a code WeChat never minted');
});

check('phone.other-user', 'another user\'s phone code: 400 INVALID_CODE (the openid goes to WeChat), and its owner can still use it', async (s) => {
  const a = await s.session();
  const b = await s.session();
  const p = await s.phoneCode(b.user);
  expectError(await s.phone(a.token, p.code), 400, 'INVALID_CODE', 'A with B\'s code');
  const r = await s.phone(b.token, p.code);
  expect(r.status === 200 && r.json.phoneNumber === masked(p.number), 'B cannot use its own code after A tried it: ' + describe(r));
});

check('phone.wechat-errors', 'getuserphonenumber errcode -1 → 503 WECHAT_BUSY, 45011 → 429 RATE_LIMITED, 40029 → 400 INVALID_CODE, another → 502 WECHAT_ERROR; the code stays usable', async (s) => {
  const a = await s.session();
  const p = await s.phoneCode(a.user);
  for (const [errcode, status, name] of [[-1, 503, 'WECHAT_BUSY'], [45011, 429, 'RATE_LIMITED'], [40029, 400, 'INVALID_CODE'], [48001, 502, 'WECHAT_ERROR']]) {
    await s.failPhone(errcode);
    const r = await s.phone(a.token, p.code);
    expectError(r, status, name, 'errcode ' + errcode);
    expect(!r.text.includes(p.code), 'the answer echoes the code');
  }
  expect((await s.phone(a.token, p.code)).status === 200, 'the backend did not ask WeChat (a failure is still queued) or the code was used up');
});

check('phone.token-cached', 'the access token is cached: verifications after the first call stable_token no more, never with force_refresh', async (s) => {
  const a = await s.session();
  const first = await s.billing();
  expect((await s.phone(a.token, (await s.phoneCode(a.user)).code)).status === 200, 'the first verification failed');
  const before = await s.billing();
  expect(before.stableTokenCalls - first.stableTokenCalls <= 1, 'one verification called stable_token ' + (before.stableTokenCalls - first.stableTokenCalls) + ' times');
  for (let i = 0; i < 3; i++) {
    const r = await s.phone(a.token, (await s.phoneCode(a.user)).code);
    expect(r.status === 200, 'a verification failed: ' + describe(r));
  }
  const d = delta(before, await s.billing());
  expect(d.phoneVerifications === 3, 'WeChat verified ' + d.phoneVerifications + ' numbers for 3 requests');
  expect(d.stableTokenCalls === 0, 'stable_token was called ' + d.stableTokenCalls + ' times with a token cached');
  expect((await s.billing()).forceRefreshes === first.forceRefreshes, 'the backend force-refreshed the token');
});

check('phone.token-retry', 'a token WeChat refuses (40001, 42001): one normal-mode refetch and one retry; refused twice → 502 WECHAT_ERROR, the code unspent; never force_refresh', async (s) => {
  const a = await s.session();
  expect((await s.phone(a.token, (await s.phoneCode(a.user)).code)).status === 200, 'the first verification failed');
  const start = await s.billing();
  await s.revokeToken();
  let before = await s.billing();
  let r = await s.phone(a.token, (await s.phoneCode(a.user)).code);
  expect(r.status === 200, 'after WeChat revoked the token: ' + describe(r));
  let d = delta(before, await s.billing());
  expect(d.stableTokenCalls === 1, 'a revoked token took ' + d.stableTokenCalls + ' stable_token calls, not 1');
  await s.failPhone(42001);
  expect((await s.phone(a.token, (await s.phoneCode(a.user)).code)).status === 200, 'an expired token (42001) was not fetched again and retried');
  await s.failPhone(40001);
  await s.failPhone(40001);
  const p = await s.phoneCode(a.user);
  before = await s.billing();
  expectError(await s.phone(a.token, p.code), 502, 'WECHAT_ERROR', 'refused twice');
  d = delta(before, await s.billing());
  expect(d.stableTokenCalls === 1, 'refused twice took ' + d.stableTokenCalls + ' stable_token calls, not 1 (one retry only)');
  r = await s.phone(a.token, p.code);
  expect(r.status === 200, 'the code was spent by the token failures: ' + describe(r));
  expect((await s.billing()).forceRefreshes === start.forceRefreshes, 'the backend force-refreshed the token');
});

check('me.unionid', '/api/me shows the unionid WeChat gave at login, and has no unionid member for a user without one', async (s) => {
  const user = s.user();
  const unionid = 'oU-' + crypto.randomBytes(8).toString('hex');
  const code = s.code();
  await s.registerWithUnionid(code, user, unionid);
  const login = await s.login(code);
  expect(login.status === 200, 'the login failed: ' + describe(login));
  expect(!login.text.includes(unionid), 'the login answer holds the unionid');
  const r = await s.me(login.json.token);
  expect(r.status === 200 && r.json.unionid === unionid, 'unionid is not the one WeChat gave: ' + describe(r));
  const other = await s.session();
  const o = await s.me(other.token);
  expect(o.status === 200 && !('unionid' in o.json), 'a user without a unionid has a unionid member: ' + describe(o));
});

// The profile on the backend (POST /auth/profile + bearer: multipart as wx.uploadFile sends
// it, a file part `avatar` and a text part `nickName`, or JSON {nickName, avatarUrl} with an
// https avatar; GET /avatars/<32 hex>.<ext>; the profile in the login reply and on /api/me).

/** A real PNG: 1×1, one red pixel. */
const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c49444154789c63f8cfc0000003010100c9fe92ef0000000049454e44ae426082', 'hex');
const BOUNDARY = '----wxauthconformance' + crypto.randomBytes(6).toString('hex');
const MIB = 1024 * 1024;

/** A multipart/form-data body: parts {name, filename?, type?, bytes}, a file part when it has a filename. */
function multipart(parts) {
  const chunks = [];
  for (const p of parts) {
    let head = '--' + BOUNDARY + '\r\nContent-Disposition: form-data; name="' + p.name + '"' + (p.filename ? '; filename="' + p.filename + '"' : '') + '\r\n';
    if (p.type) head += 'Content-Type: ' + p.type + '\r\n';
    chunks.push(Buffer.from(head + '\r\n'), Buffer.from(p.bytes), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from('--' + BOUNDARY + '--\r\n'));
  return Buffer.concat(chunks);
}

/** The parts wx.uploadFile sends: formData {nickName} and the chooseAvatar temp file as `avatar`. */
const uploadParts = (nick, bytes) => [{ name: 'nickName', bytes: nick }, { name: 'avatar', filename: 'tmp_8a1f.png', type: 'image/png', bytes: bytes }];

function postParts(s, bearer, parts) {
  const o = { headers: { 'Content-Type': 'multipart/form-data; boundary=' + BOUNDARY }, body: multipart(parts) };
  return request(s.backend, 'POST', '/auth/profile', bearer === undefined ? o : withBearer(o, bearer));
}

const upload = (s, bearer, nick, bytes) => postParts(s, bearer, uploadParts(nick, bytes));
const profileJson = (s, bearer, body) => request(s.backend, 'POST', '/auth/profile', bearer === undefined ? json(body) : withBearer(json(body), bearer));

/** The path of an avatar URL the backend gave (its base is the backend's PUBLIC_BASE_URL, maybe not where the kit reaches it). */
function avatarPath(url, ext) {
  const m = /\/avatars\/([0-9a-f]{32})\.([a-z]+)$/.exec(String(url));
  expect(m && /^https?:\/\//.test(url), 'avatarUrl is not <base>/avatars/<32 lowercase hex>.<ext>: ' + JSON.stringify(url));
  expect(!ext || m[2] === ext, 'avatarUrl does not end in .' + ext + ': ' + url);
  return '/avatars/' + m[1] + '.' + m[2];
}

/** `res` is 200 with exactly {nickName, avatarUrl}; returns the body. */
function expectProfile(res, what) {
  const label = what ? what + ': ' : '';
  expect(res.status === 200 && isJsonType(res) && res.json && typeof res.json === 'object', label + 'expected 200 JSON, got ' + describe(res));
  expect(JSON.stringify(Object.keys(res.json).sort()) === '["avatarUrl","nickName"]', label + 'the body is not exactly {nickName, avatarUrl}: ' + describe(res));
  return res.json;
}

/** Whether `a` and `b` are the same profile (members in any order). */
const sameProfile = (a, b) => !!a && !!b && a.nickName === b.nickName && a.avatarUrl === b.avatarUrl && Object.keys(a).length === 2;

/** The profile /api/me shows for `token` (undefined when it has none). */
async function profileOnMe(s, token) {
  const r = await s.me(token);
  expect(r.status === 200 && r.json, '/api/me failed: ' + describe(r));
  return r.json.profile;
}

check('profile.upload', 'an upload of a real PNG (as wx.uploadFile sends it): 200 {nickName trimmed, avatarUrl}; the URL serves the same bytes as image/png, nosniff, cached immutable', async (s) => {
  const a = await s.session();
  const body = expectProfile(await upload(s, a.token, '  小明 ', PNG), 'upload');
  expect(body.nickName === '小明', 'nickName is not trimmed: ' + JSON.stringify(body.nickName));
  const r = await request(s.backend, 'GET', avatarPath(body.avatarUrl, 'png'));
  expect(r.status === 200, 'GET the avatar: ' + describe(r));
  expect(r.bytes.equals(PNG), 'the avatar served is not the bytes uploaded (' + r.bytes.length + ' bytes, not ' + PNG.length + ')');
  expect(String(r.headers['content-type']).split(';')[0] === 'image/png', 'Content-Type is ' + JSON.stringify(r.headers['content-type']) + ', not image/png');
  expect(r.headers['x-content-type-options'] === 'nosniff', 'no X-Content-Type-Options: nosniff');
  expect(r.headers['cache-control'] === 'public, max-age=31536000, immutable', 'Cache-Control is ' + JSON.stringify(r.headers['cache-control']));
  expect(sameProfile(await profileOnMe(s, a.token), body), '/api/me does not show the saved profile');
  const extra = await postParts(s, a.token, [{ name: 'extra', bytes: 'ignored' }, { name: 'other', filename: 'x.bin', bytes: Buffer.alloc(3000) }].concat(uploadParts('小明', PNG)));
  expectProfile(extra, 'with unknown parts');
});

check('profile.json', 'the JSON form with an https avatar: 200, the profile saved as given (nickName trimmed)', async (s) => {
  const a = await s.session();
  const url = 'https://thirdwx.qlogo.cn/mmopen/vi_32/' + crypto.randomBytes(8).toString('hex') + '/132';
  const body = expectProfile(await profileJson(s, a.token, { nickName: ' 小红\u3000', avatarUrl: url }));
  expect(body.nickName === '小红' && body.avatarUrl === url, 'the answer is not the profile given: ' + JSON.stringify(body));
  expect(sameProfile(await profileOnMe(s, a.token), body), '/api/me does not show the saved profile');
});

check('profile.not-image', 'an avatar that is not a PNG, JPEG, GIF or WebP by its bytes (whatever its name and type say): 415 UNSUPPORTED_IMAGE, nothing changed', async (s) => {
  const a = await s.session();
  expectProfile(await upload(s, a.token, '小明', PNG), 'the first upload');
  for (const [what, bytes] of [['text', 'not an image, whatever its name says'], ['SVG', '<svg xmlns="http://www.w3.org/2000/svg"/>'], ['empty', ''], ['a PNG cut short', PNG.subarray(0, 7)]]) {
    expectError(await upload(s, a.token, '小明', bytes), 415, 'UNSUPPORTED_IMAGE', what);
  }
  const gif = Buffer.concat([Buffer.from('GIF89a'), crypto.randomBytes(40)]);
  const g = expectProfile(await upload(s, a.token, '小明', gif), 'a GIF');
  avatarPath(g.avatarUrl, 'gif');
  const webp = Buffer.concat([Buffer.from('RIFF'), Buffer.from([36, 0, 0, 0]), Buffer.from('WEBPVP8 '), crypto.randomBytes(28)]);
  avatarPath(expectProfile(await upload(s, a.token, '小明', webp), 'a WebP').avatarUrl, 'webp');
  const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), crypto.randomBytes(40)]);
  const j = expectProfile(await upload(s, a.token, '小明', jpeg), 'a JPEG');
  const r = await request(s.backend, 'GET', avatarPath(j.avatarUrl, 'jpg'));
  expect(r.status === 200 && String(r.headers['content-type']).split(';')[0] === 'image/jpeg', 'the JPEG is not served as image/jpeg: ' + r.status + ' ' + r.headers['content-type']);
  expectError(await upload(s, a.token, '小明', 'still not an image'), 415, 'UNSUPPORTED_IMAGE', 'after the JPEG');
  expect(sameProfile(await profileOnMe(s, a.token), j), 'a refused upload changed the saved profile');
});

check('profile.too-large', 'an avatar over 1 MiB: 413 AVATAR_TOO_LARGE (read no further; an announced 2 MiB body unread), nothing changed; exactly 1 MiB is fine', async (s) => {
  const a = await s.session();
  const saved = expectProfile(await upload(s, a.token, '小明', PNG), 'the first upload');
  const sized = (n) => { const b = Buffer.alloc(n, 7); PNG.copy(b); return b; };
  expectError(await upload(s, a.token, '小明', sized(MIB + 1)), 413, 'AVATAR_TOO_LARGE', '1 MiB + 1 byte');
  const head = 'POST /auth/profile HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ' + a.token + '\r\nContent-Type: multipart/form-data; boundary=' + BOUNDARY + '\r\nContent-Length: ' + (2 * MIB) + '\r\n\r\n--' + BOUNDARY;
  expectError(await raw(s.backend, head, 3000), 413, 'AVATAR_TOO_LARGE', 'an announced 2 MiB body');
  expect(sameProfile(await profileOnMe(s, a.token), saved), 'a refused upload changed the saved profile');
  const max = expectProfile(await upload(s, a.token, '小明', sized(MIB)), 'exactly 1 MiB');
  const r = await request(s.backend, 'GET', avatarPath(max.avatarUrl, 'png'));
  expect(r.status === 200 && r.bytes.length === MIB, 'the 1 MiB avatar is not served whole: ' + r.status + ', ' + r.bytes.length + ' bytes');
});

check('profile.nickname', 'a nickname empty after trimming, over 64 characters or holding a control character: 400 INVALID_PROFILE (both forms), nothing changed; 64 characters are fine', async (s) => {
  const a = await s.session();
  const saved = expectProfile(await upload(s, a.token, '小明', PNG), 'the first upload');
  for (const [what, nick] of [['empty', ''], ['blank', ' \t\u3000 '], ['65 characters', '😀'.repeat(65)], ['a control character', '小\u001b[31m明'], ['a newline inside', '小\n明']]) {
    expectError(await upload(s, a.token, nick, PNG), 400, 'INVALID_PROFILE', 'upload, ' + what);
    expectError(await profileJson(s, a.token, { nickName: nick, avatarUrl: 'https://a.example/x.png' }), 400, 'INVALID_PROFILE', 'JSON, ' + what);
  }
  expect(sameProfile(await profileOnMe(s, a.token), saved), 'a refused profile changed the saved one');
  const max = '😀'.repeat(64);
  expect(expectProfile(await profileJson(s, a.token, { nickName: max, avatarUrl: 'https://a.example/x.png' }), '64 characters').nickName === max, '64 characters were changed');
});

check('profile.avatar-url', 'the JSON form with an avatarUrl not https, over 2048 bytes, with white space, or missing: 400 INVALID_PROFILE', async (s) => {
  const a = await s.session();
  for (const [what, url] of [['http', 'http://a.example/x.png'], ['no scheme', 'a.example/x.png'], ['a space', 'https://a.example/x y.png'], ['a newline', 'https://a.example/x.png\n'], ['2049 bytes', 'https://a.example/' + 'x'.repeat(2049 - 18)], ['a number', 7]]) {
    expectError(await profileJson(s, a.token, { nickName: '小明', avatarUrl: url }), 400, 'INVALID_PROFILE', what);
  }
  expectError(await profileJson(s, a.token, { nickName: '小明' }), 400, 'INVALID_PROFILE', 'no avatarUrl');
  expectError(await request(s.backend, 'POST', '/auth/profile', withBearer({ headers: { 'Content-Type': 'application/json' }, body: '{' }, a.token)), 400, 'INVALID_PROFILE', 'not JSON');
  expect((await profileOnMe(s, a.token)) === undefined, 'a refused profile was saved');
  expectProfile(await profileJson(s, a.token, { nickName: '小明', avatarUrl: 'https://a.example/' + 'x'.repeat(2048 - 18) }), '2048 bytes');
});

check('profile.missing-part', 'an upload without the avatar or the nickName part: 400 INVALID_PROFILE', async (s) => {
  const a = await s.session();
  const [nick, avatar] = uploadParts('小明', PNG);
  expectError(await postParts(s, a.token, [avatar]), 400, 'INVALID_PROFILE', 'no nickName');
  expectError(await postParts(s, a.token, [nick]), 400, 'INVALID_PROFILE', 'no avatar');
  expectError(await postParts(s, a.token, []), 400, 'INVALID_PROFILE', 'no parts');
  expect((await profileOnMe(s, a.token)) === undefined, 'a refused upload was saved');
});

check('profile.no-session', 'POST /auth/profile without a live session: 401 UNAUTHORIZED (both forms)', async (s) => {
  for (const [what, bearer] of [['no bearer', undefined], ['unknown bearer', 'f'.repeat(64)], ['malformed bearer', 'nonsense']]) {
    expectError(await upload(s, bearer, '小明', PNG), 401, 'UNAUTHORIZED', 'upload, ' + what);
    expectError(await profileJson(s, bearer, { nickName: '小明', avatarUrl: 'https://a.example/x.png' }), 401, 'UNAUTHORIZED', 'JSON, ' + what);
  }
});

check('profile.content-type', 'POST /auth/profile neither multipart/form-data nor application/json: 415 UNSUPPORTED_MEDIA_TYPE; GET: 405', async (s) => {
  const a = await s.session();
  for (const [what, headers, body] of [['text/plain', { 'Content-Type': 'text/plain' }, '{"nickName":"a","avatarUrl":"https://a.example/x"}'], ['a bare image', { 'Content-Type': 'image/png' }, PNG], ['a form', { 'Content-Type': 'application/x-www-form-urlencoded' }, 'nickName=a'], ['none', {}, '{}']]) {
    expectError(await request(s.backend, 'POST', '/auth/profile', withBearer({ headers: headers, body: body }, a.token)), 415, 'UNSUPPORTED_MEDIA_TYPE', what);
  }
  expectError(await request(s.backend, 'GET', '/auth/profile', { bearer: a.token }), 405, 'METHOD_NOT_ALLOWED', 'GET');
  expect((await profileOnMe(s, a.token)) === undefined, 'a refused request saved a profile');
});

check('profile.login', 'a login of a user with a saved profile carries it (profile {nickName, avatarUrl}); another user\'s login has no profile member', async (s) => {
  const a = await s.session();
  const saved = expectProfile(await upload(s, a.token, '小明', PNG), 'upload');
  const again = await s.session(a.user);
  const p = again.reply.json.profile;
  expect(p && sameProfile(p, saved), 'the login reply\'s profile is ' + JSON.stringify(p) + ', not ' + JSON.stringify(saved));
  expect(JSON.stringify(Object.keys(again.reply.json).sort()) === '["expiresIn","profile","token"]', 'the login reply has members other than token, expiresIn and profile: ' + Object.keys(again.reply.json).join(', '));
  const other = await s.session();
  expect(!('profile' in other.reply.json), 'another user\'s login carries a profile');
  expect((await profileOnMe(s, other.token)) === undefined, 'another user\'s /api/me shows a profile');
});

check('profile.replace', 'a new upload replaces the profile: the old avatar URL is gone (404), the new one served; a new nickname with the same URL keeps the file', async (s) => {
  const a = await s.session();
  const first = expectProfile(await upload(s, a.token, '小明', PNG), 'the first upload');
  const second = expectProfile(await upload(s, a.token, '小明', PNG), 'the second upload');
  expect(first.avatarUrl !== second.avatarUrl, 'both uploads got the same URL');
  expectError(await request(s.backend, 'GET', avatarPath(first.avatarUrl)), 404, 'NOT_FOUND', 'the replaced avatar');
  expect((await request(s.backend, 'GET', avatarPath(second.avatarUrl))).status === 200, 'the new avatar is not served');
  if (second.avatarUrl.startsWith('https://')) {
    expectProfile(await profileJson(s, a.token, { nickName: '小明明', avatarUrl: second.avatarUrl }), 'a new nickname, the same avatar');
    expect((await request(s.backend, 'GET', avatarPath(second.avatarUrl))).status === 200, 'a new nickname with the same avatar URL deleted the file');
  }
  expectProfile(await profileJson(s, a.token, { nickName: '小明', avatarUrl: 'https://a.example/x.png' }), 'an https avatar');
  expectError(await request(s.backend, 'GET', avatarPath(second.avatarUrl)), 404, 'NOT_FOUND', 'the upload replaced by an https avatar');
});

check('profile.unbind', 'unbind deletes the profile and its avatar: the URL is 404 and the next login has no profile', async (s) => {
  const a = await s.session();
  const saved = expectProfile(await upload(s, a.token, '小明', PNG), 'upload');
  const code = s.code();
  await s.register(code, a.user);
  expectOk(await s.unbind(a.token, code), 'unbind');
  expectError(await request(s.backend, 'GET', avatarPath(saved.avatarUrl)), 404, 'NOT_FOUND', 'the avatar after unbind');
  const again = await s.session(a.user);
  expect(!('profile' in again.reply.json), 'the login after unbind carries a profile');
});

check('avatars.traversal', 'GET /avatars/ with anything but <32 lowercase hex>.<png|jpg|gif|webp>, traversal attempts included: 404 NOT_FOUND', async (s) => {
  const a = await s.session();
  const name = avatarPath(expectProfile(await upload(s, a.token, '小明', PNG), 'upload').avatarUrl, 'png').slice('/avatars/'.length);
  const stem = name.slice(0, 32);
  for (const p of [
    '..%2f'.repeat(12) + 'etc%2fpasswd', '%2e%2e%2f'.repeat(12) + 'etc%2fpasswd', '..%5c..%5cwindows%5cwin.ini', '../../../../etc/passwd',
    stem.toUpperCase() + '.png', stem + '.jpeg', stem + '.svg', stem + '.png.part', stem.slice(1) + '.png', '0'.repeat(32) + '.png', '.' + name, '',
  ]) {
    const r = await request(s.backend, 'GET', '/avatars/' + p);
    expectError(r, 404, 'NOT_FOUND', '/avatars/' + (p.length > 40 ? p.slice(0, 40) + '…' : p));
    expect(!/root:/.test(r.text), 'a file outside the avatars was served');
  }
  expect((await request(s.backend, 'GET', '/avatars/' + name)).status === 200, 'the avatar itself is not served');
});

// Input checked at the door.

check('door.method', 'a known path with the wrong method: 405 METHOD_NOT_ALLOWED', async (s) => {
  for (const [method, path] of [['GET', '/auth/login'], ['PUT', '/auth/login'], ['GET', '/auth/logout'], ['GET', '/auth/unbind'], ['POST', '/api/me'], ['DELETE', '/api/me']]) {
    expectError(await request(s.backend, method, path), 405, 'METHOD_NOT_ALLOWED', method + ' ' + path);
  }
});

check('door.not-found', 'an unknown path: 404 NOT_FOUND', async (s) => {
  for (const [method, path] of [['GET', '/nowhere'], ['POST', '/auth/login/extra'], ['POST', '/auth'], ['GET', '/']]) {
    expectError(await request(s.backend, method, path, method === 'POST' ? json({ code: 'x' }) : {}), 404, 'NOT_FOUND', method + ' ' + path);
  }
});

check('door.content-type', 'login without a JSON Content-Type: 415; with a charset parameter: fine', async (s) => {
  const body = JSON.stringify({ code: s.code() });
  expectError(await request(s.backend, 'POST', '/auth/login', { headers: { 'Content-Type': 'text/plain' }, body: body }), 415, 'UNSUPPORTED_MEDIA_TYPE', 'text/plain');
  expectError(await request(s.backend, 'POST', '/auth/login', { headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'code=abc' }), 415, 'UNSUPPORTED_MEDIA_TYPE', 'a form');
  expectError(await request(s.backend, 'POST', '/auth/login', { body: body }), 415, 'UNSUPPORTED_MEDIA_TYPE', 'no Content-Type');
  const code = s.code();
  await s.register(code, s.user());
  const r = await request(s.backend, 'POST', '/auth/login', { headers: { 'Content-Type': 'application/json; charset=utf-8' }, body: JSON.stringify({ code: code }) });
  expect(r.status === 200, 'application/json; charset=utf-8 is refused: ' + describe(r));
});

check('door.body-size', 'a body over 1 KiB: 413 PAYLOAD_TOO_LARGE (login, logout, unbind); 1 KiB is fine', async (s) => {
  const code = s.code();
  await s.register(code, s.user());
  const padded = (n) => { const base = JSON.stringify({ code: code, pad: '' }); return JSON.stringify({ code: code, pad: 'x'.repeat(n - base.length) }); };
  expectError(await request(s.backend, 'POST', '/auth/login', { headers: { 'Content-Type': 'application/json' }, body: padded(2048) }), 413, 'PAYLOAD_TOO_LARGE', 'login, 2 KiB');
  expectError(await request(s.backend, 'POST', '/auth/login', { headers: { 'Content-Type': 'application/json' }, body: padded(1025) }), 413, 'PAYLOAD_TOO_LARGE', 'login, 1025 bytes');
  expectError(await request(s.backend, 'POST', '/auth/logout', { headers: { 'Content-Type': 'application/json' }, body: padded(2048) }), 413, 'PAYLOAD_TOO_LARGE', 'logout, 2 KiB');
  expectError(await request(s.backend, 'POST', '/auth/unbind', withBearer({ headers: { 'Content-Type': 'application/json' }, body: padded(2048) }, 'f'.repeat(64))), 413, 'PAYLOAD_TOO_LARGE', 'unbind, 2 KiB');
  const r = await request(s.backend, 'POST', '/auth/login', { headers: { 'Content-Type': 'application/json' }, body: padded(1024) });
  expect(r.status === 200, 'a body of exactly 1024 bytes is refused: ' + describe(r));
});

check('door.body-unread', 'an announced huge body is refused with 413 without being waited for', async (s) => {
  const r = await raw(s.backend, 'POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 999999999999999\r\n\r\n{"code":', 3000);
  expectError(r, 413, 'PAYLOAD_TOO_LARGE');
});

check('door.head-size', 'a request head over 8 KiB: 431 (HEADERS_TOO_LARGE if there is a body); 6 KiB is fine', async (s) => {
  const big = await raw(s.backend, 'GET /api/me HTTP/1.1\r\nHost: x\r\nX-Pad: ' + 'a'.repeat(9000) + '\r\n\r\n');
  expectRefused(big, 431, 'HEADERS_TOO_LARGE', '9 KiB');
  const fine = await raw(s.backend, 'GET /api/me HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Pad: ' + 'a'.repeat(6000) + '\r\n\r\n');
  expectError(fine, 401, 'UNAUTHORIZED', '6 KiB');
});

check('door.chunked', 'a chunked body (Transfer-Encoding, no Content-Length): 411 LENGTH_REQUIRED', async (s) => {
  const r = await raw(s.backend, 'POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{"a":\r\n0\r\n\r\n');
  expectError(r, 411, 'LENGTH_REQUIRED');
});

check('door.malformed', 'a malformed request line or Content-Length: 400 (BAD_REQUEST if there is a body)', async (s) => {
  expectRefused(await raw(s.backend, 'NONSENSE\r\n\r\n'), 400, 'BAD_REQUEST', 'request line');
  expectRefused(await raw(s.backend, 'GET /api/me HTTP/1.1\r\nHost: x\r\nContent-Length: x\r\n\r\n'), 400, 'BAD_REQUEST', 'Content-Length: x');
});

check('door.nothing-reaches-wechat', 'a refused request never reaches WeChat: its code stays usable', async (s) => {
  const code = s.code();
  await s.register(code, s.user());
  const body = JSON.stringify({ code: code });
  await request(s.backend, 'POST', '/auth/login', { headers: { 'Content-Type': 'text/plain' }, body: body });
  await request(s.backend, 'POST', '/auth/login', { body: body });
  await request(s.backend, 'POST', '/auth/login', { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ code: code, pad: 'x'.repeat(2000) }) });
  await request(s.backend, 'GET', '/auth/login', { headers: { 'Content-Type': 'application/json' }, body: body });
  await request(s.backend, 'POST', '/auth/login/', { headers: { 'Content-Type': 'application/json' }, body: body });
  const r = await s.login(code);
  expect(r.status === 200, 'the code was spent by a refused request: ' + describe(r));
});

check('door.survives', 'a client that hangs up mid-body or mid-head: the backend keeps serving', async (s) => {
  for (const bytes of [
    'POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{',
    'GET /api/me HTTP/1.1\r\nHost: x\r\nAuthor',
  ]) {
    await new Promise((resolve) => {
      const url = new URL(s.backend);
      const c = net.connect(Number(url.port), url.hostname, () => c.end(bytes));
      c.on('error', resolve);
      c.on('close', resolve);
      c.resume();
    });
  }
  await sleep(100);
  expectError(await s.me(), 401, 'UNAUTHORIZED', 'after the hang-ups');
  await s.session();
});

// Several instances on one store.

check('shared.peer', 'two instances share sessions: login on A, /api/me and logout on B, refused on A', async (s) => {
  const b = s.opts['peer-backend'];
  const a = await s.session();
  const r = await s.me(a.token, b);
  expect(r.status === 200 && r.json.openid === a.openid, 'B does not know A\'s session: ' + describe(r));
  expectOk(await s.logout(a.token, b), 'logout on B');
  expectError(await s.me(a.token), 401, 'UNAUTHORIZED', 'A after the logout on B');
}, 'peer-backend');

check('shared.phone-token', 'two instances share one access token: a verification on B after one on A calls stable_token no more, never with force_refresh', async (s) => {
  const b = s.opts['peer-backend'];
  const a = await s.session();
  expect((await s.phone(a.token, (await s.phoneCode(a.user)).code)).status === 200, 'the verification on A failed');
  const before = await s.billing();
  for (const base of [b, s.backend, b]) {
    const r = await s.phone(a.token, (await s.phoneCode(a.user)).code, base);
    expect(r.status === 200, 'a verification failed: ' + describe(r));
  }
  const d = delta(before, await s.billing());
  expect(d.stableTokenCalls === 0, 'B called stable_token ' + d.stableTokenCalls + ' times while A\'s token was cached in the shared store');
  expect(d.forceRefreshes === 0, 'a backend force-refreshed the token');
}, 'peer-backend');

check('shared.profile', 'two instances share profiles: uploaded on A, B\'s login reply carries it and B serves the avatar; replaced on B, A no longer serves the old one', async (s) => {
  const b = s.opts['peer-backend'];
  const a = await s.session();
  const saved = expectProfile(await upload(s, a.token, '小明', PNG), 'upload on A');
  const onB = await s.session(a.user, b);
  expect(sameProfile(onB.reply.json.profile, saved), 'B\'s login reply does not carry the profile saved on A: ' + JSON.stringify(onB.reply.json.profile));
  const served = await request(b, 'GET', avatarPath(saved.avatarUrl));
  expect(served.status === 200 && served.bytes.equals(PNG), 'B does not serve the avatar uploaded on A: ' + served.status);
  const o = { headers: { 'Content-Type': 'multipart/form-data; boundary=' + BOUNDARY }, body: multipart(uploadParts('小明明', PNG)) };
  const replaced = expectProfile(await request(b, 'POST', '/auth/profile', withBearer(o, a.token)), 'upload on B');
  expect(sameProfile(await profileOnMe(s, a.token), replaced), 'A does not show the profile saved on B');
  expectError(await request(s.backend, 'GET', avatarPath(saved.avatarUrl)), 404, 'NOT_FOUND', 'the replaced avatar on A');
}, 'peer-backend');

// ---- running --------------------------------------------------------------------------

async function run(opts) {
  const only = opts.only ? opts.only.split(',').filter(Boolean) : null;
  const selected = checks.filter((c) => !only || only.some((p) => c.id === p || c.id.startsWith(p.endsWith('.') ? p : p + '.') || c.id.startsWith(p)));
  if (only && selected.length === 0) throw new Error('no check matches --only ' + opts.only);
  const s = createStack(opts);
  let passed = 0;
  let failed = 0;
  for (const c of selected) {
    if (c.needs && !opts[c.needs]) {
      console.log('skip - ' + c.id + ': ' + c.what + ' (needs --' + c.needs + ')');
      continue;
    }
    try {
      await c.fn(s);
      passed++;
      console.log('ok - ' + c.id + ': ' + c.what);
    } catch (e) {
      failed++;
      const why = e instanceof Failure ? e.message : String((e && e.stack) || e).split('\n').slice(0, 3).join('\n    ');
      console.log('not ok - ' + c.id + ': ' + c.what + '\n    ' + why);
    }
  }
  console.log(passed + ' passed, ' + failed + ' failed');
  return failed;
}

if (require.main === module) {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
    if (!opts.list && (!opts.backend || !opts.standin)) throw new Error('--backend URL and --standin URL are required');
  } catch (e) {
    console.error('conformance: ' + e.message + '\nusage: node tests/conformance/run.js --backend URL --standin URL [--peer-backend URL] [--short-ttl-backend URL] [--bad-secret-backend URL] [--no-wechat-backend URL] [--only ID,...] [--list]');
    process.exit(2);
  }
  if (opts.list) {
    for (const c of checks) console.log(c.id + (c.needs ? ' (needs --' + c.needs + ')' : ''));
    process.exit(0);
  }
  run(opts).then((failed) => process.exit(failed ? 1 : 0), (e) => {
    console.error(e);
    process.exit(1);
  });
}

module.exports = { checks: checks, run: run };
