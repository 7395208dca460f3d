//! The operator API v2 request/response envelope: seal a request, open the reply.
//!
//! Every call to a UID2 or EUID operator (except `/v2/token/refresh` and client-side token
//! generation) carries its JSON payload inside an AES-256-GCM envelope keyed with the client
//! secret. This module builds those envelopes and opens the replies. It performs no I/O: the
//! caller passes the current time, a random source, the output buffer and, for replies, the HTTP
//! status, `Content-Type` and body bytes.
//!
//! ## Layout
//!
//! A sealed request is `0x01 ‖ IV(12) ‖ AES-256-GCM(timestamp(8, big-endian ms) ‖ nonce(8) ‖
//! payload) ‖ tag(16)`, so it is [`REQUEST_OVERHEAD`] bytes longer than the payload. A sealed
//! reply is the same without the version byte; its plaintext starts with the server time and must
//! echo the request nonce. The server time is reported, never checked.
//!
//! ## Typestate
//!
//! [`seal_request`] returns the number of bytes written together with a [`PendingResponse`]. The
//! pending value remembers the nonce; it is `#[must_use]`, not `Clone`, and
//! [`PendingResponse::open`] consumes it, so a reply can be opened exactly once and only against
//! the request it answers.
//!
//! ## Buffers
//!
//! The functions here never allocate. Size the output with [`sealed_len`] or
//! [`sealed_base64_len`]; a buffer that is too small gives [`EnvelopeError::BufferTooSmall`] and
//! is left untouched. Replies are opened in place in the caller's body buffer. With the `alloc`
//! feature, `Credentials::seal` returns an owned request description instead.
//!
//! ## Example
//!
//! ```
//! use uid2::envelope::{seal_request, sealed_base64_len, BodyEncoding, ClientSecret};
//! use uid2::random::OsRandom; // the `getrandom` feature
//! use uid2::Timestamp;
//!
//! let secret = ClientSecret::from_base64("ioG3wKxAokmp+rERx6A4kM/13qhyolUXIu14WN16Spo=")?;
//! let now = Timestamp::from_millis(1_667_885_597_644);
//! let mut rng = OsRandom; // a fresh IV and nonce for every request
//! # // This example pins the IV and nonce so that its output can be compared byte for byte.
//! # let random = [
//! #     0xcc, 0x3c, 0xca, 0xca, 0x98, 0x89, 0xea, 0xb3, 0x80, 0x0e, 0x78, 0x7e, // IV
//! #     0x31, 0x2f, 0xe5, 0xaa, 0x08, 0xb2, 0xa0, 0x49, // nonce
//! # ];
//! # let _ = rng;
//! # let mut rng = uid2::random::ReplayRandom::new(&random);
//! let payload = br#"{"email":"test@example.com"}"#;
//!
//! let mut body = [0u8; 128];
//! assert!(body.len() >= sealed_base64_len(payload.len()).unwrap());
//! let (len, pending) = seal_request(
//!     &secret, now, &mut rng, payload, BodyEncoding::Text, &mut body,
//! )?;
//! assert_eq!(
//!     &body[..len],
//!     b"Acw8ysqYieqzgA54fifdV1TB6V+da8p/AFc8Ju/IYrD77pL7JYMJj8YqD9EsrG3d2d2j0H7kZjH41YsNLpFVCH+oce28z9L9ug=="
//! );
//!
//! // ... POST the body, receive the operator's reply ...
//! let mut reply = *b"AAECAwQFBgcICQoLjY5737QNeLNwh3qQe6yvzsuvxsrdHsEED5N3y07ldesePlW4btEEzdcQ9Lme+ztiklM9";
//! let opened = pending.open(200, Some("text/plain"), &mut reply)?;
//! assert_eq!(opened.document(), br#"{"status":"optout"}"#);
//! assert_eq!(opened.server_time(), Timestamp::from_millis(1_667_885_600_000));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use core::fmt;

use aes_gcm::Aes256Gcm;
use aes_gcm::aead::KeyInit;
use base64::Engine as _;
use zeroize::Zeroize;

use crate::codec::{Reader, Writer, b64};
use crate::random::{RandomError, SecureRandom};
use crate::scope::IdentityScope;
use crate::secret::Secret;
use crate::time::Timestamp;

/// The envelope format version written as the first byte of every sealed request.
pub const ENVELOPE_VERSION: u8 = 1;
/// Length of the AES-GCM IV, in bytes.
pub const IV_LEN: usize = 12;
/// Length of the request nonce, in bytes.
pub const NONCE_LEN: usize = 8;
/// Length of the AES-GCM authentication tag, in bytes.
pub const TAG_LEN: usize = 16;
/// Length of the timestamp at the start of each plaintext, in bytes.
pub const TIMESTAMP_LEN: usize = 8;
/// Bytes a sealed request adds to its payload: version, IV, timestamp, nonce and tag (45).
pub const REQUEST_OVERHEAD: usize = 1 + IV_LEN + TIMESTAMP_LEN + NONCE_LEN + TAG_LEN;
/// Bytes a sealed reply adds to its document: IV, timestamp, nonce and tag (44).
pub const RESPONSE_OVERHEAD: usize = IV_LEN + TIMESTAMP_LEN + NONCE_LEN + TAG_LEN;
/// Bytes a sealed `/v2/token/refresh` reply adds to its document: IV and tag (28).
pub const REFRESH_RESPONSE_OVERHEAD: usize = IV_LEN + TAG_LEN;
/// The longest API key [`ApiKey::new`] accepts, in bytes.
pub const MAX_API_KEY_LEN: usize = 256;
/// The value this SDK sends in the `X-UID2-Client-Version` header.
pub const CLIENT_VERSION: &str = concat!("uid2-client-rust-", env!("CARGO_PKG_VERSION"));

/// Length of the GCM plaintext and ciphertext of a request envelope (timestamp, nonce, payload).
const PREFIX_LEN: usize = TIMESTAMP_LEN + NONCE_LEN;
/// `Authorization` header value prefix.
const BEARER: &[u8] = b"Bearer ";
/// Length of the inline buffer that holds `Bearer <key>`.
const AUTH_BUF_LEN: usize = BEARER.len() + MAX_API_KEY_LEN;
/// How much of an error body or message an error keeps.
const SHORT_TEXT_CAP: usize = 48;

/// The length of a sealed request, in bytes, for a payload of `payload_len` bytes, or `None` if
/// it does not fit in `usize`.
#[must_use]
pub const fn sealed_len(payload_len: usize) -> Option<usize> {
    payload_len.checked_add(REQUEST_OVERHEAD)
}

/// The length of a sealed request as base64 text (the POST body of the text encoding), or
/// `None` if it does not fit in `usize`.
#[must_use]
pub const fn sealed_base64_len(payload_len: usize) -> Option<usize> {
    match sealed_len(payload_len) {
        Some(n) => base64_len(n),
        None => None,
    }
}

/// The length of a sealed request in the given body encoding, or `None` on overflow.
#[must_use]
pub const fn sealed_body_len(payload_len: usize, encoding: BodyEncoding) -> Option<usize> {
    match encoding {
        BodyEncoding::Binary => sealed_len(payload_len),
        BodyEncoding::Text => sealed_base64_len(payload_len),
    }
}

/// Padded standard base64 length of `n` bytes.
const fn base64_len(n: usize) -> Option<usize> {
    let groups = n.div_ceil(3);
    groups.checked_mul(4)
}

// ---------------------------------------------------------------------------------------------
// Credentials
// ---------------------------------------------------------------------------------------------

/// The client secret that keys every envelope: 32 bytes, given as standard base64.
///
/// `Debug` prints `<redacted>`, the bytes are zeroized on drop, and there is no `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct ClientSecret(Secret<32>);

impl ClientSecret {
    /// Wraps the 32 decoded secret bytes.
    #[must_use]
    pub const fn new(bytes: [u8; 32]) -> Self {
        Self(Secret::new(bytes))
    }

    /// Decodes the client secret as it is issued (padded standard base64 of 32 bytes).
    ///
    /// # Errors
    /// [`EnvelopeError::InvalidClientSecret`] when the text is not padded standard base64 or does
    /// not decode to exactly 32 bytes.
    pub fn from_base64(text: &str) -> Result<Self, EnvelopeError> {
        Secret::from_base64(text.trim())
            .map(Self)
            .map_err(|_| EnvelopeError::InvalidClientSecret)
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new(&(*self.0.expose()).into())
    }
}

impl fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClientSecret(<redacted>)")
    }
}

/// An operator API key (for example `UID2-C-L-999-…`), sent as `Authorization: Bearer <key>`.
///
/// Stored inline (no heap), zeroized on drop; `Debug` prints `<redacted>` and there is no
/// `Display`. At most [`MAX_API_KEY_LEN`] bytes of printable ASCII without spaces.
#[derive(Clone)]
pub struct ApiKey {
    /// `Bearer <key>`, so that the header value can be lent out as one `&str`.
    buf: [u8; AUTH_BUF_LEN],
    len: usize,
}

impl ApiKey {
    /// Checks and stores an API key. Surrounding whitespace is removed.
    ///
    /// # Errors
    /// [`EnvelopeError::InvalidApiKey`] when the key is empty, longer than [`MAX_API_KEY_LEN`],
    /// or contains anything other than printable ASCII without spaces (which would corrupt the
    /// HTTP header).
    pub fn new(key: &str) -> Result<Self, EnvelopeError> {
        let key = key.trim().as_bytes();
        if key.is_empty() {
            return Err(EnvelopeError::InvalidApiKey {
                reason: "it is empty",
            });
        }
        if key.len() > MAX_API_KEY_LEN {
            return Err(EnvelopeError::InvalidApiKey {
                reason: "it is too long",
            });
        }
        if !key.iter().all(u8::is_ascii_graphic) {
            return Err(EnvelopeError::InvalidApiKey {
                reason: "it contains characters that cannot be sent in an HTTP header",
            });
        }
        let mut buf = [0u8; AUTH_BUF_LEN];
        let mut w = Writer::new(&mut buf);
        let written = w.put(BEARER).and_then(|()| w.put(key));
        let len = w.position();
        if written.is_none() {
            buf.zeroize();
            return Err(EnvelopeError::InvalidApiKey {
                reason: "it is too long",
            });
        }
        Ok(Self { buf, len })
    }

