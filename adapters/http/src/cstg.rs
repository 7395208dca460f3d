//! The configuration of a client-side token generation client (`CstgClient` in both adapters).

use std::time::Duration;

use uid2::envelope::{CLIENT_VERSION, Environment};
use uid2::operator::client_side::ClientSideCredentials;

use crate::{BaseUrl, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT, Error};

/// Where and how a `CstgClient` calls `/v2/token/client-generate` (and `/v2/token/refresh`):
/// the operator's base URL, the subscription id and public key, and the connection settings.
///
/// The credentials are not secret; `Debug` shows them.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct CstgConfig {
    /// The operator's base URL, e.g. `https://prod.uidapi.com` (no `/v2`); see [`BaseUrl`].
    pub base_url: BaseUrl,
    /// The subscription id and the operator's public key.
    pub credentials: ClientSideCredentials,
    /// Bound on DNS, TCP and TLS together.
    pub connect_timeout: Duration,
    /// Bound on a whole call.
    pub timeout: Duration,
    /// The `User-Agent` header.
    pub user_agent: String,
    /// The largest reply body read.
    pub max_response_bytes: usize,
    /// Whether to honour the proxy environment variables for `https://` requests (see
    /// [`EnvProxy`](crate::EnvProxy)).
    pub proxy_from_env: bool,
    /// Read the plain JSON refresh reply of an identity without a `refresh_response_key`
    /// (default `false`: such a refresh fails with the core's
    /// `ResponseError::PlainRefreshNotAllowed`). That reply is not authenticated; see
    /// [`PendingTokenRefresh::allow_plain_json_reply`](uid2::operator::PendingTokenRefresh::allow_plain_json_reply)
    /// for the risk. Turn it on only to migrate identities stored before operators sealed
    /// refresh replies.
    pub allow_plain_json_refresh: bool,
}

impl CstgConfig {
    /// A configuration with the default timeouts and limits. The URL is checked here:
    /// plain `http://` is refused unless the host is loopback (see [`BaseUrl::parse`]).
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for a base URL [`BaseUrl::parse`] refuses.
    pub fn new(base_url: &str, credentials: ClientSideCredentials) -> Result<Self, Error> {
        Ok(Self::with_base_url(BaseUrl::parse(base_url)?, credentials))
    }

    /// A configuration from an already checked base URL, with the default timeouts and limits.
    #[must_use]
    pub fn with_base_url(base_url: BaseUrl, credentials: ClientSideCredentials) -> Self {
        Self {
            base_url,
            credentials,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            user_agent: CLIENT_VERSION.to_owned(),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            proxy_from_env: false,
            allow_plain_json_refresh: false,
        }
    }

    /// A configuration for a public environment.
    ///
    /// # Errors
    /// As [`CstgConfig::new`] (the public environments' URLs are all `https://`).
    pub fn for_environment(
        environment: Environment,
        credentials: ClientSideCredentials,
    ) -> Result<Self, Error> {
        Self::new(environment.base_url(), credentials)
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

    /// Honours (or not) the standard proxy environment variables.
    #[must_use]
    pub const fn with_proxy_from_env(mut self, yes: bool) -> Self {
        self.proxy_from_env = yes;
        self
    }

    /// Sets the largest reply body read.
    #[must_use]
    pub const fn with_max_response_bytes(mut self, max: usize) -> Self {
        self.max_response_bytes = max;
        self
    }

    /// Reads the unauthenticated plain JSON refresh reply of identities without a
    /// `refresh_response_key` (see [`allow_plain_json_refresh`](Self::allow_plain_json_refresh)).
    #[must_use]
    pub const fn with_plain_json_refresh(mut self, allow: bool) -> Self {
        self.allow_plain_json_refresh = allow;
        self
    }
}
