// Types of uid2-rs-wasm/client: operator clients for Node over fetch.
import type {
  DecryptResult,
  EncryptResult,
  IdentityMapV3Input,
  IdentityMapV3Response,
  IdentityTokens,
  KeyRefreshConfig,
  KeySet,
  TokenGenerateRequest,
  TokenResponse,
} from './index';

export interface ClientConfig {
  /** e.g. 'https://operator-integ.uidapi.com' */
  baseUrl: string;
  apiKey: string;
  /** The client secret (base64). */
  secretKey: string;
  /** Per call, connection included (default 30,000 ms). */
  timeoutMs?: number;
  /** The fetch to use (default globalThis.fetch). */
  fetch?: typeof fetch;
}

export interface KeyClientConfig extends ClientConfig {
  /** The key-refresh schedule (the core's defaults: hourly, backoff from 1 s to 5 min). */
  keyRefresh?: KeyRefreshConfig;
}

/**
 * Errors of the clients: the core's Uid2Error codes, plus 'TRANSPORT' (the request could not be
 * completed; `cause` says why), 'TIMEOUT' and 'CLOSED'.
 */
export interface ClientError extends Error {
  code: string;
  httpStatus?: number;
  operatorStatus?: string;
}

declare class KeyRole {
  /** Waits for a key-set fetch that completes after this call (the first one, or one started now). */
  refresh(): Promise<void>;
  /** The current key set, or null before the first successful refresh. */
  keySet(): KeySet | null;
  consecutiveRefreshFailures(): number;
  lastRefreshSuccess(): number | undefined;
  /** How old the current key set is, in ms. */
  keySetAge(): number | undefined;
  /** Stops the refresh timer; zeroizes the key set and the credentials. */
  close(): void;
}

/** A DSP's client: keys from /v2/key/bidstream, refreshed in the background (unref'd timers). */
export class BidstreamClient extends KeyRole {
  constructor(config: KeyClientConfig);
  decryptTokenIntoRawUid(token: string, domainOrAppName?: string | null, now?: number): DecryptResult;
}

/** A sharing participant's client: keys from /v2/key/sharing. */
export class SharingClient extends KeyRole {
  constructor(config: KeyClientConfig);
  decryptTokenIntoRawUid(token: string, now?: number): DecryptResult;
  encryptRawUidIntoToken(rawUid: string, now?: number): EncryptResult;
}

export type GenerateInput =
  | TokenGenerateRequest
  | ({ email: string } | { phone: string } | { emailHash: string } | { phoneHash: string }) & {
      tcfConsentString?: string;
    };

/** A publisher's client: /v2/token/generate and /v2/token/refresh. */
export class PublisherClient {
  constructor(config: ClientConfig);
  /** Consumes (frees) a TokenGenerateRequest. */
  generateToken(request: GenerateInput): Promise<TokenResponse>;
  /** `identity`: the stored identity JSON, or an IdentityTokens. */
  refreshToken(identity: string | IdentityTokens): Promise<TokenResponse>;
  close(): void;
}

/** An advertiser's or data provider's client: /v3/identity/map. */
export class IdentityMapV3Client {
  /**
   * `maxInFlight`: batches sent at once by mapBulk (default 20). `sleep`: how to wait before a
   * retry (default: a timer), e.g. a simulated clock in tests.
   */
  constructor(config: ClientConfig & { maxInFlight?: number; sleep?: (ms: number) => Promise<void> });
  /** One request, no retry; empties `input`. */
  map(input: IdentityMapV3Input): Promise<IdentityMapV3Response>;
  /** Batches, up to maxInFlight (20) at once, retries with backoff, merged in input order; empties `input`. */
  mapBulk(input: IdentityMapV3Input): Promise<IdentityMapV3Response>;
  close(): void;
}
