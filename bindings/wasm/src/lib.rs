//! WebAssembly bindings of the `uid2` core, for the npm package `uid2-rs-wasm` (Node servers
//! and JavaScript edge runtimes).
//!
//! This crate is a shell: every protocol decision (token layouts, checks and statuses, key-set
//! parsing, the request envelope, normalization and hashing, identity-map batching, the key
//! refresh schedule) is the core's. The bindings convert between JavaScript values and core
//! types, draw randomness from the host's `crypto.getRandomValues`, and leave time, HTTP and
//! timers to JavaScript: `now` is always an argument (milliseconds since the Unix epoch).
//!
//! Secrets stay in WebAssembly memory. Key sets, credentials, identities and refreshers are
//! JavaScript handles to Rust values: key-set keys and the client secret never cross into
//! JavaScript, the API key only inside the `Authorization` header of each request to send, and
//! a refresh response key only inside the identity JSON a publisher stores in its session.
//! `free()` drops the value, which zeroizes it, and the stack that handled a secret is wiped
//! after each call (see `src/scrub.rs`). Secret and DII arguments (key-set documents, client secrets,
//! API keys, identity JSON, emails, phone numbers, raw UIDs to encrypt, operator replies) are
//! copied into WebAssembly memory by the glue and wiped there once read.
//!
//! Features: `operator` (default) adds everything but key sets and tokens: credentials and the
//! envelope, normalization and hashing, token generate and refresh, identity map v3 and key
//! refresh. Without it the module holds key-set parsing, decryption and sharing encryption only
//! (for edge runtimes that receive their key set some other way).
//!
//! The JavaScript API of the package (`js/index.js`, typed by `js/index.d.ts`) wraps these
//! exports; names starting with `__` are internal to it.

extern crate alloc;

mod convert;
#[cfg(feature = "operator")]
mod envelope;
mod error;
#[cfg(feature = "operator")]
mod identity;
mod keys;
#[cfg(feature = "operator")]
mod operator;
mod random;
#[cfg(feature = "operator")]
mod refresh;
mod scrub;

#[cfg(feature = "operator")]
pub use envelope::{Credentials, SealedRequest, seal_request};
#[cfg(feature = "operator")]
pub use identity::{hash_email, hash_phone, normalize_email, normalize_phone};
pub use keys::{
    KeySet, decrypt_status_names, decrypt_without_keys, encrypt_status_names, encrypt_without_keys,
};
#[cfg(feature = "operator")]
pub use operator::{
    IdentityMapV3Call, IdentityMapV3Input, IdentityMapV3Request, IdentityTokens, TokenGenerateCall,
    TokenGenerateRequest, TokenRefreshCall, is_retryable_status, retry_backoff_millis,
    retry_max_attempts,
};
#[cfg(feature = "operator")]
pub use refresh::KeyRefresher;
