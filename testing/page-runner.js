'use strict';
// Runs a mini-program's own app.js, pages and components in node, the way the WeChat
// logic and render layers would, against the strict wx simulator (./wx-sim.js):
// - miniprogram-simulate + jsdom render WXML/WXSS/JSON and the component tree (pages
//   load through a Page() shim: every function becomes a method, the rest instance
//   fields). Both are the app's devDependencies, looked up from the app, not from here;
// - the simulator is installed as the global `wx`, over simulate's shallow mock;
// - WXWebAssembly.instantiate(packagePath) reads package paths under the mini-program
//   root only, so a page passing a wrong wasmPath fails as it does on a phone;
// - require('pkg') from mini-program code resolves as WeChat does, to
//   miniprogram_npm/pkg/index.js; when DevTools' "build npm" has not run, an installed
//   package with a `miniprogram` folder stands in for miniprogram_npm/pkg/ (what build
//   npm would copy), for require() and for WXWebAssembly alike;
// - a handler called for a `tap` event runs inside `sim.tap(...)`: the user gesture that
//   wx.getUserProfile and wx.openSetting need;
// - setTimeout and clearTimeout in the mini-program's code (the SDK's included) run on the
//   simulator's clock: a timer fires with the clock moved to its due time, earliest first,
//   once what is happening now is done (no backend answer on its way), so a 2 s retry wait
//   takes no real time and a timeout never beats an answer already coming (`timers: 'real'`
//   turns this off; setInterval stays real, since an endless interval would never let the
//   clock rest).
// One app runs at a time (WeChat runs one per process too); `launch` again starts over.
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const Module = require('module');
const vm = require('vm');
const { createWxSim, installWx } = require('./wx-sim.js');

let simulate = null;
let modulePaths = [];
let current = null; // { root, sim, wasmLoads, swallowed, app, pages, loaded }

/** Requires a devDependency of the app under test (miniprogram-simulate, global-jsdom). */
function peer(name) {
  let file;
  try {
    file = require.resolve(name, { paths: modulePaths.concat([process.cwd(), __dirname]) });
  } catch (e) {
    throw new Error('wx-auth/testing needs ' + name + ' installed in your project: ' +
      'npm install --save-dev miniprogram-simulate global-jsdom jsdom');
  }
  return require(file);
}

/**
 * Sets up jsdom and miniprogram-simulate once. `modules` is a folder to look for them
 * from (default: the working directory); `rpx(css)` converts rpx for a renderer.
 */
function init(options) {
  const opts = options || {};
  if (opts.modules) modulePaths = [path.resolve(opts.modules)];
  if (simulate) return simulate;
  // Times render as a phone in China shows them, whatever the machine's zone.
  process.env.TZ = 'Asia/Shanghai';
  peer('global-jsdom/register');
  // Node's own Event classes are not jsdom's; jsdom refuses to dispatch them.
  for (const k of ['Event', 'CustomEvent', 'EventTarget']) global[k] = window[k];
  simulate = peer('miniprogram-simulate');
  if (opts.rpx) peer('miniprogram-simulate/src/utils').transformRpx = opts.rpx;
  installShims();
  return simulate;
}

/** The folder of an installed npm package `name` with a `miniprogram` field, seen from `root`. */
function installedMiniprogramDir(root, name) {
  let pkgFile;
  try {
    pkgFile = require.resolve(name + '/package.json', { paths: [root].concat(modulePaths, [process.cwd()]) });
  } catch (e) {
    return null;
  }
  const pkg = JSON.parse(fs.readFileSync(pkgFile, 'utf8'));
  return pkg.miniprogram ? path.join(path.dirname(pkgFile), pkg.miniprogram) : null;
}

/**
 * The file a path inside the mini-program stands for: itself when it exists, else, for
 * miniprogram_npm/<pkg>/<rest>, <rest> in the installed package's miniprogram folder.
 */
