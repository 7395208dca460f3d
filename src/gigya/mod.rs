//! Gigya (SAP Customer Data Cloud) server calls: request signing, response reading and
//! signature validation (feature `gigya`).
//!
//! Like the rest of the crate this module does no I/O. It builds the bytes of a request
//! ([`RequestBuilder`] → [`HttpRequest`]), reads the bytes of a response ([`Response`]) and
//! checks the signatures Gigya puts on user data ([`validate_user_signature_at`] and friends).
//! Sending the request, reading the clock and drawing nonces is left to the caller: every
//! operation that needs the time takes `now: Timestamp`, and nonces come from a
//! [`SecureRandom`](crate::SecureRandom) or are passed in.
//!
//! | piece | items |
//! | --- | --- |
//! | endpoint | [`Endpoint`], [`Scheme`], [`mtls_host`], [`DEFAULT_API_DOMAIN`] |
//! | parameters | [`Params`], [`ParamValue`], [`percent_encode`] |
//! | credentials and requests | [`GigyaSecret`], [`Credentials`], [`RequestBuilder`], [`HttpRequest`], [`Header`] |
//! | signing primitives | [`base_string`], [`calc_signature`], [`verify_request_signature`] (server side, with [`Params::parse`]) |
//! | responses | [`Response`], [`JsonValue`], [`JsonObject`], [`codes`], [`clock_skew_retry`], [`parse_http_date`] |
//! | signatures on user data | [`validate_user_signature`], [`validate_user_signature_at`], [`validate_friend_signature`], [`validate_friend_signature_at`], [`dynamic_session_signature`], [`dynamic_session_signature_user_signed`] |
//! | RSA (feature `gigya-rsa`) | `GigyaRsaKey` (bearer mode), `jwks_request`, `Jwks`, `validate_id_token`, `IdTokenClaims` |
//!
//! # Signing
//! The partner-secret and user-key modes sign each request: the sorted, percent-encoded
//! parameters (including `apiKey`, `timestamp` in Unix seconds and `nonce`) form an OAuth1-style
//! base string `POST&<url>&<params>`, which is signed with HMAC-SHA1 under the base64-decoded
//! secret. The secret itself never leaves the process. Requests default to HTTPS on
//! `us1.gigya.com`.
//!
//! If the server answers 403002 ("Request has expired"), the local clock is off:
//! [`Response::clock_skew_retry`] turns the response's HTTP `Date` header into an offset, and
//! the caller resends once with the corrected time.
//!
//! # Example
//! Set a user's status, read the answer, and check a user signature handed over by a client:
//!
//! ```
//! use uid2::Timestamp;
//! use uid2::gigya::{
//!     Credentials, GigyaSecret, RequestBuilder, Response, DEFAULT_SIGNATURE_WINDOW_SECS,
//!     validate_user_signature_at,
//! };
//!
//! # fn main() -> Result<(), uid2::gigya::GigyaError> {
//! let secret = GigyaSecret::from_base64("UnVzdC1HaWd5YS1wYXJ0bmVyLXNlY3JldC0wMDAx")?;
//! let credentials = Credentials::partner_secret("3_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789", secret.clone());
//! let now = Timestamp::from_millis(1_700_000_000_000); // from the caller's clock
//!
//! // 1. Build the request; an adapter POSTs it.
//! let request = RequestBuilder::new("socialize.setStatus", credentials)
//!     .api_domain("eu1.gigya.com")
//!     .param("uid", "9d0b4a6b2f2b4d0e8f6f1a2b3c4d5e6f")?
//!     .param("status", "I feel great")?
//!     .build_with_nonce(now, "1700000000000_0123456789abcdef")?;
//! assert_eq!(request.url(), "https://socialize.eu1.gigya.com/socialize.setStatus");
//! assert!(request.body().starts_with(b"apiKey=3_AbCd"));
//!
//! // 2. Read what came back.
//! let response = Response::parse(br#"{"errorCode":0,"statusCode":200,"callId":"c0ffee"}"#)?;
//! assert!(response.is_success());
//!
//! // 3. Check a user signature from a getUserInfo / getAccountInfo answer.
//! let user = Response::parse(br#"{"errorCode":0,
//!     "UID":"9d0b4a6b2f2b4d0e8f6f1a2b3c4d5e6f",
//!     "signatureTimestamp":"1700000000",
//!     "UIDSignature":"wg7p40H3VUb6JTfQIA2IY0dsCnA="}"#)?;
//! let valid = validate_user_signature_at(
//!     user.get_str("UID").unwrap_or_default(),
//!     user.get_str("signatureTimestamp").unwrap_or_default(),
//!     &secret,
//!     user.get_str("UIDSignature").unwrap_or_default(),
//!     now,
//!     DEFAULT_SIGNATURE_WINDOW_SECS,
//! );
//! assert!(valid);
//! # Ok(())
//! # }
//! ```

mod clock;
pub mod codes;
mod encode;
mod endpoint;
mod error;
mod json;
#[cfg(feature = "gigya-rsa")]
mod jwt;
mod params;
mod request;
mod response;
mod secret;
mod signature;
mod sigutils;

pub use clock::{ClockSkewRetry, clock_offset_from_date_header, clock_skew_retry, parse_http_date};
pub use encode::percent_encode;
pub use endpoint::{DEFAULT_API_DOMAIN, Endpoint, Scheme, mtls_host};
pub use error::GigyaError;
pub use json::{JsonKind, JsonValue};
#[cfg(feature = "gigya-rsa")]
pub use jwt::{
    DEFAULT_ID_TOKEN_SKEW_SECS, GigyaRsaKey, IdTokenClaims, Jwks, jwks_request, validate_id_token,
};
pub use params::{ParamValue, Params};
pub use request::{Credentials, Header, HttpRequest, RESERVED_PARAMS, RequestBuilder, SDK_ID};
pub use response::{JsonObject, Response};
pub use secret::GigyaSecret;
pub use signature::{base_string, calc_signature, verify_request_signature};
pub use sigutils::{
    DEFAULT_SIGNATURE_WINDOW_SECS, dynamic_session_signature,
    dynamic_session_signature_user_signed, validate_friend_signature, validate_friend_signature_at,
    validate_user_signature, validate_user_signature_at,
};
