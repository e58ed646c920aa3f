#!/usr/bin/env node
'use strict';
// The kit's negative self-test: every check can fail. A tiny fake backend
// (fake-backend.js) first passes the whole kit; then, once per deliberate bug, the checks
// that bug breaks are run against it and must each say `not ok`. Every check of the kit
// must be broken by at least one bug. One line per bug, then `N passed, N failed`.
// Needs the stand-in binary (scripts/setup-server.sh).
const crypto = require('crypto');
const path = require('path');
const { spawn } = require('child_process');
const stack = require('../support/stack.js');
const { checks } = require('./run.js');

const KIT = path.join(__dirname, 'run.js');
const FAKE = path.join(__dirname, 'fake-backend.js');
const APPID = 'wx-selftest-app';
const SECRET = 'selftest-' + crypto.randomBytes(6).toString('hex');

// bug → the checks it must make fail
const BUGS = {
  'login-leaks-openid': ['login.ok'],
  'token-per-user': ['login.tokens-distinct'],
  'me-no-since': ['me.ok'],
  'code-optional': ['login.code-missing'],
  'code-coerced': ['login.code-not-string'],
  'no-code-shape': ['login.code-shape'],
  'code-max-64': ['login.code-128'],
  'bad-json-500': ['login.not-json'],
  '40029-as-502': ['login.unknown-code', 'login.expired-code', 'wechat.invalid-code'],
  '40163-as-invalid': ['login.used-code', 'wechat.code-used', 'unbind.used-code'],
  'busy-as-502': ['wechat.busy'],
  '45011-as-503': ['wechat.rate-limited'],
  '40226-as-401': ['wechat.user-blocked'],
  'other-as-400': ['wechat.bad-secret'],
  'unreachable-as-500': ['wechat.unreachable'],
  'missing-bearer-403': ['bearer.missing'],
  'bearer-lenient': ['bearer.malformed'],
  'unknown-token-500': ['bearer.unknown'],
  'no-expiry': ['bearer.expired'],
  'logout-noop': ['logout.ends-session'],
  'logout-needs-session': ['logout.idempotent'],
  'logout-all': ['logout.one-session'],
  'unbind-exchanges-first': ['unbind.no-session'],
  'unbind-any-body': ['unbind.bad-body'],
  'unbind-no-identity-check': ['unbind.other-user'],
  'unbind-errors-500': ['unbind.wechat-errors'],
  'unbind-keeps-sessions': ['unbind.ok'],
  'wrong-method-404': ['door.method'],
  'prefix-routes': ['door.not-found'],
  'any-content-type': ['door.content-type'],
  'body-limit-1m': ['door.body-size'],
  'waits-for-body': ['door.body-unread'],
  'head-limit-16k': ['door.head-size'],
  'accepts-chunked': ['door.chunked'],
  'plain-400': ['door.malformed'],
  'exchange-before-checks': ['door.nothing-reaches-wechat'],
  'dies-on-hangup': ['door.survives'],
  'peer-unshared': ['shared.peer', 'shared.profile'],
  'phone-unmasked': ['phone.ok'],
  'phone-exchanges-first': ['phone.no-session'],
  'phone-any-body': ['phone.bad-body'],
  'phone-40029-as-502': ['phone.used-code', 'phone.other-user', 'phone.wechat-errors'],
  'phone-no-openid': ['phone.other-user'],
  'phone-errors-500': ['phone.wechat-errors'],
  'token-per-request': ['phone.token-cached', 'shared.phone-token'],
  'no-token-retry': ['phone.token-retry'],
  'token-retry-unbounded': ['phone.token-retry'],
  'force-refresh-on-40001': ['phone.token-retry'],
  'me-no-unionid': ['me.unionid'],
  'avatar-served-octet': ['profile.upload'],
  'profile-json-untrimmed': ['profile.json'],
  'trusts-content-type': ['profile.not-image'],
  'avatar-limit-2m': ['profile.too-large'],
  'nick-no-control-check': ['profile.nickname'],
  'avatar-url-http': ['profile.avatar-url'],
  'avatar-optional': ['profile.missing-part'],
  'profile-missing-bearer-403': ['profile.no-session'],
  'profile-any-type': ['profile.content-type'],
  'login-no-profile': ['profile.login'],
  'replace-keeps-old': ['profile.replace'],
  'unbind-keeps-profile': ['profile.unbind'],
  'avatars-case-insensitive': ['avatars.traversal'],
};

