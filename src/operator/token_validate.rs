//! `POST /v2/token/validate`: does an advertising token belong to this email or phone number?
//!
//! A troubleshooting endpoint for publishers (role GENERATOR): send an advertising token that
//! your own credentials generated together with the email, phone number or hash it was
//! generated for; the operator answers `true` when they match and `false` otherwise. The
//! documented test identities `validate@example.com` and `+12345678901` exist for it. Tokens
//! generated for another site are refused with HTTP 400 ("Unauthorised to validate token"),
//! tokens the operator cannot read with HTTP 400 ("Invalid token").
//!
//! The request travels in the v2 envelope like every other call; send it with
//! [`OperatorCall::seal`](crate::operator::OperatorCall::seal).
//!
//! ```
//! use uid2::operator::token_validate::TokenValidateRequest;
//!
//! let request = TokenValidateRequest::from_email("AdvertisingTokenText", "validate@example.com")?;
//! assert_eq!(
//!     &**request.payload_json(),
//!     r#"{"token":"AdvertisingTokenText","email_hash":"ntI244ZRTXwAwpki6/M5cyBYW7h/Wq576lnN3l9+W/c="}"#
//! );
//! assert!(request.parse_response(br#"{"body":true,"status":"success"}"#)?);
//! # Ok::<(), Box<dyn core::error::Error>>(())
//! ```

use alloc::string::String;
use core::fmt;

use serde::Serialize;
use zeroize::Zeroizing;

use super::map_document::parse_success_body;
use crate::envelope::{BodyEncoding, ResponseError};
use crate::identity::{
    HashedIdentity, IdentityError, IdentityKind, hash_email, hash_phone, hashed_email, hashed_phone,
};

/// The endpoint path.
pub const TOKEN_VALIDATE_PATH: &str = "/v2/token/validate";

/// A `/v2/token/validate` request: an advertising token and the identity to compare it with.
///
/// Emails and phone numbers are hashed locally; only the hash is sent. `Debug` shows the kind
/// of identity only, never the token or the hash.
#[derive(Clone)]
pub struct TokenValidateRequest {
    kind: IdentityKind,
    payload: Zeroizing<String>,
}

impl TokenValidateRequest {
    /// Validates `token` against an email address (normalized and hashed here).
    ///
    /// # Errors
    /// [`IdentityError::InvalidEmail`] when the input is not an email address.
    pub fn from_email(token: &str, email: &str) -> Result<Self, IdentityError> {
        Ok(Self::with(token, hash_email(email)?))
    }

    /// Validates `token` against a phone number (`+` and 10 to 15 digits; hashed here).
    ///
    /// # Errors
    /// [`IdentityError::InvalidPhone`] when the input is not a normalized phone number.
    pub fn from_phone(token: &str, phone: &str) -> Result<Self, IdentityError> {
        Ok(Self::with(token, hash_phone(phone)?))
    }

    /// Validates `token` against an email hash (see [`hashed_email`] for the accepted forms).
    ///
    /// # Errors
    /// [`IdentityError::InvalidHash`] when the text is not such a hash.
    pub fn from_hashed_email(token: &str, hash: &str) -> Result<Self, IdentityError> {
        Ok(Self::with(token, hashed_email(hash)?))
    }

    /// Validates `token` against a phone number hash (see [`hashed_phone`]).
    ///
    /// # Errors
    /// [`IdentityError::InvalidHash`] when the text is not such a hash.
    pub fn from_hashed_phone(token: &str, hash: &str) -> Result<Self, IdentityError> {
        Ok(Self::with(token, hashed_phone(hash)?))
    }

    fn with(token: &str, identity: HashedIdentity) -> Self {
        let hash = identity.as_str();
        let payload = match identity.kind() {
            IdentityKind::Phone => Payload {
                token,
                email_hash: None,
                phone_hash: Some(hash),
            },
            _ => Payload {
                token,
                email_hash: Some(hash),
                phone_hash: None,
            },
        };
        // Serializing two strings cannot fail; the buffer is wiped when dropped.
        let json = serde_json::to_string(&payload).unwrap_or_default();
        Self {
            kind: identity.kind(),
            payload: Zeroizing::new(json),
        }
    }

    /// The plaintext JSON sealed in the envelope: `{"token":"…","email_hash":"…"}` (or
    /// `phone_hash`).
    #[must_use]
    pub const fn payload_json(&self) -> &Zeroizing<String> {
        &self.payload
    }

