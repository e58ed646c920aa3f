// Bench-only stand-in for @tarojs/taro in a native mini-program: each Taro.x(options)
// is wx.x(options) in its promise form, which is what Taro's own wx runtime does.
// Not counted in the Authing row's size (Taro's real runtime would be larger).
var Taro = {};
['login', 'request', 'getStorage', 'setStorage', 'removeStorage', 'getStorageSync', 'setStorageSync', 'removeStorageSync',
  'checkSession', 'getSystemInfoSync', 'getAccountInfoSync', 'getUserProfile', 'showToast', 'getSystemInfo'].forEach(function (name) {
  Taro[name] = function (o) {
    if (/Sync$/.test(name)) return wx[name].apply(wx, arguments);
    if (name === 'request') {
      return new Promise(function (resolve, reject) {
        wx.request(Object.assign({}, o, { success: resolve, fail: reject }));
      });
    }
    return new Promise(function (resolve, reject) {
      wx[name](Object.assign({}, o, { success: resolve, fail: reject }));
    });
  };
});
module.exports = Taro;
module.exports.default = Taro;
