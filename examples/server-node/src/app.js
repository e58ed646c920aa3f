'use strict';
// The protocol the SDK speaks, on Fastify: the same routes, checks and answers as
// wx-auth-server (examples/server/README.md).
//
// | route                              | answer                                                  |
// | POST /auth/login {code}            | 200 {token, expiresIn}                                  |
// | POST /auth/logout + bearer         | 200 {ok: true} (always: idempotent)                     |
// | GET  /api/me + bearer              | 200 {openid, since}, 401 without a valid session        |
// | POST /auth/unbind {code} + bearer  | 200 {ok: true} after a fresh code proves the same user  |
// | POST /auth/phone {code} + bearer   | 200 {phoneNumber: "138****8000", countryCode}          |
// | POST /auth/profile + bearer,       | 200 {nickName, avatarUrl}, the saved profile            |
// |   multipart (avatar file, nickName) or JSON {nickName, avatarUrl}                            |
// | GET  /avatars/<32 hex>.<png|jpg|gif|webp> | 200, the uploaded image (public, immutable)      |
//
// The login reply carries profile: {nickName, avatarUrl} and /api/me a profile member when
// the user has saved one; unbind erases it with its file.
//
// Every other answer is {code, message}. Input is checked at the door, in the Rust
// server's order: the request head (431, 400, 411), the route (404, 405), the body size
// (413), then the content type (415) and the body (400), before anything is stored or
// sent to WeChat. Bodies are at most 1 KiB, except on /auth/profile (upload.js:
// MAX_UPLOAD_BODY, past it 413 AVATAR_TOO_LARGE; a JSON form at most 8 KiB), where the
// session is checked (401) and the content type (415) before the body is read.
//
// The avatars: AVATAR_DIR (where the files live, avatars.js) and PUBLIC_BASE_URL (the base
// of their URLs), read by config.js.
const http = require('http');
const Fastify = require('fastify');
const { ApiError, StoreError, badRequest, unauthorized, internal } = require('./errors.js');
const { WxError } = require('./wechat.js');
const token = require('./token.js');
const { mask, createTokens } = require('./phone.js');
const { FileError } = require('./avatars.js');
const upload = require('./upload.js');
const { tooLarge } = require('./profile.js');

const MAX_HEAD = 8 * 1024;
const MAX_BODY = 1024;
const MAX_CODE_CHARS = 128;
const CODE = /^[A-Za-z0-9_-]{1,128}$/;
const IO_TIMEOUT_MS = 10000;
/** Uploads read at once (each up to 1 MiB in memory): at most 32 MiB. */
const MAX_UPLOADS = 32;

const ROUTES = {
  '/auth/login': 'POST',
  '/auth/logout': 'POST',
  '/api/me': 'GET',
  '/auth/unbind': 'POST',
  '/auth/phone': 'POST',
  '/auth/profile': 'POST',
};
const AVATARS = '/avatars/';

const pathOf = (url) => {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
};

/** The profile as the SDK reads it: {nickName, avatarUrl}. */
const wireProfile = (p) => ({ nickName: p.nickName, avatarUrl: p.avatarUrl });

function send(reply, status, body) {
  return reply.code(status).header('Content-Type', 'application/json').send(JSON.stringify(body));
}

/**
 * Answers what node's HTTP parser refused before Fastify saw a request: a head over 8 KiB
 * (431), a malformed request line or header (400), a timeout (408). JSON like every other
 * answer, then the connection is closed.
 */
function clientError(log) {
  return (err, socket) => {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    let e;
    if (err.code === 'HPE_HEADER_OVERFLOW') e = new ApiError(431, 'HEADERS_TOO_LARGE', 'the request head is over 8 KiB');
    else if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') e = new ApiError(408, 'REQUEST_TIMEOUT', 'the request took too long');
    else e = badRequest('malformed request');
    log('(unreadable request) ' + e.status);
    if (socket.writable) {
      const body = JSON.stringify(e.body());
      socket.write('HTTP/1.1 ' + e.status + ' ' + http.STATUS_CODES[e.status] + '\r\nContent-Type: application/json\r\nContent-Length: ' +
        Buffer.byteLength(body) + '\r\nConnection: close\r\n\r\n' + body);
    }
    socket.destroy();
  };
}

