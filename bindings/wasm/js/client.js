// uid2-rs-wasm/client: operator clients for Node, over fetch, with no dependencies.
//
// The same role clients and method names as the Rust adapters (uid2-tokio, uid2-blocking), in
// camelCase. This file is transport only: it sends what the WebAssembly core builds, hands the
// replies back to it, and keeps the timers of key refresh. Requests, envelopes, statuses, the
// refresh schedule and the retry backoff are the core's.
'use strict';

const uid2 = require('./index.js');

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_IN_FLIGHT = 20;
/** setTimeout's longest delay. */
const MAX_TIMER_MS = 2 ** 31 - 1;

function clientError(code, message, cause) {
  const error = new Error(message, cause === undefined ? undefined : { cause });
  error.name = 'Uid2Error';
  error.code = code;
  return error;
}

function randomU32() {
  return crypto.getRandomValues(new Uint32Array(1))[0];
}

function delay(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The configuration and transport a client's calls share. */
class Operator {
  constructor(config) {
    if (config === null || typeof config !== 'object') {
      throw new TypeError('config must be { baseUrl, apiKey, secretKey }');
    }
    const { baseUrl, apiKey, secretKey } = config;
    if (typeof baseUrl !== 'string' || !/^https?:\/\//.test(baseUrl)) {
      throw new TypeError('config.baseUrl must be an http(s) URL');
    }
    this.baseUrl = baseUrl.endsWith('/') ? baseUrl.slice(0, -1) : baseUrl;
    this.credentials = new uid2.Credentials(apiKey, secretKey);
    this.timeoutMs = config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.fetch = config.fetch ?? globalThis.fetch;
    this.closed = false;
  }

  /** POSTs a request the core built; resolves to `{ status, contentType, body }`. */
  async send(request, signal) {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signals = signal === undefined ? timeout : AbortSignal.any([timeout, signal]);
    let response;
    let body;
    try {
      response = await this.fetch(this.baseUrl + request.path, {
        method: request.method,
        headers: request.headers,
        body: request.body,
        signal: signals,
      });
      body = new Uint8Array(await response.arrayBuffer());
    } catch (e) {
      if (timeout.aborted) throw clientError('TIMEOUT', `no reply within ${this.timeoutMs} ms`, e);
      throw clientError('TRANSPORT', 'the request could not be completed', e);
    }
    return { status: response.status, contentType: response.headers.get('content-type'), body };
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    this.credentials.free();
  }
}

/** Whether an error of `Operator.send` or of the core is worth retrying. */
function isRetryable(error) {
  if (error.code === 'TRANSPORT' || error.code === 'TIMEOUT') return true;
  return error.code === 'HTTP_STATUS' && uid2.isRetryableStatus(error.httpStatus);
}

/**
 * Drives the core's KeyRefresher with fetch and timers, and holds the current key set.
 * Timers are unref'd: a client does not keep the process alive. close() stops it.
 */
class KeyClient {
  constructor(endpoint, operator, config) {
    this.operator = operator;
    this.refresher = new uid2.KeyRefresher(endpoint, operator.credentials, Date.now(), config.keyRefresh ?? {});
    this.keySet = null;
    this.lastError = null;
    this.waiters = [];
    this.timer = null;
    this.inFlight = null; // { controller } of the request out
    this.closed = false;
    this.schedule();
  }

  schedule() {
    if (this.closed) return;
    clearTimeout(this.timer);
    const at = this.refresher.pollTimeout();
    if (at === undefined) return;
    const wait = Math.min(Math.max(0, at - Date.now()), MAX_TIMER_MS);
    this.timer = setTimeout(() => this.tick(), wait);
    this.timer.unref?.();
  }

  tick() {
    if (this.closed) return;
    const now = Date.now();
    this.refresher.handleTimeout(now);
    if (this.inFlight !== null && !this.refresher.isInFlight) {
      // The core gave up on the request out (its response timeout): abandon it.
      this.inFlight.controller.abort();
      this.inFlight = null;
    }
    let request;
    try {
      request = this.refresher.pollTransmit(now);
    } catch {
      // The attempt failed to seal; the core queued a refreshFailed event.
    }
    if (request !== undefined) this.transmit(request);
    this.drain();
    this.schedule();
  }

  async transmit(request) {
    const mine = { controller: new AbortController() };
    this.inFlight = mine;
    let reply;
    let failed = false;
    try {
      reply = await this.operator.send(request, mine.controller.signal);
    } catch {
      failed = true;
    }
    if (this.closed || this.inFlight !== mine) return; // abandoned meanwhile
    this.inFlight = null;
    if (failed) {
      this.refresher.handleTransportError(Date.now());
    } else {
      this.refresher.handleResponse(Date.now(), reply.status, reply.contentType, reply.body);
      reply.body.fill(0); // the key set, now parsed inside WebAssembly
    }
    this.drain();
    this.schedule();
  }

  drain() {
    for (let event = this.refresher.pollEvent(); event !== undefined; event = this.refresher.pollEvent()) {
      if (event.type === 'keysUpdated') {
        const previous = this.keySet;
        this.keySet = event.keySet;
        this.lastError = null;
        previous?.free();
        this.settle(null);
      } else if (event.type === 'refreshFailed') {
        this.lastError = event.error;
        this.settle(event.error);
      }
    }
  }

  settle(error) {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) {
      if (error === null) w.resolve();
      else w.reject(error);
    }
  }

  /** Resolves when a fetch that completes after this call succeeds; rejects when it fails. */
  refresh() {
    if (this.closed) return Promise.reject(clientError('CLOSED', 'the client is closed'));
    const settled = new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
    if (!this.refresher.isInFlight && this.refresher.requestRefresh(Date.now())) {
      clearTimeout(this.timer);
      this.tick();
    }
    return settled;
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    this.inFlight?.controller.abort();
    this.settle(clientError('CLOSED', 'the client is closed'));
    this.keySet?.free();
    this.keySet = null;
    this.refresher.free();
  }
}

