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
//
// A session counts only while its binding id matches the user's current one, so a session
// created while an unbind runs on another instance never comes back to life.
const crypto = require('crypto');
const { createClient } = require('@redis/client');
const { StoreError } = require('./errors.js');

/** How long one store operation may take before the request is answered 500. */
const OPERATION_TIMEOUT_MS = 3000;

const corrupt = () => new StoreError('redis: a stored record is malformed');

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
    timer = setTimeout(() => reject(new StoreError('redis: ' + what + ' timed out')), OPERATION_TIMEOUT_MS);
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

  /** The live session under `tokenHash` at `now`: `{openid, since, expiresAt}` or null. */
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
      const user = await this.client.get(this.key('user', m[3]));
      if (user === null) return null;
      const { since, binding } = parseUser(user);
      if (binding !== m[2]) return null;
      return { openid: m[3], since: since, expiresAt: expiresAt };
    })(), 'read session');
  }

  /** Ends the session under `tokenHash`; ending an unknown session is no error. */
  revoke(tokenHash) {
    return bounded(this.client.del(this.key('session', tokenHash)), 'revoke');
  }

  /** Deletes `openid`'s binding and every session of that user. */
  unbind(openid) {
    return bounded((async () => {
      const userKey = this.key('user', openid);
      const indexKey = this.key('user-sessions', openid);
      // The binding goes first: from then on no session of it counts, whatever happens to the rest.
      await this.client.del(userKey);
      const members = await this.client.sMembers(indexKey);
      await this.client.del([indexKey].concat(members.map((h) => this.key('session', h))));
    })(), 'unbind');
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
