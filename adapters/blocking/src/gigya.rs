//! SAP Customer Data Cloud (Gigya): send any API method, signed by the core.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use uid2::gigya::{Params, RequestBuilder, Response};

use crate::clock;
use crate::error::Error;
use crate::random::OsRandom;
use crate::transport::{Header, Transport, UreqTransport};

pub use uid2_http::GigyaConfig;

/// Sends Gigya API calls signed by the core ([`uid2::gigya`]).
///
/// A call rejected with 403002 ("request has expired": the local clock is off) is sent once
/// more with the time taken from the rejection's `Date` header, and that offset is kept for
/// later calls (the core's [`clock_skew_retry`](uid2::gigya::clock_skew_retry) decides).
///
/// ```no_run
/// use uid2::gigya::{Credentials, GigyaSecret, Params};
/// use uid2_blocking::{GigyaClient, GigyaConfig};
///
/// let secret = GigyaSecret::from_base64("c2VjcmV0")?;
/// let client = GigyaClient::new(GigyaConfig::new(Credentials::partner_secret("3_key", secret)).with_api_domain("eu1.gigya.com"))?;
/// let mut params = Params::new();
/// params.insert("UID", "some-uid")?;
/// let response = client.send("accounts.getAccountInfo", &params)?;
/// println!("error code {}", response.error_code());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct GigyaClient {
    config: GigyaConfig,
    transport: Arc<dyn Transport>,
    /// Server time minus local time, learned from a 403002 rejection.
    clock_offset_ms: AtomicI64,
}

impl fmt::Debug for GigyaClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GigyaClient")
            .field("config", &self.config)
            .field("clock_offset_ms", &self.clock_offset_ms)
            .finish()
    }
}

impl GigyaClient {
    /// A client for `config` over the default ureq transport.
    ///
    /// # Errors
    /// None today; the `Result` keeps the signature of the async adapter.
    pub fn new(config: GigyaConfig) -> Result<Self, Error> {
        let transport = UreqTransport::new(
            config.connect_timeout,
            &config.user_agent,
            config.max_response_bytes,
            config.proxy_from_env,
        );
        Ok(Self::with_transport(config, transport))
    }

    /// A client for `config` that sends through `transport`.
    #[must_use]
    pub fn with_transport<T: Transport>(config: GigyaConfig, transport: T) -> Self {
        Self {
            config,
            transport: Arc::new(transport),
            clock_offset_ms: AtomicI64::new(0),
        }
    }

    /// The clock offset (server minus local, in milliseconds) applied to requests.
    #[must_use]
    pub fn clock_offset_ms(&self) -> i64 {
        self.clock_offset_ms.load(Ordering::Relaxed)
    }

    /// Calls API `method` (for example `accounts.getAccountInfo`) with `params` and returns the
    /// response, whatever its `errorCode` (check [`Response::is_success`]).
    ///
    /// # Errors
    /// [`Error::Core`] with a [`GigyaError`](uid2::gigya::GigyaError) when the request cannot be
    /// built or the body is not a Gigya response; [`Error::Http`] when a non-200 answer has no
    /// Gigya body; [`Error::Transport`] / [`Error::Timeout`].
    pub fn send(&self, method: &str, params: &Params) -> Result<Response, Error> {
        let mut builder = RequestBuilder::new(method, self.config.credentials.clone())
            .api_domain(&self.config.api_domain)
            .scheme(self.config.scheme)
            .params(params)?;
        if let Some(host) = &self.config.host_override {
            builder = builder.host_override(host);
        }
        let mut retries = 0u32;
        loop {
            let local = clock::now();
            let now = local.saturating_add_millis(self.clock_offset_ms());
            let request = builder.build(now, &mut OsRandom)?;
            let headers: Vec<Header<'_>> = request
                .headers()
                .iter()
                .map(|h| Header::new(h.name(), h.value(), h.is_sensitive()))
                .collect();
            let limit = self.config.max_response_bytes;
            let reply = uid2_http::bounded_reply(
                self.transport.post(
                    request.url(),
                    &headers,
                    request.body(),
                    self.config.timeout,
                    limit,
                ),
                limit,
            )?;
            let response = match Response::parse(&reply.body) {
                Ok(r) => r,
                Err(_) if reply.status != 200 => {
                    return Err(Error::Http {
                        status: reply.status,
                        error: None,
                    });
                }
                Err(e) => return Err(e.into()),
            };
            match response.clock_skew_retry(reply.date.as_deref(), local, retries) {
                Some(retry) => {
                    self.clock_offset_ms
                        .store(retry.offset_ms(), Ordering::Relaxed);
                    retries = retries.saturating_add(1);
                }
                None => return Ok(response),
            }
        }
    }
}
