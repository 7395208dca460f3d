//! Client configuration: operator, credentials, timeouts and refresh/retry policies.

use std::fmt;
use std::time::Duration;

use uid2::envelope::{CLIENT_VERSION, Credentials, Environment};
use uid2::operator::key_refresh::KeyRefreshConfig;

use crate::error::Error;
use crate::transport::DEFAULT_MAX_RESPONSE_BYTES;
use uid2_http::RetryConfig;

/// How a client reaches the operator: base URL, credentials, timeouts, and the policies of
/// the clients that use them.
///
/// Build it with [`ClientConfig::new`] (any base URL) or [`ClientConfig::for_environment`]
/// (a public environment), then adjust with the `with_*` methods or the public fields.
/// `Debug` never shows the API key or the client secret.
#[derive(Clone)]
#[non_exhaustive]
pub struct ClientConfig {
    /// The operator's base URL, e.g. `https://prod.uidapi.com` (no `/v2`; one trailing `/` is
    /// ignored).
    pub base_url: String,
    /// The API key and client secret.
    pub credentials: Credentials,
    /// Bound on establishing a connection (DNS, TCP and TLS together). Default 10 s.
    pub connect_timeout: Duration,
    /// Bound on a whole call, connection included. Default 30 s.
    pub timeout: Duration,
    /// The `User-Agent` header. Default: the core's client version, `uid2-client-rust-<version>`,
    /// which is also sent as `X-UID2-Client-Version`.
    pub user_agent: String,
    /// Largest reply body accepted. Default 64 MiB.
    pub max_response_bytes: usize,
    /// Honour the standard proxy environment variables (`HTTPS_PROXY`, `HTTP_PROXY`,
    /// `ALL_PROXY`, `NO_PROXY`) in the default transport (default `false`). See
    /// [`HyperTransport::with_proxy_from_env`](crate::HyperTransport::with_proxy_from_env).
    pub proxy_from_env: bool,
    /// Schedule of the background key refresh (bidstream and sharing clients).
    pub key_refresh: KeyRefreshConfig,
    /// Retries and parallelism of the bulk identity-map helper.
    pub retry: RetryConfig,
}

/// Default connect timeout (10 s).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default bound on a whole call (30 s).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

impl ClientConfig {
    /// A configuration for the operator at `base_url` with an API key and its base64 client
    /// secret.
    ///
    /// # Errors
    /// [`Error::Core`] with an [`EnvelopeError`](uid2::EnvelopeError) when the API key or the
    /// secret cannot be used.
    pub fn new(base_url: &str, api_key: &str, secret_base64: &str) -> Result<Self, Error> {
        let credentials = Credentials::from_strings(api_key, secret_base64)?;
        Ok(Self::with_credentials(base_url, credentials))
    }

    /// A configuration for one of the public environments.
    ///
    /// # Errors
    /// [`Error::Core`] when the API key or secret cannot be used.
    pub fn for_environment(
        environment: Environment,
        api_key: &str,
        secret_base64: &str,
    ) -> Result<Self, Error> {
        Self::new(environment.base_url(), api_key, secret_base64)
    }

    /// A configuration from already parsed credentials. A base URL that is not `https://` (or
    /// `http://`, for a local operator) makes every call fail with
    /// [`TransportErrorKind::InvalidRequest`](crate::TransportErrorKind::InvalidRequest).
    #[must_use]
    pub fn with_credentials(base_url: &str, credentials: Credentials) -> Self {
        Self {
            base_url: base_url.to_owned(),
            credentials,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            user_agent: CLIENT_VERSION.to_owned(),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            proxy_from_env: false,
            key_refresh: KeyRefreshConfig::default(),
            retry: RetryConfig::default(),
        }
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

    /// Sets the `User-Agent` header.
    #[must_use]
    pub fn with_user_agent(mut self, user_agent: &str) -> Self {
        user_agent.clone_into(&mut self.user_agent);
        self
    }

    /// Honours the proxy environment variables in the default transport.
    #[must_use]
    pub const fn with_proxy_from_env(mut self, yes: bool) -> Self {
        self.proxy_from_env = yes;
        self
    }

    /// Sets the key refresh schedule.
    #[must_use]
    pub const fn with_key_refresh(mut self, key_refresh: KeyRefreshConfig) -> Self {
        self.key_refresh = key_refresh;
        self
    }

    /// Sets the bulk identity-map retry policy.
    #[must_use]
    pub const fn with_retry(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self
    }

    /// Sets the largest reply body accepted by the default transport.
    #[must_use]
    pub const fn with_max_response_bytes(mut self, max: usize) -> Self {
        self.max_response_bytes = max;
        self
    }
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfig")
            .field("base_url", &self.base_url)
            .field("credentials", &self.credentials)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("user_agent", &self.user_agent)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("proxy_from_env", &self.proxy_from_env)
            .field("key_refresh", &self.key_refresh)
            .field("retry", &self.retry)
            .finish()
    }
}
