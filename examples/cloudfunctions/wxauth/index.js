'use strict';
// wxauth: wx-auth's backend as one WeChat cloud function. The SDK's cloud transport calls it
// with an HTTP-shaped envelope and reads an HTTP-shaped result (router.js):
//
// | route                               | answer                                                      |
// | POST /auth/login                    | 200 {token, expiresIn, profile?}                            |
// | POST /auth/logout + bearer          | 200 {ok: true} (always)                                     |
// | POST /auth/unbind + bearer          | 200 {ok: true}: the user, their sessions and number deleted |
// | POST /auth/phone {code} + bearer    | 200 {phoneNumber: '138****8000', countryCode}               |
// | POST /auth/profile {nickName, avatarUrl} + bearer | 200 {nickName, avatarUrl}                     |
// | GET  /api/me + bearer               | 200 {openid, unionid?, since, phoneNumber?, profile?}       |
//
// Every other answer is {code, message}, with the HTTP reference servers' statuses and codes.
// Identity comes from cloud.getWXContext() (OPENID, and UNIONID when the mini-program is bound
// to an Open Platform account), never from the event.
//
// Called by its timer trigger (config.json; SOURCE wx_trigger, an event {Type: 'Timer', …}),
// it deletes every session that has ended.
const cloud = require('wx-server-sdk');

cloud.init({ env: cloud.DYNAMIC_CURRENT_ENV });

const { createRouter, toResult } = require('./router.js');
const auth = require('./auth.js');
const phone = require('./phone.js');
const profile = require('./profile.js');
const api = require('./api.js');
const sessions = require('./sessions.js');
const { nowSeconds } = require('./config.js');

const AUTH_ROUTES = {
  '/auth/login': { method: 'POST', handler: auth.login },
  '/auth/logout': { method: 'POST', handler: auth.logout },
  '/auth/unbind': { method: 'POST', auth: true, handler: auth.unbind },
  '/auth/phone': { method: 'POST', auth: true, handler: phone.verifyPhone },
  '/auth/profile': { method: 'POST', auth: true, handler: profile.saveProfile },
};

const routes = Object.assign({}, api, AUTH_ROUTES); // /auth/* cannot be replaced from api.js
Object.keys(api).forEach((path) => {
  if (AUTH_ROUTES[path]) console.error('api.js: ' + path + ' is one of wxauth\'s own routes; yours is ignored');
});
const route = createRouter(routes);

/** An identifier WeChat sends (OPENID, APPID, UNIONID): 1 to 128 visible ASCII characters, else none. */
const usableId = (id) => (typeof id === 'string' && /^[\x21-\x7e]{1,128}$/.test(id) ? id : null);

/**
 * A call of the timer trigger: WeChat's SOURCE says so ("wx_trigger: 云函数定时触发器调用",
 * Cloud.getWXContext; a client cannot set it) and the event is the timer's
 * {Type: 'Timer', TriggerName, Time, Message} (Tencent Cloud SCF, timer trigger). The trigger is
 * config.json's (one per function, a 7-field cron in UTC+8: developers.weixin.qq.com,
 * wxcloud/guide/functions/triggers).
 */
function isTimer(event, context) {
  const source = String(context.SOURCE || '').split(',')[0];
  return source === 'wx_trigger' && event !== null && typeof event === 'object' && event.Type === 'Timer';
}

exports.main = async (event) => {
  try {
    const context = cloud.getWXContext() || {};
    if (isTimer(event, context)) {
      const swept = await sessions.sweep(nowSeconds());
      console.log('timer: ' + swept + ' ended sessions deleted');
      return { statusCode: 200, data: { swept: swept } };
    }
    const wx = { openid: usableId(context.OPENID), appid: usableId(context.APPID), unionid: usableId(context.UNIONID) };
    return await route(event, wx);
  } catch (e) {
    return toResult(e);
  }
};
