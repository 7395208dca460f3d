//! Transport-independent types shared by the UID2 adapter crates (`uid2-tokio`,
//! `uid2-blocking`): the client configuration, request headers, responses, transport failures,
//! the error a client call can report, the key-refresh status and the bulk retry policy. Each adapter re-exports them
//! under its own name; use them from there.

#![forbid(unsafe_code)]
#![allow(
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    reason = "a std-only crate: std paths are the natural ones"
)]

mod chain;
mod cstg;
pub mod schedule;
mod status;
pub mod telemetry;
pub use chain::ErrorChain;
pub use cstg::CstgConfig;
pub use status::{RefreshStatus, RefreshWorker, WorkerCell};

mod base_url;
mod proxy;
pub use base_url::BaseUrl;
pub use proxy::EnvProxy;

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use uid2::envelope::{
    CLIENT_VERSION, Credentials, EnvelopeError, Environment, HttpError, ResponseError,
};
use uid2::gigya::{Credentials as GigyaCredentials, GigyaError};
use uid2::operator::IdentityTokensError;
use uid2::operator::identity_map_v3::BatchError;
use uid2::operator::key_refresh::{KeyRefreshConfig, RefreshError};
use uid2::operator::optout_status::OptoutStatusError;
use uid2::operator::salt_buckets::SinceOutOfRange;
use uid2::random::RandomError;
use uid2::token::{DecryptError, EncryptError};
use uid2::{IdentityError, KeySetError};

/// One request header handed to an adapter's transport. `Debug` redacts sensitive values (the
/// `Authorization` header carrying the API key).
#[derive(Clone, Copy)]
pub struct Header<'a> {
    name: &'a str,
    value: &'a str,
    sensitive: bool,
}

impl<'a> Header<'a> {
    /// A header; `sensitive` marks a credential that must never be logged.
    #[must_use]
    pub const fn new(name: &'a str, value: &'a str, sensitive: bool) -> Self {
        Self {
            name,
            value,
            sensitive,
        }
    }

    /// The header name.
    #[must_use]
    pub const fn name(&self) -> &'a str {
        self.name
    }

    /// The value, to be sent verbatim.
    #[must_use]
    pub const fn value(&self) -> &'a str {
        self.value
    }

    /// Whether the value is a credential.
    #[must_use]
    pub const fn is_sensitive(&self) -> bool {
        self.sensitive
    }
}

impl fmt::Debug for Header<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let value: &dyn fmt::Debug = if self.sensitive {
            &"<redacted>"
        } else {
            &self.value
        };
        f.debug_struct("Header")
            .field("name", &self.name)
            .field("value", value)
            .finish()
    }
}

/// What came back: the status, the `Content-Type` and `Date` headers, and the whole body.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct HttpResponse {
    /// The HTTP status code.
    pub status: u16,
    /// The `Content-Type` header, when present.
    pub content_type: Option<String>,
    /// The body bytes.
    pub body: Vec<u8>,
    /// The `Date` header, when present (Gigya's clock-skew correction reads it).
    pub date: Option<String>,
}

impl HttpResponse {
    /// A response with no `Date` header.
    #[must_use]
    pub const fn new(status: u16, content_type: Option<String>, body: Vec<u8>) -> Self {
        Self {
            status,
            content_type,
            body,
            date: None,
        }
    }

    /// Adds the `Date` header.
    #[must_use]
    pub fn with_date(mut self, date: impl Into<String>) -> Self {
        self.date = Some(date.into());
        self
    }
}

impl fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpResponse")
            .field("status", &self.status)
            .field("content_type", &self.content_type)
            .field("body_len", &self.body.len())
            .field("date", &self.date)
            .finish()
    }
}

/// What kind of transport failure happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// The connection could not be made (refused, unreachable, DNS failure, TLS handshake).
    Connect,
    /// The request did not complete within its time bound.
    Timeout,
    /// The connection broke while sending or receiving.
    Io,
    /// The server did not speak valid HTTP.
    Protocol,
    /// The response body exceeds the size this transport reads.
    BodyTooLarge,
    /// The URL or a header could not be used.
    InvalidRequest,
    /// Anything else.
    Other,
}

