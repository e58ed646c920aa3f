// 我的: log in (asking for the privacy agreement first), show the points, log out.
const messages = require('wx-auth/messages');

const API = 'https://points.example.com';

Page({
  data: { status: '加载中…', askingPrivacy: false, loggedIn: false, points: '', busy: false, error: '' },

  onLoad() {
    getApp().auth.then((auth) => {
      this.auth = auth;
      // The SDK asks for the agreement when a call needs it; this page shows its own bar.
      auth.onPrivacyPrompt(() => this.setData({ askingPrivacy: true }));
      this.unsubscribe = auth.onChange((state) => this.show(state));
      this.show(auth.state);
    }, (err) => this.setData({ status: '登录组件加载失败', error: messages.errorMessage(err) }));
  },

  onUnload() {
    if (this.unsubscribe) this.unsubscribe();
  },

  show(state) {
    const loggedIn = state.kind === 'logged-in';
    this.setData({ status: messages.stateMessage(state), loggedIn: loggedIn });
    if (loggedIn && this.data.points === '') this.loadPoints();
    if (!loggedIn) this.setData({ points: '' });
  },

  loadPoints() {
    this.auth.request({ url: API + '/api/points' }).then((res) => {
      this.setData({ points: res.statusCode === 200 ? String(res.data.points) : '暂时无法获取' });
    }, (err) => this.setData({ error: messages.errorMessage(err) }));
  },

  onLogin() {
    if (this.data.busy) return;
    this.setData({ busy: true, error: '' });
    this.auth.agreePrivacy()
      .then(() => this.auth.login())
      .then(() => this.setData({ busy: false }), (err) => this.setData({ busy: false, error: messages.errorMessage(err) }));
  },

  onAgree() {
    this.setData({ askingPrivacy: false });
    this.auth.resolvePrivacy({ agree: true, buttonId: 'agree' });
  },

  onDecline() {
    this.setData({ askingPrivacy: false });
    this.auth.resolvePrivacy({ agree: false });
  },

  onLogout() {
    this.auth.logout().catch((err) => this.setData({ error: messages.errorMessage(err) }));
  },
});
