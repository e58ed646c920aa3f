'use strict';
// wx-auth itself, from dist/ (what `make dist` ships), through the CommonJS shim.
const API = 'https://api.example.com';
const KEY = 'wx-auth:session';
let captured = null; // a stored record from a real login, reused to seed later launches

function options(env) {
  return { wasmPath: '/dist/wx_auth.wasm.br', loginUrl: API + '/auth/login', logoutUrl: API + '/auth/logout',
    now: env.sim.now, setTimeout: env.sim.setTimeout };
}

module.exports = {
  name: 'wx-auth (ours)',
  short: 'ours',
  version: () => /^version = "(.*)"/m.exec(require('fs').readFileSync(require('path').join(__dirname, '../../Cargo.toml'), 'utf8'))[1],
  url: API + '/api/me',
  readyMeans: 'require of `dist/index.js` + `createAuth` resolved, state `logged-in`',
  // A valid stored session, as a previous launch of the SDK wrote it.
  async seed(env) {
    if (!captured) {
      const { launch } = require('../lib/env.js');
      const prep = launch();
      const auth = await prep.realm.require('./dist/index.js').createAuth(options(prep));
      await auth.login();
      const item = prep.sim.storageItem(KEY);
      captured = { value: JSON.parse(item.text), encrypted: item.encrypted };
      captured.record = JSON.parse(captured.value);
      captured.key = KEY;
    }
    env.sim.setStorageRaw(KEY, captured.value, captured.encrypted);
    env.backend.seed(captured.record.token, captured.record.expiresAt);
  },
  // require of the shim → createAuth resolved (logged-in when a session was seeded).
  async ready(env) {
    const sdk = env.realm.require('./dist/index.js');
    const auth = await sdk.createAuth(options(env));
    return { auth, state: auth.state.kind };
  },
  loggedIn: (h) => h.auth.state.kind === 'logged-in',
  login: (h) => h.auth.login(),
  request: (h, url) => h.auth.request({ url }),
  logout: (h) => h.auth.logout(),
  readState: (h) => h.auth.state,
};
module.exports.seedRecord = () => captured;
