'use strict';
// The answers other than success: a status and the body the SDK reads, {code, message},
// with the same statuses, codes and messages as the HTTP reference servers
// (examples/server/src/errors.rs, examples/server-node/src/errors.js). Messages never carry a
// token, a code, a phone number or an openid.

class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }

  body() {
    return { code: this.code, message: this.message };
  }
}

/** A failure of the cloud database; `what` names the operation, never a key or an openid. */
class StoreError extends Error {
  constructor(what, cause) {
    super(what);
    this.cause = cause;
  }
}

/** The function's own configuration (its environment variables) is unusable. */
class ConfigError extends Error {}

const badRequest = (message) => new ApiError(400, 'BAD_REQUEST', message);
const unauthorized = () => new ApiError(401, 'UNAUTHORIZED', 'a valid bearer token is required');
const notFound = () => new ApiError(404, 'NOT_FOUND', 'no such endpoint');
const internal = () => new ApiError(500, 'INTERNAL', 'the session store is unavailable');

module.exports = { ApiError, StoreError, ConfigError, badRequest, unauthorized, notFound, internal };