/** What the bidstream and sharing clients share: the key set and its refresh. */
class KeyRole {
  #operator;
  #keys;

  constructor(endpoint, config) {
    this.#operator = new Operator(config);
    this.#keys = new KeyClient(endpoint, this.#operator, config);
  }

  /**
   * Waits for a key-set fetch that completes after this call: the first one, which starts with
   * the client, or one started now. Rejects with the refresh error (the previous key set, if
   * any, stays in use).
   */
  refresh() {
    return this.#keys.refresh();
  }

  /** The current key set, or null before the first successful refresh. */
  keySet() {
    return this.#keys.keySet;
  }

  /** Failed refreshes since the last success. */
  consecutiveRefreshFailures() {
    return this.#keys.refresher.consecutiveFailures;
  }

  /** When the last successful refresh completed (ms), or undefined. */
  lastRefreshSuccess() {
    return this.#keys.refresher.lastSuccess;
  }

  /** How old the current key set is (ms), or undefined before the first success. */
  keySetAge() {
    return this.#keys.refresher.keySetAgeMillis(Date.now());
  }

  /** Stops the refresh timer and zeroizes the key set and the credentials. */
  close() {
    this.#keys.close();
    this.#operator.close();
  }
}

/** Decrypts UID2/EUID tokens from bid requests (`/v2/key/bidstream` keys, refreshed hourly). */
class BidstreamClient extends KeyRole {
  constructor(config) {
    super('bidstream', config);
  }

  /**
   * Decrypts a bid request's token; `domainOrAppName` is the request's site domain or app
   * name (null when it has none). Returns the decryption result with its official status.
   */
  decryptTokenIntoRawUid(token, domainOrAppName = null, now = Date.now()) {
    return uid2.decrypt(this.keySet(), token, { client: 'bidstream', domain: domainOrAppName, now });
  }
}

/** Encrypts raw UID2s into sharing tokens and decrypts them (`/v2/key/sharing` keys). */
class SharingClient extends KeyRole {
  constructor(config) {
    super('sharing', config);
  }

  /** Decrypts a sharing token. */
  decryptTokenIntoRawUid(token, now = Date.now()) {
    return uid2.decrypt(this.keySet(), token, { client: 'sharing', now });
  }

  /** Encrypts a raw UID2 into a sharing token (nonces from crypto.getRandomValues). */
  encryptRawUidIntoToken(rawUid, now = Date.now()) {
    return uid2.encrypt(this.keySet(), rawUid, { now });
  }
}

/** A TokenGenerateRequest from `{ email | phone | emailHash | phoneHash, tcfConsentString? }`. */
function generateRequest(request) {
  if (request instanceof uid2.TokenGenerateRequest) return request;
  if (request === null || typeof request !== 'object') {
    throw new TypeError('request must be a TokenGenerateRequest or { email | phone | emailHash | phoneHash }');
  }
  let r;
  if (request.email !== undefined) r = uid2.TokenGenerateRequest.fromEmail(request.email);
  else if (request.phone !== undefined) r = uid2.TokenGenerateRequest.fromPhone(request.phone);
  else if (request.emailHash !== undefined) r = uid2.TokenGenerateRequest.fromHashedEmail(request.emailHash);
  else if (request.phoneHash !== undefined) r = uid2.TokenGenerateRequest.fromHashedPhone(request.phoneHash);
  else throw new TypeError('request needs one of email, phone, emailHash, phoneHash');
  return request.tcfConsentString === undefined ? r : r.withTcfConsentString(request.tcfConsentString);
}

