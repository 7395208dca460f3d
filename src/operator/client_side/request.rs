//! The client half: credentials, the request, the sealed HTTP request and its reply.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use base64::Engine as _;
use serde::Serialize;
use zeroize::Zeroizing;

use super::key::spki_der;
use super::{
    CLIENT_GENERATE_PATH, ClientSideError, ServerPublicKey, additional_data, open_with_aad,
    seal_with_aad, shared_key,
};
use crate::codec::b64;
use crate::envelope::{CLIENT_VERSION, Header, IV_LEN, Method, ResponseError, TAG_LEN};
use crate::identity::{
    HashedIdentity, IdentityError, hash_email, hash_phone, hashed_email, hashed_phone,
};
use crate::operator::TokenResponse;
use crate::random::{RandomError, SecureRandom};
use crate::secret::Secret;
use crate::time::Timestamp;

/// The longest subscription id or app name accepted, in bytes.
const MAX_NAME_LEN: usize = 256;
/// How many 32-byte draws may fail to be a P-256 scalar before the source is deemed broken.
/// One draw fails with probability below 2⁻³², so a second failure means a broken source.
const MAX_KEY_DRAWS: usize = 4;

/// What a publisher is issued for client-side token generation: a subscription id and the
/// operator's public key. Neither is secret; `Debug` shows both.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientSideCredentials {
    subscription_id: String,
    server_public_key: ServerPublicKey,
}

impl ClientSideCredentials {
    /// Reads a subscription id (surrounding whitespace removed) and a server public key in its
    /// published text form (see [`ServerPublicKey::parse`]).
    ///
    /// # Errors
    /// [`ClientSideError::InvalidSubscriptionId`] or
    /// [`ClientSideError::InvalidServerPublicKey`].
    pub fn new(subscription_id: &str, server_public_key: &str) -> Result<Self, ClientSideError> {
        let key = ServerPublicKey::parse(server_public_key)?;
        Self::with_key(subscription_id, key)
    }

    /// Like [`new`](Self::new), with a key already parsed.
    ///
    /// # Errors
    /// [`ClientSideError::InvalidSubscriptionId`].
    pub fn with_key(
        subscription_id: &str,
        server_public_key: ServerPublicKey,
    ) -> Result<Self, ClientSideError> {
        let subscription_id = subscription_id.trim();
        if !is_name(subscription_id) {
            return Err(ClientSideError::InvalidSubscriptionId);
        }
        Ok(Self {
            subscription_id: subscription_id.into(),
            server_public_key,
        })
    }

    /// The subscription id.
    #[must_use]
    pub fn subscription_id(&self) -> &str {
        &self.subscription_id
    }

    /// The operator's public key.
    #[must_use]
    pub const fn server_public_key(&self) -> &ServerPublicKey {
        &self.server_public_key
    }
}

/// 1 to [`MAX_NAME_LEN`] bytes, no control characters.
fn is_name(s: &str) -> bool {
    !s.is_empty() && s.len() <= MAX_NAME_LEN && !s.chars().any(char::is_control)
}

/// Whether `origin` is `http[s]://host[:port]`: a host of letters, digits, `-` and `.`, and a
/// port of 1 to 5 digits.
fn is_origin(origin: &str) -> bool {
    let Some(rest) = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
    else {
        return false;
    };
    let (host, port) = match rest.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (rest, None),
    };
    let host_ok = !host.is_empty()
        && host.len() <= 253
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    let port_ok =
        port.is_none_or(|p| (1..=5).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()));
    host_ok && port_ok
}

/// Who asks: a web origin (sent as the `Origin` header) or an app name (sent in the body).
#[derive(Clone, Debug, PartialEq, Eq)]
enum Requester {
    Origin(String),
    AppName(String),
}

/// A client-side token generate request: one hashed email or phone number, and the origin or
/// app name the operator checks against the site's registered names.
///
/// Raw emails and phone numbers are normalized and hashed locally (the endpoint accepts only
/// hashes). `Debug` shows which kind of identity is carried, never its hash.
#[derive(Clone)]
pub struct ClientSideTokenGenerateRequest {
    identity: HashedIdentity,
    requester: Option<Requester>,
}

