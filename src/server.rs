//! The operator side of the v2 envelope (feature `server`): open sealed requests and seal replies.
//!
//! This is the mirror image of [`envelope`](crate::envelope), for loopback test operators and
//! other server-side code that must speak the operator API. It performs no I/O: the caller passes
//! the request bytes, the current time and a random source, and sends the sealed reply itself.
//!
//! | step | function |
//! | --- | --- |
//! | open a sealed request (text or binary) | [`open_request`] → [`OpenedRequest`] |
//! | check the request timestamp against the clock | [`OpenedRequest::check_timestamp`] |
//! | seal the reply, echoing the request nonce | [`OpenedRequest::seal_response`], [`seal_response`] |
//! | seal a `/v2/token/refresh` reply | [`seal_refresh_response`] |
//!
//! Layouts are those of [`envelope`](crate::envelope): a request is `0x01 ‖ IV(12) ‖
//! AES-256-GCM(timestamp(8) ‖ nonce(8) ‖ payload) ‖ tag(16)`; a reply is `IV(12) ‖
//! AES-256-GCM(timestamp(8) ‖ nonce(8) ‖ document) ‖ tag(16)`; a refresh reply is `IV(12) ‖
//! AES-256-GCM(document) ‖ tag(16)` under the identity's refresh response key, as base64 text.
//!
//! Keys are taken as [`Secret<32>`](crate::Secret): the client secret as the operator stores it.
//!
//! ```
//! use uid2::envelope::{seal_request, BodyEncoding, ClientSecret};
//! use uid2::random::OsRandom; // the `getrandom` feature
//! use uid2::server::open_request;
//! use uid2::{Secret, Timestamp};
//!
//! const SECRET: &str = "ioG3wKxAokmp+rERx6A4kM/13qhyolUXIu14WN16Spo=";
//! let now = Timestamp::from_millis(1_700_000_000_000);
//!
//! // The client seals a request...
//! let mut body = [0u8; 128];
//! let (len, pending) = seal_request(
//!     &ClientSecret::from_base64(SECRET)?, now, &mut OsRandom,
//!     br#"{"email_hash":"x"}"#, BodyEncoding::Text, &mut body,
//! )?;
//!
//! // ...the operator opens it and answers...
//! let server_secret = Secret::<32>::from_base64(SECRET)?;
//! let request = open_request(&server_secret, Some("text/plain"), &body[..len])?;
//! request.check_timestamp(now)?;
//! assert_eq!(request.payload(), br#"{"email_hash":"x"}"#);
//! let mut reply = request.seal_response(
//!     &server_secret, now, br#"{"status":"optout"}"#, &mut OsRandom,
//! )?;
//!
//! // ...and the client opens the reply.
//! let opened = pending.open(200, Some("text/plain"), &mut reply)?;
//! assert_eq!(opened.document(), br#"{"status":"optout"}"#);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use alloc::vec;
use alloc::vec::Vec;
use core::fmt;

use aes_gcm::aead::{AeadInOut, KeyInit};
use aes_gcm::{Aes256Gcm, Tag};
use base64::Engine as _;

use crate::codec::{Reader, Writer, b64};
use crate::envelope::{
    BodyEncoding, ENVELOPE_VERSION, EnvelopeError, IV_LEN, NONCE_LEN, REQUEST_OVERHEAD,
    RefreshResponseKey, TAG_LEN, TIMESTAMP_LEN,
};
use crate::random::SecureRandom;
use crate::secret::Secret;
use crate::time::Timestamp;

/// The largest clock difference, in milliseconds, between a request timestamp and the operator's
/// clock that [`OpenedRequest::check_timestamp`] accepts. The operator truncates the difference
/// to whole minutes and rejects it above one minute, so anything under two minutes passes.
pub const MAX_TIMESTAMP_DRIFT_MILLIS: i64 = 119_999;

/// A request envelope opened by the operator: its timestamp, nonce and payload.
///
/// `Debug` shows the timestamp, the encoding and the payload length; never the payload, which
/// carries hashed or raw personal data.
#[derive(Clone)]
pub struct OpenedRequest {
    timestamp: Timestamp,
    nonce: [u8; NONCE_LEN],
    payload: Vec<u8>,
    encoding: BodyEncoding,
}

