//! The publisher client: generate and refresh identities.

use std::sync::Arc;

use uid2::operator::token_validate::TokenValidateRequest;
use uid2::operator::{IdentityTokens, TokenGenerateRequest, TokenResponse};

use crate::clock::{self, OsRandom};
use crate::config::ClientConfig;
use crate::error::Error;
use crate::operator::Operator;
use crate::transport::{HyperTransport, Transport};

/// Generates identities from emails or phone numbers (`POST /v2/token/generate`) and refreshes
/// them (`POST /v2/token/refresh`). Cheap to clone; clones share the connection pool.
///
/// ```no_run
/// # async fn run() -> Result<(), uid2_tokio::Error> {
/// use uid2_tokio::{ClientConfig, PublisherClient};
/// use uid2::operator::TokenGenerateRequest;
///
/// let config = ClientConfig::new("https://operator-integ.uidapi.com", "my-api-key", "bXktc2VjcmV0LWJhc2U2NC0zMi1ieXRlcy1sb25nLi4=")?;
/// let client = PublisherClient::new(config)?;
/// let response = client.generate_token(TokenGenerateRequest::from_email("user@example.com")?).await?;
/// if let Some(json) = response.identity_json_string() {
///     // store `json` in the user's session
/// #   let _ = json;
/// }
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct PublisherClient<T = HyperTransport> {
    operator: Arc<Operator<T>>,
}

impl<T> Clone for PublisherClient<T> {
    fn clone(&self) -> Self {
        Self {
            operator: Arc::clone(&self.operator),
        }
    }
}

impl PublisherClient<HyperTransport> {
    /// A client over the default transport.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] when the TLS configuration cannot be built.
    pub fn new(config: ClientConfig) -> Result<Self, Error> {
        Ok(Self {
            operator: Operator::with_default_transport(config)?,
        })
    }
}

impl<T: Transport> PublisherClient<T> {
    /// A client over a caller-supplied transport.
    #[must_use]
    pub fn with_transport(config: ClientConfig, transport: T) -> Self {
        Self {
            operator: Operator::new(config, transport),
        }
    }

    /// Generates an identity for the email or phone number in `request`.
    ///
    /// # Errors
    /// [`Error::Http`] for a non-200 status, [`Error::Core`] when the reply does not open
    /// (wrong secret, wrong nonce) or parse, [`Error::Transport`] or [`Error::Timeout`].
    pub async fn generate_token(
        &self,
        request: TokenGenerateRequest,
    ) -> Result<TokenResponse, Error> {
        let credentials = &self.operator.config.credentials;
        let (sealed, pending) = request.seal(credentials, clock::now(), &mut OsRandom)?;
        let http = sealed.request();
        let reply = self.operator.send(&http, None).await?;
        let HttpResponseParts {
            status,
            content_type,
            mut body,
        } = reply.into();
        Ok(pending.open(status, content_type.as_deref(), &mut body)?)
    }

    /// Exchanges `identity`'s refresh token for a new identity ([`TokenResponse::OptOut`] when
    /// the user opted out: remove the identity from the session).
    ///
    /// # Errors
    /// As [`generate_token`](Self::generate_token). An expired or rejected refresh token is
    /// [`Error::Http`] with status 400; see `HttpError::is_expired_token`.
    pub async fn refresh_token(&self, identity: &IdentityTokens) -> Result<TokenResponse, Error> {
        let api_key = self.operator.config.credentials.api_key();
        let (http, pending) = identity.refresh_request(Some(api_key));
        let pending = if self.operator.config.allow_plain_json_refresh {
            pending.allow_plain_json_reply()
        } else {
            pending
        };
        let reply = self.operator.send(&http, None).await?;
        let HttpResponseParts {
            status,
            content_type,
            mut body,
        } = reply.into();
        Ok(pending.open(status, content_type.as_deref(), &mut body, clock::now())?)
    }

    /// Asks the operator whether an advertising token was generated for an email or phone
    /// number (`POST /v2/token/validate`, a troubleshooting endpoint; the documented test
    /// identities are `validate@example.com` and `+12345678901`).
    ///
    /// # Errors
    /// [`Error::Http`] with status 400 for a token the operator cannot read or one generated
    /// for another site; otherwise as [`generate_token`](Self::generate_token).
    pub async fn validate_token(&self, request: &TokenValidateRequest) -> Result<bool, Error> {
        self.operator.call(request).await
    }
}

/// The parts of a reply the core reads.
pub(crate) struct HttpResponseParts {
    pub(crate) status: u16,
    pub(crate) content_type: Option<String>,
    pub(crate) body: Vec<u8>,
}

impl From<crate::HttpResponse> for HttpResponseParts {
    fn from(r: crate::HttpResponse) -> Self {
        Self {
            status: r.status,
            content_type: r.content_type,
            body: r.body,
        }
    }
}