    /// The `Authorization` header value, `Bearer <key>`.
    fn authorization(&self) -> &str {
        // Only ASCII was written, so this always succeeds; fall back to nothing rather than panic.
        self.buf
            .get(..self.len)
            .and_then(|b| core::str::from_utf8(b).ok())
            .unwrap_or("")
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

impl Drop for ApiKey {
    fn drop(&mut self) {
        self.buf.zeroize();
    }
}

/// The API key and client secret of one operator account, as issued together.
#[derive(Clone, Debug)]
pub struct Credentials {
    api_key: ApiKey,
    secret: ClientSecret,
}

impl Credentials {
    /// Bundles an API key with its client secret.
    #[must_use]
    pub const fn new(api_key: ApiKey, secret: ClientSecret) -> Self {
        Self { api_key, secret }
    }

    /// Parses an API key and a base64 client secret.
    ///
    /// # Errors
    /// [`EnvelopeError::InvalidApiKey`] or [`EnvelopeError::InvalidClientSecret`], as
    /// [`ApiKey::new`] and [`ClientSecret::from_base64`].
    pub fn from_strings(api_key: &str, secret_base64: &str) -> Result<Self, EnvelopeError> {
        Ok(Self::new(
            ApiKey::new(api_key)?,
            ClientSecret::from_base64(secret_base64)?,
        ))
    }

    /// The API key.
    #[must_use]
    pub const fn api_key(&self) -> &ApiKey {
        &self.api_key
    }

    /// The client secret.
    #[must_use]
    pub const fn secret(&self) -> &ClientSecret {
        &self.secret
    }

    /// Seals `payload` for `path` into `out` (see [`seal_request`]) and describes the request to
    /// send, borrowing the body from `out`. The allocation-free counterpart of `seal`.
    ///
    /// # Errors
    /// As [`seal_request`].
    pub fn seal_into<'a>(
        &'a self,
        path: &'static str,
        payload: &[u8],
        encoding: BodyEncoding,
        now: Timestamp,
        rng: &mut impl SecureRandom,
        out: &'a mut [u8],
    ) -> Result<(OperatorRequest<'a>, PendingResponse), EnvelopeError> {
        let (len, pending) = seal_request(&self.secret, now, rng, payload, encoding, out)?;
        let body = out
            .get(..len)
            .ok_or(EnvelopeError::BufferTooSmall { required: len })?;
        let request = OperatorRequest::new(path, Some(&self.api_key), encoding, body);
        Ok((request, pending))
    }
}

/// The key that protects a `/v2/token/refresh` reply (`refresh_response_key` in the identity).
///
/// `Debug` prints `<redacted>`, the bytes are zeroized on drop.
#[derive(Clone, PartialEq, Eq)]
pub struct RefreshResponseKey(Secret<32>);

impl RefreshResponseKey {
    /// Wraps the 32 decoded key bytes.
    #[must_use]
    pub const fn new(bytes: [u8; 32]) -> Self {
        Self(Secret::new(bytes))
    }

    /// Decodes the key as it appears in the identity JSON (padded standard base64 of 32 bytes).
    ///
    /// # Errors
    /// [`EnvelopeError::InvalidRefreshResponseKey`] when the text is not padded standard base64
    /// of exactly 32 bytes.
    pub fn from_base64(text: &str) -> Result<Self, EnvelopeError> {
        Secret::from_base64(text)
            .map(Self)
            .map_err(|_| EnvelopeError::InvalidRefreshResponseKey)
    }

    /// The key bytes. Handle with care: do not log or print them.
    #[must_use]
    pub const fn expose(&self) -> &[u8; 32] {
        self.0.expose()
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new(&(*self.0.expose()).into())
    }
}

impl fmt::Debug for RefreshResponseKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RefreshResponseKey(<redacted>)")
    }
}

// ---------------------------------------------------------------------------------------------
// Environments and request descriptions
// ---------------------------------------------------------------------------------------------

/// A public operator environment: a name and a base URL (no trailing slash, no `/v2`).
///
/// Private operators have their own base URLs; pass those as strings to
/// [`OperatorRequest::url_parts`] instead.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Environment {
    name: &'static str,
    base_url: &'static str,
    scope: IdentityScope,
    production: bool,
}

impl Environment {
    /// UID2 integration (testing), AWS us-east-2.
    pub const UID2_INTEGRATION: Self = Self::new(
        "uid2-integration",
        "https://operator-integ.uidapi.com",
        IdentityScope::Uid2,
        false,
    );
    /// UID2 production, routed to the nearest region.
    pub const UID2_PRODUCTION: Self = Self::new(
        "uid2-production-global",
        "https://global.prod.uidapi.com",
        IdentityScope::Uid2,
        true,
    );
    /// UID2 production, us-east-2 (Ohio).
    pub const UID2_PRODUCTION_US_EAST: Self = Self::new(
        "uid2-production-us-east",
        "https://prod.uidapi.com",
        IdentityScope::Uid2,
        true,
    );
    /// UID2 production, us-west-2 (Oregon).
    pub const UID2_PRODUCTION_US_WEST: Self = Self::new(
        "uid2-production-us-west",
        "https://usw.prod.uidapi.com",
        IdentityScope::Uid2,
        true,
    );
    /// UID2 production, ap-southeast-2 (Sydney).
    pub const UID2_PRODUCTION_SYDNEY: Self = Self::new(
        "uid2-production-sydney",
        "https://au.prod.uidapi.com",
        IdentityScope::Uid2,
        true,
    );
    /// UID2 production, ap-northeast-1 (Tokyo).
    pub const UID2_PRODUCTION_TOKYO: Self = Self::new(
        "uid2-production-tokyo",
        "https://jp.prod.uidapi.com",
        IdentityScope::Uid2,
        true,
    );
    /// UID2 production, ap-southeast-1 (Singapore).
    pub const UID2_PRODUCTION_SINGAPORE: Self = Self::new(
        "uid2-production-singapore",
        "https://sg.prod.uidapi.com",
        IdentityScope::Uid2,
        true,
    );
    /// EUID integration, eu-west-2 (London).
    pub const EUID_INTEGRATION: Self = Self::new(
        "euid-integration",
        "https://integ.euid.eu",
        IdentityScope::Euid,
        false,
    );
    /// EUID production, eu-west-2 (London).
    pub const EUID_PRODUCTION: Self = Self::new(
        "euid-production",
        "https://prod.euid.eu",
        IdentityScope::Euid,
        true,
    );

    /// Every public environment.
    pub const ALL: &'static [Self] = &[
        Self::UID2_INTEGRATION,
        Self::UID2_PRODUCTION,
        Self::UID2_PRODUCTION_US_EAST,
        Self::UID2_PRODUCTION_US_WEST,
        Self::UID2_PRODUCTION_SYDNEY,
        Self::UID2_PRODUCTION_TOKYO,
        Self::UID2_PRODUCTION_SINGAPORE,
        Self::EUID_INTEGRATION,
        Self::EUID_PRODUCTION,
    ];

    const fn new(
        name: &'static str,
        base_url: &'static str,
        scope: IdentityScope,
        production: bool,
    ) -> Self {
        Self {
            name,
            base_url,
            scope,
            production,
        }
    }

    /// A short identifier such as `uid2-integration`.
    #[must_use]
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The base URL, for example `https://prod.uidapi.com`.
    #[must_use]
    pub const fn base_url(&self) -> &'static str {
        self.base_url
    }

    /// Whether this operator serves UID2 or EUID.
    #[must_use]
    pub const fn scope(&self) -> IdentityScope {
        self.scope
    }

    /// Whether this is a production environment (integration needs other credentials).
    #[must_use]
    pub const fn is_production(&self) -> bool {
        self.production
    }
}

/// An HTTP method. The operator API only uses `POST`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Method {
    /// `POST`.
    Post,
}

impl Method {
    /// The method as it appears on the request line.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Post => "POST",
        }
    }
}

/// How an envelope travels in an HTTP body.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BodyEncoding {
    /// Standard base64 text (`Content-Type: text/plain`); the default for every endpoint.
    Text,
    /// Raw bytes (`Content-Type: application/octet-stream`); used by `/v3/identity/map`.
    Binary,
}

impl BodyEncoding {
    /// The request `Content-Type` for this encoding.
    #[must_use]
    pub const fn content_type(self) -> &'static str {
        match self {
            Self::Text => "text/plain",
            Self::Binary => "application/octet-stream",
        }
    }

    /// The encoding of a reply with this `Content-Type`: binary exactly when the media type is
    /// `application/octet-stream` (case-insensitive, parameters ignored), text otherwise.
    #[must_use]
    pub fn of_response(content_type: Option<&str>) -> Self {
        let media = content_type
            .and_then(|ct| ct.split(';').next())
            .map(str::trim)
            .unwrap_or("");
        if media.eq_ignore_ascii_case("application/octet-stream") {
            Self::Binary
        } else {
            Self::Text
        }
    }
}

/// One request header. `Debug` redacts the value of the `Authorization` header.
#[derive(Clone, Copy)]
pub struct Header<'a> {
    name: &'static str,
    value: &'a str,
    sensitive: bool,
}

