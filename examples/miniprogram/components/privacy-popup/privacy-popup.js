// The privacy popup (2023 rules). Put <privacy-popup/> on every page that can trigger a
// privacy-protected API. The SDK owns wx.onNeedPrivacyAuthorization (WeChat keeps only
// the last listener) and forwards each prompt to the handler of the page on screen, so
// the popup registers when its page is attached and again whenever the page shows.
const AGREE_BUTTON_ID = 'agree-btn'; // the id of the open-type="agreePrivacyAuthorization" button

Component({
  data: {
    show: false,
    contractName: '《隐私保护指引》',
  },
  lifetimes: {
    attached() {
      this.listen();
      if (wx.getPrivacySetting) {
        wx.getPrivacySetting({
          success: (res) => this.setData({ contractName: res.privacyContractName || this.data.contractName }),
        });
      }
    },
  },
  pageLifetimes: {
    show() {
      this.listen();
    },
  },
  methods: {
    listen() {
      getApp().auth.then((auth) => {
        this.auth = auth;
        auth.onPrivacyPrompt(() => this.setData({ show: true }));
      }, () => {});
    },
    // bindagreeprivacyauthorization: WeChat has recorded the tap on this button, so the
    // SDK may answer the pending prompt with its id.
    onAgree() {
      this.setData({ show: false });
      this.auth.resolvePrivacy({ agree: true, buttonId: AGREE_BUTTON_ID });
    },
    // The pending call fails with PRIVACY_DENIED; the page says what is unavailable.
    onDisagree() {
      this.setData({ show: false });
      this.auth.resolvePrivacy({ agree: false });
    },
    onOpenContract() {
      this.auth.openPrivacyContract().catch(() => {});
    },
  },
});
