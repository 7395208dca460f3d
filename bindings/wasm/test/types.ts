// Type-checked (tsc --strict, not run) against the installed package by .ci/wasm: the
// declarations accept the documented usage and reject misuse.
import {
  Credentials,
  DecryptResult,
  EncryptResult,
  IdentityMapV3Input,
  IdentityMapV3Response,
  KeyRefresher,
  KeySet,
  RefreshEvent,
  TokenGenerateRequest,
  TokenResponse,
  Uid2Error,
  decrypt,
  hashEmail,
  openResponse,
  sealRequest,
} from 'uid2-rs-wasm';
import { BidstreamClient, IdentityMapV3Client, PublisherClient, SharingClient } from 'uid2-rs-wasm/client';

declare const document: Uint8Array;
declare const token: string;

const keys: KeySet = KeySet.parse(document);
const result: DecryptResult = keys.decrypt(token, { client: 'bidstream', domain: 'example.com', now: Date.now() });
const uid: string | null = result.status === 'SUCCESS' ? result.uid : null;
const none: DecryptResult = decrypt(null, token, { client: 'sharing', now: new Date() });
const shared: EncryptResult = keys.encrypt('raw', { now: 0, keysetId: 5 });
// @ts-expect-error: an unknown client type
keys.decrypt(token, { client: 'dsp', now: 0 });
// @ts-expect-error: `now` is required
keys.decrypt(token, { client: 'bidstream' });
keys.free();

const credentials = new Credentials('key', 'secret');
const sealed = sealRequest(credentials, '/v3/identity/map', '{}', { now: 0, encoding: 'binary' });
const headers: [string, string][] = sealed.request.headers;
const opened = openResponse(sealed, { status: 200, contentType: null, body: new Uint8Array() });
const doc: Uint8Array = opened.document;
// @ts-expect-error: not an enveloped endpoint
sealRequest(credentials, '/v2/token/refresh', '{}', { now: 0 });

const generate = TokenGenerateRequest.fromEmail('user@example.com').seal(credentials, 0);
const tokens: TokenResponse = generate.openResponse(200, 'text/plain', doc);
const json: string | null = tokens.identityJsonString;

const refresher = new KeyRefresher('bidstream', credentials, 0, { refreshInterval: 60_000 });
const event: RefreshEvent | undefined = refresher.pollEvent();
if (event?.type === 'keysUpdated') event.keySet.free();
if (event?.type === 'refreshFailed') {
  const e: Uid2Error = event.error;
  const when: number = event.retryAt;
  void e;
  void when;
}

const input = new IdentityMapV3Input();
input.addEmail('user@example.com');
const batches = input.intoBatches({ maxItems: 100 });
const mapped: IdentityMapV3Response = batches[0].seal(credentials, 0).openResponse(200, null, doc);
const current: string | undefined = mapped.mapped.get('user@example.com')?.currentRawUid;

async function clients(): Promise<void> {
  const config = { baseUrl: 'https://operator-integ.uidapi.com', apiKey: 'k', secretKey: 's' };
  const dsp = new BidstreamClient(config);
  await dsp.refresh();
  const r: DecryptResult = dsp.decryptTokenIntoRawUid(token, 'example.com');
  const sharing = new SharingClient({ ...config, keyRefresh: { maxBackoff: 60_000 } });
  const t: EncryptResult = sharing.encryptRawUidIntoToken('raw');
  const publisher = new PublisherClient(config);
  const id: TokenResponse = await publisher.generateToken({ email: 'user@example.com', tcfConsentString: 'x' });
  // @ts-expect-error: one identity kind is needed
  await publisher.generateToken({ tcfConsentString: 'x' });
  const mapper = new IdentityMapV3Client({ ...config, maxInFlight: 4 });
  const m: IdentityMapV3Response = await mapper.mapBulk(new IdentityMapV3Input());
  void [r, t, id, m];
}

void [uid, none, shared, headers, json, current, hashEmail, clients];