/// A request that could not be completed: no HTTP response was received. The underlying
/// error is its `source()`.
#[derive(Clone)]
pub struct TransportError {
    kind: TransportErrorKind,
    source: Option<Arc<dyn StdError + Send + Sync + 'static>>,
}

impl TransportError {
    /// A failure of `kind` caused by `source`.
    #[must_use]
    pub fn new(
        kind: TransportErrorKind,
        source: impl Into<Box<dyn StdError + Send + Sync + 'static>>,
    ) -> Self {
        Self {
            kind,
            source: Some(Arc::from(source.into())),
        }
    }

    /// A failure of `kind` with no further detail.
    #[must_use]
    pub const fn from_kind(kind: TransportErrorKind) -> Self {
        Self { kind, source: None }
    }

    /// What kind of failure this is.
    #[must_use]
    pub const fn kind(&self) -> TransportErrorKind {
        self.kind
    }
}

impl fmt::Debug for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransportError")
            .field("kind", &self.kind)
            .field("source", &self.source.as_ref().map(ToString::to_string))
            .finish()
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self.kind {
            TransportErrorKind::Connect => "could not connect",
            TransportErrorKind::Timeout => "timed out",
            TransportErrorKind::Io => "connection failed while sending or receiving",
            TransportErrorKind::Protocol => "the server did not answer with valid http",
            TransportErrorKind::BodyTooLarge => "the response body is too large",
            TransportErrorKind::InvalidRequest => "the url or a header cannot be used",
            TransportErrorKind::Other => "http request failed",
        };
        f.write_str(text)?;
        if let Some(source) = &self.source {
            write!(f, ": {source}")?;
        }
        Ok(())
    }
}

impl StdError for TransportError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_deref()
            .map(|e| -> &(dyn StdError + 'static) { e })
    }
}

/// An error reported by the [`uid2`] core: a local problem with the input or credentials, or a
/// reply the core rejected. Each variant wraps the core's own error unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CoreError {
    /// The operator's reply was rejected (authentication, nonce, document, status).
    #[error(transparent)]
    Response(ResponseError),
    /// The request could not be sealed (credentials, random source).
    #[error(transparent)]
    Envelope(EnvelopeError),
    /// An email or phone number is not valid.
    #[error(transparent)]
    Identity(IdentityError),
    /// A key set was rejected.
    #[error(transparent)]
    KeySet(KeySetError),
    /// A token could not be decrypted; [`DecryptError::as_status`] gives the official status.
    #[error(transparent)]
    Decrypt(DecryptError),
    /// A raw UID could not be encrypted; [`EncryptError::as_status`] gives the official status.
    #[error(transparent)]
    Encrypt(EncryptError),
    /// A stored identity could not be read.
    #[error(transparent)]
    IdentityTokens(IdentityTokensError),
    /// Identities could not be split into identity-map requests.
    #[error(transparent)]
    Batch(BatchError),
    /// An opt-out status request could not be built.
    #[error(transparent)]
    OptoutStatus(OptoutStatusError),
    /// A salt-bucket `since` time is out of range.
    #[error(transparent)]
    SinceOutOfRange(SinceOutOfRange),
    /// A key refresh failed.
    #[error(transparent)]
    Refresh(RefreshError),
    /// A Gigya request could not be built or its response read.
    #[error(transparent)]
    Gigya(GigyaError),
    /// The OS random generator failed.
    #[error(transparent)]
    Random(RandomError),
}

impl CoreError {
    /// The wrapped core error.
    #[must_use]
    pub fn as_source(&self) -> &(dyn StdError + 'static) {
        match self {
            Self::Response(e) => e,
            Self::Envelope(e) => e,
            Self::Identity(e) => e,
            Self::KeySet(e) => e,
            Self::Decrypt(e) => e,
            Self::Encrypt(e) => e,
            Self::IdentityTokens(e) => e,
            Self::Batch(e) => e,
            Self::OptoutStatus(e) => e,
            Self::SinceOutOfRange(e) => e,
            Self::Refresh(e) => e,
            Self::Gigya(e) => e,
            Self::Random(e) => e,
        }
    }
}

