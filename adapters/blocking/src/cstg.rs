//! The client-side token generation client: identities from a subscription id and the
//! operator's public key, without an API key.

use std::sync::Arc;

use uid2::operator::client_side::ClientSideTokenGenerateRequest;
use uid2::operator::{IdentityTokens, TokenResponse};
use uid2_http::telemetry::OperatorCall;

use crate::CstgConfig;
use crate::clock;
use crate::error::Error;
use crate::random::OsRandom;
use crate::transport::{Header, Transport, UreqTransport};

/// Generates identities with client-side token generation (`POST /v2/token/client-generate`)
/// and refreshes them (`POST /v2/token/refresh`), for apps and back ends that hold a
/// subscription id and the operator's public key instead of an API key and client secret
/// (CTV and mobile back ends, edge workers). Cheap to clone.
///
/// Each request carries the origin or app name registered for the site (see
/// [`ClientSideTokenGenerateRequest::with_origin`] and
/// [`with_app_name`](ClientSideTokenGenerateRequest::with_app_name)); the operator answers 403
/// otherwise. Calls are not retried.
///
/// ```no_run
/// use uid2::operator::client_side::{ClientSideCredentials, ClientSideTokenGenerateRequest};
/// use uid2_blocking::{CstgClient, CstgConfig};
///
/// let credentials = ClientSideCredentials::new("my-subscription-id", "UID2-X-I-MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE...")?;
/// let client = CstgClient::new(CstgConfig::new("https://operator-integ.uidapi.com", credentials)?)?;
/// let request = ClientSideTokenGenerateRequest::from_email("user@example.com")?
///     .with_app_name("com.example.tvapp")?;
/// if let Some(identity) = client.generate_token(&request)?.identity() {
///     let refreshed = client.refresh_token(identity)?;
/// #   let _ = refreshed;
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct CstgClient {
    config: CstgConfig,
    transport: Arc<dyn Transport>,
}

impl std::fmt::Debug for CstgClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CstgClient")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl CstgClient {
    /// A client over the default ureq transport.
    ///
    /// # Errors
    /// None today; the `Result` keeps the signature of the async adapter.
    pub fn new(config: CstgConfig) -> Result<Self, Error> {
        let transport = UreqTransport::new(
            config.connect_timeout,
            &config.user_agent,
            config.max_response_bytes,
            config.proxy_from_env,
        );
        Ok(Self::with_transport(config, transport))
    }

    /// A client that sends through `transport`.
    #[must_use]
    pub fn with_transport<T: Transport>(config: CstgConfig, transport: T) -> Self {
        Self {
            config,
            transport: Arc::new(transport),
        }
    }

    fn post<'h>(
        &self,
        endpoint: &'static str,
        url: &str,
        headers: impl Iterator<Item = uid2::envelope::Header<'h>>,
        body: &[u8],
        max_response_len: usize,
    ) -> Result<crate::HttpResponse, Error> {
        let headers: Vec<Header<'_>> = headers
            .map(|h| Header::new(h.name(), h.value(), h.is_sensitive()))
            .collect();
        let limit =
            uid2_http::effective_reply_limit(max_response_len, self.config.max_response_bytes);
        let call = OperatorCall::start(endpoint);
        let result = uid2_http::bounded_reply(
            self.transport
                .post(url, &headers, body, self.config.timeout, limit),
            limit,
        );
        call.finish(&result);
        result
    }

    /// Generates an identity for the email or phone hash in `request` ([`TokenResponse::OptOut`]
    /// when the user opted out).
    ///
    /// # Errors
    /// [`Error::Http`] for a non-200 status (400 `client_error`, e.g. an unknown subscription
    /// id; 401 for a disabled key pair; 403 `invalid_http_origin` / `invalid_app_name`),
    /// [`Error::Core`] when the reply does not open with this request's key or is not a token
    /// document, [`Error::Transport`] or [`Error::Timeout`].
    pub fn generate_token(
        &self,
        request: &ClientSideTokenGenerateRequest,
    ) -> Result<TokenResponse, Error> {
        let (http, pending) =
            request.seal(&self.config.credentials, clock::now(), &mut OsRandom)?;
        let reply = self.post(
            http.path(),
            &http.url(&self.config.base_url),
            http.headers(),
            http.body(),
            uid2::envelope::reply_limit::TOKEN,
        )?;
        Ok(pending.open(reply.status, &reply.body)?)
    }

    /// Exchanges `identity`'s refresh token for a new identity (no API key is sent).
    ///
    /// # Errors
    /// As [`generate_token`](Self::generate_token); an expired or rejected refresh token is
    /// [`Error::Http`] with status 400.
    pub fn refresh_token(&self, identity: &IdentityTokens) -> Result<TokenResponse, Error> {
        let (http, pending) = identity.refresh_request(None);
        let pending = if self.config.allow_plain_json_refresh {
            pending.allow_plain_json_reply()
        } else {
            pending
        };
        let mut reply = self.post(
            http.path(),
            &http.url(&self.config.base_url),
            http.headers(),
            http.body(),
            http.max_response_len(),
        )?;
        Ok(pending.open(
            reply.status,
            reply.content_type.as_deref(),
            &mut reply.body,
            clock::now(),
        )?)
    }
}