impl OpenedRequest {
    /// The client's timestamp from the envelope.
    #[must_use]
    pub const fn timestamp(&self) -> Timestamp {
        self.timestamp
    }

    /// The request nonce, which the reply must echo.
    #[must_use]
    pub const fn nonce(&self) -> [u8; NONCE_LEN] {
        self.nonce
    }

    /// The payload: a JSON object, or empty (the key endpoints).
    #[must_use]
    pub fn payload(&self) -> &[u8] {
        &self.payload
    }

    /// The encoding the request arrived in; the reply uses the same one.
    #[must_use]
    pub const fn encoding(&self) -> BodyEncoding {
        self.encoding
    }

    /// Checks the request timestamp against the operator's clock (see
    /// [`MAX_TIMESTAMP_DRIFT_MILLIS`]).
    ///
    /// # Errors
    /// [`RequestError::StaleTimestamp`] when the timestamp is two minutes or more away from `now`,
    /// in either direction.
    pub fn check_timestamp(&self, now: Timestamp) -> Result<(), RequestError> {
        let drift = now.saturating_millis_since(self.timestamp).saturating_abs();
        if drift > MAX_TIMESTAMP_DRIFT_MILLIS {
            Err(RequestError::StaleTimestamp {
                sent: self.timestamp,
                now,
            })
        } else {
            Ok(())
        }
    }

    /// Seals `document` as the reply to this request: same nonce, same encoding. See
    /// [`seal_response`].
    ///
    /// # Errors
    /// As [`seal_response`].
    pub fn seal_response(
        &self,
        secret: &Secret<32>,
        now: Timestamp,
        document: &[u8],
        rng: &mut impl SecureRandom,
    ) -> Result<Vec<u8>, EnvelopeError> {
        seal_response(secret, now, &self.nonce, document, self.encoding, rng)
    }
}

impl fmt::Debug for OpenedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenedRequest")
            .field("timestamp", &self.timestamp)
            .field("encoding", &self.encoding)
            .field("payload_len", &self.payload.len())
            .finish_non_exhaustive()
    }
}

/// Opens a sealed request body with the client secret of the API key that sent it.
///
/// The body is read as raw bytes when `content_type` is exactly `application/octet-stream`
/// (case-insensitive, parameters ignored) and as standard padded base64 text otherwise
/// (surrounding ASCII whitespace ignored). As the operator does, a binary body that does not
/// open is tried once more as base64 text; the returned [`OpenedRequest::encoding`] says which
/// reading succeeded. A non-empty payload must be a JSON object.
///
/// The timestamp is not checked here; call [`OpenedRequest::check_timestamp`].
///
/// # Errors
/// [`RequestError`] for each reason the operator rejects an envelope (all answered with HTTP 400
/// `client_error`): an empty body, text that is not base64 (or is plain JSON), fewer than
/// [`REQUEST_OVERHEAD`] bytes, an unknown version byte, a failed authentication, or a payload
/// that is not a JSON object.
pub fn open_request(
    secret: &Secret<32>,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<OpenedRequest, RequestError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(RequestError::EmptyBody);
    }
    match BodyEncoding::of_response(content_type) {
        BodyEncoding::Binary => open_binary(secret, body, BodyEncoding::Binary).or_else(|err| {
            // The operator falls back to reading the body as text (and answers in text).
            open_text(secret, body).map_err(|_| err)
        }),
        BodyEncoding::Text => open_text(secret, body),
    }
}

/// Opens a base64 text body.
fn open_text(secret: &Secret<32>, body: &[u8]) -> Result<OpenedRequest, RequestError> {
    let text = trim_ascii(body);
    let Ok(bytes) = b64_strict().decode(text) else {
        return Err(if looks_like_json_object(text) {
            RequestError::UnencryptedJson
        } else {
            RequestError::InvalidBase64
        });
    };
    open_binary(secret, &bytes, BodyEncoding::Text)
}

