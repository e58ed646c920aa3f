'use strict';
// The framework examples as built (examples/taro: `taro build --type weapp` → dist/;
// examples/uni-app: `uni build -p mp-weixin` → dist/build/mp-weixin/), each run the way
// WeChat runs an uploaded package:
// - the output's app.js and page JS in the strict mini-program realm (tests/support/mp-realm.js:
//   WeChat's define() parameters, no eval, no TextEncoder, no node require, relative
//   require only; `global` a plain writable object, not the global object, platform.md §0);
// - the project's wx simulator (tests/sim/wx-sim.js) as the global `wx`;
// - WXWebAssembly.instantiate(path) reading package paths under the output root only, so a
//   wasmPath that does not match where the build put the file fails as on a phone;
// - a logic-layer host for App(), Page() and Component() (Taro registers pages with Page(),
//   uni-app with Component()): data, setData with WeChat's data paths, the lifetimes in
//   WeChat's order, and a tap that calls the handler WeChat would call for it, inside the
//   simulator's tap gesture: Taro's `eh` with the node's id and data-sid (from base.wxml),
//   uni-app's handler named by the button's bindtap="{{…}}" in the page's WXML;
// - what the user sees: Taro's page data tree as base.wxml renders it (text nodes, the
//   component each node name stands for); uni-app's page WXML rendered with the page data.
// Each framework: launch → the state shown → login → /api/me → logout, then the same
// output with the wasm file missing, which must show that the SDK did not start.
// Prints `N passed, N failed`.
const fs = require('fs');
const path = require('path');
const { createRealm } = require('../support/mp-realm.js');

const REPO = path.resolve(__dirname, '../..');
const SIM = path.join(REPO, 'tests/sim/wx-sim.js');
const { test, summary } = require('../support/runner.js').createRunner(8);

function assert(cond, message) {
  if (!cond) throw new Error(message);
}
function equal(actual, expected, what) {
  if (actual !== expected) throw new Error(what + ': expected ' + JSON.stringify(expected) + ', got ' + JSON.stringify(actual));
}

const FRAMEWORKS = {
  taro: {
    root: path.join(REPO, 'examples/taro/dist'),
    wasm: 'wx-auth/wx_auth.wasm.br',
    view: taroView,
  },
  'uni-app': {
    root: path.join(REPO, 'examples/uni-app/dist/build/mp-weixin'),
    wasm: 'static/wx-auth/wx_auth.wasm.br',
    view: uniView,
  },
};

// ---------------------------------------------------------------------------------------
// The logic layer: App / Page / Component and the page instances WeChat makes of them.

/** Applies one setData key ('a.b[0].c', Taro's 'root.cn.[0].v') to `data`, as WeChat does. */
function setPath(data, key, value) {
  const parts = [];
  key.replace(/\[(\d+)\]|[^.[\]]+/g, (m, index) => { parts.push(index !== undefined ? Number(index) : m); return m; });
  let node = data;
  for (let i = 0; i < parts.length - 1; i++) {
    const k = parts[i];
    if (node[k] === null || typeof node[k] !== 'object') node[k] = typeof parts[i + 1] === 'number' ? [] : {};
    node = node[k];
  }
  node[parts[parts.length - 1]] = value;
}

// A copy the way setData copies: data crosses to the render layer as JSON.
const jsonCopy = (realm, value) => (value === undefined ? undefined : realm.run('(' + JSON.stringify(value) + ')'));

