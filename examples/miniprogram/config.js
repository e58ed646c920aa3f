// Where the example's backend is, and where the SDK's WebAssembly sits in the package.
// The API domain must be in the mini-program's request domain list (MP admin → 开发管理
// → 服务器域名), or wx.request fails with errno 600002; in DevTools you can tick
// "不校验合法域名" while developing.
module.exports = {
  apiBase: 'https://api.example.com',
  // WXWebAssembly takes a package path, nothing else: this is where "build npm" (or
  // `make dist`) puts the package's miniprogram files.
  wasmPath: '/miniprogram_npm/wx-auth/wx_auth.wasm.br',
  // No server? Use WeChat Cloud Development instead: deploy examples/cloudfunctions/wxauth
  // and set, for example, cloud: { env: 'your-env-id', function: 'wxauth' }. The URLs
  // above then keep only their paths; nothing else changes. null: the HTTP backend.
  cloud: null,
};
