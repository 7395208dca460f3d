//! The error type of every client.

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;

use uid2::envelope::HttpError;
use uid2::gigya::GigyaError;
use uid2::operator::IdentityTokensError;
use uid2::operator::identity_map_v3::BatchError;
use uid2::operator::key_refresh::RefreshError;
use uid2::operator::optout_status::OptoutStatusError;
use uid2::operator::salt_buckets::SinceOutOfRange;
use uid2::token::{DecryptError, EncryptError};
use uid2::{EnvelopeError, IdentityError, KeySetError, RandomError, ResponseError};

use crate::transport::{TransportError, TransportErrorKind};

pub use uid2_http::CoreError;

/// Why a client call failed.
///
/// Local problems (bad configuration, invalid input: [`Error::Core`], [`Error::InvalidConfig`])
/// are kept apart from remote ones (the operator's HTTP status in [`Error::Http`], a reply that
/// does not open or parse in [`Error::Core`]) and from the network ([`Error::Transport`],
/// [`Error::Timeout`]). [`source`](StdError::source) returns the underlying transport or core
/// error. No variant carries a secret or DII. The error is `Clone`.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Error {
    /// The request could not be sent or its reply not received (DNS, connect, TLS, reset).
    Transport(TransportError),
    /// The call did not complete within the configured bound.
    Timeout,
    /// The server answered with an HTTP status other than 200.
    Http {
        /// The HTTP status.
        status: u16,
        /// What the operator said (its `status` and `message`, or the start of a text body);
        /// `None` for servers other than the operator (Gigya).
        error: Option<HttpError>,
    },
    /// The core rejected the input, the credentials or the reply (see [`CoreError`]).
    Core(CoreError),
    /// The client configuration cannot be used.
    InvalidConfig {
        /// What is wrong, in a few words.
        reason: &'static str,
    },
    /// The background refresh thread could not be started.
    Spawn(Arc<std::io::Error>),
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

    /// Maps the core's description of a failed key refresh; `transport` is the adapter's own
    /// error for the attempt, when it had one.
    pub(crate) fn from_refresh(e: RefreshError, transport: Option<Self>) -> Self {
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
            Self::Transport(e) => write!(f, "transport error: {e}"),
            Self::Timeout => f.write_str("no complete response within the configured timeout"),
            Self::Http { error: Some(e), .. } => fmt::Display::fmt(e, f),
            Self::Http {
                status,
                error: None,
            } => write!(f, "server answered http {status}"),
            Self::Core(e) => fmt::Display::fmt(e, f),
            Self::InvalidConfig { reason } => write!(f, "invalid configuration: {reason}"),
            Self::Spawn(e) => write!(f, "could not start the refresh thread: {e}"),
        }
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            Self::Transport(e) => Some(e),
            Self::Timeout | Self::InvalidConfig { .. } => None,
            Self::Http { error, .. } => error.as_ref().map(|e| -> &(dyn StdError + 'static) { e }),
            Self::Core(e) => Some(e.as_source()),
            Self::Spawn(e) => Some(&**e),
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

macro_rules! from_core {
    ($($variant:ident($t:ty)),* $(,)?) => {
        $(
            impl From<$t> for Error {
                fn from(e: $t) -> Self {
                    Self::Core(CoreError::$variant(e))
                }
            }
        )*
    };
}

from_core!(
    Envelope(EnvelopeError),
    Identity(IdentityError),
    KeySet(KeySetError),
    Decrypt(DecryptError),
    Encrypt(EncryptError),
    IdentityTokens(IdentityTokensError),
    Batch(BatchError),
    OptoutStatus(OptoutStatusError),
    SinceOutOfRange(SinceOutOfRange),
    Gigya(GigyaError),
    Random(RandomError),
);

impl From<CoreError> for Error {
    fn from(e: CoreError) -> Self {
        match e {
            CoreError::Response(r) => r.into(),
            other => Self::Core(other),
        }
    }
}
