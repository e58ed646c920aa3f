'use strict';
// wx-auth/testing: test your own mini-program pages in node, with the wx simulator and
// the page runner this project tests its example with.
//
//   const { launch } = require('wx-auth/testing');
//   const app = launch({ root: 'miniprogram' });   // your app.js, app.json, pages
//   const page = app.open('pages/mine/mine');
//   await page.agreePrivacy('#agree');             // the user taps 同意
//   await page.tap('#login');                      // then 微信登录
//   assert.strictEqual(page.text('#name'), '已登录');
//
// launch() needs miniprogram-simulate, global-jsdom and jsdom as devDependencies of your
// project. createWxSim() alone needs nothing: it is the simulated `wx` object (privacy,
// login, profile, storage, request, a virtual clock and a backend speaking the SDK's
// protocol) for tests that do not render pages.
const sim = require('./wx-sim.js');
const runner = require('./page-runner.js');

module.exports = {
  /** A fresh simulated WeChat: `sim.wx` is the `wx` object; see wx-sim.js for the config. */
  createWxSim: sim.createWxSim,
  /** Makes `sim.wx` the global `wx`. */
  installWx: sim.installWx,
  /** Launches the mini-program in `root` on a fresh simulator; returns the session. */
  launch: runner.launch,
  /** Sets up the renderer once (`modules`: where your devDependencies are; `rpx`). */
  init: runner.init,
};
