//! The adapter's error: transport, timeout, HTTP status, or a core error.

use std::error::Error as StdError;
use std::fmt;

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
            Self::Core(e) => Some(e.as_source()),
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

pub use uid2_http::CoreError;

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

pub use uid2_http::{TransportError, TransportErrorKind};