/**
 * The server: `store` (RedisSessions), `wechat` ({exchange, stableToken, phoneNumber}),
 * `appid` (the access token is cached under it), `ttl` (seconds), `avatars` (an AvatarDir),
 * `clock()` (Unix seconds), `log(line)` (stderr in production).
 */
function buildApp(options) {
  const { store, wechat, ttl, appid, avatars } = options;
  const clock = options.clock || (() => Math.floor(Date.now() / 1000));
  const log = options.log || ((line) => process.stderr.write(line + '\n'));
  const tokens = createTokens(store, wechat, appid, log);

  const app = Fastify({
    logger: false, // one line per request is written below: method, path, status, never a header or body
    bodyLimit: MAX_BODY,
    requestTimeout: IO_TIMEOUT_MS, // the whole request, head and body
    connectionTimeout: IO_TIMEOUT_MS, // an idle socket
    keepAliveTimeout: 5000,
    return503OnClosing: true,
    exposeHeadRoutes: false,
    forceCloseConnections: 'idle',
    // node checks the head and request timeouts every connectionsCheckingInterval (30 s by default)
    http: { maxHeaderSize: MAX_HEAD, headersTimeout: IO_TIMEOUT_MS, connectionsCheckingInterval: 1000 },
    clientErrorHandler: clientError(log),
  });

  // Every body is read as bytes (up to bodyLimit; more is 413 unread), whatever its
  // content type: the type is checked per route, after the size, as the Rust server does.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (req, body, done) => done(null, body));

  // The head was read: chunked bodies, unknown paths and wrong methods are refused before
  // any body is read.
  app.addHook('onRequest', async (req, reply) => {
    if (req.headers['transfer-encoding'] !== undefined) {
      reply.header('Connection', 'close');
      throw new ApiError(411, 'LENGTH_REQUIRED', 'send the body with a Content-Length');
    }
    const path = pathOf(req.raw.url);
    const allowed = path.startsWith(AVATARS) ? 'GET' : ROUTES[path];
    if (!allowed) throw new ApiError(404, 'NOT_FOUND', 'no such endpoint');
    if (req.method !== allowed) throw new ApiError(405, 'METHOD_NOT_ALLOWED', path + ' takes ' + allowed);
    // The upload's own limit, from Content-Length, before anything is read (every body has
    // one: Transfer-Encoding is refused above).
    if (path === '/auth/profile' && Number(req.headers['content-length'] || 0) > upload.MAX_UPLOAD_BODY) {
      reply.header('Connection', 'close');
      throw tooLarge();
    }
  });

  app.addHook('onResponse', async (req, reply) => {
    log(req.method + ' ' + pathOf(req.raw.url) + ' ' + reply.statusCode);
  });

  app.setErrorHandler((err, req, reply) => {
    let e = err;
    if (err instanceof WxError) {
      log(err.describe());
      e = err.toApi();
    } else if (err instanceof StoreError) {
      log('error: session store: ' + err.message);
      e = internal();
    } else if (err instanceof FileError) {
      log('error: avatar files: ' + err.message);
      e = new ApiError(500, 'INTERNAL', 'the avatar could not be stored or read');
    } else if (!(err instanceof ApiError)) {
      if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        e = new ApiError(413, 'PAYLOAD_TOO_LARGE', 'the body is over ' + (req.routeOptions.bodyLimit || MAX_BODY) + ' bytes');
      } else if (err.statusCode >= 400 && err.statusCode < 500) {
        e = badRequest('the request could not be read');
      } else {
        log('error: ' + ((err && err.name) || 'error') + (err && err.code ? ' ' + err.code : ''));
        e = new ApiError(500, 'INTERNAL', 'internal error');
      }
    }
    if (e.status === 413 || e.status === 411) reply.header('Connection', 'close'); // the body stays unread
    return send(reply, e.status, e.body());
  });

  // Reached only through onRequest's 404 (kept for requests Fastify routes nowhere).
  app.setNotFoundHandler((req, reply) => send(reply, 404, new ApiError(404, 'NOT_FOUND', 'no such endpoint').body()));

  /** The `{"code"}` of a JSON body: 415 unless application/json, 400 unless an object with a well-formed string code. */
  function readCode(req) {
    const media = String(req.headers['content-type'] || '').split(';')[0].trim().toLowerCase();
    if (media !== 'application/json') throw new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', 'the body must be application/json');
    let doc;
    try {
      const text = new TextDecoder('utf-8', { fatal: true }).decode(req.body || Buffer.alloc(0));
      doc = JSON.parse(text);
    } catch (e) {
      throw badRequest('the body is not JSON');
    }
    if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw badRequest('the body is not a JSON object');
    if (typeof doc.code !== 'string') throw badRequest('the body has no string "code"');
    if (!CODE.test(doc.code)) throw badRequest('the code must be 1 to ' + MAX_CODE_CHARS + ' characters of A-Z, a-z, 0-9, _ and -');
    return doc.code;
  }

  /** The live session of the request's bearer token, or 401. */
  async function session(req) {
    const t = token.fromBearer(req.headers.authorization);
    if (!t) throw unauthorized();
    const s = await store.session(token.hash(t), clock());
    if (!s) throw unauthorized();
    return s;
  }

  app.post('/auth/login', async (req, reply) => {
    const code = readCode(req);
    const identity = await wechat.exchange(code);
    const fresh = token.generate();
    const now = clock();
    await store.createSession(identity.openid, fresh.hash, now, now + ttl);
    if (identity.unionid) await store.setUnionid(identity.openid, identity.unionid);
    const profile = await store.profile(identity.openid);
    const body = { token: fresh.token, expiresIn: ttl };
    if (profile) body.profile = wireProfile(profile);
    return send(reply, 200, body);
  });

  app.post('/auth/logout', async (req, reply) => {
    const t = token.fromBearer(req.headers.authorization);
    if (t) await store.revoke(token.hash(t));
    return send(reply, 200, { ok: true });
  });

  app.get('/api/me', async (req, reply) => {
    const s = await session(req);
    const body = { openid: s.openid, since: s.since };
    if (s.unionid) body.unionid = s.unionid;
    if (s.profile) body.profile = wireProfile(s.profile);
    return send(reply, 200, body);
  });

  // Saves the user's profile (upload.js has the two forms and their checks): the session and
  // the content type before the body is read; an upload is written to the avatar directory,
  // then the profile stored, then the file the user's previous profile had deleted. A refused
  // request, or a store that fails, leaves no file and no change behind.
  let uploadsInFlight = 0;
  app.register(async (scope) => {
    await scope.register(require('@fastify/multipart'), upload.MULTIPART_OPTIONS);
    scope.post('/auth/profile', {
      bodyLimit: upload.MAX_PROFILE_JSON,
      preParsing: async (req, reply, payload) => {
        req.profileSession = await session(req);
        req.profileForm = upload.formOf(req);
        if (req.profileForm === 'multipart') {
          // An upload holds its body in memory until the file is written: a bounded number
          // at once (the Rust server's MAX_UPLOADS); one more is turned away, not queued.
          if (uploadsInFlight >= MAX_UPLOADS) throw new ApiError(503, 'BUSY', 'too many uploads at once; try again shortly');
          uploadsInFlight += 1;
          let released = false;
          const release = () => {
            if (!released) { released = true; uploadsInFlight -= 1; }
          };
          reply.raw.once('finish', release);
          reply.raw.once('close', release);
        }
        return payload;
      },
    }, async (req, reply) => {
      const s = req.profileSession;
      const input = req.profileForm === 'json' ? upload.readJson(req.body) : await upload.readMultipart(req);
      const profile = { nickName: input.nickName, avatarUrl: input.avatarUrl, avatarFile: null };
      if (input.avatar) {
        profile.avatarFile = await avatars.save(input.avatar.bytes, input.avatar.kind);
        profile.avatarUrl = avatars.url(profile.avatarFile);
      }
      let saved;
      try {
        saved = await store.setProfile(s.openid, profile);
      } catch (e) {
        // A store that did not answer in time may still write the profile: its file stays then
        // (at worst a file nothing refers to, never a profile without its file).
        if (profile.avatarFile && !e.timedOut) await avatars.remove(profile.avatarFile, log);
        throw e;
      }
      if (!saved.stored) {
        // Not bound: an unbind ended the session meanwhile.
        if (profile.avatarFile) await avatars.remove(profile.avatarFile, log);
        throw unauthorized();
      }
      if (saved.orphan) await avatars.remove(saved.orphan, log);
      return send(reply, 200, wireProfile(profile));
    });
  });

  // An uploaded avatar, public: only names the server makes are looked up; the bytes with
  // their type, nosniff, and cached for a year (a name is never reused).
  app.get('/avatars/:name', async (req, reply) => {
    const found = await avatars.read(pathOf(req.raw.url).slice(AVATARS.length));
    if (!found) throw new ApiError(404, 'NOT_FOUND', 'no such avatar');
    return reply.code(200)
      .header('Content-Type', found.kind.type)
      .header('X-Content-Type-Options', 'nosniff')
      .header('Cache-Control', 'public, max-age=31536000, immutable')
      .send(found.bytes);
  });

  // Exchanges a phone button's code for the number (with the session's openid, which WeChat
  // checks against the code), stores it in full with the user and answers it masked. The
  // session is checked first, so a refused request never spends the code.
  app.post('/auth/phone', async (req, reply) => {
    const s = await session(req);
    const code = readCode(req);
    const phoneError = (e) => {
      if (!(e instanceof WxError)) return e;
      log(e.describe());
      return e.toPhoneApi();
    };
    let accessToken = await tokens.get().catch((e) => { throw phoneError(e); });
    let info;
    for (let retried = false; ;) {
      try {
        info = await wechat.phoneNumber(accessToken, code, s.openid);
        break;
      } catch (e) {
        if (e instanceof WxError && e.kind === 'token-invalid' && !retried) {
          // The code was not consumed: drop the token, fetch it again (normal mode, never
          // force_refresh) and try once more.
          log('getuserphonenumber refused the access token (errcode ' + e.detail + '); fetching it again');
          retried = true;
          await tokens.drop(accessToken);
          accessToken = await tokens.get().catch((e2) => { throw phoneError(e2); });
          continue;
        }
        throw phoneError(e);
      }
    }
    await store.setPhone(s.openid, info);
    return send(reply, 200, { phoneNumber: mask(info.number), countryCode: info.countryCode });
  });

  // Deletes the user's binding and sessions, after a fresh wx.login code shows the same
  // WeChat user is present now (a stolen token alone cannot erase an account).
  app.post('/auth/unbind', async (req, reply) => {
    const s = await session(req);
    const code = readCode(req);
    const identity = await wechat.exchange(code);
    if (identity.openid !== s.openid) {
      throw new ApiError(403, 'IDENTITY_MISMATCH', 'the login code belongs to another WeChat user than the session');
    }
    const erased = await store.unbind(s.openid);
    if (erased && erased.avatarFile) await avatars.remove(erased.avatarFile, log);
    return send(reply, 200, { ok: true });
  });

  return app;
}

module.exports = { buildApp, MAX_BODY, MAX_HEAD };
