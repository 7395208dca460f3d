//! The Gigya (SAP Customer Data Cloud) client: signed calls to any API method.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use uid2::gigya::{Params, RequestBuilder, Response};

use crate::clock::{self, OsRandom};
use crate::error::Error;
use crate::operator::bounded;
use crate::transport::{Header, HyperTransport, Transport};

pub use uid2_http::GigyaConfig;

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
        let transport = if config.proxy_from_env {
            HyperTransport::with_proxy_from_env(config.connect_timeout, config.max_response_bytes)?
        } else {
            HyperTransport::new(config.connect_timeout, config.max_response_bytes)?
        };
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
                config.max_response_bytes,
                self.inner
                    .transport
                    .post(&url, &pairs, body, config.max_response_bytes),
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
