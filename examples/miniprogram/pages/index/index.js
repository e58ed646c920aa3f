// Launch, privacy, login, an authorized request and logout: the page renders
// `auth.state` and nothing else decides what it shows.
const config = require('../../config.js');
const text = require('../../utils/text.js');

Page({
  data: {
    ready: false,
    kind: '',
    stateText: '正在启动…',
    profile: null,
    expires: '',
    privacyDenied: false,
    busy: false,
    me: '',
    error: '',
  },

  onLoad() {
    getApp().auth.then((auth) => {
      this.auth = auth;
      this.showState(auth.state);
      this.unsubscribe = auth.onChange((state) => this.showState(state));
      // First visit: ask for the privacy agreement at once (the popup component shows it).
      if (auth.state.kind === 'anonymous') this.askPrivacy();
    }, (err) => this.setData({ stateText: 'SDK 加载失败', error: text.errorText(err) }));
  },

  onUnload() {
    if (this.unsubscribe) this.unsubscribe();
  },

  showState(state) {
    this.setData({
      ready: true,
      kind: state.kind,
      stateText: text.stateText(state),
      profile: state.profile || null,
      expires: state.expiresAt ? '会话有效期至 ' + text.timeText(state.expiresAt) : '',
      me: state.kind === 'logged-in' ? this.data.me : '',
    });
  },

  askPrivacy() {
    this.setData({ privacyDenied: false, error: '' });
    this.auth.agreePrivacy().catch((err) => {
      this.setData({ privacyDenied: err.code === 'PRIVACY_DENIED', error: text.errorText(err) });
    });
  },

  onLogin() {
    this.run(() => this.auth.login());
  },

  onLoadMe() {
    this.run(() => this.auth.request({ url: config.apiBase + '/api/me' }).then((res) => {
      const body = res.statusCode !== 200 ? JSON.stringify(res.data)
        : 'openid：' + res.data.openid + (res.data.since ? '\n绑定于：' + text.timeText(res.data.since * 1000) : '');
      this.setData({ me: 'GET /api/me → ' + res.statusCode + '\n' + body });
    }));
  },

  onLogout() {
    this.run(() => this.auth.logout());
  },

  // One action at a time; its failure is shown, never thrown.
  run(action) {
    if (this.data.busy) return;
    this.setData({ busy: true, error: '' });
    action().then(() => this.setData({ busy: false }), (err) => {
      this.setData({ busy: false, error: text.errorText(err) });
    });
  },
});
