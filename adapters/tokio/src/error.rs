//! The error type of every client: [`uid2_http::Error`], shared with `uid2-blocking`.

pub use uid2_http::{CoreError, Error, TransportError, TransportErrorKind};