impl ClientSideTokenGenerateRequest {
    /// A request for an email address, normalized and hashed here.
    ///
    /// # Errors
    /// [`IdentityError::InvalidEmail`] when the input is not an email address.
    pub fn from_email(email: &str) -> Result<Self, IdentityError> {
        Ok(Self::with(hash_email(email)?))
    }

    /// A request for a phone number (`+` and 10 to 15 ASCII digits), hashed here.
    ///
    /// # Errors
    /// [`IdentityError::InvalidPhone`] when the input is not a normalized phone number.
    pub fn from_phone(phone: &str) -> Result<Self, IdentityError> {
        Ok(Self::with(hash_phone(phone)?))
    }

    /// A request for an email the caller normalized and hashed (base64 of the SHA-256 digest,
    /// or 64 hex digits; see [`hashed_email`]).
    ///
    /// # Errors
    /// [`IdentityError::InvalidHash`] when the text is not such a hash.
    pub fn from_hashed_email(hash: &str) -> Result<Self, IdentityError> {
        Ok(Self::with(hashed_email(hash)?))
    }

    /// A request for a phone number the caller hashed (see [`hashed_phone`]).
    ///
    /// # Errors
    /// [`IdentityError::InvalidHash`] when the text is not such a hash.
    pub fn from_hashed_phone(hash: &str) -> Result<Self, IdentityError> {
        Ok(Self::with(hashed_phone(hash)?))
    }

    const fn with(identity: HashedIdentity) -> Self {
        Self {
            identity,
            requester: None,
        }
    }

    /// Sends the request as from the web origin `origin` (for example
    /// `https://www.example.com`), in the `Origin` header. The operator requires the origin's
    /// registrable domain to be one of the site's registered domains. Replaces any app name.
    ///
    /// # Errors
    /// [`ClientSideError::InvalidOrigin`] unless `origin` is `http://` or `https://`, a host
    /// name and an optional `:port`, with no path.
    pub fn with_origin(mut self, origin: &str) -> Result<Self, ClientSideError> {
        if !is_origin(origin) {
            return Err(ClientSideError::InvalidOrigin);
        }
        self.requester = Some(Requester::Origin(origin.into()));
        Ok(self)
    }

    /// Sends the request for the app `app_name` (for example `com.example.app`), in the body
    /// and bound into the encryption. The operator requires it to equal one of the site's
    /// registered app names, ignoring case. Replaces any origin.
    ///
    /// # Errors
    /// [`ClientSideError::InvalidAppName`] when it is empty, longer than 256 bytes or contains
    /// control characters.
    pub fn with_app_name(mut self, app_name: &str) -> Result<Self, ClientSideError> {
        if !is_name(app_name) {
            return Err(ClientSideError::InvalidAppName);
        }
        self.requester = Some(Requester::AppName(app_name.into()));
        Ok(self)
    }

    /// The plaintext payload that is encrypted: `{"email_hash":"…"}` or `{"phone_hash":"…"}`.
    #[must_use]
    pub fn payload_json(&self) -> Zeroizing<String> {
        let member = match self.identity.kind() {
            crate::identity::IdentityKind::Phone => "phone_hash",
            _ => "email_hash",
        };
        let mut json = Zeroizing::new(String::with_capacity(64));
        json.push_str("{\"");
        json.push_str(member);
        json.push_str("\":\"");
        // A hash is base64 text: nothing to escape.
        json.push_str(self.identity.as_str());
        json.push_str("\"}");
        json
    }