function kit(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [KIT].concat(args), { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code: code, out: out }));
  });
}

/** A fresh stand-in and fakes with `bugs`; resolves the kit's arguments. */
async function fakes(bugs, needs) {
  const standin = (await stack.startBinary('wechat-standin', { LISTEN: '127.0.0.1:0', WX_APPID: APPID, WX_SECRET: SECRET })).base;
  const start = (extra) => stack.startProcess('fake-backend', process.execPath, [FAKE], Object.assign({
    LISTEN: '127.0.0.1:0', WX_APPID: APPID, WX_SECRET: SECRET, WX_API_BASE: standin, FAKE_BUGS: bugs.join(','),
    PUBLIC_BASE_URL: 'https://fake.conformance.test',
  }, extra || {}));
  const main = await start();
  const args = ['--backend', main.base, '--standin', standin];
  const want = (opt) => !needs || needs.some((id) => (checks.find((c) => c.id === id) || {}).needs === opt);
  // The fake's store is its memory: it shares with itself, unless the bug says otherwise.
  if (want('peer-backend')) args.push('--peer-backend', bugs.includes('peer-unshared') ? (await start()).base : main.base);
  if (want('short-ttl-backend')) args.push('--short-ttl-backend', (await start({ SESSION_TTL_SECONDS: '2' })).base);
  if (want('bad-secret-backend')) args.push('--bad-secret-backend', (await start({ WX_SECRET: 'wrong' })).base);
  if (want('no-wechat-backend')) args.push('--no-wechat-backend', (await start({ WX_API_BASE: 'http://127.0.0.1:' + (await stack.freePort()) })).base);
  return args;
}

async function main() {
  stack.buildServer();
  let passed = 0;
  let failed = 0;
  const report = (ok, line, detail) => {
    if (ok) passed++; else failed++;
    console.log((ok ? 'ok - ' : 'not ok - ') + line + (ok || !detail ? '' : '\n    ' + detail.trim().split('\n').join('\n    ')));
  };

  const covered = new Set([].concat(...Object.values(BUGS)));
  const uncovered = checks.map((c) => c.id).filter((id) => !covered.has(id));
  report(uncovered.length === 0, 'every check of the kit is broken by some bug', 'no bug for ' + uncovered.join(', '));
  const unknown = [...covered].filter((id) => !checks.some((c) => c.id === id));
  report(unknown.length === 0, 'every check a bug names exists', 'unknown: ' + unknown.join(', '));

  const base = await kit(await fakes([]));
  report(base.code === 0 && / 0 failed\s*$/.test(base.out) && !/^skip/m.test(base.out), 'the fake without bugs passes the whole kit', base.out.split('\n').filter((l) => /^(not ok|skip)|^ {4}/.test(l)).join('\n'));
  stack.stopAll();

  for (const [bug, ids] of Object.entries(BUGS)) {
    const r = await kit((await fakes([bug], ids)).concat(['--only', ids.join(',')]));
    const missed = ids.filter((id) => !new RegExp('^not ok - ' + id.replace(/[.]/g, '\\.') + ':', 'm').test(r.out));
    report(missed.length === 0 && r.code === 1, 'bug ' + bug + ' fails ' + ids.join(', '), 'still passing: ' + missed.join(', ') + '\n' + r.out);
    stack.stopAll();
  }
  console.log(passed + ' passed, ' + failed + ' failed');
  return failed;
}

main().then((f) => process.exit(f ? 1 : 0), (e) => {
  console.error(e);
  stack.stopAll();
  process.exit(1);
});
