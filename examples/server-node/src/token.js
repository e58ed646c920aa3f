'use strict';
// Session tokens: 32 bytes from the OS random source, given to the client as 64 hex
// characters; only their SHA-256 is stored, so a Redis dump holds no usable token.
const crypto = require('crypto');

const TOKEN = /^[0-9a-f]{64}$/;

/** A fresh token and the hash to store for it. */
function generate() {
  const token = crypto.randomBytes(32).toString('hex');
  return { token: token, hash: hash(token) };
}

/** The stored form of a token: lowercase hex of SHA-256 over its text. */
function hash(token) {
  return crypto.createHash('sha256').update(token).digest('hex');
}

/**
 * The token of an `Authorization: Bearer <token>` value if it has the shape this server
 * issues (64 lowercase hex characters); anything else is no token (no store lookup).
 */
function fromBearer(header) {
  if (typeof header !== 'string') return null;
  const value = header.trim();
  const space = value.indexOf(' ');
  if (space < 0 || value.slice(0, space).toLowerCase() !== 'bearer') return null;
  const token = value.slice(space + 1).trim();
  return TOKEN.test(token) ? token : null;
}

module.exports = { generate, hash, fromBearer };
