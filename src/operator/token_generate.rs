//! `POST /v2/token/generate`: issue an identity for an email or phone number.
//!
//! Raw emails and phone numbers are normalized and hashed here; only the hash is sent (unless
//! the caller explicitly asks to send the raw value for the operator to normalize). The payload
//! travels in the v2 envelope (see [`envelope`](crate::envelope)).
//!
//! Opt-out is always honoured by the operator: a user who opted out gets
//! [`TokenResponse::OptOut`] and no identity. The legacy `policy` / `optout_check` request members
//! are therefore never sent.
//!
//! ```
//! use uid2::envelope::Credentials;
//! use uid2::operator::TokenGenerateRequest;
//! use uid2::random::OsRandom; // the `getrandom` feature
//! use uid2::Timestamp;
//!
//! let credentials = Credentials::from_strings(
//!     "UID2-C-L-999-example",
//!     "ioG3wKxAokmp+rERx6A4kM/13qhyolUXIu14WN16Spo=",
//! )?;
//! let request = TokenGenerateRequest::from_email(" User@Example.com ")?;
//! assert_eq!(
//!     request.payload_json().as_str(),
//!     r#"{"email_hash":"tMmiiTI7IaAcPpQPFQ65uMVCWH8av9jw4cwf/F5HVRQ="}"#
//! );
//!
//! let now = Timestamp::from_millis(1_667_885_597_644);
//! let mut rng = OsRandom;
//! let (sealed, pending) = request.seal(&credentials, now, &mut rng)?;
//! let http = sealed.request();
//! assert_eq!(http.path(), "/v2/token/generate");
//! // ... POST http.body() with http.headers(), then:
//! // let response = pending.open(status, content_type, &mut body)?;
//! # drop(pending);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use alloc::string::String;
use alloc::vec;
use core::fmt;

use serde::Serialize;
use zeroize::Zeroizing;

use super::response::TokenResponse;
use crate::envelope::{
    BodyEncoding, Credentials, EnvelopeError, PendingResponse, ResponseError, SealedRequest,
};
use crate::identity::{IdentityError, hash_email, hash_phone, hashed_email, hashed_phone};
use crate::random::SecureRandom;
use crate::time::Timestamp;

/// The path of the token generate endpoint.
pub const TOKEN_GENERATE_PATH: &str = "/v2/token/generate";

/// The outcome of a token generate call; see [`TokenResponse`].
pub type TokenGenerateResponse = TokenResponse;

/// Which identity the request carries. Raw values are DII and are zeroized on drop.
#[derive(Clone)]
enum Subject {
    EmailHash(String),
    PhoneHash(String),
    Email(Zeroizing<String>),
    Phone(Zeroizing<String>),
}

/// A token generate request: one identity and an optional TCF consent string.
///
/// `Debug` shows which kind of identity is carried, never its value.
#[derive(Clone)]
pub struct TokenGenerateRequest {
    subject: Subject,
    tcf_consent_string: Option<String>,
}

impl TokenGenerateRequest {
    /// A request for an email address, normalized and hashed locally; only the hash is sent.
    ///
    /// # Errors
    /// [`IdentityError::InvalidEmail`] when the input is not an email address; nothing is sent.
    pub fn from_email(email: &str) -> Result<Self, IdentityError> {
        let hash = hash_email(email)?;
        Ok(Self::with(Subject::EmailHash(hash.as_str().into())))
    }

    /// A request for a phone number (`+` and 10 to 15 ASCII digits), hashed locally.
    ///
    /// # Errors
    /// [`IdentityError::InvalidPhone`] when the input is not a normalized phone number.
    pub fn from_phone(phone: &str) -> Result<Self, IdentityError> {
        let hash = hash_phone(phone)?;
        Ok(Self::with(Subject::PhoneHash(hash.as_str().into())))
    }

    /// A request for an email the caller already normalized and hashed: standard base64 of the
    /// SHA-256 digest (44 characters), or 64 hexadecimal digits, sent as base64 (see
    /// [`hashed_email`]). The check keeps a raw email passed
    /// here by mistake from leaving the process.
    ///
    /// # Errors
    /// [`IdentityError::InvalidHash`] when the text is not such a hash; nothing is sent.
    pub fn from_hashed_email(hash: &str) -> Result<Self, IdentityError> {
        let hash = hashed_email(hash)?;
        Ok(Self::with(Subject::EmailHash(hash.as_str().into())))
    }