function installHost(realm, sim) {
  const host = { app: null, pages: [], registering: null, defs: {}, setDataCalls: 0 };
  const ctx = realm.context;
  ctx.global = realm.run('({})');
  ctx.App = (options) => {
    assert(!host.app, 'App() called twice');
    host.app = options;
  };
  ctx.getApp = () => host.app;
  ctx.getCurrentPages = () => host.pages.slice();
  const register = (kind) => (options) => {
    if (!host.registering) return; // a custom component (Taro's comp, custom-wrapper): not rendered here
    host.defs[host.registering] = { kind: kind, options: options };
  };
  ctx.Page = register('page');
  ctx.Component = register('component');

  host.instantiate = (route, query) => {
    const def = host.defs[route];
    assert(def, route + ' registered no Page() or Component()');
    const o = def.options;
    const inst = realm.run('({})');
    inst.route = route;
    inst.__route__ = route;
    inst.is = route;
    inst.options = query;
    const data = jsonCopy(realm, o.data || {});
    if (def.kind === 'component') {
      Object.keys(o.properties || {}).forEach((name) => {
        const p = o.properties[name];
        const value = p && typeof p === 'object' && 'value' in p ? p.value : null;
        data[name] = value;
      });
      inst.properties = data; // a component's properties and data are one object
      Object.keys(o.methods || {}).forEach((name) => { inst[name] = o.methods[name]; });
    } else {
      Object.keys(o).forEach((name) => {
        if (name === 'data') return;
        inst[name] = typeof o[name] === 'function' ? o[name] : jsonCopy(realm, o[name]);
      });
    }
    inst.data = data;
    inst.setData = function (patch, callback) {
      host.setDataCalls += 1;
      Object.keys(patch).forEach((key) => setPath(inst.data, key, jsonCopy(realm, patch[key])));
      if (typeof callback === 'function') setTimeout(() => callback.call(inst), 0);
    };
    inst.triggerEvent = () => {}; // a page has no parent listening
    inst.selectComponent = () => null;
    inst.selectAllComponents = () => realm.run('[]');
    inst.getPageId = () => 'pageId:' + host.pages.length;
    const life = (name) => {
      const fn = def.kind === 'component' ? ((o.lifetimes && o.lifetimes[name]) || o[name]) : null;
      if (typeof fn === 'function') fn.call(inst);
    };
    const handler = (name, arg) => { if (typeof inst[name] === 'function') inst[name](arg); };
    // WeChat's order for a page: created, attached, onLoad, onShow, ready / onReady.
    life('created');
    host.pages.push(inst);
    life('attached');
    handler('onLoad', jsonCopy(realm, query));
    handler('onShow');
    if (def.kind === 'component' && o.pageLifetimes && o.pageLifetimes.show) o.pageLifetimes.show.call(inst);
    life('ready');
    handler('onReady');
    return inst;
  };
  return host;
}

/** An event (a tap by default) as WeChat delivers it to a handler. */
function tapEvent(realm, sim, target, type, detail) {
  return realm.run('(' + JSON.stringify({
    type: type || 'tap', timeStamp: 1000, detail: detail || (type && type !== 'tap' ? {} : { x: 10, y: 10 }), mark: {}, mut: false,
    target: target, currentTarget: target, touches: [], changedTouches: [],
  }) + ')');
}

/**
 * Launches the built output: a fresh simulator, app.js, onLaunch/onShow, then the first
 * page of app.json. Returns { sim, host, page, view(), realm }.
 */
async function launch(name, simConfig) {
  const fw = FRAMEWORKS[name];
  const realm = createRealm({ root: fw.root });
  realm.loadModuleAsScript(SIM);
  const sim = realm.run('var sim = createWxSim(' + JSON.stringify(simConfig || {}) + '); installWx(sim); sim');
  const host = installHost(realm, sim);
  const appJson = JSON.parse(fs.readFileSync(path.join(fw.root, 'app.json'), 'utf8'));
  realm.require('./app.js');
  assert(host.app, 'app.js did not call App()');
  const launchOptions = jsonCopy(realm, { path: appJson.pages[0], query: {}, scene: 1001, referrerInfo: {} });
  if (host.app.onLaunch) host.app.onLaunch(launchOptions);
  if (host.app.onShow) host.app.onShow(launchOptions);
  const route = appJson.pages[0];
  host.registering = route;
  realm.require('./' + route + '.js');
  host.registering = null;
  const page = host.instantiate(route, {});
  await sim.settle(60);
  return { sim, host, page, realm, route, view: () => fw.view(fw.root, route, page, realm, sim) };
}

// ---------------------------------------------------------------------------------------
// What the user sees.

/**
 * Taro: the page's data tree (root.cn…) as base.wxml draws it. Each node name `nn` is a
 * template tmpl_0_<nn> whose first element is the component; text nodes carry `v`.
 */
