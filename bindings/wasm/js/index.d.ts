// Types of uid2-rs-wasm: the uid2 Rust core compiled to WebAssembly.
//
// Times are numbers of milliseconds since the Unix epoch (a Date is accepted where `now` is an
// option). Objects that hold secrets (KeySet, Credentials, IdentityTokens, KeyRefresher) live
// in WebAssembly memory: call free() when done to zeroize them (the garbage collector frees
// them too, later).

/** The official decryption statuses. */
export type DecryptStatus =
  | 'SUCCESS'
  | 'NOT_INITIALIZED'
  | 'KEYS_NOT_SYNCED'
  | 'INVALID_PAYLOAD'
  | 'VERSION_NOT_SUPPORTED'
  | 'INVALID_IDENTITY_SCOPE'
  | 'NOT_AUTHORIZED_FOR_MASTER_KEY'
  | 'NOT_AUTHORIZED_FOR_KEY'
  | 'EXPIRED_TOKEN'
  | 'INVALID_TOKEN_LIFETIME'
  | 'DOMAIN_OR_APP_NAME_CHECK_FAILED';

/** The official encryption statuses. */
export type EncryptStatus =
  | 'SUCCESS'
  | 'NOT_INITIALIZED'
  | 'KEYS_NOT_SYNCED'
  | 'NOT_AUTHORIZED_FOR_MASTER_KEY'
  | 'NOT_AUTHORIZED_FOR_KEY'
  | 'ENCRYPTION_FAILURE';

/** Which checks apply: bid requests, sharing, or the deprecated general-purpose client. */
export type ClientType = 'bidstream' | 'sharing' | 'legacy';

export type Time = number | Date;

export interface DecryptOptions {
  client: ClientType;
  /** The bid request's site domain or app name (checked for client-side generated tokens). */
  domain?: string | null;
  now: Time;
}

/**
 * The outcome of a decryption. `uid` is set only on SUCCESS; the token's fields are set
 * whenever the token opened (also for EXPIRED_TOKEN, INVALID_TOKEN_LIFETIME and
 * DOMAIN_OR_APP_NAME_CHECK_FAILED), else null.
 */
export interface DecryptResult {
  status: DecryptStatus;
  uid: string | null;
  advertisingTokenVersion: 2 | 3 | 4 | null;
  identityScope: 'UID2' | 'EUID' | null;
  identityType: 'EMAIL' | 'PHONE' | null;
  established: number | null;
  generated: number | null;
  expiry: number | null;
  siteId: number | null;
  siteKeySiteId: number | null;
  isClientSideGenerated: boolean | null;
  /** Privacy bit 2: a client-side generated token for an identity that opted out. */
  isOptedOut: boolean | null;
}

export interface EncryptOptions {
  now: Time;
  /** Encrypt the site layer with this keyset's active key instead of the default keyset's. */
  keysetId?: number;
}

export interface EncryptResult {
  status: EncryptStatus;
  /** The v4 sharing token, set only on SUCCESS. */
  token: string | null;
}

/** A key set from `/v2/key/bidstream` or `/v2/key/sharing`. Its keys never leave WebAssembly memory. */
export class KeySet {
  private constructor();
  /**
   * Parses a decrypted key-set document (`{"body": {...}, "status": "success"}`). A copy made
   * from a string is wiped afterwards; wipe your own bytes if you keep them.
   * @throws Uid2Error INVALID_KEY_SET
   */
  static parse(document: Uint8Array | ArrayBuffer | string): KeySet;
  decrypt(token: string, options: DecryptOptions): DecryptResult;
  /** Encrypts a raw UID into a v4 sharing token; nonces come from crypto.getRandomValues. */
  encrypt(rawUid: string, options: EncryptOptions): EncryptResult;
  isValid(now: number): boolean;
  readonly identityScope: 'UID2' | 'EUID';
  readonly keyCount: number;
  readonly callerSiteId: number | undefined;
  readonly latestExpiry: number | undefined;
  /** Drops the key set and zeroizes its keys. */
  free(): void;
}

