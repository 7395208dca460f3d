//! The client-side token generation client: identities from a subscription id and the
//! operator's public key, without an API key.

use std::sync::Arc;

use uid2::operator::client_side::ClientSideTokenGenerateRequest;
use uid2::operator::{IdentityTokens, TokenResponse};
use uid2_http::telemetry::OperatorCall;

use crate::CstgConfig;
use crate::clock::{self, OsRandom};
use crate::error::Error;
use crate::operator::bounded;
use crate::transport::{Header, HyperTransport, Transport};

/// Generates identities with client-side token generation (`POST /v2/token/client-generate`)
/// and refreshes them (`POST /v2/token/refresh`), for apps and back ends that hold a
/// subscription id and the operator's public key instead of an API key and client secret
/// (CTV and mobile back ends, edge workers). Cheap to clone; clones share the connection pool.
///
/// Each request carries the origin or app name registered for the site (see
/// [`ClientSideTokenGenerateRequest::with_origin`] and
/// [`with_app_name`](ClientSideTokenGenerateRequest::with_app_name)); the operator answers 403
/// otherwise. Calls are not retried.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use uid2::operator::client_side::{ClientSideCredentials, ClientSideTokenGenerateRequest};
/// use uid2_tokio::{CstgClient, CstgConfig};
///
/// let credentials = ClientSideCredentials::new("my-subscription-id", "UID2-X-I-MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE...")?;
/// let client = CstgClient::new(CstgConfig::new("https://operator-integ.uidapi.com", credentials)?)?;
/// let request = ClientSideTokenGenerateRequest::from_email("user@example.com")?
///     .with_app_name("com.example.tvapp")?;
/// if let Some(identity) = client.generate_token(&request).await?.identity() {
///     // send identity.advertising_token() onwards; refresh with client.refresh_token(identity)
/// #   let _ = identity;
/// }
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct CstgClient<T = HyperTransport> {
    inner: Arc<Inner<T>>,
}

#[derive(Debug)]
struct Inner<T> {
    config: CstgConfig,
    transport: T,
}

impl<T> Clone for CstgClient<T> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl CstgClient<HyperTransport> {
    /// A client over the default transport.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] when the TLS configuration cannot be built.
    pub fn new(config: CstgConfig) -> Result<Self, Error> {
        let transport = if config.proxy_from_env {
            HyperTransport::with_proxy_from_env(config.connect_timeout, config.max_response_bytes)?
        } else {
            HyperTransport::new(config.connect_timeout, config.max_response_bytes)?
        };
        Ok(Self::with_transport(config, transport))
    }
}

impl<T: Transport> CstgClient<T> {
    /// A client over a caller-supplied transport.
    #[must_use]
    pub fn with_transport(config: CstgConfig, transport: T) -> Self {
        Self {
            inner: Arc::new(Inner { config, transport }),
        }
    }

    /// Generates an identity for the email or phone hash in `request` ([`TokenResponse::OptOut`]
    /// when the user opted out).
    ///
    /// # Errors
    /// [`Error::Http`] for a non-200 status (400 `client_error`, e.g. an unknown subscription
    /// id; 401 for a disabled key pair; 403 `invalid_http_origin` / `invalid_app_name`),
    /// [`Error::Core`] when the reply does not open with this request's key or is not a token
    /// document, [`Error::Transport`] or [`Error::Timeout`].
    pub async fn generate_token(
        &self,
        request: &ClientSideTokenGenerateRequest,
    ) -> Result<TokenResponse, Error> {
        let config = &self.inner.config;
        let (http, pending) = request.seal(&config.credentials, clock::now(), &mut OsRandom)?;
        let url = http.url(&config.base_url);
        let mut headers: Vec<Header<'_>> = http
            .headers()
            .map(|h| Header::new(h.name(), h.value(), h.is_sensitive()))
            .collect();
        headers.push(Header::new("User-Agent", &config.user_agent, false));
        let limit = uid2_http::effective_reply_limit(
            uid2::envelope::reply_limit::TOKEN,
            config.max_response_bytes,
        );
        let call = OperatorCall::start(http.path());
        let reply = bounded(
            config.timeout,
            limit,
            self.inner
                .transport
                .post(&url, &headers, http.body().to_vec(), limit),
        )
        .await;
        call.finish(&reply);
        let reply = reply?;
        Ok(pending.open(reply.status, &reply.body)?)
    }

    /// Exchanges `identity`'s refresh token for a new identity (no API key is sent).
    ///
    /// # Errors
    /// As [`generate_token`](Self::generate_token); an expired or rejected refresh token is
    /// [`Error::Http`] with status 400.
    pub async fn refresh_token(&self, identity: &IdentityTokens) -> Result<TokenResponse, Error> {
        let config = &self.inner.config;
        let (http, pending) = identity.refresh_request(None);
        let pending = if config.allow_plain_json_refresh {
            pending.allow_plain_json_reply()
        } else {
            pending
        };
        let url = http.url(&config.base_url);
        let mut headers: Vec<Header<'_>> = http
            .headers()
            .map(|h| Header::new(h.name(), h.value(), h.is_sensitive()))
            .collect();
        headers.push(Header::new("User-Agent", &config.user_agent, false));
        let limit =
            uid2_http::effective_reply_limit(http.max_response_len(), config.max_response_bytes);
        let call = OperatorCall::start(http.path());
        let reply = bounded(
            config.timeout,
            limit,
            self.inner
                .transport
                .post(&url, &headers, http.body().to_vec(), limit),
        )
        .await;
        call.finish(&reply);
        let mut reply = reply?;
        Ok(pending.open(
            reply.status,
            reply.content_type.as_deref(),
            &mut reply.body,
            clock::now(),
        )?)
    }
}
