//! `POST /v2/optout/status`: which raw UID2s have opted out, and since when.
//!
//! The request lists up to [`MAX_IDS_PER_REQUEST`] raw UID2s; the answer lists only those that
//! opted out, each with the time of the opt-out. The operator may have the endpoint disabled;
//! callers need the MAPPER, SHARER or ID_READER role.
//!
//! ```
//! use uid2::operator::optout_status::OptoutStatusRequest;
//!
//! let ids = ["AdbtX79x6hPf3bppOU0ItRZF9ngIF9YMBCNdetwfqhj7", "As5g0VqrfhESwuGJD2Nc3gICX7bLFLbxR3vkzWipjyed"];
//! let request = OptoutStatusRequest::new(ids)?;
//! assert_eq!(
//!     request.body(),
//!     br#"{"advertising_ids":["AdbtX79x6hPf3bppOU0ItRZF9ngIF9YMBCNdetwfqhj7","As5g0VqrfhESwuGJD2Nc3gICX7bLFLbxR3vkzWipjyed"]}"#
//! );
//! let document = br#"{"status":"success","body":{"opted_out":[
//!     {"advertising_id":"As5g0VqrfhESwuGJD2Nc3gICX7bLFLbxR3vkzWipjyed","opted_out_since":1709745292763}]}}"#;
//! let response = request.parse_response(document)?;
//! assert_eq!(response.opted_out_since(ids[0]), None);
//! assert_eq!(response.opted_out_since(ids[1]).map(|t| t.as_millis()), Some(1_709_745_292_763));
//! # Ok::<(), Box<dyn core::error::Error>>(())
//! ```

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use serde::Deserialize;

use super::map_document::{json_str_len, parse_success_body, push_json_str_array};
use crate::Timestamp;
use crate::envelope::ResponseError;

/// The endpoint path.
pub const PATH: &str = "/v2/optout/status";

/// Most raw UID2s the operator accepts in one request (it answers 400 "Request payload is too
/// large" beyond).
pub const MAX_IDS_PER_REQUEST: usize = 5_000;

/// A request that the operator would refuse.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OptoutStatusError {
    /// More raw UID2s than [`MAX_IDS_PER_REQUEST`].
    TooManyIds {
        /// How many were given.
        count: usize,
        /// The limit.
        max: usize,
    },
}

impl fmt::Display for OptoutStatusError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooManyIds { count, max } => {
                write!(
                    f,
                    "{count} raw UID2s in one opt-out status request; at most {max}"
                )
            }
        }
    }
}

impl core::error::Error for OptoutStatusError {}

/// One `/v2/optout/status` request. `Debug` prints only the number of ids.
#[derive(Clone)]
pub struct OptoutStatusRequest {
    body: Vec<u8>,
    count: usize,
}

impl fmt::Debug for OptoutStatusRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OptoutStatusRequest")
            .field("len", &self.count)
            .finish_non_exhaustive()
    }
}

impl OptoutStatusRequest {
    /// A request for these raw UID2s (sent unchanged, in order).
    ///
    /// # Errors
    /// [`OptoutStatusError::TooManyIds`] for more than [`MAX_IDS_PER_REQUEST`] ids; split them
    /// with `chunks(MAX_IDS_PER_REQUEST)`.
    pub fn new<I>(raw_uids: I) -> Result<Self, OptoutStatusError>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let ids: Vec<I::Item> = raw_uids.into_iter().collect();
        if ids.len() > MAX_IDS_PER_REQUEST {
            return Err(OptoutStatusError::TooManyIds {
                count: ids.len(),
                max: MAX_IDS_PER_REQUEST,
            });
        }
        let capacity = ids.iter().fold(24usize, |n, id| {
            n.saturating_add(json_str_len(id.as_ref()))
                .saturating_add(1)
        });
        let mut body = Vec::with_capacity(capacity);
        body.push(b'{');
        push_json_str_array(&mut body, "advertising_ids", ids.iter().map(AsRef::as_ref));
        body.push(b'}');
        Ok(Self {
            body,
            count: ids.len(),
        })
    }

    /// The plaintext JSON body: `{"advertising_ids":[…]}`.
    #[must_use]
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The number of raw UID2s asked about.
    #[must_use]
    pub const fn len(&self) -> usize {
        self.count
    }

    /// Whether no raw UID2 is asked about.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Reads the decrypted response document: `body.opted_out` lists the opted-out ids.
    ///
    /// To send the request and read its reply in one typed step, use
    /// [`OperatorCall::seal`](crate::operator::OperatorCall::seal) and open the reply with the
    /// [`PendingReply`](crate::operator::PendingReply) it returns.
    ///
    /// # Errors
    /// * [`ResponseError::UnexpectedStatus`] when `status` is not `success`.
    /// * [`ResponseError::MalformedResponse`] when the document is not JSON, or `body` is missing or is
    ///   not `{"opted_out": [{"advertising_id": string, "opted_out_since": integer}]}`.
    pub fn parse_response(&self, document: &[u8]) -> Result<OptoutStatusResponse, ResponseError> {
        let body: Body = parse_success_body(document)?;
        Ok(OptoutStatusResponse {
            opted_out: body
                .opted_out
                .into_iter()
                .map(|e| OptedOut {
                    raw_uid: e.advertising_id,
                    since: Timestamp::from_millis(e.opted_out_since),
                })
                .collect(),
        })
    }
}

