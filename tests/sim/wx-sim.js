// A strict, deterministic stand-in for the mini-program `wx` object, held to
// ../shared/reference/platform.md (§12 and the sections it points to). Where the SDK
// and this file disagree with platform.md, this file is fixed, never loosened.
//
// One file, three loaders: wasm-bindgen-test imports it as an ES module; the node and
// jsc harnesses strip the `export` keywords and evaluate it as a script inside the
// realm the SDK runs in (so every object it hands the SDK comes from that realm).
//
// Behaviour, with the platform.md section it follows:
// - errMsg is `<api>:ok` / `<api>:fail …`; `complete` runs after success or fail;
//   callbacks are asynchronous (§12).
// - Promise form only when none of success/fail/complete is given, base library
//   2.10.2+; request and the privacy APIs never return a Promise (§7, §4).
// - wx.login codes are single-use and valid 5 minutes (§2).
// - getUserProfile fails outside a tap window ("can only be invoked by user TAP
//   gesture"), checks desc ≤ 30 characters, and returns the anonymised profile
//   ("微信用户", grey avatar) from base library 2.27.1 (§3).
// - Privacy (2.32.3+): getPrivacySetting, one listener (the last registered wins),
//   pending calls resumed by resolve({event, buttonId}) where agree needs a tapped
//   agreePrivacyAuthorization button, errno 104 on disagree, a 10 s window after a
//   refusal of the official popup in which calls fail at once (§4).
// - Scopes (§6): getSetting reports only scopes asked before (never asked = absent);
//   openSetting fails outside a tap from 2.3.0 and lets the user toggle only those scopes.
// - Storage: 1 MB per key and 10 MB in all, encrypted data counted 1.4× (so 0.7 / 7.1 MB),
//   encrypt only on the async calls from 2.21.3, and a reader must use the same
//   `encrypt` as the writer; getStorageSync returns '' for a missing key (§5).
// - wx.request succeeds for every HTTP status, at most 10 at once (errno 600007), only
//   https URLs in the domain list (errno 600002 / 600009), dataType json parses, and a
//   backend slower than the request's `timeout` (default 60 s) fails it with
//   `request:fail timeout`, errno 5 (§7).
// - wx.uploadFile (multipart POST of a local file): url, filePath and name required, no
//   Promise form, https URLs in the domain list only, at most 10 at once, the file must
//   exist on this device, and `success` gets {data: <string, never parsed>, statusCode}.
// - The avatar button: `sim.chooseAvatar()` gives the event's detail, `avatarUrl` a
//   temporary file path on this device (`http://tmp/…`, a PNG), after the privacy gate.
// - wx.cloud (2.2.3+; callContainer 2.23.0+) as platforms.md §C.1 describes it: init
//   first, callFunction({name, data, config}) → {result, requestID}, the event being the
//   data JSON-copied plus the platform's userInfo {openId, appId}; a missing function
//   fails with errCode -501000, a function that throws with -404011 "cloud function
//   execution error" (both as developers report them); callContainer({path, method,
//   header: {'X-WX-SERVICE'}, data}) → {statusCode, data, header, callID}, the container
//   getting X-WX-OPENID; uploadFile({cloudPath, filePath}) → {fileID: 'cloud://…'}.
//   The built-in cloud function `wxauth` is the in-process backend behind the envelope
//   {path, method, header, data} → {statusCode, data}, knowing the caller from OPENID;
//   `config.cloudFunctions` adds or replaces functions.
// - One server side (WeChat's codes and the in-process backend's users, sessions,
//   numbers, profiles and avatars) can be shared by two simulated phones:
//   `createWxSim({server: first.server})` is the same user on a second device.
// - showToast (what a page shows the user on an error) follows §12's general rules and
//   records each toast in `sim.toasts`.
//
// Time is simulated: `sim.now()` moves only through `sim.advance(ms)`, through backend
// latency, and through `sim.setTimeout`, a timer for the SDK under test that fires on
// the next turn with the clock moved forward to its due time, so waits take no real
// time. (Timers fire in the order they were set, which is due-time order as long as
// the SDK keeps at most one waiting at a time, as it does.)

const DAY = 24 * 3600 * 1000;
const CODE_TTL = 5 * 60 * 1000;
const MB = 1024 * 1024;
// A 1×1 PNG: what chooseAvatar's temporary file holds.
const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1f, 0x15, 0xc4, 0x89];
const DEFAULT_AVATAR = 'https://mmbiz.qpic.cn/mmbiz/icTdbqWNOwNRna42FI242Lcia07jQodd2FJGIYQfG0LAJGFxM4FbnQP6yfMxBgJ0F3YRqJCJ1aPAK2dQagdusBZg/0';

function versionAtLeast(version, min) {
  const a = String(version).split('.').map(Number);
  const b = String(min).split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const x = a[i] || 0;
    const y = b[i] || 0;
    if (x !== y) return x > y;
  }
  return true;
}

function utf8Length(text) {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) { n += 4; i++; }
    else n += 3;
  }
  return n;
}

