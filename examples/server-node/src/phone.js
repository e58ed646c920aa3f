'use strict';
// Phone-number verification: the access-token policy and the masked answer, as the Rust
// server's (examples/server/src/phone.rs).
//
// getuserphonenumber needs the app's access token. It comes from stable_token in normal
// mode and is cached in Redis under the Rust server's key, so every instance (of either
// backend) on that Redis uses the same token:
// - the cached token is used until cacheSeconds(expires_in) have passed;
// - when none is cached, one instance at a time asks WeChat (the lock key, SET NX PX); the
//   others wait for the token to appear (LOCK_WAIT_MS at most, then they ask WeChat
//   themselves: normal mode hands out the token in force, so that costs only a call);
// - force_refresh is never sent: it revokes the token every other instance holds and WeChat
//   allows it 20 times a day. When getuserphonenumber answers 40001 or 42001 (the phone
//   code was not consumed), the cached token is dropped, fetched again in normal mode and
//   the call retried once.
const crypto = require('crypto');

/** Seconds before WeChat's expires_in the cached token is given up. */
const EARLY_SECONDS = 300;
/** How long the refresh lock holds at most. */
const LOCK_MS = 10000;
/** How long an instance waits for another one's refresh before asking WeChat itself. */
const LOCK_WAIT_MS = 3000;
/** How often a waiting instance looks for the refreshed token. */
const POLL_MS = 50;

/** How long a token WeChat gave with `expiresIn` is cached: 300 s less, or half when short, at least 1 s. */
function cacheSeconds(expiresIn) {
  return Math.max(1, expiresIn - Math.min(EARLY_SECONDS, Math.floor(expiresIn / 2)));
}

/** The number as answers show it: `138****8000`; fewer than 8 digits show only the last 2. */
function mask(number) {
  if (number.length >= 8) return number.slice(0, 3) + '****' + number.slice(-4);
  return '****' + number.slice(-2);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The access token of `appid`: the cached one, or one fetched from stable_token by one instance at a time. */
function createTokens(store, wechat, appid, log) {
  async function fetchToken() {
    const fresh = await wechat.stableToken();
    await store.putAccessToken(appid, fresh.token, cacheSeconds(fresh.expiresIn));
    return fresh.token;
  }

  return {
    async get() {
      const holder = crypto.randomBytes(16).toString('hex');
      const deadline = Date.now() + LOCK_WAIT_MS;
      for (;;) {
        const cached = await store.accessToken(appid);
        if (cached !== null) return cached;
        if (await store.lockTokenRefresh(appid, holder, LOCK_MS)) {
          try {
            const again = await store.accessToken(appid);
            return again !== null ? again : await fetchToken();
          } finally {
            await store.unlockTokenRefresh(appid, holder).catch(() => log('the token refresh lock was not released; it expires by itself'));
          }
        }
        if (Date.now() >= deadline) return fetchToken(); // the holder is slow or gone
        await sleep(POLL_MS);
      }
    },
    drop: (token) => store.dropAccessToken(appid, token),
  };
}

module.exports = { cacheSeconds, mask, createTokens, EARLY_SECONDS, LOCK_MS, LOCK_WAIT_MS };