/** Decrypts with `keySet`, or with none (`null`: NOT_INITIALIZED, as the core reports it). */
export function decrypt(keySet: KeySet | null, token: string, options: DecryptOptions): DecryptResult;
/** Encrypts with `keySet`, or with none (`null`: NOT_INITIALIZED). */
export function encrypt(keySet: KeySet | null, rawUid: string, options: EncryptOptions): EncryptResult;

export type Uid2ErrorCode =
  | 'INVALID_KEY_SET'
  | 'INVALID_CREDENTIALS'
  | 'INVALID_EMAIL'
  | 'INVALID_PHONE'
  | 'INVALID_HASH'
  | 'INVALID_IDENTITY'
  | 'HTTP_STATUS'
  | 'DECRYPT_FAILED'
  | 'NONCE_MISMATCH'
  | 'RESPONSE_STATUS'
  | 'RESPONSE_MALFORMED'
  | 'INVALID_REFRESHED_IDENTITY'
  | 'ENVELOPE'
  | 'BATCH'
  | 'KEY_REFRESH'
  | 'INVALID_ARGUMENT';

/** Every error this package throws: an Error named 'Uid2Error' (or a TypeError for bad arguments). */
export interface Uid2Error extends Error {
  code: Uid2ErrorCode;
  /** For HTTP_STATUS: the HTTP status. */
  httpStatus?: number;
  /** For HTTP_STATUS: the operator's `status` member (e.g. 'expired_token', 'unauthorized'). */
  operatorStatus?: string;
}

/** An operator account's API key and client secret, kept in WebAssembly memory. */
export class Credentials {
  /** @throws Uid2Error INVALID_CREDENTIALS */
  constructor(apiKey: string, secretBase64: string);
  free(): void;
}

/** What to send: a POST of `body` to the base URL followed by `path`, with `headers`. */
export interface OperatorRequest {
  method: 'POST';
  path: string;
  /** Authorization (the API key), X-UID2-Client-Version and Content-Type. */
  headers: [string, string][];
  body: Uint8Array;
}

/** The reply as the transport received it. */
export interface OperatorReply {
  status: number;
  contentType?: string | null;
  body: Uint8Array | ArrayBuffer | string;
}

export interface OpenedResponse {
  /** The operator's timestamp (informative). */
  serverTime: number;
  /** The decrypted JSON document, e.g. `{"status":"success","body":{...}}`. */
  document: Uint8Array;
}

/** A sealed request; its reply can be opened once, and only by it. */
export class SealedRequest {
  private constructor();
  readonly request: OperatorRequest;
  /** @throws Uid2Error HTTP_STATUS, DECRYPT_FAILED, NONCE_MISMATCH, INVALID_ARGUMENT (opened twice) */
  openResponse(status: number, contentType: string | null | undefined, body: Uint8Array | ArrayBuffer | string): OpenedResponse;
  free(): void;
}

export type OperatorPath =
  | '/v2/token/generate'
  | '/v3/identity/map'
  | '/v2/identity/map'
  | '/v2/identity/buckets'
  | '/v2/optout/status'
  | '/v2/key/bidstream'
  | '/v2/key/sharing';

/**
 * Seals a JSON payload for an operator endpoint (the v2 envelope: AES-256-GCM under the client
 * secret, IV and nonce from crypto.getRandomValues).
 */
export function sealRequest(
  credentials: Credentials,
  path: OperatorPath,
  payload: Uint8Array | string,
  options: { now: Time; encoding?: 'text' | 'binary' },
): SealedRequest;
/** Opens the reply to `sealed`: `sealed.openResponse(reply.status, reply.contentType, reply.body)`. */
export function openResponse(sealed: SealedRequest, reply: OperatorReply): OpenedResponse;