macro_rules! from_core {
    ($($variant:ident($t:ty)),* $(,)?) => {
        $(
            impl From<$t> for CoreError {
                fn from(e: $t) -> Self {
                    Self::$variant(e)
                }
            }
        )*
    };
}

from_core!(
    Response(ResponseError),
    Envelope(EnvelopeError),
    Identity(IdentityError),
    KeySet(KeySetError),
    Decrypt(DecryptError),
    Encrypt(EncryptError),
    IdentityTokens(IdentityTokensError),
    Batch(BatchError),
    OptoutStatus(OptoutStatusError),
    SinceOutOfRange(SinceOutOfRange),
    Refresh(RefreshError),
    Gigya(GigyaError),
    Random(RandomError),
);

/// Why a client call failed; `uid2-tokio` and `uid2-blocking` both re-export it as `Error`.
///
/// Local problems (bad configuration, invalid input: [`Error::Core`], [`Error::InvalidConfig`])
/// are kept apart from remote ones (the operator's HTTP status in [`Error::Http`], a reply that
/// does not open or parse in [`Error::Core`]) and from the network ([`Error::Transport`],
/// [`Error::Timeout`]). [`source`](StdError::source) returns the underlying transport or core
/// error. No variant carries a secret or DII. The error is `Clone`, so that one refresh outcome
/// can be handed to every caller waiting on it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Error {
    /// The request could not be sent or its reply not received (DNS, connect, TLS, reset).
    Transport(TransportError),
    /// The call did not complete within the configured bound (connect or whole call).
    Timeout,
    /// The server answered with an HTTP status other than 200.
    Http {
        /// The HTTP status.
        status: u16,
        /// What the operator said (its `status` and `message`, or the start of a text body);
        /// `None` for servers other than the operator (Gigya).
        error: Option<HttpError>,
    },
    /// The core rejected the input, the credentials or the reply (see [`CoreError`]);
    /// `source()` is the core's own error.
    Core(CoreError),
    /// The client configuration cannot be used.
    InvalidConfig {
        /// What is wrong, in a few words.
        reason: &'static str,
    },
    /// `uid2-blocking`: the background refresh thread could not be started.
    Spawn(Arc<std::io::Error>),
    /// `uid2-tokio`: the client's background task has stopped (the runtime is shutting down,
    /// or the task panicked: see [`RefreshStatus::worker`]).
    Closed,
    /// The reply body grew past the bound for its endpoint (see
    /// [`uid2::envelope::reply_limit`], capped by the configured `max_response_bytes`);
    /// reading stopped there. Not retryable: the same request gets the same reply.
    ResponseTooLarge {
        /// The bound, in bytes.
        limit: usize,
    },
}

