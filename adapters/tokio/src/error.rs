//! The adapter's error: transport, timeout, HTTP status, or a core error.

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;

use uid2::envelope::{EnvelopeError, HttpError, ResponseError};
use uid2::gigya::GigyaError;
use uid2::operator::IdentityTokensError;
use uid2::operator::identity_map_v3::BatchError;
use uid2::operator::key_refresh::RefreshError;
use uid2::operator::optout_status::OptoutStatusError;
use uid2::operator::salt_buckets::SinceOutOfRange;
use uid2::random::RandomError;
use uid2::token::{DecryptError, EncryptError};
use uid2::{IdentityError, KeySetError};

/// Everything a client call can fail with.
///
/// Local problems (bad configuration, invalid input, see [`Error::Core`]) are kept apart from
/// remote ones (the operator's HTTP status in [`Error::Http`], a reply that does not open or
/// parse in [`Error::Core`]) and from the network ([`Error::Transport`], [`Error::Timeout`]).
/// No variant carries a secret or DII. The error is `Clone` so that one refresh outcome can be
/// handed to every caller waiting on it.
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
    /// The core rejected the input or the reply (see [`CoreError`]); `source()` is the core's
    /// own error.
    Core(CoreError),
    /// The client configuration cannot be used.
    InvalidConfig {
        /// What is wrong, in a few words.
        reason: &'static str,
    },
    /// The client's background task has stopped (the runtime is shutting down).
    Closed,
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
            Self::Closed => f.write_str("the client's background task has stopped"),
        }
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            Self::Transport(e) => Some(e),
            Self::Http { error, .. } => {
                let error: &(dyn StdError + 'static) = error.as_ref()?;
                Some(error)
            }
            Self::Core(e) => Some(e.inner()),
            Self::Timeout | Self::InvalidConfig { .. } | Self::Closed => None,
        }
    }
}

impl From<CoreError> for Error {
    fn from(e: CoreError) -> Self {
        Self::Core(e)
    }
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

    /// Whether this is [`Error::Timeout`].
    #[must_use]
    pub const fn is_timeout(&self) -> bool {
        matches!(self, Self::Timeout)
    }

    /// The decryption error, when a token could not be decrypted (its `as_status()` is the
    /// official status).
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

    /// Maps a core response error; a non-200 status becomes [`Error::Http`].
    pub(crate) fn from_response(e: ResponseError) -> Self {
        match e {
            ResponseError::HttpStatus(h) => Self::Http {
                status: h.status(),
                error: Some(h),
            },
            other => Self::Core(CoreError::Response(other)),
        }
    }

    /// Maps the core's description of a failed key refresh. `transport` is the adapter's own
    /// error for the attempt, when it had one.
    pub(crate) fn from_refresh(e: RefreshError, transport: Option<Self>) -> Self {
        match (e, transport) {
            (RefreshError::Response(r), _) => Self::from_response(r),
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

/// An error from the core, by family. Each variant wraps the core's own error unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CoreError {
    /// Bad credentials, or a request that could not be sealed.
    #[error(transparent)]
    Envelope(#[from] EnvelopeError),
    /// The operator's reply did not open, echo the nonce or parse.
    #[error(transparent)]
    Response(ResponseError),
    /// An invalid email or phone number (nothing was sent).
    #[error(transparent)]
    Identity(#[from] IdentityError),
    /// Identities that cannot be split into requests.
    #[error(transparent)]
    Batch(#[from] BatchError),
    /// An opt-out status request the operator would refuse.
    #[error(transparent)]
    OptoutStatus(#[from] OptoutStatusError),
    /// A salt-bucket `since` time out of range.
    #[error(transparent)]
    SinceOutOfRange(#[from] SinceOutOfRange),
    /// A key set the core rejected.
    #[error(transparent)]
    KeySet(#[from] KeySetError),
    /// A Gigya request that could not be built, or a reply that could not be read.
    #[error(transparent)]
    Gigya(#[from] GigyaError),
    /// A token could not be decrypted; `as_status()` gives the official status.
    #[error(transparent)]
    Decrypt(#[from] DecryptError),
    /// A raw UID could not be encrypted; `as_status()` gives the official status.
    #[error(transparent)]
    Encrypt(#[from] EncryptError),
    /// A stored identity could not be read.
    #[error(transparent)]
    IdentityTokens(#[from] IdentityTokensError),
    /// A key refresh failed in a way no other variant describes.
    #[error(transparent)]
    Refresh(#[from] RefreshError),
    /// The OS random generator failed.
    #[error(transparent)]
    Random(#[from] RandomError),
}

impl CoreError {
    /// The wrapped core error.
    fn inner(&self) -> &(dyn StdError + 'static) {
        match self {
            Self::Envelope(e) => e,
            Self::Response(e) => e,
            Self::Identity(e) => e,
            Self::Batch(e) => e,
            Self::OptoutStatus(e) => e,
            Self::SinceOutOfRange(e) => e,
            Self::KeySet(e) => e,
            Self::Gigya(e) => e,
            Self::Decrypt(e) => e,
            Self::Encrypt(e) => e,
            Self::IdentityTokens(e) => e,
            Self::Refresh(e) => e,
            Self::Random(e) => e,
        }
    }
}

macro_rules! from_core {
    ($($t:ty),*) => {$(
        impl From<$t> for Error {
            fn from(e: $t) -> Self {
                Self::Core(CoreError::from(e))
            }
        }
    )*};
}
from_core!(
    EnvelopeError,
    IdentityError,
    BatchError,
    OptoutStatusError,
    SinceOutOfRange,
    KeySetError,
    GigyaError,
    DecryptError,
    EncryptError,
    IdentityTokensError,
    RandomError
);

impl From<ResponseError> for Error {
    fn from(e: ResponseError) -> Self {
        Self::from_response(e)
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

/// What kind of transport failure happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// The URL or a header could not be used.
    InvalidRequest,
    /// The connection could not be made (refused, unreachable, DNS failure, TLS handshake).
    Connect,
    /// The connection was not established within the connect timeout.
    Timeout,
    /// The connection broke while sending or receiving.
    Io,
    /// The server did not speak valid HTTP.
    Protocol,
    /// The reply body is larger than the configured limit.
    BodyTooLarge,
    /// Anything else.
    Other,
}

impl TransportErrorKind {
    const fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "the url or a header cannot be used",
            Self::Connect => "could not connect",
            Self::Timeout => "timed out",
            Self::Io => "connection failed while sending or receiving",
            Self::Protocol => "the server did not answer with valid http",
            Self::BodyTooLarge => "the response body is too large",
            Self::Other => "http request failed",
        }
    }
}

/// A failure of the HTTP transport, with the underlying error as its `source()`.
#[derive(Clone)]
pub struct TransportError {
    kind: TransportErrorKind,
    source: Option<Arc<dyn StdError + Send + Sync + 'static>>,
}

impl TransportError {
    /// An error of `kind` caused by `source` (for custom [`Transport`](crate::Transport)s).
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

    /// An error of `kind` without an underlying cause.
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
            .field("source", &self.source.as_ref().map(|s| s.to_string()))
            .finish()
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.kind.as_str())?;
        if let Some(s) = &self.source {
            write!(f, ": {s}")?;
        }
        Ok(())
    }
}

impl StdError for TransportError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        let source: &(dyn StdError + 'static) = self.source.as_deref()?;
        Some(source)
    }
}