/** The normalized email (the text the operator hashes). @throws Uid2Error INVALID_EMAIL */
export function normalizeEmail(email: string): string;
/** Base64 SHA-256 of the normalized email (`email_hash`). @throws Uid2Error INVALID_EMAIL */
export function hashEmail(email: string): string;
/** The phone number, checked to be '+' and 10 to 15 digits. @throws Uid2Error INVALID_PHONE */
export function normalizePhone(phone: string): string;
/** Base64 SHA-256 of the phone number (`phone_hash`). @throws Uid2Error INVALID_PHONE */
export function hashPhone(phone: string): string;

export interface Identity {
  advertisingToken: string;
  refreshToken: string;
  identityExpires: number;
  refreshExpires: number;
  refreshFrom: number;
}

export interface TokenResponse {
  status: 'success' | 'optout';
  /** The new identity (null on opt-out: remove the stored identity). */
  identity: Identity | null;
  /** The identity JSON to store in the session (null on opt-out). */
  identityJsonString: string | null;
}

/** A `/v2/token/generate` request. Emails and phones are normalized and hashed in WebAssembly. */
export class TokenGenerateRequest {
  private constructor();
  static fromEmail(email: string): TokenGenerateRequest;
  static fromPhone(phone: string): TokenGenerateRequest;
  /** @throws Uid2Error INVALID_HASH unless the text is a SHA-256 hash (44 base64 characters or 64 hex digits) */
  static fromHashedEmail(hash: string): TokenGenerateRequest;
  /** @throws Uid2Error INVALID_HASH unless the text is a SHA-256 hash (44 base64 characters or 64 hex digits) */
  static fromHashedPhone(hash: string): TokenGenerateRequest;
  /** Returns a new request with the consent string; this one is consumed. */
  withTcfConsentString(consent: string): TokenGenerateRequest;
  seal(credentials: Credentials, now: number): TokenGenerateCall;
  free(): void;
}

export class TokenGenerateCall {
  private constructor();
  readonly request: OperatorRequest;
  openResponse(status: number, contentType: string | null | undefined, body: Uint8Array | ArrayBuffer | string): TokenResponse;
  free(): void;
}

/** An identity as stored in a session; its refresh response key stays in WebAssembly memory. */
export class IdentityTokens {
  private constructor();
  /** @throws Uid2Error INVALID_IDENTITY */
  static fromJson(json: string): IdentityTokens;
  readonly advertisingToken: string;
  readonly identityExpires: number;
  readonly refreshExpires: number;
  readonly refreshFrom: number;
  isRefreshable(now: number): boolean;
  isDueForRefresh(now: number): boolean;
  hasIdentityExpired(now: number): boolean;
  /** The `/v2/token/refresh` request (with the API key when `credentials` is given). */
  refreshRequest(credentials?: Credentials | null): TokenRefreshCall;
  free(): void;
}

export class TokenRefreshCall {
  private constructor();
  readonly request: OperatorRequest;
  /** @throws Uid2Error HTTP_STATUS (operatorStatus 'expired_token' / 'invalid_token': drop the identity) */
  openResponse(status: number, contentType: string | null | undefined, body: Uint8Array | ArrayBuffer | string, now: Time): TokenResponse;
  free(): void;
}

export interface MappedIdentity {
  currentRawUid: string;
  previousRawUid: string | null;
  refreshFrom: number;
}

export interface UnmappedIdentity {
  reason: 'OPTOUT' | 'INVALID_IDENTIFIER' | 'UNKNOWN';
  rawReason: string;
}

/** Results keyed by the inputs exactly as given. */
export interface IdentityMapV3Response {
  mapped: Map<string, MappedIdentity>;
  unmapped: Map<string, UnmappedIdentity>;
}

