//! Client configuration shared by every operator role client.

use std::fmt;
use std::time::Duration;

pub use uid2_http::RetryConfig;

use uid2::envelope::{CLIENT_VERSION, Credentials, Environment};
use uid2::operator::key_refresh::KeyRefreshConfig;

use crate::error::Error;

/// Default time allowed to open a connection (10 s).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time allowed for a whole request, connection included (30 s).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Largest reply body accepted by default (64 MiB).
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 64 * 1024 * 1024;

/// Where an operator role client connects, with which credentials, and how patiently.
///
/// Build one with [`ClientConfig::new`] (any base URL, for example a private operator) or
/// [`ClientConfig::for_environment`], then adjust it with the `with_*` methods or the public
/// fields. `Debug` never shows the API key or the client secret.
#[derive(Clone)]
#[non_exhaustive]
pub struct ClientConfig {
    /// The operator's base URL, such as `https://prod.uidapi.com` (no `/v2`; one trailing `/`
    /// is ignored).
    pub base_url: String,
    /// The API key and client secret.
    pub credentials: Credentials,
    /// Time allowed to open a connection (default 10 s). Used by the default transport.
    pub connect_timeout: Duration,
    /// Time allowed for a whole request, from connecting to reading the last body byte
    /// (default 30 s).
    pub timeout: Duration,
    /// The `User-Agent` header (default `uid2-client-rust-<version>`, the same value as the
    /// `X-UID2-Client-Version` header the core sets). Used by the default transport.
    pub user_agent: String,
    /// Largest reply body accepted (default 64 MiB). Used by the default transport.
    pub max_response_bytes: usize,
    /// Honour the standard proxy environment variables (default `false`). Used by the default
    /// transport.
    pub proxy_from_env: bool,
    /// Key refresh timing for the bidstream and sharing clients.
    pub key_refresh: KeyRefreshConfig,
    /// Retries and parallelism of
    /// [`IdentityMapV3Client::map_bulk`](crate::IdentityMapV3Client::map_bulk).
    pub retry: RetryConfig,
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

impl ClientConfig {
    /// A configuration for the operator at `base_url` with an API key and a base64 client
    /// secret, and default timeouts.
    ///
    /// # Errors
    /// [`Error::Core`] with an [`EnvelopeError`](uid2::EnvelopeError) when the API key or the
    /// secret cannot be used.
    pub fn new(base_url: &str, api_key: &str, secret_base64: &str) -> Result<Self, Error> {
        let credentials = Credentials::from_strings(api_key, secret_base64)?;
        Ok(Self::with_credentials(base_url, credentials))
    }

    /// A configuration for a public UID2 or EUID environment.
    ///
    /// # Errors
    /// As [`ClientConfig::new`].
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

    /// Sets the whole-request timeout.
    #[must_use]
    pub const fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the `User-Agent` header of the default transport.
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

    /// Sets the key refresh timing.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_within_jitter_and_caps() {
        let retry = RetryConfig::default()
            .with_backoff(Duration::from_millis(100), Duration::from_millis(1000));
        for (n, base) in [
            (1, 100),
            (2, 200),
            (3, 400),
            (4, 800),
            (5, 1000),
            (40, 1000),
        ] {
            assert_eq!(retry.backoff(n, 0), Duration::from_millis(base / 2), "{n}");
            let most = retry.backoff(n, u32::MAX);
            assert!(most < Duration::from_millis(base), "{n}: {most:?}");
            assert!(
                most > Duration::from_millis(base * 99 / 100),
                "{n}: {most:?}"
            );
        }
    }
}
