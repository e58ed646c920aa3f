'use strict';
// The jscode2session exchange: a wx.login code becomes the user's openid.
//
// The session_key WeChat returns alongside is dropped here: this server signs its own
// sessions and needs it for nothing, and a key that is never kept cannot leak. Errors keep
// only their kind: the request URL carries the secret, so no error text of the HTTP client
// is ever logged or answered.
const { ApiError } = require('./errors.js');

const TIMEOUT_MS = 10000;
const MAX_ANSWER_BYTES = 64 * 1024;

/** Why an exchange failed: `kind` is busy, invalid-code, code-used, rate-limited, blocked, other, unreachable or garbage. */
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
      case 'invalid-code': return new ApiError(400, 'INVALID_CODE', 'the login code is invalid or expired (errcode 40029)');
      case 'code-used': return new ApiError(400, 'CODE_USED', 'the login code was already used (errcode 40163)');
      case 'rate-limited': return new ApiError(429, 'RATE_LIMITED', 'too many logins for this user; try again in a minute (errcode 45011)');
      case 'blocked': return new ApiError(403, 'USER_BLOCKED', 'WeChat blocked this login (errcode 40226)');
      case 'other': return new ApiError(502, 'WECHAT_ERROR', 'WeChat refused the exchange (errcode ' + this.detail + ')');
      case 'unreachable': return new ApiError(502, 'WECHAT_ERROR', 'WeChat could not be reached');
      default: return new ApiError(502, 'WECHAT_ERROR', 'WeChat answered something unreadable');
    }
  }

  /** What the log says (no secrets either). */
  describe() {
    if (this.kind === 'unreachable') return 'jscode2session unreachable: ' + this.detail;
    if (this.kind === 'garbage') return 'jscode2session answered garbage';
    return 'jscode2session refused: ' + this.toApi().code;
  }
}

const ERRCODES = { '-1': 'busy', 40029: 'invalid-code', 40163: 'code-used', 45011: 'rate-limited', 40226: 'blocked' };

/** The meaning of one jscode2session answer body: `{openid}` or a thrown WxError. */
function parseAnswer(text) {
  let doc;
  try { doc = JSON.parse(text); } catch (e) { throw new WxError('garbage'); }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new WxError('garbage');
  if (doc.errcode !== undefined) {
    if (!Number.isInteger(doc.errcode)) throw new WxError('garbage');
    if (doc.errcode !== 0) throw new WxError(ERRCODES[doc.errcode] || 'other', doc.errcode);
  }
  const openid = doc.openid;
  const usable = typeof openid === 'string' && openid.length > 0 && openid.length <= 128 && /^[\x21-\x7e]+$/.test(openid);
  if (!usable || typeof doc.session_key !== 'string') throw new WxError('garbage');
  return { openid: openid };
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

/** An exchange against `apiBase` (https://api.weixin.qq.com in production): `exchange(code)` resolves `{openid}`. */
function createWeChat(apiBase, appid, secret) {
  const endpoint = apiBase.replace(/\/+$/, '') + '/sns/jscode2session';
  return {
    async exchange(code) {
      const query = new URLSearchParams({ appid: appid, secret: secret, js_code: code, grant_type: 'authorization_code' });
      const signal = AbortSignal.timeout(TIMEOUT_MS);
      let res;
      try {
        res = await fetch(endpoint + '?' + query, { signal: signal, redirect: 'manual', headers: { Accept: 'application/json' } });
      } catch (e) {
        throw new WxError('unreachable', e && e.name === 'TimeoutError' ? 'timeout' : 'connection failed');
      }
      if (res.status !== 200) {
        res.body && res.body.cancel().catch(() => {});
        throw new WxError('unreachable', 'HTTP ' + res.status);
      }
      let text;
      try {
        text = await readLimited(res, MAX_ANSWER_BYTES);
      } catch (e) {
        if (e instanceof WxError) throw e;
        throw new WxError('unreachable', e && e.name === 'TimeoutError' ? 'timeout' : 'connection failed');
      }
      return parseAnswer(text);
    },
  };
}

module.exports = { createWeChat, parseAnswer, WxError };
