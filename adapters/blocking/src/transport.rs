//! The HTTP transport: a small trait the clients send through, and its ureq implementation.

use std::error::Error as StdError;
use std::fmt;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use crate::config::ClientConfig;

/// One request header handed to a [`Transport`]. `Debug` redacts sensitive values (the
/// `Authorization` header carrying the API key).
#[derive(Clone, Copy)]
pub struct Header<'a> {
    name: &'a str,
    value: &'a str,
    sensitive: bool,
}

impl<'a> Header<'a> {
    /// A header; `sensitive` marks a credential that must never be logged.
    #[must_use]
    pub const fn new(name: &'a str, value: &'a str, sensitive: bool) -> Self {
        Self {
            name,
            value,
            sensitive,
        }
    }

    /// The header name.
    #[must_use]
    pub const fn name(&self) -> &'a str {
        self.name
    }

    /// The value, to be sent verbatim.
    #[must_use]
    pub const fn value(&self) -> &'a str {
        self.value
    }

    /// Whether the value is a credential.
    #[must_use]
    pub const fn is_sensitive(&self) -> bool {
        self.sensitive
    }
}

impl fmt::Debug for Header<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let value: &dyn fmt::Debug = if self.sensitive {
            &"<redacted>"
        } else {
            &self.value
        };
        f.debug_struct("Header")
            .field("name", &self.name)
            .field("value", value)
            .finish()
    }
}

/// What came back: the status, the `Content-Type` and `Date` headers, and the whole body.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct HttpResponse {
    /// The HTTP status code.
    pub status: u16,
    /// The `Content-Type` header, when present.
    pub content_type: Option<String>,
    /// The body bytes.
    pub body: Vec<u8>,
    /// The `Date` header, when present (Gigya's clock-skew correction reads it).
    pub date: Option<String>,
}

impl HttpResponse {
    /// A response with no `Date` header.
    #[must_use]
    pub const fn new(status: u16, content_type: Option<String>, body: Vec<u8>) -> Self {
        Self {
            status,
            content_type,
            body,
            date: None,
        }
    }

    /// Adds the `Date` header.
    #[must_use]
    pub fn with_date(mut self, date: impl Into<String>) -> Self {
        self.date = Some(date.into());
        self
    }
}

impl fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpResponse")
            .field("status", &self.status)
            .field("content_type", &self.content_type)
            .field("body_len", &self.body.len())
            .field("date", &self.date)
            .finish()
    }
}

/// What kind of transport failure happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// The connection could not be made (refused, unreachable, DNS failure, TLS handshake).
    Connect,
    /// The request did not complete within its time bound.
    Timeout,
    /// The connection broke while sending or receiving.
    Io,
    /// The server did not speak valid HTTP.
    Protocol,
    /// The response body exceeds the size this transport reads.
    BodyTooLarge,
    /// The URL or a header could not be used.
    InvalidRequest,
    /// Anything else.
    Other,
}

/// A request that could not be completed: no HTTP response was received. The underlying
/// error is its `source()`.
#[derive(Clone)]
pub struct TransportError {
    kind: TransportErrorKind,
    source: Option<Arc<dyn StdError + Send + Sync + 'static>>,
}

impl TransportError {
    /// A failure of `kind` caused by `source`.
    #[must_use]
    pub fn new(
        kind: TransportErrorKind,
        source: impl Into<Box<dyn StdError + Send + Sync + 'static>>,
    ) -> Self {
        Self {
            kind,
            source: Some(Arc::from(source.into())),
        }
    }

    /// A failure of `kind` with no further detail.
    #[must_use]
    pub const fn from_kind(kind: TransportErrorKind) -> Self {
        Self { kind, source: None }
    }

    /// What kind of failure this is.
    #[must_use]
    pub const fn kind(&self) -> TransportErrorKind {
        self.kind
    }
}

impl fmt::Debug for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransportError")
            .field("kind", &self.kind)
            .field("source", &self.source.as_ref().map(ToString::to_string))
            .finish()
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self.kind {
            TransportErrorKind::Connect => "could not connect",
            TransportErrorKind::Timeout => "timed out",
            TransportErrorKind::Io => "connection failed while sending or receiving",
            TransportErrorKind::Protocol => "the server did not answer with valid http",
            TransportErrorKind::BodyTooLarge => "the response body is too large",
            TransportErrorKind::InvalidRequest => "the url or a header cannot be used",
            TransportErrorKind::Other => "http request failed",
        };
        f.write_str(text)?;
        if let Some(source) = &self.source {
            write!(f, ": {source}")?;
        }
        Ok(())
    }
}

impl StdError for TransportError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_deref()
            .map(|e| -> &(dyn StdError + 'static) { e })
    }
}

/// Sends one HTTP `POST` and returns the whole response. Implement it to use your own HTTP
/// stack; [`UreqTransport`] is the default.
///
/// Implementations must return within `timeout` (the whole exchange: connect, send, receive the
/// body), must not follow redirects for a `POST` and must not retry: retries are the clients'
/// business. Any HTTP status, including 4xx and 5xx, is an `Ok` response.
pub trait Transport: Send + Sync + 'static {
    /// Posts `body` with `headers` to `url`.
    ///
    /// # Errors
    /// A [`TransportError`] when no HTTP response was received within `timeout`.
    fn post(
        &self,
        url: &str,
        headers: &[Header<'_>],
        body: &[u8],
        timeout: Duration,
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
    ) -> Result<HttpResponse, TransportError> {
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
            .limit(self.max_response_bytes)
            .read_to_vec()
            .map_err(map_ureq_error)?;
        Ok(HttpResponse {
            status,
            content_type,
            body,
            date,
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
