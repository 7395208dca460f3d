// uid2-rs-wasm: the uid2 Rust core compiled to WebAssembly, for Node (>= 20).
//
// This file only adapts JavaScript values to the WebAssembly exports (options objects, result
// objects, strings to bytes). Every protocol decision is taken by the Rust core.
'use strict';

const wasm = require('./wasm/uid2_wasm.js');

const {
  Credentials,
  IdentityMapV3Call,
  IdentityMapV3Input,
  IdentityMapV3Request,
  IdentityTokens,
  KeySet,
  SealedRequest,
  TokenGenerateCall,
  TokenGenerateRequest,
  TokenRefreshCall,
} = wasm;

const DECRYPT_STATUS = Object.freeze(wasm.__decryptStatusNames());
const ENCRYPT_STATUS = Object.freeze(wasm.__encryptStatusNames());
const CLIENT_TYPES = Object.freeze({ bidstream: 0, sharing: 1, legacy: 2 });
const SCOPES = ['UID2', 'EUID'];
const IDENTITY_TYPES = ['EMAIL', 'PHONE'];

// The result slots the WebAssembly side fills (see KeySet.__decrypt in the Rust source).
const out = new Float64Array(11);
const status = new Float64Array(1);
const encoder = new TextEncoder();

function invalidArgument(message) {
  const error = new TypeError(message);
  error.code = 'INVALID_ARGUMENT';
  return error;
}

/** Milliseconds since the Unix epoch from a number or a Date. */
function millis(value, what) {
  if (typeof value === 'number') return value;
  if (value instanceof Date) return value.getTime();
  throw invalidArgument(`${what} must be a number of milliseconds since the Unix epoch or a Date`);
}

/** Bytes from a Uint8Array, an ArrayBuffer (view) or a string (UTF-8). */
function bytes(value, what) {
  if (value instanceof Uint8Array) return { bytes: value, copied: false };
  if (typeof value === 'string') return { bytes: encoder.encode(value), copied: true };
  if (value instanceof ArrayBuffer) return { bytes: new Uint8Array(value), copied: false };
  if (ArrayBuffer.isView(value)) {
    return { bytes: new Uint8Array(value.buffer, value.byteOffset, value.byteLength), copied: false };
  }
  throw invalidArgument(`${what} must be a Uint8Array, an ArrayBuffer or a string`);
}

/** Runs `f` on the bytes of `value`; a copy made here is wiped afterwards. */
function withBytes(value, what, f) {
  const b = bytes(value, what);
  try {
    return f(b.bytes);
  } finally {
    if (b.copied) b.bytes.fill(0);
  }
}

function clientCode(client) {
  const code = CLIENT_TYPES[client];
  if (code === undefined) throw invalidArgument("client must be 'bidstream', 'sharing' or 'legacy'");
  return code;
}

function orNull(v) {
  return Number.isNaN(v) ? null : v;
}

/** The decryption result object from the slots and the raw UID. */
function decryptResult(uid) {
  const opened = !Number.isNaN(out[1]);
  const result = {
    status: DECRYPT_STATUS[out[0]],
    uid: null,
    advertisingTokenVersion: opened ? out[1] : null,
    identityScope: opened ? SCOPES[out[2]] : null,
    identityType: opened && !Number.isNaN(out[3]) ? IDENTITY_TYPES[out[3]] : null,
    established: orNull(out[4]),
    generated: orNull(out[5]),
    expiry: orNull(out[6]),
    siteId: orNull(out[7]),
    siteKeySiteId: orNull(out[8]),
    isClientSideGenerated: opened ? out[9] === 1 : null,
    isOptedOut: opened ? out[10] === 1 : null,
  };
  if (result.status === 'SUCCESS') result.uid = uid;
  return result;
}

function decryptOptions(options) {
  if (options === null || typeof options !== 'object') {
    throw invalidArgument('decrypt needs options: { client, domain, now }');
  }
  const domain = options.domain ?? null;
  if (domain !== null && typeof domain !== 'string') throw invalidArgument('domain must be a string or null');
  return {
    client: clientCode(options.client),
    hasDomain: domain !== null,
    domain: domain ?? '',
    now: millis(options.now, 'now'),
  };
}

/**
 * Decrypts a token with `keySet`, or with no key set (`null`: the core reports NOT_INITIALIZED).
 */
function decrypt(keySet, token, options) {
  if (typeof token !== 'string') throw invalidArgument('token must be a string');
  const o = decryptOptions(options);
  const uid = keySet === null || keySet === undefined
    ? wasm.__decryptWithoutKeys(token, o.client, o.hasDomain, o.domain, o.now, out)
    : keySet.__decrypt(token, o.client, o.hasDomain, o.domain, o.now, out);
  return decryptResult(uid);
}

