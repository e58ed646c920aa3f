'use strict';
// Sessions in Redis, so any number of instances behind a load balancer share them. The
// layout is the Rust server's (examples/server/src/store/redis.rs), so both can share
// one Redis. Under the namespace `ns` (default `wx-auth`):
//
// - `ns:user:{openid}`          → "{since} {binding}" (no TTL: the binding lasts until unbind)
// - `ns:session:{sha256(token)}` → "{expires_at} {binding} {openid}", EX = time left, so
//                                  expired sessions vanish by themselves
// - `ns:user-sessions:{openid}`  → set of the user's session hashes (for unbind), with the
//                                  TTL of the longest session in it
// - `ns:user-unionid:{openid}`   → the unionid WeChat gave (no TTL; unbind deletes it)
// - `ns:user-phone:{openid}`     → "{countryCode} {number}", the verified number in full
//                                  (no TTL; unbind deletes it)
// - `ns:user-profile:{openid}`   → {"nickName","avatarUrl","avatarFile"?} (JSON; no TTL;
//                                  unbind deletes it), avatarFile being the uploaded file
//                                  the URL serves
// - `ns:access-token:{appid}`    → the app's WeChat access token, EX = a little less than the
//                                  expires_in WeChat gave, shared by every instance
// - `ns:access-token-lock:{appid}` → the id of the instance refreshing the token (SET NX PX)
//
// A session counts only while its binding id matches the user's current one, so a session
// created while an unbind runs on another instance never comes back to life.
const crypto = require('crypto');
const { createClient } = require('@redis/client');
const { StoreError } = require('./errors.js');

/** How long one store operation may take before the request is answered 500. */
const OPERATION_TIMEOUT_MS = 3000;

/** SET KEYS[2] ARGV[1] only while the user KEYS[1] is bound. */
const SET_IF_BOUND = "if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('SET', KEYS[2], ARGV[1]) return 1 end return 0";
/** DEL KEYS[1] only while it holds ARGV[1]. */
const DEL_IF_EQUAL = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

/**
 * Stores the profile ARGV[1] (JSON) under KEYS[2] only while the user KEYS[1] is bound (else
 * nil), in one step: without an avatarFile of its own, it keeps the stored one when the URL
 * is the same. Answers the stored file the new profile no longer has, or "" (the Rust
 * server runs the same script).
 */
const SWAP_PROFILE = `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local new = cjson.decode(ARGV[1])
local old = redis.call('GET', KEYS[2])
local orphan = ''
if old then
  local o = cjson.decode(old)
  if type(new.avatarFile) ~= 'string' and o.avatarUrl == new.avatarUrl then new.avatarFile = o.avatarFile end
  if type(o.avatarFile) == 'string' and o.avatarFile ~= new.avatarFile then orphan = o.avatarFile end
end
redis.call('SET', KEYS[2], cjson.encode(new))
return orphan
`;

/** The profile record: {nickName, avatarUrl, avatarFile?}. */
function profileJson(p) {
  const doc = { nickName: p.nickName, avatarUrl: p.avatarUrl };
  if (p.avatarFile) doc.avatarFile = p.avatarFile;
  return JSON.stringify(doc);
}

/** A profile record read back, or null when it is not one. */
function profileFromJson(text) {
  let doc;
  try { doc = JSON.parse(text); } catch (e) { return null; }
  if (!doc || typeof doc.nickName !== 'string' || typeof doc.avatarUrl !== 'string') return null;
  return { nickName: doc.nickName, avatarUrl: doc.avatarUrl, avatarFile: typeof doc.avatarFile === 'string' ? doc.avatarFile : null };
}

const corrupt = () => new StoreError('redis: a stored record is malformed');

/** A stored profile record (null stays null), or the store's "malformed" error. */
function parseProfile(text) {
  if (text === null || text === undefined) return null;
  const p = profileFromJson(text);
  if (!p) throw corrupt();
  return p;
}

/** "{since} {binding}" */
function parseUser(text) {
  const i = text.indexOf(' ');
  if (i < 0 || !/^\d+$/.test(text.slice(0, i))) throw corrupt();
  return { since: Number(text.slice(0, i)), binding: text.slice(i + 1) };
}

