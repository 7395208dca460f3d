//! Operator API messages: request builders paired with response readers.
//!
//! Each endpoint module builds the request (path, headers, body) and returns a `#[must_use]`
//! pending value; feed the HTTP status, `Content-Type` and body of the reply to that value's
//! `open` method. Time (`now`) and randomness come from the caller.

#[cfg(feature = "alloc")]
pub mod identity_tokens;
#[cfg(feature = "alloc")]
pub mod response;
#[cfg(feature = "alloc")]
pub mod token_generate;
#[cfg(feature = "alloc")]
pub mod token_refresh;

#[cfg(feature = "alloc")]
pub use identity_tokens::{IdentityTokens, IdentityTokensError};
#[cfg(feature = "alloc")]
pub use response::TokenResponse;
#[cfg(feature = "alloc")]
pub use token_generate::{PendingTokenGenerate, TokenGenerateRequest, TokenGenerateResponse};
#[cfg(feature = "alloc")]
pub use token_refresh::{PendingTokenRefresh, TokenRefreshResponse};
