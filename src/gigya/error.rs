//! The error type of the Gigya module.

use core::fmt;

/// Everything that can go wrong while building a Gigya request, reading a response or checking
/// a signature or token.
///
/// Caller mistakes (a bad parameter name, an undecodable secret, plain HTTP with a secret in
/// clear) are kept apart from problems with what the server sent ([`GigyaError::InvalidResponse`],
/// the id_token variants). No variant carries a secret, a parameter value or a user identifier.
/// [`GigyaError::legacy_code`] gives the numeric code the official SDKs report for the same
/// local failure, where there is one.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GigyaError {
    /// The API method name is empty (legacy code 400002).
    MissingMethod,
    /// The API method name contains a character outside `A-Z a-z 0-9 . _ -`.
    InvalidMethod,
    /// The data-center domain or host override is empty or contains a character outside
    /// `A-Z a-z 0-9 . -` (a host override may end in `:port`).
    InvalidHost,
    /// A URL given for normalisation could not be understood.
    InvalidUrl,
    /// A parameter name is empty or contains a character outside `A-Z a-z 0-9 _ . -`.
    InvalidParamName,
    /// A caller parameter uses a name the request builder sets itself.
    ReservedParam {
        /// The reserved name.
        name: &'static str,
    },
    /// A value passed as JSON is not valid JSON.
    InvalidJson,
    /// A required credential (API key, user key or access token) is empty (legacy code 400002).
    MissingCredentials,
    /// A secret is not standard, padded base64 or decodes to nothing (legacy code 400006).
    InvalidSecret,
    /// The authentication mode needs HTTPS but the request was set to plain HTTP.
    InsecureScheme,
    /// A nonce given explicitly is empty.
    InvalidNonce,
    /// `now`, or a time computed from it, is before the Unix epoch or out of range.
    TimeOutOfRange,
    /// The caller's random source failed.
    Random,
    /// The response body is not a JSON object, or its `errorCode` is not an integer
    /// (legacy code 500).
    InvalidResponse,
    /// An RSA private key is not a PKCS#1 or PKCS#8 PEM document (legacy code 400006).
    InvalidPrivateKey,
    /// The RSA signing operation failed.
    RsaSigning,
    /// A JWKS document could not be read.
    InvalidJwks,
    /// A JWT is not three base64url segments holding JSON objects.
    MalformedJwt,
    /// The JWT header names an algorithm other than RS256.
    UnsupportedAlgorithm,
    /// The JWT header has no `kid`, or the key set has no key with that id.
    UnknownKeyId,
    /// The JWT signature does not verify.
    InvalidJwtSignature,
    /// A request body is not `name=value` pairs joined with `&` (with valid parameter names,
    /// each name once, values percent-encoded UTF-8).
    InvalidForm,
    /// The `iss` claim is not the issuer of the expected API key.
    InvalidIssuer,
    /// The `apiKey` claim names another API key than the expected one.
    InvalidApiKey,
    /// A required claim is missing or has the wrong type.
    MissingClaim {
        /// The claim's name.
        name: &'static str,
    },
    /// The token expired: `now` is past `exp` plus the allowed skew.
    TokenExpired {
        /// The `exp` claim, Unix seconds.
        exp: i64,
        /// The time of the check, Unix seconds.
        now: i64,
    },
    /// The token was issued in the future: `iat` is past `now` plus the allowed skew.
    TokenNotYetValid {
        /// The `iat` claim, Unix seconds.
        iat: i64,
        /// The time of the check, Unix seconds.
        now: i64,
    },
}

impl GigyaError {
    /// The numeric error code the official SDKs use for the same local failure, if any.
    ///
    /// 400002 (missing parameter), 400006 (invalid parameter value) and 500 (response could not
    /// be parsed). Other failures have no established code.
    #[must_use]
    pub const fn legacy_code(&self) -> Option<i64> {
        match self {
            Self::MissingMethod | Self::MissingCredentials => Some(super::codes::MISSING_PARAMETER),
            Self::InvalidSecret | Self::InvalidPrivateKey => {
                Some(super::codes::INVALID_PARAMETER_VALUE)
            }
            Self::InvalidResponse => Some(super::codes::LOCAL_PARSE_ERROR),
            _ => None,
        }
    }
}

impl fmt::Display for GigyaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingMethod => f.write_str("the api method name is empty"),
            Self::InvalidMethod => f.write_str("the api method name contains an invalid character"),
            Self::InvalidHost => f.write_str("the api domain or host is empty or invalid"),
            Self::InvalidUrl => f.write_str("the url could not be parsed"),
            Self::InvalidParamName => f.write_str("a parameter name is empty or invalid"),
            Self::ReservedParam { name } => {
                write!(
                    f,
                    "the parameter name `{name}` is reserved for the request builder"
                )
            }
            Self::InvalidJson => f.write_str("a json parameter value is not valid json"),
            Self::MissingCredentials => f.write_str("a required credential is empty"),
            Self::InvalidSecret => f.write_str("the secret is not valid padded standard base64"),
            Self::InsecureScheme => f.write_str("this authentication mode requires https"),
            Self::InvalidNonce => f.write_str("the nonce is empty"),
            Self::TimeOutOfRange => f.write_str("the time is out of range"),
            Self::Random => f.write_str("the random source failed"),
            Self::InvalidResponse => f.write_str("the response body is not a valid json object"),
            Self::InvalidPrivateKey => f.write_str("the rsa private key could not be read"),
            Self::RsaSigning => f.write_str("rsa signing failed"),
            Self::InvalidJwks => f.write_str("the jwks document could not be read"),
            Self::MalformedJwt => f.write_str("the jwt is malformed"),
            Self::UnsupportedAlgorithm => f.write_str("the jwt algorithm is not rs256"),
            Self::UnknownKeyId => f.write_str("the jwt key id is missing or unknown"),
            Self::InvalidJwtSignature => f.write_str("the jwt signature is invalid"),
            Self::InvalidForm => f.write_str("the request body is not a valid parameter string"),
            Self::InvalidIssuer => f.write_str("the jwt issuer does not match the api key"),
            Self::InvalidApiKey => f.write_str("the jwt apiKey claim does not match the api key"),
            Self::MissingClaim { name } => {
                write!(f, "the jwt claim `{name}` is missing or has the wrong type")
            }
            Self::TokenExpired { exp, now } => {
                write!(f, "the jwt expired (exp {exp}, now {now})")
            }
            Self::TokenNotYetValid { iat, now } => {
                write!(f, "the jwt was issued in the future (iat {iat}, now {now})")
            }
        }
    }
}

impl core::error::Error for GigyaError {}
