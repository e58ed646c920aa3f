'use strict';
// Runs the REAL example mini-program (examples/miniprogram: app.js, pages, components)
// in node, the way the WeChat logic and render layers would, with:
// - miniprogram-simulate + jsdom for WXML/WXSS/JSON and the component tree (pages load
//   through a Page() shim: every function becomes a method, the rest instance fields);
// - the project's strict wx simulator (tests/sim/wx-sim.js) installed as the global
//   `wx`, over simulate's shallow mock;
// - WXWebAssembly.instantiate(packagePath), which reads package paths from the
//   mini-program root only (so a page passing a wrong wasmPath fails as on a phone);
// - require('wx-auth') resolved like the mini-program runtime does: to
//   miniprogram_npm/wx-auth/index.js, where `make dist` (or DevTools' "build npm") puts it;
// - a handler called for a `tap` event runs inside `sim.tap(...)`: that is the user
//   gesture wx.getUserProfile and wx.openSetting need.
// Restarting (`restart()`) drops every module of the mini-program (the SDK included) and
// launches the app again on the same simulator, whose storage and grants persist.
const fs = require('fs');
const path = require('path');
const vm = require('vm');
const zlib = require('zlib');
const Module = require('module');

const REPO = path.resolve(__dirname, '../..');
const ROOT = path.join(REPO, 'examples/miniprogram');
const SIM = path.join(REPO, 'tests/sim/wx-sim.js');
const { moduleAsScript } = require(path.join(REPO, 'tests/support/mp-realm.js'));

let simulate = null;

/** Sets up jsdom and simulate once. `rpx(n)` converts rpx for the renderer (screenshots). */
function init(options) {
  // Times render as a phone in China shows them, whatever the machine's zone.
  process.env.TZ = 'Asia/Shanghai';
  if (simulate) return simulate;
  const opts = options || {};
  require('global-jsdom/register');
  // Node's own Event classes are not jsdom's; jsdom refuses to dispatch them.
  for (const k of ['Event', 'CustomEvent', 'EventTarget']) global[k] = window[k];
  if (opts.rpx) require('miniprogram-simulate/src/utils').transformRpx = opts.rpx;
  simulate = require('miniprogram-simulate');
  installShims();
  return simulate;
}

function loadSimModule() {
  const source = moduleAsScript(fs.readFileSync(SIM, 'utf8'));
  return vm.runInThisContext('(function () {\n' + source + '\nreturn { createWxSim: createWxSim, installWx: installWx };\n})()', { filename: SIM });
}

let current = null; // { sim, app, pages }
let appInstance = null;
const pageStack = [];

// A handler dispatched for a tap runs inside the simulator's tap gesture.
function wrapMethods(methods) {
  const out = {};
  Object.keys(methods || {}).forEach((name) => {
    const fn = methods[name];
    out[name] = typeof fn !== 'function' ? fn : function (e) {
      if (e && e.type === 'tap' && current) return current.sim.tap(() => fn.apply(this, arguments));
      return fn.apply(this, arguments);
    };
  });
  return out;
}

function installShims() {
  const simulateComponent = global.Component;
  global.Component = (definition) => simulateComponent(Object.assign({}, definition, { methods: wrapMethods(definition.methods) }));
  global.App = (options) => {
    appInstance = Object.assign({}, options);
    return appInstance;
  };
  global.getApp = () => appInstance;
  global.getCurrentPages = () => pageStack.slice();
  const RESERVED = new Set(['data', 'options', 'behaviors']);
  global.Page = (options) => {
    const methods = {};
    const extras = {};
    Object.keys(options).forEach((k) => {
      if (RESERVED.has(k)) return;
      if (typeof options[k] === 'function') methods[k] = options[k];
      else extras[k] = options[k];
    });
    global.Component({
      options: options.options,
      behaviors: options.behaviors || [],
      data: options.data || {},
      methods: methods,
      lifetimes: { created() { Object.assign(this, extras); } },
    });
  };

  // WXWebAssembly: package paths under the mini-program root, .wasm or .wasm.br only.
  global.WXWebAssembly = {
    instantiate(wasmPath, imports) {
      return new Promise((resolve) => {
        if (typeof wasmPath !== 'string' || !/^\/.*\.wasm(\.br)?$/.test(wasmPath)) {
          throw new Error('WXWebAssembly: only absolute .wasm / .wasm.br package paths: ' + wasmPath);
        }
        let bytes = fs.readFileSync(path.join(ROOT, wasmPath));
        if (/\.br$/.test(wasmPath)) bytes = zlib.brotliDecompressSync(bytes);
        if (current) current.wasmLoads.push(wasmPath);
        resolve(WebAssembly.instantiate(bytes, imports));
      });
    },
  };

  // require() of a bare name from mini-program code: miniprogram_npm/<name>/index.js, and of
  // a path in a package (`wx-auth/messages`) miniprogram_npm/<name>/<path>.js or its
  // index.js, searched from the requiring file's folder up to the project root, and
  // nothing else (the official "npm 支持" page: require('packageName/other')).
  const resolve = Module._resolveFilename;
  Module._resolveFilename = function (request, parent) {
    const from = parent && parent.filename;
    if (from && from.startsWith(ROOT + path.sep) && !/^\.{0,2}\//.test(request)) {
      for (let dir = path.dirname(from); dir.startsWith(ROOT); dir = path.dirname(dir)) {
        const base = path.join(dir, 'miniprogram_npm', request);
        for (const file of [base + '.js', path.join(base, 'index.js')]) {
          if (request.indexOf('/') < 0 && file === base + '.js') continue;
          if (fs.existsSync(file)) return file;
        }
      }
      throw new Error('mini-program require: "' + request + '" is not in miniprogram_npm/ (run make dist)');
    }
    return resolve.apply(this, arguments);
  };
}

