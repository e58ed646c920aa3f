'use strict';
// The answers other than success: an HTTP status and the body the SDK reads,
// `{"code", "message"}` (wx_auth::wire::ErrorBody). Messages never carry a secret,
// a token or a code.

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

const badRequest = (message) => new ApiError(400, 'BAD_REQUEST', message);
const unauthorized = () => new ApiError(401, 'UNAUTHORIZED', 'a valid bearer token is required');
const internal = () => new ApiError(500, 'INTERNAL', 'the session store is unavailable');

/** A failure of the session store; its text names the operation, never a key or openid. */
class StoreError extends Error {}

module.exports = { ApiError, StoreError, badRequest, unauthorized, internal };