impl<'a> Header<'a> {
    /// A header that carries no credential (for request descriptions built elsewhere in the
    /// core).
    #[cfg(feature = "cstg")]
    pub(crate) const fn plain(name: &'static str, value: &'a str) -> Self {
        Self {
            name,
            value,
            sensitive: false,
        }
    }

    /// The header name.
    #[must_use]
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The header value, to be sent verbatim. For `Authorization` this contains the API key.
    #[must_use]
    pub const fn value(&self) -> &'a str {
        self.value
    }

    /// Whether the value is a credential (adapters should mark it sensitive and never log it).
    #[must_use]
    pub const fn is_sensitive(&self) -> bool {
        self.sensitive
    }
}

impl fmt::Debug for Header<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let value: &dyn fmt::Debug = if self.sensitive {
            &"Bearer <redacted>"
        } else {
            &self.value
        };
        f.debug_struct("Header")
            .field("name", &self.name)
            .field("value", value)
            .finish()
    }
}

/// Upper bounds on the size of operator reply bodies, as sent on the wire (base64 envelope
/// included), for each endpoint. Adapters stop reading a reply that grows past its bound, so a
/// broken or hostile server cannot make a client buffer more than that.
///
/// Every request carries its bound ([`OperatorRequest::max_response_len`]): fixed for the key
/// set and token endpoints, sized to the batch for identity map and opt-out status (see
/// [`batch`](reply_limit::batch)), and [`UNBOUNDED`](reply_limit::UNBOUNDED) (left to the adapter's own ceiling) where the reply has no
/// useful bound, as for the salt-bucket list.
///
/// ```
/// use uid2::envelope::reply_limit;
///
/// assert_eq!(reply_limit::for_path("/v2/key/sharing"), reply_limit::KEY_SET);
/// assert_eq!(reply_limit::for_path("/v2/token/generate"), reply_limit::TOKEN);
/// assert!(reply_limit::batch(5_000, 250_000) < 8 << 20);
/// ```
pub mod reply_limit {
    /// A key-set reply (`/v2/key/sharing`, `/v2/key/bidstream`): 16 MiB. A key costs about
    /// 150 bytes of JSON, so this holds some 80 000 keys with their site domain lists, far more
    /// than any operator key set (dozens to a few thousand keys), while bounding the memory a
    /// broken reply can take.
    pub const KEY_SET: usize = 16 << 20;
    /// A token generate, refresh or validate reply (client-side generate included): 64 KiB.
    /// An identity (two tokens, times and a key) takes about 2 KiB.
    pub const TOKEN: usize = 64 << 10;
    /// The fixed part of a batch reply's document: 64 KiB.
    pub const BATCH_OVERHEAD: usize = 64 << 10;
    /// The most one batch input adds to a reply's document, besides its own echo: 512 bytes. A
    /// v3 mapping (`{"u":…,"p":…,"r":…}`) takes about 110 bytes, an opt-out entry about 80.
    pub const BATCH_ITEM: usize = 512;
    /// No bound of the endpoint's own: the adapter's configured ceiling applies.
    pub const UNBOUNDED: usize = usize::MAX;

    /// The largest base64 envelope body that carries a document of `document` bytes: 44 bytes
    /// of IV, timestamp, nonce and tag, times 4/3, plus 16 bytes for surrounding whitespace.
    #[must_use]
    pub const fn envelope_body(document: usize) -> usize {
        let binary = document.saturating_add(44);
        binary
            .saturating_add(2)
            .saturating_div(3)
            .saturating_mul(4)
            .saturating_add(16)
    }

    /// The bound of a batch reply (identity map, opt-out status) to a request of `items` inputs
    /// whose plaintext body is `request_len` bytes: [`BATCH_OVERHEAD`] plus [`BATCH_ITEM`] per
    /// input plus twice the request (inputs echoed back, escaped), in an envelope.
    #[must_use]
    pub const fn batch(items: usize, request_len: usize) -> usize {
        envelope_body(
            BATCH_OVERHEAD
                .saturating_add(items.saturating_mul(BATCH_ITEM))
                .saturating_add(request_len.saturating_mul(2)),
        )
    }

    /// The fixed bound of an endpoint path: [`KEY_SET`] for the key endpoints, [`TOKEN`] for
    /// the token endpoints, [`UNBOUNDED`] for any other (batch endpoints get theirs from
    /// [`batch`] when their request is built).
    #[must_use]
    pub const fn for_path(path: &str) -> usize {
        match path.as_bytes() {
            b"/v2/key/sharing" | b"/v2/key/bidstream" => KEY_SET,
            b"/v2/token/generate"
            | b"/v2/token/refresh"
            | b"/v2/token/validate"
            | b"/v2/token/client-generate" => TOKEN,
            _ => UNBOUNDED,
        }
    }
}

/// What an adapter sends: method, path, headers and body, and the largest reply it should read.
/// Built by the core, borrowed.
///
/// `Debug` shows the path, the headers with the API key redacted, and the body length only.
#[derive(Clone, Copy)]
pub struct OperatorRequest<'a> {
    path: &'static str,
    api_key: Option<&'a ApiKey>,
    encoding: BodyEncoding,
    body: &'a [u8],
    max_response_len: usize,
}

impl<'a> OperatorRequest<'a> {
    /// Describes a `POST` of `body` to `path` (for example `/v2/token/generate`), authorized
    /// with `api_key` when given, with the `Content-Type` of `encoding`. The reply bound is the
    /// path's ([`reply_limit::for_path`]); see [`with_max_response_len`](Self::with_max_response_len).
    #[must_use]
    pub const fn new(
        path: &'static str,
        api_key: Option<&'a ApiKey>,
        encoding: BodyEncoding,
        body: &'a [u8],
    ) -> Self {
        Self {
            path,
            api_key,
            encoding,
            body,
            max_response_len: reply_limit::for_path(path),
        }
    }

    /// Sets the largest reply body the adapter should read for this request.
    #[must_use]
    pub const fn with_max_response_len(mut self, max: usize) -> Self {
        self.max_response_len = max;
        self
    }

    /// The largest reply body to read, in bytes (see [`reply_limit`]): an adapter stops
    /// reading and reports an error once a reply grows past it.
    #[must_use]
    pub const fn max_response_len(&self) -> usize {
        self.max_response_len
    }

    /// Always [`Method::Post`].
    #[must_use]
    pub const fn method(&self) -> Method {
        Method::Post
    }

    /// The path, to be appended to the base URL.
    #[must_use]
    pub const fn path(&self) -> &'static str {
        self.path
    }

    /// The body encoding.
    #[must_use]
    pub const fn encoding(&self) -> BodyEncoding {
        self.encoding
    }

    /// The body bytes, to be sent verbatim.
    #[must_use]
    pub const fn body(&self) -> &'a [u8] {
        self.body
    }

    /// The headers to send: `Authorization` (when there is an API key), `X-UID2-Client-Version`
    /// and `Content-Type`.
    pub fn headers(&self) -> impl Iterator<Item = Header<'a>> + use<'a> {
        let auth = self.api_key.map(|k| Header {
            name: "Authorization",
            value: k.authorization(),
            sensitive: true,
        });
        let version = Header {
            name: "X-UID2-Client-Version",
            value: CLIENT_VERSION,
            sensitive: false,
        };
        let content_type = Header {
            name: "Content-Type",
            value: self.encoding.content_type(),
            sensitive: false,
        };
        [auth, Some(version), Some(content_type)]
            .into_iter()
            .flatten()
    }

    /// The two halves of the URL: `base_url` with one trailing `/` removed, then the path.
    #[must_use]
    pub fn url_parts<'b>(&self, base_url: &'b str) -> (&'b str, &'static str) {
        (base_url.strip_suffix('/').unwrap_or(base_url), self.path)
    }

    /// The full URL: `base_url` (one trailing `/` removed) followed by the path.
    #[cfg(feature = "alloc")]
    #[must_use]
    pub fn url(&self, base_url: &str) -> alloc::string::String {
        let (base, path) = self.url_parts(base_url);
        let mut url = alloc::string::String::with_capacity(base.len().saturating_add(path.len()));
        url.push_str(base);
        url.push_str(path);
        url
    }
}

impl fmt::Debug for OperatorRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Headers<'r>(&'r OperatorRequest<'r>);
        impl fmt::Debug for Headers<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_list().entries(self.0.headers()).finish()
            }
        }
        f.debug_struct("OperatorRequest")
            .field("method", &self.method())
            .field("path", &self.path)
            .field("headers", &Headers(self))
            .field("body_len", &self.body.len())
            .field("max_response_len", &self.max_response_len)
            .finish()
    }
}

// ---------------------------------------------------------------------------------------------
// Sealing
// ---------------------------------------------------------------------------------------------