// Errors the render layer swallows (a throwing handler is only console.error'd by j-component).
const swallowed = [];
const consoleError = console.error;
console.error = function () {
  swallowed.push(Array.prototype.map.call(arguments, String).join(' '));
  consoleError.apply(console, arguments);
};

function dropAppModules() {
  Object.keys(require.cache).forEach((file) => {
    if (file.startsWith(ROOT + path.sep)) delete require.cache[file];
  });
}

/** Launches the app: app.js runs, onLaunch creates the SDK. */
function launch() {
  dropAppModules();
  appInstance = null;
  pageStack.length = 0;
  require(path.join(ROOT, 'app.js'));
  if (!appInstance) throw new Error('app.js did not call App()');
  if (appInstance.onLaunch) appInstance.onLaunch({ path: 'pages/index/index', query: {}, scene: 1001 });
  return appInstance;
}

/**
 * A fresh simulator (config for createWxSim) and a launched app. Returns the session:
 * { sim, app, open(pagePath), restart(), settle() }.
 */
function start(config) {
  init();
  const { createWxSim, installWx } = loadSimModule();
  const sim = createWxSim(Object.assign({ startTime: Date.UTC(2026, 10, 21, 1, 0, 0) }, config || {}));
  installWx(sim);
  // The SDK's clock is Date.now: pin it to the simulated one so expiry and the rendered
  // times are the simulator's.
  Date.now = () => sim.now();
  swallowed.length = 0;
  current = { sim: sim, wasmLoads: [] };
  launch();
  const session = {
    sim: sim,
    get app() { return appInstance; },
    wasmLoads: current.wasmLoads,
    swallowed: swallowed,
    open: openPage,
    restart() { launch(); },
    settle: (rounds) => sim.settle(rounds),
  };
  return session;
}

const loaded = {};
/** Renders a page as WeChat opens it: attached, onLoad(query), onShow, onReady. */
function openPage(pagePath, query) {
  const id = loaded[pagePath] || (loaded[pagePath] = simulate.load(path.join(ROOT, pagePath), pagePath.split('/')[1], { rootPath: ROOT }));
  const page = simulate.render(id);
  const parent = document.createElement('page-wrapper');
  document.body.appendChild(parent);
  page.attach(parent);
  const inst = page.instance;
  inst.route = pagePath;
  inst.options = query || {};
  pageStack.push(inst);
  if (inst.onLoad) inst.onLoad(query || {});
  if (inst.onShow) inst.onShow();
  page.triggerPageLifeTime('show');
  if (inst.onReady) inst.onReady();
  return wrapPage(page);
}

/** The rendered page, with what a test reads and does. */
function wrapPage(page) {
  const find = (selector) => {
    // '#popup #agree-btn' descends into a child component's own tree.
    const parts = selector.trim().split(/\s+/);
    let node = page;
    for (const part of parts) {
      node = node && node.querySelector(part);
    }
    return node || null;
  };
  const get = (selector) => {
    const node = find(selector);
    if (!node) throw new Error('no ' + selector + ' on the page');
    return node;
  };
  return {
    component: page,
    instance: page.instance,
    find: find,
    has: (selector) => find(selector) !== null,
    /** The text of every node matching a selector, in order. */
    texts: (selector) => page.querySelectorAll(selector).map((n) => n.dom.textContent.replace(/\s+/g, ' ').trim()),
    text: (selector) => get(selector).dom.textContent.trim(),
    /** The page's whole visible text, whitespace collapsed. */
    allText: () => page.dom.textContent.replace(/\s+/g, ' ').trim(),
    html: () => page.dom.outerHTML,
    /** The node's WXML attributes (open-type, form-type, type …) and bound events. */
    wiring(selector) {
      const json = get(selector).toJSON();
      const attrs = {};
      (json.attrs || []).forEach((a) => { attrs[a.name] = a.value; });
      return { tagName: json.tagName, attrs: attrs, events: json.event || {} };
    },
    tap(selector) { get(selector).dispatchEvent('tap'); return current.sim.settle(); },
    dispatch(selector, name, detail) { get(selector).dispatchEvent(name, { detail: detail || {} }); return current.sim.settle(); },
    /** The user taps an open-type="agreePrivacyAuthorization" button: WeChat records the tap, then fires the event. */
    agreePrivacy(selector) {
      const w = this.wiring(selector);
      if (w.attrs.openType !== 'agreePrivacyAuthorization') throw new Error(selector + ' is not an agreePrivacyAuthorization button');
      current.sim.tapAgreeButton(w.attrs.id);
      return this.dispatch(selector, 'agreeprivacyauthorization', {});
    },
    /** The user picks an avatar in the chooseAvatar sheet. */
    chooseAvatar(selector, avatarUrl) {
      const w = this.wiring(selector);
      if (w.attrs.openType !== 'chooseAvatar') throw new Error(selector + ' is not a chooseAvatar button');
      return this.dispatch(selector, 'chooseavatar', { avatarUrl: avatarUrl });
    },
    /** The form is submitted with these values (what WeChat collects from named fields). */
    submit(selector, value) { return this.dispatch(selector, 'submit', { value: value, target: {} }); },
    show() { if (page.instance.onShow) page.instance.onShow(); page.triggerPageLifeTime('show'); return current.sim.settle(); },
    unload() { if (page.instance.onUnload) page.instance.onUnload(); page.detach(); },
  };
}

module.exports = { init, start, ROOT, REPO };
