#!/usr/bin/env node
'use strict';
// wx-auth-server-node: the reference backend in Node.js. Configuration from the environment
// (see README.md); prints `listening on http://ADDR` on stdout when ready, logs to stderr.
const { fromEnv } = require('./config.js');
const { buildApp } = require('./app.js');
const { createWeChat } = require('./wechat.js');
const { RedisSessions, connect } = require('./store.js');
const { AvatarDir } = require('./avatars.js');
const fs = require('fs');

const log = (line) => process.stderr.write(line + '\n');

async function main() {
  const config = fromEnv(process.env);
  let publicBase;
  if (fs.existsSync(config.avatarDir) && !fs.statSync(config.avatarDir).isDirectory()) {
    throw new Error('AVATAR_DIR ' + config.avatarDir + ' is not a directory');
  }
  const client = await connect(config.redisUrl, log);
  log('sessions in Redis');
  const app = buildApp({
    store: new RedisSessions(client, 'wx-auth'),
    wechat: createWeChat(config.apiBase, config.appid, config.secret),
    appid: config.appid,
    ttl: config.sessionTtl,
    avatars: new AvatarDir(config.avatarDir, () => publicBase),
    log: log,
  });
  await app.listen({ host: config.host, port: config.port });
  const addr = app.server.address();
  const host = addr.family === 'IPv6' ? '[' + addr.address + ']' : addr.address;
  // Set before the event loop runs again, so before any request is handled.
  publicBase = config.publicBaseUrl || 'http://' + host + ':' + addr.port;
  log('WeChat API at ' + config.apiBase + ', app ' + config.appid + '; avatars in ' + config.avatarDir + ' at ' + publicBase + '/avatars/');
  if (!/^https:\/\//.test(publicBase)) {
    log('avatars are served at ' + publicBase + ', not https: the SDK saves only https avatars; set PUBLIC_BASE_URL to the https address clients reach this server by');
  }
  process.stdout.write('listening on http://' + host + ':' + addr.port + '\n');

  let stopping = false;
  const stop = (signal) => {
    if (stopping) return;
    stopping = true;
    log('stopping on ' + signal);
    const force = setTimeout(() => process.exit(1), 10000);
    force.unref();
    app.close().then(() => client.close()).then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((e) => {
  log('wx-auth-server-node: ' + ((e && e.message) || e));
  process.exit(1);
});