function taroView(root, route, page, realm, sim) {
  const base = fs.readFileSync(path.join(root, 'base.wxml'), 'utf8');
  const templates = {};
  base.replace(/<template name="tmpl_0_([^"]+)">\s*<([a-z-]+)([^>]*)>/g, (m, nn, tag, attrs) => { templates[nn] = { tag: tag, attrs: attrs }; return m; });
  const texts = [];
  const buttons = [];
  const byClass = {};
  const textOf = (node) => (node.v !== undefined ? String(node.v) : (node.cn || []).map(textOf).join(''));
  const walk = (node) => {
    if (node.v !== undefined) { texts.push(String(node.v)); return; }
    const t = templates[node.nn];
    if (node.cl) String(node.cl).split(/\s+/).forEach((c) => { byClass[c] = textOf(node).trim(); });
    if (t && t.tag === 'button') {
      // The attributes base.wxml gives the button: name="{{i.pN…}}" from the node, id="{{i.uid||i.sid}}".
      const attrs = { id: node.uid || node.sid };
      t.attrs.replace(/([\w-]+)="\{\{i\.(\w+)(?:\|\|[^}]*)?\}\}"/g, (m, attr, key) => { if (attr !== 'id' && node[key] !== undefined) attrs[attr] = node[key]; return m; });
      const dispatch = (type, detail) => {
        // What base.wxml binds: bind<type>="eh", id="{{i.uid||i.sid}}" data-sid="{{i.sid}}".
        assert(new RegExp('bind' + type + '="eh"').test(t.attrs) && /id="\{\{i\.uid\|\|i\.sid\}\}"/.test(t.attrs) && /data-sid="\{\{i\.sid\}\}"/.test(t.attrs),
          'base.wxml: the button template does not bind ' + type + ' to eh with id and data-sid');
        const target = { id: attrs.id, dataset: { sid: node.sid }, offsetLeft: 0, offsetTop: 0 };
        const event = tapEvent(realm, sim, target, type, detail);
        if (type === 'tap') sim.tap(() => page.eh(event)); else page.eh(event);
        return sim.settle(60);
      };
      buttons.push({ label: textOf(node).trim(), attrs: attrs, dispatch: dispatch, tap: () => dispatch('tap') });
    }
    (node.cn || []).forEach(walk);
  };
  assert(page.data.root, 'the page has no root in its data: Taro did not render');
  (page.data.root.cn || []).forEach(walk);
  return { texts, buttons, byClass };
}

/** Parses the WXML uni-app writes (elements, attributes, text) into a tree. */
function parseWxml(source) {
  const rootNode = { tag: '#root', attrs: {}, children: [] };
  const stack = [rootNode];
  const re = /<(\/?)([a-zA-Z][\w-]*)((?:\s+[^\s=>/]+(?:="[^"]*")?)*)\s*(\/?)>|([^<]+)/g;
  let m;
  while ((m = re.exec(source))) {
    const top = stack[stack.length - 1];
    if (m[5] !== undefined) { if (m[5].trim()) top.children.push({ text: m[5] }); continue; }
    if (m[1]) { assert(top.tag === m[2], 'WXML: </' + m[2] + '> closes <' + top.tag + '>'); stack.pop(); continue; }
    const attrs = {};
    m[3].replace(/([^\s=]+)(?:="([^"]*)")?/g, (a, k, v) => { attrs[k] = v === undefined ? '' : v; return a; });
    const el = { tag: m[2], attrs: attrs, children: [] };
    top.children.push(el);
    if (!m[4]) stack.push(el);
  }
  assert(stack.length === 1, 'WXML: unclosed <' + stack[stack.length - 1].tag + '>');
  return rootNode;
}

/** A mustache uni-app's compiler writes: a data path, or its negation. Anything else is refused. */
function evalMustache(expr, data) {
  const m = /^\s*(!?)\s*([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*|\[\d+\])*)\s*$/.exec(expr);
  if (!m) throw new Error('WXML expression this renderer does not evaluate: {{' + expr + '}}');
  let v = data;
  m[2].replace(/\[(\d+)\]|[^.[\]]+/g, (k, i) => { v = v == null ? undefined : v[i !== undefined ? Number(i) : k]; return k; });
  return m[1] ? !v : v;
}
function interpolate(text, data) {
  const whole = /^\{\{([^}]*)\}\}$/.exec(text);
  if (whole) return evalMustache(whole[1], data);
  return text.replace(/\{\{([^}]*)\}\}/g, (a, e) => { const v = evalMustache(e, data); return v == null ? '' : String(v); });
}