/** Identities to map with `/v3/identity/map`, in order. */
export class IdentityMapV3Input {
  constructor();
  /** @throws Uid2Error INVALID_EMAIL */
  addEmail(email: string): void;
  /** @throws Uid2Error INVALID_PHONE */
  addPhone(phone: string): void;
  /** @throws Uid2Error INVALID_HASH unless the text is a SHA-256 hash (44 base64 characters or 64 hex digits) */
  addEmailHash(hash: string): void;
  /** @throws Uid2Error INVALID_HASH unless the text is a SHA-256 hash (44 base64 characters or 64 hex digits) */
  addPhoneHash(hash: string): void;
  readonly length: number;
  /** Takes every identity into one request. */
  intoRequest(): IdentityMapV3Request;
  /** Takes every identity and splits them into requests within the operator's limits. */
  intoBatches(limits?: { maxItems?: number; maxBodyBytes?: number }): IdentityMapV3Request[];
  free(): void;
}

export class IdentityMapV3Request {
  private constructor();
  readonly length: number;
  /** Seals (again, for a retry) with a fresh IV and nonce. */
  seal(credentials: Credentials, now: number): IdentityMapV3Call;
  parseResponse(document: Uint8Array): IdentityMapV3Response;
  free(): void;
}

export class IdentityMapV3Call {
  private constructor();
  readonly request: OperatorRequest;
  openResponse(status: number, contentType: string | null | undefined, body: Uint8Array | ArrayBuffer | string): IdentityMapV3Response;
  free(): void;
}

export interface KeyRefreshConfig {
  /** Between successful refreshes (default 3,600,000 ms). */
  refreshInterval?: number;
  /** Random delay added to each scheduled refresh, at most (default 300,000 ms). */
  maxJitter?: number;
  /** First retry delay after a failure, doubling (default 1,000 ms). */
  initialBackoff?: number;
  /** Longest retry delay (default 300,000 ms). */
  maxBackoff?: number;
  /** A request unanswered this long fails (default 30,000 ms). */
  responseTimeout?: number;
}

export type RefreshEvent =
  | { type: 'keysUpdated'; keySet: KeySet }
  | { type: 'refreshFailed'; error: Uid2Error; consecutiveFailures: number; retryAt: number };

/**
 * The core's key-refresh schedule as a state machine: JavaScript does the fetch and the timers.
 * Wait until pollTimeout(), call handleTimeout(now), send what pollTransmit(now) returns and
 * feed the outcome to handleResponse / handleTransportError, then drain pollEvent().
 */
export class KeyRefresher {
  constructor(endpoint: 'bidstream' | 'sharing', credentials: Credentials, now: Time, config?: KeyRefreshConfig);
  readonly endpoint: 'bidstream' | 'sharing';
  pollTimeout(): number | undefined;
  handleTimeout(now: number): void;
  /** @throws Uid2Error ENVELOPE when the request cannot be sealed (an event reports it too) */
  pollTransmit(now: number): OperatorRequest | undefined;
  handleResponse(now: number, status: number, contentType: string | null | undefined, body: Uint8Array | ArrayBuffer | string): void;
  handleTransportError(now: number): void;
  requestRefresh(now: number): boolean;
  /** The next event; a keysUpdated event hands the new KeySet over (free it when replaced). */
  pollEvent(): RefreshEvent | undefined;
  readonly isInFlight: boolean;
  readonly lastSuccess: number | undefined;
  readonly consecutiveFailures: number;
  readonly keysExpireAt: number | undefined;
  keySetAgeMillis(now: number): number | undefined;
  free(): void;
}

/** Whether an operator reply's HTTP status is worth retrying (429 and 5xx). */
export function isRetryableStatus(status: number): boolean;
/** The delay in ms before retry `retry` (1 = first) under the default policy, given a random u32. */
export function retryBackoffMillis(retry: number, random: number): number;
/** Attempts in all under the default retry policy. */
export function retryMaxAttempts(): number;

export const DECRYPT_STATUSES: readonly DecryptStatus[];
export const ENCRYPT_STATUSES: readonly EncryptStatus[];
