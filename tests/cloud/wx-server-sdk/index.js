'use strict';
// A stand-in for wx-server-sdk: what examples/cloudfunctions/wxauth uses, faithful to the
// documented behaviour (see database.js and openapi.js), in memory. The tests reach its state
// through control.js, never through this module: the function sees only the SDK's surface.
//
// - init({env}) and DYNAMIC_CURRENT_ENV (the function's own environment);
// - getWXContext(): the calling invocation's {OPENID, APPID, UNIONID (when bound), ENV,
//   SOURCE, CLIENTIP}, read from the invocation in progress (invoke.js runs each in its own
//   async context, so concurrent invocations keep their own); outside exports.main there is
//   none ("请不要在 exports.main 外使用 getWXContext") and it gives {};
// - database(): database.js; openapi: openapi.js.
const state = require('./state.js');
const { database } = require('./database.js');
const openapi = require('./openapi.js');

const DYNAMIC_CURRENT_ENV = Symbol('DYNAMIC_CURRENT_ENV');

function init(options) {
  const env = options && options.env;
  state.initEnv = env === undefined ? DYNAMIC_CURRENT_ENV : env;
}

function getWXContext() {
  const invocation = state.invocation.getStore();
  return invocation ? Object.assign({}, invocation.wxContext) : {};
}

module.exports = {
  init: init,
  DYNAMIC_CURRENT_ENV: DYNAMIC_CURRENT_ENV,
  getWXContext: getWXContext,
  database: database,
  openapi: { phonenumber: openapi.phonenumber },
};
