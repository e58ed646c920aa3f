'use strict';
// The function's configuration: the collections it keeps its data in and the session
// lifetime, from the function's environment variables (set in the cloud console, 云函数 →
// 版本与配置 → 环境变量).

/** One document per user, its _id the user's OPENID: {openid, since, unionid?, phone?, profile?}. */
const USERS = 'wxauth_users';
/** One document per session, its _id the SHA-256 (hex) of the token: {openid, issuedAt, expiresAt}. */
const SESSIONS = 'wxauth_sessions';

/** The HTTP reference servers' default session lifetime, and the longest they accept. */
const DEFAULT_TTL_SECONDS = 7200;
const MAX_TTL_SECONDS = 31536000;

const { ConfigError } = require('./errors.js');

/**
 * SESSION_TTL_SECONDS: a whole number of seconds from 1 to 31536000 (a year), 7200 when unset,
 * as the HTTP servers read it (examples/server-node/src/config.js). Anything else throws a
 * ConfigError naming the variable: every call then answers 500 until it is fixed.
 */
function sessionTtl(env) {
  const raw = env.SESSION_TTL_SECONDS;
  if (typeof raw !== 'string' || raw.trim() === '') return DEFAULT_TTL_SECONDS;
  const text = raw.trim();
  const ttl = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(ttl >= 1 && ttl <= MAX_TTL_SECONDS)) {
    throw new ConfigError('SESSION_TTL_SECONDS must be a whole number of seconds from 1 to ' + MAX_TTL_SECONDS);
  }
  return ttl;
}

/** Unix seconds now. */
const nowSeconds = () => Math.floor(Date.now() / 1000);

module.exports = { USERS, SESSIONS, DEFAULT_TTL_SECONDS, MAX_TTL_SECONDS, sessionTtl, nowSeconds };