function packageFile(root, file) {
  if (fs.existsSync(file)) return file;
  const rel = path.relative(root, file).split(path.sep);
  const at = rel.indexOf('miniprogram_npm');
  if (at < 0 || rel.length < at + 3) return null;
  const scoped = rel[at + 1].charAt(0) === '@';
  const name = scoped ? rel[at + 1] + '/' + rel[at + 2] : rel[at + 1];
  const rest = rel.slice(at + (scoped ? 3 : 2));
  if (!rest.length) return null;
  const dir = installedMiniprogramDir(root, name);
  if (!dir) return null;
  const mapped = path.join.apply(path, [dir].concat(rest));
  return fs.existsSync(mapped) ? mapped : null;
}

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

/**
 * setTimeout / clearTimeout on the simulator's clock. Each timer set schedules one real
 * next-turn tick; a tick fires the earliest timer due, moving the clock forward to its
 * due time, so every timer fires, in due order, without real waiting.
 */
function simulatedTimers(sim) {
  const queue = []; // {id, due, fn, args}
  let nextId = 1;
  let scheduled = false;
  let waited = 0; // turns the earliest timer has waited for answers on their way
  const schedule = () => {
    if (!scheduled) { scheduled = true; setTimeout(tick, 0); }
  };
  // The earliest timer fires on a next turn; one due later only once no backend answer or
  // cloud call is on its way (time moves on only when the present is over, so a timeout
  // never beats an answer already coming; after 30 s of real time it stops waiting).
  const tick = () => {
    scheduled = false;
    if (!queue.length) return;
    let at = 0;
    for (let i = 1; i < queue.length; i++) {
      if (queue[i].due < queue[at].due || (queue[i].due === queue[at].due && queue[i].id < queue[at].id)) at = i;
    }
    if (queue[at].due > sim.now() && sim.pending() > 0 && waited < 30000) {
      waited += 1;
      scheduled = true;
      setTimeout(tick, 1);
      return;
    }
    waited = 0;
    const timer = queue.splice(at, 1)[0];
    if (timer.due > sim.now()) sim.advance(timer.due - sim.now());
    if (queue.length) schedule();
    timer.fn.apply(undefined, timer.args);
  };
  return {
    setTimeout(fn, ms) {
      if (typeof fn !== 'function') throw new TypeError('setTimeout: the callback must be a function');
      const id = nextId++;
      queue.push({ id: id, due: sim.now() + Math.max(0, Number(ms) || 0), fn: fn, args: Array.prototype.slice.call(arguments, 2) });
      schedule();
      return id;
    },
    clearTimeout(id) {
      const at = queue.findIndex((t) => t.id === id);
      if (at >= 0) queue.splice(at, 1);
    },
  };
}

const TIMER_PARAMS = ['exports', 'require', 'module', '__filename', '__dirname', 'setTimeout', 'clearTimeout'];