export function createWxSim(config) {
  const cfg = Object.assign({
    sdkVersion: '3.3.4',
    startTime: Date.UTC(2026, 10, 21, 9, 0, 0),
    needPrivacyAuthorization: true,
    privacyContractName: '《示例小程序隐私保护指引》',
    // What the user does when WeChat shows its own privacy popup (no listener registered).
    officialPopupAnswer: 'disagree',
    // What the user answers in the getUserProfile popup.
    profileAnswer: 'allow',
    user: { nickName: '小明', avatarUrl: 'https://thirdwx.qlogo.cn/mmopen/vi_32/xiaoming/132', openid: 'o-sim-xiaoming' },
    domains: ['api.example.com'],
    tokenTtlSeconds: 7200,
    backend: null,
    // The app's own API on the in-process backend: {'GET /api/orders': (req, session, sim) =>
    // ({statusCode, body})}, `session` being {openid} for a valid bearer and null otherwise.
    routes: null,
    // The phone button (platform.md §8): what the user answers in the half-screen, whether
    // the app has quota left (errno 1400001 otherwise), the number WeChat holds for the
    // user, and a hook called with each phone code minted (an end-to-end test registers
    // it with a WeChat stand-in).
    phoneAnswer: 'allow',
    phoneQuota: true,
    phone: { phoneNumber: '13800138000', purePhoneNumber: '13800138000', countryCode: '86' },
    onPhoneCodeMinted: null,
    // Scopes the user was asked for before and what they answered (§6); never-asked
    // scopes are absent. `openSettingAnswer` is what the user toggles on the settings page.
    authSetting: {},
    openSettingAnswer: null,
    // Called with each code wx.login mints; wx.login answers after its Promise settles
    // (an end-to-end test registers the code with a WeChat stand-in here).
    onCodeMinted: null,
    // Cloud functions by name: (event, context) => result (or a Promise of it), context
    // being {OPENID, APPID, UNIONID?}; `wxauth` is built in.
    cloudFunctions: null,
    cloudEnv: 'sim-env-1a2b3c',
  }, config || {});

  let now = cfg.startTime;
  // WeChat's and the backend's side, shared by every phone made with `config.server`.
  const server = cfg.server || {
    seq: 0,
    codes: new Map(), // code -> {issuedAt, used}
    sessions: new Map(), // token -> {openid, expiresAt, revoked}
    phoneCodes: new Map(), // phone code -> {issuedAt, used, openid}
    phones: new Map(), // openid -> the verified number (the backend's store)
    bindings: new Map(), // openid -> unix seconds the account was created
    profiles: new Map(), // openid -> {nickName, avatarUrl}
    avatars: new Map(), // avatar URL -> {bytes, type}
  };
  const next = () => { server.seq += 1; return String(server.seq).padStart(6, '0'); };
  const files = new Map(); // this phone's temporary files: path -> {bytes, type}
  const calls = [];
  const faults = {};
  const storage = new Map(); // key -> {text, encrypted}
  const codes = server.codes;
  let privacyAgreed = !cfg.needPrivacyAuthorization;
  let privacyListener = null;
  let privacyGapUntil = 0;
  const tappedAgreeButtons = new Set();
  let tapDepth = 0;
  const active = { request: 0, upload: 0 }; // wx.request and wx.uploadFile tasks, at most 10 each
  // Backend answers and onCodeMinted hooks still pending (real I/O in an end-to-end run).
  let inflight = 0;
  const backendFaults = [];
  const injected = new Map(); // index into `calls` -> {fail} | {ok} | {backend}
  const sessions = server.sessions;
  const phoneCodes = server.phoneCodes;
  const phones = server.phones;
  const bindings = server.bindings;
  let sessionKeyExpiresAt = 0;

  const has = (min) => versionAtLeast(cfg.sdkVersion, min);
  // How callbacks are made asynchronous: the next macrotask by default; a long
  // run (the leak check) may pass node's setImmediate, which is not clamped to 1 ms.
  const defer = typeof cfg.defer === 'function' ? cfg.defer : (fn) => setTimeout(fn, 0);
  const log = (api, detail) => calls.push({ api: api, detail: detail || '', at: now });

  function takeFault(api) {
    const q = faults[api];
    return q && q.length ? q.shift() : null;
  }

  // One call's delivery: `finish(isOk, res)` hands `res` over once, on a later turn, to
  // success or fail, then complete, then the call's Promise; `returned()` is what the call
  // returns (that Promise in the Promise form). `delivered` runs just before the callbacks.
  function delivery(o, promiseForm, delivered) {
    let settle;
    const done = new Promise((resolve, reject) => { settle = { resolve, reject }; });
    let settled = false;
    return {
      finish(isOk, res) {
        if (settled) return;
        settled = true;
        defer(() => {
          if (delivered) delivered();
          if (isOk) { if (typeof o.success === 'function') o.success(res); }
          else if (typeof o.fail === 'function') o.fail(res);
          if (typeof o.complete === 'function') o.complete(res);
          if (isOk) settle.resolve(res); else settle.reject(res);
        });
      },
      returned() {
        if (promiseForm) return done;
        done.then(null, () => {}); // callbacks were given: nothing observes the promise
        return undefined;
      },
    };
  }

  // What a test armed for the call just logged (its index in `calls`; {} when nothing),
  // and the failure armed for it or queued for `api` with failNext.
  function armedFor(api) {
    const index = calls.length - 1;
    const armed = injected.get(index) || {};
    injected.delete(index);
    return { armed: armed, fault: takeFault(api) || armed.fail };
  }

  // Runs an async wx API: `body(ok, fail)` decides; callbacks or a Promise deliver.
  function asyncApi(api, options, body, opts) {
    const o = options || {};
    const promiseForm = !(opts && opts.noPromise) && has('2.10.2') &&
      typeof o.success !== 'function' && typeof o.fail !== 'function' && typeof o.complete !== 'function';
    const d = delivery(o, promiseForm);
    const ok = (res) => d.finish(true, Object.assign({ errMsg: api + ':ok' }, res || {}));
    const fail = (text, errno) => {
      const res = { errMsg: api + ':fail' + (text ? ' ' + text : '') };
      if (errno !== undefined && has('2.24.0')) res.errno = errno;
      d.finish(false, res);
    };
    const { armed, fault } = armedFor(api);
    if (fault) {
      d.finish(false, Object.assign({}, fault, { errMsg: fault.errMsg || api + ':fail' }));
    } else if (armed.ok) {
      ok(armed.ok);
    } else {
      body(ok, fail, armed);
    }
    return d.returned();
  }

  // The privacy gate for a privacy-protected API: runs `proceed` once agreed.
  function privacyGate(api, proceed, fail) {
    if (!has('2.32.3') || privacyAgreed) { proceed(); return; }
    if (now < privacyGapUntil) { fail('privacy permission is not authorized in gap', 104); return; }
    if (privacyListener) {
      let answered = false;
      const resolve = (answer) => {
        if (answered) return;
        const event = answer && answer.event;
        if (event === 'exposureAuthorization') return;
        answered = true;
        if (event === 'agree' && answer.buttonId !== undefined && tappedAgreeButtons.has(String(answer.buttonId))) {
          privacyAgreed = true;
          proceed();
        } else {
          fail('privacy permission is not authorized', 104);
        }
      };
      log('onNeedPrivacyAuthorization→listener', api);
      privacyListener(resolve, { referrer: api });
      return;
    }
    // No listener: WeChat's own popup.
    if (cfg.officialPopupAnswer === 'agree') { privacyAgreed = true; proceed(); return; }
    privacyGapUntil = now + 10000;
    fail('privacy permission is not authorized', 104);
  }

  function storageLimitError(key, text, encrypted) {
    const factor = encrypted ? 1.4 : 1;
    const size = (utf8Length(key) + utf8Length(text)) * factor;
    if (size > MB) return 'exceed storage item max length';
    let total = size;
    storage.forEach((v, k) => { if (k !== key) total += (utf8Length(k) + utf8Length(v.text)) * (v.encrypted ? 1.4 : 1); });
    if (total > 10 * MB) return 'exceed storage max size 10MB';
    return null;
  }

  function serialise(data) {
    if (data === undefined) return null;
    try { return JSON.stringify(data); } catch (e) { return null; }
  }

  const wx = {};

  wx.login = (o) => { log('login'); return asyncApi('login', o, (ok, fail) => {
    const code = 'code-' + next();
    codes.set(code, { issuedAt: now, used: false });
    sessionKeyExpiresAt = now + DAY;
    const minted = typeof cfg.onCodeMinted === 'function' ? cfg.onCodeMinted(code) : null;
    if (minted && typeof minted.then === 'function') {
      inflight += 1;
      minted.then(() => { inflight -= 1; ok({ code: code }); }, (e) => { inflight -= 1; fail('system error: ' + (e && e.message)); });
    } else {
      ok({ code: code });
    }
  }); };

  // Scopes (§6): getSetting reports what was asked before; openSetting needs a tap from
  // 2.3.0 and lists only scopes asked before, so the user can toggle only those.
  const authSetting = Object.assign({}, cfg.authSetting);
  wx.getSetting = (o) => { log('getSetting'); return asyncApi('getSetting', o, (ok) => {
    ok({ authSetting: Object.assign({}, authSetting) });
  }); };
  wx.openSetting = (o) => {
    const inTap = tapDepth > 0;
    log('openSetting', inTap ? 'in tap' : 'outside a tap');
    return asyncApi('openSetting', o, (ok, fail) => {
      if (!inTap && has('2.3.0')) { fail('can only be invoked by user TAP gesture'); return; }
      Object.keys(cfg.openSettingAnswer || {}).forEach((scope) => {
        if (scope in authSetting) authSetting[scope] = !!cfg.openSettingAnswer[scope];
      });
      ok({ authSetting: Object.assign({}, authSetting) });
    });
  };

  wx.checkSession = (o) => { log('checkSession'); return asyncApi('checkSession', o, (ok, fail) => {
    if (sessionKeyExpiresAt > now) ok(); else fail('session time out, need relogin');
  }); };

  if (has('2.10.4')) {
    wx.getUserProfile = (o) => {
      const opt = o || {};
      const inTap = tapDepth > 0;
      log('getUserProfile', inTap ? 'in tap' : 'outside a tap');
      return asyncApi('getUserProfile', opt, (ok, fail) => {
        if (!inTap) { fail('can only be invoked by user TAP gesture'); return; }
        if (typeof opt.desc !== 'string' || opt.desc.length === 0 || opt.desc.length > 30) {
          fail('desc length does not meet the requirements'); return;
        }
        privacyGate('getUserProfile', () => {
          if (cfg.profileAnswer !== 'allow') { fail('auth deny'); return; }
          const anonymised = has('2.27.1');
          const userInfo = anonymised
            ? { nickName: '微信用户', avatarUrl: DEFAULT_AVATAR, gender: 0, language: '', city: '', province: '', country: '' }
            : { nickName: cfg.user.nickName, avatarUrl: cfg.user.avatarUrl, gender: 0, language: 'zh_CN', city: '', province: '', country: '' };
          ok({ userInfo: userInfo, rawData: JSON.stringify(userInfo), signature: 'sim-signature', encryptedData: 'sim-encrypted', iv: 'sim-iv' });
        }, fail);
      });
    };
  }

  if (has('2.32.3')) {
    wx.getPrivacySetting = (o) => { log('getPrivacySetting'); return asyncApi('getPrivacySetting', o, (ok) => {
      ok({ needAuthorization: !privacyAgreed, privacyContractName: cfg.privacyContractName });
    }, { noPromise: true }); };
    wx.onNeedPrivacyAuthorization = (listener) => { log('onNeedPrivacyAuthorization'); privacyListener = listener; };
    wx.requirePrivacyAuthorize = (o) => { log('requirePrivacyAuthorize'); return asyncApi('requirePrivacyAuthorize', o, (ok, fail) => {
      privacyGate('requirePrivacyAuthorize', () => ok(), fail);
    }, { noPromise: true }); };
    wx.openPrivacyContract = (o) => { log('openPrivacyContract'); return asyncApi('openPrivacyContract', o, (ok) => ok(), { noPromise: true }); };
  }

  wx.setStorage = (o) => {
    const opt = o || {};
    const encrypted = opt.encrypt === true && has('2.21.3');
    log('setStorage', String(opt.key) + (encrypted ? ' (encrypted)' : ''));
    return asyncApi('setStorage', opt, (ok, fail) => {
      if (typeof opt.key !== 'string' || opt.key === '') { fail('parameter error: key must be a non-empty string'); return; }
      const text = serialise(opt.data);
      if (text === null) { fail('parameter error: data cannot be stored'); return; }
      const over = storageLimitError(opt.key, text, encrypted);
      if (over) { fail(over); return; }
      storage.set(opt.key, { text: text, encrypted: encrypted });
      ok();
    });
  };
  wx.getStorage = (o) => {
    const opt = o || {};
    const encrypted = opt.encrypt === true && has('2.21.3');
    log('getStorage', String(opt.key) + (encrypted ? ' (encrypted)' : ''));
    return asyncApi('getStorage', opt, (ok, fail) => {
      const item = storage.get(opt.key);
      if (!item) { fail('data not found'); return; }
      if (item.encrypted !== encrypted) { fail(item.encrypted ? 'data was written with encrypt: true' : 'data was not written with encrypt'); return; }
      ok({ data: JSON.parse(item.text) });
    });
  };
  wx.removeStorage = (o) => {
    const opt = o || {};
    log('removeStorage', String(opt.key));
    return asyncApi('removeStorage', opt, (ok) => { storage.delete(opt.key); ok(); });
  };
  wx.getStorageSync = (key) => {
    log('getStorageSync', String(key));
    const item = storage.get(key);
    if (!item || item.encrypted) return '';
    return JSON.parse(item.text);
  };
  wx.setStorageSync = (key, data) => {
    log('setStorageSync', String(key));
    const fault = takeFault('setStorageSync');
    if (fault) throw new Error(fault.errMsg || 'setStorageSync:fail');
    const text = serialise(data);
    if (typeof key !== 'string' || key === '' || text === null) throw new Error('setStorageSync:fail parameter error');
    const over = storageLimitError(key, text, false);
    if (over) throw new Error('setStorageSync:fail ' + over);
    storage.set(key, { text: text, encrypted: false });
  };
  wx.removeStorageSync = (key) => { log('removeStorageSync', String(key)); storage.delete(key); };
  wx.getStorageInfoSync = () => {
    let size = 0;
    storage.forEach((v, k) => { size += utf8Length(k) + utf8Length(v.text); });
    return { keys: Array.from(storage.keys()), currentSize: Math.ceil(size / 1024), limitSize: 10240 };
  };

  wx.request = (o) => {
    const opt = o || {};
    const method = String(opt.method || 'GET').toUpperCase();
    log('request', method + ' ' + opt.url);
    let aborted = false;
    asyncApi('request', opt, (ok, fail, armed) => {
      const m = /^https:\/\/([^/:?#]+)(:\d+)?(\/[^?#]*)?(\?[^#]*)?/.exec(String(opt.url));
      if (!m) { fail('invalid url', 600009); return; }
      if (cfg.domains.indexOf(m[1]) < 0) { fail('url not in domain list', 600002); return; }
      if (active.request >= 10) { fail('exceed max task count', 600007); return; }
      const header = {};
      Object.keys(opt.header || {}).forEach((k) => { if (k.toLowerCase() !== 'referer') header[k] = String(opt.header[k]); });
      const contentType = Object.keys(header).filter((k) => k.toLowerCase() === 'content-type').map((k) => header[k])[0] || 'application/json';
      let body = '';
      if (typeof opt.data === 'string') body = opt.data;
      else if (opt.data !== undefined && opt.data !== null) body = /json/.test(contentType) ? JSON.stringify(opt.data) : String(opt.data);
      const timeout = typeof opt.timeout === 'number' && opt.timeout > 0 ? opt.timeout : 60000;
      const req = { method: method, url: opt.url, path: m[3] || '/', query: m[4] || '', header: header, body: body, timeout: timeout };
      exchange('request', req, armed, () => aborted, ok, fail, (res, text) => {
        let data = text;
        if ((opt.dataType || 'json') === 'json') { try { data = JSON.parse(text); } catch (e) { data = text; } }
        return { statusCode: res.statusCode, data: data, header: Object.assign({ 'Content-Type': 'application/json' }, res.header || {}), cookies: [] };
      });
    }, { noPromise: true });
    return { abort() { aborted = true; }, onHeadersReceived() {}, offHeadersReceived() {} };
  };

  // Sends `req` to the backend (or the answer armed for the call) and does to it what the
  // network does: latency, the call's timeout, a failure; `answer(res, text)` is the success.
  function exchange(kind, req, armed, isAborted, ok, fail, answer) {
    active[kind] += 1;
    inflight += 1;
    Promise.resolve().then(() => (armed.backend ? (sim.backendLog.push(Object.assign({ at: now }, req)), armed.backend) : handle(req))).then((res) => {
      active[kind] -= 1;
      inflight -= 1;
      if (isAborted()) { fail('abort'); return; }
      const latency = res.latencyMs || 0;
      if (latency > req.timeout) { now += req.timeout; fail('timeout', 5); return; }
      now += latency;
      if (res.fail) { fail(res.fail.text, res.fail.errno); return; }
      const text = typeof res.body === 'string' ? res.body : JSON.stringify(res.body === undefined ? '' : res.body);
      ok(answer(res, text));
    }, (e) => { active[kind] -= 1; inflight -= 1; fail('backend crashed: ' + e.message, 602001); });
  }

  // wx.uploadFile: a multipart POST of a file on this phone (see the header).
  wx.uploadFile = (o) => {
    const opt = o || {};
    log('uploadFile', 'POST ' + opt.url);
    let aborted = false;
    asyncApi('uploadFile', opt, (ok, fail, armed) => {
      for (const key of ['url', 'filePath', 'name']) {
        if (typeof opt[key] !== 'string') {
          fail('parameter error: parameter.' + key + ' should be String instead of ' + (opt[key] === undefined ? 'Undefined' : typeof opt[key]) + ';');
          return;
        }
      }
      const m = /^https:\/\/([^/:?#]+)(:\d+)?(\/[^?#]*)?(\?[^#]*)?/.exec(opt.url);
      if (!m) { fail('invalid url', 600009); return; }
      if (cfg.domains.indexOf(m[1]) < 0) { fail('url not in domain list', 600002); return; }
      const file = files.get(opt.filePath);
      if (!file) { fail('file not found'); return; }
      if (active.upload >= 10) { fail('exceed max task count', 600007); return; }
      const header = {};
      Object.keys(opt.header || {}).forEach((k) => { if (k.toLowerCase() !== 'referer') header[k] = String(opt.header[k]); });
      const formData = {};
      Object.keys(opt.formData || {}).forEach((k) => { formData[k] = String(opt.formData[k]); });
      const timeout = typeof opt.timeout === 'number' && opt.timeout > 0 ? opt.timeout : 60000;
      const req = { method: 'POST', url: opt.url, path: m[3] || '/', query: m[4] || '', header: header, body: '', timeout: timeout,
        upload: { name: opt.name, file: { path: opt.filePath, bytes: file.bytes.slice() }, formData: formData } };
      exchange('upload', req, armed, () => aborted, ok, fail, (res, text) => ({ statusCode: res.statusCode, data: text }));
    }, { noPromise: true });
    return { abort() { aborted = true; }, onProgressUpdate() {}, offProgressUpdate() {}, onHeadersReceived() {}, offHeadersReceived() {} };
  };

  // The toast the user sees (a page shows an error with it): general rules of §12 (errMsg,
  // asynchronous callbacks, Promise form); `title` is required, `icon` one of WeChat's four.
  wx.showToast = (o) => {
    const opt = o || {};
    log('showToast', String(opt.title));
    return asyncApi('showToast', opt, (ok, fail) => {
      if (typeof opt.title !== 'string') { fail('parameter error: parameter.title should be String'); return; }
      const icon = opt.icon === undefined ? 'success' : opt.icon;
      if (['success', 'error', 'loading', 'none'].indexOf(icon) < 0) { fail('parameter error: parameter.icon should be one of success, error, loading, none'); return; }
      sim.toasts.push({ title: opt.title, icon: icon, duration: typeof opt.duration === 'number' ? opt.duration : 1500, at: now });
      ok();
    });
  };

  if (has('2.20.1')) {
    wx.getAppBaseInfo = () => ({ SDKVersion: cfg.sdkVersion, version: '8.0.50', language: 'zh_CN', enableDebug: false, host: { env: 'WeChat' }, theme: 'light', fontSizeSetting: 16 });
  }
  const componentMin = {
    'button.open-type.agreePrivacyAuthorization': '2.32.3',
    'button.open-type.chooseAvatar': '2.21.2',
    'input.type.nickname': '2.21.2',
    'setStorage.object.encrypt': '2.21.3',
  };
  wx.canIUse = (schema) => {
    const s = String(schema);
    if (componentMin[s]) return has(componentMin[s]);
    return typeof wx[s.split('.')[0]] === 'function';
  };

  // WeChat Cloud Development's client (see the header).
  if (has('2.2.3')) {
    let cloudInit = null;
    const cloudApi = (api, o, body, minVersion) => {
      log('cloud.' + api, api === 'callFunction' ? String((o || {}).name) : String((o || {}).path || (o || {}).cloudPath || ''));
      const opt = o || {};
      // The cloud APIs take the Promise form whenever no callback is given.
      const promiseForm = typeof opt.success !== 'function' && typeof opt.fail !== 'function' && typeof opt.complete !== 'function';
      // The call counts as on its way (sim.pending) until its callback has run.
      let counted = false;
      const d = delivery(opt, promiseForm, () => { if (counted) { counted = false; inflight -= 1; } });
      const fail = (errCode, text) => d.finish(false, { errCode: errCode, errMsg: 'cloud.' + api + ':fail ' + text });
      const { armed, fault } = armedFor('cloud.' + api);
      if (fault) d.finish(false, Object.assign({ errMsg: 'cloud.' + api + ':fail' }, fault));
      else if (minVersion && !has(minVersion)) fail(-1, 'not supported below base library ' + minVersion);
      else if (!cloudInit) fail(-1, 'Cloud API isn\'t enabled, please call wx.cloud.init first');
      else {
        inflight += 1;
        counted = true;
        Promise.resolve().then(() => body(opt, armed)).then((res) => {
          if (res.errCode !== undefined) fail(res.errCode, res.text); else d.finish(true, Object.assign({ errMsg: 'cloud.' + api + ':ok' }, res));
        }, (e) => { fail(-404011, 'cloud function execution error: ' + ((e && e.message) || e)); });
      }
      return d.returned();
    };
    const context = () => {
      const ctx = { OPENID: cfg.user.openid, APPID: 'wx-sim', ENV: cloudInit.env, SOURCE: 'wx_client' };
      if (cfg.user.unionid) ctx.UNIONID = cfg.user.unionid;
      return ctx;
    };
    const clone = (v) => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)));
    wx.cloud = {
      init: (o) => { log('cloud.init'); cloudInit = { env: (o && o.env) || cfg.cloudEnv }; },
      callFunction: (o) => cloudApi('callFunction', o, (opt, armed) => {
        if (typeof opt.name !== 'string') return { errCode: -1, text: 'parameter.name should be String' };
        const fn = (cfg.cloudFunctions && cfg.cloudFunctions[opt.name]) || (opt.name === 'wxauth' ? wxauthFunction : null);
        if (!fn) return { errCode: -501000, text: '[ResourceNotFound] FunctionName parameter could not be found' };
        const event = Object.assign(clone(opt.data) || {}, { userInfo: { openId: cfg.user.openid, appId: 'wx-sim' } });
        const requestID = 'req-' + next();
        // An armed backend answer ({statusCode, body}) is the function's envelope.
        const answer = armed.backend ? { statusCode: armed.backend.statusCode, data: armed.backend.body } : fn(event, context());
        return Promise.resolve(answer).then((result) => ({ result: clone(result), requestID: requestID }));
      }),
      callContainer: (o) => cloudApi('callContainer', o, (opt, armed) => {
        const header = {};
        Object.keys(opt.header || {}).forEach((k) => { header[k] = String(opt.header[k]); });
        if (!header['X-WX-SERVICE']) return { errCode: -1, text: 'header X-WX-SERVICE is required' };
        header['X-WX-OPENID'] = cfg.user.openid;
        header['X-WX-APPID'] = 'wx-sim';
        const body = typeof opt.data === 'string' ? opt.data : (opt.data === undefined ? '' : JSON.stringify(opt.data));
        const req = { method: String(opt.method || 'GET').toUpperCase(), url: 'cloud://' + opt.path, path: String(opt.path).split('?')[0], query: '', header: header, body: body, timeout: opt.timeout || 60000 };
        return Promise.resolve(armed.backend || handle(req)).then((res) => {
          const text = typeof res.body === 'string' ? res.body : JSON.stringify(res.body === undefined ? '' : res.body);
          let data = text;
          if ((opt.dataType || 'json') === 'json') { try { data = JSON.parse(text); } catch (e) { data = text; } }
          return { statusCode: res.statusCode, data: data, header: { 'Content-Type': 'application/json' }, callID: 'call-' + next() };
        });
      }, '2.23.0'),
      uploadFile: (o) => cloudApi('uploadFile', o, (opt) => {
        const file = files.get(opt.filePath);
        if (typeof opt.cloudPath !== 'string' || !opt.cloudPath) return { errCode: -1, text: 'parameter.cloudPath should be String' };
        if (!file) return { errCode: -1, text: 'file not found' };
        const fileID = 'cloud://' + cloudInit.env + '.7369-' + cloudInit.env + '-1300000000/' + opt.cloudPath;
        server.avatars.set(fileID, { bytes: file.bytes.slice() });
        return { fileID: fileID, statusCode: 204 };
      }),
    };
  }

  // The built-in cloud function `wxauth`: the envelope {path, method, header, data} →
  // {statusCode, data}, the in-process backend behind it, the caller known by OPENID.
  function wxauthFunction(event, ctx) {
    if (!event || typeof event.path !== 'string') return { statusCode: 400, data: { code: 'BAD_REQUEST', message: 'the event has no path' } };
    const header = {};
    Object.keys(event.header || {}).forEach((k) => { header[k] = String(event.header[k]); });
    const body = typeof event.data === 'string' ? event.data : (event.data === undefined ? '' : JSON.stringify(event.data));
    const req = { method: String(event.method || 'GET').toUpperCase(), url: 'cloud://wxauth' + event.path, path: event.path.split('?')[0], query: '', header: header, body: body, timeout: 60000, openid: ctx.OPENID };
    return Promise.resolve(handle(req)).then((res) => ({ statusCode: res.statusCode, data: typeof res.body === 'string' ? safeParse(res.body) : res.body }));
  }

  function safeParse(text) {
    try { return JSON.parse(text); } catch (e) { return text; }
  }

  // The in-process backend stand-in: the protocol the SDK expects from the app's server.
  function defaultBackend(req) {
    const bearer = /^Bearer (.+)$/.exec(req.header.Authorization || req.header.authorization || '');
    const session = bearer && sessions.get(bearer[1]);
    const valid = session && !session.revoked && session.expiresAt > now;
    if (req.method === 'POST' && req.path === '/auth/login') {
      let code = null;
      try { code = JSON.parse(req.body).code; } catch (e) { code = null; }
      // Behind a cloud function WeChat names the caller: no code to exchange.
      const r = req.openid ? { openid: req.openid } : sim.exchangeCode(code);
      if (r.errcode) return { statusCode: 400, body: { code: r.errcode === 40163 ? 'CODE_USED' : 'INVALID_CODE', message: r.errmsg } };
      const token = 'tok-' + next() + '-' + r.openid;
      if (!bindings.has(r.openid)) bindings.set(r.openid, Math.floor(now / 1000));
      sessions.set(token, { openid: r.openid, expiresAt: now + cfg.tokenTtlSeconds * 1000, revoked: false });
      const body = { token: token, expiresIn: cfg.tokenTtlSeconds };
      if (server.profiles.has(r.openid)) body.profile = Object.assign({}, server.profiles.get(r.openid));
      return { statusCode: 200, body: body };
    }
    if (req.method === 'POST' && req.path === '/auth/unbind') {
      // The account is deleted only with a fresh code of the same WeChat user.
      if (!valid) return { statusCode: 401, body: { code: 'UNAUTHORIZED', message: 'no valid session' } };
      let code = null;
      try { code = JSON.parse(req.body).code; } catch (e) { code = null; }
      const r = req.openid ? { openid: req.openid } : sim.exchangeCode(code);
      if (r.errcode) return { statusCode: 400, body: { code: r.errcode === 40163 ? 'CODE_USED' : 'INVALID_CODE', message: r.errmsg } };
      if (r.openid !== session.openid) return { statusCode: 403, body: { code: 'IDENTITY_MISMATCH', message: 'the code belongs to another user' } };
      bindings.delete(r.openid);
      phones.delete(r.openid);
      server.profiles.delete(r.openid);
      sessions.forEach((s) => { if (s.openid === r.openid) s.revoked = true; });
      return { statusCode: 200, body: { ok: true } };
    }
    if (req.method === 'POST' && req.path === '/auth/phone') {
      // The code is exchanged with getuserphonenumber (with the user's openid, which WeChat
      // checks against the code); the number is stored with the user and answered masked.
      if (!valid) return { statusCode: 401, body: { code: 'UNAUTHORIZED', message: 'no valid session' } };
      let code = null;
      try { code = JSON.parse(req.body).code; } catch (e) { code = null; }
      const r = sim.exchangePhoneCode(code, session.openid);
      if (r.errcode) return { statusCode: 400, body: { code: 'INVALID_CODE', message: r.errmsg } };
      phones.set(session.openid, r.phone_info.purePhoneNumber);
      const n = r.phone_info.purePhoneNumber;
      return { statusCode: 200, body: { phoneNumber: n.slice(0, 3) + '****' + n.slice(-4), countryCode: r.phone_info.countryCode } };
    }
    if (req.method === 'POST' && req.path === '/auth/profile') {
      if (!valid) return { statusCode: 401, body: { code: 'UNAUTHORIZED', message: 'no valid session' } };
      return saveProfile(req, session.openid);
    }
    if (req.method === 'POST' && req.path === '/auth/logout') {
      if (session) session.revoked = true;
      return { statusCode: 200, body: { ok: true } };
    }
    // The app's own routes (config.routes), given the caller's session when the bearer is valid.
    const route = cfg.routes && cfg.routes[req.method + ' ' + req.path];
    if (typeof route === 'function') return route(req, valid ? { openid: session.openid } : null, sim);
    if (req.path === '/api/me') {
      if (!valid) return { statusCode: 401, body: { code: 'UNAUTHORIZED', message: 'no valid session' } };
      const me = { openid: session.openid, since: bindings.get(session.openid) };
      if (server.profiles.has(session.openid)) me.profile = Object.assign({}, server.profiles.get(session.openid));
      return { statusCode: 200, body: me };
    }
    return { statusCode: 404, body: { code: 'NOT_FOUND', message: req.path } };
  }

  // POST /auth/profile as the reference servers answer it: a multipart upload (file
  // `avatar`, field `nickName`) or JSON {nickName, avatarUrl} with an https avatar.
  function saveProfile(req, openid) {
    const refuse = (status, code, message) => ({ statusCode: status, body: { code: code, message: message } });
    let nick;
    let avatar;
    if (req.upload) {
      nick = req.upload.formData.nickName;
      const file = req.upload.name === 'avatar' ? req.upload.file : null;
      if (!file) return refuse(400, 'INVALID_PROFILE', 'the avatar file part is missing');
      if (file.bytes.length > MB) return refuse(413, 'AVATAR_TOO_LARGE', 'the avatar is larger than 1 MiB');
      const type = imageType(file.bytes);
      if (!type) return refuse(415, 'UNSUPPORTED_IMAGE', 'the avatar is not a PNG, JPEG, GIF or WebP image');
      avatar = 'https://api.example.com/avatars/' + ('0'.repeat(26) + next()) + '.' + type;
      server.avatars.set(avatar, { bytes: file.bytes, type: type });
    } else {
      let body = null;
      try { body = JSON.parse(req.body); } catch (e) { body = null; }
      if (!body || typeof body !== 'object') return refuse(400, 'INVALID_PROFILE', 'the body is not a JSON object');
      nick = body.nickName;
      avatar = body.avatarUrl;
      // A cloud storage fileID only behind the cloud function (the HTTP servers take https).
      const scheme = req.openid ? /^(https|cloud):\/\/[^\s\u0000-\u001f\u007f]+$/ : /^https:\/\/[^\s\u0000-\u001f\u007f]+$/;
      if (typeof avatar !== 'string' || !scheme.test(avatar) || utf8Length(avatar) > 2048) {
        return refuse(400, 'INVALID_PROFILE', 'avatarUrl must be an https URL (or a cloud:// fileID) of at most 2048 bytes');
      }
    }
    nick = typeof nick === 'string' ? nick.trim() : '';
    const chars = Array.from(nick);
    if (!chars.length || chars.length > 64 || /[\u0000-\u001f\u007f-\u009f]/.test(nick)) {
      return refuse(400, 'INVALID_PROFILE', 'nickName must be 1 to 64 characters without control characters');
    }
    const profile = { nickName: nick, avatarUrl: avatar };
    server.profiles.set(openid, profile);
    return { statusCode: 200, body: Object.assign({}, profile) };
  }

  function imageType(b) {
    const at = (i, bytes) => bytes.every((x, k) => b[i + k] === x);
    if (at(0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
    if (at(0, [0xff, 0xd8, 0xff])) return 'jpg';
    if (at(0, [0x47, 0x49, 0x46, 0x38])) return 'gif';
    if (at(0, [0x52, 0x49, 0x46, 0x46]) && at(8, [0x57, 0x45, 0x42, 0x50])) return 'webp';
    return null;
  }

  function handle(req) {
    sim.backendLog.push({ method: req.method, path: req.path, header: req.header, body: req.body, upload: req.upload, timeout: req.timeout, at: now });
    const i = backendFaults.findIndex((f) => !f.path || f.path === req.path);
    if (i >= 0) return backendFaults.splice(i, 1)[0].response;
    return (cfg.backend || defaultBackend)(req, sim);
  }

  const sim = {
    wx: wx,
    /** WeChat's and the backend's side: pass it as `config.server` to make a second phone of the same user. */
    server: server,
    calls: calls,
    backendLog: [],
    /** Every toast shown (wx.showToast), in order: {title, icon, duration, at}. */
    toasts: [],
    config: cfg,
    now: () => now,
    advance: (ms) => { now += ms; },
    /** A `setTimeout` on the simulated clock, for the SDK under test (see the header). */
    setTimeout: (fn, ms) => {
      const due = now + Math.max(0, Number(ms) || 0);
      sim.timersSet += 1;
      defer(() => { if (due > now) now = due; fn(); });
    },
    timersSet: 0,
    /** How many backend answers, cloud calls and code hooks are still on their way. */
    pending: () => inflight,
    /** Runs `fn` inside a tap gesture, as a bindtap handler runs. */
    tap: (fn) => { tapDepth += 1; try { return fn(); } finally { tapDepth -= 1; } },
    /** The user taps the `open-type="agreePrivacyAuthorization"` button with this id. */
    tapAgreeButton: (id) => { tappedAgreeButtons.add(String(id)); },
    /** The next call of `api` fails with this object (`{errMsg, errno}`). */
    failNext: (api, failure) => { (faults[api] = faults[api] || []).push(failure); },
    /**
     * Arms a fault for the wx call that will be `calls[index]`: `{fail: {errMsg, errno}}`
     * fails it, `{ok: result}` answers it with that success result, and for a request
     * `{backend: {statusCode, body}}` is the backend's answer.
     */
    injectAt: (index, fault) => { injected.set(index, fault); },
    /** The next backend request (to `path`, or any) gets this answer: `{statusCode, body}` or `{fail: {text, errno}}`. */
    backendNext: (path, response) => { backendFaults.push({ path: path, response: response }); },
    count: (api) => calls.filter((c) => c.api === api).length,
    storageText: (key) => { const i = storage.get(key); return i ? i.text : undefined; },
    storageItem: (key) => storage.get(key),
    setStorageRaw: (key, value, encrypted) => { storage.set(key, { text: JSON.stringify(value), encrypted: !!encrypted }); },
    privacyAgreed: () => privacyAgreed,
    /** The scopes as getSetting would report them now. */
    authSetting: () => Object.assign({}, authSetting),
    /** Whether the in-process backend has an account for this openid. */
    hasBinding: (openid) => bindings.has(openid),
    /** What WeChat's jscode2session answers for a code: `{openid, session_key}` or `{errcode, errmsg}`. */
    exchangeCode: (code) => {
      const c = codes.get(code);
      if (!c || now - c.issuedAt > CODE_TTL) return { errcode: 40029, errmsg: 'invalid code' };
      if (c.used) return { errcode: 40163, errmsg: 'code been used' };
      c.used = true;
      return { openid: cfg.user.openid, session_key: 'never-sent-to-the-client' };
    },
    sessionOf: (token) => sessions.get(token),
    /** Verifications WeChat billed: each phone code the page received (platforms.md §B.3). */
    billedPhoneVerifications: 0,
    /** The number the in-process backend stored for this openid, if any. */
    storedPhone: (openid) => phones.get(openid),
    /** The profile the in-process backend stored for this openid ({nickName, avatarUrl}), if any. */
    storedProfile: (openid) => server.profiles.get(openid),
    /** The bytes the backend serves at an avatar URL it issued, if any. */
    avatarBytes: (url) => { const a = server.avatars.get(url); return a ? a.bytes.slice() : undefined; },
    /**
     * The user taps `<button open-type="chooseAvatar">` and picks a picture: resolves with
     * the event's `detail` ({avatarUrl: a temporary file on this phone}), after the privacy
     * gate (the avatar is a privacy interface; a refusal resolves with {errMsg} and no file).
     * `bytes` (an array of byte values) replaces the picture, a small PNG; `path` names the
     * temporary file (WeChat's own names look like `http://tmp/….png` or `wxfile://tmp_….png`).
     */
    chooseAvatar: (bytes, path) => new Promise((resolve) => {
      log('button.chooseAvatar');
      privacyGate('button.chooseAvatar', () => {
        if (!path) path = 'http://tmp/' + next() + '.png';
        files.set(path, { bytes: bytes ? Array.from(bytes) : PNG.slice() });
        defer(() => resolve({ avatarUrl: path }));
      }, (text, errno) => defer(() => resolve({ errMsg: 'chooseAvatar:fail ' + text, errno: errno })));
    }),
    /** Whether a temporary file exists on this phone. */
    hasFile: (path) => files.has(path),
    /** The bytes of a temporary file on this phone, if it exists. */
    fileBytes: (path) => { const f = files.get(path); return f ? f.bytes.slice() : undefined; },
    /**
     * The user taps a `getPhoneNumber` (or `getRealtimePhoneNumber`) button: resolves with
     * the event's `detail` as WeChat gives it. Privacy comes first (the button is a privacy
     * interface, referrer 'button.getPhoneNumber'); no quota gives errno 1400001 and never
     * opens the half-screen; below 2.21.2 there is no code, only encryptedData; a decline is
     * 'user deny'. A code is minted, and billed, only when the user allows.
     */
    tapPhoneButton: (openType) => new Promise((resolve) => {
      const api = openType === 'getRealtimePhoneNumber' ? 'getRealtimePhoneNumber' : 'getPhoneNumber';
      log('button.' + api);
      const fail = (text, errno) => {
        const detail = { errMsg: api + ':fail ' + text };
        if (errno !== undefined) detail.errno = errno;
        defer(() => resolve(detail));
      };
      privacyGate('button.' + api, () => {
        if (!cfg.phoneQuota) { fail('no quota', 1400001); return; }
        if (cfg.phoneAnswer !== 'allow') { fail('user deny'); return; }
        if (!has('2.21.2')) {
          defer(() => resolve({ errMsg: api + ':ok', encryptedData: 'sim-encrypted', iv: 'sim-iv' }));
          return;
        }
        const code = 'phone-' + next();
        phoneCodes.set(code, { issuedAt: now, used: false, openid: cfg.user.openid });
        sim.billedPhoneVerifications += 1;
        const hook = typeof cfg.onPhoneCodeMinted === 'function' ? cfg.onPhoneCodeMinted(code, cfg.phone) : null;
        inflight += 1;
        Promise.resolve(hook).then(() => {
          inflight -= 1;
          defer(() => resolve({ errMsg: api + ':ok', code: code }));
        }, () => { inflight -= 1; defer(() => resolve({ errMsg: api + ':ok', code: code })); });
      }, fail);
    }),
    /** What WeChat's getuserphonenumber answers for a phone code and the session's openid. */
    exchangePhoneCode: (code, openid) => {
      const c = phoneCodes.get(code);
      if (!c || c.used || now - c.issuedAt > CODE_TTL) return { errcode: 40029, errmsg: 'invalid code' };
      if (openid !== undefined && openid !== c.openid) return { errcode: 40029, errmsg: 'invalid code (openid mismatch)' };
      c.used = true;
      return { errcode: 0, errmsg: 'ok', phone_info: Object.assign({ watermark: { timestamp: Math.floor(now / 1000), appid: 'wx-sim' } }, cfg.phone) };
    },
    /**
     * Waits until every callback scheduled so far (and those they schedule) has run, and
     * no backend answer or onCodeMinted hook is pending (a real server may take a while;
     * after 30 s of real time it stops waiting).
     */
    settle: (rounds) => new Promise((resolve) => {
      const total = rounds || 20;
      let n = total;
      // Counted in 1 ms waits, not read from Date.now (a test may pin it to the simulated clock).
      let patience = 30000;
      const step = () => {
        if (inflight > 0 && --patience > 0) {
          n = total; // the answer's callbacks get their rounds once it has arrived
          setTimeout(step, 1);
        } else if (--n <= 0) {
          resolve();
        } else {
          setTimeout(step, 0);
        }
      };
      setTimeout(step, 0);
    }),
  };
  return sim;
}

/** Makes `sim.wx` the global `wx`, keeping one `wx` object identity (the SDK reads it once). */
export function installWx(sim) {
  const g = typeof globalThis !== 'undefined' ? globalThis : this;
  if (!g.wx) g.wx = {};
  Object.keys(g.wx).forEach((k) => { delete g.wx[k]; });
  Object.assign(g.wx, sim.wx);
  return g.wx;
}
