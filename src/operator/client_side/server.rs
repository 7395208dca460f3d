//! The operator side of client-side token generation (features `cstg` and `server`): open a
//! `/v2/token/client-generate` request with the operator's key pair and seal the reply.
//!
//! | step | item |
//! | --- | --- |
//! | the operator's key pair | [`ServerKeyPair::from_secret_bytes`]; publish [`ServerKeyPair::public_key`] |
//! | read the JSON body (before any cryptography) | [`ClientSideRequestBody::parse`]: subscription id, app name, timestamp |
//! | check the origin or app name | [`is_origin_allowed`], [`is_app_name_allowed`] |
//! | decrypt the payload | [`ClientSideRequestBody::open`] → [`OpenedClientSideRequest`] |
//! | seal the reply | [`OpenedClientSideRequest::seal_response`] |
//!
//! Rejections are [`ClientSideRequestError`]s, answered with HTTP 400 `client_error` and the
//! operator's messages.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use base64::Engine as _;
use p256::pkcs8::DecodePublicKey as _;
use serde_json::{Map, Value};
use zeroize::Zeroizing;

use super::key::ServerPublicKey;
use super::{ClientSideError, additional_data, open_with_aad, seal_with_aad, shared_key};
use crate::codec::b64;
use crate::envelope::{EnvelopeError, IV_LEN};
use crate::random::SecureRandom;
use crate::scope::IdentityScope;
use crate::secret::Secret;

/// The operator's key pair for client-side token generation.
///
/// `Debug` shows the public key only; the private key is zeroized on drop.
#[derive(Clone)]
pub struct ServerKeyPair {
    secret: p256::SecretKey,
    public: ServerPublicKey,
}

impl ServerKeyPair {
    /// A key pair from a 32-byte big-endian P-256 private scalar, published for `scope` and
    /// the environment letter `environment` (`P`, `I`, `L`, …).
    ///
    /// # Errors
    /// [`ClientSideError::InvalidServerPublicKey`] when `environment` is not an upper-case ASCII
    /// letter or `secret` is zero or not below the group order.
    pub fn from_secret_bytes(
        scope: IdentityScope,
        environment: char,
        secret: &[u8; 32],
    ) -> Result<Self, ClientSideError> {
        let invalid = |reason| ClientSideError::InvalidServerPublicKey { reason };
        let env = u8::try_from(environment)
            .ok()
            .filter(u8::is_ascii_uppercase)
            .ok_or(invalid("the environment is not an upper-case letter"))?;
        let field = <&p256::FieldBytes>::try_from(secret.as_slice())
            .map_err(|_| invalid("the private key is not 32 bytes"))?;
        let secret = p256::SecretKey::from_bytes(field)
            .map_err(|_| invalid("the private key is not a P-256 scalar"))?;
        let public = ServerPublicKey::from_key(scope, env, secret.public_key());
        Ok(Self { secret, public })
    }

    /// The public key to give publishers.
    #[must_use]
    pub const fn public_key(&self) -> &ServerPublicKey {
        &self.public
    }
}

impl fmt::Debug for ServerKeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerKeyPair")
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}

/// A `/v2/token/client-generate` body, read as JSON but not yet decrypted.
///
/// `Debug` shows the subscription id, the app name and the timestamp.
#[derive(Clone)]
pub struct ClientSideRequestBody {
    payload: Option<String>,
    iv: Option<String>,
    public_key: Option<String>,
    timestamp: i64,
    subscription_id: Option<String>,
    app_name: Option<String>,
}

