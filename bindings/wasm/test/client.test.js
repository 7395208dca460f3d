// The Node clients against the local operator (the uid2-local-operator binary, started here):
// every role end to end, their failures, and the bulk identity map's retries.
'use strict';

const assert = require('node:assert/strict');
const http = require('node:http');
const { after, before, test } = require('node:test');
const { packageDir, startLocalOperator } = require('./support.js');

const uid2 = require(packageDir);
const { BidstreamClient, IdentityMapV3Client, PublisherClient, SharingClient } = require(`${packageDir}/client`);

// Opted out on the operator's list (identity map reports it unmapped).
const OPTED_OUT = 'listed.optout@example.com';
let operator;
let config;

before(async () => {
  operator = await startLocalOperator(['--opt-out', OPTED_OUT]);
  config = { baseUrl: operator.baseUrl, apiKey: operator.apiKey, secretKey: operator.secretKey, timeoutMs: 10_000 };
});

after(async () => {
  await operator?.stop();
});

test('PublisherClient generates and refreshes an identity', async () => {
  const publisher = new PublisherClient(config);
  const generated = await publisher.generateToken({ email: 'Jane.Doe@example.com' });
  assert.equal(generated.status, 'success');
  const { identity } = generated;
  assert.ok(identity.advertisingToken.length > 100);
  assert.ok(identity.identityExpires > Date.now() && identity.refreshFrom <= identity.identityExpires);
  assert.equal(JSON.parse(generated.identityJsonString).advertising_token, identity.advertisingToken);

  const refreshed = await publisher.refreshToken(generated.identityJsonString);
  assert.equal(refreshed.status, 'success');
  assert.notEqual(refreshed.identity.refreshToken, identity.refreshToken);

  const optedOut = await publisher.generateToken(uid2.TokenGenerateRequest.fromEmail('optout@example.com'));
  assert.deepEqual(optedOut, { status: 'optout', identity: null, identityJsonString: null });

  await assert.rejects(
    publisher.refreshToken(JSON.stringify({ ...JSON.parse(generated.identityJsonString), refresh_token: 'AAAA' })),
    { code: 'HTTP_STATUS', httpStatus: 400 },
  );
  publisher.close();
});

test('BidstreamClient decrypts what the publisher generated, and the identity map agrees', async () => {
  const publisher = new PublisherClient(config);
  const generated = await publisher.generateToken({ email: 'bidder.test@example.com' });
  publisher.close();
  const token = generated.identity.advertisingToken;

  const dsp = new BidstreamClient(config);
  assert.equal(dsp.decryptTokenIntoRawUid(token, 'example.com').status, 'NOT_INITIALIZED', 'before the first refresh');
  await dsp.refresh();
  assert.ok(dsp.keySet().keyCount > 0);
  assert.equal(dsp.consecutiveRefreshFailures(), 0);
  assert.ok(dsp.lastRefreshSuccess() <= Date.now() && dsp.keySetAge() >= 0);
  const decrypted = dsp.decryptTokenIntoRawUid(token, 'example.com');
  assert.equal(decrypted.status, 'SUCCESS');
  assert.equal(decrypted.siteId, operator.siteId);
  assert.equal(decrypted.identityType, 'EMAIL');
  assert.equal(dsp.decryptTokenIntoRawUid(`${token.slice(0, -4)}AAAA`, null).status, 'INVALID_PAYLOAD');

  const mapper = new IdentityMapV3Client(config);
  const input = new uid2.IdentityMapV3Input();
  input.addEmail('bidder.test@example.com');
  const mapped = await mapper.map(input);
  assert.equal(mapped.mapped.get('bidder.test@example.com').currentRawUid, decrypted.uid);
  mapper.close();

  await dsp.refresh(); // a second, explicit refresh swaps the key set
  assert.equal(dsp.decryptTokenIntoRawUid(token, 'example.com').uid, decrypted.uid);
  dsp.close();
  assert.equal(dsp.keySet(), null, 'close() drops the key set');
});