/// Opens `0x01 ‖ IV ‖ ciphertext ‖ tag`.
fn open_binary(
    secret: &Secret<32>,
    envelope: &[u8],
    encoding: BodyEncoding,
) -> Result<OpenedRequest, RequestError> {
    let len = envelope.len();
    if len < REQUEST_OVERHEAD {
        return Err(RequestError::TooShort { len });
    }
    let mut r = Reader::new(envelope);
    let version = r.array::<1>().map(|[v]| v);
    if version != Some(ENVELOPE_VERSION) {
        return Err(RequestError::UnsupportedVersion {
            version: version.unwrap_or_default(),
        });
    }
    let iv = r.array::<IV_LEN>().ok_or(RequestError::TooShort { len })?;
    let rest = r.take(len.saturating_sub(1 + IV_LEN)).unwrap_or_default();
    let tag_start = rest
        .len()
        .checked_sub(TAG_LEN)
        .ok_or(RequestError::TooShort { len })?;
    let (ciphertext, tag) = rest.split_at(tag_start);
    let tag = Tag::try_from(tag).map_err(|_| RequestError::TooShort { len })?;
    let mut plaintext = ciphertext.to_vec();
    cipher(secret)
        .decrypt_inout_detached(
            &aes_gcm::aead::Nonce::<Aes256Gcm>::from(iv),
            &[],
            plaintext.as_mut_slice().into(),
            &tag,
        )
        .map_err(|_| RequestError::DecryptFailed)?;
    let mut r = Reader::new(&plaintext);
    let (Some(timestamp), Some(nonce)) = (r.i64(), r.array::<NONCE_LEN>()) else {
        return Err(RequestError::TooShort { len });
    };
    let payload = plaintext
        .get(TIMESTAMP_LEN + NONCE_LEN..)
        .unwrap_or_default()
        .to_vec();
    if !payload.is_empty() && !is_json_object(&payload) {
        return Err(RequestError::InvalidPayload);
    }
    Ok(OpenedRequest {
        timestamp: Timestamp::from_millis(timestamp),
        nonce,
        payload,
        encoding,
    })
}

/// Seals `document` as an operator reply: `IV ‖ GCM(now ‖ nonce ‖ document) ‖ tag`, returned as
/// base64 text ([`BodyEncoding::Text`], sent as `text/plain`) or raw bytes
/// ([`BodyEncoding::Binary`], sent as `application/octet-stream`).
///
/// Draws the 12-byte IV from `rng`. `nonce` is the request's nonce.
///
/// # Errors
/// [`EnvelopeError::Random`] when the random source fails; [`EnvelopeError::PayloadTooLarge`]
/// when the document is too large for AES-GCM.
pub fn seal_response(
    secret: &Secret<32>,
    now: Timestamp,
    nonce: &[u8; NONCE_LEN],
    document: &[u8],
    encoding: BodyEncoding,
    rng: &mut impl SecureRandom,
) -> Result<Vec<u8>, EnvelopeError> {
    let too_large = EnvelopeError::PayloadTooLarge {
        len: document.len(),
    };
    let mut plaintext = vec![0u8; TIMESTAMP_LEN + NONCE_LEN];
    {
        let mut w = Writer::new(&mut plaintext);
        w.i64(now.as_millis())
            .and_then(|()| w.put(nonce))
            .ok_or(too_large)?;
    }
    plaintext.extend_from_slice(document);
    let blob = seal_blob(secret.expose(), plaintext, rng)?;
    Ok(match encoding {
        BodyEncoding::Binary => blob,
        _ => b64::STANDARD.encode(&blob).into_bytes(),
    })
}

/// Seals `document` as a `/v2/token/refresh` reply: base64 text of `IV ‖ GCM(document) ‖ tag`
/// under the refresh response key that was issued with the refresh token (no timestamp, no
/// nonce). Send it as `text/plain`.
///
/// # Errors
/// [`EnvelopeError::Random`] when the random source fails; [`EnvelopeError::PayloadTooLarge`]
/// when the document is too large for AES-GCM.
pub fn seal_refresh_response(
    key: &RefreshResponseKey,
    document: &[u8],
    rng: &mut impl SecureRandom,
) -> Result<Vec<u8>, EnvelopeError> {
    let blob = seal_blob(key.expose(), document.to_vec(), rng)?;
    Ok(b64::STANDARD.encode(&blob).into_bytes())
}