impl Error {
    /// The HTTP status, for [`Error::Http`].
    #[must_use]
    pub const fn http_status(&self) -> Option<u16> {
        match self {
            Self::Http { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// What the operator said, for [`Error::Http`] from an operator endpoint.
    #[must_use]
    pub const fn http_error(&self) -> Option<&HttpError> {
        match self {
            Self::Http { error, .. } => error.as_ref(),
            _ => None,
        }
    }

    /// Whether sending the same request again later may succeed: transport failures, timeouts,
    /// HTTP 429 and 5xx.
    #[must_use]
    pub const fn is_retryable(&self) -> bool {
        match self {
            Self::Transport(_) | Self::Timeout => true,
            Self::Http { status, .. } => uid2::operator::retry::is_retryable_status(*status),
            _ => false,
        }
    }

    /// Displays this error and its causes on one line (see [`ErrorChain`]).
    #[must_use]
    pub fn chain(&self) -> ErrorChain<'_> {
        ErrorChain::new(self)
    }

    /// Whether this is [`Error::Timeout`].
    #[must_use]
    pub const fn is_timeout(&self) -> bool {
        matches!(self, Self::Timeout)
    }

    /// The decryption error, when a token could not be decrypted (its
    /// [`as_status`](DecryptError::as_status) is the official status).
    #[must_use]
    pub const fn decrypt_error(&self) -> Option<&DecryptError> {
        match self {
            Self::Core(CoreError::Decrypt(e)) => Some(e),
            _ => None,
        }
    }

    /// The encryption error, when a raw UID could not be encrypted.
    #[must_use]
    pub const fn encrypt_error(&self) -> Option<&EncryptError> {
        match self {
            Self::Core(CoreError::Encrypt(e)) => Some(e),
            _ => None,
        }
    }

    /// The core's response error, when the core rejected a reply.
    #[must_use]
    pub const fn response_error(&self) -> Option<&ResponseError> {
        match self {
            Self::Core(CoreError::Response(e)) => Some(e),
            _ => None,
        }
    }

    /// The transport error kind, for [`Error::Transport`].
    #[must_use]
    pub const fn transport_kind(&self) -> Option<TransportErrorKind> {
        match self {
            Self::Transport(e) => Some(e.kind()),
            _ => None,
        }
    }

    /// Maps the core's description of a failed key refresh (a
    /// [`RefreshEvent::RefreshFailed`](uid2::operator::key_refresh::RefreshEvent::RefreshFailed)
    /// error); `transport` is the adapter's own error for the attempt, when it had one, and is
    /// preferred to the core's bare "transport failed" or "timed out".
    #[must_use]
    pub fn from_refresh(e: RefreshError, transport: Option<Self>) -> Self {
        match (e, transport) {
            (RefreshError::Response(r), _) => r.into(),
            (RefreshError::KeySet(k), _) => Self::Core(CoreError::KeySet(k)),
            (RefreshError::Envelope(k), _) => Self::Core(CoreError::Envelope(k)),
            (_, Some(t)) => t,
            (RefreshError::Timeout, None) => Self::Timeout,
            (RefreshError::Transport, None) => {
                Self::Transport(TransportError::from_kind(TransportErrorKind::Other))
            }
            (other, None) => Self::Core(CoreError::Refresh(other)),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Transport(e) => write!(f, "http transport failed: {e}"),
            Self::Timeout => f.write_str("no complete response within the configured timeout"),
            Self::Http { error: Some(e), .. } => fmt::Display::fmt(e, f),
            Self::Http {
                status,
                error: None,
            } => write!(f, "server answered http {status}"),
            Self::Core(e) => fmt::Display::fmt(e, f),
            Self::InvalidConfig { reason } => write!(f, "invalid configuration: {reason}"),
            Self::Spawn(e) => write!(f, "could not start the refresh thread: {e}"),
            Self::Closed => f.write_str("the client's background task has stopped"),
            Self::ResponseTooLarge { limit } => {
                write!(f, "the reply body is larger than its {limit}-byte bound")
            }
        }
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            Self::Transport(e) => Some(e),
            Self::Http { error, .. } => error.as_ref().map(|e| -> &(dyn StdError + 'static) { e }),
            Self::Core(e) => Some(e.as_source()),
            Self::Spawn(e) => Some(&**e),
            Self::Timeout
            | Self::InvalidConfig { .. }
            | Self::Closed
            | Self::ResponseTooLarge { .. } => None,
        }
    }
}

impl From<TransportError> for Error {
    fn from(e: TransportError) -> Self {
        match e.kind() {
            TransportErrorKind::Timeout => Self::Timeout,
            _ => Self::Transport(e),
        }
    }
}

/// The reply bound for one call: the endpoint's (`endpoint`, from
/// [`OperatorRequest::max_response_len`](uid2::envelope::OperatorRequest::max_response_len)),
/// never more than the configured `max_response_bytes`.
#[must_use]
pub fn effective_reply_limit(endpoint: usize, configured: usize) -> usize {
    endpoint.min(configured)
}

/// Checks what a transport returned for a call bounded by `limit`: a body past the bound (the
/// transport stopped reading, [`TransportErrorKind::BodyTooLarge`], or a transport that did not
/// honour the bound returned more) is [`Error::ResponseTooLarge`]; other transport failures map
/// as `From<TransportError>` does.
///
/// # Errors
/// As described.
pub fn bounded_reply(
    reply: Result<HttpResponse, TransportError>,
    limit: usize,
) -> Result<HttpResponse, Error> {
    match reply {
        Ok(reply) if reply.body.len() > limit => Err(Error::ResponseTooLarge { limit }),
        Ok(reply) => Ok(reply),
        Err(e) if e.kind() == TransportErrorKind::BodyTooLarge => {
            Err(Error::ResponseTooLarge { limit })
        }
        Err(e) => Err(e.into()),
    }
}

/// A non-200 status becomes [`Error::Http`]; anything else is [`Error::Core`].
impl From<ResponseError> for Error {
    fn from(e: ResponseError) -> Self {
        match e {
            ResponseError::HttpStatus(h) => Self::Http {
                status: h.status(),
                error: Some(h),
            },
            other => Self::Core(CoreError::Response(other)),
        }
    }
}

/// The core's errors other than [`ResponseError`] become [`Error::Core`].
macro_rules! error_from_core {
    ($($t:ty),* $(,)?) => {
        $(
            impl From<$t> for Error {
                fn from(e: $t) -> Self {
                    Self::Core(CoreError::from(e))
                }
            }
        )*
    };
}

error_from_core!(
    EnvelopeError,
    IdentityError,
    KeySetError,
    DecryptError,
    EncryptError,
    IdentityTokensError,
    BatchError,
    OptoutStatusError,
    SinceOutOfRange,
    GigyaError,
    RandomError,
);

impl From<CoreError> for Error {
    fn from(e: CoreError) -> Self {
        match e {
            CoreError::Response(r) => r.into(),
            other => Self::Core(other),
        }
    }
}

/// Default time allowed to open a connection (10 s).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time allowed for a whole request, connection included (30 s).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Largest reply body accepted by default (64 MiB).
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 64 * 1024 * 1024;

/// Where an operator role client connects, with which credentials, and how patiently; both
/// adapters re-export it.
///
/// Build one with [`ClientConfig::new`] (any base URL, for example a private operator) or
/// [`ClientConfig::for_environment`], then adjust it with the `with_*` methods or the public
/// fields. `Debug` never shows the API key or the client secret.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ClientConfig {
    /// The operator's base URL, such as `https://prod.uidapi.com` (no `/v2`), checked when it
    /// was parsed: `https://`, or `http://` only to a loopback host unless the caller opted in
    /// with [`BaseUrl::parse_allowing_insecure_http`].
    pub base_url: BaseUrl,
    /// The API key and client secret.
    pub credentials: Credentials,
    /// Time allowed to open a connection (default 10 s). Used by the default transport.
    pub connect_timeout: Duration,
    /// Time allowed for a whole request, from connecting to reading the last body byte
    /// (default 30 s).
    pub timeout: Duration,
    /// The `User-Agent` header (default `uid2-client-rust-<version>`, the same value as the
    /// `X-UID2-Client-Version` header the core sets). Used by the default transport.
    pub user_agent: String,
    /// Ceiling on any reply body (default 64 MiB). Each call reads at most the smaller of this
    /// and its endpoint's bound ([`uid2::envelope::reply_limit`]: 16 MiB for key sets, 64 KiB
    /// for tokens, identity map and opt-out status sized to the batch); past it the call fails
    /// with [`Error::ResponseTooLarge`] without buffering more.
    pub max_response_bytes: usize,
    /// Honour the proxy environment variables for `https://` requests (`HTTPS_PROXY`, else
    /// `ALL_PROXY`, and `NO_PROXY`; never `HTTP_PROXY`, and nothing under CGI: see
    /// [`EnvProxy`]; default `false`). Used by the default transport.
    pub proxy_from_env: bool,
    /// Key refresh timing for the bidstream and sharing clients.
    pub key_refresh: KeyRefreshConfig,
    /// Retries and parallelism of the bulk identity-map helper (`IdentityMapV3Client::map_bulk`).
    pub retry: RetryConfig,
    /// Read the plain JSON refresh reply of an identity without a `refresh_response_key`
    /// (default `false`: such a refresh fails with the core's
    /// `ResponseError::PlainRefreshNotAllowed`). That reply is not authenticated; see
    /// [`PendingTokenRefresh::allow_plain_json_reply`](uid2::operator::PendingTokenRefresh::allow_plain_json_reply)
    /// for the risk. Turn it on only to migrate identities stored before operators sealed
    /// refresh replies.
    pub allow_plain_json_refresh: bool,
}

impl ClientConfig {
    /// A configuration for the operator at `base_url` with an API key and a base64 client
    /// secret, and default timeouts. The URL is checked here (see [`BaseUrl::parse`]): plain
    /// `http://` is refused unless the host is loopback. For a test operator elsewhere on
    /// plain HTTP, build the URL with [`BaseUrl::parse_allowing_insecure_http`] and use
    /// [`ClientConfig::with_credentials`].
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for a base URL [`BaseUrl::parse`] refuses; [`Error::Core`] with
    /// an [`EnvelopeError`] when the API key or the secret cannot be used.
    pub fn new(base_url: &str, api_key: &str, secret_base64: &str) -> Result<Self, Error> {
        let base_url = BaseUrl::parse(base_url)?;
        let credentials = Credentials::from_strings(api_key, secret_base64)?;
        Ok(Self::with_credentials(base_url, credentials))
    }

    /// A configuration for a public UID2 or EUID environment.
    ///
    /// # Errors
    /// As [`ClientConfig::new`].
    pub fn for_environment(
        environment: Environment,
        api_key: &str,
        secret_base64: &str,
    ) -> Result<Self, Error> {
        Self::new(environment.base_url(), api_key, secret_base64)
    }

    /// A configuration from an already checked base URL and parsed credentials.
    #[must_use]
    pub fn with_credentials(base_url: BaseUrl, credentials: Credentials) -> Self {
        Self {
            base_url,
            credentials,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            user_agent: CLIENT_VERSION.to_owned(),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            proxy_from_env: false,
            key_refresh: KeyRefreshConfig::default(),
            retry: RetryConfig::default(),
            allow_plain_json_refresh: false,
        }
    }

    /// Sets the connect timeout.
    #[must_use]
    pub const fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sets the whole-request timeout.
    #[must_use]
    pub const fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the `User-Agent` header of the default transport.
    #[must_use]
    pub fn with_user_agent(mut self, user_agent: &str) -> Self {
        user_agent.clone_into(&mut self.user_agent);
        self
    }

    /// Honours the proxy environment variables in the default transport.
    #[must_use]
    pub const fn with_proxy_from_env(mut self, yes: bool) -> Self {
        self.proxy_from_env = yes;
        self
    }

    /// Sets the key refresh timing.
    #[must_use]
    pub const fn with_key_refresh(mut self, key_refresh: KeyRefreshConfig) -> Self {
        self.key_refresh = key_refresh;
        self
    }

    /// Sets the bulk identity-map retry policy.
    #[must_use]
    pub const fn with_retry(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self
    }

    /// Sets the largest reply body accepted by the default transport.
    #[must_use]
    pub const fn with_max_response_bytes(mut self, max: usize) -> Self {
        self.max_response_bytes = max;
        self
    }

    /// Reads the unauthenticated plain JSON refresh reply of identities without a
    /// `refresh_response_key` (see [`allow_plain_json_refresh`](Self::allow_plain_json_refresh)).
    #[must_use]
    pub const fn with_plain_json_refresh(mut self, allow: bool) -> Self {
        self.allow_plain_json_refresh = allow;
        self
    }
}

/// Where and how an adapter's `GigyaClient` sends; both adapters re-export it. `Debug` never
/// shows the credentials' secrets.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct GigyaConfig {
    /// The credentials (partner secret, user key, bearer, ...).
    pub credentials: GigyaCredentials,
    /// The data-center domain, for example `eu1.gigya.com` (default `us1.gigya.com`).
    pub api_domain: String,
    /// Sends to this host (optionally `host:port`) instead of `<namespace>.<api_domain>`.
    pub host_override: Option<String>,
    /// `https` (default) or, for the signing modes only, `http`.
    pub scheme: uid2::gigya::Scheme,
    /// Time allowed to open a connection (default 10 s). Used by the default transport.
    pub connect_timeout: Duration,
    /// Time allowed for a whole request (default 30 s).
    pub timeout: Duration,
    /// The `User-Agent` of the default transport (default the core's Gigya SDK id).
    pub user_agent: String,
    /// Largest reply body read (default [`DEFAULT_GIGYA_MAX_RESPONSE_BYTES`], 16 MiB); past it
    /// a call fails with [`Error::ResponseTooLarge`] without buffering more.
    pub max_response_bytes: usize,
    /// Honour the proxy environment variables for `https://` requests (`HTTPS_PROXY`, else
    /// `ALL_PROXY`, and `NO_PROXY`; never `HTTP_PROXY`, and nothing under CGI: see
    /// [`EnvProxy`]; default `false`). Used by the default transport.
    pub proxy_from_env: bool,
}

/// The default [`GigyaConfig::max_response_bytes`]: 16 MiB. Account documents and token
/// replies take kilobytes; this leaves room for large search pages while bounding what a
/// broken reply can make a client buffer.
pub const DEFAULT_GIGYA_MAX_RESPONSE_BYTES: usize = 16 << 20;

impl GigyaConfig {
    /// A configuration for `credentials` on the default data center, over HTTPS, with default
    /// timeouts.
    #[must_use]
    pub fn new(credentials: GigyaCredentials) -> Self {
        Self {
            credentials,
            api_domain: uid2::gigya::DEFAULT_API_DOMAIN.to_owned(),
            host_override: None,
            scheme: uid2::gigya::Scheme::Https,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            user_agent: uid2::gigya::SDK_ID.to_owned(),
            max_response_bytes: DEFAULT_GIGYA_MAX_RESPONSE_BYTES,
            proxy_from_env: false,
        }
    }