#[derive(Deserialize)]
struct Body {
    opted_out: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    advertising_id: String,
    opted_out_since: i64,
}

/// A raw UID2 that opted out. `Debug` redacts the raw UID2 (personal data).
#[derive(Clone, PartialEq, Eq)]
pub struct OptedOut {
    raw_uid: String,
    since: Timestamp,
}

impl fmt::Debug for OptedOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OptedOut")
            .field("raw_uid", &"<redacted>")
            .field("opted_out_since", &self.since)
            .finish()
    }
}

impl OptedOut {
    /// The raw UID2, as sent.
    #[must_use]
    pub fn raw_uid(&self) -> &str {
        &self.raw_uid
    }

    /// When the user opted out.
    #[must_use]
    pub const fn opted_out_since(&self) -> Timestamp {
        self.since
    }
}

/// The opted-out raw UID2s among those asked about, in the operator's order. An id that is not
/// listed has not opted out.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OptoutStatusResponse {
    opted_out: Vec<OptedOut>,
}

impl OptoutStatusResponse {
    /// The opted-out ids.
    #[must_use]
    pub fn opted_out(&self) -> &[OptedOut] {
        &self.opted_out
    }

    /// When `raw_uid` opted out, or `None` if it is not listed.
    #[must_use]
    pub fn opted_out_since(&self, raw_uid: &str) -> Option<Timestamp> {
        self.opted_out
            .iter()
            .find(|e| e.raw_uid == raw_uid)
            .map(|e| e.since)
    }
}

impl crate::operator::OperatorCall for OptoutStatusRequest {
    type Response = OptoutStatusResponse;
    const PATH: &'static str = "/v2/optout/status";
    const ENCODING: crate::envelope::BodyEncoding = crate::envelope::BodyEncoding::Text;

    /// Sized to the batch: see [`reply_limit::batch`](crate::envelope::reply_limit::batch).
    fn max_response_len(&self) -> usize {
        crate::envelope::reply_limit::batch(self.len(), self.body().len())
    }

    fn payload(&self) -> &[u8] {
        self.body()
    }

    fn read_reply(&self, document: &[u8]) -> Result<OptoutStatusResponse, ResponseError> {
        self.parse_response(document)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn limits_and_shapes() {
        let ids = vec!["x"; MAX_IDS_PER_REQUEST + 1];
        assert_eq!(
            OptoutStatusRequest::new(&ids).unwrap_err(),
            OptoutStatusError::TooManyIds {
                count: 5001,
                max: 5000
            }
        );
        let r = OptoutStatusRequest::new(&ids[1..]).unwrap();
        assert_eq!(r.len(), 5000);
        let r = OptoutStatusRequest::new::<[&str; 0]>([]).unwrap();
        assert_eq!(r.body(), br#"{"advertising_ids":[]}"#);
        let ok = r
            .parse_response(br#"{"status":"success","body":{"opted_out":[]}}"#)
            .unwrap();
        assert!(ok.opted_out().is_empty());
        for bad in [
            &br#"{"status":"success","body":{}}"#[..],
            br#"{"status":"success","body":{"opted_out":[{"advertising_id":"a"}]}}"#,
            br#"{"status":"success","body":{"opted_out":[{"advertising_id":"a","opted_out_since":"1"}]}}"#,
        ] {
            assert!(matches!(r.parse_response(bad), Err(ResponseError::MalformedResponse { .. })));
        }
    }
}
