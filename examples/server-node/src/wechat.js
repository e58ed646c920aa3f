'use strict';
// WeChat's server APIs this server calls, all under one base URL (WX_API_BASE):
// - GET  /sns/jscode2session: a wx.login code becomes the user's openid (and unionid, when
//   the mini-program is bound to an Open Platform account);
// - POST /cgi-bin/stable_token: the app's access token, always in normal mode (this server
//   never sends force_refresh: true, see phone.js);
// - POST /wxa/business/getuserphonenumber: a phone button's code becomes the number.
//
// The session_key WeChat returns alongside is dropped here: this server signs its own
// sessions and needs it for nothing, and a key that is never kept cannot leak. Errors keep
// only their kind: the request URL carries the secret (or the access token), so no error
// text of the HTTP client is ever logged or answered. Every call gives up after 10 seconds
// and reads at most 64 KiB. At most 64 calls are in flight at once (as in the Rust server):
// a call waits at most 1 second for a slot, then fails as busy (503 WECHAT_BUSY), so a slow
// WeChat holds only that many sockets and the rest of the server keeps its resources.
const { ApiError } = require('./errors.js');

const TIMEOUT_MS = 10000;
const MAX_ANSWER_BYTES = 64 * 1024;
const MAX_IN_FLIGHT = 64;
const SLOT_WAIT_MS = 1000;

/**
 * Why a call failed: `kind` is busy, invalid-code, code-used, rate-limited, blocked,
 * token-invalid (40001/42001: the phone code was not consumed), other, unreachable, garbage,
 * or saturated (no free slot among the calls in flight within a second).
 */
class WxError extends Error {
  constructor(kind, detail) {
    super(kind);
    this.kind = kind;
    this.detail = detail;
  }

  /** The stable answer for the client: names the errcode, never the secret, code or WeChat's errmsg. */
  toApi() {
    switch (this.kind) {
      case 'busy': return new ApiError(503, 'WECHAT_BUSY', 'WeChat is busy (errcode -1); try again');
      case 'saturated': return new ApiError(503, 'WECHAT_BUSY', 'too many WeChat calls in flight; try again');
      case 'invalid-code': return new ApiError(400, 'INVALID_CODE', 'the login code is invalid or expired (errcode 40029)');
      case 'code-used': return new ApiError(400, 'CODE_USED', 'the login code was already used (errcode 40163)');
      case 'rate-limited': return new ApiError(429, 'RATE_LIMITED', 'too many logins for this user; try again in a minute (errcode 45011)');
      case 'blocked': return new ApiError(403, 'USER_BLOCKED', 'WeChat blocked this login (errcode 40226)');
      case 'token-invalid': return new ApiError(502, 'WECHAT_ERROR', 'WeChat refused the access token (errcode ' + this.detail + ')');
      case 'other': return new ApiError(502, 'WECHAT_ERROR', 'WeChat refused the exchange (errcode ' + this.detail + ')');
      case 'unreachable': return new ApiError(502, 'WECHAT_ERROR', 'WeChat could not be reached');
      default: return new ApiError(502, 'WECHAT_ERROR', 'WeChat answered something unreadable');
    }
  }

  /** The stable answer for a phone verification (40029 also covers a used code and another user's code). */
  toPhoneApi() {
    switch (this.kind) {
      case 'invalid-code': return new ApiError(400, 'INVALID_CODE', 'the phone code is invalid, expired, used or another user\'s (errcode 40029)');
      case 'rate-limited': return new ApiError(429, 'RATE_LIMITED', 'too many phone verifications; try again in a minute (errcode 45011)');
      case 'other': return new ApiError(502, 'WECHAT_ERROR', 'WeChat refused the phone verification (errcode ' + this.detail + ')');
      default: return this.toApi();
    }
  }

  /** What the log says (no secrets either); `api` names the call (jscode2session by default). */
  describe() {
    const api = this.api || 'jscode2session';
    if (this.kind === 'unreachable') return api + ' unreachable: ' + this.detail;
    if (this.kind === 'garbage') return api + ' answered garbage';
    if (this.kind === 'token-invalid' || this.kind === 'other') return api + ' refused: errcode ' + this.detail;
    return api + ' refused: ' + this.toApi().code;
  }
}

const ERRCODES = { '-1': 'busy', 40029: 'invalid-code', 40163: 'code-used', 45011: 'rate-limited', 40226: 'blocked' };

const PHONE_ERRCODES = { '-1': 'busy', 40029: 'invalid-code', 45011: 'rate-limited', 40001: 'token-invalid', 42001: 'token-invalid' };
const TOKEN_ERRCODES = { '-1': 'busy', 45011: 'rate-limited' };

/** An identifier WeChat sends (openid, unionid): 1 to 128 visible ASCII characters. */
const usableId = (id) => typeof id === 'string' && id.length > 0 && id.length <= 128 && /^[\x21-\x7e]+$/.test(id);

/** A WeChat answer object whose errcode (absent means 0) is 0; else throws the WxError `table` names. */
function answerObject(text, table) {
  let doc;
  try { doc = JSON.parse(text); } catch (e) { throw new WxError('garbage'); }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new WxError('garbage');
  if (doc.errcode !== undefined) {
    if (!Number.isInteger(doc.errcode)) throw new WxError('garbage');
    if (doc.errcode !== 0) throw new WxError(table[doc.errcode] || 'other', doc.errcode);
  }
  return doc;
}

/** The meaning of one jscode2session answer body: `{openid, unionid}` (unionid null unless usable) or a thrown WxError. */
function parseAnswer(text) {
  const doc = answerObject(text, ERRCODES);
  if (!usableId(doc.openid) || typeof doc.session_key !== 'string') throw new WxError('garbage');
  return { openid: doc.openid, unionid: usableId(doc.unionid) ? doc.unionid : null };
}