/** uni-app: the page's WXML rendered with the page's data (wx:if/elif/else, mustaches). */
function uniView(root, route, page, realm, sim) {
  const tree = parseWxml(fs.readFileSync(path.join(root, route + '.wxml'), 'utf8'));
  const texts = [];
  const buttons = [];
  const byClass = {};
  const render = (children) => {
    let chainTaken = null; // within a wx:if / wx:elif / wx:else chain: was a branch shown
    const shown = [];
    children.forEach((node) => {
      if (node.text !== undefined) { shown.push({ text: String(interpolate(node.text.trim(), page.data)) }); chainTaken = null; return; }
      Object.keys(node.attrs).forEach((k) => {
        if (/^wx:(for|key)|^wx:for-/.test(k)) throw new Error('WXML ' + k + ' is not rendered here');
      });
      let show = true;
      if ('wx:if' in node.attrs) { show = !!interpolate(node.attrs['wx:if'], page.data); chainTaken = show; }
      else if ('wx:elif' in node.attrs) { assert(chainTaken !== null, 'wx:elif without wx:if'); show = !chainTaken && !!interpolate(node.attrs['wx:elif'], page.data); chainTaken = chainTaken || show; }
      else if ('wx:else' in node.attrs) { assert(chainTaken !== null, 'wx:else without wx:if'); show = !chainTaken; chainTaken = null; }
      else chainTaken = null;
      if (!show) return;
      const attrs = {};
      Object.keys(node.attrs).forEach((k) => { attrs[k] = interpolate(node.attrs[k], page.data); });
      shown.push({ tag: node.tag, attrs: attrs, children: render(node.children) });
    });
    return shown;
  };
  const textOf = (n) => (n.text !== undefined ? n.text : n.children.map(textOf).join(''));
  const walk = (n) => {
    if (n.text !== undefined) { if (n.text) texts.push(n.text); return; }
    if (n.attrs.class) String(n.attrs.class).split(/\s+/).forEach((c) => { byClass[c] = textOf(n).trim(); });
    if (n.tag === 'button') {
      const dispatch = (type, detail) => {
        const name = n.attrs['bind' + type];
        assert(typeof name === 'string' && name, 'the button "' + textOf(n).trim() + '" binds no ' + type + ' handler');
        assert(typeof page[name] === 'function', 'bind' + type + ' names "' + name + '", which the page instance does not have');
        const target = { id: n.attrs.id || '', dataset: {}, offsetLeft: 0, offsetTop: 0 };
        const event = tapEvent(realm, sim, target, type, detail);
        if (type === 'tap') sim.tap(() => page[name](event)); else page[name](event);
        return sim.settle(60);
      };
      buttons.push({ label: textOf(n).trim(), attrs: n.attrs, dispatch: dispatch, tap: () => dispatch('tap') });
    }
    n.children.forEach(walk);
  };
  render(tree.children).forEach(walk);
  return { texts, buttons, byClass };
}

/** The user taps an open-type="agreePrivacyAuthorization" button: WeChat records the tap, then fires the event. */
function agreePrivacy(sim, b) {
  equal(b.attrs['open-type'], 'agreePrivacyAuthorization', 'the open-type of "' + b.label + '"');
  assert(b.attrs.id, 'the agree button has no id');
  sim.tapAgreeButton(b.attrs.id);
  return b.dispatch('agreeprivacyauthorization');
}

function button(view, label) {
  const b = view.buttons.filter((x) => x.label === label)[0];
  assert(b, 'no button "' + label + '" on the page; buttons: ' + JSON.stringify(view.buttons.map((x) => x.label)) + ', text: ' + JSON.stringify(view.texts));
  return b;
}

// ---------------------------------------------------------------------------------------

