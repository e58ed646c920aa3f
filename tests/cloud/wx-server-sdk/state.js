'use strict';
// The stand-in's one environment: what index.js (the SDK's surface) and control.js (the
// tests' hooks) share. In memory, for one node process.
const { AsyncLocalStorage } = require('async_hooks');

const realNow = Date.now;

const state = {
  /** The invocation in progress ({wxContext, permissions, logs}), per async context: see invoke.js. */
  invocation: new AsyncLocalStorage(),
  /** The env given to cloud.init (a string, or DYNAMIC_CURRENT_ENV), null before init. */
  initEnv: null,
  /** The environment's id, as getWXContext().ENV gives it. */
  envId: 'standin-env-1a2b3c',
  /** Milliseconds when the clock is frozen, else null (the real clock). */
  frozenAt: null,
  db: null,
  phone: null,
};

/** Milliseconds since the epoch on the stand-in's clock. */
state.now = () => (state.frozenAt === null ? realNow() : state.frozenAt);
state.realNow = realNow;

/** The empty database and phone service (the collections themselves are created by the tests, as in the console). */
state.reset = () => {
  state.db = {
    collections: new Map(), // name → Map(_id → document)
    unavailable: false, // every operation fails (-501001, as a database that does not answer)
    failures: [], // {errCode, errMsg} for the next operations, in order
    ops: { read: 0, write: 0 },
  };
  state.phone = {
    codes: new Map(), // code → {openid, phoneNumber, purePhoneNumber, countryCode, mintedAt, used}
    failures: [], // errcodes for the next getPhoneNumber calls
    quota: Infinity, // successful verifications left
    calls: 0, // every getPhoneNumber call that reached WeChat
    billed: 0, // the successful ones
  };
};
state.reset();

/**
 * An SDK failure as wx-server-sdk rejects with one: an Error whose message reads
 * "errCode: N | errMsg: …", with errCode and errMsg as properties (the shape seen in the
 * community reports quoted in examples/cloudfunctions/wxauth/phone.js and store.js).
 */
class SdkError extends Error {
  constructor(errCode, errMsg, head) {
    super('errCode: ' + errCode + (head ? ' ' + head : '') + ' | errMsg: ' + errMsg);
    this.errCode = errCode;
    this.errMsg = errMsg;
  }
}
state.SdkError = SdkError;

/** A turn of the event loop: every SDK call is a network round trip, so concurrent invocations interleave. */
state.tick = () => new Promise((resolve) => setImmediate(resolve));

module.exports = state;