    /// A request for a phone number the caller already hashed (see
    /// [`from_hashed_email`](Self::from_hashed_email)).
    ///
    /// # Errors
    /// [`IdentityError::InvalidHash`] when the text is not such a hash; nothing is sent.
    pub fn from_hashed_phone(hash: &str) -> Result<Self, IdentityError> {
        let hash = hashed_phone(hash)?;
        Ok(Self::with(Subject::PhoneHash(hash.as_str().into())))
    }

    /// A request that sends the raw email for the operator to normalize, without local
    /// validation. Prefer [`from_email`](Self::from_email), which keeps DII off the wire.
    #[must_use]
    pub fn from_email_unhashed(email: &str) -> Self {
        Self::with(Subject::Email(Zeroizing::new(email.into())))
    }

    /// A request that sends the raw phone number, without local validation. Prefer
    /// [`from_phone`](Self::from_phone).
    #[must_use]
    pub fn from_phone_unhashed(phone: &str) -> Self {
        Self::with(Subject::Phone(Zeroizing::new(phone.into())))
    }

    const fn with(subject: Subject) -> Self {
        Self {
            subject,
            tcf_consent_string: None,
        }
    }

    /// Adds an IAB TCF v2 consent string (evaluated by EUID operators; UID2 ignores it).
    #[must_use]
    pub fn with_tcf_consent_string(mut self, consent: &str) -> Self {
        self.tcf_consent_string = Some(consent.into());
        self
    }

    /// The JSON payload that goes inside the envelope, for example
    /// `{"email_hash":"…","tcf_consent_string":"…"}`.
    ///
    /// It may hold a raw email or phone number, so it is wiped when dropped; it is written into
    /// one buffer sized for the longest escaped form, so no partial copy is left behind either.
    #[must_use]
    pub fn payload_json(&self) -> Zeroizing<String> {
        let mut payload = Payload {
            email_hash: None,
            phone_hash: None,
            email: None,
            phone: None,
            tcf_consent_string: self.tcf_consent_string.as_deref(),
        };
        let value = match &self.subject {
            Subject::EmailHash(v) => payload.email_hash.insert(v.as_str()),
            Subject::PhoneHash(v) => payload.phone_hash.insert(v.as_str()),
            Subject::Email(v) => payload.email.insert(v.as_str()),
            Subject::Phone(v) => payload.phone.insert(v.as_str()),
        };
        // Member names and punctuation, plus each value byte escaped to at most six bytes
        // (`\u001F`).
        let tcf = payload.tcf_consent_string.map_or(0, str::len);
        let capacity = value
            .len()
            .saturating_add(tcf)
            .saturating_mul(6)
            .saturating_add(64);
        let mut out = Zeroizing::new(vec![0u8; capacity]);
        let len = serde_json_core::to_slice(&payload, &mut out).unwrap_or(0);
        out.truncate(len);
        // The serializer writes valid UTF-8 (escapes and the input's own characters); were it
        // not so, the bytes are wiped, not dropped as they are.
        let json = String::from_utf8(core::mem::take(&mut *out)).unwrap_or_else(|e| {
            Zeroizing::new(e.into_bytes());
            String::new()
        });
        Zeroizing::new(json)
    }

    /// Seals the request for `credentials` at `now`. Returns the request to send and the
    /// pending value that opens its reply.
    ///
    /// # Errors
    /// [`EnvelopeError::Random`] when the random source fails.
    pub fn seal<'c>(
        &self,
        credentials: &'c Credentials,
        now: Timestamp,
        rng: &mut impl SecureRandom,
    ) -> Result<(SealedRequest<'c>, PendingTokenGenerate), EnvelopeError> {
        let payload = self.payload_json();
        let (sealed, pending) = credentials.seal(
            TOKEN_GENERATE_PATH,
            payload.as_bytes(),
            BodyEncoding::Text,
            now,
            rng,
        )?;
        Ok((sealed, PendingTokenGenerate(pending)))
    }
}

