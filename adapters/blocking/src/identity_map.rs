//! The legacy advertiser role: `POST /v2/identity/map` and `POST /v2/identity/buckets`.

use uid2::Timestamp;
use uid2::operator::identity_map_v2::{IdentityMapV2Request, IdentityMapV2Response};
use uid2::operator::salt_buckets::{SaltBucket, SaltBucketsRequest};

use crate::error::Error;
use crate::operator::Operator;

/// The legacy identity map (v2) and salt-bucket monitoring. The operator retires both endpoints
/// on 2026-09-30; use [`IdentityMapV3Client`](crate::IdentityMapV3Client) instead.
///
/// ```no_run
/// use uid2::operator::identity_map_v2::IdentityMapV2Request;
/// use uid2::Timestamp;
/// use uid2_blocking::{ClientConfig, IdentityMapClient};
///
/// let client = IdentityMapClient::new(ClientConfig::new("https://operator-integ.uidapi.com", "key", "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI=")?)?;
/// let response = client.generate_identity_map(IdentityMapV2Request::from_emails(["user@example.com"])?)?;
/// let rotated = client.get_identity_buckets(Timestamp::from_millis(1_700_000_000_000))?;
/// # let _ = (response, rotated);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct IdentityMapClient {
    operator: Operator,
}

impl IdentityMapClient {
    crate::operator::operator_client_constructors!();

    /// Maps one list of emails, phone numbers or hashes to raw UID2s and bucket ids.
    ///
    /// # Errors
    /// [`Error::Transport`], [`Error::Timeout`], [`Error::Http`], or [`Error::Core`] when the
    /// reply is rejected.
    pub fn generate_identity_map(
        &self,
        request: IdentityMapV2Request,
    ) -> Result<IdentityMapV2Response, Error> {
        self.operator.call(&request)
    }

    /// The salt buckets rotated at or after `since`: re-map the identities stored with those
    /// bucket ids.
    ///
    /// # Errors
    /// [`Error::Core`] when `since` is outside the years 1 to 9999 or the reply is rejected;
    /// otherwise as [`generate_identity_map`](Self::generate_identity_map).
    pub fn get_identity_buckets(&self, since: Timestamp) -> Result<Vec<SaltBucket>, Error> {
        self.operator.call(&SaltBucketsRequest::since(since)?)
    }
}
