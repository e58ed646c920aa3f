'use strict';
// Runs the REAL example mini-program (examples/miniprogram: app.js, pages, components)
// in node through the testing kit's page runner (testing/page-runner.js, shipped as
// `wx-auth/testing`): miniprogram-simulate + jsdom render the pages, the strict wx
// simulator is the global `wx`, WXWebAssembly reads package paths from the mini-program
// root only, require('wx-auth') resolves to miniprogram_npm/wx-auth/ (where `make dist`
// puts the package, as DevTools' "build npm" would), and tap handlers run inside a tap
// gesture. The project's tests use the kit as an app developer would.
const path = require('path');
const runner = require('../../testing/page-runner.js');

const REPO = path.resolve(__dirname, '../..');
const ROOT = path.join(REPO, 'examples/miniprogram');

/** Sets up jsdom and simulate once (`rpx(css)` converts rpx for the screenshots). */
function init(options) {
  return runner.init(Object.assign({ modules: __dirname }, options || {}));
}

/**
 * A fresh simulator (config for createWxSim) and the launched example app. Returns the
 * session: { sim, app, open(pagePath), restart(), settle() }.
 */
function start(config) {
  init();
  return runner.launch({ root: ROOT, sim: config || {}, modules: __dirname });
}

module.exports = { init, start, ROOT, REPO };