/// `IV ‖ GCM(plaintext) ‖ tag` with a fresh IV.
fn seal_blob(
    key: &[u8; 32],
    mut plaintext: Vec<u8>,
    rng: &mut impl SecureRandom,
) -> Result<Vec<u8>, EnvelopeError> {
    let too_large = EnvelopeError::PayloadTooLarge {
        len: plaintext.len(),
    };
    let mut iv = [0u8; IV_LEN];
    rng.fill(&mut iv)?;
    let tag = crate::codec::gcm::seal(&Aes256Gcm::new(&(*key).into()), &iv, &mut plaintext)
        .ok_or(too_large)?;
    let mut out = Vec::with_capacity(
        plaintext
            .len()
            .saturating_add(IV_LEN)
            .saturating_add(TAG_LEN),
    );
    out.extend_from_slice(&iv);
    out.append(&mut plaintext);
    out.extend_from_slice(&tag);
    Ok(out)
}

fn cipher(secret: &Secret<32>) -> Aes256Gcm {
    Aes256Gcm::new(&(*secret.expose()).into())
}

/// Strict standard base64: padding required, canonical trailing bits.
const fn b64_strict() -> base64::engine::GeneralPurpose {
    base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::RequireCanonical)
            .with_decode_allow_trailing_bits(false),
    )
}

fn trim_ascii(bytes: &[u8]) -> &[u8] {
    bytes.trim_ascii()
}

/// Whether `bytes` parse as a JSON object (serde_json limits nesting, so this cannot overflow
/// the stack).
fn is_json_object(bytes: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Map<alloc::string::String, serde_json::Value>>(bytes)
        .is_ok()
}

fn looks_like_json_object(bytes: &[u8]) -> bool {
    bytes.first() == Some(&b'{') && is_json_object(bytes)
}

/// Why the operator rejected a request envelope. Every variant is answered with HTTP 400 and the
/// status `client_error`; [`message`](Self::message) gives the explanation to send along.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RequestError {
    /// The body is empty.
    EmptyBody,
    /// A text body is not standard padded base64.
    InvalidBase64,
    /// A text body is a plain JSON object: the client did not encrypt the request.
    UnencryptedJson,
    /// The envelope is shorter than [`REQUEST_OVERHEAD`] bytes.
    TooShort {
        /// The envelope length, in bytes.
        len: usize,
    },
    /// The first byte is not [`ENVELOPE_VERSION`].
    UnsupportedVersion {
        /// The version byte received.
        version: u8,
    },
    /// The envelope failed authentication under the client secret of the API key.
    DecryptFailed,
    /// The request timestamp is too far from the operator's clock.
    StaleTimestamp {
        /// The timestamp in the envelope.
        sent: Timestamp,
        /// The operator's clock.
        now: Timestamp,
    },
    /// The payload is not a JSON object.
    InvalidPayload,
}

impl RequestError {
    /// The `status` the operator answers with: always `client_error`.
    #[must_use]
    pub const fn operator_status(&self) -> &'static str {
        "client_error"
    }

    /// The HTTP status the operator answers with: always 400.
    #[must_use]
    pub const fn http_status(&self) -> u16 {
        400
    }

    /// A short explanation for the error body's `message` member.
    #[must_use]
    pub const fn message(&self) -> &'static str {
        match self {
            Self::EmptyBody => "Body is empty",
            Self::InvalidBase64 => "Body is not a base64 encoded envelope",
            Self::UnencryptedJson => "Body is plain JSON; the request must be encrypted",
            Self::TooShort { .. } => "Body too short",
            Self::UnsupportedVersion { .. } => "Invalid request envelope format version",
            Self::DecryptFailed => "Request failed to decrypt; check encryption key (ClientSecret)",
            Self::StaleTimestamp { .. } => {
                "Invalid timestamp: Request too old or client time drift."
            }
            Self::InvalidPayload => "Invalid payload in body: Data is not valid json string.",
        }
    }
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::EmptyBody => f.write_str("request body is empty"),
            Self::InvalidBase64 => f.write_str("request body is not standard base64"),
            Self::UnencryptedJson => f.write_str("request body is unencrypted json"),
            Self::TooShort { len } => write!(
                f,
                "request envelope of {len} bytes is too short (at least {REQUEST_OVERHEAD} expected)"
            ),
            Self::UnsupportedVersion { version } => {
                write!(f, "request envelope version {version} is not supported")
            }
            Self::DecryptFailed => {
                f.write_str("request envelope failed authentication under the client secret")
            }
            Self::StaleTimestamp { sent, now } => {
                write!(
                    f,
                    "request timestamp {sent} is too far from the clock ({now})"
                )
            }
            Self::InvalidPayload => f.write_str("request payload is not a json object"),
        }
    }
}

