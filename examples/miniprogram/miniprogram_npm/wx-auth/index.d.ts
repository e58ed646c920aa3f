// Types for wx-auth's dist/index.js.

/** The five states, as `state.kind`. */
export type StateKind = 'anonymous' | 'privacy-agreed' | 'profile-granted' | 'logged-in' | 'logged-out';

/** The profile the user gave: both fields are always non-empty. */
export interface Profile {
  nickName: string;
  /** An https URL (getUserProfile, or the backend once saved) or chooseAvatar's temporary file path. */
  avatarUrl: string;
  /** Whether the backend (profileUrl) holds this very profile; always false without profileUrl. */
  saved: boolean;
}

/** The state a page renders. The token is never part of it. */
export interface AuthState {
  kind: StateKind;
  /** In profile-granted; in logged-in and logged-out when the user gave one. */
  profile?: Profile;
  /** In logged-in: when the backend session ends, in ms since the epoch. */
  expiresAt?: number;
  /** In logged-out: why. 'user' logged out; the session 'expired' or was 'revoked' and the backend refused to renew it. */
  reason?: 'user' | 'expired' | 'revoked';
}

/** Every code an `AuthError` can carry. */
export type AuthErrorCode =
  | 'INVALID_TRANSITION'
  | 'INVALID_ARGUMENT'
  | 'PRIVACY_DENIED'
  | 'TAP_REQUIRED'
  | 'PROFILE_DENIED'
  | 'LOGIN_FAILED'
  | 'NETWORK'
  | 'SERVER'
  | 'STORAGE'
  | 'NOT_LOGGED_IN'
  | 'WX_FAILED'
  | 'THROTTLED'
  | 'PHONE_DENIED'
  | 'PHONE_UNAVAILABLE'
  | 'PHONE_QUOTA'
  | 'PHONE_FAILED'
  | 'PROFILE_REJECTED';

/** What every failed call rejects (or throws) with. */
export interface AuthError extends Error {
  name: 'AuthError';
  code: AuthErrorCode;
  /** wx's errMsg, when wx caused the error. */
  errMsg?: string;
  /** wx's errno, when wx gave one. */
  errno?: number;
  /** The backend's HTTP status, when the backend caused the error. */
  statusCode?: number;
  /** Whether the same call may succeed later (a timeout, a busy backend); false when it cannot (a refusal, a bad argument). */
  transient: boolean;
  /** THROTTLED only: how long until a renewal is allowed again, in ms. */
  retryAfterMs?: number;
}

export interface CreateAuthOptions {
  /** Package path of wx_auth.wasm.br (or wx_auth.wasm), e.g. '/miniprogram_npm/wx-auth/wx_auth.wasm.br' (where DevTools' build npm puts it). */
  wasmPath: string;
  /** POST {code} → 200 {token, expiresIn (seconds)}. */
  loginUrl: string;
  /** POSTed with the bearer token on logout (best effort). */
  logoutUrl?: string;
  /** POST {code} (a fresh wx.login code) with the bearer token → 2xx {ok: true} when the backend deleted the account. Needed by unbind(). */
  unbindUrl?: string;
  /** POST {code} (the getPhoneNumber button's code) with the bearer token → 2xx {phoneNumber, countryCode}. Needed by verifyPhoneNumber(). */
  phoneUrl?: string;
  /**
   * Where the profile is saved, with the bearer token: wx.uploadFile of a chooseAvatar file (file field 'avatar',
   * form field 'nickName'), or POST {nickName, avatarUrl} when the avatar is already https → 2xx {nickName, avatarUrl}
   * (the avatar an https URL the backend serves). A login restores the saved profile on another phone. Without it the
   * profile stays on the phone.
   */
  profileUrl?: string;
  /**
   * WeChat Cloud Development instead of wx.request (call wx.cloud.init in app.js first). {function}: every request
   * goes to that cloud function as {path, method, header, data} and it answers {statusCode, data}; the function knows
   * the caller's OPENID, so login calls no wx.login. {service}: wx.cloud.callContainer to that CloudRun service
   * (base library 2.23.0+), the HTTP API as it is. The URLs keep only their path.
   */
  cloud?: { env?: string; function: string; service?: undefined } | { env?: string; service: string; function?: undefined } | null;
  /** The backend learns the caller from WeChat (a CloudRun container trusting X-WX-OPENID): login and unbind call no wx.login. The cloud option with a function sets it. Default false. */
  loginWithoutCode?: boolean;
  /** Called instead of wx.request / wx.uploadFile, with the same options (the cloud option sets these). */
  transport?: { request?: (options: Record<string, unknown>) => void; uploadFile?: (options: Record<string, unknown>) => void };
  /** The storage key of the SDK's one record. Default 'wx-auth:session'. */
  storageKey?: string;
  /** Whether login needs a profile first. Default false. */
  requireProfile?: boolean;
  /** The timeout of every wx.request the SDK makes, in ms. Default 10000. */
  timeoutMs?: number;
  /**
   * Automatic renewals (an expired session, a 401, a failed checkSession) that may start back to back, and the window
   * in ms in which that many come back. Past the budget a call that needs a renewal fails at once with THROTTLED and
   * `retryAfterMs`. A login() the user asks for never draws on it. Default { max: 5, perMs: 60000 }.
   */
  renewals?: { max?: number; perMs?: number };
  /** @deprecated Accepted and ignored since 0.2.0: `renewals` bounds login loops without delaying any login. */
  minLoginIntervalMs?: number;
  /** Retries of a login or renewal that failed for a passing reason (network, 5xx, code2Session -1), each with a fresh wx.login code. */
  retry?: { attempts?: number; baseDelayMs?: number; maxDelayMs?: number };
  /** Ask wx.checkSession once per launch and renew when WeChat dropped the session_key (for backends that use it). Default false. */
  checkSession?: boolean;
  /** The clock, in ms since the epoch (for tests). Default Date.now. */
  now?: () => number;
  /** The timer for waits (for tests with a simulated clock). Default setTimeout. */
  setTimeout?: (callback: () => void, ms: number) => unknown;
}

