'use strict';
// This app's own routes, beside /auth/*: add yours here (README, "Adding your own routes").
//
// A route is `'/path': {method, auth, handler}`. With `auth: true` the router has checked the
// bearer token before the handler runs (else 401) and `req.session` is
// {openid, expiresAt, user}, `user` the caller's wxauth_users document. The handler gets `req`:
// - req.path, req.method ('GET', 'POST', …), req.header (names in lower case);
// - req.json(): the body as a JSON object (or a thrown 400/415, answered for you);
// - req.wx: {openid, appid, unionid}, from cloud.getWXContext() (unionid null unless bound);
// and resolves {statusCode, data}, or throws an ApiError (errors.js) for a {code, message}
// answer. Any other exception is answered 500 INTERNAL and logged without its details.
const users = require('./users.js');

/** GET /api/me + bearer: {openid, unionid?, since, phoneNumber?, profile?} (the number masked). */
async function me(req) {
  const user = req.session.user;
  const body = { openid: user.openid };
  if (user.unionid) body.unionid = user.unionid;
  body.since = user.since;
  if (user.phone && typeof user.phone.number === 'string') body.phoneNumber = users.mask(user.phone.number);
  const profile = users.profileOf(user);
  if (profile) body.profile = profile;
  return { statusCode: 200, data: body };
}

module.exports = {
  '/api/me': { method: 'GET', auth: true, handler: me },
};
