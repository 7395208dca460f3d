// The npm package's API: randomness from crypto.getRandomValues, secrets wiped from
// WebAssembly memory on free(), the envelope checked against node:crypto, the key-refresh
// state machine driven with a simulated clock, and argument errors.
'use strict';

const assert = require('node:assert/strict');
const nodeCrypto = require('node:crypto');
const { test } = require('node:test');
const { packageDir } = require('./support.js');

// Keep a handle on the WebAssembly instance the package creates, to inspect its memory.
let instance;
const OriginalInstance = WebAssembly.Instance;
WebAssembly.Instance = function capture(module, imports) {
  instance = new OriginalInstance(module, imports);
  return instance;
};
const uid2 = require(packageDir);
WebAssembly.Instance = OriginalInstance;

const MASTER_SECRET = 'iyXxrRJcJOilqBcSJsN7XKCIuShbraXdqBCppCaLCJs=';
const SITE_SECRET = 'IPsHwoSa+lbKdGgdg8CL1zCkC0HibqcObDP+fUEYF4U=';
const CLIENT_SECRET = 'ioG3wKxAokmp+rERx6A4kM/13qhyolUXIu14WN16Spo=';
const API_KEY = 'UID2-C-L-999-fakeKey.testonly';
const RAW_UID = 'ywsvDNINiZOVSsfkHpLpSJzXzhr6Jx9Z/4Q0+lsEUvM=';
const NOW = 1_700_000_000_000;

function sharingDocument() {
  return JSON.stringify({
    body: {
      caller_site_id: 9000,
      master_keyset_id: 1,
      default_keyset_id: 99999,
      token_expiry_seconds: 2592000,
      identity_scope: 'UID2',
      keys: [
        { id: 164, keyset_id: 1, created: 1600000000, activates: 1600000000, expires: 2000000000, secret: MASTER_SECRET },
        { id: 165, keyset_id: 99999, created: 1600000000, activates: 1600000000, expires: 2000000000, secret: SITE_SECRET },
      ],
    },
    status: 'success',
  });
}

/** Whether `needle` occurs anywhere in the WebAssembly memory. */
function inMemory(needle) {
  return Buffer.from(instance.exports.memory.buffer).indexOf(Buffer.from(needle)) !== -1;
}

/** Replaces crypto.getRandomValues while `f` runs. */
function withRandom(replacement, f) {
  const original = crypto.getRandomValues;
  crypto.getRandomValues = replacement;
  try {
    return f();
  } finally {
    crypto.getRandomValues = original;
  }
}

// The operator's side of the envelope, written with node:crypto (an independent AES-GCM).
const secret = Buffer.from(CLIENT_SECRET, 'base64');

function openRequest(body) {
  const raw = Buffer.from(Buffer.from(body).toString('latin1'), 'base64');
  assert.equal(raw[0], 1, 'envelope version');
  const iv = raw.subarray(1, 13);
  const tag = raw.subarray(raw.length - 16);
  const decipher = nodeCrypto.createDecipheriv('aes-256-gcm', secret, iv);
  decipher.setAuthTag(tag);
  const plain = Buffer.concat([decipher.update(raw.subarray(13, raw.length - 16)), decipher.final()]);
  return { timestamp: Number(plain.readBigInt64BE(0)), nonce: plain.subarray(8, 16), payload: plain.subarray(16) };
}

function sealReply(nonce, document, key = secret) {
  const iv = nodeCrypto.randomBytes(12);
  const cipher = nodeCrypto.createCipheriv('aes-256-gcm', key, iv);
  const ts = Buffer.alloc(8);
  ts.writeBigInt64BE(BigInt(NOW));
  const ct = Buffer.concat([cipher.update(Buffer.concat([ts, nonce, Buffer.from(document)])), cipher.final()]);
  return Buffer.from(Buffer.concat([iv, ct, cipher.getAuthTag()]).toString('base64'));
}

