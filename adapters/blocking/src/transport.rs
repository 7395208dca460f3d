//! The HTTP transport: a small trait the clients send through, and its ureq implementation.

use std::fmt;
use std::io;
use std::time::Duration;

use crate::config::ClientConfig;

pub use uid2_http::{Header, HttpResponse, TransportError, TransportErrorKind};

/// Sends one HTTP `POST` and returns the whole response. Implement it to use your own HTTP
/// stack; [`UreqTransport`] is the default.
///
/// Implementations must return within `timeout` (the whole exchange: connect, send, receive the
/// body), must not follow redirects for a `POST` and must not retry: retries are the clients'
/// business. Any HTTP status, including 4xx and 5xx, is an `Ok` response. A reply body longer
/// than `max_response_bytes` (the endpoint's bound) must not be buffered: stop reading and fail
/// with [`TransportErrorKind::BodyTooLarge`].
pub trait Transport: Send + Sync + 'static {
    /// Posts `body` with `headers` to `url`.
    ///
    /// # Errors
    /// A [`TransportError`] when no HTTP response was received within `timeout`, or its body
    /// is longer than `max_response_bytes`.
    fn post(
        &self,
        url: &str,
        headers: &[Header<'_>],
        body: &[u8],
        timeout: Duration,
        max_response_bytes: usize,
    ) -> Result<HttpResponse, TransportError>;
}

/// The default [`Transport`]: a ureq agent (rustls with ring and the webpki roots, connection
/// pooling, no redirects, no proxy unless asked for).
pub struct UreqTransport {
    agent: ureq::Agent,
    max_response_bytes: u64,
}

impl fmt::Debug for UreqTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UreqTransport").finish_non_exhaustive()
    }
}

impl UreqTransport {
    /// The transport a [`ClientConfig`] describes (connect timeout, user agent, body limit,
    /// proxy).
    #[must_use]
    pub fn from_config(config: &ClientConfig) -> Self {
        Self::new(
            config.connect_timeout,
            &config.user_agent,
            config.max_response_bytes,
            config.proxy_from_env,
        )
    }

    /// A transport that gives up connecting after `connect_timeout`, sends `user_agent` and
    /// reads bodies of at most `max_response_bytes`. With `proxy_from_env`, the standard
    /// `HTTPS_PROXY` / `ALL_PROXY` / `NO_PROXY` environment variables are honoured; otherwise no
    /// proxy is used.
    #[must_use]
    pub fn new(
        connect_timeout: Duration,
        user_agent: &str,
        max_response_bytes: usize,
        proxy_from_env: bool,
    ) -> Self {
        let proxy = if proxy_from_env {
            ureq::Proxy::try_from_env()
        } else {
            None
        };
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .max_redirects_will_error(false)
            .timeout_connect(Some(connect_timeout))
            .user_agent(user_agent)
            .proxy(proxy)
            .build()
            .new_agent();
        Self {
            agent,
            max_response_bytes: u64::try_from(max_response_bytes).unwrap_or(u64::MAX),
        }
    }
}

impl Transport for UreqTransport {
    fn post(
        &self,
        url: &str,
        headers: &[Header<'_>],
        body: &[u8],
        timeout: Duration,
        max_response_bytes: usize,
    ) -> Result<HttpResponse, TransportError> {
        let limit = u64::try_from(max_response_bytes)
            .unwrap_or(u64::MAX)
            .min(self.max_response_bytes);
        let mut request = self.agent.post(url);
        for header in headers {
            request = request.header(header.name(), header.value());
        }
        let mut response = request
            .config()
            .timeout_global(Some(timeout))
            .build()
            .send(body)
            .map_err(map_ureq_error)?;
        let status = response.status().as_u16();
        let text_header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let content_type = text_header("content-type");
        let date = text_header("date");
        let body = response
            .body_mut()
            .with_config()
            .limit(limit)
            .read_to_vec()
            .map_err(map_ureq_error)?;
        let response = HttpResponse::new(status, content_type, body);
        Ok(match date {
            Some(date) => response.with_date(date),
            None => response,
        })
    }
}

fn map_ureq_error(error: ureq::Error) -> TransportError {
    let kind = match &error {
        ureq::Error::Timeout(_) => TransportErrorKind::Timeout,
        ureq::Error::Io(e) => match e.kind() {
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => TransportErrorKind::Timeout,
            io::ErrorKind::ConnectionRefused
            | io::ErrorKind::AddrNotAvailable
            | io::ErrorKind::HostUnreachable
            | io::ErrorKind::NetworkUnreachable => TransportErrorKind::Connect,
            _ => TransportErrorKind::Io,
        },
        ureq::Error::HostNotFound | ureq::Error::ConnectionFailed | ureq::Error::Tls(_) => {
            TransportErrorKind::Connect
        }
        ureq::Error::Protocol(_) => TransportErrorKind::Protocol,
        ureq::Error::BodyExceedsLimit(_) => TransportErrorKind::BodyTooLarge,
        ureq::Error::BadUri(_) | ureq::Error::Http(_) => TransportErrorKind::InvalidRequest,
        _ => TransportErrorKind::Other,
    };
    TransportError::new(kind, error)
}