    /// Sets the data-center domain.
    #[must_use]
    pub fn with_api_domain(mut self, api_domain: &str) -> Self {
        api_domain.clone_into(&mut self.api_domain);
        self
    }

    /// Sends every call to `host` (optionally `host:port`, for example a local test server)
    /// instead of `<namespace>.<api_domain>`.
    #[must_use]
    pub fn with_host_override(mut self, host: &str) -> Self {
        self.host_override = Some(host.to_owned());
        self
    }

    /// Sets the scheme: [`Scheme::Https`](uid2::gigya::Scheme::Https) (the default) or, for the
    /// signing modes only, [`Scheme::Http`](uid2::gigya::Scheme::Http) (a local test server).
    #[must_use]
    pub const fn with_scheme(mut self, scheme: uid2::gigya::Scheme) -> Self {
        self.scheme = scheme;
        self
    }

    /// Sets the connect timeout.
    #[must_use]
    pub const fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sets the bound on a whole call (each attempt).
    #[must_use]
    pub const fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Honours the proxy environment variables in the default transport.
    #[must_use]
    pub const fn with_proxy_from_env(mut self, yes: bool) -> Self {
        self.proxy_from_env = yes;
        self
    }
}

/// A random `u32` from the operating system, for retry jitter (0 if the source fails: only the
/// spread of retries depends on it).
#[must_use]
pub fn random_u32() -> u32 {
    use uid2::SecureRandom as _;
    let mut b = [0u8; 4];
    match uid2::random::OsRandom.fill(&mut b) {
        Ok(()) => u32::from_le_bytes(b),
        Err(_) => 0,
    }
}

/// How the bulk identity-map helper (`IdentityMapV3Client::map_bulk` in both adapters) retries
/// a batch that failed with a retryable error (transport failure, timeout, HTTP 429 or 5xx:
/// the adapters' `Error::is_retryable`), and how many batches it keeps in flight. Every retry
/// is sealed anew.
///
/// The delay before retry *n* (1-based) is drawn uniformly from the upper half of
/// `min(max_backoff, initial_backoff × 2^(n-1))`, so that clients that failed together do not
/// retry together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryConfig {
    /// Attempts per batch, the first included (default 5; 1 disables retries).
    pub max_attempts: u32,
    /// Base delay before the first retry (default 1 s); it doubles with each further retry.
    pub initial_backoff: Duration,
    /// Cap on the base delay (default 30 s).
    pub max_backoff: Duration,
    /// Most batches in flight at once (default 20, the operator's documented limit).
    pub max_in_flight: usize,
}

