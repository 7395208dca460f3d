//! The Gigya (SAP Customer Data Cloud) client: signed calls to any API method.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use uid2::envelope::CLIENT_VERSION;
use uid2::gigya::{Credentials, DEFAULT_API_DOMAIN, Params, RequestBuilder, Response, Scheme};

use crate::clock::{self, OsRandom};
use crate::config::{DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT};
use crate::error::Error;
use crate::operator::bounded;
use crate::transport::{DEFAULT_MAX_RESPONSE_BYTES, Header, HyperTransport, Transport};

/// Where and how a [`GigyaClient`] calls Gigya. `Debug` never shows the credentials' secrets.
#[derive(Clone)]
#[non_exhaustive]
pub struct GigyaConfig {
    /// How requests are authenticated (partner secret, user key, ...).
    pub credentials: Credentials,
    /// The data center's API domain, e.g. `us1.gigya.com` (default), `eu1.gigya.com`.
    pub api_domain: String,
    /// Sends to this exact host instead of `<namespace>.<api_domain>`.
    pub host_override: Option<String>,
    /// HTTPS (default), or HTTP for the signing modes only.
    pub scheme: Scheme,
    /// Bound on establishing a connection. Default 10 s.
    pub connect_timeout: Duration,
    /// Bound on a whole call (each attempt). Default 30 s.
    pub timeout: Duration,
    /// The `User-Agent` header.
    pub user_agent: String,
    /// Largest reply body accepted. Default 64 MiB.
    pub max_response_bytes: usize,
}

impl GigyaConfig {
    /// A configuration with `credentials` on the default data center (`us1.gigya.com`).
    #[must_use]
    pub fn new(credentials: Credentials) -> Self {
        Self {
            credentials,
            api_domain: DEFAULT_API_DOMAIN.to_owned(),
            host_override: None,
            scheme: Scheme::Https,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            user_agent: CLIENT_VERSION.to_owned(),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
        }
    }

    /// Sets the data center's API domain.
    #[must_use]
    pub fn with_api_domain(mut self, api_domain: &str) -> Self {
        api_domain.clone_into(&mut self.api_domain);
        self
    }

    /// Sends every call to `host` instead of `<namespace>.<api_domain>`.
    #[must_use]
    pub fn with_host_override(mut self, host: &str) -> Self {
        self.host_override = Some(host.to_owned());
        self
    }

    /// Sets the connect timeout.
    #[must_use]
    pub const fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sets the bound on a whole call.
    #[must_use]
    pub const fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

impl fmt::Debug for GigyaConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GigyaConfig")
            .field("credentials", &self.credentials)
            .field("api_domain", &self.api_domain)
            .field("host_override", &self.host_override)
            .field("scheme", &self.scheme)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("user_agent", &self.user_agent)
            .finish_non_exhaustive()
    }
}

#[derive(Debug)]
struct Inner<T> {
    config: GigyaConfig,
    transport: T,
    /// Server time minus local time, learned from a 403002 rejection (milliseconds).
    clock_offset_ms: AtomicI64,
}

/// Calls any Gigya API method, signed by the core. Cheap to clone.
///
/// When Gigya rejects a call for clock skew (error 403002), the client resends it once with
/// the time corrected from the reply's `Date` header, and keeps that correction for later
/// calls.
#[derive(Debug)]
pub struct GigyaClient<T = HyperTransport> {
    inner: Arc<Inner<T>>,
}

impl<T> Clone for GigyaClient<T> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl GigyaClient<HyperTransport> {
    /// A client over the default transport.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] when the TLS configuration cannot be built.
    pub fn new(config: GigyaConfig) -> Result<Self, Error> {
        let transport = HyperTransport::new(config.connect_timeout, config.max_response_bytes)?;
        Ok(Self::with_transport(config, transport))
    }
}

impl<T: Transport> GigyaClient<T> {
    /// A client over a caller-supplied transport.
    #[must_use]
    pub fn with_transport(config: GigyaConfig, transport: T) -> Self {
        Self {
            inner: Arc::new(Inner {
                config,
                transport,
                clock_offset_ms: AtomicI64::new(0),
            }),
        }
    }

    /// The clock correction learned from Gigya (server time minus local time, milliseconds).
    #[must_use]
    pub fn clock_offset_ms(&self) -> i64 {
        self.inner.clock_offset_ms.load(Ordering::Relaxed)
    }

    /// Calls API `method` (e.g. `accounts.getAccountInfo`) with `params`. A reply with a
    /// non-zero `errorCode` is still `Ok`: check [`Response::is_success`].
    ///
    /// # Errors
    /// [`Error::Core`] for a request that cannot be built or a body that is not a Gigya JSON
    /// reply, [`Error::Http`] for such a body with a status other than 200,
    /// [`Error::Transport`], [`Error::Timeout`].
    pub async fn send(&self, method: &str, params: &Params) -> Result<Response, Error> {
        let config = &self.inner.config;
        let mut builder = RequestBuilder::new(method, config.credentials.clone())
            .api_domain(&config.api_domain)
            .scheme(config.scheme)
            .params(params)?;
        if let Some(host) = &config.host_override {
            builder = builder.host_override(host);
        }
        let mut retries_done = 0u32;
        loop {
            let offset = self.inner.clock_offset_ms.load(Ordering::Relaxed);
            let now = clock::now().saturating_add_millis(offset);
            let (url, headers, body) = builder.build(now, &mut OsRandom)?.into_parts();
            let mut pairs: Vec<Header<'_>> = headers
                .iter()
                .map(|h| Header::new(h.name(), h.value(), h.is_sensitive()))
                .collect();
            pairs.push(Header::new("User-Agent", &config.user_agent, false));
            let reply = bounded(
                config.timeout,
                self.inner.transport.post(&url, &pairs, body),
            )
            .await?;
            let response = match Response::parse(&reply.body) {
                Ok(response) => response,
                Err(_) if reply.status != 200 => {
                    return Err(Error::Http {
                        status: reply.status,
                        error: None,
                    });
                }
                Err(e) => return Err(e.into()),
            };
            let received = clock::now().saturating_add_millis(offset);
            match response.clock_skew_retry(reply.date.as_deref(), received, retries_done) {
                Some(retry) => {
                    let total = offset.saturating_add(retry.offset_ms());
                    self.inner.clock_offset_ms.store(total, Ordering::Relaxed);
                    retries_done = retries_done.saturating_add(1);
                }
                None => return Ok(response),
            }
        }
    }
}
