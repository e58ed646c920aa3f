'use strict';
// Runs a cloud function the way the platform does, against the wx-server-sdk stand-in:
//
//   invoke(functionDir, event, {OPENID, APPID, UNIONID, SOURCE}, options)
//
// - `require('wx-server-sdk')`, from the function or anything it loads, resolves to
//   tests/cloud/wx-server-sdk (a Module._resolveFilename hook): the function's files are the
//   deployable ones, unchanged, and no real SDK is installed or vendored;
// - the function is loaded once and kept (a warm instance); options.cold loads it afresh;
// - the event is what wx.cloud.callFunction's `data` becomes: JSON-serialised (as it travels),
//   plus the platform's own `userInfo: {appId, openId}` when a user called ({appId} alone for
//   an HTTP API call), replacing any `userInfo` the caller put in `data`;
// - exports.main(event, context) runs in its own async context holding the WeChat context
//   (what getWXContext() returns) and the permissions of the function's config.json, so
//   concurrent invocations keep apart;
// - what main resolves is JSON-serialised (what callFunction's `result` is); a throw or a
//   rejection is callFunction's failure (errCode -404011, "cloud function execution error");
// - what the function writes with console.* during the call is kept in `logs` (the cloud
//   log), not printed.
//
// Resolves {result, error, logs}: result is null when error is set.
const fs = require('fs');
const path = require('path');
const Module = require('module');
const state = require('./wx-server-sdk/state.js');

const STANDIN = path.join(__dirname, 'wx-server-sdk', 'index.js');

let hooked = false;
function hook() {
  if (hooked) return;
  hooked = true;
  const resolve = Module._resolveFilename;
  Module._resolveFilename = function resolveStandIn(request, parent, isMain, options) {
    if (request === 'wx-server-sdk') return STANDIN;
    return resolve.call(this, request, parent, isMain, options);
  };
  // console.* inside an invocation goes to that invocation's log.
  ['log', 'info', 'warn', 'error', 'debug'].forEach((level) => {
    const original = console[level];
    console[level] = function logOrKeep() {
      const invocation = state.invocation.getStore();
      if (!invocation) return original.apply(console, arguments);
      invocation.logs.push(level + ': ' + Array.prototype.map.call(arguments, String).join(' '));
      return undefined;
    };
  });
}

/** The function's exports.main, loaded once per directory (options.cold: afresh). */
function load(dir, cold) {
  const entry = path.join(dir, 'index.js');
  if (cold) {
    Object.keys(require.cache).forEach((file) => {
      if (file.startsWith(dir + path.sep)) delete require.cache[file];
    });
  }
  const exported = require(entry);
  if (typeof exported.main !== 'function') throw new Error(entry + ' has no exports.main');
  return exported.main;
}

/** permissions.openapi of the function's config.json ([] when absent). */
function permissionsOf(dir) {
  const file = path.join(dir, 'config.json');
  if (!fs.existsSync(file)) return [];
  const config = JSON.parse(fs.readFileSync(file, 'utf8'));
  return (config.permissions && Array.isArray(config.permissions.openapi)) ? config.permissions.openapi.slice() : [];
}

/** The value as it arrives after a trip through JSON (undefined stays undefined). */
function overTheWire(value) {
  if (value === undefined) return undefined;
  return JSON.parse(JSON.stringify(value));
}

let invocations = 0;

async function invoke(functionDir, event, identity, options) {
  hook();
  const dir = path.resolve(functionDir);
  const who = identity || {};
  const opts = options || {};
  const main = load(dir, opts.cold);
  let clientEvent = overTheWire(event === undefined ? {} : event);
  if (clientEvent !== null && typeof clientEvent === 'object' && !Array.isArray(clientEvent) && (who.OPENID || who.APPID)) {
    // A user's call carries {appId, openId}; an HTTP API call only {appId} (invokeCloudFunction's
    // documented resp_data: {"event":{"userInfo":{"appId":"SAMPLE_APPID"}}}).
    clientEvent.userInfo = who.OPENID ? { appId: who.APPID, openId: who.OPENID } : { appId: who.APPID };
  }
  const wxContext = { ENV: state.envId, SOURCE: who.SOURCE || 'wx_client', CLIENTIP: '127.0.0.1' };
  if (who.OPENID) wxContext.OPENID = who.OPENID;
  if (who.APPID) wxContext.APPID = who.APPID;
  if (who.UNIONID) wxContext.UNIONID = who.UNIONID;
  invocations += 1;
  const context = {
    request_id: 'standin-' + invocations,
    function_name: path.basename(dir),
    function_version: '$LATEST',
    memory_limit_in_mb: 256,
    time_limit_in_ms: 3000,
  };
  const invocation = {
    wxContext: wxContext,
    permissions: opts.permissions || permissionsOf(dir),
    logs: [],
  };
  try {
    const value = await state.invocation.run(invocation, () => main(clientEvent, context));
    const result = value === undefined ? null : overTheWire(value);
    return { result: result, error: null, logs: invocation.logs };
  } catch (e) {
    return {
      result: null,
      error: { errCode: -404011, errMsg: 'cloud.callFunction:fail cloud function execution error', cause: e },
      logs: invocation.logs,
    };
  }
}

module.exports = { invoke, STANDIN };