impl Default for RetryConfig {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            initial_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(30),
            max_in_flight: 20,
        }
    }
}

impl RetryConfig {
    /// Sets [`max_attempts`](Self::max_attempts) (at least 1).
    #[must_use]
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Sets the initial and the maximum backoff.
    #[must_use]
    pub const fn with_backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_backoff = initial;
        self.max_backoff = max;
        self
    }

    /// Sets [`max_in_flight`](Self::max_in_flight) (at least 1).
    #[must_use]
    pub fn with_max_in_flight(mut self, n: usize) -> Self {
        self.max_in_flight = n.max(1);
        self
    }

    /// The delay before retry number `retry` (1 for the first retry), given a uniformly
    /// random `random`. Pure: the same inputs give the same delay. The schedule is the core's
    /// [`RetryPolicy::backoff`](uid2::operator::retry::RetryPolicy::backoff).
    #[must_use]
    pub fn backoff(&self, retry: u32, random: u32) -> Duration {
        uid2::operator::retry::RetryPolicy::new(
            self.max_attempts,
            self.initial_backoff,
            self.max_backoff,
        )
        .backoff(retry, random)
    }
}

#[cfg(test)]
mod retry_tests {
    use super::*;

    #[test]
    fn backoff_doubles_within_bounds() {
        let p = RetryConfig::default()
            .with_max_attempts(5)
            .with_backoff(Duration::from_millis(100), Duration::from_millis(1000));
        assert_eq!(p.backoff(1, 0), Duration::from_millis(50));
        assert!(p.backoff(1, u32::MAX) < Duration::from_millis(100));
        assert_eq!(p.backoff(2, 0), Duration::from_millis(100));
        assert_eq!(p.backoff(5, 0), Duration::from_millis(500));
        assert!(p.backoff(40, u32::MAX) <= Duration::from_millis(1000));
        assert_eq!(
            RetryConfig::default().with_max_in_flight(0).max_in_flight,
            1
        );
    }
}

