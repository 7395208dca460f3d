//! The HTTP transport: a trait the clients send through, and its hyper + rustls default.

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use http_body_util::{BodyExt as _, Full};
use hyper::body::Bytes;
use hyper::header::{CONTENT_TYPE, DATE, HeaderName, HeaderValue};
use hyper::{Request, Uri};
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::client::proxy::matcher::Matcher;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpStream;

use crate::error::{Error, TransportError, TransportErrorKind};

pub use uid2_http::{Header, HttpResponse};

/// Sends one HTTP `POST` and returns the reply. Implement it to plug in another HTTP stack, a
/// proxy, or a test double; [`HyperTransport`] is the default.
///
/// The clients bound every call with [`ClientConfig::timeout`](crate::ClientConfig::timeout)
/// themselves, so an implementation only needs its own connect timeout. It must not retry,
/// follow redirects or interpret the body: that is the core's job.
pub trait Transport: Send + Sync + 'static {
    /// Posts `body` to `url` with `headers`. Headers marked sensitive (`Authorization`) carry
    /// a credential: never log them. The reply body may be at most `max_response_bytes` long
    /// (the endpoint's bound): stop reading past it and fail with
    /// [`TransportErrorKind::BodyTooLarge`], without buffering the rest.
    ///
    /// # Errors
    /// [`TransportError`] when no complete reply was received. Any HTTP status, 200 or not, is
    /// a reply, not an error.
    fn post(
        &self,
        url: &str,
        headers: &[Header<'_>],
        body: Vec<u8>,
        max_response_bytes: usize,
    ) -> impl Future<Output = Result<HttpResponse, TransportError>> + Send;
}

/// The default transport: hyper-util's pooled client over rustls (AWS-LC provider, webpki
/// roots), HTTP/1.1, with a connect timeout around DNS, TCP and TLS together.
///
/// Plain `http://` URLs are accepted too (for a local operator on the loopback interface).
/// Clones share one connection pool: pass a clone to several clients' `with_transport`.
/// Redirects are never followed. A reply body is read into one buffer and reading stops, with
/// [`TransportErrorKind::BodyTooLarge`], once it passes the call's bound or the transport's own
/// `max_response_bytes`, whichever is smaller. No proxy is used unless asked for
/// ([`with_proxy`](Self::with_proxy), [`with_proxy_from_env`](Self::with_proxy_from_env), or
/// [`ClientConfig::proxy_from_env`](crate::ClientConfig::proxy_from_env)).
#[derive(Clone)]
pub struct HyperTransport {
    client: Client<TimeoutConnector, Full<Bytes>>,
    max_response_bytes: usize,
}

impl fmt::Debug for HyperTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HyperTransport")
            .field("max_response_bytes", &self.max_response_bytes)
            .finish_non_exhaustive()
    }
}

pub use uid2_http::DEFAULT_MAX_RESPONSE_BYTES;

impl HyperTransport {
    /// A transport whose connections must be established within `connect_timeout`, accepting
    /// reply bodies of up to `max_response_bytes`.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] when the TLS configuration cannot be built.
    pub fn new(connect_timeout: Duration, max_response_bytes: usize) -> Result<Self, Error> {
        Self::build(connect_timeout, max_response_bytes, None)
    }

    /// Like [`new`](Self::new), but every connection goes through the HTTP proxy at
    /// `proxy_url` (`http://host:port`, optionally with `user:password@` for basic
    /// authentication), tunnelled with `CONNECT`; TLS to the operator runs inside the tunnel.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] when `proxy_url` is not an `http://` URL with a host, or the
    /// TLS configuration cannot be built.
    pub fn with_proxy(
        connect_timeout: Duration,
        max_response_bytes: usize,
        proxy_url: &str,
    ) -> Result<Self, Error> {
        let invalid = Error::InvalidConfig {
            reason: "the proxy must be an http:// URL with a host",
        };
        let uri: Uri = proxy_url.parse().map_err(|_| invalid.clone())?;
        if uri.scheme_str() != Some("http") || uri.host().is_none() {
            return Err(invalid);
        }
        let matcher = Matcher::builder().all(proxy_url.to_owned()).build();
        Self::build(connect_timeout, max_response_bytes, Some(matcher))
    }

