//! The HTTP transport: a small trait the clients send through, and its ureq implementation.

use std::fmt;
use std::io;
use std::time::Duration;

use crate::config::ClientConfig;

use uid2_http::EnvProxy;
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

/// The default [`Transport`]: a ureq agent (rustls with the AWS-LC provider and the webpki roots, connection
/// pooling, no redirects, no proxy unless asked for).
pub struct UreqTransport {
    direct: ureq::Agent,
    proxied: Option<Proxied>,
    max_response_bytes: u64,
}

/// The agent for `https://` requests through the environment's proxy, or why there is none.
struct Proxied {
    agent: Result<ureq::Agent, &'static str>,
    env: EnvProxy,
}

impl fmt::Debug for UreqTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UreqTransport")
            .field("proxy", &self.proxied.as_ref().map(|p| &p.env))
            .field("max_response_bytes", &self.max_response_bytes)
            .finish_non_exhaustive()
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
    /// reads bodies of at most `max_response_bytes`. With `proxy_from_env`, `https://`
    /// requests go through the proxy the environment names, read by [`EnvProxy::from_env`]
    /// (`HTTPS_PROXY`, else `ALL_PROXY`, minus `NO_PROXY`; `HTTP_PROXY` is never read and
    /// nothing is read under CGI); otherwise, and for `http://` URLs, no proxy is used.
    #[must_use]
    pub fn new(
        connect_timeout: Duration,
        user_agent: &str,
        max_response_bytes: usize,
        proxy_from_env: bool,
    ) -> Self {
        let proxy = if proxy_from_env {
            EnvProxy::from_env()
        } else {
            None
        };
        Self::with_env_proxy(connect_timeout, user_agent, max_response_bytes, proxy)
    }

    /// Like [`new`](Self::new), with the environment already read (for example with
    /// [`EnvProxy::from_lookup`]); `None` means no proxy.
    ///
    /// A proxy URL that cannot be read does not make requests go direct: every `https://`
    /// request not excluded by `NO_PROXY` then fails with
    /// [`TransportErrorKind::InvalidRequest`].
    #[must_use]
    pub fn with_env_proxy(
        connect_timeout: Duration,
        user_agent: &str,
        max_response_bytes: usize,
        proxy: Option<EnvProxy>,
    ) -> Self {
        let tls = ureq::tls::TlsConfig::builder()
            .provider(ureq::tls::TlsProvider::Rustls)
            .root_certs(ureq::tls::RootCerts::WebPki)
            .unversioned_rustls_crypto_provider(std::sync::Arc::new(
                rustls::crypto::aws_lc_rs::default_provider(),
            ))
            .build();
        let agent = |proxy: Option<ureq::Proxy>| {
            ureq::Agent::config_builder()
                .tls_config(tls.clone())
                .http_status_as_error(false)
                .max_redirects(0)
                .max_redirects_will_error(false)
                .timeout_connect(Some(connect_timeout))
                .user_agent(user_agent)
                .proxy(proxy)
                .build()
                .new_agent()
        };
        let proxied = proxy.map(|env| Proxied {
            agent: ureq::Proxy::new(env.url())
                .map(|p| agent(Some(p)))
                .map_err(|_| "the proxy URL named by HTTPS_PROXY or ALL_PROXY cannot be used"),
            env,
        });
        Self {
            direct: agent(None),
            proxied,
            max_response_bytes: u64::try_from(max_response_bytes).unwrap_or(u64::MAX),
        }
    }

    /// The agent for `url`: the proxied one for an `https://` URL whose host `NO_PROXY` does
    /// not exclude, else the direct one.
    fn agent_for(&self, url: &str) -> Result<&ureq::Agent, TransportError> {
        let Some(proxied) = &self.proxied else {
            return Ok(&self.direct);
        };
        let uri: ureq::http::Uri = url
            .parse()
            .map_err(|e| TransportError::new(TransportErrorKind::InvalidRequest, e))?;
        let https = uri
            .scheme_str()
            .is_some_and(|s| s.eq_ignore_ascii_case("https"));
        let host = uri.host().unwrap_or_default();
        let host = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        if !https || proxied.env.bypasses(host) {
            return Ok(&self.direct);
        }
        proxied
            .agent
            .as_ref()
            .map_err(|reason| TransportError::new(TransportErrorKind::InvalidRequest, *reason))
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
        let mut request = self.agent_for(url)?.post(url);
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