/** Rejects with a StoreError when `promise` takes longer than the operation timeout. */
function bounded(promise, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => {
      const e = new StoreError('redis: ' + what + ' timed out');
      e.timedOut = true; // the command may still run: its outcome is unknown
      reject(e);
    }, OPERATION_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer)).catch((e) => {
    throw e instanceof StoreError ? e : new StoreError('redis: ' + what + ' failed (' + ((e && e.name) || 'error') + ')');
  });
}

class RedisSessions {
  constructor(client, namespace) {
    this.client = client;
    this.ns = namespace || 'wx-auth';
  }

  key(kind, id) {
    return this.ns + ':' + kind + ':' + id;
  }

  /**
   * Binds `openid` (keeping an existing binding and its since) and creates a session under
   * `tokenHash` that ends at `expiresAt` (Unix seconds). Resolves the binding's since.
   */
  createSession(openid, tokenHash, now, expiresAt) {
    return bounded((async () => {
      const userKey = this.key('user', openid);
      const indexKey = this.key('user-sessions', openid);
      const ttl = Math.max(1, expiresAt - now);
      const fresh = now + ' ' + crypto.randomBytes(8).toString('hex');
      const [, current] = await this.client.multi().set(userKey, fresh, { condition: 'NX' }).get(userKey).exec();
      if (typeof current !== 'string') throw new StoreError('redis: the binding vanished during login');
      const user = parseUser(current);
      const record = expiresAt + ' ' + user.binding + ' ' + openid;
      const [, , indexTtl] = await this.client.multi()
        .set(this.key('session', tokenHash), record, { expiration: { type: 'EX', value: ttl } })
        .sAdd(indexKey, tokenHash)
        .ttl(indexKey)
        .exec();
      if (Number(indexTtl) < ttl) await this.client.expire(indexKey, ttl);
      return user.since;
    })(), 'create session');
  }

  /**
   * The live session under `tokenHash` at `now`: `{openid, since, expiresAt, unionid, profile}`
   * (unionid and profile null when unknown) or null.
   */
  session(tokenHash, now) {
    return bounded((async () => {
      const sessionKey = this.key('session', tokenHash);
      const record = await this.client.get(sessionKey);
      if (record === null) return null;
      const m = /^(\d+) (\S+) (.+)$/s.exec(record);
      if (!m) throw corrupt();
      const expiresAt = Number(m[1]);
      if (expiresAt <= now) {
        await this.client.del(sessionKey);
        return null;
      }
      const [user, unionid, profile] = await this.client.mGet([this.key('user', m[3]), this.key('user-unionid', m[3]), this.key('user-profile', m[3])]);
      if (user === null) return null;
      const { since, binding } = parseUser(user);
      if (binding !== m[2]) return null;
      return { openid: m[3], since: since, expiresAt: expiresAt, unionid: unionid, profile: parseProfile(profile) };
    })(), 'read session');
  }

  /** Ends the session under `tokenHash`; ending an unknown session is no error. */
  revoke(tokenHash) {
    return bounded(this.client.del(this.key('session', tokenHash)), 'revoke');
  }

  /**
   * Deletes `openid`'s binding, every session of that user and what is known of them
   * (unionid, phone, profile). Resolves the profile it erased (or null), so the caller can
   * delete its avatar file.
   */
  unbind(openid) {
    return bounded((async () => {
      const userKey = this.key('user', openid);
      const indexKey = this.key('user-sessions', openid);
      const profileKey = this.key('user-profile', openid);
      // The binding goes first: from then on no session of it counts, whatever happens to the
      // rest. The profile is read and deleted in the same transaction, so its file is handed
      // back exactly once.
      const [profile] = await this.client.multi()
        .get(profileKey)
        .del([userKey, this.key('user-unionid', openid), this.key('user-phone', openid), profileKey])
        .exec();
      const members = await this.client.sMembers(indexKey);
      await this.client.del([indexKey].concat(members.map((h) => this.key('session', h))));
      return typeof profile === 'string' ? profileFromJson(profile) : null;
    })(), 'unbind');
  }

