'use strict';
// What every peer adapter shares: its pinned version, its bundle (the same esbuild
// command as the size table, with bench-only shims aliased in) loaded in the realm, and
// `ready` = load the bundle, then the peer's `start(sdk, ctx)` up to its ready state.
// The adapters are loaded in jsc too (bench/jsc/peer-startup.js runs `start` there):
// no node module may be required at load time, only inside the node-side functions.

function peer(short, pkg, extra) {
  const p = Object.assign({
    short,
    pkg,
    version() {
      const fs = require('fs');
      const path = require('path');
      return JSON.parse(fs.readFileSync(path.join(__dirname, '../node_modules', pkg, 'package.json'), 'utf8')).version;
    },
    prepare() { require('../size.js').bundle(p, true); },
    bundlePath: 'bench/out/peers-run/' + short + '.js',
    load: (env) => env.realm.require('./' + p.bundlePath),
    // require of the bundle → the peer's ready state (timed as a whole by bench/startup.js).
    ready(env) { return p.start(p.load(env), env); },
  }, extra);
  return p;
}

/** A callback-style wx-like call as a promise. */
function cb(fn) { return new Promise((resolve, reject) => fn(resolve, reject)); }

module.exports = { peer, cb };

/**
 * A stored session as the peer itself writes it: one launch logs in through the peer,
 * then its storage items and the backend's sessions are copied into later launches.
 */
function capturingSeed() {
  let captured = null;
  return async function seed(env) {
    const self = this;
    if (!captured) {
      const { launch } = require('../lib/env.js');
      const prep = launch(self.launchOptions);
      const h = await self.ready(prep);
      await self.login(h, prep);
      await prep.sim.settle(40);
      const keys = prep.wx.getStorageInfoSync().keys;
      captured = { items: keys.map((k) => [k, prep.sim.storageItem(k)]), sessions: Array.from(prep.backend.sessions.entries()) };
      if (self.stop) self.stop(h);
    }
    for (const [k, item] of captured.items) env.sim.setStorageRaw(k, JSON.parse(item.text), item.encrypted);
    for (const [t, s] of captured.sessions) env.backend.seed(t, s.expiresAt);
  };
}

module.exports.capturingSeed = capturingSeed;