/// Seals `payload` into a request envelope written to the start of `out`, in the given body
/// encoding. Returns the number of bytes written and the [`PendingResponse`] that opens the reply.
///
/// Draws 12 IV bytes and then 8 nonce bytes from `rng`. `now` becomes the request timestamp
/// (the operator rejects requests more than about a minute away from its clock). Every HTTP
/// attempt, retries included, needs a fresh envelope.
///
/// # Errors
/// * [`EnvelopeError::BufferTooSmall`] when `out` is shorter than [`sealed_body_len`]; `out` is
///   left untouched.
/// * [`EnvelopeError::Random`] when the random source fails; `out` is left untouched.
/// * [`EnvelopeError::PayloadTooLarge`] when the sealed length does not fit in `usize` or exceeds
///   what AES-GCM can encrypt.
pub fn seal_request(
    secret: &ClientSecret,
    now: Timestamp,
    rng: &mut impl SecureRandom,
    payload: &[u8],
    encoding: BodyEncoding,
    out: &mut [u8],
) -> Result<(usize, PendingResponse), EnvelopeError> {
    let too_large = EnvelopeError::PayloadTooLarge { len: payload.len() };
    let binary_len = sealed_len(payload.len()).ok_or(too_large)?;
    let total = sealed_body_len(payload.len(), encoding).ok_or(too_large)?;
    if out.len() < total {
        return Err(EnvelopeError::BufferTooSmall { required: total });
    }
    let mut iv = [0u8; IV_LEN];
    rng.fill(&mut iv)?;
    let mut nonce = [0u8; NONCE_LEN];
    rng.fill(&mut nonce)?;
    let binary = out
        .get_mut(..binary_len)
        .ok_or(EnvelopeError::BufferTooSmall { required: total })?;
    seal_binary(secret, now, &iv, &nonce, payload, binary)?;
    if encoding == BodyEncoding::Text {
        let text = out
            .get_mut(..total)
            .ok_or(EnvelopeError::BufferTooSmall { required: total })?;
        base64_encode_in_place(text, binary_len).ok_or(too_large)?;
    }
    Ok((
        total,
        PendingResponse {
            secret: secret.clone(),
            nonce,
        },
    ))
}

/// Writes `0x01 ‖ iv ‖ GCM(ts ‖ nonce ‖ payload) ‖ tag` into `out`, whose length is exact.
fn seal_binary(
    secret: &ClientSecret,
    now: Timestamp,
    iv: &[u8; IV_LEN],
    nonce: &[u8; NONCE_LEN],
    payload: &[u8],
    out: &mut [u8],
) -> Result<(), EnvelopeError> {
    let too_large = EnvelopeError::PayloadTooLarge { len: payload.len() };
    let tag_start = out.len().checked_sub(TAG_LEN).ok_or(too_large)?;
    let (head, tag_out) = out.split_at_mut(tag_start);
    {
        let mut w = Writer::new(head);
        w.u8(ENVELOPE_VERSION)
            .and_then(|()| w.put(iv))
            .and_then(|()| w.i64(now.as_millis()))
            .and_then(|()| w.put(nonce))
            .and_then(|()| w.put(payload))
            .ok_or(too_large)?;
    }
    let plaintext = head
        .get_mut(1usize.saturating_add(IV_LEN)..)
        .ok_or(too_large)?;
    let tag = crate::codec::gcm::seal(&secret.cipher(), iv, plaintext).ok_or(too_large)?;
    tag_out.copy_from_slice(&tag);
    Ok(())
}

/// Base64-encodes (standard, padded) the first `binary_len` bytes of `buf` in place; `buf` must
/// be exactly the encoded length. Works backwards in chunks so that no unread input is
/// overwritten: the encoding of bytes `start..` lands at `start / 3 * 4 >= start`.
fn base64_encode_in_place(buf: &mut [u8], binary_len: usize) -> Option<()> {
    const CHUNK: usize = 768; // a multiple of 3, so only the last chunk can carry padding
    let mut scratch = [0u8; CHUNK];
    let mut end = binary_len;
    while end > 0 {
        let rem = end.checked_rem(CHUNK)?;
        let len = if rem == 0 { CHUNK } else { rem };
        let start = end.checked_sub(len)?;
        let chunk = scratch.get_mut(..len)?;
        chunk.copy_from_slice(buf.get(start..end)?);
        let out_start = start.checked_div(3)?.checked_mul(4)?;
        b64::STANDARD
            .encode_slice(&*chunk, buf.get_mut(out_start..)?)
            .ok()?;
        end = start;
    }
    Some(())
}

// ---------------------------------------------------------------------------------------------
// Opening
// ---------------------------------------------------------------------------------------------

/// The request nonce and key an operator reply must match. Only this value can open the reply.
///
/// Returned by [`seal_request`] (and the request builders built on it); consumed by
/// [`PendingResponse::open`]. It is not `Clone`: each reply is opened once. It keeps its own
/// copy of the client secret (zeroized on drop), so it does not borrow the credentials.
#[must_use = "the pending response is the only way to open and check the operator's reply"]
pub struct PendingResponse {
    secret: ClientSecret,
    nonce: [u8; NONCE_LEN],
}

impl fmt::Debug for PendingResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingResponse").finish_non_exhaustive()
    }
}

impl PendingResponse {
    /// Opens the operator's reply in place in `body` and returns the document it carries.
    ///
    /// `status` is the HTTP status and `content_type` the response `Content-Type`: a body is read
    /// as raw bytes when that is `application/octet-stream` and as base64 text otherwise
    /// (surrounding whitespace is ignored). The server timestamp is reported, not checked.
    ///
    /// # Errors
    /// * [`ResponseError::HttpStatus`] for any status other than 200 (the body is not encrypted
    ///   then; its `status` and `message` are kept when it is JSON).
    /// * [`ResponseError::InvalidBase64`], [`ResponseError::TooShort`] or
    ///   [`ResponseError::DecryptFailed`] when the body is not an envelope sealed with this
    ///   client secret.
    /// * [`ResponseError::NonceMismatch`] when the reply does not answer this request.
    pub fn open<'b>(
        self,
        status: u16,
        content_type: Option<&str>,
        body: &'b mut [u8],
    ) -> Result<OpenedResponse<'b>, ResponseError> {
        check_http_status(status, body)?;
        let blob = match BodyEncoding::of_response(content_type) {
            BodyEncoding::Binary => body,
            BodyEncoding::Text => base64_decode_in_place(body)?,
        };
        // Only IV and tag are needed to authenticate; an authentic plaintext too short to hold
        // the timestamp and nonce cannot answer this request (`NONCE_MISMATCH`, not a
        // decryption failure).
        let plaintext = open_blob(&self.secret.cipher(), blob, IV_LEN.saturating_add(TAG_LEN))
            .map_err(|e| e.unwrap_or(ResponseError::DecryptFailed))?;
        let mut r = Reader::new(plaintext);
        let (Some(ts), Some(nonce)) = (r.i64(), r.array::<NONCE_LEN>()) else {
            return Err(ResponseError::NonceMismatch);
        };
        if nonce != self.nonce {
            return Err(ResponseError::NonceMismatch);
        }
        let document = plaintext
            .get(PREFIX_LEN..)
            .ok_or(ResponseError::NonceMismatch)?;
        Ok(OpenedResponse {
            server_time: Timestamp::from_millis(ts),
            document,
        })
    }

    /// The nonce the reply must echo, as the request envelope carries it. It is not secret
    /// (it only ties a reply to its request); diagnostic tools print it, as the v2 docs'
    /// encryption script does (as a big-endian integer).
    #[must_use]
    pub const fn nonce(&self) -> [u8; NONCE_LEN] {
        self.nonce
    }

    /// Like [`open`](Self::open), but copies `body` first and returns an owned document.
    ///
    /// # Errors
    /// As [`open`](Self::open).
    #[cfg(feature = "alloc")]
    pub fn open_to_vec(
        self,
        status: u16,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Result<(Timestamp, alloc::vec::Vec<u8>), ResponseError> {
        let mut copy = body.to_vec();
        let opened = self.open(status, content_type, &mut copy)?;
        Ok((opened.server_time(), opened.document().to_vec()))
    }
}

/// An opened operator reply: the server time and the JSON document, borrowed from the body.
#[derive(Clone, Copy, Debug)]
pub struct OpenedResponse<'a> {
    server_time: Timestamp,
    document: &'a [u8],
}

impl<'a> OpenedResponse<'a> {
    /// The operator's timestamp from the reply (informative; not checked).
    #[must_use]
    pub const fn server_time(&self) -> Timestamp {
        self.server_time
    }

    /// The response document (UTF-8 JSON such as `{"status":"success","body":{…}}`).
    #[must_use]
    pub const fn document(&self) -> &'a [u8] {
        self.document
    }
}

/// A reply opened by [`open_response_unverified`]: the server time, the nonce it echoes and the
/// document, borrowed from the body.
#[derive(Clone, Copy, Debug)]
pub struct UnverifiedResponse<'a> {
    server_time: Timestamp,
    nonce: [u8; NONCE_LEN],
    document: &'a [u8],
}

impl<'a> UnverifiedResponse<'a> {
    /// The operator's timestamp from the reply.
    #[must_use]
    pub const fn server_time(&self) -> Timestamp {
        self.server_time
    }

    /// The nonce the reply echoes (not checked against any request).
    #[must_use]
    pub const fn nonce(&self) -> [u8; NONCE_LEN] {
        self.nonce
    }

    /// The response document.
    #[must_use]
    pub const fn document(&self) -> &'a [u8] {
        self.document
    }
}

