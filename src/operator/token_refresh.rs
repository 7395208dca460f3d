//! `POST /v2/token/refresh`: exchange a refresh token for a new identity.
//!
//! The request is not enveloped: its body is the refresh token itself. The reply is sealed with
//! the identity's `refresh_response_key` (see
//! [`open_refresh_response`]); identities issued without
//! that key get a plain JSON reply, which is refused unless the caller opts in with
//! [`PendingTokenRefresh::allow_plain_json_reply`].
//!
//! ```
//! use uid2::operator::IdentityTokens;
//! use uid2::Timestamp;
//!
//! let identity = IdentityTokens::from_json_str(
//!     r#"{"advertising_token":"AT","refresh_token":"RT","identity_expires":1717246800000,
//!         "refresh_expires":1719835200000,"refresh_from":1717243800000,
//!         "refresh_response_key":"P941vVeuyjaDRVnFQ8DPd0AZnW4bPeiJPXER2K9QXcU="}"#,
//! )?;
//! let now = Timestamp::from_millis(1_717_244_000_000);
//! assert!(identity.is_refreshable(now) && identity.is_due_for_refresh(now));
//!
//! let (request, pending) = identity.refresh_request(None);
//! assert_eq!(request.path(), "/v2/token/refresh");
//! assert_eq!(request.body(), b"RT");
//!
//! // ... POST it; the operator answers 200 with a sealed body ...
//! let mut body = *b"DA0ODxAREhMUFRYXTUcVNuYDDb2ieEp0xt0KFmquWkKucQEAj4D8jGJqYwdGfHw=";
//! let response = pending.open(200, Some("text/plain"), &mut body, now)?;
//! assert!(response.is_optout());
//! assert_eq!(response.identity_json_string(), None); // remove the identity from the session
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use core::fmt;

use super::identity_tokens::IdentityTokens;
use super::response::TokenResponse;
use crate::envelope::{
    ApiKey, BodyEncoding, OperatorRequest, RefreshResponseKey, ResponseError, check_http_status,
    open_refresh_response,
};
use crate::time::Timestamp;

/// The path of the token refresh endpoint.
pub const TOKEN_REFRESH_PATH: &str = "/v2/token/refresh";

/// The outcome of a token refresh; see [`TokenResponse`].
pub type TokenRefreshResponse = TokenResponse;

impl IdentityTokens {
    /// Describes the `/v2/token/refresh` request for this identity and returns the pending
    /// value that reads its reply.
    ///
    /// The API key is optional for this endpoint; with one, the operator reports specific errors
    /// (`expired_token`, `invalid_token`) instead of a generic `error`.
    pub fn refresh_request<'a>(
        &'a self,
        api_key: Option<&'a ApiKey>,
    ) -> (OperatorRequest<'a>, PendingTokenRefresh) {
        let request = OperatorRequest::new(
            TOKEN_REFRESH_PATH,
            api_key,
            BodyEncoding::Text,
            self.refresh_token().as_bytes(),
        );
        (
            request,
            PendingTokenRefresh {
                key: self.refresh_response_key().cloned(),
                allow_plain_json: false,
            },
        )
    }
}

/// Reads the reply to a token refresh request. Holds the identity's refresh response key.
#[must_use = "the pending refresh is the only way to read the operator's reply"]
pub struct PendingTokenRefresh {
    key: Option<RefreshResponseKey>,
    allow_plain_json: bool,
}

impl fmt::Debug for PendingTokenRefresh {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingTokenRefresh")
            .finish_non_exhaustive()
    }
}

impl PendingTokenRefresh {
    /// Accepts a plain JSON reply when the identity has no `refresh_response_key` (identities
    /// from before the operator sealed refresh replies). Off by default, and best left off.
    ///
    /// Such a reply carries no tag and no nonce: nothing shows it comes from the operator or
    /// answers this refresh, so whoever can alter the traffic (a TLS-intercepting proxy, a
    /// misrouted base URL) can hand the user an identity of their choosing. Worse, removing
    /// the key from a stored identity is enough to downgrade its next refresh to this path.
    /// Every identity current operators issue has the key; turn this on only to migrate
    /// identities stored before that, and only for as long as they may still be refreshed.
    /// It has no effect on identities with a key, whose replies are always authenticated.
    pub fn allow_plain_json_reply(mut self) -> Self {
        self.allow_plain_json = true;
        self
    }