/** A permission scope, as wx.getSetting names it. */
export type Scope =
  | 'scope.userInfo'
  | 'scope.userLocation'
  | 'scope.userFuzzyLocation'
  | 'scope.userLocationBackground'
  | 'scope.record'
  | 'scope.camera'
  | 'scope.bluetooth'
  | 'scope.writePhotosAlbum'
  | 'scope.addPhoneContact'
  | 'scope.addPhoneCalendar'
  | 'scope.werun'
  | 'scope.address'
  | 'scope.invoiceTitle'
  | 'scope.invoice';

/** The user's answer for each scope the mini-program asked for before; a scope never asked for is absent (not false). */
export type Scopes = { [K in Scope]?: boolean };

export interface PrivacyPrompt {
  /** What asked for the agreement, e.g. 'requirePrivacyAuthorize' or 'getUserProfile'. */
  referrer: string;
}

export type PrivacyAnswer = { agree: true; buttonId: string } | { agree: false };

export interface RequestOptions {
  url: string;
  method?: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE' | 'OPTIONS' | 'TRACE' | 'CONNECT';
  data?: string | object | ArrayBuffer;
  header?: Record<string, string>;
}

export interface RequestResult {
  statusCode: number;
  data: unknown;
  header: Record<string, string>;
}

/** The `detail` of a bindgetphonenumber / bindgetrealtimephonenumber event (the event itself is accepted too). */
export interface PhoneNumberDetail {
  errMsg: string;
  /** The one-time code (5 minutes, single use; not a wx.login code). */
  code?: string;
  errno?: number;
}

/** What the backend answers a verified phone code with (the reference servers mask the number). */
export interface PhoneNumberResult {
  phoneNumber: string;
  countryCode: string;
  [key: string]: unknown;
}

export interface Auth {
  /** The current state. */
  readonly state: AuthState;
  /** Calls `listener(state)` after every change; returns the function that stops it. */
  onChange(listener: (state: AuthState) => void): () => void;
  /** wx.requirePrivacyAuthorize; resolves once the user agreed (at once if already). */
  agreePrivacy(): Promise<AuthState>;
  /** The current page's privacy popup handler (replaces the previous page's). */
  onPrivacyPrompt(handler: ((prompt: PrivacyPrompt) => void) | null): void;
  /** Answers the waiting prompt; agree needs the id of the tapped agreePrivacyAuthorization button. */
  resolvePrivacy(answer: PrivacyAnswer): void;
  /** wx.getUserProfile, called synchronously: call it inside a tap handler. */
  getUserProfile(options: { desc: string }): Promise<AuthState>;
  /** From chooseAvatar and the nickname form; the first profile needs both fields. */
  setProfile(fields: { avatarUrl?: string; nickName?: string }): AuthState;
  /**
   * Saves the profile on the backend (profileUrl), with these fields applied first if given, and resolves once the
   * backend has it (the avatar then an https URL). On failure the profile on the phone is as it was. Rejects with
   * PROFILE_REJECTED (the backend refused the image or nickname), INVALID_ARGUMENT, NOT_LOGGED_IN, NETWORK or SERVER.
   */
  saveProfile(fields?: { avatarUrl?: string; nickName?: string }): Promise<AuthState>;
  /** wx.login and the exchange with loginUrl; concurrent calls share one. */
  login(): Promise<AuthState>;
  /** wx.request with the bearer token; renews once on expiry or 401 and resends once. */
  request(options: RequestOptions): Promise<RequestResult>;
  /** Ends the session; stays logged out until login() is called. */
  logout(): Promise<AuthState>;
  /** Removes the SDK's stored record (only its own key) and starts over from anonymous. */
  reset(): Promise<AuthState>;
  /** wx.openPrivacyContract. */
  openPrivacyContract(): Promise<void>;
  /** wx.getSetting: the scopes asked for before. */
  getSetting(): Promise<Scopes>;
  /** wx.openSetting, called synchronously: call it inside a tap handler (TAP_REQUIRED otherwise). Resolves when the user closes the settings page. */
  openSetting(): Promise<Scopes>;
  /**
   * Verifies the phone number from a `<button open-type="getPhoneNumber" bindgetphonenumber>` event: sends its code
   * once, with the bearer token, to phoneUrl and resolves with the backend's answer. Never retried (every successful
   * verification is billed to the app). Rejects with PHONE_DENIED, PHONE_UNAVAILABLE, PHONE_QUOTA, PHONE_FAILED,
   * PRIVACY_DENIED, NOT_LOGGED_IN, NETWORK or SERVER.
   */
  verifyPhoneNumber(detail: PhoneNumberDetail | { detail: PhoneNumberDetail }): Promise<PhoneNumberResult>;
  /** Deletes the account on the backend (unbindUrl, with a fresh wx.login code as proof), then forgets the session and profile: resolves to privacy-agreed. On failure nothing changes. */
  unbind(): Promise<AuthState>;
}

export function createAuth(options: CreateAuthOptions): Promise<Auth>;
