// 积分小站: one page, "我的", that logs in with wx-auth and shows the user's points.
const wxAuth = require('wx-auth');

App({
  onLaunch() {
    this.auth = wxAuth.createAuth({
      // Where DevTools' "构建 npm" puts the package (packNpmRelationList in project.config.json).
      wasmPath: '/miniprogram_npm/wx-auth/wx_auth.wasm.br',
      loginUrl: 'https://points.example.com/auth/login',
      logoutUrl: 'https://points.example.com/auth/logout',
    });
    // The page shows a failed load; this keeps the rejection from being unhandled.
    this.auth.catch(() => {});
  },
});
