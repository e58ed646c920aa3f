'use strict';
// The envelope. The SDK's cloud transport calls
//   wx.cloud.callFunction({name: 'wxauth', data: {path, method, header, data}})
// where {path, method, header, data} mirror an HTTP request (header: {authorization: 'Bearer
// <token>'} when there is a session; data: the body, a JSON string or an object, or none), and
// reads the function's result {statusCode, data} as the HTTP response: the same statuses and
// bodies ({code, message} on errors) as the HTTP reference servers, so the SDK's logic does not
// change. WeChat adds its own `userInfo` to the event; the caller's identity is read from
// cloud.getWXContext() only, never from the event.
//
// Checked in the HTTP servers' order: the envelope (400), the route (404, 405), the body's
// size (413), then per route the session (401), the content type (415) and the body (400).
// Nothing the caller sends makes the function throw: every outcome is an envelope.
const { ApiError, StoreError, ConfigError, badRequest, unauthorized, notFound, internal } = require('./errors.js');
const sessions = require('./sessions.js');
const store = require('./store.js');
const { nowSeconds } = require('./config.js');

/** Largest body taken, in bytes of JSON (a profile's avatarUrl alone may be 2048). */
const MAX_BODY = 8 * 1024;
const MAX_PATH = 2048;

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The path without its query string. */
function pathOf(raw) {
  const q = raw.indexOf('?');
  return q < 0 ? raw : raw.slice(0, q);
}

/** The header with lower-case names; only string values are kept. */
function headerOf(raw) {
  const header = {};
  if (raw === undefined || raw === null) return header;
  if (!isObject(raw)) throw badRequest('the envelope\'s header is not an object');
  Object.keys(raw).forEach((name) => {
    if (typeof raw[name] === 'string') header[name.toLowerCase()] = raw[name];
  });
  return header;
}

/** The request an envelope describes, or a thrown 400. A missing method is GET, as in wx.request. */
function readEnvelope(event) {
  if (!isObject(event)) throw badRequest('the call carries no request envelope');
  if (typeof event.path !== 'string' || event.path.charAt(0) !== '/' || event.path.length > MAX_PATH) {
    throw badRequest('the envelope has no path (a string that starts with /)');
  }
  let method = 'GET';
  if (event.method !== undefined && event.method !== null) {
    if (typeof event.method !== 'string' || !/^[A-Za-z]{1,16}$/.test(event.method)) {
      throw badRequest('the envelope\'s method is not an HTTP method');
    }
    method = event.method.toUpperCase();
  }
  return { path: pathOf(event.path), method: method, header: headerOf(event.header), data: event.data };
}

/** The body's size in bytes: a string as it is, anything else as its JSON text. */
function bodySize(data) {
  if (data === undefined || data === null) return 0;
  if (typeof data === 'string') return Buffer.byteLength(data, 'utf8');
  let text;
  try {
    text = JSON.stringify(data);
  } catch (e) {
    return Infinity; // a cycle cannot come through callFunction; refuse it all the same
  }
  return typeof text === 'string' ? Buffer.byteLength(text, 'utf8') : 0;
}

/**
 * The body as a JSON object: a content-type header, when there is one, must be JSON (else 415,
 * as the HTTP servers answer); a string must be JSON text (else 400); the value must be an
 * object (else 400).
 */
function readJson(req) {
  const type = req.header['content-type'];
  if (type !== undefined && type.split(';')[0].trim().toLowerCase() !== 'application/json') {
    throw new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', 'the body must be application/json');
  }
  let doc = req.data;
  if (doc === undefined || doc === null) throw badRequest('the body is not JSON');
  if (typeof doc === 'string') {
    try {
      doc = JSON.parse(doc);
    } catch (e) {
      throw badRequest('the body is not JSON');
    }
  }
  if (!isObject(doc)) throw badRequest('the body is not a JSON object');
  return doc;
}

/** The envelope for a thrown error: its own answer, or 500 (the details go to the log only). */
function toResult(e) {
  let answer = e;
  if (e instanceof StoreError) {
    console.error(store.describe(e));
    answer = internal();
  } else if (e instanceof ConfigError) {
    console.error('configuration: ' + e.message);
    answer = new ApiError(500, 'INTERNAL', 'the function is misconfigured');
  } else if (!(e instanceof ApiError)) {
    console.error('error: ' + ((e && e.name) || 'error') + (e && e.code ? ' ' + e.code : ''));
    answer = new ApiError(500, 'INTERNAL', 'internal error');
  }
  return { statusCode: answer.status, data: answer.body() };
}

/** A router over `routes` ({'/path': {method, auth, handler}}): `route(event, wx)` resolves the result envelope. */
function createRouter(routes) {
  return async function route(event, wx) {
    let req = null;
    let result;
    try {
      req = readEnvelope(event);
      const entry = Object.prototype.hasOwnProperty.call(routes, req.path) ? routes[req.path] : null;
      if (!entry) throw notFound();
      if (req.method !== entry.method) throw new ApiError(405, 'METHOD_NOT_ALLOWED', req.path + ' takes ' + entry.method);
      if (bodySize(req.data) > MAX_BODY) throw new ApiError(413, 'PAYLOAD_TOO_LARGE', 'the body is over ' + MAX_BODY + ' bytes');
      req.wx = wx;
      const current = req;
      req.json = () => readJson(current);
      if (entry.auth) {
        if (!wx.openid) throw unauthorized();
        req.session = await sessions.authenticate(req.header, wx.openid, nowSeconds());
      }
      result = await entry.handler(req);
      if (!result || typeof result.statusCode !== 'number' || !isObject(result.data)) {
        throw new TypeError('a handler answered no {statusCode, data}');
      }
    } catch (e) {
      result = toResult(e);
    }
    // One line per call, as the HTTP servers log a request: never a header or a body.
    console.log((req ? req.method + ' ' + req.path : '(no envelope)') + ' ' + result.statusCode);
    return result;
  };
}

module.exports = { createRouter, readEnvelope, readJson, toResult, MAX_BODY };