    /// Seals the request for `credentials` at `now` and describes the HTTP request to send.
    /// Returns it with the pending value that opens the reply.
    ///
    /// Draws 32 bytes of ephemeral private key from `rng` (again if they are not a valid P-256
    /// scalar), then the 12-byte IV. Every attempt needs a fresh seal.
    ///
    /// # Errors
    /// [`RandomError`] when the random source fails (or keeps yielding bytes that are not a
    /// P-256 scalar).
    pub fn seal(
        &self,
        credentials: &ClientSideCredentials,
        now: Timestamp,
        rng: &mut impl SecureRandom,
    ) -> Result<(ClientSideRequest, PendingClientSideTokenGenerate), RandomError> {
        let ephemeral = ephemeral_key(rng)?;
        let mut iv = [0u8; IV_LEN];
        rng.fill(&mut iv)?;
        let key = shared_key(&ephemeral, credentials.server_public_key.key());
        let app_name = match &self.requester {
            Some(Requester::AppName(name)) => Some(name.as_str()),
            _ => None,
        };
        let aad = additional_data(now.as_millis(), app_name);
        let payload = self.payload_json();
        // A payload of a few dozen bytes is always within what AES-GCM can encrypt.
        let sealed = seal_with_aad(&key, &iv, payload.as_bytes(), &aad).unwrap_or_default();
        let body = Body {
            payload: &b64::STANDARD.encode(sealed),
            iv: &b64::STANDARD.encode(iv),
            public_key: &b64::STANDARD.encode(spki_der(&ephemeral.public_key())),
            timestamp: now.as_millis(),
            subscription_id: &credentials.subscription_id,
            app_name,
        };
        // Serializing strings and an integer cannot fail.
        let body = serde_json::to_vec(&body).unwrap_or_default();
        let origin = match &self.requester {
            Some(Requester::Origin(origin)) => Some(origin.clone()),
            _ => None,
        };
        Ok((
            ClientSideRequest { body, origin },
            PendingClientSideTokenGenerate { key },
        ))
    }
}

/// Draws an ephemeral P-256 private key.
fn ephemeral_key(rng: &mut impl SecureRandom) -> Result<p256::SecretKey, RandomError> {
    let mut bytes = Zeroizing::new([0u8; 32]);
    for _ in 0..MAX_KEY_DRAWS {
        rng.fill(bytes.as_mut_slice())?;
        let field = <&p256::FieldBytes>::try_from(bytes.as_slice()).map_err(|_| RandomError)?;
        if let Ok(key) = p256::SecretKey::from_bytes(field) {
            return Ok(key);
        }
    }
    Err(RandomError)
}

impl fmt::Debug for ClientSideTokenGenerateRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let requester = match &self.requester {
            Some(Requester::Origin(o)) => Some(("origin", o.as_str())),
            Some(Requester::AppName(a)) => Some(("app_name", a.as_str())),
            None => None,
        };
        f.debug_struct("ClientSideTokenGenerateRequest")
            .field("kind", &self.identity.kind())
            .field("requester", &requester)
            .finish_non_exhaustive()
    }
}

/// The request body, members in the order the official JavaScript SDK writes them.
#[derive(Serialize)]
struct Body<'a> {
    payload: &'a str,
    iv: &'a str,
    public_key: &'a str,
    timestamp: i64,
    subscription_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    app_name: Option<&'a str>,
}

/// The HTTP request to send: `POST /v2/token/client-generate` with a JSON body and no
/// `Authorization` header. Built by [`ClientSideTokenGenerateRequest::seal`].
///
/// `Debug` shows the path, the origin and the body length.
#[derive(Clone)]
pub struct ClientSideRequest {
    body: Vec<u8>,
    origin: Option<String>,
}

impl ClientSideRequest {
    /// Always [`Method::Post`].
    #[must_use]
    pub const fn method(&self) -> Method {
        Method::Post
    }

    /// `/v2/token/client-generate`, to be appended to the base URL.
    #[must_use]
    pub const fn path(&self) -> &'static str {
        CLIENT_GENERATE_PATH
    }

    /// The headers to send: `Content-Type: application/json`, `X-UID2-Client-Version` and,
    /// when the request was made for an origin, `Origin`. None is a credential.
    pub fn headers(&self) -> impl Iterator<Item = Header<'_>> {
        let origin = self.origin.as_deref().map(|o| Header::plain("Origin", o));
        [
            Some(Header::plain("Content-Type", "application/json")),
            Some(Header::plain("X-UID2-Client-Version", CLIENT_VERSION)),
            origin,
        ]
        .into_iter()
        .flatten()
    }

    /// The JSON body, to be sent verbatim.
    #[must_use]
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// Takes the body.
    #[must_use]
    pub fn into_body(self) -> Vec<u8> {
        self.body
    }

    /// The full URL: `base_url` (one trailing `/` removed) followed by the path.
    #[must_use]
    pub fn url(&self, base_url: &str) -> String {
        let base = base_url.strip_suffix('/').unwrap_or(base_url);
        let mut url = String::with_capacity(base.len().saturating_add(CLIENT_GENERATE_PATH.len()));
        url.push_str(base);
        url.push_str(CLIENT_GENERATE_PATH);
        url
    }
}

