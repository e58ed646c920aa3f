// Phone-number verification (手机号快速验证): the button's event goes to the SDK, which
// sends its one-time code once, with the session, to the backend (phoneUrl). The backend
// keeps the full number; the page only shows what the backend answers (masked).
// Each successful verification is billed to the app, so nothing here retries.
const text = require('../../utils/text.js');

Page({
  data: { ready: false, kind: '', busy: false, phone: null, error: '' },

  onLoad() {
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
    this.setData({ ready: true, kind: state.kind });
  },

  // bindgetphonenumber: e.detail is {errMsg, code} (or errno when it failed).
  onPhoneNumber(e) {
    if (this.data.busy) return;
    this.setData({ busy: true, error: '' });
    this.auth.verifyPhoneNumber(e.detail).then((phone) => {
      this.setData({ busy: false, phone: phone });
    }, (err) => {
      this.setData({ busy: false, error: text.errorText(err) });
    });
  },
});
