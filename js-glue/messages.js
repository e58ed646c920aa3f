'use strict';
// wx-auth/messages: what to tell the user for each error code and state, in Chinese and
// English. Optional: a page that wants it requires it (require('wx-auth/messages')); the
// SDK itself does not load it.
//
//   var messages = require('wx-auth/messages');
//   auth.login().catch(function (err) {
//     wx.showToast({ title: messages.errorMessage(err), icon: 'none' });
//   });
//
// The texts speak to the user, not the developer: what happened and, where the user can
// do something, what. The developer's detail is on the error itself (code, message,
// errMsg, errno, statusCode).

var TEXT = {
  'zh-CN': {
    errors: {
      INVALID_TRANSITION: '当前状态下不能这样操作',
      INVALID_ARGUMENT: '填写的内容不符合要求',
      PRIVACY_DENIED: '你没有同意隐私保护指引',
      TAP_REQUIRED: '需要点击按钮才能继续',
      PROFILE_DENIED: '你拒绝了使用头像和昵称',
      LOGIN_FAILED: '登录失败，请重试',
      NETWORK: '网络不可用，请稍后重试',
      SERVER: '服务暂时不可用，请稍后重试',
      STORAGE: '手机存储空间不足',
      NOT_LOGGED_IN: '请先登录',
      WX_FAILED: '微信接口调用失败，请稍后重试',
      THROTTLED: '登录状态异常，请稍后重试',
      PHONE_DENIED: '你没有授权使用手机号',
      PHONE_UNAVAILABLE: '当前无法使用手机号验证，请换一种方式',
      PHONE_QUOTA: '手机号验证暂时不可用，请稍后再试',
      PHONE_FAILED: '手机号验证失败，请重新点击获取',
      PROFILE_REJECTED: '头像或昵称未通过，请换一个再试',
    },
    fallback: '出错了',
    states: {
      'anonymous': '未同意隐私保护指引',
      'privacy-agreed': '已同意隐私保护指引，未登录',
      'profile-granted': '已填写头像昵称，未登录',
      'logged-in': '已登录',
      'logged-out': '已退出登录',
    },
    reasons: {
      user: '你已退出',
      expired: '登录已过期，请重新登录',
      revoked: '登录已失效，请重新登录',
    },
    open: '（',
    close: '）',
  },
  en: {
    errors: {
      INVALID_TRANSITION: 'That is not possible right now',
      INVALID_ARGUMENT: 'Something you entered is not accepted',
      PRIVACY_DENIED: 'You did not agree to the privacy policy',
      TAP_REQUIRED: 'Tap the button to go on',
      PROFILE_DENIED: 'You declined to share your avatar and nickname',
      LOGIN_FAILED: 'Login failed, please try again',
      NETWORK: 'No network, please try again later',
      SERVER: 'The service is unavailable, please try again later',
      STORAGE: 'Your phone is out of storage space',
      NOT_LOGGED_IN: 'Please log in first',
      WX_FAILED: 'WeChat could not do that, please try again later',
      THROTTLED: 'Your login needs attention, please try again later',
      PHONE_DENIED: 'You chose not to share your phone number',
      PHONE_UNAVAILABLE: 'Phone verification is not available here, please use another way',
      PHONE_QUOTA: 'Phone verification is unavailable right now, please try later',
      PHONE_FAILED: 'Phone verification failed, please tap again',
      PROFILE_REJECTED: 'The avatar or nickname was not accepted, please try another',
    },
    fallback: 'Something went wrong',
    states: {
      'anonymous': 'Privacy policy not agreed yet',
      'privacy-agreed': 'Privacy policy agreed, not logged in',
      'profile-granted': 'Profile given, not logged in',
      'logged-in': 'Logged in',
      'logged-out': 'Logged out',
    },
    reasons: {
      user: 'you logged out',
      expired: 'your login expired, please log in again',
      revoked: 'your login is no longer valid, please log in again',
    },
    open: ' (',
    close: ')',
  },
};

function table(lang) {
  return TEXT[lang] || TEXT['zh-CN'];
}

/** What to tell the user about an SDK error (`lang`: 'zh-CN', the default, or 'en'). */
function errorMessage(err, lang) {
  var t = table(lang);
  var code = err && err.code;
  return (code && t.errors[code]) || t.fallback;
}

/** What to tell the user about a state, with the reason when logged out. */
function stateMessage(state, lang) {
  var t = table(lang);
  var kind = state && state.kind;
  var text = t.states[kind] || String(kind);
  var reason = state && state.reason && t.reasons[state.reason];
  return reason ? text + t.open + reason + t.close : text;
}

module.exports = {
  errorMessage: errorMessage,
  stateMessage: stateMessage,
  /** The languages there are texts for. */
  languages: Object.keys(TEXT),
};
