// The profile. From base library 2.27.1 wx.getUserProfile returns only a grey avatar and
// "微信用户", so there the user fills in an avatar (open-type="chooseAvatar") and a
// nickname (<input type="nickname">). Before 2.27.1 getUserProfile still returns the real
// profile, from a tap.
const text = require('../../utils/text.js');

Page({
  data: {
    ready: false,
    kind: '',
    stateText: '',
    fillIn: true,
    profile: null,
    avatarUrl: '',
    saved: '',
    error: '',
  },

  onLoad() {
    const info = wx.getAppBaseInfo ? wx.getAppBaseInfo() : wx.getSystemInfoSync();
    this.setData({ fillIn: text.versionAtLeast(info.SDKVersion, '2.27.1') });
    getApp().auth.then((auth) => {
      this.auth = auth;
      this.showState(auth.state);
      this.unsubscribe = auth.onChange((state) => this.showState(state));
    }, (err) => this.setData({ error: text.errorText(err) }));
  },

  onUnload() {
    if (this.unsubscribe) this.unsubscribe();
  },

  showState(state) {
    this.setData({ ready: true, kind: state.kind, stateText: text.stateText(state), profile: state.profile || null });
  },

  askPrivacy() {
    this.setData({ error: '' });
    this.auth.agreePrivacy().catch((err) => this.setData({ error: text.errorText(err) }));
  },

  // bindchooseavatar: a temporary file path. (An avatar that fails WeChat's check fires no event.)
  onChooseAvatar(e) {
    this.setData({ avatarUrl: e.detail.avatarUrl, saved: '' });
  },

  // <form bindsubmit>: a nickname that fails WeChat's check is cleared on blur, so the
  // value is read here, not from input events.
  onSubmit(e) {
    const nickName = String(e.detail.value.nickName || '').trim();
    const avatarUrl = this.data.avatarUrl || (this.data.profile ? this.data.profile.avatarUrl : '');
    if (!avatarUrl || !nickName) {
      this.setData({ saved: '', error: '请选择头像并填写昵称' });
      return;
    }
    try {
      this.auth.setProfile({ avatarUrl: avatarUrl, nickName: nickName });
      this.setData({ saved: '已保存', error: '' });
    } catch (err) {
      this.setData({ saved: '', error: text.errorText(err) });
    }
  },

  // bindtap: the SDK calls wx.getUserProfile synchronously, inside this tap.
  onGetUserProfile() {
    this.setData({ error: '' });
    this.auth.getUserProfile({ desc: '用于展示你的头像和昵称' }).then(() => {
      this.setData({ saved: '已保存' });
    }, (err) => this.setData({ saved: '', error: text.errorText(err) }));
  },
});
