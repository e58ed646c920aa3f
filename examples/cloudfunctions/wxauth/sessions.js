'use strict';
// Sessions: a token of 32 bytes from the OS random source, given to the client as base64url
// (43 characters); only its SHA-256 (hex) is stored, as the document's _id in wxauth_sessions
// with {openid, issuedAt, expiresAt} (Unix seconds), so a database export holds no usable
// token.
//
// A session is valid when its document exists, it has not ended (now < expiresAt), it belongs
// to the WeChat user making this call (its openid is the caller's OPENID, which WeChat puts in
// the call: a token replayed by another user is refused) and that user is still bound (an
// unbind ends every session, even one a login wrote while the unbind ran).
const crypto = require('crypto');
const { SESSIONS, USERS } = require('./config.js');
const store = require('./store.js');
const { unauthorized } = require('./errors.js');

const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/** base64url without padding (Buffer's 'base64url' encoding needs Node 15.7+). */
const base64url = (bytes) => bytes.toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

/** A fresh token and the id its session is stored under. */
function generate() {
  const token = base64url(crypto.randomBytes(32));
  return { token: token, id: hash(token) };
}

/** The stored form of a token: lowercase hex of SHA-256 over its text. */
function hash(token) {
  return crypto.createHash('sha256').update(token).digest('hex');
}

/**
 * The token of an `Authorization: Bearer <token>` value if it has the shape this function
 * issues; anything else is no token (and no database read).
 */
function fromBearer(value) {
  if (typeof value !== 'string') return null;
  const text = value.trim();
  const space = text.indexOf(' ');
  if (space < 0 || text.slice(0, space).toLowerCase() !== 'bearer') return null;
  const token = text.slice(space + 1).trim();
  return TOKEN.test(token) ? token : null;
}

/** Stores a session for `openid` that ends `ttl` seconds after `now`; resolves its token. */
async function create(openid, now, ttl) {
  const fresh = generate();
  await store.setDoc(SESSIONS, fresh.id, { openid: openid, issuedAt: now, expiresAt: now + ttl });
  return fresh.token;
}

/** Deletes a document that is no longer of use; a failure is only logged (the call goes on). */
async function discard(collection, id) {
  try {
    await store.removeDoc(collection, id);
  } catch (e) {
    console.warn(store.describe(e));
  }
}

/**
 * The session of the request's bearer token for the caller `openid` at `now`:
 * {id, openid, expiresAt, user} (user: the wxauth_users document), or a thrown 401.
 */
async function authenticate(header, openid, now) {
  const token = fromBearer(header.authorization);
  if (!token || !openid) throw unauthorized();
  const id = hash(token);
  const session = await store.getDoc(SESSIONS, id);
  // Another user's session is left alone: it is refused, not ended.
  if (!session || session.openid !== openid) throw unauthorized();
  if (!(typeof session.expiresAt === 'number' && now < session.expiresAt)) {
    await discard(SESSIONS, id);
    throw unauthorized();
  }
  const user = await store.getDoc(USERS, openid);
  if (!user) {
    await discard(SESSIONS, id);
    throw unauthorized();
  }
  return { id: id, openid: openid, expiresAt: session.expiresAt, user: user };
}

/** Ends the session of `header`'s bearer token if it is `openid`'s; anything else is no error. */
async function revoke(header, openid) {
  const token = fromBearer(header.authorization);
  if (!token || !openid) return;
  await store.removeWhere(SESSIONS, { _id: hash(token), openid: openid });
}

/** Ends every session of `openid`. */
function revokeAll(openid) {
  return store.removeWhere(SESSIONS, { openid: openid });
}

/** Deletes the sessions that ended by `now`: `openid`'s, or everyone's without one. Resolves how many. */
function sweep(now, openid) {
  const query = { expiresAt: store.command().lte(now) };
  if (openid) query.openid = openid;
  return store.removeWhere(SESSIONS, query);
}

module.exports = { generate, hash, fromBearer, create, authenticate, revoke, revokeAll, sweep, TOKEN };
