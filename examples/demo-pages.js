'use strict';
// `make demo`: the example mini-program itself (examples/miniprogram: app.js, the pages,
// the privacy popup) with the SDK from dist/, walked through privacy → profile → login (the
// profile then saved on the backend) → /api/me → phone number → a second phone → logout → restart, as a user would: taps, the
// agreeprivacyauthorization, chooseavatar and getphonenumber events and the nickname form. Prints what each page shows after each
// step and every request the SDK sends. Tokens are never printed.
//
// The pages run in miniprogram-simulate (tests/pages/harness.js) against the wx simulator
// of tests/sim/wx-sim.js. The backend is pluggable: `run({ backend, onCodeMinted,
// onPhoneCodeMinted })` takes the simulator's backend function, `(req, sim) => {statusCode,
// body} | Promise of it`, with `req` = {method, path, query, header, body}, and its hooks
// for login and phone codes; without them the
// simulator's in-process stand-in answers. `make demo` runs examples/demo-stack.js, which
// passes the reference backend (examples/server) over real HTTP.
const harness = require('../tests/pages/harness.js');

const STEP = (title) => console.log('\n▶ ' + title);
const SHOW = (label, value) => console.log('  ' + label + ': ' + value);

async function run(options) {
  const opts = options || {};
  const sim = { sdkVersion: '3.3.4' };
  if (opts.backend) sim.backend = opts.backend;
  if (opts.onCodeMinted) sim.onCodeMinted = opts.onCodeMinted;
  if (opts.onPhoneCodeMinted) sim.onPhoneCodeMinted = opts.onPhoneCodeMinted;
  const s = harness.start(sim);
  const calls = s.sim.calls;
  calls.push = function (call) {
    if (/^(login|request|uploadFile|getUserProfile|openPrivacyContract|requirePrivacyAuthorize|onNeedPrivacyAuthorization→listener)$/.test(call.api)) {
      console.log('    wx.' + call.api + (call.detail ? '  ' + call.detail : ''));
    }
    return Array.prototype.push.call(this, call);
  };
  const state = (page) => SHOW('页面显示', page.text('#state'));

  STEP('launch: app.js creates the SDK from /miniprogram_npm/wx-auth/wx_auth.wasm.br; the index page opens');
  const index = s.open('pages/index/index');
  await s.settle();
  state(index);
  SHOW('privacy popup', index.has('#privacy-popup #privacy-dialog') ? index.text('#privacy-popup #privacy-dialog').replace(/\s+/g, ' ') : '(none)');

  STEP('privacy: the user taps 同意 (<button id="agree-btn" open-type="agreePrivacyAuthorization">)');
  await index.agreePrivacy('#privacy-popup #agree-btn');
  state(index);

  STEP('profile: chooseAvatar, then the nickname form is submitted');
  const profile = s.open('pages/profile/profile');
  await s.settle();
  await profile.chooseAvatar('#avatar-btn', 'wxfile://tmp/avatar-xiaoming.png');
  await profile.submit('#profile-form', { nickName: '小明' });
  SHOW('profile page', profile.text('#saved') + ' · ' + profile.text('#current-nickname'));
  state(profile);
  profile.unload();

  STEP('login: the user taps 微信登录 (then the profile is saved on the backend: the avatar file goes up with wx.uploadFile)');
  await index.tap('#login-btn');
  await s.settle();
  state(index);
  SHOW('nickname', index.text('#nickname'));
  SHOW('session', index.text('#expires'));
  const saved = s.app.auth && (await s.app.auth).state.profile;
  SHOW('profile', saved ? (saved.saved ? 'saved on the backend, avatar ' + saved.avatarUrl : 'on this phone only') : '(none)');

  STEP('an authorized request: the user taps 请求 /api/me');
  await index.tap('#me-btn');
  SHOW('result', index.text('#me').replace(/\n/g, ' · '));

  STEP('phone number: the phone page, the user taps 用微信绑定的手机号验证 (open-type="getPhoneNumber") and allows it');
  const phone = s.open('pages/phone/phone');
  await s.settle();
  await phone.getPhoneNumber('#phone-btn');
  const shown = phone.has('#phone') ? phone.text('#phone') : phone.text('#error');
  SHOW('phone page', shown + ' (the backend keeps the full number; WeChat bills this verification)');
  phone.unload();

  STEP('logout: the user taps 退出登录');
  await index.tap('#logout-btn');
  state(index);

  STEP('restart: the mini-program is opened again');
  index.unload();
  s.restart();
  const again = s.open('pages/index/index');
  await s.settle();
  state(again);
  SHOW('buttons', again.has('#login-btn') ? again.text('#login-btn') : '(none)');

  const logins = s.sim.count('login');
  // The simulator's tokens are tok-NNNNNN-…, the reference server's 64 hex digits.
  const leaked = /tok-\d|[0-9a-f]{64}/.test(again.html() + index.html());
  console.log('\nwx.login was called ' + logins + ' time' + (logins === 1 ? '' : 's') + '; after the restart the page still shows the logged-out state.');
  const loggedOut = again.text('#state') === '已退出登录（你已退出）';
  const swallowed = s.swallowed.length;

  STEP('a second phone: the same WeChat user opens the mini-program on another phone and logs in');
  const other = harness.start(Object.assign({}, sim, { server: s.sim.server, startTime: s.sim.now() }));
  const otherIndex = other.open('pages/index/index');
  await other.settle();
  await otherIndex.agreePrivacy('#privacy-popup #agree-btn');
  await otherIndex.tap('#login-btn');
  state(otherIndex);
  SHOW('nickname', otherIndex.text('#nickname') + ' (restored from the backend; nothing was uploaded from this phone: ' + other.sim.count('uploadFile') + ' uploads)');
  const restored = otherIndex.text('#nickname') === '小明' && other.sim.count('uploadFile') === 0;

  const ok = loggedOut && logins === 1 && !leaked && swallowed === 0 && shown === '+86 138****8000' &&
    Boolean(saved && saved.saved) && restored;
  if (!ok) throw new Error('demo: the flow did not end as it should');
}

module.exports = { run };

if (require.main === module) {
  run().then(() => process.exit(0), (e) => {
    console.error(e);
    process.exit(1);
  });
}