impl ClientSideRequestBody {
    /// Reads the JSON body. Members may be absent; `timestamp` is an integer or a string
    /// holding one (absent = 0), the others strings or `null`.
    ///
    /// # Errors
    /// [`ClientSideRequestError::InvalidJson`] when the body is not a JSON object or a member
    /// has another type.
    pub fn parse(body: &[u8]) -> Result<Self, ClientSideRequestError> {
        let map: Map<String, Value> =
            serde_json::from_slice(body).map_err(|_| ClientSideRequestError::InvalidJson)?;
        let text = |name: &str| match map.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(ClientSideRequestError::InvalidJson),
        };
        let timestamp = match map.get("timestamp") {
            None | Some(Value::Null) => Some(0),
            Some(Value::Number(n)) => n.as_i64(),
            Some(Value::String(s)) => s.trim().parse().ok(),
            Some(_) => None,
        }
        .ok_or(ClientSideRequestError::InvalidJson)?;
        Ok(Self {
            payload: text("payload")?,
            iv: text("iv")?,
            public_key: text("public_key")?,
            timestamp,
            subscription_id: text("subscription_id")?,
            app_name: text("app_name")?,
        })
    }

    /// `subscription_id`, which names the key pair (and so the site).
    #[must_use]
    pub fn subscription_id(&self) -> Option<&str> {
        self.subscription_id.as_deref()
    }

    /// `app_name`, when the request comes from an app rather than a web origin.
    #[must_use]
    pub fn app_name(&self) -> Option<&str> {
        self.app_name.as_deref()
    }

    /// `timestamp` (epoch milliseconds), bound into the encryption; not compared with a clock.
    #[must_use]
    pub const fn timestamp(&self) -> i64 {
        self.timestamp
    }

    /// Decrypts the payload with the key pair the subscription id names.
    ///
    /// # Errors
    /// In the operator's order: [`ClientSideRequestError::MissingParameters`],
    /// [`ClientSideRequestError::BadPublicKey`], [`ClientSideRequestError::BadIv`],
    /// [`ClientSideRequestError::DecryptFailed`] (also for a `payload` that is not base64),
    /// [`ClientSideRequestError::InvalidPayloadJson`] (the payload is not a JSON object).
    pub fn open(
        &self,
        key_pair: &ServerKeyPair,
    ) -> Result<OpenedClientSideRequest, ClientSideRequestError> {
        let (Some(payload), Some(iv), Some(public_key)) =
            (&self.payload, &self.iv, &self.public_key)
        else {
            return Err(ClientSideRequestError::MissingParameters);
        };
        let client_key = b64::STANDARD
            .decode(public_key.trim())
            .ok()
            .and_then(|der| p256::PublicKey::from_public_key_der(&der).ok())
            .ok_or(ClientSideRequestError::BadPublicKey)?;
        let iv: [u8; IV_LEN] = b64::STANDARD
            .decode(iv.trim())
            .ok()
            .and_then(|v| v.try_into().ok())
            .ok_or(ClientSideRequestError::BadIv)?;
        let key = shared_key(&key_pair.secret, &client_key);
        let aad = additional_data(self.timestamp, self.app_name.as_deref());
        let sealed = b64::STANDARD
            .decode(payload.trim())
            .map_err(|_| ClientSideRequestError::DecryptFailed)?;
        let payload =
            open_with_aad(&key, &iv, &sealed, &aad).ok_or(ClientSideRequestError::DecryptFailed)?;
        if serde_json::from_slice::<Map<String, Value>>(&payload).is_err() {
            return Err(ClientSideRequestError::InvalidPayloadJson);
        }
        Ok(OpenedClientSideRequest { payload, key })
    }
}

impl fmt::Debug for ClientSideRequestBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientSideRequestBody")
            .field("subscription_id", &self.subscription_id)
            .field("app_name", &self.app_name)
            .field("timestamp", &self.timestamp)
            .finish_non_exhaustive()
    }
}

/// A decrypted client-side request: the payload and the key its reply is sealed with.
///
/// `Debug` shows the payload length only (it holds a hashed email or phone number).
pub struct OpenedClientSideRequest {
    payload: Zeroizing<Vec<u8>>,
    key: Secret<32>,
}

impl OpenedClientSideRequest {
    /// The decrypted payload: a JSON object such as `{"email_hash":"…"}`.
    #[must_use]
    pub fn payload(&self) -> &[u8] {
        &self.payload
    }

    /// Seals `document` (for example `{"status":"success","body":{…}}`) as the 200 reply:
    /// base64 text of `IV ‖ AES-256-GCM(document) ‖ tag` under the request's shared key, with no
    /// additional data. Draws the 12-byte IV from `rng`.
    ///
    /// # Errors
    /// [`EnvelopeError::Random`] when the random source fails;
    /// [`EnvelopeError::PayloadTooLarge`] when the document is too large for AES-GCM.
    pub fn seal_response(
        &self,
        document: &[u8],
        rng: &mut impl SecureRandom,
    ) -> Result<Vec<u8>, EnvelopeError> {
        let mut iv = [0u8; IV_LEN];
        rng.fill(&mut iv)?;
        let sealed =
            seal_with_aad(&self.key, &iv, document, &[]).ok_or(EnvelopeError::PayloadTooLarge {
                len: document.len(),
            })?;
        let mut blob = Vec::with_capacity(sealed.len().saturating_add(IV_LEN));
        blob.extend_from_slice(&iv);
        blob.extend_from_slice(&sealed);
        Ok(b64::STANDARD.encode(blob).into_bytes())
    }
}

