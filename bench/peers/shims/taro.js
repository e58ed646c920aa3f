// Bench-only stand-in for @tarojs/taro in a native mini-program: each Taro.x(options)
// is wx.x(options) in its promise form, which is what Taro's own wx runtime does.
// Not counted in the Authing row's size (Taro's real runtime would be larger).
var Taro = {};
['login', 'request', 'getStorage', 'setStorage', 'removeStorage', 'getStorageSync', 'setStorageSync', 'removeStorageSync',
  'checkSession', 'getSystemInfoSync', 'getAccountInfoSync', 'getUserProfile', 'showToast', 'getSystemInfo'].forEach(function (name) {
  Taro[name] = function (o) {
    if (/Sync$/.test(name)) return wx[name].apply(wx, arguments);
    var opt = o || {};
    return new Promise(function (resolve, reject) {
      wx[name](Object.assign({}, opt, {
        success: function (r) { if (opt.success) opt.success(r); resolve(r); },
        fail: function (r) { if (opt.fail) opt.fail(r); reject(r); },
      }));
    });
  };
});
module.exports = Taro;
module.exports.default = Taro;
