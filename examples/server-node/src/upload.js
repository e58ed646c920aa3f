'use strict';
// Reading the body of POST /auth/profile, in one of its two forms, checked by profile.js's
// rules, as the Rust server's src/upload.rs does:
//
// - multipart/form-data, as wx.uploadFile sends it: a file part `avatar` (at most 1 MiB;
//   busboy stops keeping a part past it) and a text part `nickName` (at most 1 KiB). Other
//   parts are read and dropped; they count toward the route's body limit, MAX_UPLOAD_BODY
//   (checked against Content-Length before anything is read). Parsed by @fastify/multipart.
// - application/json {"nickName", "avatarUrl"}, at most MAX_PROFILE_JSON bytes (the route's
//   bodyLimit).
//
// Every refusal is an ApiError: 400 INVALID_PROFILE, 413 AVATAR_TOO_LARGE, 415
// UNSUPPORTED_IMAGE or UNSUPPORTED_MEDIA_TYPE.
const { ApiError } = require('./errors.js');
const { MAX_AVATAR_BYTES, sniff, checkNickName, checkAvatarUrl, invalid, tooLarge, unsupportedImage } = require('./profile.js');

/** The route's body limit: a full-size avatar, and room for the nickName, the parts' headers and boundaries. */
const MAX_UPLOAD_BODY = MAX_AVATAR_BYTES + 16 * 1024;
/** Largest nickName part, in bytes (before trimming). */
const MAX_NICK_PART_BYTES = 1024;
/** Largest JSON form, in bytes. */
const MAX_PROFILE_JSON = 8 * 1024;

/**
 * @fastify/multipart's options: no part larger than an avatar is kept (a larger one is cut
 * and marked), fields decoded as latin1 so their bytes come back unchanged (and are then
 * decoded as strict UTF-8 here), and no size error of its own (the route's checks answer).
 */
const MULTIPART_OPTIONS = {
  limits: { fileSize: MAX_AVATAR_BYTES, fieldSize: MAX_AVATAR_BYTES },
  defCharset: 'latin1',
  throwFileSizeLimit: false,
};

/** 'multipart' or 'json' by the Content-Type (parameters allowed, case ignored); any other, or none, is 415. */
function formOf(req) {
  const media = String(req.headers['content-type'] || '').split(';')[0].trim().toLowerCase();
  if (media === 'multipart/form-data') return 'multipart';
  if (media === 'application/json') return 'json';
  throw new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', 'the body must be multipart/form-data or application/json');
}

/** Reads and checks the JSON form (the body, a Buffer, read by the route's parser): {nickName, avatarUrl}. */
function readJson(body) {
  let doc;
  try {
    doc = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body || Buffer.alloc(0)));
  } catch (e) {
    throw invalid('the body is not JSON');
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw invalid('the body is not a JSON object');
  for (const name of ['nickName', 'avatarUrl']) {
    if (typeof doc[name] !== 'string') throw invalid('the body has no string "' + name + '"');
  }
  return { nickName: checkNickName(doc.nickName), avatarUrl: checkAvatarUrl(doc.avatarUrl) };
}

/** A part's bytes and whether it was cut at the size limit. */
async function bytesOf(part) {
  if (part.type === 'file') {
    const bytes = await part.toBuffer();
    return { bytes: bytes, cut: part.file.truncated };
  }
  return { bytes: Buffer.from(part.value, 'latin1'), cut: part.valueTruncated };
}

/** Reads what is left of the parts, dropping it; stops at the first error. */
async function drain(parts) {
  try {
    for await (const part of parts) {
      if (part.type === 'file') part.file.resume();
    }
  } catch (e) { /* the refusal already chosen stands */ }
}

/** Reads and checks the multipart form: {nickName, avatar: {bytes, kind}}. */
async function readMultipart(req) {
  let parts;
  try {
    parts = req.parts();
  } catch (e) {
    throw invalid('the multipart body has no boundary');
  }
  const got = {};
  try {
    for await (const part of parts) {
      const name = part.fieldname;
      if (name !== 'avatar' && name !== 'nickName') {
        if (part.type === 'file') await drainFile(part);
        continue;
      }
      if (got[name]) throw invalid('the ' + name + ' part is given twice');
      const { bytes, cut } = await bytesOf(part);
      if (name === 'avatar' && cut) throw tooLarge();
      if (name === 'nickName' && (cut || bytes.length > MAX_NICK_PART_BYTES)) throw invalid('the nickName part is over ' + MAX_NICK_PART_BYTES + ' bytes');
      got[name] = bytes;
    }
  } catch (e) {
    // Read the rest (the route's limit bounds it), so the client, still sending, reads the answer.
    await drain(parts);
    if (e instanceof ApiError) throw e;
    throw invalid('the multipart body is malformed');
  }
  if (!got.nickName) throw invalid('the nickName part is missing');
  if (!got.avatar) throw invalid('the avatar part is missing');
  let nick;
  try {
    nick = new TextDecoder('utf-8', { fatal: true }).decode(got.nickName);
  } catch (e) {
    throw invalid('nickName is not UTF-8');
  }
  const nickName = checkNickName(nick);
  const kind = sniff(got.avatar);
  if (!kind) throw unsupportedImage();
  return { nickName: nickName, avatar: { bytes: got.avatar, kind: kind } };
}

function drainFile(part) {
  return new Promise((resolve, reject) => {
    part.file.on('end', resolve);
    part.file.on('error', reject);
    part.file.resume();
  });
}

module.exports = { MAX_UPLOAD_BODY, MAX_NICK_PART_BYTES, MAX_PROFILE_JSON, MULTIPART_OPTIONS, formOf, readJson, readMultipart };
