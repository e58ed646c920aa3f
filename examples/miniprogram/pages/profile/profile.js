// The profile. From base library 2.27.1 wx.getUserProfile returns only a grey avatar and
// "微信用户", so there the user fills in an avatar (open-type="chooseAvatar") and a
// nickname (<input type="nickname">). Before 2.27.1 getUserProfile still returns the real
// profile, from a tap.
// With profileUrl (app.js) the profile is saved on the backend: logged in, the page waits
// for saveProfile (the avatar file is uploaded; on failure nothing changes); before login
// setProfile keeps it on the phone and the login saves it. A login on another phone
// brings it back.
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
    synced: false,
    busy: false,
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
    const profile = state.profile || null;
    this.setData({ ready: true, kind: state.kind, stateText: text.stateText(state), profile: profile, synced: Boolean(profile && profile.saved) });
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
    const fields = { avatarUrl: avatarUrl, nickName: nickName };
    if (this.data.kind === 'logged-in') {
      if (this.data.busy) return;
      this.setData({ busy: true, saved: '', error: '' });
      this.auth.saveProfile(fields).then(() => {
        this.setData({ busy: false, avatarUrl: '', saved: '已保存到服务器' });
      }, (err) => this.setData({ busy: false, error: text.errorText(err) }));
      return;
    }
    try {
      this.auth.setProfile(fields);
      this.setData({ saved: '已保存，登录后同步到服务器', error: '' });
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
