'use strict';
// Runs the shipped dist/ in a mini-program-shaped node realm (tests/support/mp-realm.js):
// every contract case of tests/contract/cases.js through the shim, plus what only the
// shipped files can show (loading paths, result shapes, ES2015, no dynamic code, sizes
// of nothing: those are the benchmark's). Prints `N passed, N failed`.
const fs = require('fs');
const path = require('path');
const assert = require('assert');
const { createRealm } = require('../support/mp-realm.js');

const root = path.resolve(__dirname, '../..');
const dist = path.join(root, 'dist');
const SIM = path.join(root, 'tests/sim/wx-sim.js');
const CASES = path.join(root, 'tests/contract/cases.js');

function sdkRealm(options) {
  const opts = Object.assign({ wasmPath: '/dist/wx_auth.wasm.br' }, options || {});
  const realm = createRealm(opts);
  realm.loadModuleAsScript(SIM);
  realm.loadModuleAsScript(CASES);
  realm.context.__sdk = realm.require('./dist/index.js');
  realm.context.__wasmPath = opts.wasmPath;
  const env = realm.run('({ createAuth: function (o) { return __sdk.createAuth(Object.assign({ wasmPath: __wasmPath }, o)); } })');
  return { realm, env };
}

const { test, summary } = require('../support/runner.js').createRunner(4);

// The SDK must never leave a rejection unhandled (pages see them as errors).
const unhandled = [];
process.on('unhandledRejection', (reason) => unhandled.push(reason));