/** The meaning of one stable_token answer: `{token, expiresIn}` or a thrown WxError. */
function parseTokenAnswer(text) {
  const doc = answerObject(text, TOKEN_ERRCODES);
  const token = doc.access_token;
  // WeChat asks for room for 512 characters; the token is sent back in a query string.
  if (typeof token !== 'string' || !/^[A-Za-z0-9\-_.~*@]{1,2048}$/.test(token)) throw new WxError('garbage');
  if (!Number.isInteger(doc.expires_in) || doc.expires_in <= 0) throw new WxError('garbage');
  return { token: token, expiresIn: doc.expires_in };
}

/** The meaning of one getuserphonenumber answer: `{number, countryCode}` or a thrown WxError. */
function parsePhoneAnswer(text) {
  const doc = answerObject(text, PHONE_ERRCODES);
  const info = doc.phone_info;
  if (!info || typeof info !== 'object') throw new WxError('garbage');
  const digits = (v, max) => typeof v === 'string' && v.length >= 1 && v.length <= max && /^[0-9]+$/.test(v);
  if (!digits(info.purePhoneNumber, 20) || !digits(info.countryCode, 4)) throw new WxError('garbage');
  return { number: info.purePhoneNumber, countryCode: info.countryCode };
}

/** Reads at most `limit` bytes of a fetch body as UTF-8; throws when there is more. */
async function readLimited(res, limit) {
  const chunks = [];
  let size = 0;
  for await (const chunk of res.body) {
    size += chunk.length;
    if (size > limit) throw new WxError('garbage');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * At most `max` holders at once: `acquire()` resolves when a slot is free, or rejects with a
 * WxError of kind saturated after `waitMs`; `release()` frees the slot for the next waiter.
 */
function createSlots(max, waitMs) {
  let used = 0;
  const waiting = [];
  return {
    acquire() {
      if (used < max) { used += 1; return Promise.resolve(); }
      return new Promise((resolve, reject) => {
        const waiter = {
          grant() { clearTimeout(timer); used += 1; resolve(); },
        };
        const timer = setTimeout(() => {
          const i = waiting.indexOf(waiter);
          if (i >= 0) waiting.splice(i, 1);
          reject(new WxError('saturated'));
        }, waitMs);
        waiting.push(waiter);
      });
    },
    release() {
      used -= 1;
      const next = waiting.shift();
      if (next) next.grant();
    },
  };
}

/** One call in a slot of `slots`: see `call`. */
async function slotted(slots, api, url, init) {
  try {
    await slots.acquire();
  } catch (e) {
    e.api = api;
    throw e;
  }
  try {
    return await call(api, url, init);
  } finally {
    slots.release();
  }
}

/** One call: `url` with `init`, its answer's text (or a thrown WxError of kind unreachable or garbage, tagged with `api`). */
async function call(api, url, init) {
  const tagged = (e) => { e.api = api; return e; };
  const signal = AbortSignal.timeout(TIMEOUT_MS);
  let res;
  try {
    res = await fetch(url, Object.assign({ signal: signal, redirect: 'manual' }, init));
  } catch (e) {
    throw tagged(new WxError('unreachable', e && e.name === 'TimeoutError' ? 'timeout' : 'connection failed'));
  }
  if (res.status !== 200) {
    res.body && res.body.cancel().catch(() => {});
    throw tagged(new WxError('unreachable', 'HTTP ' + res.status));
  }
  try {
    return await readLimited(res, MAX_ANSWER_BYTES);
  } catch (e) {
    if (e instanceof WxError) throw tagged(e);
    throw tagged(new WxError('unreachable', e && e.name === 'TimeoutError' ? 'timeout' : 'connection failed'));
  }
}

/** `parse(text)`, its WxError tagged with `api` for the log. */
function parsed(api, parse, text) {
  try { return parse(text); } catch (e) { if (e instanceof WxError) e.api = api; throw e; }
}

/**
 * WeChat's APIs at `apiBase` (https://api.weixin.qq.com in production): `exchange(code)`
 * resolves `{openid, unionid}`, `stableToken()` `{token, expiresIn}` (normal mode, never
 * force_refresh), `phoneNumber(accessToken, code, openid)` `{number, countryCode}`.
 */
function createWeChat(apiBase, appid, secret) {
  const base = apiBase.replace(/\/+$/, '');
  const slots = createSlots(MAX_IN_FLIGHT, SLOT_WAIT_MS);
  const call = (api, url, init) => slotted(slots, api, url, init);
  const postJson = (body) => ({ method: 'POST', headers: { Accept: 'application/json', 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  return {
    async exchange(code) {
      const query = new URLSearchParams({ appid: appid, secret: secret, js_code: code, grant_type: 'authorization_code' });
      const text = await call('jscode2session', base + '/sns/jscode2session?' + query, { headers: { Accept: 'application/json' } });
      return parsed('jscode2session', parseAnswer, text);
    },
    async stableToken() {
      const text = await call('stable_token', base + '/cgi-bin/stable_token',
        postJson({ grant_type: 'client_credential', appid: appid, secret: secret, force_refresh: false }));
      return parsed('stable_token', parseTokenAnswer, text);
    },
    async phoneNumber(accessToken, code, openid) {
      const query = new URLSearchParams({ access_token: accessToken });
      const text = await call('getuserphonenumber', base + '/wxa/business/getuserphonenumber?' + query, postJson({ code: code, openid: openid }));
      return parsed('getuserphonenumber', parsePhoneAnswer, text);
    },
  };
}

module.exports = { createWeChat, parseAnswer, parseTokenAnswer, parsePhoneAnswer, WxError };