impl fmt::Debug for OpenedClientSideRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenedClientSideRequest")
            .field("payload_len", &self.payload.len())
            .finish_non_exhaustive()
    }
}

/// Whether the `Origin` header value `origin` (`scheme://host[:port]`) belongs to one of the
/// site's registered domain `names`.
///
/// The operator compares the host's registrable domain (the public-suffix "top private
/// domain") with the names. Without a public-suffix list this check accepts a host that equals
/// a name or ends with `.` and a name (ASCII case ignored), which agrees with the operator when
/// the names are registrable domains, as the operator requires. `localhost` and its subdomains
/// match the name `localhost`.
#[must_use]
pub fn is_origin_allowed<'a>(origin: &str, names: impl IntoIterator<Item = &'a str>) -> bool {
    let Some(host) = origin_host(origin) else {
        return false;
    };
    names.into_iter().any(|name| {
        let name = name.trim_end_matches('.');
        if name.is_empty() {
            return false;
        }
        host.eq_ignore_ascii_case(name)
            || host
                .len()
                .checked_sub(name.len())
                .and_then(|cut| host.split_at_checked(cut))
                .is_some_and(|(head, tail)| {
                    head.ends_with('.') && head.len() > 1 && tail.eq_ignore_ascii_case(name)
                })
    })
}

/// The host of `scheme://host[:port][/…]`.
fn origin_host(origin: &str) -> Option<&str> {
    let (scheme, rest) = origin.trim().split_once("://")?;
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit('@').next()?;
    let host = host.split(':').next()?.trim_end_matches('.');
    (!host.is_empty()).then_some(host)
}

/// Whether `app_name` equals one of the site's registered app `names`, ignoring case.
#[must_use]
pub fn is_app_name_allowed<'a>(app_name: &str, names: impl IntoIterator<Item = &'a str>) -> bool {
    names.into_iter().any(|n| {
        n.eq_ignore_ascii_case(app_name)
            || n.chars()
                .flat_map(char::to_lowercase)
                .eq(app_name.chars().flat_map(char::to_lowercase))
    })
}

/// Why the operator rejected a client-side request body; see [`message`](Self::message).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientSideRequestError {
    /// The body is not a JSON object of the expected member types.
    InvalidJson,
    /// `payload`, `iv` or `public_key` is missing.
    MissingParameters,
    /// `public_key` is not base64 of a P-256 `SubjectPublicKeyInfo`.
    BadPublicKey,
    /// `iv` is not base64 of 12 bytes.
    BadIv,
    /// The payload failed authentication (wrong key pair, timestamp or app name).
    DecryptFailed,
    /// The decrypted payload is not a JSON object.
    InvalidPayloadJson,
}

impl ClientSideRequestError {
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

    /// The operator's `message` for this error.
    #[must_use]
    pub const fn message(&self) -> &'static str {
        match self {
            Self::InvalidJson => "json payload is not valid",
            Self::MissingParameters => "required parameters: payload, iv, public_key",
            Self::BadPublicKey => "bad public key",
            Self::BadIv => "bad iv",
            Self::DecryptFailed => "payload decryption failed",
            Self::InvalidPayloadJson => "encrypted payload contains invalid json",
        }
    }
}

impl fmt::Display for ClientSideRequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl core::error::Error for ClientSideRequestError {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operator::TokenResponse;
    use crate::operator::client_side::{ClientSideCredentials, ClientSideTokenGenerateRequest};
    use crate::random::ReplayRandom;
    use crate::time::Timestamp;

    fn key_pair() -> ServerKeyPair {
        ServerKeyPair::from_secret_bytes(IdentityScope::Uid2, 'L', &[0x11; 32]).unwrap()
    }

    #[test]
    fn key_pairs_check_their_input() {
        let kp = key_pair();
        assert!(kp.public_key().as_str().starts_with("UID2-X-L-MFkw"));
        assert!(!alloc::format!("{kp:?}").contains("1111"));
        let reparsed = ServerPublicKey::parse(kp.public_key().as_str()).unwrap();
        assert_eq!(&reparsed, kp.public_key());
        assert!(ServerKeyPair::from_secret_bytes(IdentityScope::Uid2, 'l', &[1; 32]).is_err());
        assert!(ServerKeyPair::from_secret_bytes(IdentityScope::Uid2, 'L', &[0; 32]).is_err());
        assert!(ServerKeyPair::from_secret_bytes(IdentityScope::Uid2, 'L', &[0xff; 32]).is_err());
    }

