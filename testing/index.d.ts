// Types for wx-auth/testing: the wx simulator and the page runner, for tests in node.

/** A request as the simulated backend receives it. */
export interface SimRequest {
  method: string;
  url: string;
  /** The path without the query, e.g. '/api/orders'. */
  path: string;
  /** The query with its '?', or ''. */
  query: string;
  header: Record<string, string>;
  body: string;
  timeout: number;
  /** For wx.uploadFile: the file field's name, the file (its bytes) and the form fields. */
  upload?: { name: string; file: { path: string; bytes: number[] }; formData: Record<string, string> };
}

/** What a simulated backend route answers; `body` is sent as JSON. */
export interface SimResponse {
  statusCode: number;
  body?: unknown;
}

/** The simulator's configuration; every field has a default. */
export interface SimConfig {
  /** The base library version (default '3.3.4'); APIs newer than it are missing. */
  sdkVersion?: string;
  /** The simulated clock's start, in ms since the epoch. */
  startTime?: number;
  /** Whether the app must ask for privacy consent first (default true). */
  needPrivacyAuthorization?: boolean;
  privacyContractName?: string;
  /** What the user does in WeChat's own privacy popup (default 'disagree'). */
  officialPopupAnswer?: 'agree' | 'disagree';
  /** What the user answers in the getUserProfile popup (default 'allow'). */
  profileAnswer?: 'allow' | 'deny';
  /** The WeChat user: nickname, avatar and openid. */
  user?: { nickName: string; avatarUrl: string; openid: string };
  /** The request domain list (default ['api.example.com']); other hosts fail with errno 600002. */
  domains?: string[];
  /** How long the backend's sessions last (default 7200 s). */
  tokenTtlSeconds?: number;
  /** Your app's own API, e.g. {'GET /api/orders': (req, session) => ({statusCode: 200, body: []})}; `session` is null without a valid bearer. */
  routes?: Record<string, (req: SimRequest, session: { openid: string } | null, sim: WxSim) => SimResponse>;
  /** Replaces the whole backend, the login protocol included. */
  backend?: (req: SimRequest, sim: WxSim) => SimResponse | Promise<SimResponse>;
  /** Scopes asked before and their answers, as getSetting reports them. */
  authSetting?: Record<string, boolean>;
  /** What the user answers in the phone number half-screen (default 'allow'). */
  phoneAnswer?: 'allow' | 'deny';
  /** Whether the app has phone verification quota left (default true; false gives errno 1400001). */
  phoneQuota?: boolean;
  /** The number WeChat holds for the user. */
  phone?: { phoneNumber: string; purePhoneNumber: string; countryCode: string };
  /** Called with each code wx.login mints. */
  onCodeMinted?: (code: string) => void | Promise<void>;
  /** Another simulator's `server` (WeChat's and the backend's side): this one is the same user on a second phone. */
  server?: unknown;
}

/** A simulated WeChat client: the `wx` object, its clock, storage and backend. */
export interface WxSim {
  /** The simulated `wx` object. */
  wx: Record<string, unknown>;
  /** Every wx call made, in order: {api, detail, at}. */
  calls: Array<{ api: string; detail: string; at: number }>;
  /** Every request the backend received. */
  backendLog: Array<{ method: string; path: string; header: Record<string, string>; body: string; at: number }>;
  config: SimConfig;
  /** The simulated time (ms). */
  now(): number;
  /** Moves the simulated clock forward. */
  advance(ms: number): void;
  /** Runs `fn` inside a tap gesture. */
  tap<T>(fn: () => T): T;
  /** The next call of `api` fails with this failure. */
  failNext(api: string, failure: { errMsg: string; errno?: number }): void;
  /** The next backend request (to `path`, or any) gets this answer instead. */
  backendNext(path: string | null, response: SimResponse | { fail: { text: string; errno: number } }): void;
  /** How many times `api` was called. */
  count(api: string): number;
  /** The stored text of a storage key, or undefined. */
  storageText(key: string): string | undefined;
  /** Verifications WeChat billed (each phone code a page received). */
  billedPhoneVerifications: number;
  /** The user taps a phone button: the event detail WeChat gives. */
  tapPhoneButton(openType?: 'getPhoneNumber' | 'getRealtimePhoneNumber'): Promise<{ errMsg: string; code?: string; errno?: number }>;
  /** Whether the user has agreed to the privacy guide. */
  privacyAgreed(): boolean;
  /** WeChat's and the backend's side; pass it as `server` to createWxSim for a second phone of the same user. */
  server: unknown;
  /** The user picks an avatar: a temporary file (a small PNG, or `bytes`) on this phone, after the privacy gate. */
  chooseAvatar(bytes?: number[], path?: string): Promise<{ avatarUrl?: string; errMsg?: string; errno?: number }>;
  /** Whether a temporary file exists on this phone. */
  hasFile(path: string): boolean;
  /** The bytes of a temporary file on this phone, if it exists. */
  fileBytes(path: string): number[] | undefined;
  /** The profile the in-process backend stored for this openid. */
  storedProfile(openid: string): { nickName: string; avatarUrl: string } | undefined;
  /** The bytes the in-process backend serves at an avatar URL it issued. */
  avatarBytes(url: string): number[] | undefined;
  /** How many backend answers, cloud calls and code hooks are still on their way. */
  pending(): number;
  /** Waits until every pending callback and backend answer has run. */
  settle(rounds?: number): Promise<void>;
}