async function main() {
  const names = sdkRealm().realm.run('caseNames()');
  for (const name of names) {
    await test('contract: ' + name, () => {
      const { realm, env } = sdkRealm();
      return realm.context.runCase(env, name);
    });
  }

  const mainFlow = 'request: adds the bearer token and returns statusCode, data and header';
  await test('dist: the plain .wasm path loads as well as .wasm.br', () => {
    const { realm, env } = sdkRealm({ wasmPath: '/dist/wx_auth.wasm' });
    return realm.context.runCase(env, mainFlow);
  });
  await test('dist: a WXWebAssembly that resolves the bare instance works', () => {
    const { realm, env } = sdkRealm({ bareInstance: true });
    return realm.context.runCase(env, mainFlow);
  });
  await test('dist: in a browser (WebAssembly and fetch, no WXWebAssembly) the .wasm loads through fetch', () => {
    const { realm, env } = sdkRealm({ browser: true, wasmPath: '/dist/wx_auth.wasm' });
    assert.strictEqual(realm.run('typeof WXWebAssembly'), 'undefined');
    return realm.context.runCase(env, mainFlow);
  });
  await test('dist: wx calling success before it returns (as some mocks do) works: login, 3 concurrent requests, logout', async () => {
    // A wake from a wx callback polls the waiting task at once (src/web/task.rs); here the
    // callback comes while the SDK is still inside its own call to wx.
    const { realm } = sdkRealm();
    realm.run('var syncSim = createWxSim({ needPrivacyAuthorization: false, defer: function (fn) { fn(); } }); installWx(syncSim)');
    const auth = await realm.run("__sdk.createAuth({ wasmPath: __wasmPath, loginUrl: 'https://api.example.com/auth/login', logoutUrl: 'https://api.example.com/auth/logout', now: syncSim.now, setTimeout: syncSim.setTimeout })");
    assert.strictEqual(auth.state.kind, 'privacy-agreed');
    assert.strictEqual((await auth.login()).kind, 'logged-in');
    realm.context.__auth = auth;
    const statuses = await realm.run("Promise.all([1, 2, 3].map(function () { return __auth.request({ url: 'https://api.example.com/api/me' }); }))");
    assert.deepStrictEqual(Array.from(statuses, (r) => r.statusCode), [200, 200, 200]);
    assert.strictEqual((await auth.logout()).kind, 'logged-out');
    assert.deepStrictEqual(realm.run("syncSim.calls.filter(function (c) { return c.api === 'login' || c.api === 'request'; }).length"), 6);
  });
  await test('dist: a wx result whose getter throws is read as a missing field; the SDK keeps working', async () => {
    // A JS exception must never unwind through the wasm: the getters that read wx's
    // results catch (src/web/wx.rs), so this login fails cleanly instead of hanging.
    const { realm } = sdkRealm();
    realm.run(`var sim = createWxSim({ needPrivacyAuthorization: false }); installWx(sim);
      var realLogin = wx.login, broken = 1;
      wx.login = function (o) {
        if (!broken--) return realLogin(o);
        setTimeout(function () { o.success({ get code() { throw new Error('boom'); } }); }, 0);
      };`);
    const auth = await realm.run("__sdk.createAuth({ wasmPath: __wasmPath, loginUrl: 'https://api.example.com/auth/login', now: sim.now, setTimeout: sim.setTimeout, retry: { attempts: 1 }, minLoginIntervalMs: 0 })");
    // Without the catch the login never settles: fail after 5 s instead of hanging.
    const hung = new Promise((resolve) => setTimeout(() => resolve('hung'), 5000).unref());
    const err = await Promise.race([auth.login().then(() => null, (e) => e), hung]);
    assert.notStrictEqual(err, 'hung', 'the login never settled');
    assert.ok(err, 'the first login rejected');
    assert.strictEqual(err.code, 'LOGIN_FAILED');
    assert.match(err.errMsg, /no code/);
    assert.strictEqual((await auth.login()).kind, 'logged-in');
  });
  await test('dist: two createAuth calls instantiate the module once', async () => {
    const { realm } = sdkRealm();
    realm.run('installWx(createWxSim({}))');
    await realm.run("Promise.all([1, 2].map(function () { return __sdk.createAuth({ wasmPath: __wasmPath, loginUrl: 'https://api.example.com/auth/login' }); }))");
    assert.deepStrictEqual(realm.instantiated, ['/dist/wx_auth.wasm.br']);
  });
  await test('dist: a wasmPath that does not load rejects (never throws), and a later call can load', async () => {
    for (const options of [{}, { browser: true }]) {
      const { realm } = sdkRealm(options);
      realm.run('installWx(createWxSim({}))');
      let threw = null;
      let rejected = null;
      try {
        rejected = await realm.run("__sdk.createAuth({ wasmPath: '/dist/missing.wasm', loginUrl: 'https://api.example.com/auth/login' })")
          .then(() => null, (e) => e);
      } catch (e) {
        threw = e;
      }
      assert.strictEqual(threw, null, 'createAuth threw');
      assert.ok(rejected, 'rejected');
    }
    // Plain node (the fs branch): a missing file is a rejection too.
    const plain = require(path.join(dist, 'index.js'));
    let threw = null;
    const pending = (() => {
      try {
        return plain.createAuth({ wasmPath: path.join(dist, 'missing.wasm'), loginUrl: 'https://api.example.com/auth/login' });
      } catch (e) {
        threw = e;
        return null;
      }
    })();
    assert.strictEqual(threw, null, 'createAuth threw in node');
    assert.ok(await pending.then(() => null, (e) => e), 'rejected in node');
    const { realm } = sdkRealm();
    realm.run('installWx(createWxSim({}))');
    await realm.run("__sdk.createAuth({ wasmPath: '/dist/missing.wasm', loginUrl: 'https://api.example.com/auth/login' })").then(() => null, () => null);
    const auth = await realm.run("__sdk.createAuth({ wasmPath: __wasmPath, loginUrl: 'https://api.example.com/auth/login' })");
    assert.strictEqual(typeof auth.state.kind, 'string');
  });
  await test('dist: createAuth without a wasmPath is INVALID_ARGUMENT', async () => {
    const { realm } = sdkRealm();
    const err = await realm.run("__sdk.createAuth({ loginUrl: 'https://api.example.com/auth/login' })").then(() => null, (e) => e);
    assert.ok(err, 'rejected');
    assert.strictEqual(err.code, 'INVALID_ARGUMENT');
  });
  await test('dist: the realm is strict (no eval, no WebAssembly, no TextDecoder)', () => {
    const { realm } = sdkRealm();
    assert.throws(() => realm.run('eval("1")'));
    assert.throws(() => realm.run('new Function("return 1")()'));
    assert.strictEqual(realm.run('typeof WebAssembly + typeof TextDecoder + typeof queueMicrotask'), 'undefinedundefinedundefined');
  });
  await test('dist: a module that exports globals is refused like on iOS (unpatched wasm-bindgen output)', async () => {
    const raw = path.join(root, 'target/bindgen/wx_auth_bg.wasm');
    const realm = createRealm();
    const err = await realm.WXWebAssembly.instantiate('/target/bindgen/wx_auth_bg.wasm', {}).then(() => null, (e) => e);
    assert.ok(fs.existsSync(raw), 'bindgen output present');
    assert.ok(err && /exported globals/.test(err.message), String(err && err.message));
  });
  await test('dist: the shipped JavaScript parses as ES2015 scripts and has no dynamic code', () => {
    const acorn = require(path.join(root, 'tools/node_modules/acorn'));
    for (const f of fs.readdirSync(dist).filter((n) => n.endsWith('.js'))) {
      const src = fs.readFileSync(path.join(dist, f), 'utf8');
      acorn.parse(src, { ecmaVersion: 2015, sourceType: 'script' });
      // fetch appears only in the shim's browser branch, which a mini-program never takes
      // (WXWebAssembly is checked first; the realm above has no fetch at all).
      for (const banned of [/\beval\s*\(/, /new Function\b/, /import\.meta/, /instantiateStreaming/]) {
        assert.ok(!banned.test(src), f + ' contains ' + banned);
      }
    }
    const glue = fs.readFileSync(path.join(dist, 'wx_auth.js'), 'utf8');
    assert.ok(!/\bWebAssembly\b/.test(glue), 'the glue never touches the global WebAssembly');
  });
  await test('dist: wx_auth.wasm.br is wx_auth.wasm, brotli-compressed', () => {
    const zlib = require('zlib');
    const a = fs.readFileSync(path.join(dist, 'wx_auth.wasm'));
    const b = zlib.brotliDecompressSync(fs.readFileSync(path.join(dist, 'wx_auth.wasm.br')));
    assert.ok(a.equals(b));
  });
  await test('messages: every error code and state has a text in Chinese and English', () => {
    const messages = require(path.join(dist, 'messages.js'));
    const dts = fs.readFileSync(path.join(dist, 'index.d.ts'), 'utf8');
    const codes = /export type AuthErrorCode =([^;]*);/.exec(dts)[1].match(/'([A-Z_]+)'/g).map((c) => c.slice(1, -1));
    assert.ok(codes.length >= 12 && codes.indexOf('THROTTLED') >= 0, 'codes ' + codes.join(','));
    assert.deepStrictEqual(messages.languages, ['zh-CN', 'en']);
    for (const lang of messages.languages) {
      const fallback = messages.errorMessage({}, lang);
      const texts = codes.map((code) => messages.errorMessage({ code: code }, lang));
      texts.forEach((t, i) => assert.ok(t && t !== fallback, lang + ' has no text for ' + codes[i]));
      assert.strictEqual(new Set(texts).size, texts.length, lang + ': two codes share a text');
      for (const kind of ['anonymous', 'privacy-agreed', 'profile-granted', 'logged-in', 'logged-out']) {
        assert.ok(messages.stateMessage({ kind: kind }, lang) !== kind, lang + ' has no text for ' + kind);
      }
    }
    assert.strictEqual(messages.errorMessage({ code: 'NETWORK' }), '网络不可用，请稍后重试', 'Chinese by default');
    assert.strictEqual(messages.stateMessage({ kind: 'logged-out', reason: 'expired' }), '已退出登录（登录已过期，请重新登录）');
    assert.strictEqual(messages.errorMessage(null), '出错了');
    assert.strictEqual(messages.errorMessage({ code: 'NO_SUCH_CODE' }, 'en'), 'Something went wrong');
  });
  await test('text-codec: the fallback encodes and decodes UTF-8 exactly like the native codec', () => {
    const codec = require(path.join(dist, 'text-codec.js'));
    const enc = new codec.FallbackEncoder();
    const dec = new codec.FallbackDecoder();
    const nenc = new TextEncoder();
    const ndec = new TextDecoder();
    for (const s of ['', 'abc', '你好, 世界 🌏', '\ud800x', 'x\udc00', '\u0000\u007f\u0080\u07ff\u0800\uffff', '𐍈'.repeat(5000), 'a'.repeat(5000), 'https://api.example.com/api/me', 'x'.repeat(4096) + 'é', 'Bearer 0123abcd你']) {
      assert.ok(Buffer.from(enc.encode(s)).equals(Buffer.from(nenc.encode(s))), JSON.stringify(s.slice(0, 20)));
      assert.strictEqual(dec.decode(nenc.encode(s)), ndec.decode(nenc.encode(s)), 'round trip ' + JSON.stringify(s.slice(0, 20)));
    }
    // Deterministic pseudo-random byte strings, heavy on the edge bytes of UTF-8.
    const edges = [0x41, 0x80, 0xbf, 0xc2, 0xe0, 0xed, 0xf0, 0xf4, 0xf5, 0xa0, 0x90, 0x8f, 0x9f, 0xc0, 0xe4, 0xbd];
    let seed = 12345;
    const rand = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
    for (let t = 0; t < 20000; t++) {
      const bytes = new Uint8Array(rand(9));
      for (let i = 0; i < bytes.length; i++) bytes[i] = edges[rand(edges.length)];
      assert.strictEqual(dec.decode(bytes), ndec.decode(bytes), Array.from(bytes).join(','));
    }
  });

  await test('dist: no promise rejection was left unhandled in any of the above', async () => {
    await new Promise((r) => setTimeout(r, 50));
    assert.deepStrictEqual(unhandled.map(String), []);
  });

  process.exit(summary() ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
