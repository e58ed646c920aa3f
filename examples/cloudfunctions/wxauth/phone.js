'use strict';
// POST /auth/phone {code} + bearer: a phone button's code becomes the number through the cloud
// call openapi.phonenumber.getPhoneNumber (no access_token to manage: WeChat authenticates
// cloud calls made from a mini-program's call; config.json must declare
// "phonenumber.getPhoneNumber" under permissions.openapi, or the call fails with -604101).
// The number is stored in full with the user and answered masked, as the HTTP servers do.
//
// Cloud call shapes (https://developers.weixin.qq.com/miniprogram/dev/wxcloud/guide/openapi/openapi.html,
// the API's page .../server/API/user-info/phone-number/api_getphonenumber.html: "出入参和 HTTPS
// 调用相同"): it resolves {errCode: 0, errMsg: 'openapi.phonenumber.getPhoneNumber:ok',
// phoneInfo: {phoneNumber, purePhoneNumber, countryCode, watermark}} (the HTTPS answer's
// fields in camelCase) and rejects with an Error carrying errCode and errMsg ("Error: errCode:
// 40003 | errMsg: openapi.subscribeMessage.send:fail invalid openid ... rid: ...", as reported
// on developers.weixin.qq.com/community/develop/doc/00044e1eb04600b4a0ba170835b400).
//
// WeChat's errcodes map to the answers getuserphonenumber's get from the HTTP servers
// (examples/server/src/wechat.rs, WxError::to_phone_api): -1 is 503 WECHAT_BUSY, 40029 (an
// invalid, expired, used or another user's code) is 400 INVALID_CODE, 45011 is 429
// RATE_LIMITED, 40001/42001 are 502 WECHAT_ERROR (the access token), any other (1400001, the
// app's quota spent; -604101, the permission missing) is 502 WECHAT_ERROR naming the errcode;
// a failure without one is 502 "could not be reached", an answer without a usable number 502
// "unreadable".
const cloud = require('wx-server-sdk');
const { ApiError, badRequest } = require('./errors.js');
const { nowSeconds } = require('./config.js');
const users = require('./users.js');

const MAX_CODE_CHARS = 128;
const CODE = /^[A-Za-z0-9_-]{1,128}$/;

/** The `code` of a {"code": "..."} body, checked as the HTTP servers check it, or a thrown 400. */
function readCode(body) {
  if (typeof body.code !== 'string') throw badRequest('the body has no string "code"');
  if (!CODE.test(body.code)) {
    throw badRequest('the code must be 1 to ' + MAX_CODE_CHARS + ' characters of A-Z, a-z, 0-9, _ and -');
  }
  return body.code;
}

/**
 * The errCode of a cloud call's rejection (or of a result that is not a success), or null:
 * errCode, else the HTTPS answer's errcode, else the "errCode: N" of the message.
 */
function errCodeOf(e) {
  if (!e) return null;
  const value = e.errCode !== undefined ? e.errCode : e.errcode;
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return Number(value);
  const m = /errCode:\s*(-?\d+)/.exec(String(e.message || ''));
  return m ? Number(m[1]) : null;
}

/** The answer for a failed getPhoneNumber with `errcode` (null: no errcode at all). */
function phoneError(errcode) {
  if (errcode === null) return new ApiError(502, 'WECHAT_ERROR', 'WeChat could not be reached');
  switch (errcode) {
    case -1: return new ApiError(503, 'WECHAT_BUSY', 'WeChat is busy (errcode -1); try again');
    case 40029: return new ApiError(400, 'INVALID_CODE', 'the phone code is invalid, expired, used or another user\'s (errcode 40029)');
    case 45011: return new ApiError(429, 'RATE_LIMITED', 'too many phone verifications; try again in a minute (errcode 45011)');
    case 40001:
    case 42001: return new ApiError(502, 'WECHAT_ERROR', 'WeChat refused the access token (errcode ' + errcode + ')');
    default: return new ApiError(502, 'WECHAT_ERROR', 'WeChat refused the phone verification (errcode ' + errcode + ')');
  }
}

const unreadable = () => new ApiError(502, 'WECHAT_ERROR', 'WeChat answered something unreadable');

/**
 * {number, countryCode} from a getPhoneNumber result, or a thrown answer: purePhoneNumber 1 to
 * 20 digits and countryCode 1 to 4 digits, as the HTTP servers require (the API's page lists
 * countryCode as a string; its example shows the number 86, so a whole number is taken too).
 * The info is phoneInfo, as cloud-call code reads it; the HTTPS name phone_info is taken too.
 */
function parseResult(res) {
  if (!res || typeof res !== 'object') throw unreadable();
  const errcode = errCodeOf(res);
  if (errcode !== null && errcode !== 0) {
    console.warn('phonenumber.getPhoneNumber refused: errcode ' + errcode);
    throw phoneError(errcode);
  }
  const info = res.phoneInfo !== undefined ? res.phoneInfo : res.phone_info;
  if (!info || typeof info !== 'object') throw unreadable();
  const digits = (v, max) => typeof v === 'string' && v.length >= 1 && v.length <= max && /^[0-9]+$/.test(v);
  const countryCode = typeof info.countryCode === 'number' && Number.isInteger(info.countryCode) && info.countryCode >= 0
    ? String(info.countryCode) : info.countryCode;
  if (!digits(info.purePhoneNumber, 20) || !digits(countryCode, 4)) throw unreadable();
  return { number: info.purePhoneNumber, countryCode: countryCode };
}

/**
 * Exchanges the code for the number. The session was checked before (the route is
 * authenticated), so a refused request never spends the code. The caller's openid goes with
 * the code: WeChat then checks that the code was given to this user ("填入后会校验openid和code的
 * 绑定关系"), as the HTTP servers have it checked.
 */
async function verifyPhone(req) {
  const code = readCode(req.json());
  let res;
  try {
    res = await cloud.openapi.phonenumber.getPhoneNumber({ code: code, openid: req.session.openid });
  } catch (e) {
    const errcode = errCodeOf(e);
    console.warn('phonenumber.getPhoneNumber ' + (errcode === null ? 'failed without an errcode' : 'refused: errcode ' + errcode) +
      (errcode === -604101 ? ' (declare it in config.json permissions.openapi and upload the function again)' : ''));
    throw phoneError(errcode);
  }
  const info = parseResult(res);
  await users.setPhone(req.session.openid, { countryCode: info.countryCode, number: info.number, verifiedAt: nowSeconds() });
  return { statusCode: 200, data: { phoneNumber: users.mask(info.number), countryCode: info.countryCode } };
}

module.exports = { verifyPhone, readCode, phoneError, parseResult, errCodeOf };