/** A fresh simulated WeChat client. */
export function createWxSim(config?: SimConfig): WxSim;

/** Makes `sim.wx` the global `wx` and returns it. */
export function installWx(sim: WxSim): Record<string, unknown>;

/** A page as rendered, with what a test reads and does. */
export interface SimPage {
  /** The page instance (its methods and data). */
  instance: any;
  /** The page's data, as setData left it. */
  readonly data: Record<string, any>;
  has(selector: string): boolean;
  /** The text of the node (throws when there is none). */
  text(selector: string): string;
  texts(selector: string): string[];
  allText(): string;
  html(): string;
  /** The node's attributes (openType, id …) and bound events. */
  wiring(selector: string): { tagName: string; attrs: Record<string, string>; events: Record<string, any> };
  /** The user taps the node; resolves once everything it started has settled. */
  tap(selector: string): Promise<void>;
  dispatch(selector: string, name: string, detail?: unknown): Promise<void>;
  /** The user taps an open-type="agreePrivacyAuthorization" button. */
  agreePrivacy(selector: string): Promise<void>;
  /** The user picks an avatar with an open-type="chooseAvatar" button: a temporary file (at `avatarUrl` if given) on the simulated phone. */
  chooseAvatar(selector: string, avatarUrl?: string, bytes?: number[]): Promise<void>;
  /** The user taps an open-type="getPhoneNumber" / "getRealtimePhoneNumber" button; its handler gets WeChat's event. */
  getPhoneNumber(selector: string): Promise<void>;
  /** The form is submitted with these values. */
  submit(selector: string, value: Record<string, unknown>): Promise<void>;
  show(): Promise<void>;
  unload(): void;
}

/** A launched mini-program. */
export interface SimApp {
  sim: WxSim;
  root: string;
  /** What App() was given (globalData, your methods). */
  readonly app: any;
  /** The wasm paths loaded through WXWebAssembly. */
  wasmLoads: string[];
  /** Errors a handler threw (the render layer only logs them). */
  swallowed: string[];
  /** Opens a page ('pages/mine/mine'): onLoad(query), onShow, onReady. */
  open(pagePath: string, query?: Record<string, string>): SimPage;
  /** A cold start on the same simulator: storage and grants persist. */
  restart(): void;
  settle(rounds?: number): Promise<void>;
}

export interface LaunchOptions {
  /** The folder with app.js and app.json. */
  root: string;
  /** The simulator's configuration. */
  sim?: SimConfig;
  /** A simulator to use instead of a fresh one. */
  wx?: WxSim;
  /** Where your devDependencies (miniprogram-simulate, global-jsdom, jsdom) are found; default the working directory. */
  modules?: string;
}

/** Launches the mini-program in `root` on a simulator: app.js runs, then onLaunch. */
export function launch(options: LaunchOptions): SimApp;

/** Sets up the renderer once. */
export function init(options?: { modules?: string; rpx?: (css: string) => string }): void;
