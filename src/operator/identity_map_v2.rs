//! `POST /v2/identity/map` (legacy; the operator retires it on 2026-09-30, use
//! [`identity_map_v3`](super::identity_map_v3)): map one kind of identity to raw UID2s and
//! salt bucket ids.
//!
//! A request holds a single list: emails, phone numbers, email hashes or phone hashes. Raw
//! emails and phone numbers are normalized and hashed locally, so the body always carries
//! `email_hash` or `phone_hash`. The operator answers by hash (`identifier`); the results are
//! keyed by the caller's original input strings, and every input with the same hash gets the
//! same result.
//!
//! ```
//! use uid2::operator::identity_map_v2::IdentityMapV2Request;
//!
//! let request = IdentityMapV2Request::from_emails(["user@example.com", " USER@example.com"])?;
//! assert_eq!(
//!     request.body(),
//!     br#"{"email_hash":["tMmiiTI7IaAcPpQPFQ65uMVCWH8av9jw4cwf/F5HVRQ=","tMmiiTI7IaAcPpQPFQ65uMVCWH8av9jw4cwf/F5HVRQ="]}"#
//! );
//! let document = br#"{"status":"success","body":{"mapped":[
//!     {"identifier":"tMmiiTI7IaAcPpQPFQ65uMVCWH8av9jw4cwf/F5HVRQ=","advertising_id":"AdbtX79x6hPf3bppOU0ItRZF9ngIF9YMBCNdetwf","bucket_id":"b1"},
//!     {"identifier":"tMmiiTI7IaAcPpQPFQ65uMVCWH8av9jw4cwf/F5HVRQ=","advertising_id":"AdbtX79x6hPf3bppOU0ItRZF9ngIF9YMBCNdetwf","bucket_id":"b1"}]}}"#;
//! let response = request.parse_response(document)?;
//! assert_eq!(response.get_mapped(" USER@example.com").map(|m| m.bucket_id()), Some("b1"));
//! # Ok::<(), Box<dyn core::error::Error>>(())
//! ```

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use serde::Deserialize;

use super::identity_map_v3::UnmappedReason;
use super::map_document::{malformed, parse_success_body, push_json_str_array};
use crate::envelope::ResponseError;
use crate::identity::{self, IdentityError, IdentityKind};

/// The endpoint path.
pub const PATH: &str = "/v2/identity/map";

/// One `/v2/identity/map` request: the JSON body and the caller's inputs with the hashes sent
/// for them. `Debug` prints only the kind and count.
#[derive(Clone)]
pub struct IdentityMapV2Request {
    kind: IdentityKind,
    /// `(original input, hash sent)`, in request order; for hashed inputs both are the same.
    items: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Drop for IdentityMapV2Request {
    /// Wipes the caller's inputs (raw DII for emails and phones).
    fn drop(&mut self) {
        use zeroize::Zeroize as _;
        for (original, _) in &mut self.items {
            original.zeroize();
        }
    }
}

impl fmt::Debug for IdentityMapV2Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdentityMapV2Request")
            .field("kind", &self.kind)
            .field("len", &self.items.len())
            .finish_non_exhaustive()
    }
}

