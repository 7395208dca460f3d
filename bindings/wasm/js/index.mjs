// ES module entry of uid2-rs-wasm: the same objects as index.js (one WebAssembly instance).
import uid2 from "./index.js";

export const {
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
  normalizeEmail,
  hashEmail,
  normalizePhone,
  hashPhone,
  isRetryableStatus,
  retryBackoffMillis,
  retryMaxAttempts,
  DECRYPT_STATUSES,
  ENCRYPT_STATUSES,
} = uid2;
export default uid2;
