'use strict';
// The rules of a profile (POST /auth/profile), as the Rust server's src/profile.rs has them:
// what a nickname, an avatar URL and an uploaded avatar must be, and the refusals when they
// are not.
//
// - nickname: trimmed of Unicode white space, then 1 to 64 Unicode scalar values, none a
//   control character;
// - avatar URL (the JSON form): starts with https://, at most 2048 bytes, no white space
//   and no control character;
// - uploaded avatar: a PNG, JPEG, GIF or WebP by its first bytes, whatever the client says
//   its name or type is; at most 1 MiB.
const { ApiError } = require('./errors.js');

const MAX_NICK_CHARS = 64;
const MAX_AVATAR_URL_BYTES = 2048;
const MAX_AVATAR_BYTES = 1024 * 1024;

/** The image kinds: extension, Content-Type, and a test of the first bytes. */
const KINDS = [
  { ext: 'png', type: 'image/png', is: (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) },
  { ext: 'jpg', type: 'image/jpeg', is: (b) => b.subarray(0, 3).equals(Buffer.from([0xff, 0xd8, 0xff])) },
  { ext: 'gif', type: 'image/gif', is: (b) => ['GIF87a', 'GIF89a'].includes(b.subarray(0, 6).toString('latin1')) },
  { ext: 'webp', type: 'image/webp', is: (b) => b.length >= 12 && b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP' },
];

/** The kind of `bytes` (a Buffer) by its magic number, or null. */
function sniff(bytes) {
  return KINDS.find((k) => k.is(bytes)) || null;
}

const AVATAR_NAME = /^[0-9a-f]{32}\.(png|jpg|gif|webp)$/;

/** The kind of a stored avatar's file name when it is one the server could have made, else null. */
function avatarNameKind(name) {
  const m = AVATAR_NAME.exec(name);
  return m ? KINDS.find((k) => k.ext === m[1]) : null;
}

const invalid = (message) => new ApiError(400, 'INVALID_PROFILE', message);
const tooLarge = () => new ApiError(413, 'AVATAR_TOO_LARGE', 'the avatar is over ' + MAX_AVATAR_BYTES + ' bytes');
const unsupportedImage = () => new ApiError(415, 'UNSUPPORTED_IMAGE', 'the avatar is not a PNG, JPEG, GIF or WebP image');

// Rust's char::is_whitespace is Unicode's White_Space, char::is_control the category Cc.
const EDGE_SPACE = /^\p{White_Space}+|\p{White_Space}+$/gu;
const CONTROL = /\p{Cc}/u;
const SPACE_OR_CONTROL = /[\p{White_Space}\p{Cc}]/u;

/** The nickname `raw` trimmed, if it keeps the rules (else 400 INVALID_PROFILE saying which). */
function checkNickName(raw) {
  if (!raw.isWellFormed()) throw invalid('nickName is not valid Unicode');
  const nick = raw.replace(EDGE_SPACE, '');
  if (nick === '') throw invalid('nickName is empty');
  if ([...nick].length > MAX_NICK_CHARS) throw invalid('nickName is over ' + MAX_NICK_CHARS + ' characters');
  if (CONTROL.test(nick)) throw invalid('nickName holds a control character');
  return nick;
}

/** `url` if it keeps the rules of the JSON form's avatarUrl (else 400 INVALID_PROFILE saying which). */
function checkAvatarUrl(url) {
  if (!url.startsWith('https://')) throw invalid('avatarUrl must start with https://');
  if (!url.isWellFormed()) throw invalid('avatarUrl is not valid Unicode');
  if (Buffer.byteLength(url, 'utf8') > MAX_AVATAR_URL_BYTES) throw invalid('avatarUrl is over ' + MAX_AVATAR_URL_BYTES + ' bytes');
  if (SPACE_OR_CONTROL.test(url)) throw invalid('avatarUrl holds white space or a control character');
  return url;
}

module.exports = {
  MAX_NICK_CHARS, MAX_AVATAR_URL_BYTES, MAX_AVATAR_BYTES,
  sniff, avatarNameKind, checkNickName, checkAvatarUrl, invalid, tooLarge, unsupportedImage,
};
