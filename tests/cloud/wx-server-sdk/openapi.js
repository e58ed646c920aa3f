'use strict';
// cloud.openapi.phonenumber.getPhoneNumber({code, openid?}): a phone button's code becomes the
// number (the cloud call of getuserphonenumber,
// https://developers.weixin.qq.com/miniprogram/dev/server/API/user-info/phone-number/api_getphonenumber.html).
//
// - The function must declare "phonenumber.getPhoneNumber" in its config.json's
//   permissions.openapi (invoke.js reads it); else errCode -604101, as WeChat answers a cloud
//   call without its permission ("如果更新后提示没有权限（-604101）").
// - A code is single use and lives 5 minutes on the stand-in's clock ("每个 code 只能使用一次，
//   code 的有效期为 5min"); an unknown, used or expired code is 40029 "invalid code", and so is
//   a code given with another user's openid (WeChat checks the pair when openid is sent). A
//   refused call spends nothing: the code stays usable.
// - When the app's quota is spent (control.phone.exhaustQuota()) every call is refused with
//   1400001, WeChat's quota errno for phone-number verification.
// - Success resolves the HTTPS answer's fields in camelCase:
//   {errCode: 0, errMsg: 'openapi.phonenumber.getPhoneNumber:ok',
//    phoneInfo: {phoneNumber, purePhoneNumber, countryCode, watermark: {timestamp, appid}}}
//   and is counted as billed (a code is charged once). A refusal rejects with an SdkError
//   (errCode, errMsg 'openapi.phonenumber.getPhoneNumber:fail … rid: …').
const crypto = require('crypto');
const state = require('./state.js');

const { SdkError, tick } = state;

const API = 'openapi.phonenumber.getPhoneNumber';
const CODE_TTL_MS = 5 * 60 * 1000;

const MESSAGES = {
  '-1': 'system error',
  40001: 'invalid credential, access_token is invalid or not latest',
  40029: 'invalid code',
  42001: 'access_token expired',
  45011: 'api minute-quota reach limit  mustslower  retry next minute',
  48001: 'api unauthorized',
  1400001: 'quota limit',
  '-604101': 'function has no permission to call this API',
};

function refusal(errCode) {
  const rid = crypto.randomBytes(4).toString('hex') + '-' + crypto.randomBytes(4).toString('hex');
  return new SdkError(errCode, API + ':fail ' + (MESSAGES[errCode] || 'error') + ' rid: ' + rid);
}

async function getPhoneNumber(params) {
  await tick();
  const phone = state.phone;
  const invocation = state.invocation.getStore();
  if (!invocation || invocation.permissions.indexOf('phonenumber.getPhoneNumber') < 0) throw refusal(-604101);
  phone.calls += 1;
  if (phone.failures.length > 0) throw refusal(phone.failures.shift());
  if (phone.quota <= 0) throw refusal(1400001);
  const code = params && typeof params.code === 'string' ? params.code : null;
  const entry = code === null ? undefined : phone.codes.get(code);
  if (!entry || entry.used || state.now() - entry.mintedAt >= CODE_TTL_MS) throw refusal(40029);
  if (params.openid !== undefined && params.openid !== entry.openid) throw refusal(40029);
  entry.used = true;
  phone.billed += 1;
  if (phone.quota !== Infinity) phone.quota -= 1;
  return {
    errCode: 0,
    errMsg: API + ':ok',
    phoneInfo: {
      phoneNumber: entry.phoneNumber,
      purePhoneNumber: entry.purePhoneNumber,
      countryCode: entry.countryCode,
      watermark: { timestamp: Math.floor(state.now() / 1000), appid: entry.appid },
    },
  };
}

module.exports = { phonenumber: { getPhoneNumber: getPhoneNumber }, CODE_TTL_MS, MESSAGES };
