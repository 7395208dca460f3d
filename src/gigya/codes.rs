//! Numeric error codes: those the server returns and those the official SDKs make up locally.
//!
//! Server codes arrive in a response's `errorCode` ([`Response::error_code`](super::Response::error_code)).
//! Local codes are never produced by this crate's core, which reports a [`GigyaError`](super::GigyaError)
//! instead; they are listed so that adapters and logs can speak the same numbers as the official
//! SDKs ([`GigyaError::legacy_code`](super::GigyaError::legacy_code)).

/// Success.
pub const OK: i64 = 0;
/// The site lives in another data center; the response's `apiDomain` names it.
pub const INVALID_DATA_CENTER: i64 = 301_001;
/// A required parameter is missing (server, and locally: no method or no credentials).
pub const MISSING_PARAMETER: i64 = 400_002;
/// Local (Python/PHP SDKs): no CA bundle for HTTPS.
pub const MISSING_CERTIFICATE: i64 = 400_003;
/// A parameter value is invalid (server, and locally: a secret that is not base64).
pub const INVALID_PARAMETER_VALUE: i64 = 400_006;
/// The API key is invalid.
pub const INVALID_API_KEY: i64 = 400_093;
/// Local (Java message table): invalid or missing session.
pub const INVALID_SESSION: i64 = 403_000;
/// The request timestamp is too far from the server clock ("Request has expired").
pub const REQUEST_EXPIRED: i64 = 403_002;
/// The request signature does not match.
pub const INVALID_REQUEST_SIGNATURE: i64 = 403_003;
/// The user is not authorized.
pub const UNAUTHORIZED_USER: i64 = 403_005;
/// A secret was sent over plain HTTP.
pub const SECRET_OVER_HTTP: i64 = 403_006;
/// Permission denied.
pub const PERMISSION_DENIED: i64 = 403_007;
/// Rate limit exceeded.
pub const RATE_LIMIT_EXCEEDED: i64 = 403_048;
/// Concurrent updates are not allowed.
pub const CONCURRENT_UPDATES: i64 = 409_030;
/// Local (Java/.NET SDKs): the response could not be parsed.
pub const LOCAL_PARSE_ERROR: i64 = 500;
/// Local (all SDKs): any other local exception; also "general server error" from older servers.
pub const GENERAL_ERROR: i64 = 500_000;
/// General server error.
pub const GENERAL_SERVER_ERROR: i64 = 500_001;
/// Local (mobile SDKs' message table): no network connection.
pub const NO_INTERNET_CONNECTION: i64 = 500_026;
/// Server-side timeout (for example a long search).
pub const SERVER_TIMEOUT: i64 = 504_001;
/// Local (all SDKs): the request timed out.
pub const REQUEST_TIMEOUT: i64 = 504_002;
