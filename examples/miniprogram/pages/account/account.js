// The account page: logging out of this mini-program, unbinding the account on the
// server, and cancelling the authorization in WeChat are three different things, and
// only the first two can be done from here.
const text = require('../../utils/text.js');

const SCOPE_NAMES = {
  'scope.userLocation': '位置信息',
  'scope.userFuzzyLocation': '模糊位置信息',
  'scope.userLocationBackground': '后台位置信息',
  'scope.record': '麦克风',
  'scope.camera': '摄像头',
  'scope.bluetooth': '蓝牙',
  'scope.writePhotosAlbum': '保存到相册',
  'scope.addPhoneContact': '添加到联系人',
  'scope.addPhoneCalendar': '添加到日历',
  'scope.werun': '微信运动步数',
  'scope.address': '通讯地址',
  'scope.invoiceTitle': '发票抬头',
  'scope.invoice': '发票',
  'scope.userInfo': '用户信息',
};

Page({
  data: {
    ready: false,
    kind: '',
    stateText: '',
    scopes: [],
    scopesLoaded: false,
    confirmUnbind: false,
    busy: false,
    message: '',
    error: '',
  },

  onLoad() {
    getApp().auth.then((auth) => {
      this.auth = auth;
      this.showState(auth.state);
      this.unsubscribe = auth.onChange((state) => this.showState(state));
      this.refreshScopes();
    }, (err) => this.setData({ error: text.errorText(err) }));
  },

  // Back from WeChat's settings page or from another page: the scopes may have changed.
  onShow() {
    if (this.auth) this.refreshScopes();
  },

  onUnload() {
    if (this.unsubscribe) this.unsubscribe();
  },

  showState(state) {
    this.setData({ ready: true, kind: state.kind, stateText: text.stateText(state) });
  },

  refreshScopes() {
    this.auth.getSetting().then((scopes) => this.showScopes(scopes), (err) => this.setData({ error: text.errorText(err) }));
  },

  // A scope never asked for is absent, not denied: only asked ones are listed.
  showScopes(scopes) {
    const list = Object.keys(scopes).map((key) => ({
      key: key,
      name: SCOPE_NAMES[key] || key,
      allowed: scopes[key],
    }));
    this.setData({ scopes: list, scopesLoaded: true });
  },

  // bindtap: wx.openSetting works only from a tap; the SDK calls it synchronously here.
  onOpenSetting() {
    this.setData({ error: '' });
    this.auth.openSetting().then((scopes) => this.showScopes(scopes), (err) => this.setData({ error: text.errorText(err) }));
  },

  onLogout() {
    this.run(() => this.auth.logout().then(() => {
      this.setData({ message: '已退出登录：账号和微信授权都还在，下次点“微信登录”即可回来。' });
    }));
  },

  onUnbindAsk() {
    this.setData({ confirmUnbind: true, message: '', error: '' });
  },

  onUnbindCancel() {
    this.setData({ confirmUnbind: false });
  },

  onUnbindConfirm() {
    this.setData({ confirmUnbind: false });
    this.run(() => this.auth.unbind().then(() => {
      this.setData({ message: '已解除绑定：服务器已删除本微信与账号的关联，本机的登录记录也已清除。' });
    }));
  },

  onOpenContract() {
    this.auth.openPrivacyContract().catch((err) => this.setData({ error: text.errorText(err) }));
  },

  run(action) {
    if (this.data.busy) return;
    this.setData({ busy: true, message: '', error: '' });
    action().then(() => this.setData({ busy: false }), (err) => {
      this.setData({ busy: false, error: text.errorText(err) });
    });
  },
});