impl fmt::Debug for ClientSideRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientSideRequest")
            .field("path", &CLIENT_GENERATE_PATH)
            .field("origin", &self.origin)
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// Opens the reply to one sealed client-side request. It holds the shared key (zeroized on
/// drop), is not `Clone`, and [`open`](Self::open) consumes it.
#[must_use = "the pending request is the only way to open the operator's reply"]
pub struct PendingClientSideTokenGenerate {
    key: Secret<32>,
}

impl fmt::Debug for PendingClientSideTokenGenerate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingClientSideTokenGenerate")
            .finish_non_exhaustive()
    }
}

impl PendingClientSideTokenGenerate {
    /// Opens the operator's reply: `status` is the HTTP status and `body` the response body
    /// (base64 text of `IV ‖ ciphertext ‖ tag`; surrounding whitespace ignored; the
    /// `Content-Type` is not looked at, since the operator sends none).
    ///
    /// # Errors
    /// * [`ResponseError::HttpStatus`] for any status other than 200: the body is plain JSON
    ///   then (`client_error` 400, `unauthorized` 401, `invalid_http_origin` or
    ///   `invalid_app_name` 403).
    /// * [`ResponseError::InvalidBase64`], [`ResponseError::TooShort`] or
    ///   [`ResponseError::DecryptFailed`] when the body was not sealed with this request's key.
    /// * The errors of [`TokenResponse::from_generate_document`].
    pub fn open(self, status: u16, body: &[u8]) -> Result<TokenResponse, ResponseError> {
        crate::envelope::check_http_status(status, body)?;
        let text = body.trim_ascii();
        if text.len().checked_rem(4) != Some(0) {
            return Err(ResponseError::InvalidBase64);
        }
        let blob = Zeroizing::new(
            b64::STANDARD
                .decode(text)
                .map_err(|_| ResponseError::InvalidBase64)?,
        );
        let min = IV_LEN.saturating_add(TAG_LEN);
        let (iv, sealed) = blob
            .split_first_chunk::<IV_LEN>()
            .ok_or(ResponseError::TooShort {
                len: blob.len(),
                min,
            })?;
        if sealed.len() < TAG_LEN {
            return Err(ResponseError::TooShort {
                len: blob.len(),
                min,
            });
        }
        let document =
            open_with_aad(&self.key, iv, sealed, &[]).ok_or(ResponseError::DecryptFailed)?;
        TokenResponse::from_generate_document(&document)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::ReplayRandom;
    use alloc::format;
    use alloc::vec;

    const SERVER_KEY: &str = "UID2-X-L-MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE7fOB94C6PGx17+BbMxzf7NLDPq0EavXXAPMEAzTM9Aaf1wLAcpVgKxLGMk3T9NuKSR8zm6vgzvj2dcLrVefdRA==";

    fn credentials() -> ClientSideCredentials {
        ClientSideCredentials::new(" abcdefghij ", SERVER_KEY).unwrap()
    }

    #[test]
    fn validates_names_and_origins() {
        assert_eq!(credentials().subscription_id(), "abcdefghij");
        assert_eq!(
            ClientSideCredentials::new(" ", SERVER_KEY).unwrap_err(),
            ClientSideError::InvalidSubscriptionId
        );
        let r = ClientSideTokenGenerateRequest::from_email("a@example.com").unwrap();
        for good in [
            "https://www.example.com",
            "http://localhost:8080",
            "https://a-b.example.co.uk",
        ] {
            assert!(r.clone().with_origin(good).is_ok(), "{good}");
        }
        for bad in [
            "example.com",
            "https://",
            "https://example.com/",
            "https://example.com:",
            "https://example.com:123456",
            "ftp://example.com",
            "https://exa mple.com",
            "https://example.com\r\nX: y",
        ] {
            assert_eq!(
                r.clone().with_origin(bad).unwrap_err(),
                ClientSideError::InvalidOrigin,
                "{bad}"
            );
        }
        assert!(r.clone().with_app_name("com.example.app").is_ok());
        for bad in ["", "a\nb", &"x".repeat(257)] {
            assert_eq!(
                r.clone().with_app_name(bad).unwrap_err(),
                ClientSideError::InvalidAppName
            );
        }
        assert!(ClientSideTokenGenerateRequest::from_hashed_email("nope").is_err());
        assert!(ClientSideTokenGenerateRequest::from_phone("12345678901").is_err());
    }

    #[test]
    fn payloads_and_debug() {
        let r = ClientSideTokenGenerateRequest::from_phone("+12345678901").unwrap();
        assert_eq!(
            r.payload_json().as_str(),
            r#"{"phone_hash":"EObwtHBUqDNZR33LNSMdtt5cafsYFuGmuY4ZLenlue4="}"#
        );
        let r = ClientSideTokenGenerateRequest::from_email("User@Example.com").unwrap();
        assert_eq!(
            r.payload_json().as_str(),
            r#"{"email_hash":"tMmiiTI7IaAcPpQPFQ65uMVCWH8av9jw4cwf/F5HVRQ="}"#
        );
        let dbg = format!("{r:?}");
        assert!(!dbg.contains("tMmii") && dbg.contains("Email"), "{dbg}");
    }

    #[test]
    fn seal_draws_key_then_iv_and_describes_the_request() {
        let r = ClientSideTokenGenerateRequest::from_email("user@example.com")
            .unwrap()
            .with_app_name("com.example.app")
            .unwrap();
        // The first draw (all 0xff) is above the group order and is drawn again.
        let mut random = vec![0xff; 32];
        random.extend_from_slice(&[5; 32]);
        random.extend_from_slice(&[6; 12]);
        let mut rng = ReplayRandom::new(&random);
        let now = Timestamp::from_millis(1_700_000_000_000);
        let (http, _pending) = r.seal(&credentials(), now, &mut rng).unwrap();
        assert!(rng.remaining().is_empty());
        let body: serde_json::Value = serde_json::from_slice(http.body()).unwrap();
        assert_eq!(body["iv"], "BgYGBgYGBgYGBgYG");
        assert_eq!(body["timestamp"], 1_700_000_000_000_i64);
        assert_eq!(body["subscription_id"], "abcdefghij");
        assert_eq!(body["app_name"], "com.example.app");
        assert!(
            body["public_key"]
                .as_str()
                .unwrap()
                .starts_with("MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE")
        );
        // No Origin header when an app name is sent.
        let names: Vec<&str> = http.headers().map(|h| h.name()).collect();
        assert_eq!(names, ["Content-Type", "X-UID2-Client-Version"]);
        assert_eq!(
            http.url("http://127.0.0.1:1/"),
            "http://127.0.0.1:1/v2/token/client-generate"
        );
        // A source that runs dry fails without output.
        let mut short = ReplayRandom::new(&[5; 40]);
        assert_eq!(
            r.seal(&credentials(), now, &mut short).unwrap_err(),
            RandomError
        );
        let mut bad = ReplayRandom::new(&[0; 32 * MAX_KEY_DRAWS]);
        assert_eq!(
            r.seal(&credentials(), now, &mut bad).unwrap_err(),
            RandomError
        );
    }

    #[test]
    fn open_rejects_what_it_cannot_read() {
        let r = ClientSideTokenGenerateRequest::from_email("user@example.com").unwrap();
        let now = Timestamp::from_millis(1);
        let pending = || {
            r.seal(&credentials(), now, &mut ReplayRandom::new(&[3; 44]))
                .unwrap()
                .1
        };
        let err = pending()
            .open(
                403,
                br#"{"status":"invalid_http_origin","message":"unexpected http origin"}"#,
            )
            .unwrap_err();
        assert_eq!(err.class(), "HTTP_STATUS");
        assert_eq!(
            pending().open(200, b"not base64!").unwrap_err(),
            ResponseError::InvalidBase64
        );
        assert!(matches!(
            pending().open(200, b"AAAA").unwrap_err(),
            ResponseError::TooShort { len: 3, .. }
        ));
        let other = b64::STANDARD.encode([1u8; 40]);
        assert_eq!(
            pending().open(200, other.as_bytes()).unwrap_err(),
            ResponseError::DecryptFailed
        );
    }
}