test('sharing encryption draws its nonces from crypto.getRandomValues', () => {
  const keys = uid2.KeySet.parse(sharingDocument());
  const drawn = [];
  const real = crypto.getRandomValues.bind(crypto);
  const first = withRandom((view) => {
    drawn.push(view.length);
    return real(view);
  }, () => keys.encrypt(RAW_UID, { now: NOW }));
  assert.equal(first.status, 'SUCCESS');
  assert.deepEqual(drawn, [12, 12], 'two 12-byte GCM nonces');
  const second = keys.encrypt(RAW_UID, { now: NOW });
  assert.notEqual(first.token, second.token, 'fresh nonces every time');
  for (const t of [first.token, second.token]) {
    assert.equal(keys.decrypt(t, { client: 'sharing', now: NOW }).uid, RAW_UID);
  }
  const failed = withRandom(() => {
    throw new Error('no entropy');
  }, () => keys.encrypt(RAW_UID, { now: NOW }));
  assert.deepEqual(failed, { status: 'ENCRYPTION_FAILURE', token: null });
  keys.free();
});

test('free() wipes key secrets from WebAssembly memory', () => {
  const secrets = Array.from({ length: 40 }, () => nodeCrypto.randomBytes(32));
  const document = JSON.stringify({
    body: {
      keys: secrets.map((k, i) => ({ id: i + 1, keyset_id: 1, created: 1600000000, activates: 1600000000, expires: 2000000000, secret: k.toString('base64') })),
    },
    status: 'success',
  });
  const keys = uid2.KeySet.parse(document);
  assert.ok(secrets.every(inMemory), 'the key set holds its secrets');
  assert.ok(!inMemory(Buffer.from(secrets[0].toString('base64'))), 'the document text was wiped after parsing');
  keys.free();
  assert.deepEqual(secrets.filter(inMemory).length, 0, 'no copy of a key secret is left after free()');
});

test('free() wipes the client secret, the API key and refresh keys, whatever used them', () => {
  const clientSecret = nodeCrypto.randomBytes(32);
  const apiKey = `UID2-C-L-999-${nodeCrypto.randomBytes(12).toString('hex')}`;
  const credentials = new uid2.Credentials(apiKey, clientSecret.toString('base64'));
  assert.ok(inMemory(clientSecret) && inMemory(Buffer.from(apiKey)), 'the credentials are held');
  assert.ok(!inMemory(Buffer.from(clientSecret.toString('base64'))), 'the secret text was wiped after parsing');

  const seal = (s) => uid2.sealRequest(credentials, '/v2/token/generate', '{}', { now: NOW }).openResponse(200, 'text/plain', s);
  assert.throws(() => seal('AAAA'), { code: 'DECRYPT_FAILED' });
  const generate = uid2.TokenGenerateRequest.fromEmail('user@example.com');
  const call = generate.seal(credentials, NOW);
  assert.throws(() => call.openResponse(200, 'text/plain', 'AAAA'));
  const refresher = new uid2.KeyRefresher('bidstream', credentials, NOW);
  refresher.pollTransmit(NOW);
  refresher.handleResponse(NOW, 200, 'text/plain', 'AAAA');
  const input = new uid2.IdentityMapV3Input();
  input.addEmail('user@example.com');
  const mapRequest = input.intoRequest();
  const mapCall = mapRequest.seal(credentials, NOW);

  const refreshKey = nodeCrypto.randomBytes(32);
  const identity = uid2.IdentityTokens.fromJson(JSON.stringify({
    advertising_token: 'AT', refresh_token: 'RT', identity_expires: NOW + 1, refresh_expires: NOW + 2,
    refresh_from: NOW, refresh_response_key: refreshKey.toString('base64'),
  }));
  const refreshCall = identity.refreshRequest(credentials);
  assert.throws(() => refreshCall.openResponse(200, 'text/plain', 'AAAA', NOW));
  assert.ok(inMemory(refreshKey), 'the identity holds its refresh key');

  for (const o of [credentials, call, generate, refresher, input, mapRequest, mapCall, identity, refreshCall]) o.free();
  assert.ok(!inMemory(clientSecret), 'no copy of the client secret is left');
  assert.ok(!inMemory(Buffer.from(apiKey)), 'no copy of the API key is left');
  assert.ok(!inMemory(refreshKey), 'no copy of the refresh response key is left');
});

test('emails and phone numbers are wiped once hashed', () => {
  const email = `Person.${nodeCrypto.randomBytes(6).toString('hex')}@Example.com`;
  const phone = `+1${nodeCrypto.randomInt(1e9, 1e10)}`;
  const normalized = email.toLowerCase();
  uid2.hashEmail(email);
  uid2.normalizeEmail(email);
  uid2.hashPhone(phone);
  uid2.TokenGenerateRequest.fromEmail(email).free();
  const input = new uid2.IdentityMapV3Input();
  input.addEmail(email);
  input.addPhone(phone);
  input.free();
  for (const text of [email, normalized, phone]) assert.ok(!inMemory(Buffer.from(text)), 'no copy left');
});