impl fmt::Debug for TokenGenerateRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match &self.subject {
            Subject::EmailHash(_) => "email_hash",
            Subject::PhoneHash(_) => "phone_hash",
            Subject::Email(_) => "email",
            Subject::Phone(_) => "phone",
        };
        f.debug_struct("TokenGenerateRequest")
            .field("kind", &kind)
            .field("has_tcf_consent_string", &self.tcf_consent_string.is_some())
            .finish_non_exhaustive()
    }
}

/// The request document: exactly one identity member, and the consent string when given.
#[derive(Serialize)]
struct Payload<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    email_hash: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    phone_hash: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    phone: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tcf_consent_string: Option<&'a str>,
}

/// Reads the reply to a token generate request. Holds the request nonce.
#[must_use = "the pending request is the only way to open the operator's reply"]
#[derive(Debug)]
pub struct PendingTokenGenerate(PendingResponse);

impl PendingTokenGenerate {
    /// Opens the operator's reply (in place in `body`) and reads the outcome. `body` is wiped
    /// (all zeros) before this returns, whatever the outcome: once opened it holds the identity
    /// in clear (tokens and the refresh response key).
    ///
    /// # Errors
    /// The errors of [`PendingResponse::open`] (HTTP status, authentication, nonce) and of
    /// [`TokenResponse::from_generate_document`] (document shape, `insufficient_user_consent`,
    /// other statuses).
    pub fn open(
        self,
        status: u16,
        content_type: Option<&str>,
        body: &mut [u8],
    ) -> Result<TokenGenerateResponse, ResponseError> {
        let read = self
            .0
            .open(status, content_type, body)
            .and_then(|opened| TokenResponse::from_generate_document(opened.document()));
        zeroize::Zeroize::zeroize(body);
        read
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;

    #[test]
    fn bodies() {
        let r = TokenGenerateRequest::from_phone("+12345678901").unwrap();
        assert_eq!(
            r.payload_json().as_str(),
            r#"{"phone_hash":"EObwtHBUqDNZR33LNSMdtt5cafsYFuGmuY4ZLenlue4="}"#
        );
        let r =
            TokenGenerateRequest::from_email_unhashed("a\"b@x.com").with_tcf_consent_string("C");
        assert_eq!(
            r.payload_json().as_str(),
            r#"{"email":"a\"b@x.com","tcf_consent_string":"C"}"#
        );
        assert!(!format!("{r:?}").contains("x.com"));
        assert_eq!(
            TokenGenerateRequest::from_email("nope").unwrap_err(),
            IdentityError::InvalidEmail
        );
        assert_eq!(
            TokenGenerateRequest::from_phone("12345678901").unwrap_err(),
            IdentityError::InvalidPhone
        );
    }

    #[test]
    fn caller_hashes_must_be_sha256() {
        use crate::identity::IdentityKind;
        // A raw email passed by mistake is refused, so it never leaves the process.
        for bad in [
            "user@example.com",
            "",
            "AAAA",
            "tMmiiTI7IaAcPpQPFQ65uMVCWH8av9jw4cwf/F5HVRQ",
        ] {
            assert_eq!(
                TokenGenerateRequest::from_hashed_email(bad).unwrap_err(),
                IdentityError::InvalidHash {
                    kind: IdentityKind::Email
                },
                "{bad}"
            );
            assert_eq!(
                TokenGenerateRequest::from_hashed_phone(bad).unwrap_err(),
                IdentityError::InvalidHash {
                    kind: IdentityKind::Phone
                },
                "{bad}"
            );
        }
        let r = TokenGenerateRequest::from_hashed_email(
            "b4c9a289323b21a01c3e940f150eb9b8c542587f1abfd8f0e1cc1ffc5e475514",
        )
        .unwrap();
        assert_eq!(
            r.payload_json().as_str(),
            r#"{"email_hash":"tMmiiTI7IaAcPpQPFQ65uMVCWH8av9jw4cwf/F5HVRQ="}"#
        );
    }
}
