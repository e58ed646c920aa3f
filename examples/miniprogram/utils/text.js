// What the pages show for a state and for an error. The token is never part of a state,
// so nothing here can print it.

const STATE_TEXT = {
  'anonymous': '未同意隐私保护指引',
  'privacy-agreed': '已同意隐私保护指引，未登录',
  'profile-granted': '已填写头像昵称，未登录',
  'logged-in': '已登录',
  'logged-out': '已退出登录',
};

const REASON_TEXT = {
  user: '你已退出',
  expired: '登录已过期，请重新登录',
  revoked: '登录已失效，请重新登录',
};

const ERROR_TEXT = {
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
};

function stateText(state) {
  const text = STATE_TEXT[state.kind] || state.kind;
  return state.reason ? text + '（' + (REASON_TEXT[state.reason] || state.reason) + '）' : text;
}

function errorText(err) {
  const code = err && err.code;
  if (!code) return '出错了：' + String((err && (err.errMsg || err.message)) || err);
  return (ERROR_TEXT[code] || '出错了') + '（' + code + '）';
}

function pad(n) {
  return n < 10 ? '0' + n : String(n);
}

/** 'YYYY-MM-DD HH:mm' in the phone's time zone. */
function timeText(ms) {
  const d = new Date(ms);
  return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' + pad(d.getHours()) + ':' + pad(d.getMinutes());
}

/** Compares base library versions numerically: '2.27.10' is newer than '2.27.9'. */
function versionAtLeast(version, min) {
  const a = String(version).split('.');
  const b = String(min).split('.');
  for (let i = 0; i < 3; i++) {
    const x = Number(a[i]) || 0;
    const y = Number(b[i]) || 0;
    if (x !== y) return x > y;
  }
  return true;
}

module.exports = { stateText, errorText, timeText, versionAtLeast };
