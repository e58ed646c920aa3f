// A page of the example written in TypeScript: it must type-check (tsc --strict) against
// the shipped dist/index.d.ts and miniprogram-api-typings, and the commented-out lines
// below it must not (checked by tests/types/run.js).
import { createAuth, Auth, AuthError, AuthState, Scope, Scopes, StateKind } from 'wx-auth';
import { errorMessage, stateMessage } from 'wx-auth/messages';

interface AppOption {
  auth: Promise<Auth>;
}

App<AppOption>({
  auth: createAuth({
    wasmPath: '/miniprogram_npm/wx-auth/wx_auth.wasm.br',
    loginUrl: 'https://api.example.com/auth/login',
    logoutUrl: 'https://api.example.com/auth/logout',
    unbindUrl: 'https://api.example.com/auth/unbind',
    profileUrl: 'https://api.example.com/auth/profile',
    // No server: cloud: { env: 'prod-1a2b', function: 'wxauth' }
    cloud: null,
  }),
});

const LABELS: Record<StateKind, string> = {
  'anonymous': '未同意隐私保护指引',
  'privacy-agreed': '已同意隐私保护指引，未登录',
  'profile-granted': '已填写头像昵称，未登录',
  'logged-in': '已登录',
  'logged-out': '已退出登录',
};

function describe(state: AuthState): string {
  const name = state.profile ? ' · ' + state.profile.nickName : '';
  return LABELS[state.kind] + name;
}

function isAuthError(e: unknown): e is AuthError {
  return e instanceof Error && (e as AuthError).name === 'AuthError';
}

function scopeRows(scopes: Scopes): string[] {
  return (Object.keys(scopes) as Scope[]).map((k) => k + (scopes[k] ? ' 已允许' : ' 已拒绝'));
}

Page({
  data: { state: '', scopes: [] as string[], error: '' },
  auth: null as Auth | null,
  onLoad() {
    getApp<AppOption>().auth.then((auth) => {
      this.auth = auth;
      this.setData({ state: describe(auth.state) });
      auth.onChange((state) => this.setData({ state: describe(state) }));
      auth.onPrivacyPrompt((prompt) => console.log('privacy prompt from', prompt.referrer));
      return auth.getSetting();
    }).then((scopes) => this.setData({ scopes: scopeRows(scopes) }));
  },
  onAgree(e: WechatMiniprogram.CustomEvent) {
    this.auth!.resolvePrivacy({ agree: true, buttonId: (e.currentTarget as { id: string }).id });
  },
  onChooseAvatar(e: WechatMiniprogram.CustomEvent<{ avatarUrl: string }>) {
    this.auth!.setProfile({ avatarUrl: e.detail.avatarUrl });
  },
  async onSaveNickname(e: WechatMiniprogram.CustomEvent<{ value: { nickName: string } }>) {
    const state = await this.auth!.saveProfile({ nickName: e.detail.value.nickName });
    this.setData({ state: describe(state) + (state.profile && state.profile.saved ? ' · 已同步' : '') });
  },
  async onLogin() {
    try {
      const state = await this.auth!.login();
      const me = await this.auth!.request({ url: 'https://api.example.com/api/me', method: 'GET' });
      this.setData({ state: describe(state) + ' · HTTP ' + me.statusCode });
    } catch (e) {
      if (isAuthError(e)) this.setData({ error: e.code + (e.transient ? ' (retry later)' : '') });
      wx.showToast({ title: errorMessage(e), icon: 'none' });
      this.setData({ state: stateMessage(this.auth!.state, 'en') });
    }
  },
  onOpenSetting() {
    this.auth!.openSetting().then((scopes) => this.setData({ scopes: scopeRows(scopes) }));
  },
  onUnbind() {
    this.auth!.unbind().then((state) => this.setData({ state: describe(state) }));
  },
});

// The SDK's types next to wx's own: both promise forms line up.
async function wxSide(): Promise<boolean | undefined> {
  const setting = await wx.getSetting();
  const loc: boolean | undefined = setting.authSetting['scope.userLocation'];
  return loc;
}
void wxSide;
