// What the pages show for a state and for an error: the texts come with the SDK
// (wx-auth/messages). The token is never part of a state, so nothing here can print it.

const messages = require('wx-auth/messages');

/** The state for people: 已登录, 已退出登录（登录已过期，请重新登录）… */
function stateText(state) {
  return messages.stateMessage(state);
}

/** The error for people, with its code for whoever reads a screenshot. */
function errorText(err) {
  const code = err && err.code;
  if (!code) return '出错了：' + String((err && (err.errMsg || err.message)) || err);
  return messages.errorMessage(err) + '（' + code + '）';
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