/// Opens an operator reply envelope in place **without** checking its nonce, and returns the
/// server time, the nonce and the document.
///
/// This is for tools that open a reply to a request they did not seal themselves, such as the
/// decryption script of the operator's v2 documentation (`curl … | decrypt`): the tag is still
/// verified under `secret`, so the content is authentic, but nothing ties the reply to a
/// request. A client that sent the request must use [`PendingResponse::open`], which rejects a
/// replayed or mismatched reply.
///
/// `encoding` says how the body travels: [`BodyEncoding::Text`] (base64, surrounding
/// whitespace ignored) or [`BodyEncoding::Binary`].
///
/// # Errors
/// [`ResponseError::InvalidBase64`], [`ResponseError::TooShort`] or
/// [`ResponseError::DecryptFailed`] when the body is not an envelope sealed with `secret`.
pub fn open_response_unverified<'b>(
    secret: &ClientSecret,
    encoding: BodyEncoding,
    body: &'b mut [u8],
) -> Result<UnverifiedResponse<'b>, ResponseError> {
    let blob = match encoding {
        BodyEncoding::Binary => body,
        BodyEncoding::Text => base64_decode_in_place(body)?,
    };
    let plaintext = open_blob(&secret.cipher(), blob, RESPONSE_OVERHEAD)
        .map_err(|e| e.unwrap_or(ResponseError::DecryptFailed))?;
    let plaintext: &'b [u8] = plaintext;
    let mut r = Reader::new(plaintext);
    let (Some(ts), Some(nonce)) = (r.i64(), r.array::<NONCE_LEN>()) else {
        return Err(ResponseError::TooShort {
            len: plaintext.len(),
            min: RESPONSE_OVERHEAD,
        });
    };
    let document = plaintext.get(PREFIX_LEN..).ok_or(ResponseError::TooShort {
        len: plaintext.len(),
        min: RESPONSE_OVERHEAD,
    })?;
    Ok(UnverifiedResponse {
        server_time: Timestamp::from_millis(ts),
        nonce,
        document,
    })
}

/// Opens a `/v2/token/refresh` reply in place: base64 text of `IV ‖ ciphertext ‖ tag` under the
/// identity's refresh response key, whose plaintext is the JSON document itself (no timestamp,
/// no nonce). Returns the document.
///
/// # Errors
/// * [`ResponseError::HttpStatus`] for any status other than 200.
/// * [`ResponseError::InvalidBase64`], [`ResponseError::TooShort`] or
///   [`ResponseError::RefreshDecryptFailed`] when the body was not sealed with this key.
pub fn open_refresh_response<'b>(
    key: &RefreshResponseKey,
    status: u16,
    body: &'b mut [u8],
) -> Result<&'b [u8], ResponseError> {
    check_http_status(status, body)?;
    let blob = base64_decode_in_place(body)?;
    let plaintext = open_blob(&key.cipher(), blob, REFRESH_RESPONSE_OVERHEAD)
        .map_err(|e| e.unwrap_or(ResponseError::RefreshDecryptFailed))?;
    Ok(plaintext)
}

/// Strict standard base64 for reply bodies: padding required, canonical trailing bits.
const STRICT_BASE64: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    base64::engine::GeneralPurposeConfig::new()
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::RequireCanonical)
        .with_decode_allow_trailing_bits(false),
);

/// Decodes standard padded base64 (surrounding ASCII whitespace ignored) in place.
///
/// Works forwards in chunks through a stack scratch buffer: the bytes decoded from text
/// `read..` land at `written = read / 4 * 3 <= read`, so no unread text is overwritten.
fn base64_decode_in_place(body: &mut [u8]) -> Result<&mut [u8], ResponseError> {
    const CHUNK: usize = 1024; // a multiple of 4
    let start = body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(body.len());
    let end = body
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |i| i.saturating_add(1));
    let text = body
        .get_mut(start..end)
        .ok_or(ResponseError::InvalidBase64)?;
    let len = text.len();
    if len.checked_rem(4) != Some(0) {
        return Err(ResponseError::InvalidBase64);
    }
    let mut scratch = [0u8; CHUNK];
    let (mut read, mut written) = (0usize, 0usize);
    while read < len {
        let n = CHUNK.min(len.saturating_sub(read));
        let next = read.checked_add(n).ok_or(ResponseError::InvalidBase64)?;
        let chunk = scratch.get_mut(..n).ok_or(ResponseError::InvalidBase64)?;
        chunk.copy_from_slice(text.get(read..next).ok_or(ResponseError::InvalidBase64)?);
        // Padding may only end the whole text, never an inner chunk.
        if next < len && chunk.last() == Some(&b'=') {
            return Err(ResponseError::InvalidBase64);
        }
        let out = text
            .get_mut(written..)
            .ok_or(ResponseError::InvalidBase64)?;
        let m = STRICT_BASE64
            .decode_slice(&*chunk, out)
            .map_err(|_| ResponseError::InvalidBase64)?;
        read = next;
        written = written.checked_add(m).ok_or(ResponseError::InvalidBase64)?;
    }
    text.get_mut(..written).ok_or(ResponseError::InvalidBase64)
}

/// GCM-opens `IV ‖ ciphertext ‖ tag` in place and returns the plaintext. `Err(None)` means the
/// tag did not verify (the caller picks the variant); `Err(Some(_))` is a length problem.
fn open_blob<'b>(
    cipher: &Aes256Gcm,
    blob: &'b mut [u8],
    min: usize,
) -> Result<&'b mut [u8], Option<ResponseError>> {
    let len = blob.len();
    if len < min.max(IV_LEN.saturating_add(TAG_LEN)) {
        return Err(Some(ResponseError::TooShort { len, min }));
    }
    crate::codec::gcm::open(cipher, blob).map_err(|e| match e {
        crate::codec::gcm::OpenError::TooShort => Some(ResponseError::TooShort { len, min }),
        crate::codec::gcm::OpenError::Tag => None,
    })
}

/// Turns any status other than 200 into [`ResponseError::HttpStatus`].
pub(crate) fn check_http_status(status: u16, body: &[u8]) -> Result<(), ResponseError> {
    if status == 200 {
        Ok(())
    } else {
        Err(ResponseError::HttpStatus(HttpError::from_body(
            status, body,
        )))
    }
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/// A local error while preparing a request: bad credentials or caller-supplied storage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EnvelopeError {
    /// The client secret is not padded standard base64 of 32 bytes.
    InvalidClientSecret,
    /// The API key cannot be used.
    InvalidApiKey {
        /// Why, in a few words.
        reason: &'static str,
    },
    /// A `refresh_response_key` is not padded standard base64 of 32 bytes.
    InvalidRefreshResponseKey,
    /// The output buffer is too small; nothing was written.
    BufferTooSmall {
        /// The number of bytes needed.
        required: usize,
    },
    /// The payload is too large to seal.
    PayloadTooLarge {
        /// The payload length, in bytes.
        len: usize,
    },
    /// The random source failed; nothing was written.
    Random(RandomError),
}

impl fmt::Display for EnvelopeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidClientSecret => f.write_str(
                "client secret is not standard base64 of 32 bytes: check that the whole secret was copied",
            ),
            Self::InvalidApiKey { reason } => write!(f, "api key cannot be used: {reason}"),
            Self::InvalidRefreshResponseKey => {
                f.write_str("refresh_response_key is not standard base64 of 32 bytes")
            }
            Self::BufferTooSmall { required } => {
                write!(f, "output buffer too small: {required} bytes required")
            }
            Self::PayloadTooLarge { len } => write!(f, "payload of {len} bytes is too large to seal"),
            Self::Random(_) => f.write_str("the random source failed while sealing a request"),
        }
    }
}

impl core::error::Error for EnvelopeError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Random(e) => Some(e),
            _ => None,
        }
    }
}

impl From<RandomError> for EnvelopeError {
    fn from(e: RandomError) -> Self {
        Self::Random(e)
    }
}

/// An error in what the operator sent back (or failed to send back).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ResponseError {
    /// The operator answered with an HTTP status other than 200.
    HttpStatus(HttpError),
    /// A text body is not standard padded base64.
    InvalidBase64,
    /// The body is shorter than an IV and a tag.
    TooShort {
        /// The decoded body length.
        len: usize,
        /// The smallest well-formed reply.
        min: usize,
    },
    /// The reply failed authentication under the client secret.
    DecryptFailed,
    /// A `/v2/token/refresh` reply failed authentication under the refresh response key.
    RefreshDecryptFailed,
    /// The reply is authentic but does not echo this request's nonce.
    NonceMismatch,
    /// The document is not the JSON this endpoint returns.
    MalformedResponse {
        /// What is wrong, in a few words.
        reason: &'static str,
    },
    /// The document's `status` is one this operation does not accept.
    UnexpectedStatus(OperatorStatus),
    /// Token generate answered `insufficient_user_consent` (EUID: the TCF consent string lacks
    /// consent). No identity was issued.
    InsufficientUserConsent,
    /// A refresh succeeded but the new identity is already expired or not refreshable at `now`.
    InvalidRefreshedIdentity {
        /// The time the response was processed.
        now: Timestamp,
        /// The new identity's `identity_expires`.
        identity_expires: Timestamp,
        /// The new identity's `refresh_expires`.
        refresh_expires: Timestamp,
    },
    /// The identity has no `refresh_response_key`, so the operator's reply would be plain JSON
    /// that nothing authenticates, and the caller did not opt in to reading it (see
    /// [`PendingTokenRefresh::allow_plain_json_reply`](crate::operator::PendingTokenRefresh::allow_plain_json_reply)).
    PlainRefreshNotAllowed,
}

impl ResponseError {
    /// The conformance-vector class of this error (`DECRYPT_FAILED`, `NONCE_MISMATCH`,
    /// `RESPONSE_STATUS`, `RESPONSE_MALFORMED`, `HTTP_STATUS`, `INVALID_REFRESHED_IDENTITY`,
    /// `PLAIN_REFRESH_NOT_ALLOWED`).
    #[must_use]
    pub const fn class(&self) -> &'static str {
        match self {
            Self::HttpStatus(_) => "HTTP_STATUS",
            Self::InvalidBase64
            | Self::TooShort { .. }
            | Self::DecryptFailed
            | Self::RefreshDecryptFailed => "DECRYPT_FAILED",
            Self::NonceMismatch => "NONCE_MISMATCH",
            Self::MalformedResponse { .. } => "RESPONSE_MALFORMED",
            Self::UnexpectedStatus(_) | Self::InsufficientUserConsent => "RESPONSE_STATUS",
            Self::InvalidRefreshedIdentity { .. } => "INVALID_REFRESHED_IDENTITY",
            Self::PlainRefreshNotAllowed => "PLAIN_REFRESH_NOT_ALLOWED",
        }
    }

    /// The HTTP error, when the operator answered with a status other than 200.
    #[must_use]
    pub const fn http(&self) -> Option<&HttpError> {
        match self {
            Self::HttpStatus(e) => Some(e),
            _ => None,
        }
    }
}

