//! One download of a key set (`POST /v2/key/bidstream` or `/v2/key/sharing`), keeping the
//! decrypted document: for tools that save a key-set snapshot to a file, or inspect one.
//!
//! Long-running clients use [`KeyRefresher`](super::key_refresh::KeyRefresher), which keeps
//! the key set fresh on a schedule and hands over parsed [`KeySet`]s. These requests are the
//! one-shot form: seal one with [`OperatorCall::seal`], send it, and the reply opens into a
//! [`KeySetDocument`]: the operator's JSON document, byte for byte, which
//! [`KeySet::parse`] reads (now or after it was stored).
//!
//! ```
//! use uid2::operator::OperatorCall;
//! use uid2::operator::key_set::{BidstreamKeysRequest, SharingKeysRequest};
//!
//! assert_eq!(BidstreamKeysRequest::PATH, "/v2/key/bidstream");
//! assert_eq!(SharingKeysRequest::PATH, "/v2/key/sharing");
//! assert!(BidstreamKeysRequest.payload().is_empty());
//! let reply = SharingKeysRequest.read_reply(br#"{"status":"success","body":{"keys":[]}}"#)?;
//! assert!(reply.parse()?.keys().is_empty());
//! # Ok::<(), Box<dyn core::error::Error>>(())
//! ```

use alloc::vec::Vec;
use core::fmt;

use zeroize::Zeroizing;

use super::OperatorCall;
use super::key_refresh::KeyEndpoint;
use super::response::parse_document;
use crate::envelope::{BodyEncoding, OperatorStatus, ResponseError};
use crate::{KeySet, KeySetError};

/// `POST /v2/key/bidstream`: the keys a DSP decrypts bid requests with (role `ID_READER`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BidstreamKeysRequest;

/// `POST /v2/key/sharing`: the keys a sharing participant encrypts and decrypts sharing tokens
/// with (role `SHARER` or `ID_READER`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SharingKeysRequest;

/// A decrypted key-set reply, kept as the operator sent it. It holds key secrets: the bytes are
/// wiped when it is dropped and `Debug` prints only their length.
#[derive(Clone)]
pub struct KeySetDocument {
    document: Zeroizing<Vec<u8>>,
}

impl fmt::Debug for KeySetDocument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeySetDocument")
            .field("len", &self.document.len())
            .finish_non_exhaustive()
    }
}

impl KeySetDocument {
    /// The JSON document (`{"body": {…}, "status": "success"}`), key secrets included.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.document
    }

    /// Parses the key set (see [`KeySet::parse`]).
    ///
    /// # Errors
    /// The [`KeySetError`] naming the field the operator got wrong.
    pub fn parse(&self) -> Result<KeySet, KeySetError> {
        KeySet::parse(&self.document)
    }
}

/// Checks the document's `status` and keeps the bytes.
fn read(document: &[u8]) -> Result<KeySetDocument, ResponseError> {
    let parsed = parse_document(document)?;
    if parsed.status != OperatorStatus::Success {
        return Err(ResponseError::UnexpectedStatus(parsed.status));
    }
    Ok(KeySetDocument {
        document: Zeroizing::new(document.to_vec()),
    })
}

impl OperatorCall for BidstreamKeysRequest {
    type Response = KeySetDocument;
    const PATH: &'static str = KeyEndpoint::Bidstream.path();
    const ENCODING: BodyEncoding = BodyEncoding::Text;

    fn payload(&self) -> &[u8] {
        &[]
    }

    fn read_reply(&self, document: &[u8]) -> Result<KeySetDocument, ResponseError> {
        read(document)
    }
}

impl OperatorCall for SharingKeysRequest {
    type Response = KeySetDocument;
    const PATH: &'static str = KeyEndpoint::Sharing.path();
    const ENCODING: BodyEncoding = BodyEncoding::Text;

    fn payload(&self) -> &[u8] {
        &[]
    }

    fn read_reply(&self, document: &[u8]) -> Result<KeySetDocument, ResponseError> {
        read(document)
    }
}

#[cfg(test)]
mod tests {
    extern crate alloc;
    use alloc::format;

    use super::*;

    #[test]
    fn keeps_the_document_and_rejects_other_statuses() {
        let doc = br#"{"body":{"identity_scope":"EUID","keys":[{"id":3,"created":1,"activates":1,"expires":2000000000,"secret":"iyXxrRJcJOilqBcSJsN7XKCIuShbraXdqBCppCaLCJs="}]},"status":"success"}"#;
        let reply = BidstreamKeysRequest.read_reply(doc).unwrap();
        assert_eq!(reply.as_bytes(), doc);
        let keys = reply.parse().unwrap();
        assert_eq!(keys.keys().len(), 1);
        assert_eq!(keys.identity_scope(), crate::IdentityScope::Euid);
        let debug = format!("{reply:?}");
        assert!(!debug.contains("iyXx"), "{debug}");
        assert!(matches!(
            SharingKeysRequest.read_reply(br#"{"status":"unauthorized"}"#),
            Err(ResponseError::UnexpectedStatus(
                OperatorStatus::Unauthorized
            ))
        ));
        assert!(matches!(
            SharingKeysRequest.read_reply(b"[]"),
            Err(ResponseError::MalformedResponse { .. })
        ));
    }
}