impl IdentityMapV2Request {
    /// A request for emails, each normalized and hashed here (an empty list is allowed).
    ///
    /// # Errors
    /// [`IdentityError::InvalidEmail`] at the first invalid email; no request is built.
    pub fn from_emails<I>(emails: I) -> Result<Self, IdentityError>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let items = emails
            .into_iter()
            .map(|e| {
                let e = e.as_ref();
                identity::hash_email(e).map(|h| (String::from(e), String::from(h.as_str())))
            })
            .collect::<Result<_, _>>()?;
        Ok(Self::new(IdentityKind::Email, items))
    }

    /// A request for phone numbers, each validated and hashed here.
    ///
    /// # Errors
    /// [`IdentityError::InvalidPhone`] at the first invalid phone number; no request is built.
    pub fn from_phones<I>(phones: I) -> Result<Self, IdentityError>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let items = phones
            .into_iter()
            .map(|p| {
                let p = p.as_ref();
                identity::hash_phone(p).map(|h| (String::from(p), String::from(h.as_str())))
            })
            .collect::<Result<_, _>>()?;
        Ok(Self::new(IdentityKind::Phone, items))
    }

    /// A request for email hashes: each standard base64 of a SHA-256 digest (44 characters) or
    /// 64 hexadecimal digits, sent as base64 (see [`identity::hashed_email`]); results are keyed
    /// by the text given. The check keeps a raw email passed here by mistake from being sent.
    ///
    /// # Errors
    /// [`IdentityError::InvalidHash`] at the first text that is not such a hash.
    pub fn from_email_hashes<I>(hashes: I) -> Result<Self, IdentityError>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        Ok(Self::new(
            IdentityKind::Email,
            checked_hashes(hashes, identity::hashed_email)?,
        ))
    }

    /// A request for phone hashes (see [`from_email_hashes`](Self::from_email_hashes)).
    ///
    /// # Errors
    /// [`IdentityError::InvalidHash`] at the first text that is not such a hash.
    pub fn from_phone_hashes<I>(hashes: I) -> Result<Self, IdentityError>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        Ok(Self::new(
            IdentityKind::Phone,
            checked_hashes(hashes, identity::hashed_phone)?,
        ))
    }

    fn new(kind: IdentityKind, items: Vec<(String, String)>) -> Self {
        let name = match kind {
            IdentityKind::Email => "email_hash",
            IdentityKind::Phone => "phone_hash",
        };
        let mut body = Vec::with_capacity(items.len().saturating_mul(47).saturating_add(20));
        body.push(b'{');
        push_json_str_array(&mut body, name, items.iter().map(|(_, h)| h.as_str()));
        body.push(b'}');
        Self { kind, items, body }
    }

    /// The plaintext JSON body: `{"email_hash":[…]}` or `{"phone_hash":[…]}`, one element per
    /// input, duplicates included.
    #[must_use]
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// Whether the inputs are emails or phone numbers (or their hashes).
    #[must_use]
    pub const fn kind(&self) -> IdentityKind {
        self.kind
    }

    /// The number of inputs.
    #[must_use]
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether there are no inputs.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Reads the decrypted response document. A missing `mapped` or `unmapped` list is empty.
    ///
    /// To send the request and read its reply in one typed step, use
    /// [`OperatorCall::seal`](crate::operator::OperatorCall::seal) and open the reply with the
    /// [`PendingReply`](crate::operator::PendingReply) it returns.
    ///
    /// # Errors
    /// * [`ResponseError::UnexpectedStatus`] when `status` is not `success`.
    /// * [`ResponseError::MalformedResponse`] when the document is not JSON, `body` is missing or not
    ///   an object of the documented shape, or an `identifier` is not one of the hashes sent.
    pub fn parse_response(&self, document: &[u8]) -> Result<IdentityMapV2Response, ResponseError> {
        let body: Body = parse_success_body(document)?;
        let mut originals: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (original, hash) in &self.items {
            originals
                .entry(hash.as_str())
                .or_default()
                .push(original.as_str());
        }
        let lookup = |identifier: &str| {
            originals
                .get(identifier)
                .ok_or(malformed("an identifier is not one of the hashes sent"))
        };
        let mut response = IdentityMapV2Response::default();
        for entry in body.mapped.unwrap_or_default() {
            for original in lookup(&entry.identifier)? {
                response.mapped.insert(
                    String::from(*original),
                    MappedIdentityV2 {
                        raw_uid: entry.advertising_id.clone(),
                        bucket_id: entry.bucket_id.clone(),
                    },
                );
            }
        }
        for entry in body.unmapped.unwrap_or_default() {
            for original in lookup(&entry.identifier)? {
                response.unmapped.insert(
                    String::from(*original),
                    UnmappedIdentityV2 {
                        reason: entry.reason.clone(),
                    },
                );
            }
        }
        Ok(response)
    }
}

/// Each caller hash (the result key) with the base64 form that is sent.
fn checked_hashes<I>(
    hashes: I,
    check: fn(&str) -> Result<identity::HashedIdentity, IdentityError>,
) -> Result<Vec<(String, String)>, IdentityError>
where
    I: IntoIterator,
    I::Item: AsRef<str>,
{
    hashes
        .into_iter()
        .map(|h| {
            let parsed = check(h.as_ref())?;
            Ok((String::from(h.as_ref()), String::from(parsed.as_str())))
        })
        .collect()
}

#[derive(Deserialize)]
struct Body {
    #[serde(default)]
    mapped: Option<Vec<MappedEntry>>,
    #[serde(default)]
    unmapped: Option<Vec<UnmappedEntry>>,
}

#[derive(Deserialize)]
struct MappedEntry {
    identifier: String,
    advertising_id: String,
    bucket_id: String,
}

#[derive(Deserialize)]
struct UnmappedEntry {
    identifier: String,
    reason: String,
}

/// A mapped identity: its raw UID2 and the salt bucket it belongs to. `Debug` redacts the raw
/// UID2 (personal data).
#[derive(Clone, PartialEq, Eq)]
pub struct MappedIdentityV2 {
    raw_uid: String,
    bucket_id: String,
}