impl fmt::Display for ResponseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::HttpStatus(e) => fmt::Display::fmt(e, f),
            Self::InvalidBase64 => f.write_str(
                "response body is not base64: check that the base url points at a uid2 or euid operator",
            ),
            Self::TooShort { len, min } => write!(
                f,
                "response body of {len} bytes is too short for an envelope (at least {min} expected)"
            ),
            Self::DecryptFailed => f.write_str(
                "response failed authentication: the client secret does not match this api key or environment",
            ),
            Self::RefreshDecryptFailed => f.write_str(
                "refresh response failed authentication: use the refresh_response_key stored with the refresh token that was sent",
            ),
            Self::NonceMismatch => f.write_str(
                "response does not echo the request nonce: it answers another request",
            ),
            Self::MalformedResponse { reason } => write!(f, "malformed response document: {reason}"),
            Self::UnexpectedStatus(s) => write!(f, "unexpected response status {:?}", s.as_str()),
            Self::InsufficientUserConsent => f.write_str(
                "no token issued: the tcf consent string does not grant consent (insufficient_user_consent)",
            ),
            Self::InvalidRefreshedIdentity { now, identity_expires, refresh_expires } => write!(
                f,
                "refreshed identity is unusable at {now}: identity expires {identity_expires}, refresh expires {refresh_expires}; check the system clock"
            ),
            Self::PlainRefreshNotAllowed => f.write_str(
                "the identity has no refresh_response_key: its refresh reply would be unauthenticated plain json, which is refused unless explicitly allowed",
            ),
        }
    }
}

impl core::error::Error for ResponseError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::HttpStatus(e) => Some(e),
            _ => None,
        }
    }
}

/// How deeply an error body may nest before it is treated as text: the no-heap JSON parser
/// recurses once per level, so unbounded nesting could exhaust the stack.
const MAX_ERROR_JSON_DEPTH: usize = 16;

/// Whether `[`/`{` nesting (outside strings) stays within `max` levels.
fn json_depth_within(json: &[u8], max: usize) -> bool {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for &b in json {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth = depth.saturating_add(1);
                if depth > max {
                    return false;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    true
}

/// A non-200 reply: the HTTP status and what the operator said, when it said anything.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HttpError {
    status: u16,
    operator_status: Option<OperatorStatus>,
    /// The JSON `message`, or the start of a body that is not JSON.
    detail: Option<ShortText>,
    detail_is_message: bool,
}

impl HttpError {
    /// Reads an error body: a JSON object with `status` and `message`, or plain text.
    fn from_body(status: u16, body: &[u8]) -> Self {
        use serde_json_core::str::{EscapedStr, EscapedStringFragment};
        #[derive(serde::Deserialize)]
        struct ErrorDoc<'a> {
            #[serde(borrow)]
            status: Option<EscapedStr<'a>>,
            #[serde(borrow)]
            message: Option<EscapedStr<'a>>,
        }
        fn unescape(s: EscapedStr<'_>) -> ShortText {
            let mut text = ShortText::empty();
            for fragment in s.fragments() {
                match fragment {
                    Ok(EscapedStringFragment::NotEscaped(part)) => text.push_str(part),
                    Ok(EscapedStringFragment::Escaped(c)) => {
                        text.push_str(c.encode_utf8(&mut [0u8; 4]))
                    }
                    Err(_) => break,
                }
            }
            text
        }
        let parsed = if json_depth_within(body, MAX_ERROR_JSON_DEPTH) {
            serde_json_core::from_slice::<ErrorDoc<'_>>(body).ok()
        } else {
            None
        };
        match parsed {
            Some((doc, _)) => Self {
                status,
                operator_status: doc
                    .status
                    .map(|s| OperatorStatus::parse(unescape(s).as_str())),
                detail: doc.message.map(unescape),
                detail_is_message: true,
            },
            None => Self {
                status,
                operator_status: None,
                detail_is_message: false,
                detail: core::str::from_utf8(body)
                    .ok()
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(ShortText::new),
            },
        }
    }

    /// The HTTP status code.
    #[must_use]
    pub const fn status(&self) -> u16 {
        self.status
    }

    /// The `status` member of a JSON error body.
    #[must_use]
    pub const fn operator_status(&self) -> Option<&OperatorStatus> {
        self.operator_status.as_ref()
    }

    /// The `message` member of a JSON error body (its first 48 bytes).
    #[must_use]
    pub fn message(&self) -> Option<&str> {
        self.detail
            .as_ref()
            .filter(|_| self.detail_is_message)
            .map(ShortText::as_str)
    }

    /// The start (48 bytes) of a body that is not JSON, for example a proxy's error page.
    #[must_use]
    pub fn body_excerpt(&self) -> Option<&str> {
        self.detail
            .as_ref()
            .filter(|_| !self.detail_is_message)
            .map(ShortText::as_str)
    }

    /// HTTP 401: the API key is unknown, disabled, or lacks the role for this endpoint.
    #[must_use]
    pub const fn is_unauthorized(&self) -> bool {
        self.status == 401
    }

    /// HTTP 429: rate limited; retry later with backoff.
    #[must_use]
    pub const fn is_rate_limited(&self) -> bool {
        self.status == 429
    }

    /// `expired_token`: the refresh token is past `refresh_expires`; drop the identity.
    #[must_use]
    pub const fn is_expired_token(&self) -> bool {
        matches!(self.operator_status, Some(OperatorStatus::ExpiredToken))
    }

    /// `invalid_token`: the refresh token was not accepted; drop the identity.
    #[must_use]
    pub const fn is_invalid_token(&self) -> bool {
        matches!(self.operator_status, Some(OperatorStatus::InvalidToken))
    }

    /// `client_error`: the request was rejected (bad envelope, bad parameters, clock drift).
    #[must_use]
    pub const fn is_client_error(&self) -> bool {
        matches!(self.operator_status, Some(OperatorStatus::ClientError))
    }

    fn hint(&self) -> &'static str {
        match (&self.operator_status, self.status) {
            (Some(OperatorStatus::Unauthorized), _) | (_, 401) => {
                "check the api key, its environment and that it has the role for this endpoint"
            }
            (Some(OperatorStatus::ExpiredToken), _) => {
                "the refresh token has expired; drop the identity"
            }
            (Some(OperatorStatus::InvalidToken), _) => {
                "the refresh token was rejected; drop the identity"
            }
            (Some(OperatorStatus::ClientError), _) => {
                "check the client secret, the request parameters and the system clock"
            }
            (_, 413) => "the request body is larger than the operator accepts",
            (_, 429) => "rate limited; retry later with backoff",
            (_, 500..=599) => "operator failure; retry later",
            _ => "",
        }
    }
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "operator answered http {}", self.status)?;
        if let Some(s) = &self.operator_status {
            write!(f, " ({})", s.as_str())?;
        }
        if let Some(d) = &self.detail {
            write!(f, ": {:?}", d.as_str())?;
        }
        let hint = self.hint();
        if !hint.is_empty() {
            write!(f, "; {hint}")?;
        }
        Ok(())
    }
}

impl core::error::Error for HttpError {}

/// The `status` member of an operator document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OperatorStatus {
    /// `success`.
    Success,
    /// `optout`: the user opted out; no identity.
    OptOut,
    /// `insufficient_user_consent` (EUID token generate).
    InsufficientUserConsent,
    /// `client_error`: bad request.
    ClientError,
    /// `invalid_token`: the refresh token could not be validated.
    InvalidToken,
    /// `expired_token`: the refresh token has expired.
    ExpiredToken,
    /// `error`: generic failure.
    Error,
    /// `unauthorized`: bad or missing API key.
    Unauthorized,
    /// `invalid_client`.
    InvalidClient,
    /// `invalid_http_origin` (client-side token generation).
    InvalidHttpOrigin,
    /// `invalid_app_name` (client-side token generation).
    InvalidAppName,
    /// `unknown`: server error.
    Unknown,
    /// A status this SDK does not know, kept as text.
    Other(ShortText),
}

impl OperatorStatus {
    /// Maps the operator's string to a status; unknown strings become [`OperatorStatus::Other`].
    #[must_use]
    pub fn parse(s: &str) -> Self {
        match s {
            "success" => Self::Success,
            "optout" => Self::OptOut,
            "insufficient_user_consent" => Self::InsufficientUserConsent,
            "client_error" => Self::ClientError,
            "invalid_token" => Self::InvalidToken,
            "expired_token" => Self::ExpiredToken,
            "error" => Self::Error,
            "unauthorized" => Self::Unauthorized,
            "invalid_client" => Self::InvalidClient,
            "invalid_http_origin" => Self::InvalidHttpOrigin,
            "invalid_app_name" => Self::InvalidAppName,
            "unknown" => Self::Unknown,
            other => Self::Other(ShortText::new(other)),
        }
    }

    /// The operator's string for this status.
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            Self::Success => "success",
            Self::OptOut => "optout",
            Self::InsufficientUserConsent => "insufficient_user_consent",
            Self::ClientError => "client_error",
            Self::InvalidToken => "invalid_token",
            Self::ExpiredToken => "expired_token",
            Self::Error => "error",
            Self::Unauthorized => "unauthorized",
            Self::InvalidClient => "invalid_client",
            Self::InvalidHttpOrigin => "invalid_http_origin",
            Self::InvalidAppName => "invalid_app_name",
            Self::Unknown => "unknown",
            Self::Other(t) => t.as_str(),
        }
    }
}