impl core::error::Error for RequestError {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::{
        ClientSecret, PendingResponse, ResponseError, open_refresh_response, seal_request,
        sealed_body_len,
    };
    use crate::random::ReplayRandom;
    use alloc::format;

    const SECRET: &str = "ioG3wKxAokmp+rERx6A4kM/13qhyolUXIu14WN16Spo=";
    const NOW: Timestamp = Timestamp::from_millis(1_667_885_597_644);
    const IV_NONCE: [u8; 20] = [
        0xcc, 0x3c, 0xca, 0xca, 0x98, 0x89, 0xea, 0xb3, 0x80, 0x0e, 0x78, 0x7e, 0x31, 0x2f, 0xe5,
        0xaa, 0x08, 0xb2, 0xa0, 0x49,
    ];

    fn server_secret() -> Secret<32> {
        Secret::from_base64(SECRET).unwrap()
    }

    fn client_seal(payload: &[u8], encoding: BodyEncoding) -> (Vec<u8>, PendingResponse) {
        let secret = ClientSecret::from_base64(SECRET).unwrap();
        let mut out = vec![0u8; sealed_body_len(payload.len(), encoding).unwrap()];
        let (n, p) = seal_request(
            &secret,
            NOW,
            &mut ReplayRandom::new(&IV_NONCE),
            payload,
            encoding,
            &mut out,
        )
        .unwrap();
        out.truncate(n);
        (out, p)
    }

