'use strict';
// Configuration from the environment, as wx-auth-server reads it (examples/server/README.md).
// The secret is kept out of the object's inspection and JSON forms.

const WECHAT_API_BASE = 'https://api.weixin.qq.com';

/** The configuration from `env` (process.env); throws with a message naming the variable. */
function fromEnv(env) {
  const v = (name) => (typeof env[name] === 'string' && env[name].trim() !== '' ? env[name] : undefined);
  const appid = v('WX_APPID');
  if (!appid) throw new Error('WX_APPID is required');
  const secret = v('WX_SECRET');
  if (!secret) throw new Error('WX_SECRET is required');
  const redisUrl = v('REDIS_URL');
  if (!redisUrl) throw new Error('REDIS_URL is required (redis://[[user]:password@]host[:port][/db])');
  let sessionTtl = 7200;
  if (v('SESSION_TTL_SECONDS') !== undefined) {
    const text = v('SESSION_TTL_SECONDS').trim();
    sessionTtl = /^\d+$/.test(text) ? Number(text) : NaN;
    if (!(sessionTtl >= 1 && sessionTtl <= 31536000)) throw new Error('SESSION_TTL_SECONDS must be a whole number of seconds from 1 to 31536000');
  }
  const listen = v('LISTEN') || '127.0.0.1:8080';
  const colon = listen.lastIndexOf(':');
  const port = Number(listen.slice(colon + 1));
  if (colon < 0 || !/^\d+$/.test(listen.slice(colon + 1)) || port > 65535) throw new Error('LISTEN must be HOST:PORT');
  let publicBaseUrl;
  if (v('PUBLIC_BASE_URL') !== undefined) {
    publicBaseUrl = v('PUBLIC_BASE_URL').trim().replace(/\/+$/, '');
    const rest = /^https?:\/\/(.*)$/.exec(publicBaseUrl);
    if (!rest || rest[1] === '' || /[\p{White_Space}\p{Cc}]/u.test(publicBaseUrl)) {
      throw new Error('PUBLIC_BASE_URL must be an http:// or https:// URL (https://api.example.com)');
    }
  }
  const config = {
    appid: appid,
    apiBase: (v('WX_API_BASE') || WECHAT_API_BASE).replace(/\/+$/, ''),
    host: listen.slice(0, colon).replace(/^\[(.*)\]$/, '$1'),
    port: port,
    redisUrl: redisUrl,
    sessionTtl: sessionTtl,
    // Where uploaded avatars are stored (created on the first upload).
    avatarDir: v('AVATAR_DIR') || 'avatars',
    // The base of the avatars' URLs; undefined: http:// and the address the server listens on.
    publicBaseUrl: publicBaseUrl,
  };
  // Not enumerable: console.log(config), util.inspect and JSON.stringify leave it out.
  Object.defineProperty(config, 'secret', { value: secret, enumerable: false });
  return config;
}

module.exports = { fromEnv, WECHAT_API_BASE };