    /// Reads the decrypted response document: `body` is `true` when the token was generated
    /// for this identity.
    ///
    /// # Errors
    /// [`ResponseError::UnexpectedStatus`] when `status` is not `success`;
    /// [`ResponseError::MalformedResponse`] when the document is not JSON or `body` is not a
    /// boolean.
    pub fn parse_response(&self, document: &[u8]) -> Result<bool, ResponseError> {
        parse_success_body(document)
    }
}

impl fmt::Debug for TokenValidateRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenValidateRequest")
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

#[derive(Serialize)]
struct Payload<'a> {
    token: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    email_hash: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    phone_hash: Option<&'a str>,
}

impl crate::operator::OperatorCall for TokenValidateRequest {
    type Response = bool;
    const PATH: &'static str = TOKEN_VALIDATE_PATH;
    const ENCODING: BodyEncoding = BodyEncoding::Text;

    fn payload(&self) -> &[u8] {
        self.payload.as_bytes()
    }

    fn read_reply(&self, document: &[u8]) -> Result<bool, ResponseError> {
        self.parse_response(document)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::{ClientSecret, Credentials};
    use crate::operator::OperatorCall as _;
    use crate::random::ReplayRandom;
    use crate::secret::Secret;
    use crate::time::Timestamp;
    use alloc::format;

    #[test]
    fn payloads_responses_and_debug() {
        let r = TokenValidateRequest::from_phone("T\"1", "+12345678901").unwrap();
        assert_eq!(
            &**r.payload_json(),
            r#"{"token":"T\"1","phone_hash":"EObwtHBUqDNZR33LNSMdtt5cafsYFuGmuY4ZLenlue4="}"#
        );
        assert!(!format!("{r:?}").contains("EObw") && !format!("{r:?}").contains("T\\\"1"));
        assert!(
            !r.parse_response(br#"{"status":"success","body":false}"#)
                .unwrap()
        );
        for bad in [
            &br#"{"status":"success","body":"true"}"#[..],
            br#"{"status":"success"}"#,
            br#"{"status":"success","body":null}"#,
            b"true",
        ] {
            assert!(matches!(
                r.parse_response(bad),
                Err(ResponseError::MalformedResponse { .. })
            ));
        }
        assert!(matches!(
            r.parse_response(br#"{"status":"client_error","message":"Invalid token"}"#),
            Err(ResponseError::UnexpectedStatus(_))
        ));
        assert_eq!(
            TokenValidateRequest::from_email("t", "nope").unwrap_err(),
            IdentityError::InvalidEmail
        );
        assert!(TokenValidateRequest::from_hashed_email("t", "abc").is_err());
        let h = TokenValidateRequest::from_hashed_phone(
            "t",
            "EObwtHBUqDNZR33LNSMdtt5cafsYFuGmuY4ZLenlue4=",
        )
        .unwrap();
        assert_eq!(
            h.payload_json().as_str(),
            r.payload_json().replace("T\\\"1", "t")
        );
    }

    #[test]
    fn sealed_call_reads_the_operators_reply() {
        const SECRET: &str = "ioG3wKxAokmp+rERx6A4kM/13qhyolUXIu14WN16Spo=";
        let credentials = Credentials::new(
            crate::envelope::ApiKey::new("key").unwrap(),
            ClientSecret::from_base64(SECRET).unwrap(),
        );
        let r = TokenValidateRequest::from_email("tok", "validate@example.com").unwrap();
        let now = Timestamp::from_millis(1_700_000_000_000);
        let (sealed, pending) = r
            .seal(&credentials, now, &mut ReplayRandom::new(&[1; 20]))
            .unwrap();
        assert_eq!(sealed.request().path(), "/v2/token/validate");
        let server_secret = Secret::<32>::from_base64(SECRET).unwrap();
        let opened =
            crate::server::open_request(&server_secret, Some("text/plain"), sealed.body()).unwrap();
        assert_eq!(opened.payload(), r.payload_json().as_bytes());
        let mut reply = opened
            .seal_response(
                &server_secret,
                now,
                br#"{"body":true,"status":"success"}"#,
                &mut ReplayRandom::new(&[2; 12]),
            )
            .unwrap();
        assert!(pending.open(200, Some("text/plain"), &mut reply).unwrap());
    }
}
