//! Operator API messages: request bodies to send and response documents to read.
//!
//! Bodies here are the plaintext JSON that goes inside the v2 request envelope, and responses
//! are the decrypted response documents (`{"status": …, "body": …}`) that come out of it; the
//! envelope itself (sealing, opening, nonce check) is not part of these modules. Nothing here
//! performs I/O or reads a clock.
//!
//! | endpoint | module | feature |
//! | --- | --- | --- |
//! | `POST /v3/identity/map` | `identity_map_v3` | `alloc` |
//! | `POST /v2/identity/map` (deprecated) | `identity_map_v2` | `alloc` |
//! | `POST /v2/identity/buckets` (deprecated) | `salt_buckets` | request: none; response: `alloc` |
//! | `POST /v2/optout/status` | `optout_status` | `alloc` |

#[cfg(feature = "alloc")]
pub mod identity_map_v2;
#[cfg(feature = "alloc")]
pub mod identity_map_v3;
#[cfg(feature = "alloc")]
pub mod optout_status;
#[cfg(feature = "alloc")]
mod response;
pub mod salt_buckets;

#[cfg(feature = "alloc")]
pub use response::ResponseError;
