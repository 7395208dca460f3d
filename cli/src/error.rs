//! One error type for every command: a message with its cause chain, a hint, and the exit code.
//!
//! Messages never hold a secret, a token, an email, a phone number or a raw UID: they are built
//! from the adapters' and the core's errors (which hold none) and from file paths.

use std::error::Error as StdError;
use std::fmt;
use std::io;
use std::path::Path;

use uid2::envelope::{EnvelopeError, ResponseError};
use uid2_blocking::{CoreError, Error as ClientError, TransportErrorKind};

/// The documented exit codes (see `uid2 --help`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exit {
    /// 1: anything not covered below.
    Failure,
    /// 2: bad arguments or missing configuration.
    Usage,
    /// 3: the operator or the envelope rejected the credentials.
    Credentials,
    /// 4: done, but some input lines were rejected.
    Partial,
    /// 5: a token decryption or encryption status other than SUCCESS.
    InvalidToken,
    /// 6: the operator stayed unavailable through every retry.
    Unavailable,
    /// 130 (128 + SIGINT, as shells report it): stopped by Ctrl-C, SIGTERM or SIGHUP.
    Interrupted,
}

impl Exit {
    /// The process exit code.
    pub(crate) const fn code(self) -> u8 {
        match self {
            Self::Failure => 1,
            Self::Usage => 2,
            Self::Credentials => 3,
            Self::Partial => 4,
            Self::InvalidToken => 5,
            Self::Unavailable => 6,
            Self::Interrupted => 130,
        }
    }
}

/// A failed command.
#[derive(Debug)]
pub(crate) struct CliError {
    exit: Exit,
    message: String,
    hint: Option<String>,
}

impl CliError {
    pub(crate) fn new(exit: Exit, message: impl Into<String>) -> Self {
        Self {
            exit,
            message: message.into(),
            hint: None,
        }
    }

    pub(crate) fn usage(message: impl Into<String>) -> Self {
        Self::new(Exit::Usage, message)
    }

    pub(crate) fn failure(message: impl Into<String>) -> Self {
        Self::new(Exit::Failure, message)
    }

    #[must_use]
    pub(crate) fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub(crate) const fn exit(&self) -> Exit {
        self.exit
    }

    /// An I/O error on `path`, with what was being done.
    pub(crate) fn io(action: &str, path: &Path, e: &io::Error) -> Self {
        let hint = match e.kind() {
            io::ErrorKind::NotFound => Some("check the path"),
            io::ErrorKind::PermissionDenied => Some("check the file's permissions"),
            _ => None,
        };
        let err = Self::failure(format!("cannot {action} {}: {}", path.display(), chain(e)));
        match hint {
            Some(h) => err.hint(h),
            None => err,
        }
    }

    /// A failed operator call, classified for its exit code and hint. `base_url` names the
    /// operator in hints.
    pub(crate) fn client(action: &str, e: &ClientError, base_url: &str) -> Self {
        let message = format!("{action}: {}", chain(e));
        let (exit, hint): (Exit, Option<String>) = match e {
            ClientError::Http {
                status: 401 | 403, ..
            } => (
                Exit::Credentials,
                Some(
                    "check UID2_API_KEY, and that the key belongs to this environment (integration and production keys differ) and has the role this call needs"
                        .into(),
                ),
            ),
            ClientError::Http { status: 429, .. } => (
                Exit::Unavailable,
                Some("rate limited through every retry: try again later, or lower --max-in-flight".into()),
            ),
            ClientError::Http { status, .. } if *status >= 500 => (
                Exit::Unavailable,
                Some("the operator failed through every retry: try again later".into()),
            ),
            ClientError::Http { status: 400, .. } => (
                Exit::Failure,
                Some("the operator rejected the request; if it mentions the timestamp, check this machine's clock".into()),
            ),
            ClientError::Transport(t) => (
                Exit::Unavailable,
                Some(match t.kind() {
                    TransportErrorKind::Connect => format!(
                        "is an operator listening at {base_url}? check --base-url, --environment or UID2_BASE_URL"
                    ),
                    TransportErrorKind::InvalidRequest => {
                        "check the base URL: it must start with https:// (or http:// for a local operator)".into()
                    }
                    _ => "the connection failed: check the network and try again".into(),
                }),
            ),
            ClientError::Timeout => (
                Exit::Unavailable,
                Some("no answer in time: try again, or raise --timeout".into()),
            ),
            ClientError::Core(CoreError::Response(
                ResponseError::DecryptFailed | ResponseError::RefreshDecryptFailed,
            )) => (
                Exit::Credentials,
                Some("the reply does not open with this client secret: check UID2_SECRET_KEY and that it belongs to this API key and environment".into()),
            ),
            ClientError::Core(CoreError::Response(ResponseError::InvalidBase64)) => (
                Exit::Failure,
                Some(format!("{base_url} does not answer like a UID2/EUID operator: check the base URL")),
            ),
            ClientError::Core(CoreError::Envelope(
                EnvelopeError::InvalidClientSecret | EnvelopeError::InvalidApiKey { .. },
            )) => (
                Exit::Credentials,
                Some("check UID2_API_KEY and UID2_SECRET_KEY (the secret is standard base64 of 32 bytes)".into()),
            ),
            _ => (Exit::Failure, None),
        };
        Self {
            exit,
            message,
            hint,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, " (hint: {hint})")?;
        }
        Ok(())
    }
}

/// An error and its causes on one line, `outer: inner: innermost`. A cause whose text the line
/// already holds (errors that print their source) is left out.
pub(crate) fn chain(e: &(dyn StdError + 'static)) -> String {
    let mut line = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !text.is_empty() && !line.contains(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
        source = cause.source();
    }
    // One line, whatever the causes print.
    line.replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Outer(io::Error);
    impl fmt::Display for Outer {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("outer failed")
        }
    }
    impl StdError for Outer {
        fn source(&self) -> Option<&(dyn StdError + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn the_chain_is_one_line_without_repeats() {
        let e = Outer(io::Error::other("disk\nfull"));
        assert_eq!(chain(&e), "outer failed: disk full");
        let http = ClientError::Http {
            status: 401,
            error: None,
        };
        let err = CliError::client("cannot map", &http, "http://127.0.0.1:1");
        assert_eq!(err.exit(), Exit::Credentials);
        let line = err.to_string();
        assert!(
            line.starts_with("cannot map: server answered http 401"),
            "{line}"
        );
        assert!(line.contains("(hint: check UID2_API_KEY"), "{line}");
        assert!(!line.contains('\n'));
    }

    #[test]
    fn retryable_failures_are_unavailable() {
        for status in [429, 500, 503] {
            let e = ClientError::Http {
                status,
                error: None,
            };
            assert_eq!(CliError::client("x", &e, "u").exit(), Exit::Unavailable);
        }
        assert_eq!(
            CliError::client("x", &ClientError::Timeout, "u").exit(),
            Exit::Unavailable
        );
    }
}
