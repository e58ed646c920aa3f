'use strict';
// Login, logout and unbind. There is no wx.login code and no jscode2session: WeChat puts the
// caller's OPENID (and UNIONID, when the mini-program is bound to an Open Platform account)
// in every call (cloud.getWXContext(), "微信已经完成了这部分鉴权"), so a login is one call and
// a `code` in its body is ignored.
const { sessionTtl, nowSeconds } = require('./config.js');
const sessions = require('./sessions.js');
const users = require('./users.js');
const { ApiError } = require('./errors.js');

/** 401: the call came without a WeChat user (not from the mini-program: an HTTP API call, a trigger). */
const noCaller = () => new ApiError(401, 'UNAUTHORIZED', 'the call carries no WeChat user (OPENID)');

/** POST /auth/login: binds the caller, issues a session: 200 {token, expiresIn, profile?}. */
async function login(req) {
  if (!req.wx.openid) throw noCaller();
  const ttl = sessionTtl(process.env);
  const now = nowSeconds();
  const user = await users.upsert(req.wx.openid, req.wx.unionid, now);
  // The caller's ended sessions go now, so a user's sessions do not pile up (the timer
  // trigger sweeps everyone's, see index.js).
  await sessions.sweep(now, req.wx.openid);
  const token = await sessions.create(req.wx.openid, now, ttl);
  const body = { token: token, expiresIn: ttl };
  const profile = users.profileOf(user);
  if (profile) body.profile = profile;
  return { statusCode: 200, data: body };
}

/** POST /auth/logout + bearer: ends that session if it is the caller's; always 200 {ok: true}. */
async function logout(req) {
  await sessions.revoke(req.header, req.wx.openid);
  return { statusCode: 200, data: { ok: true } };
}

/**
 * POST /auth/unbind + bearer: deletes the user (unionid, number and profile with it) and every
 * session of theirs: 200 {ok: true}. The HTTP servers ask for a fresh wx.login code to show the
 * user is present; here WeChat's OPENID for this very call shows it, and the session must be
 * that user's (a stolen token alone erases nothing). A `code` in the body is ignored.
 */
async function unbind(req) {
  const openid = req.session.openid;
  await users.remove(openid);
  await sessions.revokeAll(openid);
  return { statusCode: 200, data: { ok: true } };
}

module.exports = { login, logout, unbind };