test('sealRequest seals for node:crypto and openResponse opens its reply once', () => {
  const credentials = new uid2.Credentials(API_KEY, CLIENT_SECRET);
  const payload = '{"email_hash":"x"}';
  const sealed = uid2.sealRequest(credentials, '/v2/token/generate', payload, { now: NOW });
  const { request } = sealed;
  assert.equal(request.method, 'POST');
  assert.equal(request.path, '/v2/token/generate');
  const headers = Object.fromEntries(request.headers);
  assert.equal(headers.Authorization, `Bearer ${API_KEY}`);
  assert.equal(headers['Content-Type'], 'text/plain');
  assert.match(headers['X-UID2-Client-Version'], /^uid2-client-rust-/);
  const opened = openRequest(request.body);
  assert.equal(opened.timestamp, NOW);
  assert.equal(opened.payload.toString(), payload);

  const forged = sealReply(Buffer.alloc(8, 7), '{"status":"success"}');
  assert.throws(() => sealed.openResponse(200, 'text/plain', forged), { name: 'Uid2Error', code: 'NONCE_MISMATCH' });
  assert.throws(() => sealed.openResponse(200, 'text/plain', forged), { code: 'INVALID_ARGUMENT' }, 'opened once');

  const again = uid2.sealRequest(credentials, '/v2/token/generate', payload, { now: NOW });
  const reply = sealReply(openRequest(again.request.body).nonce, '{"status":"success","body":{}}');
  const response = uid2.openResponse(again, { status: 200, contentType: 'text/plain', body: reply });
  assert.equal(Buffer.from(response.document).toString(), '{"status":"success","body":{}}');
  assert.equal(response.serverTime, NOW);

  const third = uid2.sealRequest(credentials, '/v2/token/generate', payload, { now: NOW });
  assert.throws(
    () => third.openResponse(401, 'application/json', '{"status":"unauthorized","message":"no"}'),
    { name: 'Uid2Error', code: 'HTTP_STATUS', httpStatus: 401, operatorStatus: 'unauthorized' },
  );
  const fourth = uid2.sealRequest(credentials, '/v2/token/generate', payload, { now: NOW });
  assert.throws(() => fourth.openResponse(200, 'text/plain', sealReply(Buffer.alloc(8), '{}', Buffer.alloc(32, 1))), { code: 'DECRYPT_FAILED' });

  assert.throws(() => uid2.sealRequest(credentials, '/v2/anything', payload, { now: NOW }), { code: 'INVALID_ARGUMENT' });
  assert.throws(() => withRandom(() => {
    throw new Error('no entropy');
  }, () => uid2.sealRequest(credentials, '/v2/token/generate', payload, { now: NOW })), { code: 'ENVELOPE' });
  credentials.free();
});

test('token generate and identity map requests carry hashes only', () => {
  const credentials = new uid2.Credentials(API_KEY, CLIENT_SECRET);
  const generate = uid2.TokenGenerateRequest.fromEmail(' Jane.Doe@Example.com ');
  const call = generate.seal(credentials, NOW);
  const body = JSON.parse(openRequest(call.request.body).payload);
  assert.deepEqual(body, { email_hash: uid2.hashEmail('jane.doe@example.com') });

  const input = new uid2.IdentityMapV3Input();
  input.addEmail('user@example.com');
  input.addPhone('+12345678901');
  input.addEmailHash(uid2.hashEmail('other@example.com'));
  assert.throws(() => input.addEmail('not an email'), { code: 'INVALID_EMAIL' });
  assert.equal(input.length, 3);
  const batches = input.intoBatches({ maxItems: 2 });
  assert.deepEqual(batches.map((b) => b.length), [2, 1]);
  assert.equal(input.length, 0, 'the input was taken');
  const mapCall = batches[0].seal(credentials, NOW);
  assert.equal(Object.fromEntries(mapCall.request.headers)['Content-Type'], 'application/octet-stream');
  credentials.free();
});

