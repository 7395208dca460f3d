//! Operator API messages: request builders paired with response readers.
//!
//! Requests are built as bytes (plaintext JSON for the v2 envelope, see [`crate::envelope`]);
//! responses are read from the operator's reply. Time (`now`) and randomness come from the
//! caller; nothing here performs I/O or reads a clock.
//!
//! | endpoint | module | feature |
//! | --- | --- | --- |
//! | `POST /v2/token/generate` | [`token_generate`] | `alloc` |
//! | `POST /v2/token/refresh` | [`token_refresh`] | `alloc` |
//! | `POST /v3/identity/map` | [`identity_map_v3`] | `alloc` |
//! | `POST /v2/identity/map` (deprecated) | [`identity_map_v2`] | `alloc` |
//! | `POST /v2/identity/buckets` (deprecated) | [`salt_buckets`] | request: none; response: `alloc` |
//! | `POST /v2/optout/status` | [`optout_status`] | `alloc` |
//! | `POST /v2/key/bidstream`, `/v2/key/sharing` | [`key_refresh`] (state machine) | `alloc` |
//! | the same, one download kept as its document | [`key_set`] | `alloc` |
//! | `POST /v2/token/validate` | [`token_validate`] | `alloc` |
//! | `POST /v2/token/client-generate` | `client_side` | `cstg` |

#[cfg(feature = "alloc")]
mod call;
#[cfg(feature = "cstg")]
pub mod client_side;
#[cfg(feature = "alloc")]
pub mod identity_map_v2;
#[cfg(feature = "alloc")]
pub mod identity_map_v3;
#[cfg(feature = "alloc")]
pub mod identity_tokens;
#[cfg(feature = "alloc")]
pub mod key_refresh;
#[cfg(feature = "alloc")]
pub mod key_set;
#[cfg(feature = "alloc")]
mod map_document;
#[cfg(feature = "alloc")]
pub mod optout_status;
#[cfg(feature = "alloc")]
pub mod response;
pub mod retry;
pub mod salt_buckets;
#[cfg(feature = "alloc")]
pub mod token_generate;
#[cfg(feature = "alloc")]
pub mod token_refresh;
#[cfg(feature = "alloc")]
pub mod token_validate;

#[cfg(feature = "alloc")]
pub use call::{OperatorCall, PendingReply};
#[cfg(feature = "alloc")]
pub use identity_tokens::{IdentityTokens, IdentityTokensError};
#[cfg(feature = "alloc")]
pub use response::TokenResponse;
#[cfg(feature = "alloc")]
pub use token_generate::{PendingTokenGenerate, TokenGenerateRequest, TokenGenerateResponse};
#[cfg(feature = "alloc")]
pub use token_refresh::{PendingTokenRefresh, TokenRefreshResponse};
