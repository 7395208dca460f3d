//! Operator response documents (`{"status": …, "body": …}`) and the token generate/refresh
//! outcome shared by both endpoints.

use serde::Deserialize;
use serde_json::value::RawValue;

use super::identity_tokens::IdentityTokens;
use crate::envelope::{OperatorStatus, ResponseError};
use crate::time::Timestamp;

/// A decrypted response document, with `body` kept as raw JSON text.
pub(crate) struct Document<'a> {
    pub(crate) status: OperatorStatus,
    /// Borrowed from the document: the body (an identity, key secrets) is not copied.
    pub(crate) body: Option<&'a RawValue>,
}

/// Parses `{"status": string, "body": any}`; other members are ignored.
///
/// # Errors
/// [`ResponseError::MalformedResponse`] when the document is not a JSON object or `status` is
/// missing or not a string.
pub(crate) fn parse_document(document: &[u8]) -> Result<Document<'_>, ResponseError> {
    #[derive(Deserialize)]
    struct Raw<'a> {
        status: Option<serde_json::Value>,
        #[serde(borrow)]
        body: Option<&'a RawValue>,
    }
    let raw: Raw<'_> =
        serde_json::from_slice(document).map_err(|_| ResponseError::MalformedResponse {
            reason: "not a json object",
        })?;
    let status = match raw.status {
        Some(serde_json::Value::String(s)) => OperatorStatus::parse(&s),
        Some(_) => {
            return Err(ResponseError::MalformedResponse {
                reason: "status is not a string",
            });
        }
        None => {
            return Err(ResponseError::MalformedResponse {
                reason: "status is missing",
            });
        }
    };
    let body = raw.body.filter(|b| b.get() != "null");
    Ok(Document { status, body })
}

/// The outcome of a token generate or token refresh call.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum TokenResponse {
    /// A new identity was issued (`status` `success`).
    Success(IdentityTokens),
    /// The user opted out (`status` `optout`): no identity; remove any stored identity.
    OptOut,
}

impl TokenResponse {
    /// Reads a decrypted `/v2/token/generate` document.
    ///
    /// # Errors
    /// * [`ResponseError::MalformedResponse`] when the document, or the identity in a `success`
    ///   document, is not well formed.
    /// * [`ResponseError::InsufficientUserConsent`] for `insufficient_user_consent` (EUID).
    /// * [`ResponseError::UnexpectedStatus`] for any status other than `success` and `optout`.
    pub fn from_generate_document(document: &[u8]) -> Result<Self, ResponseError> {
        let doc = parse_document(document)?;
        match doc.status {
            OperatorStatus::Success => {
                let body = doc.body.ok_or(ResponseError::MalformedResponse {
                    reason: "success without body",
                })?;
                IdentityTokens::from_json_str(body.get())
                    .map(Self::Success)
                    .map_err(|_| ResponseError::MalformedResponse {
                        reason: "body is not a valid identity",
                    })
            }
            OperatorStatus::OptOut => Ok(Self::OptOut),
            OperatorStatus::InsufficientUserConsent => Err(ResponseError::InsufficientUserConsent),
            other => Err(ResponseError::UnexpectedStatus(other)),
        }
    }

    /// Reads a decrypted `/v2/token/refresh` document, processed at `now`.
    ///
    /// # Errors
    /// As [`from_generate_document`](Self::from_generate_document), plus
    /// [`ResponseError::InvalidRefreshedIdentity`] when the new identity has already expired or
    /// is no longer refreshable at `now` (usually a wrong system clock).
    pub fn from_refresh_document(document: &[u8], now: Timestamp) -> Result<Self, ResponseError> {
        let response = Self::from_generate_document(document)?;
        if let Self::Success(identity) = &response
            && (!identity.is_refreshable(now) || identity.has_identity_expired(now))
        {
            return Err(ResponseError::InvalidRefreshedIdentity {
                now,
                identity_expires: identity.identity_expires(),
                refresh_expires: identity.refresh_expires(),
            });
        }
        Ok(response)
    }

    /// The document's status: `success` or `optout`.
    #[must_use]
    pub const fn status(&self) -> &'static str {
        match self {
            Self::Success(_) => "success",
            Self::OptOut => "optout",
        }
    }

    /// Whether an identity was issued.
    #[must_use]
    pub const fn is_success(&self) -> bool {
        matches!(self, Self::Success(_))
    }

    /// Whether the user opted out.
    #[must_use]
    pub const fn is_optout(&self) -> bool {
        matches!(self, Self::OptOut)
    }

    /// The new identity, unless the user opted out.
    #[must_use]
    pub const fn identity(&self) -> Option<&IdentityTokens> {
        match self {
            Self::Success(identity) => Some(identity),
            Self::OptOut => None,
        }
    }

    /// Takes the new identity, unless the user opted out.
    #[must_use]
    pub fn into_identity(self) -> Option<IdentityTokens> {
        match self {
            Self::Success(identity) => Some(identity),
            Self::OptOut => None,
        }
    }

    /// The JSON to store in the session, or `None` on opt-out (remove the stored identity).
    #[must_use]
    pub fn identity_json_string(&self) -> Option<&str> {
        self.identity().map(IdentityTokens::json_string)
    }
}