    /// Opens the operator's reply (in place in `body`) and reads it at `now`.
    ///
    /// Identities with a `refresh_response_key` get a sealed base64 reply; legacy identities
    /// without one get plain JSON, read only after
    /// [`allow_plain_json_reply`](Self::allow_plain_json_reply). `content_type` is accepted for
    /// symmetry and not needed.
    /// `body` is wiped (all zeros) before this returns, whatever the outcome: once opened it
    /// holds the new identity in clear (tokens and the next refresh response key).
    ///
    /// # Errors
    /// * [`ResponseError::HttpStatus`] for a status other than 200; check
    ///   [`is_expired_token`](crate::envelope::HttpError::is_expired_token) and
    ///   [`is_invalid_token`](crate::envelope::HttpError::is_invalid_token) to decide whether to
    ///   drop the identity.
    /// * [`ResponseError::RefreshDecryptFailed`] (or a base64/length error) when the reply was
    ///   not sealed with this identity's key.
    /// * [`ResponseError::PlainRefreshNotAllowed`] for a 200 reply to an identity without a
    ///   `refresh_response_key`, unless [`allow_plain_json_reply`](Self::allow_plain_json_reply)
    ///   was called.
    /// * The errors of [`TokenResponse::from_refresh_document`].
    pub fn open(
        self,
        status: u16,
        content_type: Option<&str>,
        body: &mut [u8],
        now: Timestamp,
    ) -> Result<TokenRefreshResponse, ResponseError> {
        let _ = content_type;
        let read = match &self.key {
            Some(key) => open_refresh_response(key, status, body)
                .and_then(|document| TokenResponse::from_refresh_document(document, now)),
            None => check_http_status(status, body).and_then(|()| {
                if self.allow_plain_json {
                    TokenResponse::from_refresh_document(body, now)
                } else {
                    Err(ResponseError::PlainRefreshNotAllowed)
                }
            }),
        };
        zeroize::Zeroize::zeroize(body);
        read
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = r#"{"advertising_token":"AT","refresh_token":"RT","identity_expires":1717246800000,"refresh_expires":1719835200000,"refresh_from":1717243800000}"#;

    fn plain_reply() -> alloc::vec::Vec<u8> {
        let body = ID.replace("\"RT\"", "\"RT2\"");
        alloc::format!(r#"{{"status":"success","body":{body}}}"#).into_bytes()
    }

    #[test]
    fn legacy_identity_plain_json_is_refused_by_default() {
        let id = IdentityTokens::from_json_str(ID).unwrap();
        let (_, pending) = id.refresh_request(None);
        let mut doc = plain_reply();
        let err = pending
            .open(
                200,
                None,
                &mut doc,
                Timestamp::from_millis(1_717_243_900_000),
            )
            .unwrap_err();
        assert_eq!(err, ResponseError::PlainRefreshNotAllowed);
        assert!(
            doc.iter().all(|&b| b == 0),
            "the reply buffer was not wiped"
        );
    }

    #[test]
    fn legacy_identity_reads_plain_json_when_allowed() {
        let id = IdentityTokens::from_json_str(ID).unwrap();
        let (req, pending) = id.refresh_request(None);
        let pending = pending.allow_plain_json_reply();
        assert_eq!(req.headers().count(), 2);
        let mut doc = plain_reply();
        let r = pending
            .open(
                200,
                None,
                &mut doc,
                Timestamp::from_millis(1_717_243_900_000),
            )
            .unwrap();
        assert_eq!(r.identity().unwrap().refresh_token(), "RT2");
        assert!(
            doc.iter().all(|&b| b == 0),
            "the reply buffer was not wiped"
        );
    }

    #[test]
    fn expired_token_is_an_http_error() {
        let id = IdentityTokens::from_json_str(ID).unwrap();
        let (_, pending) = id.refresh_request(None);
        let mut body = br#"{"status":"expired_token","message":"Expired Token"}"#.to_vec();
        let err = pending
            .open(400, None, &mut body, Timestamp::from_millis(0))
            .unwrap_err();
        assert!(err.http().unwrap().is_expired_token());
    }
}