async function main() {
  const only = process.argv[2];
  for (const name of Object.keys(FRAMEWORKS)) {
    if (only && only !== name) continue;
    const fw = FRAMEWORKS[name];
    if (!fs.existsSync(path.join(fw.root, 'app.js'))) {
      await test(name + ': the build output exists', () => { throw new Error('no ' + path.relative(REPO, fw.root) + '/app.js: run make frameworks'); });
      continue;
    }

    await test(name + ': the build carries wx_auth.wasm.br where the page\'s wasmPath points, byte for byte the SDK\'s', () => {
      const file = path.join(fw.root, fw.wasm);
      assert(fs.existsSync(file), 'no ' + path.relative(REPO, file));
      assert(fs.readFileSync(file).equals(fs.readFileSync(path.join(REPO, 'dist/wx_auth.wasm.br'))), path.relative(REPO, file) + ' differs from dist/wx_auth.wasm.br');
    });

    await test(name + ': launch → privacy agreement → login → /api/me → logout, as the user sees it', async () => {
      const s = await launch(name, { needPrivacyAuthorization: true });
      assert(s.realm.instantiated.length === 1, 'WXWebAssembly.instantiate calls: ' + JSON.stringify(s.realm.instantiated));
      equal(s.realm.instantiated[0], '/' + fw.wasm, 'the package path the SDK loaded');
      let v = s.view();
      equal(v.byClass.state, '未同意隐私保护指引', 'state after launch');
      equal(v.byClass['privacy-text'], '登录前请阅读并同意隐私保护指引', 'the privacy prompt');
      await agreePrivacy(s.sim, button(v, '同意'));
      v = s.view();
      equal(v.byClass.state, '已同意隐私保护指引，未登录', 'state after agreeing');
      assert(!v.byClass.privacy, 'the privacy prompt is still shown');
      assert(!v.byClass.error, 'an error is shown: ' + v.byClass.error);
      assert(s.sim.privacyAgreed(), 'WeChat did not record the agreement');

      await button(v, '登录').tap();
      v = s.view();
      equal(v.byClass.state, '已登录', 'state after tapping 登录');
      equal(s.sim.count('login'), 1, 'wx.login calls');
      assert(!v.buttons.some((b) => b.label === '登录'), 'the login button is still shown when logged in');

      await button(v, '请求 /api/me').tap();
      v = s.view();
      equal(v.byClass['me-result'], 'GET /api/me → 200 openid：o-sim-xiaoming', 'the answer shown');
      const me = s.sim.backendLog.filter((r) => r.path === '/api/me');
      equal(me.length, 1, 'requests to /api/me');
      assert(/^Bearer tok-/.test(me[0].header.Authorization || ''), 'the request carried no bearer token: ' + JSON.stringify(me[0].header));

      await button(v, '退出登录').tap();
      v = s.view();
      equal(v.byClass.state, '已退出登录（你已退出）', 'state after tapping 退出登录');
      assert(!v.byClass['me-result'], 'the /api/me answer is still shown after logout');
      assert(v.buttons.some((b) => b.label === '登录'), 'no login button after logout');
      equal(s.sim.backendLog.filter((r) => r.path === '/auth/logout').length, 1, 'POSTs to /auth/logout');
      assert(s.host.setDataCalls > 0, 'the page never called setData');
    });

    await test(name + ': a backend that refuses the code: the page shows the error text from wx-auth/messages', async () => {
      const s = await launch(name, { needPrivacyAuthorization: false });
      s.sim.backendNext('/auth/login', { statusCode: 403, body: { code: 'USER_BLOCKED' } });
      await button(s.view(), '登录').tap();
      const v = s.view();
      equal(v.byClass.error, '登录失败，请重试（LOGIN_FAILED）', 'error shown');
      equal(v.byClass.state, '已同意隐私保护指引，未登录', 'state after the refused login');
      equal(JSON.stringify(s.sim.toasts.map((t) => [t.title, t.icon])), JSON.stringify([['登录失败，请重试', 'none']]), 'toasts');
    });

    await test(name + ': without the wasm file in the package, the page says the SDK did not start', async () => {
      const file = path.join(fw.root, fw.wasm);
      const aside = file + '.aside';
      fs.renameSync(file, aside);
      try {
        const s = await launch(name, { needPrivacyAuthorization: false });
        const v = s.view();
        equal(v.byClass.state, 'SDK 未启动', 'state shown');
        assert(/^SDK 加载失败：/.test(v.byClass.error || ''), 'error shown: ' + v.byClass.error);
        equal(s.sim.count('login'), 0, 'wx.login calls');
        equal(JSON.stringify(s.sim.toasts.map((t) => t.title)), JSON.stringify(['出错了']), 'toasts');
      } finally {
        fs.renameSync(aside, file);
      }
    });
  }
  process.exit(summary() ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
