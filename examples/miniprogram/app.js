// The SDK is created once per launch; every page waits on `getApp().auth`, a Promise of
// the Auth object, and renders `auth.state`.
const wxAuth = require('wx-auth');
const config = require('./config.js');

App({
  onLaunch() {
    if (config.cloud) wx.cloud.init({ env: config.cloud.env });
    this.auth = wxAuth.createAuth({
      wasmPath: config.wasmPath,
      loginUrl: config.apiBase + '/auth/login',
      logoutUrl: config.apiBase + '/auth/logout',
      unbindUrl: config.apiBase + '/auth/unbind',
      phoneUrl: config.apiBase + '/auth/phone',
      // The profile is saved on the backend and follows the user to a new phone; without
      // this option it stays on this phone only.
      profileUrl: config.apiBase + '/auth/profile',
      cloud: config.cloud,
    });
    // Each page shows a failed load itself; this only keeps it from being "unhandled".
    this.auth.catch(() => {});
  },
});
