'use strict';
// POST /auth/profile {nickName, avatarUrl} + bearer: saves the user's profile, answered as
// saved: 200 {nickName, avatarUrl}. JSON only (no multipart here: a mini-program puts a
// chooseAvatar file in cloud storage with wx.cloud.uploadFile and sends its fileID).
//
// The rules are the SDK's own (src/profile.rs), so what the SDK accepts is saved as it is:
// - nickName: trimmed, 1 to 64 characters (Unicode code points), no control characters;
// - avatarUrl: trimmed, at most 2048 bytes (UTF-8), no whitespace or control characters, an
//   https:// URL or a cloud:// fileID (which <image src> shows as it is).
// Anything else is 400 INVALID_PROFILE; a body that is not a JSON object is 400 BAD_REQUEST.
const { ApiError } = require('./errors.js');
const { nowSeconds } = require('./config.js');
const users = require('./users.js');

const MAX_NICKNAME_CHARS = 64;
const MAX_AVATAR_URL_BYTES = 2048;

// Unicode White_Space, which Rust's str::trim and char::is_whitespace use (JavaScript's \s
// differs: it adds U+FEFF and lacks U+0085).
const WS = '\\t\\n\\u000b\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const EDGES = new RegExp('^[' + WS + ']+|[' + WS + ']+$', 'g');
const WHITESPACE = new RegExp('[' + WS + ']');
// Unicode Cc, Rust's char::is_control.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// A surrogate without its pair: not a character at all (JSON text can still carry one).
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?:^|[^\ud800-\udbff])[\udc00-\udfff]/;
const SCHEMES = /^(https|cloud):\/\/./;

const invalid = (message) => new ApiError(400, 'INVALID_PROFILE', message);

/** {nickName, avatarUrl} as they will be saved, or a thrown 400 INVALID_PROFILE. */
function checkProfile(body) {
  if (typeof body.nickName !== 'string') throw invalid('nickName must be a string');
  if (typeof body.avatarUrl !== 'string') throw invalid('avatarUrl must be a string');
  const nickName = body.nickName.replace(EDGES, '');
  if (nickName === '') throw invalid('nickName is empty');
  if (LONE_SURROGATE.test(nickName)) throw invalid('nickName is not valid Unicode text');
  if (Array.from(nickName).length > MAX_NICKNAME_CHARS) throw invalid('nickName is longer than 64 characters');
  if (CONTROL.test(nickName)) throw invalid('nickName contains control characters');
  const avatarUrl = body.avatarUrl.replace(EDGES, '');
  if (avatarUrl === '') throw invalid('avatarUrl is empty');
  if (Buffer.byteLength(avatarUrl, 'utf8') > MAX_AVATAR_URL_BYTES) throw invalid('avatarUrl is longer than 2048 bytes');
  if (CONTROL.test(avatarUrl) || WHITESPACE.test(avatarUrl)) throw invalid('avatarUrl contains spaces or control characters');
  if (LONE_SURROGATE.test(avatarUrl)) throw invalid('avatarUrl is not valid Unicode text');
  if (!SCHEMES.test(avatarUrl)) throw invalid('avatarUrl must be an https:// URL or a cloud:// fileID');
  return { nickName: nickName, avatarUrl: avatarUrl };
}

/** Saves the caller's profile: 200 {nickName, avatarUrl}. */
async function saveProfile(req) {
  const profile = checkProfile(req.json());
  await users.setProfile(req.session.openid, { nickName: profile.nickName, avatarUrl: profile.avatarUrl, updatedAt: nowSeconds() });
  return { statusCode: 200, data: profile };
}

module.exports = { saveProfile, checkProfile, MAX_NICKNAME_CHARS, MAX_AVATAR_URL_BYTES };
