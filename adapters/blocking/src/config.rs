//! Client configuration shared by every operator role client: [`uid2_http::ClientConfig`],
//! shared with `uid2-tokio`.

pub use uid2_http::{
    ClientConfig, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT, RetryConfig,
};