/**
 * Encrypts a raw UID into a sharing token with `keySet`, or with no key set (`null`).
 */
function encrypt(keySet, rawUid, options) {
  if (typeof rawUid !== 'string') throw invalidArgument('rawUid must be a string');
  if (options === null || typeof options !== 'object') throw invalidArgument('encrypt needs options: { now }');
  const now = millis(options.now, 'now');
  const keysetId = options.keysetId ?? NaN;
  const token = keySet === null || keySet === undefined
    ? wasm.__encryptWithoutKeys(rawUid, now, status)
    : keySet.__encrypt(rawUid, now, keysetId, status);
  const name = ENCRYPT_STATUS[status[0]];
  return { status: name, token: name === 'SUCCESS' ? token : null };
}

KeySet.parse = function parse(document) {
  return withBytes(document, 'document', (b) => KeySet.__parse(b));
};
KeySet.prototype.decrypt = function keySetDecrypt(token, options) {
  return decrypt(this, token, options);
};
KeySet.prototype.encrypt = function keySetEncrypt(rawUid, options) {
  return encrypt(this, rawUid, options);
};

/** Seals `payload` for the operator endpoint `path`; see index.d.ts. */
function sealRequest(credentials, path, payload, options = {}) {
  const now = millis(options.now, 'now');
  const encoding = options.encoding ?? 'text';
  return withBytes(payload, 'payload', (b) => wasm.sealRequest(credentials, path, b, now, encoding));
}

/** Opens the reply to a sealed request; see index.d.ts. */
function openResponse(sealed, response) {
  return sealed.openResponse(response.status, response.contentType ?? null, bytes(response.body, 'body').bytes);
}

for (const Call of [SealedRequest, TokenGenerateCall, IdentityMapV3Call]) {
  const open = Call.prototype.openResponse;
  Call.prototype.openResponse = function openWithBody(statusCode, contentType, body) {
    return open.call(this, statusCode, contentType ?? null, bytes(body, 'body').bytes);
  };
}
{
  const open = TokenRefreshCall.prototype.openResponse;
  TokenRefreshCall.prototype.openResponse = function openRefresh(statusCode, contentType, body, now) {
    return open.call(this, statusCode, contentType ?? null, bytes(body, 'body').bytes, millis(now, 'now'));
  };
}

{
  const refreshRequest = IdentityTokens.prototype.refreshRequest;
  IdentityTokens.prototype.refreshRequest = function refresh(credentials) {
    return credentials === undefined || credentials === null
      ? this.refreshRequestWithoutApiKey()
      : refreshRequest.call(this, credentials);
  };
}

{
  const intoBatches = IdentityMapV3Input.prototype.intoBatches;
  IdentityMapV3Input.prototype.intoBatches = function batches(limits = {}) {
    return intoBatches.call(this, limits.maxItems ?? NaN, limits.maxBodyBytes ?? NaN);
  };
}

/** The key-refresh state machine; see index.d.ts. */
class KeyRefresher extends wasm.KeyRefresher {
  constructor(endpoint, credentials, now, config = {}) {
    super(
      endpoint,
      credentials,
      millis(now, 'now'),
      config.refreshInterval ?? NaN,
      config.maxJitter ?? NaN,
      config.initialBackoff ?? NaN,
      config.maxBackoff ?? NaN,
      config.responseTimeout ?? NaN,
    );
  }

  handleResponse(now, statusCode, contentType, body) {
    super.handleResponse(now, statusCode, contentType ?? null, bytes(body, 'body').bytes);
  }
}

module.exports = {
  Credentials,
  IdentityMapV3Call,
  IdentityMapV3Input,
  IdentityMapV3Request,
  IdentityTokens,
  KeyRefresher,
  KeySet,
  SealedRequest,
  TokenGenerateCall,
  TokenGenerateRequest,
  TokenRefreshCall,
  decrypt,
  encrypt,
  sealRequest,
  openResponse,
  normalizeEmail: wasm.normalizeEmail,
  hashEmail: wasm.hashEmail,
  normalizePhone: wasm.normalizePhone,
  hashPhone: wasm.hashPhone,
  isRetryableStatus: wasm.isRetryableStatus,
  retryBackoffMillis: wasm.retryBackoffMillis,
  retryMaxAttempts: wasm.retryMaxAttempts,
  DECRYPT_STATUSES: DECRYPT_STATUS,
  ENCRYPT_STATUSES: ENCRYPT_STATUS,
};
