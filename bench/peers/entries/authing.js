// @authing/miniapp-taro v5 (the native-wx flavour is not on the registry): Taro's API
// comes from the bench-only shim bench/peers/shims/taro.js (aliased at bundle time).
module.exports = require('@authing/miniapp-taro');