  /**
   * Stores `profile` ({nickName, avatarUrl, avatarFile}) with `openid`, replacing any earlier
   * one, in one atomic step; without an avatarFile, the stored one stays when the avatar URL is
   * the stored one. Resolves `{stored: true, orphan}` (the file the replaced profile had and
   * the new one has not, or null) or `{stored: false}` when the user is not bound.
   */
  setProfile(openid, profile) {
    return bounded((async () => {
      const orphan = await this.client.eval(SWAP_PROFILE, {
        keys: [this.key('user', openid), this.key('user-profile', openid)],
        arguments: [profileJson(profile)],
      });
      if (orphan === null) return { stored: false };
      return { stored: true, orphan: orphan === '' ? null : orphan };
    })(), 'set profile');
  }

  /** The profile stored with `openid`: `{nickName, avatarUrl, avatarFile}` or null. */
  profile(openid) {
    return bounded((async () => parseProfile(await this.client.get(this.key('user-profile', openid))))(), 'profile');
  }

  /** Records the unionid WeChat gave for `openid` (a user that is not bound: nothing). */
  setUnionid(openid, unionid) {
    return bounded(this.client.eval(SET_IF_BOUND, { keys: [this.key('user', openid), this.key('user-unionid', openid)], arguments: [unionid] }), 'set unionid');
  }

  /** Stores the verified number `{countryCode, number}` with `openid`, replacing any earlier one (not bound: nothing). */
  setPhone(openid, phone) {
    return bounded(this.client.eval(SET_IF_BOUND, {
      keys: [this.key('user', openid), this.key('user-phone', openid)],
      arguments: [phone.countryCode + ' ' + phone.number],
    }), 'set phone');
  }

  /** The number stored with `openid`: `{countryCode, number}` or null. */
  phone(openid) {
    return bounded((async () => {
      const text = await this.client.get(this.key('user-phone', openid));
      if (text === null) return null;
      const i = text.indexOf(' ');
      if (i < 0) throw corrupt();
      return { countryCode: text.slice(0, i), number: text.slice(i + 1) };
    })(), 'phone');
  }

  /** The cached access token of `appid`, or null. */
  accessToken(appid) {
    return bounded(this.client.get(this.key('access-token', appid)), 'access token');
  }

  /** Caches `token` for `appid` for `seconds`. */
  putAccessToken(appid, token, seconds) {
    return bounded(this.client.set(this.key('access-token', appid), token, { expiration: { type: 'EX', value: Math.max(1, seconds) } }), 'put access token');
  }

  /** Drops the cached token of `appid` if it is still `token` (a newer one another instance cached stays). */
  dropAccessToken(appid, token) {
    return bounded(this.client.eval(DEL_IF_EQUAL, { keys: [this.key('access-token', appid)], arguments: [token] }), 'drop access token');
  }

  /** Takes the lock on refreshing `appid`'s token for `holder`, for `ms` at most; false when another holds it. */
  lockTokenRefresh(appid, holder, ms) {
    return bounded((async () => {
      const r = await this.client.set(this.key('access-token-lock', appid), holder, { condition: 'NX', expiration: { type: 'PX', value: ms } });
      return r !== null;
    })(), 'lock');
  }

  /** Releases the lock if `holder` still has it. */
  unlockTokenRefresh(appid, holder) {
    return bounded(this.client.eval(DEL_IF_EQUAL, { keys: [this.key('access-token-lock', appid)], arguments: [holder] }), 'unlock');
  }
}

/**
 * A connected client for `url`. Commands fail at once while the connection is down (no
 * offline queue: the request gets 500 instead of waiting), and the client reconnects in
 * the background. Errors are logged by kind only (the URL may hold a password).
 */
async function connect(url, log) {
  const client = createClient({
    url: url,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: 3000,
      reconnectStrategy: (retries) => Math.min(100 * 2 ** Math.min(retries, 5), 2000),
    },
  });
  let down = false;
  client.on('error', (e) => {
    if (!down) log('error: session store: redis connection failed (' + ((e && e.code) || (e && e.name) || 'error') + ')');
    down = true;
  });
  client.on('ready', () => {
    if (down) log('session store: redis connection restored');
    down = false;
  });
  await bounded(client.connect(), 'connect');
  await bounded(client.ping(), 'ping');
  return client;
}

module.exports = { RedisSessions, connect };
