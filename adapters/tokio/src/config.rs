//! Client configuration: [`uid2_http::ClientConfig`], shared with `uid2-blocking`.

pub use uid2_http::{ClientConfig, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT};