#[cfg(test)]
mod config_tests {
    use super::*;

    #[test]
    fn debug_shows_no_credentials() {
        let secret = "ioG3wKxAokmp+rERx6A4kM/13qhyolUXIu14WN16Spo=";
        let config =
            ClientConfig::new("https://operator.example", "UID2-C-L-123-key", secret).unwrap();
        let text = format!("{config:?}");
        assert!(text.contains("operator.example"), "{text}");
        assert!(
            !text.contains("UID2-C-L-123-key") && !text.contains(secret),
            "{text}"
        );
        let gigya_secret = uid2::gigya::GigyaSecret::from_base64("c2VjcmV0").unwrap();
        let gigya = GigyaConfig::new(GigyaCredentials::partner_secret("3_key", gigya_secret));
        let text = format!("{gigya:?}");
        assert!(!text.contains("c2VjcmV0"), "{text}");
    }

    #[test]
    fn backoff_doubles_within_jitter_and_caps() {
        let retry = RetryConfig::default()
            .with_backoff(Duration::from_millis(100), Duration::from_millis(1000));
        for (n, base) in [
            (1, 100),
            (2, 200),
            (3, 400),
            (4, 800),
            (5, 1000),
            (40, 1000),
        ] {
            assert_eq!(retry.backoff(n, 0), Duration::from_millis(base / 2), "{n}");
            let most = retry.backoff(n, u32::MAX);
            assert!(most < Duration::from_millis(base), "{n}: {most:?}");
            assert!(
                most > Duration::from_millis(base * 99 / 100),
                "{n}: {most:?}"
            );
        }
    }
}