// Mini-program modules get the simulated setTimeout/clearTimeout as module-scope names,
// the way the logic layer gives each file its own globals.
function installCompileHook() {
  const compile = Module.prototype._compile;
  Module.prototype._compile = function (content, filename) {
    if (!current || !current.timers || !insideApp(filename)) return compile.apply(this, arguments);
    const mod = this;
    const body = vm.compileFunction(content.replace(/^#!.*/, ''), TIMER_PARAMS, { filename: filename });
    const req = (id) => mod.require(id);
    req.resolve = (request) => Module._resolveFilename(request, mod);
    req.cache = Module._cache;
    return body.call(mod.exports, mod.exports, req, mod, filename, path.dirname(filename),
      current.timers.setTimeout, current.timers.clearTimeout);
  };
}

function insideApp(file) {
  return !!(current && file && (file.startsWith(current.root + path.sep) || (current.mapped && current.mapped.has(file))));
}

function installShims() {
  const simulateComponent = global.Component;
  global.Component = (definition) => simulateComponent(Object.assign({}, definition, { methods: wrapMethods(definition.methods) }));
  global.App = (options) => {
    current.app = Object.assign({}, options);
    return current.app;
  };
  global.getApp = () => (current ? current.app : undefined);
  global.getCurrentPages = () => (current ? current.pages.slice() : []);
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
        const file = packageFile(current.root, path.join(current.root, wasmPath));
        if (!file) throw new Error('WXWebAssembly: no file ' + wasmPath + ' in the mini-program package');
        let bytes = fs.readFileSync(file);
        if (/\.br$/.test(wasmPath)) bytes = zlib.brotliDecompressSync(bytes);
        current.wasmLoads.push(wasmPath);
        resolve(WebAssembly.instantiate(bytes, imports));
      });
    },
  };

  installCompileHook();

  // require() of a bare name from mini-program code: miniprogram_npm/<name>/index.js, and
  // of a path in a package (`wx-auth/messages`) miniprogram_npm/<name>/<path>.js or its
  // index.js, searched from the requiring file's folder up to the root, and nothing else
  // (the official "npm 支持" page: require('packageName/other')).
  const resolve = Module._resolveFilename;
  Module._resolveFilename = function (request, parent) {
    const from = parent && parent.filename;
    if (insideApp(from) && !/^\.{0,2}\//.test(request)) {
      const root = current.root;
      const start = from.startsWith(root + path.sep) ? path.dirname(from) : root;
      for (let dir = start; dir.startsWith(root); dir = path.dirname(dir)) {
        const base = path.join(dir, 'miniprogram_npm', request);
        for (const candidate of [base + '.js', path.join(base, 'index.js')]) {
          if (request.indexOf('/') < 0 && candidate === base + '.js') continue;
          const file = packageFile(root, candidate);
          if (file) {
            current.mapped.add(file);
            return file;
          }
        }
        if (dir === root) break;
      }
      throw new Error('mini-program require: "' + request + '" is not in miniprogram_npm/ ' +
        '(install it with npm and run DevTools 工具 → 构建 npm)');
    }
    const file = resolve.apply(this, arguments);
    // A relative require from a package standing in for miniprogram_npm/ stays in the app.
    if (insideApp(from)) current.mapped.add(file);
    return file;
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
    if (insideApp(file)) delete require.cache[file];
  });
}

/** Runs app.js afresh (the SDK included) and its onLaunch, as a cold start does. */
function boot() {
  dropAppModules();
  current.app = null;
  current.pages.length = 0;
  require(path.join(current.root, 'app.js'));
  if (!current.app) throw new Error('app.js did not call App()');
  if (current.app.onLaunch) current.app.onLaunch({ path: current.launchPath, query: {}, scene: 1001 });
  return current.app;
}

/**
 * Launches the mini-program in `options.root` (the folder with app.js and app.json) on a
 * fresh simulator: `options.sim` is the simulator's config (see wx-sim.js), or pass a
 * simulator as `options.wx`. Returns the session: { sim, app, open(pagePath, query),
 * restart(), settle(), wasmLoads, swallowed }.
 */
function launch(options) {
  const opts = options || {};
  if (!opts.root) throw new Error('launch({ root }): the folder with your app.js and app.json');
  const root = path.resolve(opts.root);
  if (!fs.existsSync(path.join(root, 'app.js'))) throw new Error('launch: no app.js in ' + root);
  init(opts);
  if (current) dropAppModules();
  const sim = opts.wx || createWxSim(Object.assign({ startTime: Date.UTC(2026, 10, 21, 1, 0, 0) }, opts.sim || {}));
  installWx(sim);
  // The SDK's clock is Date.now: pin it to the simulated one, so expiry and rendered
  // times follow the simulator's clock.
  Date.now = () => sim.now();
  swallowed.length = 0;
  const appJson = JSON.parse(fs.readFileSync(path.join(root, 'app.json'), 'utf8'));
  current = {
    root: root,
    sim: sim,
    wasmLoads: [],
    app: null,
    pages: [],
    loaded: {},
    mapped: new Set(),
    timers: opts.timers === 'real' ? null : simulatedTimers(sim),
    launchPath: (appJson.pages || [])[0] || '',
  };
  boot();
  const session = {
    sim: sim,
    root: root,
    get app() { return current.app; },
    wasmLoads: current.wasmLoads,
    swallowed: swallowed,
    open: openPage,
    /** Closes the app and starts it again on the same simulator (storage and grants persist). */
    restart() { boot(); },
    settle: (rounds) => sim.settle(rounds),
  };
  return session;
}

