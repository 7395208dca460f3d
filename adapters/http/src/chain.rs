//! One-line display of an error and its causes.

use std::error::Error as StdError;
use std::fmt;

/// Displays an error followed by its whole [`source`](StdError::source) chain on one line,
/// `error: cause: root cause`, for logs and command-line output.
///
/// A cause whose text the line already contains is left out: many errors (this crate's
/// [`Error`](crate::Error) among them) repeat their source in their own message, and printing
/// both would say the same thing twice. `{:?}` of an error, and `main` returning a boxed error,
/// print `Debug` instead, which is not meant for users.
///
/// ```
/// use uid2_http::ErrorChain;
///
/// let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
/// let err = uid2_http::Error::Transport(uid2_http::TransportError::new(
///     uid2_http::TransportErrorKind::Connect,
///     refused,
/// ));
/// assert_eq!(
///     ErrorChain::new(&err).to_string(),
///     "http transport failed: could not connect: connection refused"
/// );
/// ```
#[derive(Clone, Copy)]
pub struct ErrorChain<'a>(&'a (dyn StdError + 'static));

impl<'a> ErrorChain<'a> {
    /// The chain of `error`.
    #[must_use]
    pub fn new(error: &'a (dyn StdError + 'static)) -> Self {
        Self(error)
    }
}

impl fmt::Display for ErrorChain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut line = self.0.to_string();
        let mut cause = self.0.source();
        while let Some(error) = cause {
            let text = error.to_string();
            if !text.is_empty() && !line.contains(&text) {
                line.push_str(": ");
                line.push_str(&text);
            }
            cause = error.source();
        }
        f.write_str(&line)
    }
}

impl fmt::Debug for ErrorChain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An error with a message and an optional source, which its message does not repeat.
    #[derive(Debug)]
    struct Layer(
        &'static str,
        Option<Box<dyn StdError + Send + Sync + 'static>>,
    );

    impl fmt::Display for Layer {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.0)
        }
    }

    impl StdError for Layer {
        fn source(&self) -> Option<&(dyn StdError + 'static)> {
            self.1
                .as_deref()
                .map(|e| -> &(dyn StdError + 'static) { e })
        }
    }

    #[test]
    fn every_cause_is_written_once() {
        let root = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        let err = Layer(
            "token generate failed",
            Some(Box::new(Layer("connect", Some(Box::new(root))))),
        );
        assert_eq!(
            ErrorChain::new(&err).to_string(),
            "token generate failed: connect: refused"
        );
        assert_eq!(ErrorChain::new(&Layer("alone", None)).to_string(), "alone");
    }

    #[test]
    fn a_cause_the_message_repeats_is_not_written_again() {
        let transport = crate::TransportError::new(
            crate::TransportErrorKind::Connect,
            Layer("tcp connect", Some(Box::new(Layer("os error 111", None)))),
        );
        let err = crate::Error::Transport(transport);
        // Error repeats TransportError, which repeats "tcp connect"; "os error 111" is new.
        assert_eq!(
            ErrorChain::new(&err).to_string(),
            "http transport failed: could not connect: tcp connect: os error 111"
        );
        assert_eq!(format!("{:?}", err.chain()), err.chain().to_string());
    }
}
