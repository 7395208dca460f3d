//! The error type of every client: [`uid2_http::Error`], shared with `uid2-tokio`.

pub use uid2_http::{CoreError, Error};
