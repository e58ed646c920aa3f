'use strict';
// The tests' hooks into the stand-in (not part of wx-server-sdk): the clock, the collections,
// the phone service.
const crypto = require('crypto');
const state = require('./state.js');

const clock = {
  /** Milliseconds on the stand-in's clock. */
  now: () => state.now(),
  /**
   * Freezes the clock at `ms` (default: now) and makes Date.now() read it, so the function
   * under test (which reads Date.now()) and the stand-in share it.
   */
  freeze(ms) {
    state.frozenAt = ms === undefined ? state.realNow() : ms;
    Date.now = () => state.now();
  },
  /** Moves the frozen clock on by `seconds`. */
  advance(seconds) {
    if (state.frozenAt === null) throw new Error('freeze the clock first');
    state.frozenAt += seconds * 1000;
  },
  /** The real clock again. */
  restore() {
    state.frozenAt = null;
    Date.now = state.realNow;
  },
};

const db = {
  /** Creates an empty collection (as in the console's 数据库 → 添加集合); an existing one is kept. */
  createCollection(name) {
    if (!state.db.collections.has(name)) state.db.collections.set(name, new Map());
  },
  dropCollection(name) {
    state.db.collections.delete(name);
  },
  /** A copy of the collection's documents, in insertion order ([] when it does not exist). */
  dump(name) {
    const docs = state.db.collections.get(name);
    return docs ? Array.from(docs.values()).map((d) => JSON.parse(JSON.stringify(d))) : [];
  },
  /** Every operation fails (-501001) while `on`. */
  setUnavailable(on) {
    state.db.unavailable = Boolean(on);
  },
  /** The next `count` operations fail with errCode (default -501001, 云端系统错误). */
  failNext(count, errCode, errMsg) {
    for (let i = 0; i < (count || 1); i += 1) {
      state.db.failures.push({ errCode: errCode === undefined ? -501001 : errCode, errMsg: errMsg || 'database request failed' });
    }
  },
  /** Operations so far: {read, write}. */
  ops: () => Object.assign({}, state.db.ops),
};

const phone = {
  /**
   * A phone button's code for the user `openid` (default number 13800138000 in +86), as
   * WeChat hands one to the page: single use, valid 5 minutes from now on the stand-in's clock.
   * `code` names it (a code the wx simulator minted for its phone button).
   */
  mint(options) {
    const o = options || {};
    if (typeof o.openid !== 'string' || o.openid === '') throw new Error('mint needs the openid of the user');
    const countryCode = o.countryCode || '86';
    const pure = o.purePhoneNumber || '13800138000';
    const code = typeof o.code === 'string' ? o.code : crypto.randomBytes(32).toString('hex');
    state.phone.codes.set(code, {
      openid: o.openid,
      appid: o.appid || 'wx0123456789abcdef',
      purePhoneNumber: pure,
      countryCode: countryCode,
      phoneNumber: countryCode === '86' ? pure : '+' + countryCode + pure,
      mintedAt: state.now(),
      used: false,
    });
    return code;
  },
  /** Successful verifications left (Infinity: no limit). */
  setQuota(n) {
    state.phone.quota = n;
  },
  /** No quota left: every call is refused with 1400001. */
  exhaustQuota() {
    state.phone.quota = 0;
  },
  /** The next calls are refused with these errcodes, in order. */
  failNext() {
    Array.prototype.slice.call(arguments).forEach((c) => state.phone.failures.push(c));
  },
  /** {calls, billed}: every call, and the successful (charged) ones. */
  stats: () => ({ calls: state.phone.calls, billed: state.phone.billed }),
};

/** Everything back to empty: no collections, no codes, zero counters, the real clock. */
function reset() {
  state.reset();
  clock.restore();
}

module.exports = { clock, db, phone, reset, state };