    #[test]
    fn round_trip_through_both_sides() {
        let kp = key_pair();
        let credentials = ClientSideCredentials::with_key("sub", kp.public_key().clone()).unwrap();
        let request = ClientSideTokenGenerateRequest::from_phone("+12345678901")
            .unwrap()
            .with_app_name("com.example.app")
            .unwrap();
        let now = Timestamp::from_millis(42);
        let (http, pending) = request
            .seal(&credentials, now, &mut ReplayRandom::new(&[4; 44]))
            .unwrap();
        let body = ClientSideRequestBody::parse(http.body()).unwrap();
        assert_eq!(body.subscription_id(), Some("sub"));
        assert_eq!(body.app_name(), Some("com.example.app"));
        assert_eq!(body.timestamp(), 42);
        let opened = body.open(&kp).unwrap();
        assert_eq!(opened.payload(), request.payload_json().as_bytes());
        let reply = opened
            .seal_response(br#"{"status":"optout"}"#, &mut ReplayRandom::new(&[5; 12]))
            .unwrap();
        assert!(matches!(
            pending.open(200, &reply).unwrap(),
            TokenResponse::OptOut
        ));

        // Another key pair, a changed timestamp or app name: the payload does not open.
        let other =
            ServerKeyPair::from_secret_bytes(IdentityScope::Uid2, 'L', &[0x22; 32]).unwrap();
        assert_eq!(
            body.open(&other).unwrap_err(),
            ClientSideRequestError::DecryptFailed
        );
        let mut value: Value = serde_json::from_slice(http.body()).unwrap();
        value["timestamp"] = Value::from(43);
        let changed = ClientSideRequestBody::parse(&serde_json::to_vec(&value).unwrap()).unwrap();
        assert_eq!(
            changed.open(&kp).unwrap_err(),
            ClientSideRequestError::DecryptFailed
        );
        value["timestamp"] = Value::from("42");
        value["app_name"] = Value::from("com.example.other");
        let changed = ClientSideRequestBody::parse(&serde_json::to_vec(&value).unwrap()).unwrap();
        assert_eq!(
            changed.open(&kp).unwrap_err(),
            ClientSideRequestError::DecryptFailed
        );
    }

    #[test]
    fn rejects_bodies_as_the_operator() {
        let kp = key_pair();
        let err = |body: &str| {
            ClientSideRequestBody::parse(body.as_bytes())
                .and_then(|b| b.open(&kp))
                .unwrap_err()
        };
        assert_eq!(err("[]"), ClientSideRequestError::InvalidJson);
        assert_eq!(err(r#"{"iv":1}"#), ClientSideRequestError::InvalidJson);
        assert_eq!(
            err(r#"{"iv":"AAAA","public_key":"AAAA"}"#),
            ClientSideRequestError::MissingParameters
        );
        assert_eq!(
            err(r#"{"payload":"AAAA","iv":"AAAA","public_key":"AAAA"}"#),
            ClientSideRequestError::BadPublicKey
        );
        let pk = b64::STANDARD.encode(super::super::key::spki_der(&kp.secret.public_key()));
        let body = |iv: &str, payload: &str| {
            alloc::format!(r#"{{"payload":"{payload}","iv":"{iv}","public_key":"{pk}"}}"#)
        };
        assert_eq!(err(&body("AAAA", "AAAA")), ClientSideRequestError::BadIv);
        assert_eq!(
            err(&body("AAAAAAAAAAAAAAAA", "AAAA")),
            ClientSideRequestError::DecryptFailed
        );
        assert_eq!(ClientSideRequestError::BadIv.message(), "bad iv");
    }

    #[test]
    fn origin_and_app_name_checks() {
        let names = ["example.com", "com.example.app", "localhost"];
        for ok in [
            "https://example.com",
            "https://www.Example.com:8443",
            "http://a.b.example.com/",
            "http://localhost:3000",
            "http://app.localhost",
        ] {
            assert!(is_origin_allowed(ok, names), "{ok}");
        }
        for bad in [
            "https://example.net",
            "https://notexample.com",
            "example.com",
            "ftp://example.com",
            "https://.example.com",
            "null",
            "",
        ] {
            assert!(!is_origin_allowed(bad, names), "{bad}");
        }
        assert!(is_app_name_allowed("COM.Example.App", names));
        assert!(!is_app_name_allowed("com.example", names));
    }
}
