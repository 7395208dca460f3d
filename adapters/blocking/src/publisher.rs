//! The publisher role: generate and refresh identities.

use uid2::operator::token_validate::TokenValidateRequest;
use uid2::operator::{IdentityTokens, TokenGenerateRequest, TokenResponse};

use crate::clock;
use crate::error::Error;
use crate::operator::Operator;
use crate::random::OsRandom;

/// A publisher's client: `POST /v2/token/generate` and `POST /v2/token/refresh`.
///
/// Neither call is retried: a failed call is reported at once, and the caller decides.
///
/// ```no_run
/// use uid2::operator::TokenGenerateRequest;
/// use uid2_blocking::{ClientConfig, PublisherClient};
///
/// let client = PublisherClient::new(ClientConfig::new("https://operator-integ.uidapi.com", "key", "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI=")?)?;
/// let response = client.generate_token(TokenGenerateRequest::from_email("user@example.com")?)?;
/// if let Some(identity) = response.identity() {
///     // store identity.json_string() in the session, send the advertising token onwards
///     let refreshed = client.refresh_token(identity)?;
///     assert!(refreshed.is_success() || refreshed.is_optout());
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct PublisherClient {
    operator: Operator,
}

impl PublisherClient {
    crate::operator::operator_client_constructors!();

    /// Generates an identity for an email or phone number (hashed locally by the request).
    ///
    /// # Errors
    /// [`Error::Transport`] / [`Error::Timeout`] when the operator could not be reached;
    /// [`Error::Http`] for a status other than 200 (401: check the API key);
    /// [`Error::Core`] when the reply failed authentication, did not echo the nonce, or is not
    /// a token generate document (including `insufficient_user_consent`).
    pub fn generate_token(&self, request: TokenGenerateRequest) -> Result<TokenResponse, Error> {
        let (sealed, pending) =
            request.seal(self.operator.credentials(), clock::now(), &mut OsRandom)?;
        let mut reply = self.operator.send(&sealed.request())?;
        Ok(pending.open(reply.status, reply.content_type.as_deref(), &mut reply.body)?)
    }

    /// Exchanges the identity's refresh token for a new identity (or an opt-out).
    ///
    /// # Errors
    /// As [`generate_token`](Self::generate_token); an expired or rejected refresh token is an
    /// [`Error::Http`] whose [`http_error`](Error::http_error) says
    /// [`is_expired_token`](uid2::envelope::HttpError::is_expired_token) or
    /// [`is_invalid_token`](uid2::envelope::HttpError::is_invalid_token).
    pub fn refresh_token(&self, identity: &IdentityTokens) -> Result<TokenResponse, Error> {
        let (request, pending) =
            identity.refresh_request(Some(self.operator.credentials().api_key()));
        let pending = if self.operator.allow_plain_json_refresh {
            pending.allow_plain_json_reply()
        } else {
            pending
        };
        let mut reply = self.operator.send(&request)?;
        Ok(pending.open(
            reply.status,
            reply.content_type.as_deref(),
            &mut reply.body,
            clock::now(),
        )?)
    }

    /// Asks the operator whether an advertising token was generated for an email or phone
    /// number (`POST /v2/token/validate`, a troubleshooting endpoint; the documented test
    /// identities are `validate@example.com` and `+12345678901`).
    ///
    /// # Errors
    /// [`Error::Http`] with status 400 for a token the operator cannot read or one generated
    /// for another site; otherwise as [`generate_token`](Self::generate_token).
    pub fn validate_token(&self, request: &TokenValidateRequest) -> Result<bool, Error> {
        self.operator.call(request)
    }
}