test('the key refresher follows the core schedule on a simulated clock', () => {
  const credentials = new uid2.Credentials(API_KEY, CLIENT_SECRET);
  const refresher = new uid2.KeyRefresher('sharing', credentials, NOW);
  credentials.free(); // the refresher keeps its own copy
  let now = NOW;
  assert.equal(refresher.pollTimeout(), now, 'the first refresh is due at once');
  const first = refresher.pollTransmit(now);
  assert.equal(first.path, '/v2/key/sharing');
  assert.equal(refresher.pollTransmit(now), undefined, 'one request at a time');
  assert.equal(refresher.pollTimeout(), now + 30_000, 'the response deadline');

  now += 5;
  refresher.handleTransportError(now);
  const failed = refresher.pollEvent();
  assert.equal(failed.type, 'refreshFailed');
  assert.equal(failed.consecutiveFailures, 1);
  assert.ok(failed.retryAt >= now + 1000 && failed.retryAt < now + 1100, `backoff 1 s plus jitter: ${failed.retryAt - now}`);
  assert.equal(refresher.pollEvent(), undefined);
  assert.equal(refresher.pollTransmit(now), undefined, 'not due before the backoff');

  now = failed.retryAt;
  refresher.handleTimeout(now);
  const second = refresher.pollTransmit(now);
  refresher.handleTimeout(now + 30_000);
  const timedOut = refresher.pollEvent();
  assert.equal(timedOut.consecutiveFailures, 2);
  assert.equal(timedOut.error.code, 'KEY_REFRESH');
  assert.ok(timedOut.retryAt >= now + 32_000 && timedOut.retryAt < now + 32_200, 'backoff doubles');
  assert.ok(second !== undefined);

  now = timedOut.retryAt;
  refresher.handleTimeout(now);
  const third = refresher.pollTransmit(now);
  const nonce = openRequest(third.body).nonce;
  refresher.handleResponse(now, 200, 'text/plain', sealReply(nonce, sharingDocument()));
  const updated = refresher.pollEvent();
  assert.equal(updated.type, 'keysUpdated');
  assert.equal(updated.keySet.keyCount, 2);
  assert.equal(updated.keySet.encrypt(RAW_UID, { now }).status, 'SUCCESS');
  assert.equal(refresher.consecutiveFailures, 0);
  assert.equal(refresher.lastSuccess, now);
  const next = refresher.pollTimeout() - now;
  assert.ok(next >= 3_600_000 && next <= 3_900_000, `hourly plus jitter: ${next}`);
  updated.keySet.free();
  refresher.free();
});

test('decrypt reports the core status and the token fields', () => {
  const keys = uid2.KeySet.parse(sharingDocument());
  const { token } = keys.encrypt(RAW_UID, { now: NOW });
  const ok = keys.decrypt(token, { client: 'sharing', now: NOW });
  assert.equal(ok.status, 'SUCCESS');
  assert.equal(ok.uid, RAW_UID);
  assert.equal(ok.advertisingTokenVersion, 4);
  assert.equal(ok.identityScope, 'UID2');
  assert.equal(ok.identityType, 'EMAIL');
  assert.equal(ok.siteId, 9000);
  assert.equal(ok.established, NOW);
  assert.equal(ok.expiry, NOW + 2592000 * 1000);
  const late = keys.decrypt(token, { client: 'sharing', now: new Date(NOW + 2592001 * 1000) });
  assert.equal(late.status, 'EXPIRED_TOKEN');
  assert.equal(late.uid, null);
  assert.equal(late.expiry, NOW + 2592000 * 1000, 'the expiry of an expired token is reported');
  assert.equal(keys.decrypt(token.slice(0, 60), { client: 'sharing', now: NOW }).status, 'INVALID_PAYLOAD');
  assert.equal(uid2.decrypt(null, token, { client: 'sharing', now: NOW }).status, 'NOT_INITIALIZED');
  assert.equal(uid2.encrypt(null, RAW_UID, { now: NOW }).status, 'NOT_INITIALIZED');
  assert.throws(() => keys.decrypt(token, { client: 'dsp', now: NOW }), { code: 'INVALID_ARGUMENT' });
  assert.throws(() => keys.decrypt(token, { client: 'sharing', now: Number.NaN }), { name: 'Uid2Error', code: 'INVALID_ARGUMENT' });
  assert.throws(() => uid2.KeySet.parse('{"body":'), { name: 'Uid2Error', code: 'INVALID_KEY_SET' });
  keys.free();
});
