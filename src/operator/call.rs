//! One sealed call to the operator: the request is sealed for its endpoint, and only the pending
//! value it returns can open and read the reply.

use core::fmt;

use zeroize::Zeroize as _;

use crate::envelope::{
    BodyEncoding, Credentials, EnvelopeError, PendingResponse, ResponseError, SealedRequest,
};
use crate::{SecureRandom, Timestamp};

/// A request message of one operator endpoint: its path, body encoding and plaintext body, and
/// how to read the decrypted reply document.
///
/// [`OperatorCall::seal`] is the way to send it: the [`PendingReply`] it returns opens the reply
/// (authentication tag, nonce echo, HTTP status) before reading it, so a reply can be neither
/// forged nor matched to the wrong request.
pub trait OperatorCall {
    /// What a successful reply holds.
    type Response;

    /// The endpoint path, e.g. `/v3/identity/map`.
    const PATH: &'static str;

    /// How the envelope travels for this endpoint.
    const ENCODING: BodyEncoding;

    /// The plaintext JSON to seal.
    fn payload(&self) -> &[u8];

    /// The largest reply body to read for this request (see
    /// [`reply_limit`](crate::envelope::reply_limit)); by default the bound of
    /// [`PATH`](Self::PATH). Batch requests size it to their inputs.
    fn max_response_len(&self) -> usize {
        crate::envelope::reply_limit::for_path(Self::PATH)
    }

    /// Reads a decrypted reply document.
    ///
    /// # Errors
    /// [`ResponseError`] when the document reports a failure or is malformed.
    fn read_reply(&self, document: &[u8]) -> Result<Self::Response, ResponseError>;

    /// Seals the request for `credentials` at `now`. Every attempt (retries included) needs a
    /// fresh seal. Returns the request to send and the value that reads its reply.
    ///
    /// # Errors
    /// [`EnvelopeError`] when the random source fails or the payload is too large.
    fn seal<'c>(
        &self,
        credentials: &'c Credentials,
        now: Timestamp,
        rng: &mut impl SecureRandom,
    ) -> Result<(SealedRequest<'c>, PendingReply<'_, Self>), EnvelopeError>
    where
        Self: Sized,
    {
        let (sealed, pending) =
            credentials.seal(Self::PATH, self.payload(), Self::ENCODING, now, rng)?;
        Ok((
            sealed.with_max_response_len(self.max_response_len()),
            PendingReply {
                pending,
                request: self,
            },
        ))
    }
}

/// The reply reader of one sealed [`OperatorCall`]. Not `Clone`: each reply is read once.
#[must_use = "the reply must be opened with this value"]
pub struct PendingReply<'r, R> {
    pending: PendingResponse,
    request: &'r R,
}

impl<R: OperatorCall> PendingReply<'_, R> {
    /// Opens the reply in place (`status` is the HTTP status, `content_type` its
    /// `Content-Type`) and reads it. `body` is wiped (all zeros) before this returns, whatever
    /// the outcome: once opened it holds the decrypted document (key secrets, tokens, raw UIDs),
    /// and what the caller needs is in the returned value.
    ///
    /// # Errors
    /// [`ResponseError`]: an HTTP or operator error, a reply that is not an envelope for this
    /// request, or a malformed document.
    pub fn open(
        self,
        status: u16,
        content_type: Option<&str>,
        body: &mut [u8],
    ) -> Result<R::Response, ResponseError> {
        let read = self
            .pending
            .open(status, content_type, body)
            .and_then(|opened| self.request.read_reply(opened.document()));
        body.zeroize();
        read
    }
}

impl<R> fmt::Debug for PendingReply<'_, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingReply")
            .field("pending", &self.pending)
            .finish_non_exhaustive()
    }
}
