//! What the operator remembers about the requests it received, for tests of client behaviour.

use std::collections::VecDeque;

use uid2::Timestamp;

/// How many requests [`LocalOperator::recorded_requests`](crate::LocalOperator::recorded_requests)
/// keeps (the oldest are forgotten first).
pub const MAX_RECORDED_REQUESTS: usize = 256;

/// One request as received: method, path, selected headers and the body length. The
/// `Authorization` header is reduced to whether it was present, and the body is not kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedRequest {
    pub(crate) at: Timestamp,
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) content_type: Option<String>,
    pub(crate) client_version: Option<String>,
    pub(crate) user_agent: Option<String>,
    pub(crate) has_authorization: bool,
    pub(crate) body_len: usize,
}

impl RecordedRequest {
    /// When the request arrived, on the operator's clock.
    #[must_use]
    pub const fn at(&self) -> Timestamp {
        self.at
    }

    /// The HTTP method.
    #[must_use]
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The request path.
    #[must_use]
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The `Content-Type` header.
    #[must_use]
    pub fn content_type(&self) -> Option<&str> {
        self.content_type.as_deref()
    }

    /// The `X-UID2-Client-Version` header.
    #[must_use]
    pub fn client_version(&self) -> Option<&str> {
        self.client_version.as_deref()
    }

    /// The `User-Agent` header.
    #[must_use]
    pub fn user_agent(&self) -> Option<&str> {
        self.user_agent.as_deref()
    }

    /// Whether an `Authorization` header was sent.
    #[must_use]
    pub const fn has_authorization(&self) -> bool {
        self.has_authorization
    }

    /// The body length in bytes (as received; a body over 1 MiB is not read to the end).
    #[must_use]
    pub const fn body_len(&self) -> usize {
        self.body_len
    }
}

/// Appends `r`, forgetting the oldest beyond [`MAX_RECORDED_REQUESTS`].
pub(crate) fn push(log: &mut VecDeque<RecordedRequest>, r: RecordedRequest) {
    if log.len() >= MAX_RECORDED_REQUESTS {
        log.pop_front();
    }
    log.push_back(r);
}