    /// Like [`new`](Self::new), but honouring the proxy environment variables for `https://`
    /// requests, read once, now: `HTTPS_PROXY` (else `ALL_PROXY`) and `NO_PROXY`, upper or
    /// lower case; never `HTTP_PROXY`, and nothing at all when `REQUEST_METHOD` is set (CGI).
    /// Plain `http://` requests always go direct. See [`EnvProxy`](uid2_http::EnvProxy). Only
    /// `http://` proxies are supported: a connection that would need another kind fails with
    /// [`TransportErrorKind::Connect`].
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] when the TLS configuration cannot be built.
    pub fn with_proxy_from_env(
        connect_timeout: Duration,
        max_response_bytes: usize,
    ) -> Result<Self, Error> {
        Self::with_env_proxy(
            connect_timeout,
            max_response_bytes,
            uid2_http::EnvProxy::from_env(),
        )
    }

    /// Like [`with_proxy_from_env`](Self::with_proxy_from_env), with the environment already
    /// read (for example with [`EnvProxy::from_lookup`](uid2_http::EnvProxy::from_lookup));
    /// `None` means no proxy.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] when the TLS configuration cannot be built.
    pub fn with_env_proxy(
        connect_timeout: Duration,
        max_response_bytes: usize,
        proxy: Option<uid2_http::EnvProxy>,
    ) -> Result<Self, Error> {
        let matcher = proxy.map(|p| {
            let builder = Matcher::builder().https(p.url().to_owned());
            match p.no_proxy() {
                Some(no) => builder.no(no.to_owned()),
                None => builder,
            }
            .build()
        });
        Self::build(connect_timeout, max_response_bytes, matcher)
    }

    /// The default transport for `config`: its connect timeout, body limit and proxy choice.
    pub(crate) fn for_config(config: &crate::ClientConfig) -> Result<Self, Error> {
        if config.proxy_from_env {
            Self::with_proxy_from_env(config.connect_timeout, config.max_response_bytes)
        } else {
            Self::new(config.connect_timeout, config.max_response_bytes)
        }
    }

    fn build(
        connect_timeout: Duration,
        max_response_bytes: usize,
        proxy: Option<Matcher>,
    ) -> Result<Self, Error> {
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(Some(connect_timeout));
        let https = HttpsConnectorBuilder::new()
            .with_provider_and_webpki_roots(rustls::crypto::aws_lc_rs::default_provider())
            .map_err(|_| Error::InvalidConfig {
                reason: "the TLS configuration could not be built",
            })?
            .https_or_http()
            .enable_http1()
            .wrap_connector(ProxyConnector {
                http,
                proxy: proxy.map(Arc::new),
            });
        let connector = TimeoutConnector {
            inner: https,
            timeout: connect_timeout,
        };
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(50))
            .build(connector);
        Ok(Self {
            client,
            max_response_bytes,
        })
    }
}

impl Transport for HyperTransport {
    async fn post(
        &self,
        url: &str,
        headers: &[Header<'_>],
        body: Vec<u8>,
        max_response_bytes: usize,
    ) -> Result<HttpResponse, TransportError> {
        let uri: Uri = url
            .parse()
            .map_err(|e| TransportError::new(TransportErrorKind::InvalidRequest, e))?;
        let mut request = Request::post(uri)
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| TransportError::new(TransportErrorKind::InvalidRequest, e))?;
        let map = request.headers_mut();
        for header in headers {
            let name = HeaderName::from_bytes(header.name().as_bytes())
                .map_err(|e| TransportError::new(TransportErrorKind::InvalidRequest, e))?;
            let mut value = HeaderValue::from_str(header.value()).map_err(|_| {
                // The value may be a credential: do not keep the parse error's text.
                TransportError::from_kind(TransportErrorKind::InvalidRequest)
            })?;
            value.set_sensitive(header.is_sensitive() || name == hyper::header::AUTHORIZATION);
            map.append(name, value);
        }
        let response = self.client.request(request).await.map_err(classify)?;
        let status = response.status().as_u16();
        let text = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v: &HeaderValue| v.to_str().ok())
                .map(str::to_owned)
        };
        let content_type = text(CONTENT_TYPE);
        let date = text(DATE);
        let limit = max_response_bytes.min(self.max_response_bytes);
        let body = read_body(response.into_body(), limit).await?;
        let response = HttpResponse::new(status, content_type, body);
        Ok(match date {
            Some(date) => response.with_date(date),
            None => response,
        })
    }
}

