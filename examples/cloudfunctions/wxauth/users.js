'use strict';
// Users: one document per WeChat user in wxauth_users, its _id the OPENID:
// {openid, since, unionid?, phone?: {countryCode, number, verifiedAt}, profile?: {nickName,
// avatarUrl, updatedAt}}. `since` is when the binding was made (the first login since the
// last unbind), Unix seconds, as the HTTP servers' /api/me says it.
const { USERS } = require('./config.js');
const store = require('./store.js');

/** Binds `openid` if it is not bound yet (keeping an existing binding and its since) and records `unionid` when WeChat gave one. Resolves the user's document. */
async function upsert(openid, unionid, now) {
  const user = await store.getDoc(USERS, openid);
  if (!user) {
    const fresh = { openid: openid, since: now };
    if (unionid) fresh.unionid = unionid;
    await store.setDoc(USERS, openid, fresh);
    return fresh;
  }
  if (unionid && user.unionid !== unionid) {
    await store.updateDoc(USERS, openid, { unionid: unionid });
    user.unionid = unionid;
  }
  return user;
}

/** Stores a verified number with the user, in full (answers show it masked). */
function setPhone(openid, phone) {
  return store.updateDoc(USERS, openid, { phone: phone });
}

/** Stores the user's profile. */
function setProfile(openid, profile) {
  return store.updateDoc(USERS, openid, { profile: profile });
}

/** Deletes the user's document (their unionid, number and profile with it). */
function remove(openid) {
  return store.removeDoc(USERS, openid);
}

/** The profile as the wire carries it ({nickName, avatarUrl}), or null when none is saved. */
function profileOf(user) {
  const p = user && user.profile;
  if (!p || typeof p.nickName !== 'string' || typeof p.avatarUrl !== 'string') return null;
  return { nickName: p.nickName, avatarUrl: p.avatarUrl };
}

/**
 * The number as answers show it, as the HTTP servers mask it (examples/server/src/phone.rs):
 * the first 3 and the last 4 digits (`138****8000`); fewer than 8 digits show only the last 2.
 */
function mask(number) {
  if (number.length >= 8) return number.slice(0, 3) + '****' + number.slice(-4);
  return '****' + number.slice(-2);
}

module.exports = { upsert, setPhone, setProfile, remove, profileOf, mask };