test('SharingClient encrypts and decrypts raw UIDs', async () => {
  const sharing = new SharingClient(config);
  assert.equal(sharing.encryptRawUidIntoToken('ywsvDNINiZOVSsfkHpLpSJzXzhr6Jx9Z/4Q0+lsEUvM=').status, 'NOT_INITIALIZED');
  await sharing.refresh();
  const rawUid = 'ywsvDNINiZOVSsfkHpLpSJzXzhr6Jx9Z/4Q0+lsEUvM=';
  const a = sharing.encryptRawUidIntoToken(rawUid);
  const b = sharing.encryptRawUidIntoToken(rawUid);
  assert.equal(a.status, 'SUCCESS');
  assert.notEqual(a.token, b.token);
  const back = sharing.decryptTokenIntoRawUid(a.token);
  assert.equal(back.status, 'SUCCESS');
  assert.equal(back.uid, rawUid);
  assert.equal(back.siteId, operator.siteId);
  sharing.close();
});

test('key refresh failures reach refresh() with the core error', async () => {
  const wrongKey = new BidstreamClient({ ...config, apiKey: 'not-a-key' });
  await assert.rejects(wrongKey.refresh(), { code: 'HTTP_STATUS', httpStatus: 401 });
  assert.ok(wrongKey.consecutiveRefreshFailures() >= 1);
  wrongKey.close();

  const wrongSecret = new SharingClient({ ...config, secretKey: Buffer.alloc(32, 1).toString('base64') });
  await assert.rejects(wrongSecret.refresh(), { code: 'HTTP_STATUS', httpStatus: 400, operatorStatus: 'client_error' });
  wrongSecret.close();

  const closedPort = await new Promise((resolve) => {
    const s = http.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
  const nobody = new BidstreamClient({ ...config, baseUrl: `http://127.0.0.1:${closedPort}` });
  await assert.rejects(nobody.refresh(), { code: 'KEY_REFRESH' });
  nobody.close();
});

test('IdentityMapV3Client maps in bulk, retrying 503s with the core backoff', async (t) => {
  // A proxy in front of the operator that answers 503 to the first two identity-map requests.
  let refused = 0;
  const proxy = http.createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    if (refused < 2) {
      refused += 1;
      res.writeHead(503).end();
      return;
    }
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => k !== 'host' && k !== 'content-length'));
    const upstream = await fetch(operator.baseUrl + req.url, { method: req.method, headers, body: Buffer.concat(chunks) });
    res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'text/plain' });
    res.end(Buffer.from(await upstream.arrayBuffer()));
  });
  await new Promise((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    proxy.closeAllConnections();
    proxy.close();
  });
  const waits = [];
  const client = new IdentityMapV3Client({
    ...config,
    baseUrl: `http://127.0.0.1:${proxy.address().port}`,
    maxInFlight: 1,
    sleep: async (ms) => {
      waits.push(ms);
    },
  });

  const input = new uid2.IdentityMapV3Input();
  const count = 5_003; // two batches of at most 5,000
  for (let i = 0; i < count; i++) input.addEmail(`user${i}@example.com`);
  input.addEmail(OPTED_OUT);
  // A text that is not a SHA-256 hash is refused here and never sent.
  assert.throws(() => input.addEmailHash('not base64 at all'), { code: 'INVALID_HASH' });
  const result = await client.mapBulk(input);
  assert.equal(result.mapped.size, count);
  assert.equal(result.unmapped.get(OPTED_OUT).reason, 'OPTOUT');
  assert.equal(result.unmapped.size, 1);
  assert.equal(refused, 2);
  assert.equal(waits.length, 2, 'one wait per refused attempt');
  assert.ok(waits[0] >= 500 && waits[0] < 1000, `first retry after 0.5-1 s: ${waits[0]}`);
  assert.ok(waits[1] >= 1000 && waits[1] < 2000, `second retry after 1-2 s: ${waits[1]}`);
  assert.equal(input.length, 0, 'the input was taken');
  client.close();
});
