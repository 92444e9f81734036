#!/usr/bin/env node
// s3rver (the @20minutes fork, which verifies Signature V4; upstream s3rver 3.x does not) on a free
// loopback port, storing objects in DATA_DIR. The built-in S3RVER key is revoked and a random key pair
// registered instead, so a request signed with any other secret is refused (SignatureDoesNotMatch). s3rver
// itself lets unsigned requests through as anonymous; this launcher refuses them (403) as S3 would for a
// private bucket, so that every request the tests make is checked.
// Writes the shell exports (endpoint, key, secret) to ENV_FILE when ready, then serves until SIGTERM.
// Usage: node s3rver-server.js ENV_FILE DATA_DIR
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

const modules = process.env.PGPROOF_S3_TEST_SERVERS_MODULES;
const S3rver = require(path.join(modules, '@20minutes/s3rver'));
const AWSAccount = require(path.join(modules, '@20minutes/s3rver/lib/models/account'));

const [envFile, dataDir] = process.argv.slice(2);
const accessKeyId = 'AKPG' + crypto.randomBytes(8).toString('hex').toUpperCase();
const secret = crypto.randomBytes(30).toString('base64').replace(/[^A-Za-z0-9]/g, 'x');
AWSAccount.DUMMY_ACCOUNT.revokeAccessKey('S3RVER');
AWSAccount.DUMMY_ACCOUNT.createKeyPair(accessKeyId, secret);

const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dataDir, vhostBuckets: false });
server.middleware.unshift(async (ctx, next) => {
  if (!ctx.get('authorization') && !('X-Amz-Algorithm' in ctx.query)) {
    ctx.status = 403;
    ctx.type = 'application/xml';
    ctx.body = '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Anonymous access is refused by this test server</Message></Error>';
    return;
  }
  return next();
});
server.run().then(({ address, port }) => {
  const tmp = envFile + '.tmp';
  fs.writeFileSync(tmp, `PGPROOF_S3_ENDPOINT=http://${address}:${port}\n` +
    `PGPROOF_S3_ACCESS_KEY_ID=${accessKeyId}\nPGPROOF_S3_SECRET_ACCESS_KEY=${secret}\n`, { mode: 0o600 });
  fs.renameSync(tmp, envFile);
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
