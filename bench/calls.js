'use strict';
// Peers may leave promise rejections unhandled; they are counted, not fatal.
process.on('unhandledRejection', (r) => { (global.__benchUnhandled = global.__benchUnhandled || []).push(String((r && (r.errMsg || r.message)) || JSON.stringify(r))); });
// Platform calls per scenario: each SDK runs each scenario in a fresh launch of the
// strict simulator; the wx calls it makes are counted from the simulator's call log.
const { launch, countCalls } = require('./lib/env.js');
const { TTL } = require('./lib/backend.js');

const COLS = ['login', 'checkSession', 'reads', 'writes', 'requests'];

const SCENARIOS = [
  {
    id: 'cold', title: 'cold start with a valid session',
    min: { login: 0, checkSession: 0, reads: 1, writes: 0, requests: 0 },
    why: 'one storage read restores the session; no wx.login, no server round trip',
    async run(s, env) {
      await s.seed(env);
      const mark = env.sim.calls.length;
      const at = env.sim.now();
      const h = await s.ready(env);
      return { mark, at, outcome: s.loggedIn(h) ? 'logged in' : 'NOT logged in' };
    },
  },
  {
    id: 'first', title: 'first login',
    min: { login: 1, checkSession: 0, reads: 1, writes: 1, requests: 1 },
    why: 'one read finds nothing, one wx.login, one login POST, one write of the session',
    async run(s, env) {
      const mark = env.sim.calls.length;
      const at = env.sim.now();
      const h = await s.ready(env);
      await s.login(h, env);
      return { mark, at, outcome: s.loggedIn(h) ? 'logged in' : 'NOT logged in' };
    },
  },
  {
    id: 'expired10', title: '10 concurrent requests after the session expired',
    min: { login: 1, checkSession: 0, reads: 0, writes: 1, requests: 11 },
    why: 'one wx.login and one login POST shared by all, one write, the 10 requests',
    async run(s, env) {
      await s.seed(env);
      const h = await s.ready(env);
      env.sim.advance(TTL * 1000 + 1000);
      const mark = env.sim.calls.length;
      const at = env.sim.now();
      const res = await Promise.all(Array.from({ length: 10 }, () => s.request(h, s.url).then((r) => r.statusCode, (e) => 'error ' + errorText(e))));
      return { mark, at, outcome: summarize(res) };
    },
  },
  {
    id: '401x3', title: '401 on 3 concurrent requests (session revoked by the server)',
    min: { login: 1, checkSession: 0, reads: 0, writes: 1, requests: 7 },
    why: '3 requests answered 401, one shared wx.login + login POST, one write, 3 resent',
    async run(s, env) {
      await s.seed(env);
      const h = await s.ready(env);
      env.backend.revokeAll();
      const mark = env.sim.calls.length;
      const at = env.sim.now();
      const res = await Promise.all(Array.from({ length: 3 }, () => s.request(h, s.url).then((r) => r.statusCode, (e) => 'error ' + errorText(e))));
      return { mark, at, outcome: summarize(res) };
    },
  },
  {
    id: 'logout', title: 'logout, then a request',
    min: { login: 0, checkSession: 0, reads: 0, writes: 1, requests: 1 },
    why: 'one write (or remove) of the record, one logout POST to revoke the token; the request is not sent',
    async run(s, env) {
      await s.seed(env);
      const h = await s.ready(env);
      const mark = env.sim.calls.length;
      const at = env.sim.now();
      await s.logout(h, env);
      const r = await s.request(h, s.url).then((x) => 'sent: ' + x.statusCode, (e) => 'rejected ' + errorText(e));
      return { mark, at, outcome: r };
    },
  },
];

// What a rejection says, whichever field the SDK puts it in (OAuth-style clients use `error`).
function errorText(e) { return e && (e.code || e.message || e.errMsg || e.error); }

function summarize(list) {
  const n = {};
  list.forEach((x) => { n[x] = (n[x] || 0) + 1; });
  return Object.keys(n).map((k) => n[k] + '× ' + k).join(', ');
}

async function runCalls(subjects) {
  const rows = [];
  for (const sc of SCENARIOS) {
    for (const s of subjects) {
      const skip = s.skip && s.skip[sc.id];
      if (skip) { rows.push({ scenario: sc.id, subject: s.short, skipped: skip }); continue; }
      const env = launch(s.launchOptions);
      try {
        const r = await withTimeout(sc.run(s, env), 20000);
        // Simulated time from the scenario's first call to its last answer: the waits an
        // SDK imposes (backoff, floors between logins) show here, the bench's own do not.
        const ms = env.sim.now() - r.at;
        await env.sim.settle(40);
        rows.push(Object.assign({ scenario: sc.id, subject: s.short, outcome: r.outcome, ms: ms }, countCalls(env.sim, r.mark)));
      } catch (e) {
        rows.push({ scenario: sc.id, subject: s.short, skipped: 'failed: ' + String((e && e.message) || e).slice(0, 160),
          log: countCalls(env.sim).log });
      }
    }
  }
  return { scenarios: SCENARIOS, rows, cols: COLS };
}

function withTimeout(p, ms) {
  let t;
  return Promise.race([p, new Promise((_, rej) => { t = setTimeout(() => rej(new Error('no answer within ' + ms + ' ms (real time)')), ms); })])
    .finally(() => clearTimeout(t));
}

module.exports = { runCalls, SCENARIOS, COLS, withTimeout };