impl fmt::Debug for MappedIdentityV2 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MappedIdentityV2")
            .field("raw_uid", &"<redacted>")
            .field("bucket_id", &self.bucket_id)
            .finish()
    }
}

impl MappedIdentityV2 {
    /// The raw UID2 (`advertising_id`; base64, treat as opaque).
    #[must_use]
    pub fn raw_uid(&self) -> &str {
        &self.raw_uid
    }

    /// The salt bucket id; when [`salt_buckets`](super::salt_buckets) reports this bucket as
    /// rotated, map the identity again.
    #[must_use]
    pub fn bucket_id(&self) -> &str {
        &self.bucket_id
    }
}

/// An identity the operator did not map.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnmappedIdentityV2 {
    reason: String,
}

impl UnmappedIdentityV2 {
    /// The operator's reason, verbatim (`optout` or `invalid identifier`).
    #[must_use]
    pub fn raw_reason(&self) -> &str {
        &self.reason
    }

    /// The reason, classified.
    #[must_use]
    pub fn reason(&self) -> UnmappedReason {
        UnmappedReason::from_operator(&self.reason)
    }
}

/// Results keyed by the caller's original input strings. `Debug` prints only the counts.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct IdentityMapV2Response {
    mapped: BTreeMap<String, MappedIdentityV2>,
    unmapped: BTreeMap<String, UnmappedIdentityV2>,
}

impl fmt::Debug for IdentityMapV2Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdentityMapV2Response")
            .field("mapped", &self.mapped.len())
            .field("unmapped", &self.unmapped.len())
            .finish()
    }
}

impl IdentityMapV2Response {
    /// Mapped identities by original input.
    #[must_use]
    pub const fn mapped(&self) -> &BTreeMap<String, MappedIdentityV2> {
        &self.mapped
    }

    /// Unmapped identities by original input.
    #[must_use]
    pub const fn unmapped(&self) -> &BTreeMap<String, UnmappedIdentityV2> {
        &self.unmapped
    }

    /// The mapping of one original input, if it was mapped.
    #[must_use]
    pub fn get_mapped(&self, input: &str) -> Option<&MappedIdentityV2> {
        self.mapped.get(input)
    }

    /// Why one original input was not mapped, if it was not.
    #[must_use]
    pub fn get_unmapped(&self, input: &str) -> Option<&UnmappedIdentityV2> {
        self.unmapped.get(input)
    }
}

impl crate::operator::OperatorCall for IdentityMapV2Request {
    type Response = IdentityMapV2Response;
    const PATH: &'static str = "/v2/identity/map";
    const ENCODING: crate::envelope::BodyEncoding = crate::envelope::BodyEncoding::Text;

    /// Sized to the batch: see [`reply_limit::batch`](crate::envelope::reply_limit::batch).
    fn max_response_len(&self) -> usize {
        crate::envelope::reply_limit::batch(self.len(), self.body().len())
    }

    fn payload(&self) -> &[u8] {
        self.body()
    }

    fn read_reply(&self, document: &[u8]) -> Result<IdentityMapV2Response, ResponseError> {
        self.parse_response(document)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_identifier_is_malformed() {
        let h1 = "tMmiiTI7IaAcPpQPFQ65uMVCWH8av9jw4cwf/F5HVRQ=";
        let r = IdentityMapV2Request::from_phone_hashes([h1]).unwrap();
        assert_eq!(
            r.body(),
            br#"{"phone_hash":["tMmiiTI7IaAcPpQPFQ65uMVCWH8av9jw4cwf/F5HVRQ="]}"#
        );
        assert_eq!(
            IdentityMapV2Request::from_email_hashes([h1, "user@example.com"]).err(),
            Some(IdentityError::InvalidHash {
                kind: IdentityKind::Email
            })
        );
        let doc =
            br#"{"status":"success","body":{"unmapped":[{"identifier":"h2","reason":"optout"}]}}"#;
        assert!(matches!(
            r.parse_response(doc),
            Err(ResponseError::MalformedResponse { .. })
        ));
        let doc = alloc::format!(
            r#"{{"status":"success","body":{{"unmapped":[{{"identifier":"{h1}","reason":"optout"}}]}}}}"#
        );
        let resp = r.parse_response(doc.as_bytes()).unwrap();
        assert_eq!(
            resp.get_unmapped(h1).unwrap().reason(),
            UnmappedReason::OptOut
        );
        assert_eq!(
            IdentityMapV2Request::from_emails(["x"]).unwrap_err(),
            IdentityError::InvalidEmail
        );
        let empty = IdentityMapV2Request::from_emails::<[&str; 0]>([]).unwrap();
        assert_eq!(empty.body(), br#"{"email_hash":[]}"#);
    }
}