/** Generates identities (`/v2/token/generate`) and refreshes them (`/v2/token/refresh`). */
class PublisherClient {
  #operator;

  constructor(config) {
    this.#operator = new Operator(config);
  }

  /** Generates an identity; consumes (frees) the request. Resolves to a TokenResponse. */
  async generateToken(request) {
    const r = generateRequest(request);
    let call;
    try {
      call = r.seal(this.#operator.credentials, Date.now());
    } finally {
      r.free();
    }
    try {
      const reply = await this.#operator.send(call.request);
      return call.openResponse(reply.status, reply.contentType, reply.body);
    } finally {
      call.free();
    }
  }

  /**
   * Exchanges an identity's refresh token for a new identity. `identity` is the stored
   * identity JSON (TokenResponse.identityJsonString) or an IdentityTokens. Rejects with
   * HTTP_STATUS (operatorStatus 'expired_token' or 'invalid_token': drop the identity).
   */
  async refreshToken(identity) {
    const owned = typeof identity === 'string';
    const tokens = owned ? uid2.IdentityTokens.fromJson(identity) : identity;
    let call;
    try {
      call = tokens.refreshRequest(this.#operator.credentials);
    } finally {
      if (owned) tokens.free();
    }
    try {
      const reply = await this.#operator.send(call.request);
      return call.openResponse(reply.status, reply.contentType, reply.body, Date.now());
    } finally {
      call.free();
    }
  }

  /** Zeroizes the credentials. */
  close() {
    this.#operator.close();
  }
}

/** Maps emails, phone numbers and their hashes to raw UID2s (`/v3/identity/map`). */
class IdentityMapV3Client {
  #operator;
  #maxInFlight;
  #sleep;

  constructor(config) {
    this.#operator = new Operator(config);
    this.#maxInFlight = Math.max(1, config.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT);
    this.#sleep = config.sleep ?? delay;
  }

  /** Maps every identity of `input` (an IdentityMapV3Input, emptied) in one request, no retry. */
  async map(input) {
    const request = input.intoRequest();
    try {
      return await this.#send(request);
    } finally {
      request.free();
    }
  }

  /**
   * Maps any number of identities: the core splits them into batches within the operator's
   * limits; up to `maxInFlight` (20) are sent at once; 429, 5xx, timeouts and connection
   * failures are retried with the core's jittered backoff; results are merged in input order.
   * Rejects with the error of the first batch (in input order) that failed for good.
   */
  async mapBulk(input) {
    const batches = input.intoBatches();
    const results = new Array(batches.length);
    const errors = new Array(batches.length);
    const cancel = new AbortController();
    let next = 0;
    const worker = async () => {
      while (next < batches.length && !cancel.signal.aborted) {
        const i = next++;
        try {
          results[i] = await this.#withRetries(batches[i], cancel.signal);
        } catch (e) {
          errors[i] = e;
          cancel.abort();
        }
      }
    };
    try {
      const workers = Math.min(this.#maxInFlight, Math.max(1, batches.length));
      await Promise.all(Array.from({ length: workers }, worker));
    } finally {
      for (const b of batches) b.free();
    }
    const failure = errors.find((e) => e !== undefined);
    if (failure !== undefined) throw failure;
    const merged = { mapped: new Map(), unmapped: new Map() };
    for (const r of results) {
      for (const [k, v] of r.mapped) merged.mapped.set(k, v);
      for (const [k, v] of r.unmapped) merged.unmapped.set(k, v);
    }
    return merged;
  }

  async #withRetries(request, signal) {
    const attempts = uid2.retryMaxAttempts();
    for (let done = 1; ; done++) {
      try {
        // `signal` only stops retries: a request already out is let finish.
        return await this.#send(request);
      } catch (e) {
        if (done >= attempts || !isRetryable(e) || signal.aborted) throw e;
        await this.#sleep(uid2.retryBackoffMillis(done, randomU32()));
        if (signal.aborted) throw e;
      }
    }
  }

  async #send(request) {
    const call = request.seal(this.#operator.credentials, Date.now());
    try {
      const reply = await this.#operator.send(call.request);
      return call.openResponse(reply.status, reply.contentType, reply.body);
    } finally {
      call.free();
    }
  }

  /** Zeroizes the credentials. */
  close() {
    this.#operator.close();
  }
}

module.exports = {
  BidstreamClient,
  SharingClient,
  PublisherClient,
  IdentityMapV3Client,
};
