'use strict';
// `make demo`: the example mini-program's real pages (examples/demo-pages.js) against the
// full stack on loopback: the simulator's wx.request goes over real HTTP to the reference
// backend (examples/server, SQLite in a temporary folder), which exchanges each code with
// the WeChat stand-in (each login code and phone code the simulator mints is registered
// with it). Prints each page state, each wx call and each answer the server gave. Tokens,
// codes and the secret are never printed.
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');
const stack = require('../tests/support/stack.js');
const demo = require('./demo-pages.js');

async function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wx-auth-demo-'));
  const secret = crypto.randomBytes(16).toString('hex');
  try {
    stack.buildServer();
    const appid = 'wx-demo-app';
    const standin = await stack.startBinary('wechat-standin', { LISTEN: '127.0.0.1:0', WX_APPID: appid, WX_SECRET: secret });
    const server = await stack.startBinary('wx-auth-server', {
      LISTEN: '127.0.0.1:0', WX_APPID: appid, WX_SECRET: secret, WX_API_BASE: standin.base,
      DATABASE_PATH: path.join(tmp, 'sessions.db'),
      // Avatars at the https address the phone knows the API by (the forwarder carries it
      // to loopback), as behind a real TLS front.
      AVATAR_DIR: path.join(tmp, 'avatars'), PUBLIC_BASE_URL: 'https://api.example.com',
    });
    console.log('reference backend: wx-auth-server at ' + server.base + ' (SQLite), WeChat stand-in at ' + standin.base);
    const seen = [];
    const forward = stack.forwarder(() => server.base, seen);
    const backend = (req) => forward(req).then((res) => {
      console.log('      ← wx-auth-server: ' + res.statusCode + ' ' + summary(req.path, res));
      return res;
    });
    await demo.run({
      backend: backend,
      onCodeMinted: stack.codeRegistrar(standin.base, 'xiaoming'),
      onPhoneCodeMinted: stack.phoneCodeRegistrar(standin.base, 'xiaoming'),
    });
  } finally {
    stack.stopAll();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** What the server answered, without the token. */
function summary(route, res) {
  let body;
  try { body = JSON.parse(res.body); } catch (e) { return '(not JSON)'; }
  if (body && typeof body.token === 'string') return '{token: (hidden), expiresIn: ' + body.expiresIn + '}';
  return JSON.stringify(body);
}

main().then(() => process.exit(0), (e) => {
  console.error(e);
  process.exit(1);
});
