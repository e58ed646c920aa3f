'use strict';
// The cloud transport: createAuth({cloud: {...}}) carries the SDK's requests over WeChat
// Cloud Development instead of wx.request, for apps with no server of their own.
//
//   cloud: { env?, function: 'wxauth' }  wx.cloud.callFunction: each request becomes the
//       event {path, method, header, data} of one cloud function, which answers
//       {statusCode, data}. WeChat tells the function who calls (OPENID), so login and
//       unbind send no wx.login code.
//   cloud: { env?, service: 'api' }      wx.cloud.callContainer (CloudRun, base library
//       2.23.0+): the same HTTP API, to the container named by X-WX-SERVICE.
//
// The URLs given to createAuth keep only their path ('https://api.example.com/auth/login'
// is '/auth/login'), so switching an app to the cloud is this one option. An avatar is
// put in cloud storage (wx.cloud.uploadFile) and its fileID saved as JSON.
//
// This file only maps one carrier's shapes onto those of wx.request and wx.uploadFile;
// what to send and what an answer means is decided in Rust. Call wx.cloud.init in
// app.js before createAuth.

function invalid(message) {
  var err = new Error(message);
  err.name = 'AuthError';
  err.code = 'INVALID_ARGUMENT';
  return err;
}

/** The path (and query) of an absolute URL; anything else as it is. */
function pathOf(url) {
  var m = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*([^#]*)/i.exec(url);
  return m ? (m[1] || '/') : url;
}

/** A cloud API's failure ({errCode, errMsg}) as the SDK reads wx's ({errMsg, errno}). */
function failure(api, e) {
  var out = { errMsg: e && typeof e.errMsg === 'string' ? e.errMsg : api + ':fail ' + String((e && e.message) || e) };
  var n = e && (typeof e.errno === 'number' ? e.errno : e.errCode);
  if (typeof n === 'number') out.errno = n;
  return out;
}

/** The response a cloud function's result stands for: {statusCode, data}, or a 502. */
function responseOf(result, dataType) {
  if (!result || typeof result !== 'object' || typeof result.statusCode !== 'number') {
    result = { statusCode: 502, data: { code: 'BAD_GATEWAY', message: 'the cloud function did not answer {statusCode, data}' } };
  }
  var data = result.data === undefined ? '' : result.data;
  if (dataType === 'text' && typeof data !== 'string') data = JSON.stringify(data);
  return { errMsg: 'request:ok', statusCode: result.statusCode, data: data, header: result.header || {} };
}

/**
 * `o`'s success and fail, called at most once between them, and a fail with errno 5 when
 * `o.timeout` ms pass first (wx.request's own timeout; callFunction and uploadFile have none).
 */
function guarded(o, api) {
  var done = false;
  var timer = o.timeout > 0 ? setTimeout(function () { end(o.fail, { errMsg: api + ':fail timeout', errno: 5 }); }, o.timeout) : null;
  function end(callback, value) {
    if (done) return;
    done = true;
    // (jsc's shell, like some engines, has setTimeout and no clearTimeout.)
    if (timer !== null && typeof clearTimeout === 'function') clearTimeout(timer);
    callback(value);
  }
  return {
    success: function (value) { end(o.success, value); },
    fail: function (e) { end(o.fail, failure(api, e)); },
  };
}

function withEnv(cloud, options) {
  if (cloud.env) options.config = { env: cloud.env };
  return options;
}

function callFunction(cloud) {
  return function (o) {
    var end = guarded(o, 'cloud.callFunction');
    wx.cloud.callFunction(withEnv(cloud, {
      name: cloud.function,
      data: { path: pathOf(String(o.url)), method: o.method || 'GET', header: o.header || {}, data: o.data },
      success: function (res) { end.success(responseOf(res && res.result, o.dataType)); },
      fail: end.fail,
    }));
  };
}

function callContainer(cloud) {
  return function (o) {
    wx.cloud.callContainer(withEnv(cloud, {
      path: pathOf(String(o.url)),
      method: o.method || 'GET',
      header: Object.assign({}, o.header, { 'X-WX-SERVICE': cloud.service }),
      data: o.data,
      dataType: o.dataType,
      timeout: o.timeout,
      success: o.success,
      fail: function (e) { o.fail(failure('cloud.callContainer', e)); },
    }));
  };
}

/** wx.uploadFile's job over the cloud: the file to cloud storage, then its fileID as JSON. */
function uploadFile(cloud, request) {
  return function (o) {
    var end = guarded(o, 'cloud.uploadFile');
    var ext = (/\.[a-z0-9]{1,5}$/i.exec(String(o.filePath)) || ['.png'])[0];
    var cloudPath = 'wxauth/avatars/' + Date.now() + '-' + Math.random().toString(36).slice(2, 10) + ext;
    wx.cloud.uploadFile(withEnv(cloud, {
      cloudPath: cloudPath,
      filePath: o.filePath,
      success: function (res) {
        request({
          url: o.url,
          method: 'POST',
          header: Object.assign({}, o.header, { 'content-type': 'application/json' }),
          data: JSON.stringify({ nickName: o.formData && o.formData.nickName, avatarUrl: res.fileID }),
          dataType: 'text',
          success: end.success,
          fail: end.fail,
        });
      },
      fail: end.fail,
    }));
  };
}

/**
 * The options createAuth passes on for `cloud`: its transport functions, and
 * loginWithoutCode for a cloud function. Throws INVALID_ARGUMENT for a bad `cloud`.
 */
function options(cloud) {
  if (!cloud || typeof cloud !== 'object') throw invalid('cloud must be {env?, function} or {env?, service}');
  var fn = cloud.function;
  var service = cloud.service;
  var named = function (v) { return typeof v === 'string' && v !== ''; };
  if (named(fn) === named(service) || (fn !== undefined && !named(fn)) || (service !== undefined && !named(service))) {
    throw invalid('cloud needs either function (a cloud function name) or service (a CloudRun service name)');
  }
  if (cloud.env !== undefined && typeof cloud.env !== 'string') throw invalid('cloud.env must be a string');
  var api = fn ? 'callFunction' : 'callContainer';
  if (typeof wx === 'undefined' || !wx.cloud || typeof wx.cloud[api] !== 'function' || typeof wx.cloud.uploadFile !== 'function') {
    throw invalid('wx.cloud.' + api + ' is missing: enable cloud development ("cloud": true in app.json; callContainer needs base library 2.23.0)');
  }
  var request = fn ? callFunction(cloud) : callContainer(cloud);
  return { transport: { request: request, uploadFile: uploadFile(cloud, request) }, loginWithoutCode: Boolean(fn) };
}

module.exports = { options: options, pathOf: pathOf };