/// A short piece of operator text kept inline in an error (at most 48 bytes, cut at a
/// character boundary).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ShortText {
    buf: [u8; SHORT_TEXT_CAP],
    len: u8,
}

impl ShortText {
    const fn empty() -> Self {
        Self {
            buf: [0u8; SHORT_TEXT_CAP],
            len: 0,
        }
    }

    fn new(text: &str) -> Self {
        let mut t = Self::empty();
        t.push_str(text);
        t
    }

    /// Appends as much of `text` as fits, cutting at a character boundary.
    fn push_str(&mut self, text: &str) {
        let start = usize::from(self.len);
        let room = SHORT_TEXT_CAP.saturating_sub(start);
        let mut cut = text.len().min(room);
        while !text.is_char_boundary(cut) {
            cut = cut.saturating_sub(1);
        }
        let bytes = text.as_bytes().get(..cut).unwrap_or(&[]);
        let end = start.saturating_add(bytes.len());
        if let (Some(dst), Ok(len)) = (self.buf.get_mut(start..end), u8::try_from(end)) {
            dst.copy_from_slice(bytes);
            self.len = len;
        }
    }

    /// The text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        self.buf
            .get(..usize::from(self.len))
            .and_then(|b| core::str::from_utf8(b).ok())
            .unwrap_or("")
    }
}

impl fmt::Debug for ShortText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for ShortText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

// ---------------------------------------------------------------------------------------------
// Owned wrappers
// ---------------------------------------------------------------------------------------------

#[cfg(feature = "alloc")]
pub use owned::SealedRequest;

#[cfg(feature = "alloc")]
mod owned {
    use super::{
        BodyEncoding, ClientSecret, Credentials, EnvelopeError, OperatorRequest, PendingResponse,
        seal_request, sealed_body_len,
    };
    use crate::random::SecureRandom;
    use crate::time::Timestamp;
    use alloc::vec;
    use alloc::vec::Vec;
    use core::fmt;