/// Reads a reply body into one buffer, frame by frame, failing with
/// [`TransportErrorKind::BodyTooLarge`] as soon as it would grow past `limit` (a
/// `Content-Length` over the limit fails before anything is read). The buffer is sized from
/// `Content-Length` when there is one, so the body is neither copied nor reallocated.
async fn read_body(
    mut body: hyper::body::Incoming,
    limit: usize,
) -> Result<Vec<u8>, TransportError> {
    use hyper::body::Body as _;
    let too_large = || TransportError::from_kind(TransportErrorKind::BodyTooLarge);
    let declared = body
        .size_hint()
        .exact()
        .map(|n| usize::try_from(n).unwrap_or(usize::MAX));
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    let mut out = Vec::with_capacity(declared.unwrap_or(0));
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| TransportError::new(TransportErrorKind::Io, e))?;
        if let Ok(data) = frame.into_data() {
            if data.len() > limit.saturating_sub(out.len()) {
                return Err(too_large());
            }
            out.extend_from_slice(&data);
        }
    }
    Ok(out)
}

/// Sorts a hyper-util client error into a transport error kind.
fn classify(e: hyper_util::client::legacy::Error) -> TransportError {
    let mut cause: Option<&(dyn StdError + 'static)> = Some(&e);
    while let Some(c) = cause {
        if c.is::<ConnectTimedOut>()
            || c.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::TimedOut)
        {
            return TransportError::new(TransportErrorKind::Timeout, e);
        }
        cause = c.source();
    }
    let kind = if e.is_connect() {
        TransportErrorKind::Connect
    } else {
        TransportErrorKind::Io
    };
    TransportError::new(kind, e)
}

/// The connect timeout expired (DNS, TCP and TLS together).
#[derive(Debug)]
struct ConnectTimedOut;

impl fmt::Display for ConnectTimedOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connect timed out")
    }
}

impl StdError for ConnectTimedOut {}

/// The TCP connection: direct, or through an HTTP proxy with a `CONNECT` tunnel when the
/// proxy matcher intercepts the destination.
#[derive(Clone)]
struct ProxyConnector {
    http: HttpConnector,
    proxy: Option<Arc<Matcher>>,
}

type Tcp = TokioIo<TcpStream>;

impl tower_service::Service<Uri> for ProxyConnector {
    type Response = Tcp;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Tcp, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.http.poll_ready(cx).map_err(BoxError::from)
    }

    fn call(&mut self, dst: Uri) -> Self::Future {
        let mut http = self.http.clone();
        let intercept = self.proxy.as_ref().and_then(|m| m.intercept(&dst));
        Box::pin(async move {
            let Some(intercept) = intercept else {
                return http.call(dst).await.map_err(BoxError::from);
            };
            if intercept.uri().scheme_str() != Some("http") {
                return Err(BoxError::from(UnsupportedProxy));
            }
            let mut tunnel = Tunnel::new(intercept.uri().clone(), http);
            if let Some(auth) = intercept.basic_auth() {
                tunnel = tunnel.with_auth(auth.clone());
            }
            std::future::poll_fn(|cx| tunnel.poll_ready(cx)).await?;
            tunnel.call(dst).await.map_err(BoxError::from)
        })
    }
}

/// A proxy other than `http://` (the transport tunnels through plain HTTP proxies only).
#[derive(Debug)]
struct UnsupportedProxy;

impl fmt::Display for UnsupportedProxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("only http:// proxies are supported")
    }
}

impl StdError for UnsupportedProxy {}

/// Wraps the HTTPS connector in `tokio::time::timeout`.
#[derive(Clone)]
struct TimeoutConnector {
    inner: HttpsConnector<ProxyConnector>,
    timeout: Duration,
}

type BoxError = Box<dyn StdError + Send + Sync>;
type Connecting = Pin<
    Box<
        dyn Future<
                Output = Result<
                    <HttpsConnector<ProxyConnector> as tower_service::Service<Uri>>::Response,
                    BoxError,
                >,
            > + Send,
    >,
>;

impl tower_service::Service<Uri> for TimeoutConnector {
    type Response = <HttpsConnector<ProxyConnector> as tower_service::Service<Uri>>::Response;
    type Error = BoxError;
    type Future = Connecting;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        let connecting = self.inner.call(uri);
        let timeout = self.timeout;
        Box::pin(async move {
            match tokio::time::timeout(timeout, connecting).await {
                Ok(result) => result,
                Err(_) => Err(BoxError::from(ConnectTimedOut)),
            }
        })
    }
}
