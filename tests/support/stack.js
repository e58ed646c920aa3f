'use strict';
// The reference stack on loopback, for the end-to-end test, the conformance runs and
// `make demo`: the WeChat stand-in (wechat-standin), wx-auth-server (SQLite or Redis),
// the Node.js backend (examples/server-node, Redis), redis-server, and a forwarder that
// sends the simulator's wx.request calls to a server over real HTTP.
// The binaries are the debug builds of examples/server (scripts/setup-server.sh builds
// them; `buildServer()` rebuilds them when the sources changed); the Node backend needs
// its dependencies (scripts/setup-server-node.sh).
const fs = require('fs');
const net = require('net');
const path = require('path');
const readline = require('readline');
const { spawn, execFileSync } = require('child_process');

const root = path.resolve(__dirname, '../..');
const children = [];

/** `cargo build` of the server and the stand-in (quick when nothing changed). */
function buildServer() {
  execFileSync('cargo', ['build', '--quiet', '-p', 'wx-auth-server', '--bins'], { cwd: root, stdio: 'inherit' });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

/** Starts a binary and resolves `{base, child, log()}` from its `listening on …` line. */
function startBinary(name, env) {
  const bin = path.join(process.env.CARGO_TARGET_DIR || path.join(root, 'target'), 'debug', name);
  return startProcess(name, bin, [], env);
}

const NODE_SERVER = path.join(root, 'examples/server-node');

/** Starts the Node.js backend (examples/server-node) like `startBinary`; it needs REDIS_URL. */
function startNodeServer(env) {
  if (!fs.existsSync(path.join(NODE_SERVER, 'node_modules'))) {
    return Promise.reject(new Error('examples/server-node has no node_modules: run scripts/setup-server-node.sh'));
  }
  return startProcess('wx-auth-server-node', process.execPath, [path.join(NODE_SERVER, 'src/main.js')], env);
}

/**
 * The backend `kind` ('rust' or 'node') with `env`: the Rust one keeps sessions in SQLite
 * unless REDIS_URL is set, the Node one always in Redis.
 */
function startServer(kind, env) {
  if (kind === 'rust') return startBinary('wx-auth-server', env);
  if (kind === 'node') return startNodeServer(env);
  return Promise.reject(new Error('unknown backend ' + kind + ' (rust or node)'));
}

function startProcess(name, bin, args, env) {
  const child = spawn(bin, args, { env: Object.assign({ PATH: process.env.PATH }, env), stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let log = '';
  child.stderr.on('data', (d) => { log += d; });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(name + ' exited with ' + code + ': ' + log)));
    readline.createInterface({ input: child.stdout }).once('line', (line) => {
      const m = /^listening on (http:\/\/\S+)$/.exec(line);
      if (m) resolve({ base: m[1], child: child, log: () => log }); else reject(new Error(name + ' said ' + line));
    });
  });
}

/** Starts redis-server on a free loopback port; resolves its URL once it accepts connections. */
async function startRedis() {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  children.push(child);
  await new Promise((resolve, reject) => {
    child.on('error', (e) => reject(new Error('redis-server could not be started (' + e.message + '); run scripts/setup-server.sh')));
    const deadline = Date.now() + 20000;
    const tryConnect = () => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => { s.end(); resolve(); });
      s.once('error', () => { if (Date.now() > deadline) reject(new Error('redis-server did not start')); else setTimeout(tryConnect, 50); });
    };
    tryConnect();
  });
  return 'redis://127.0.0.1:' + port;
}

async function postJson(base, p, body, bearer) {
  const headers = { 'Content-Type': 'application/json' };
  if (bearer) headers.Authorization = 'Bearer ' + bearer;
  const res = await fetch(base + p, { method: 'POST', headers: headers, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

/**
 * A backend for the simulator (`createWxSim({backend})`) that sends each request (and each
 * wx.uploadFile, as multipart) to the server `route(req)` names, over HTTP, and records `{method, path, base, status, bearer}`
 * in `seen`. The SDK keeps calling https://api.example.com/… (the simulator checks the
 * domain list); only the forwarder knows the server is on loopback.
 */
function forwarder(route, seen) {
  return async (req) => {
    const base = route(req);
    const header = Object.assign({}, req.header);
    let body = req.method === 'GET' || req.method === 'HEAD' ? undefined : req.body;
    if (req.upload) {
      // wx.uploadFile: multipart/form-data with the file part and the form fields (fetch
      // writes the boundary into the content type).
      body = new FormData();
      Object.keys(req.upload.formData).forEach((k) => body.append(k, req.upload.formData[k]));
      body.append(req.upload.name, new Blob([Uint8Array.from(req.upload.file.bytes)]), req.upload.file.path.replace(/^.*\//, ''));
      Object.keys(header).filter((k) => k.toLowerCase() === 'content-type').forEach((k) => delete header[k]);
    } else if (!Object.keys(header).some((k) => k.toLowerCase() === 'content-type')) {
      // Like the real wx.request: JSON unless the page says otherwise.
      header['Content-Type'] = 'application/json';
    }
    const res = await fetch(base + req.path + req.query, { method: req.method, headers: header, body: body });
    const text = await res.text();
    const auth = /^Bearer (.+)$/.exec(header.Authorization || header.authorization || '');
    seen.push({ method: req.method, path: req.path, base: base, status: res.status, bearer: auth ? auth[1] : null });
    return { statusCode: res.status, body: text };
  };
}

/** Registers each code the simulator mints with the stand-in, as `user`, before wx.login answers. */
function codeRegistrar(standin, user) {
  return (code) => postJson(standin, '/_standin/codes', { code: code, user: user }).then((r) => {
    if (r.status !== 200) throw new Error('stand-in refused the code: ' + JSON.stringify(r.body));
  });
}

/**
 * Registers each phone code the simulator's getPhoneNumber button mints with the stand-in
 * (POST /_standin/phone-codes), as `user` with the simulated number, before the button's
 * event reaches the page (the simulator's `onPhoneCodeMinted(code, phone)`).
 */
function phoneCodeRegistrar(standin, user) {
  return (code, phone) => postJson(standin, '/_standin/phone-codes', {
    code: code, user: user, phoneNumber: phone.purePhoneNumber, countryCode: phone.countryCode,
  }).then((r) => {
    if (r.status !== 200) throw new Error('stand-in refused the phone code: ' + JSON.stringify(r.body));
  });
}

/** The processes this module started (ChildProcess objects), oldest first. */
function processes() {
  return children.slice();
}

/** Stops every process this module started. */
function stopAll() {
  for (const c of children) { try { c.kill(); } catch (e) { /* already gone */ } }
}

module.exports = { buildServer, freePort, startProcess, startBinary, startNodeServer, startServer, startRedis, postJson, forwarder, codeRegistrar, phoneCodeRegistrar, processes, stopAll };