    /// A sealed request that owns its body; [`request`](Self::request) describes what to send.
    pub struct SealedRequest<'c> {
        path: &'static str,
        credentials: &'c Credentials,
        encoding: BodyEncoding,
        body: Vec<u8>,
        max_response_len: usize,
    }

    impl<'c> SealedRequest<'c> {
        /// The request description (method, path, headers, body, reply bound) for the adapter.
        #[must_use]
        pub fn request(&self) -> OperatorRequest<'_> {
            OperatorRequest::new(
                self.path,
                Some(self.credentials.api_key()),
                self.encoding,
                &self.body,
            )
            .with_max_response_len(self.max_response_len)
        }

        /// Sets the largest reply body to read (by default the path's
        /// [`reply_limit::for_path`](super::reply_limit::for_path)).
        #[must_use]
        pub const fn with_max_response_len(mut self, max: usize) -> Self {
            self.max_response_len = max;
            self
        }

        /// The body bytes.
        #[must_use]
        pub fn body(&self) -> &[u8] {
            &self.body
        }

        /// Takes the body bytes.
        #[must_use]
        pub fn into_body(self) -> Vec<u8> {
            self.body
        }
    }

    impl fmt::Debug for SealedRequest<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            fmt::Debug::fmt(&self.request(), f)
        }
    }

    /// Seals `payload` into a newly allocated body. See [`seal_request`].
    ///
    /// # Errors
    /// As [`seal_request`], except that the buffer cannot be too small.
    pub(crate) fn seal_to_vec(
        secret: &ClientSecret,
        now: Timestamp,
        rng: &mut impl SecureRandom,
        payload: &[u8],
        encoding: BodyEncoding,
    ) -> Result<(Vec<u8>, PendingResponse), EnvelopeError> {
        let len = sealed_body_len(payload.len(), encoding)
            .ok_or(EnvelopeError::PayloadTooLarge { len: payload.len() })?;
        let mut body = vec![0u8; len];
        let (written, pending) = seal_request(secret, now, rng, payload, encoding, &mut body)?;
        body.truncate(written);
        Ok((body, pending))
    }

    impl Credentials {
        /// Seals `payload` for `path` and returns the request to send with the
        /// [`PendingResponse`] that opens its reply. See [`seal_request`].
        ///
        /// # Errors
        /// As [`seal_request`], except that the buffer cannot be too small.
        pub fn seal<'c>(
            &'c self,
            path: &'static str,
            payload: &[u8],
            encoding: BodyEncoding,
            now: Timestamp,
            rng: &mut impl SecureRandom,
        ) -> Result<(SealedRequest<'c>, PendingResponse), EnvelopeError> {
            let (body, pending) = seal_to_vec(self.secret(), now, rng, payload, encoding)?;
            Ok((
                SealedRequest {
                    path,
                    credentials: self,
                    encoding,
                    body,
                    max_response_len: super::reply_limit::for_path(path),
                },
                pending,
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::ReplayRandom;
    extern crate alloc;
    use alloc::format;
    use alloc::vec::Vec;

    const SECRET: &str = "ioG3wKxAokmp+rERx6A4kM/13qhyolUXIu14WN16Spo=";
    const IV_NONCE: [u8; 20] = [
        0xcc, 0x3c, 0xca, 0xca, 0x98, 0x89, 0xea, 0xb3, 0x80, 0x0e, 0x78, 0x7e, 0x31, 0x2f, 0xe5,
        0xaa, 0x08, 0xb2, 0xa0, 0x49,
    ];
    const NOW: Timestamp = Timestamp::from_millis(1_667_885_597_644);

    fn seal(payload: &[u8], encoding: BodyEncoding) -> (Vec<u8>, PendingResponse) {
        let secret = ClientSecret::from_base64(SECRET).unwrap();
        let mut out = alloc::vec![0u8; sealed_body_len(payload.len(), encoding).unwrap()];
        let (n, p) = seal_request(
            &secret,
            NOW,
            &mut ReplayRandom::new(&IV_NONCE),
            payload,
            encoding,
            &mut out,
        )
        .unwrap();
        assert_eq!(n, out.len());
        (out, p)
    }

    #[test]
    fn java_suite_envelopes() {
        let cases: [(&[u8], &str); 3] = [
            (
                br#"{"phone":"+12345678901"}"#,
                "Acw8ysqYieqzgA54fifdV1TB6V+da8p/AFc8Ju/IYqX+4JXyJYMJ0JJrSKV84juIkIH33GCmx+7RM2pSX9P4nAN0pn2g",
            ),
            (
                b"",
                "Acw8ysqYieqzgA54fifdV1TB6V+da8p/AFc8Ju/o0iuqwrKKPacJn6xpUAU+",
            ),
            (
                br#"{"email_hash":"tMmiiTI7IaAcPpQPFQ65uMVCWH8av9jw4cwf/F5HVRQ="}"#,
                "Acw8ysqYieqzgA54fifdV1TB6V+da8p/AFc8Ju/IYrD77pL7WNFKiMt7QbM9mWHZwOWPyVTqSnDVNzhXRdcmIkV0ODOdll2inDo9iIZQ5oV2NvSUSWG5j6ACiXKH0JxiTPzs716eIH7P1Q==",
            ),
        ];
        for (payload, want) in cases {
            let (text, _p) = seal(payload, BodyEncoding::Text);
            assert_eq!(core::str::from_utf8(&text).unwrap(), want);
            let (bin, _p) = seal(payload, BodyEncoding::Binary);
            assert_eq!(bin.len(), payload.len() + 45);
            assert_eq!(b64::STANDARD.encode(&bin), want);
        }
    }

    #[test]
    fn in_place_base64_matches_engine_for_many_lengths() {
        for n in [
            0usize, 1, 2, 3, 700, 723, 724, 725, 767, 768, 769, 1536, 5000,
        ] {
            let payload: Vec<u8> = (0..n).map(|i| u8::try_from(i % 251).unwrap()).collect();
            let (text, _p) = seal(&payload, BodyEncoding::Text);
            let (bin, _p) = seal(&payload, BodyEncoding::Binary);
            assert_eq!(text, b64::STANDARD.encode(&bin).into_bytes(), "n = {n}");
        }
    }

    #[test]
    fn small_buffer_is_untouched() {
        let secret = ClientSecret::from_base64(SECRET).unwrap();
        let mut out = [7u8; 50];
        let err = seal_request(
            &secret,
            NOW,
            &mut ReplayRandom::new(&IV_NONCE),
            b"{}",
            BodyEncoding::Text,
            &mut out,
        )
        .unwrap_err();
        assert_eq!(err, EnvelopeError::BufferTooSmall { required: 64 });
        assert_eq!(out, [7u8; 50]);
        let err = seal_request(
            &secret,
            NOW,
            &mut ReplayRandom::new(&[1, 2]),
            b"{}",
            BodyEncoding::Binary,
            &mut out,
        )
        .unwrap_err();
        assert!(matches!(err, EnvelopeError::Random(_)));
        assert_eq!(out, [7u8; 50]);
    }

    #[test]
    fn spec_response_vectors() {
        let body =
            "AAECAwQFBgcICQoLjY5737QNeLNwh3qQe6yvzsuvxsrdHsEED5N3y07ldesePlW4btEEzdcQ9Lme+ztiklM9";
        let (_, p) = seal(b"", BodyEncoding::Text);
        let mut b = body.as_bytes().to_vec();
        let opened = p.open(200, None, &mut b).unwrap();
        assert_eq!(opened.document(), br#"{"status":"optout"}"#);

        let (_, p) = seal(b"", BodyEncoding::Text);
        let mut b = body.as_bytes().to_vec();
        let last = b.len() - 2; // flip a bit of the last encoded byte's data
        b[last] ^= 1;
        assert!(matches!(
            p.open(200, None, &mut b),
            Err(ResponseError::DecryptFailed | ResponseError::InvalidBase64)
        ));

        let secret = ClientSecret::from_base64(SECRET).unwrap();
        let mut out = [0u8; 64];
        let (_, p) = seal_request(
            &secret,
            NOW,
            &mut ReplayRandom::new(&[0u8; 20]),
            b"",
            BodyEncoding::Text,
            &mut out,
        )
        .unwrap();
        let mut b = body.as_bytes().to_vec();
        assert_eq!(
            p.open(200, None, &mut b).unwrap_err(),
            ResponseError::NonceMismatch
        );
    }

    #[test]
    fn refresh_vectors() {
        let key = RefreshResponseKey::from_base64("WL0AYr41Db9m6dCIPtQlTz2kE4NMx3nLmloGHkQPGSQ=")
            .unwrap();
        let mut b = b"d9I6qCdlJ6mkWYLyw2iGnCnJ5OocyQDtbbvW6YXAYKpxTXaOePQzPPJIrHnI7Io=".to_vec();
        assert_eq!(
            open_refresh_response(&key, 200, &mut b).unwrap(),
            br#"{"status":"optout"}"#
        );
        let other = RefreshResponseKey::from_base64("P941vVeuyjaDRVnFQ8DPd0AZnW4bPeiJPXER2K9QXcU=")
            .unwrap();
        let mut b = b"d9I6qCdlJ6mkWYLyw2iGnCnJ5OocyQDtbbvW6YXAYKpxTXaOePQzPPJIrHnI7Io=".to_vec();
        assert_eq!(
            open_refresh_response(&other, 200, &mut b).unwrap_err(),
            ResponseError::RefreshDecryptFailed
        );
    }

    #[test]
    fn http_errors_are_classified() {
        let (_, p) = seal(b"", BodyEncoding::Text);
        let mut b = br#"{"status":"unauthorized"}"#.to_vec();
        let e = p.open(401, Some("application/json"), &mut b).unwrap_err();
        let h = e.http().unwrap();
        assert!(h.is_unauthorized());
        assert_eq!(h.operator_status(), Some(&OperatorStatus::Unauthorized));
        assert_eq!(h.message(), None);
        assert!(format!("{e}").contains("api key"));

        let (_, p) = seal(b"", BodyEncoding::Text);
        let mut b = br#"{"status":"expired_token","message":"Expired \/ gone"}"#.to_vec();
        let e = p.open(400, None, &mut b).unwrap_err();
        assert!(e.http().unwrap().is_expired_token());
        assert_eq!(e.http().unwrap().message(), Some("Expired / gone"));

        let (_, p) = seal(b"", BodyEncoding::Text);
        let mut b = b"Internal Server Error".to_vec();
        let e = p.open(500, None, &mut b).unwrap_err();
        assert_eq!(
            e.http().unwrap().body_excerpt(),
            Some("Internal Server Error")
        );

        let (_, p) = seal(b"", BodyEncoding::Text);
        let e = p.open(204, None, &mut []).unwrap_err();
        assert_eq!(e.http().unwrap().status(), 204);
        let (_, p) = seal(b"", BodyEncoding::Text);
        assert!(
            p.open(429, None, &mut [])
                .unwrap_err()
                .http()
                .unwrap()
                .is_rate_limited()
        );
    }

    #[test]
    fn in_place_base64_decoding_is_strict_and_chunk_safe() {
        for n in [0usize, 1, 2, 3, 767, 768, 769, 770, 1500, 3000] {
            let bytes: Vec<u8> = (0..n).map(|i| u8::try_from(i * 7 % 256).unwrap()).collect();
            let mut text = b64::STANDARD.encode(&bytes).into_bytes();
            text.insert(0, b' ');
            text.push(b'\n');
            assert_eq!(
                base64_decode_in_place(&mut text).unwrap(),
                &bytes[..],
                "n = {n}"
            );
        }
        for bad in [
            "AAA", "AA=A", "AAB=", "AA==AAAA", "A===", "====", "AA\nAA==",
        ] {
            let mut text = bad.as_bytes().to_vec();
            assert_eq!(
                base64_decode_in_place(&mut text),
                Err(ResponseError::InvalidBase64),
                "{bad}"
            );
        }
        // Padding at the end of an inner chunk is rejected too.
        let mut text = alloc::vec![b'A'; 2048];
        text[1022] = b'=';
        text[1023] = b'=';
        assert_eq!(
            base64_decode_in_place(&mut text),
            Err(ResponseError::InvalidBase64)
        );
    }

    #[test]
    fn credentials_seal_into_describes_the_request() {
        let creds = Credentials::from_strings("UID2-C-L-1-key", SECRET).unwrap();
        let mut out = [0u8; 128];
        let (req, _pending) = creds
            .seal_into(
                "/v2/key/sharing",
                b"",
                BodyEncoding::Text,
                NOW,
                &mut ReplayRandom::new(&IV_NONCE),
                &mut out,
            )
            .unwrap();
        assert_eq!(
            req.body(),
            b"Acw8ysqYieqzgA54fifdV1TB6V+da8p/AFc8Ju/o0iuqwrKKPacJn6xpUAU+"
        );
        let names: Vec<&str> = req.headers().map(|h| h.name()).collect();
        assert_eq!(
            names,
            ["Authorization", "X-UID2-Client-Version", "Content-Type"]
        );
        assert_eq!(req.method().as_str(), "POST");
    }

    #[test]
    fn environments_are_well_formed() {
        for env in Environment::ALL {
            assert!(env.base_url().starts_with("https://") && !env.base_url().ends_with('/'));
            assert_eq!(
                env.scope() == IdentityScope::Euid,
                env.name().starts_with("euid")
            );
        }
        assert_eq!(
            Environment::EUID_PRODUCTION.base_url(),
            "https://prod.euid.eu"
        );
    }

    #[test]
    fn deeply_nested_error_bodies_are_text() {
        let mut body = Vec::from(&b"{\"status\":\"error\",\"x\":"[..]);
        body.extend(core::iter::repeat_n(b'[', 200_000));
        let (_, p) = seal(b"", BodyEncoding::Text);
        let e = p.open(500, None, &mut body).unwrap_err();
        assert_eq!(e.http().unwrap().operator_status(), None);
        assert!(e.http().unwrap().body_excerpt().is_some());
        assert!(json_depth_within(
            br#"{"a":"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\""}"#,
            2
        ));
        assert!(!json_depth_within(b"[[[", 2));
    }

    #[test]
    fn content_type_selects_encoding() {
        assert_eq!(
            BodyEncoding::of_response(Some("Application/Octet-Stream; charset=x")),
            BodyEncoding::Binary
        );
        assert_eq!(
            BodyEncoding::of_response(Some("text/plain")),
            BodyEncoding::Text
        );
        assert_eq!(BodyEncoding::of_response(None), BodyEncoding::Text);
    }

    #[test]
    fn secrets_are_redacted() {
        let key = ApiKey::new("UID2-C-L-999-secretkeyvalue=").unwrap();
        let req =
            OperatorRequest::new("/v2/token/generate", Some(&key), BodyEncoding::Text, b"xyz");
        let dbg = format!("{req:?} {key:?}");
        assert!(!dbg.contains("secretkeyvalue"), "{dbg}");
        let auth = req.headers().next().unwrap();
        assert_eq!(auth.value(), "Bearer UID2-C-L-999-secretkeyvalue=");
        assert!(auth.is_sensitive());
        assert_eq!(
            req.url_parts("https://prod.uidapi.com/"),
            ("https://prod.uidapi.com", "/v2/token/generate")
        );
        assert!(ApiKey::new("bad key").is_err());
        assert!(ApiKey::new("").is_err());
        assert!(ClientSecret::from_base64("AAAA").is_err());
        let s = ClientSecret::from_base64(SECRET).unwrap();
        assert!(!format!("{s:?}").contains("ioG3"));
    }

    #[cfg(feature = "server")]
    #[test]
    fn unverified_open_reports_time_and_nonce_but_checks_the_tag() {
        let secret = ClientSecret::from_base64(SECRET).unwrap();
        let (len, pending) = seal_request(
            &secret,
            NOW,
            &mut ReplayRandom::new(&IV_NONCE),
            b"{}",
            BodyEncoding::Text,
            &mut [0u8; 128],
        )
        .unwrap();
        assert!(len > 0);
        let nonce = pending.nonce();
        assert_eq!(nonce, [0x31, 0x2f, 0xe5, 0xaa, 0x08, 0xb2, 0xa0, 0x49]);
        let server_time = Timestamp::from_millis(1_667_885_600_000);
        let mut reply = crate::server::seal_response(
            &secret.0,
            server_time,
            &nonce,
            br#"{"status":"success"}"#,
            BodyEncoding::Text,
            &mut ReplayRandom::new(&[3; 12]),
        )
        .unwrap();
        let mut copy = reply.clone();
        let opened = open_response_unverified(&secret, BodyEncoding::Text, &mut reply).unwrap();
        assert_eq!(opened.server_time(), server_time);
        assert_eq!(opened.nonce(), nonce);
        assert_eq!(opened.document(), br#"{"status":"success"}"#);
        let other = ClientSecret::new([9; 32]);
        assert_eq!(
            open_response_unverified(&other, BodyEncoding::Text, &mut copy).unwrap_err(),
            ResponseError::DecryptFailed
        );
        let mut text = *b"not base64!";
        assert_eq!(
            open_response_unverified(&secret, BodyEncoding::Text, &mut text).unwrap_err(),
            ResponseError::InvalidBase64
        );
    }
}