    #[test]
    fn opens_the_spec_vectors() {
        let body = b"Acw8ysqYieqzgA54fifdV1TB6V+da8p/AFc8Ju/IYrD77pL7JYMJj8YqD9EsrG3d2d2j0H7kZjH41YsNLpFVCH+oce28z9L9ug==";
        let req = open_request(&server_secret(), None, body).unwrap();
        assert_eq!(req.payload(), br#"{"email":"test@example.com"}"#);
        assert_eq!(req.timestamp(), NOW);
        assert_eq!(
            req.nonce(),
            [0x31, 0x2f, 0xe5, 0xaa, 0x08, 0xb2, 0xa0, 0x49]
        );
        assert_eq!(req.encoding(), BodyEncoding::Text);
        let empty = b"Acw8ysqYieqzgA54fifdV1TB6V+da8p/AFc8Ju/o0iuqwrKKPacJn6xpUAU+\n";
        assert!(
            open_request(&server_secret(), Some("text/plain"), empty)
                .unwrap()
                .payload()
                .is_empty()
        );
    }

    #[test]
    fn reply_matches_the_spec_vector_and_opens_on_the_client() {
        let (_, pending) = client_seal(b"", BodyEncoding::Text);
        let iv: [u8; 12] = core::array::from_fn(|i| u8::try_from(i).unwrap());
        let nonce = [0x31, 0x2f, 0xe5, 0xaa, 0x08, 0xb2, 0xa0, 0x49];
        let mut reply = seal_response(
            &server_secret(),
            Timestamp::from_millis(1_667_885_600_000),
            &nonce,
            br#"{"status":"optout"}"#,
            BodyEncoding::Text,
            &mut ReplayRandom::new(&iv),
        )
        .unwrap();
        assert_eq!(
            reply,
            b"AAECAwQFBgcICQoLjY5737QNeLNwh3qQe6yvzsuvxsrdHsEED5N3y07ldesePlW4btEEzdcQ9Lme+ztiklM9"
        );
        let opened = pending.open(200, Some("text/plain"), &mut reply).unwrap();
        assert_eq!(opened.document(), br#"{"status":"optout"}"#);
    }

    #[test]
    fn round_trips_in_both_encodings() {
        for encoding in [BodyEncoding::Text, BodyEncoding::Binary] {
            let payload = br#"{"email_hash":["a","b"],"phone_hash":[]}"#;
            let (body, pending) = client_seal(payload, encoding);
            let req = open_request(&server_secret(), Some(encoding.content_type()), &body).unwrap();
            assert_eq!(req.encoding(), encoding);
            assert_eq!(req.payload(), payload);
            req.check_timestamp(NOW).unwrap();
            let mut reply = req
                .seal_response(
                    &server_secret(),
                    NOW,
                    br#"{"status":"success","body":{}}"#,
                    &mut ReplayRandom::new(&[9; 12]),
                )
                .unwrap();
            let opened = pending
                .open(200, Some(encoding.content_type()), &mut reply)
                .unwrap();
            assert_eq!(opened.document(), br#"{"status":"success","body":{}}"#);
            assert_eq!(opened.server_time(), NOW);
        }
    }

    #[test]
    fn binary_content_type_falls_back_to_text() {
        let (body, pending) = client_seal(b"{}", BodyEncoding::Text);
        let req = open_request(&server_secret(), Some("application/octet-stream"), &body).unwrap();
        assert_eq!(req.encoding(), BodyEncoding::Text);
        let mut reply = req
            .seal_response(
                &server_secret(),
                NOW,
                b"{}",
                &mut ReplayRandom::new(&[3; 12]),
            )
            .unwrap();
        assert!(pending.open(200, Some("text/plain"), &mut reply).is_ok());
    }

    #[test]
    fn wrong_nonce_is_detected_by_the_client() {
        let (body, pending) = client_seal(b"", BodyEncoding::Text);
        let req = open_request(&server_secret(), None, &body).unwrap();
        let mut nonce = req.nonce();
        nonce[0] ^= 1;
        let mut reply = seal_response(
            &server_secret(),
            NOW,
            &nonce,
            b"{}",
            BodyEncoding::Text,
            &mut ReplayRandom::new(&[3; 12]),
        )
        .unwrap();
        assert_eq!(
            pending.open(200, None, &mut reply).unwrap_err(),
            ResponseError::NonceMismatch
        );
    }

    #[test]
    fn refresh_reply_matches_the_spec_vector() {
        let key = RefreshResponseKey::from_base64("P941vVeuyjaDRVnFQ8DPd0AZnW4bPeiJPXER2K9QXcU=")
            .unwrap();
        let iv: [u8; 12] = core::array::from_fn(|i| u8::try_from(i + 12).unwrap());
        let mut reply =
            seal_refresh_response(&key, br#"{"status":"optout"}"#, &mut ReplayRandom::new(&iv))
                .unwrap();
        assert_eq!(
            reply,
            b"DA0ODxAREhMUFRYXTUcVNuYDDb2ieEp0xt0KFmquWkKucQEAj4D8jGJqYwdGfHw="
        );
        assert_eq!(
            open_refresh_response(&key, 200, &mut reply).unwrap(),
            br#"{"status":"optout"}"#
        );
    }

    #[test]
    fn rejections_are_typed() {
        let s = server_secret();
        assert_eq!(
            open_request(&s, None, b"").unwrap_err(),
            RequestError::EmptyBody
        );
        assert_eq!(
            open_request(&s, None, b"not base64!").unwrap_err(),
            RequestError::InvalidBase64
        );
        assert_eq!(
            open_request(&s, None, br#"{"email":"a@b"}"#).unwrap_err(),
            RequestError::UnencryptedJson
        );
        assert_eq!(
            open_request(&s, None, b"AAAA").unwrap_err(),
            RequestError::TooShort { len: 3 }
        );
        let (mut body, _) = client_seal(b"", BodyEncoding::Binary);
        body[0] = 2;
        assert_eq!(
            open_request(&s, Some("application/octet-stream"), &body).unwrap_err(),
            RequestError::UnsupportedVersion { version: 2 }
        );
        let (mut body, _) = client_seal(b"", BodyEncoding::Binary);
        let last = body.len() - 1;
        body[last] ^= 1;
        assert_eq!(
            open_request(&s, Some("application/octet-stream"), &body).unwrap_err(),
            RequestError::DecryptFailed
        );
        let (body, _) = client_seal(b"[1,2]", BodyEncoding::Text);
        assert_eq!(
            open_request(&s, None, &body).unwrap_err(),
            RequestError::InvalidPayload
        );
        let other = Secret::new([9u8; 32]);
        let (body, _) = client_seal(b"{}", BodyEncoding::Text);
        assert_eq!(
            open_request(&other, None, &body).unwrap_err(),
            RequestError::DecryptFailed
        );
        let e = RequestError::DecryptFailed;
        assert_eq!(
            (e.http_status(), e.operator_status()),
            (400, "client_error")
        );
        assert!(!format!("{e}").is_empty());
    }

    #[test]
    fn timestamp_window_follows_the_operator() {
        let (body, _) = client_seal(b"", BodyEncoding::Text);
        let req = open_request(&server_secret(), None, &body).unwrap();
        for delta in [0, 60_000, 119_999, -119_999] {
            assert!(
                req.check_timestamp(NOW.saturating_add_millis(delta))
                    .is_ok()
            );
        }
        for delta in [120_000, -120_000, i64::MAX] {
            assert!(matches!(
                req.check_timestamp(NOW.saturating_add_millis(delta)),
                Err(RequestError::StaleTimestamp { .. })
            ));
        }
    }

    #[test]
    fn never_panics_on_garbage() {
        let s = server_secret();
        let mut state = 0x1234_5678_u32;
        for len in 0..200usize {
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                    state.to_be_bytes()[0]
                })
                .collect();
            let text = b64::STANDARD.encode(&bytes);
            for ct in [None, Some("application/octet-stream")] {
                assert!(open_request(&s, ct, &bytes).is_err());
                assert!(open_request(&s, ct, text.as_bytes()).is_err());
            }
        }
    }

    #[test]
    fn debug_hides_the_payload() {
        let (body, _) = client_seal(br#"{"email":"secret@example.com"}"#, BodyEncoding::Text);
        let req = open_request(&server_secret(), None, &body).unwrap();
        let dbg = format!("{req:?}");
        assert!(!dbg.contains("secret@"), "{dbg}");
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn config() -> ProptestConfig {
            ProptestConfig {
                cases: 64,
                failure_persistence: None,
                ..ProptestConfig::default()
            }
        }

        proptest! {
            #![proptest_config(config())]

            #[test]
            fn any_body_is_rejected_without_panicking(
                body in proptest::collection::vec(any::<u8>(), 0..200),
                binary in any::<bool>(),
            ) {
                let ct = binary.then_some("application/octet-stream");
                prop_assert!(open_request(&server_secret(), ct, &body).is_err());
            }

            #[test]
            fn sealed_requests_and_replies_round_trip(
                value in "[ -~]{0,300}",
                document in proptest::collection::vec(any::<u8>(), 0..300),
                iv in any::<[u8; 12]>(),
                binary in any::<bool>(),
            ) {
                let encoding = if binary { BodyEncoding::Binary } else { BodyEncoding::Text };
                let payload = alloc::string::ToString::to_string(&serde_json::json!({ "v": value }));
                let (body, pending) = client_seal(payload.as_bytes(), encoding);
                let req = open_request(&server_secret(), Some(encoding.content_type()), &body)
                    .unwrap();
                prop_assert_eq!(req.payload(), payload.as_bytes());
                let mut reply = req
                    .seal_response(&server_secret(), NOW, &document, &mut ReplayRandom::new(&iv))
                    .unwrap();
                let opened = pending
                    .open(200, Some(encoding.content_type()), &mut reply)
                    .unwrap();
                prop_assert_eq!(opened.document(), &document[..]);
            }
        }
    }
}