/** Renders a page as WeChat opens it: attached, onLoad(query), onShow, onReady. */
function openPage(pagePath, query) {
  const id = current.loaded[pagePath] || (current.loaded[pagePath] =
    simulate.load(path.join(current.root, pagePath), pagePath.split('/')[1], { rootPath: current.root }));
  const page = simulate.render(id);
  const parent = document.createElement('page-wrapper');
  document.body.appendChild(parent);
  page.attach(parent);
  const inst = page.instance;
  inst.route = pagePath;
  inst.options = query || {};
  current.pages.push(inst);
  if (inst.onLoad) inst.onLoad(query || {});
  if (inst.onShow) inst.onShow();
  page.triggerPageLifeTime('show');
  if (inst.onReady) inst.onReady();
  return wrapPage(page);
}

/** The rendered page, with what a test reads and does. */
function wrapPage(page) {
  const sim = current.sim;
  const find = (selector) => {
    // '#popup #agree-btn' descends into a child component's own tree.
    let node = page;
    for (const part of selector.trim().split(/\s+/)) node = node && node.querySelector(part);
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
    /** The page's data, as setData left it. */
    get data() { return page.data; },
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
    /** The user taps the node; resolves when the simulator has settled. */
    tap(selector) { get(selector).dispatchEvent('tap'); return sim.settle(); },
    dispatch(selector, name, detail) { get(selector).dispatchEvent(name, { detail: detail || {} }); return sim.settle(); },
    /** The user taps an open-type="agreePrivacyAuthorization" button: WeChat records the tap, then fires the event. */
    agreePrivacy(selector) {
      const w = this.wiring(selector);
      if (w.attrs.openType !== 'agreePrivacyAuthorization') throw new Error(selector + ' is not an agreePrivacyAuthorization button');
      sim.tapAgreeButton(w.attrs.id);
      return this.dispatch(selector, 'agreeprivacyauthorization', {});
    },
    /**
     * The user picks an avatar in the chooseAvatar sheet: the simulator puts a temporary
     * file (a small PNG, or `bytes`) on the phone, at `avatarUrl` if given, and the button's
     * handler gets {avatarUrl}. Without the privacy agreement the sheet does not open and
     * no event fires.
     */
    chooseAvatar(selector, avatarUrl, bytes) {
      const w = this.wiring(selector);
      if (w.attrs.openType !== 'chooseAvatar') throw new Error(selector + ' is not a chooseAvatar button');
      return sim.chooseAvatar(bytes, avatarUrl).then((detail) => (detail.avatarUrl
        ? this.dispatch(selector, 'chooseavatar', detail)
        : sim.settle()));
    },
    /**
     * The user taps an open-type="getPhoneNumber" (or "getRealtimePhoneNumber") button: the
     * simulator decides what WeChat would give (privacy first, quota, the user's answer, a
     * billed one-time code) and the button's bound handler gets that event.
     */
    getPhoneNumber(selector) {
      const w = this.wiring(selector);
      const kind = w.attrs.openType;
      if (kind !== 'getPhoneNumber' && kind !== 'getRealtimePhoneNumber') throw new Error(selector + ' is not a getPhoneNumber button');
      return sim.tapPhoneButton(kind).then((detail) => this.dispatch(selector, kind.toLowerCase(), detail));
    },
    /** The form is submitted with these values (what WeChat collects from named fields). */
    submit(selector, value) { return this.dispatch(selector, 'submit', { value: value, target: {} }); },
    show() { if (page.instance.onShow) page.instance.onShow(); page.triggerPageLifeTime('show'); return sim.settle(); },
    unload() { if (page.instance.onUnload) page.instance.onUnload(); page.detach(); },
  };
}

module.exports = { init, launch };
