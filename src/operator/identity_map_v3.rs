//! `POST /v3/identity/map`: map emails, phone numbers and their hashes to raw UID2s.
//!
//! 1. Collect inputs in an [`IdentityMapV3Input`]: raw emails and phone numbers are normalized
//!    and hashed locally (an invalid one is rejected at once, before anything is sent);
//!    caller-supplied hashes must be SHA-256 hashes (44 base64 characters, or 64 hex digits sent
//!    as base64) and are refused otherwise, so a raw email given as a hash is never sent.
//! 2. Turn it into one [`IdentityMapV3Request`] ([`IdentityMapV3Input::into_request`]) or into
//!    several that respect the operator's limits ([`IdentityMapV3Input::into_batches`]).
//! 3. Send each [`IdentityMapV3Request::body`] (plaintext JSON, to be sealed in the request
//!    envelope) and give the decrypted response document to
//!    [`IdentityMapV3Request::parse_response`].
//! 4. Look results up by the caller's original input strings; [`IdentityMapV3Response::merge`]
//!    combines the results of several batches.
//!
//! ```
//! use uid2::operator::identity_map_v3::{IdentityMapV3Input, UnmappedReason};
//!
//! let mut input = IdentityMapV3Input::new();
//! input.add_email("user@example.com")?;
//! input.add_phone("+12345678901")?;
//! let request = input.into_request();
//! assert_eq!(
//!     request.body(),
//!     br#"{"email_hash":["tMmiiTI7IaAcPpQPFQ65uMVCWH8av9jw4cwf/F5HVRQ="],"phone_hash":["EObwtHBUqDNZR33LNSMdtt5cafsYFuGmuY4ZLenlue4="]}"#
//! );
//!
//! // The decrypted response document, as the envelope layer hands it over.
//! let document = br#"{"status":"success","body":{
//!     "email_hash":[{"u":"AdbtX79x6hPf3bppOU0ItRZF9ngIF9YMBCNdetwfqhj7","p":null,"r":1735689600}],
//!     "phone_hash":[{"e":"optout"}]}}"#;
//! let response = request.parse_response(document)?;
//! let mapped = response.get_mapped("user@example.com").expect("mapped");
//! assert_eq!(mapped.refresh_from().as_millis(), 1_735_689_600_000);
//! assert_eq!(response.get_unmapped("+12345678901").map(|u| u.reason()), Some(UnmappedReason::OptOut));
//! # Ok::<(), Box<dyn core::error::Error>>(())
//! ```

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use serde::{Deserialize, Deserializer};

use super::map_document::{json_str_len, malformed, parse_success_body, push_json_str_array};
use crate::Timestamp;
use crate::envelope::ResponseError;
use crate::identity::{self, HashedIdentity, IdentityError, IdentityKind};

/// The endpoint path.
pub const PATH: &str = "/v3/identity/map";

/// Most identities the operator's documentation allows in one request (across both lists).
pub const MAX_ITEMS_PER_REQUEST: usize = 5_000;

/// Largest plaintext JSON body that fits the operator's 1 MiB request limit once sealed in the
/// request envelope and sent in binary mode (1,048,576 bytes minus 45 bytes of envelope).
pub const MAX_BODY_BYTES_BINARY: usize = 1_048_531;

/// The same limit when the envelope is sent as base64 text (4/3 larger on the wire).
pub const MAX_BODY_BYTES_TEXT: usize = 786_387;

/// `{"email_hash":[],"phone_hash":[]}`: the body with no identities.
const EMPTY_BODY_LEN: usize = 33;

/// What a hash in the request is: computed here, or the caller's own string.
#[derive(Clone)]
enum Hash {
    Computed(HashedIdentity),
    /// The caller supplied the hash; it is the original input itself.
    Original,
}

/// One identity as the caller gave it, with the hash that is sent for it.
#[derive(Clone)]
struct Item {
    /// The caller's input (raw DII for emails and phones): wiped when the request is dropped.
    original: zeroize::Zeroizing<String>,
    hash: Hash,
}

impl Item {
    fn hash(&self) -> &str {
        match &self.hash {
            Hash::Computed(h) => h.as_str(),
            Hash::Original => &self.original,
        }
    }

    /// The hash's bytes: the same order and equality as [`Item::hash`], without checking that
    /// a computed hash is UTF-8 on every comparison.
    fn hash_bytes(&self) -> &[u8] {
        match &self.hash {
            Hash::Computed(h) => h.as_bytes(),
            Hash::Original => self.original.as_bytes(),
        }
    }
}

/// Identities to map, in the order they were added. Build requests from it with
/// [`into_request`](Self::into_request) or [`into_batches`](Self::into_batches).
///
/// `Debug` prints only the number of identities, never the inputs.
#[derive(Clone, Default)]
pub struct IdentityMapV3Input {
    items: Vec<(IdentityKind, Item)>,
}

impl fmt::Debug for IdentityMapV3Input {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdentityMapV3Input")
            .field("len", &self.items.len())
            .finish_non_exhaustive()
    }
}

impl IdentityMapV3Input {
    /// No identities yet.
    #[must_use]
    pub const fn new() -> Self {
        Self { items: Vec::new() }
    }

    /// No identities yet, with room for `capacity` of them.
    #[must_use]
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            items: Vec::with_capacity(capacity),
        }
    }

    /// Inputs made only of emails.
    ///
    /// # Errors
    /// [`IdentityError::InvalidEmail`] at the first invalid email.
    pub fn from_emails<I>(emails: I) -> Result<Self, IdentityError>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let mut input = Self::new();
        for email in emails {
            input.add_email(email.as_ref())?;
        }
        Ok(input)
    }

    /// Inputs made only of phone numbers.
    ///
    /// # Errors
    /// [`IdentityError::InvalidPhone`] at the first invalid phone number.
    pub fn from_phones<I>(phones: I) -> Result<Self, IdentityError>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let mut input = Self::new();
        for phone in phones {
            input.add_phone(phone.as_ref())?;
        }
        Ok(input)
    }

    /// Adds an email: normalized and hashed here (see [`identity::hash_email`]).
    ///
    /// # Errors
    /// [`IdentityError::InvalidEmail`] when it is not a valid email; nothing is added.
    pub fn add_email(&mut self, email: &str) -> Result<&mut Self, IdentityError> {
        let hash = identity::hash_email(email)?;
        Ok(self.push(IdentityKind::Email, email, Hash::Computed(hash)))
    }

    /// Adds a phone number: validated and hashed here (see [`identity::hash_phone`]).
    ///
    /// # Errors
    /// [`IdentityError::InvalidPhone`] when it is not `+` and 10 to 15 ASCII digits; nothing is
    /// added.
    pub fn add_phone(&mut self, phone: &str) -> Result<&mut Self, IdentityError> {
        let hash = identity::hash_phone(phone)?;
        Ok(self.push(IdentityKind::Phone, phone, Hash::Computed(hash)))
    }

    /// Adds the hash of an email the caller normalized and hashed: standard base64 of the
    /// SHA-256 digest (44 characters), or 64 hexadecimal digits, sent as base64 (see
    /// [`identity::hashed_email`]). The text given is the input key of the result.
    ///
    /// The check keeps a raw email passed here by mistake from leaving the process: it would
    /// otherwise be sent to the operator as is.
    ///
    /// # Errors
    /// [`IdentityError::InvalidHash`] when the text is not such a hash; nothing is added.
    pub fn add_email_hash(&mut self, hash: &str) -> Result<&mut Self, IdentityError> {
        let parsed = identity::hashed_email(hash)?;
        Ok(self.push(IdentityKind::Email, hash, Hash::Computed(parsed)))
    }

    /// Adds the hash of a phone number (see [`add_email_hash`](Self::add_email_hash)).
    ///
    /// # Errors
    /// [`IdentityError::InvalidHash`] when the text is not such a hash; nothing is added.
    pub fn add_phone_hash(&mut self, hash: &str) -> Result<&mut Self, IdentityError> {
        let parsed = identity::hashed_phone(hash)?;
        Ok(self.push(IdentityKind::Phone, hash, Hash::Computed(parsed)))
    }

    /// Adds an already computed or checked hash; its text is the input key of the result.
    pub fn add_hashed(&mut self, hash: HashedIdentity) -> &mut Self {
        self.push(hash.kind(), hash.as_str(), Hash::Original)
    }

    fn push(&mut self, kind: IdentityKind, original: &str, hash: Hash) -> &mut Self {
        self.items.push((
            kind,
            Item {
                original: zeroize::Zeroizing::new(String::from(original)),
                hash,
            },
        ));
        self
    }

    /// The number of identities added (duplicates included).
    #[must_use]
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether nothing was added.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// One request with every identity, whatever its size. With no identities the body is
    /// `{"email_hash":[],"phone_hash":[]}`.
    #[must_use]
    pub fn into_request(self) -> IdentityMapV3Request {
        let mut email = Vec::new();
        let mut phone = Vec::new();
        for (kind, item) in self.items {
            match kind {
                IdentityKind::Email => email.push(item),
                IdentityKind::Phone => phone.push(item),
            }
        }
        IdentityMapV3Request::new(email, phone)
    }

    /// Splits the identities, in order, into requests that each hold at most
    /// `limits.max_items()` identities and a body of at most `limits.max_body_bytes()` bytes.
    /// Each request fills up before the next starts; no identities → no requests.
    ///
    /// # Errors
    /// [`BatchError::ItemTooLarge`] when one identity alone does not fit the body limit (only
    /// possible with long caller-supplied hashes or a small limit).
    pub fn into_batches(
        self,
        limits: BatchLimits,
    ) -> Result<Vec<IdentityMapV3Request>, BatchError> {
        let mut batches = Vec::new();
        let mut email: Vec<Item> = Vec::new();
        let mut phone: Vec<Item> = Vec::new();
        let mut size = EMPTY_BODY_LEN;
        for (index, (kind, item)) in self.items.into_iter().enumerate() {
            let bare = json_str_len(item.hash());
            if bare.saturating_add(EMPTY_BODY_LEN) > limits.max_body_bytes {
                return Err(BatchError::ItemTooLarge {
                    index,
                    required: bare.saturating_add(EMPTY_BODY_LEN),
                });
            }
            let count = email.len().saturating_add(phone.len());
            let list_is_empty = match kind {
                IdentityKind::Email => email.is_empty(),
                IdentityKind::Phone => phone.is_empty(),
            };
            // A comma separates the item from the previous one in its list.
            let grown = size
                .saturating_add(bare)
                .saturating_add(usize::from(!list_is_empty));
            if count > 0 && (count >= limits.max_items || grown > limits.max_body_bytes) {
                batches.push(IdentityMapV3Request::new(
                    core::mem::take(&mut email),
                    core::mem::take(&mut phone),
                ));
                size = EMPTY_BODY_LEN.saturating_add(bare);
            } else {
                size = grown;
            }
            match kind {
                IdentityKind::Email => email.push(item),
                IdentityKind::Phone => phone.push(item),
            }
        }
        if !email.is_empty() || !phone.is_empty() {
            batches.push(IdentityMapV3Request::new(email, phone));
        }
        Ok(batches)
    }
}

/// Per-request limits for [`IdentityMapV3Input::into_batches`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchLimits {
    max_items: usize,
    max_body_bytes: usize,
}

impl BatchLimits {
    /// The operator's limits: [`MAX_ITEMS_PER_REQUEST`] identities and
    /// [`MAX_BODY_BYTES_BINARY`] bytes of JSON (the endpoint is sent in binary mode).
    pub const DEFAULT: Self = Self {
        max_items: MAX_ITEMS_PER_REQUEST,
        max_body_bytes: MAX_BODY_BYTES_BINARY,
    };

    /// Custom limits (for example [`MAX_BODY_BYTES_TEXT`] when the envelope is sent as base64
    /// text, or smaller batches). A `max_items` of 0 is treated as 1.
    #[must_use]
    pub const fn new(max_items: usize, max_body_bytes: usize) -> Self {
        Self {
            max_items: if max_items == 0 { 1 } else { max_items },
            max_body_bytes,
        }
    }

    /// Most identities per request.
    #[must_use]
    pub const fn max_items(&self) -> usize {
        self.max_items
    }

    /// Most bytes of JSON body per request.
    #[must_use]
    pub const fn max_body_bytes(&self) -> usize {
        self.max_body_bytes
    }
}

impl Default for BatchLimits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Why identities could not be split into requests.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BatchError {
    /// One identity alone makes a body larger than the limit.
    ItemTooLarge {
        /// Its position among the inputs, counting from 0 in the order they were added.
        index: usize,
        /// The body size a request holding only this identity would have.
        required: usize,
    },
}

impl fmt::Display for BatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ItemTooLarge { index, required } => write!(
                f,
                "identity #{index} alone needs a {required}-byte request body, over the limit"
            ),
        }
    }
}

impl core::error::Error for BatchError {}

/// One `/v3/identity/map` request: the JSON body, and what is needed to map the answer back to
/// the caller's inputs.
///
/// The same request may be sent again (in a new envelope) after a failure. `Debug` prints only
/// the counts.
#[derive(Clone)]
pub struct IdentityMapV3Request {
    body: Vec<u8>,
    email: Vec<Item>,
    phone: Vec<Item>,
}

impl fmt::Debug for IdentityMapV3Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdentityMapV3Request")
            .field("email_hashes", &self.email.len())
            .field("phone_hashes", &self.phone.len())
            .field("body_len", &self.body.len())
            .finish_non_exhaustive()
    }
}

impl IdentityMapV3Request {
    fn new(email: Vec<Item>, phone: Vec<Item>) -> Self {
        // 47 bytes per hash: 44 characters, two quotes and a comma.
        let capacity = email
            .len()
            .saturating_add(phone.len())
            .saturating_mul(47)
            .saturating_add(EMPTY_BODY_LEN);
        let mut body = Vec::with_capacity(capacity);
        body.push(b'{');
        push_json_str_array(&mut body, "email_hash", email.iter().map(Item::hash));
        body.push(b',');
        push_json_str_array(&mut body, "phone_hash", phone.iter().map(Item::hash));
        body.push(b'}');
        Self { body, email, phone }
    }

    /// The plaintext JSON body: `{"email_hash":[…],"phone_hash":[…]}`, both members always
    /// present, in the order the identities were added.
    #[must_use]
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The number of identities in this request.
    #[must_use]
    pub fn len(&self) -> usize {
        self.email.len().saturating_add(self.phone.len())
    }

    /// Whether this request holds no identity.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.email.is_empty() && self.phone.is_empty()
    }

    /// Reads the decrypted response document (`{"status": "success", "body": {…}}`).
    ///
    /// Entry *i* of the response's `email_hash` (or `phone_hash`) list answers the *i*-th hash
    /// sent in that list. Its result is recorded for every input of that list whose hash is the
    /// same; when a hash was sent more than once, a later position overwrites an earlier one in
    /// the same table, so such an input can be both mapped and unmapped.
    ///
    /// To send the request and read its reply in one typed step, use
    /// [`OperatorCall::seal`](crate::operator::OperatorCall::seal) and open the reply with the
    /// [`PendingReply`](crate::operator::PendingReply) it returns.
    ///
    /// # Errors
    /// * [`ResponseError::UnexpectedStatus`] when `status` is not `success`.
    /// * [`ResponseError::MalformedResponse`] when the document is not JSON; `body` is missing or has a
    ///   member other than `email_hash`, `phone_hash`, `email`, `phone`; an entry is neither
    ///   `{"u", "p", "r"}` (all present, `p` may be null) nor `{"e"}`; or a list's length
    ///   differs from the number of hashes sent in it.
    pub fn parse_response(&self, document: &[u8]) -> Result<IdentityMapV3Response, ResponseError> {
        let body: Body = parse_success_body(document)?;
        let mut response = IdentityMapV3Response::default();
        apply(
            &mut response,
            &self.email,
            body.email_hash.unwrap_or_default(),
        )?;
        apply(
            &mut response,
            &self.phone,
            body.phone_hash.unwrap_or_default(),
        )?;
        Ok(response)
    }
}

/// Records the results of one list. `sent` and `entries` are positionally aligned.
fn apply(
    response: &mut IdentityMapV3Response,
    sent: &[Item],
    entries: Vec<Entry>,
) -> Result<(), ResponseError> {
    if entries.len() != sent.len() {
        return Err(malformed(
            "a result list's length differs from the number of hashes sent",
        ));
    }
    let results = entries
        .into_iter()
        .map(Entry::into_result)
        .collect::<Result<Vec<_>, _>>()?;
    // Group positions by hash (a stable sort keeps each group in position order), so that every
    // input sharing a hash gets the last mapped and the last unmapped answer for that hash.
    let mut order: Vec<usize> = (0..sent.len()).collect();
    let hash_at = |i: usize| sent.get(i).map(Item::hash_bytes);
    order.sort_by(|&a, &b| hash_at(a).cmp(&hash_at(b)));
    // `(position of the answer, group)`, one per group and table.
    let mut mapped: Vec<(usize, &[usize])> = Vec::new();
    let mut unmapped: Vec<(usize, &[usize])> = Vec::new();
    for group in order.chunk_by(|&a, &b| hash_at(a) == hash_at(b)) {
        let last = |want_mapped: bool| {
            group.iter().rev().copied().find(|&i| {
                matches!(
                    (results.get(i), want_mapped),
                    (Some(EntryResult::Mapped(_)), true) | (Some(EntryResult::Unmapped(_)), false)
                )
            })
        };
        if let Some(i) = last(true) {
            mapped.push((i, group));
        }
        if let Some(i) = last(false) {
            unmapped.push((i, group));
        }
    }
    // Record in position order, so that when one input string sits in two groups (a raw value
    // and a pass-through hash spelled the same) the later position wins, as for a single group.
    mapped.sort_unstable_by_key(|&(i, _)| i);
    unmapped.sort_unstable_by_key(|&(i, _)| i);
    for (i, group) in mapped {
        if let Some(EntryResult::Mapped(m)) = results.get(i) {
            for item in group.iter().filter_map(|&j| sent.get(j)) {
                response
                    .mapped
                    .insert(String::clone(&item.original), m.clone());
            }
        }
    }
    for (i, group) in unmapped {
        if let Some(EntryResult::Unmapped(u)) = results.get(i) {
            for item in group.iter().filter_map(|&j| sent.get(j)) {
                response
                    .unmapped
                    .insert(String::clone(&item.original), u.clone());
            }
        }
    }
    Ok(())
}

/// The response `body`: unknown members are an error; `email` and `phone` are ignored.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    #[serde(default)]
    email_hash: Option<Vec<Entry>>,
    #[serde(default)]
    phone_hash: Option<Vec<Entry>>,
    #[serde(default)]
    #[expect(
        dead_code,
        reason = "accepted and ignored: the client never sends raw lists"
    )]
    email: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    #[expect(
        dead_code,
        reason = "accepted and ignored: the client never sends raw lists"
    )]
    phone: Option<serde::de::IgnoredAny>,
}

/// One result entry, before it is classified.
#[derive(Deserialize)]
struct Entry {
    #[serde(default)]
    u: Option<String>,
    /// `None`: absent; `Some(None)`: `null`.
    #[serde(default, deserialize_with = "present")]
    p: Option<Option<String>>,
    #[serde(default)]
    r: Option<i64>,
    #[serde(default)]
    e: Option<String>,
}

/// Deserializes a member that is present (possibly `null`) as `Some(..)`.
fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

enum EntryResult {
    Mapped(MappedIdentity),
    Unmapped(UnmappedIdentity),
}

impl Entry {
    fn into_result(self) -> Result<EntryResult, ResponseError> {
        match self {
            Self {
                u: Some(current),
                p: Some(previous),
                r: Some(r),
                e: None,
            } => {
                let refresh_from =
                    Timestamp::from_secs(r).ok_or(malformed("refresh time `r` out of range"))?;
                Ok(EntryResult::Mapped(MappedIdentity {
                    current_raw_uid: current,
                    previous_raw_uid: previous,
                    refresh_from,
                }))
            }
            Self {
                u: None,
                p: None,
                r: None,
                e: Some(raw),
            } => Ok(EntryResult::Unmapped(UnmappedIdentity {
                reason: UnmappedReason::from_operator(&raw),
                raw_reason: raw,
            })),
            _ => Err(malformed("an entry is neither {u, p, r} nor {e}")),
        }
    }
}

/// A mapped identity: its current raw UID2, the previous one if it rotated recently, and when
/// it may change.
///
/// `Debug` redacts the raw UID2s (personal data), like [`IdentityTokens`](super::IdentityTokens)
/// does its tokens.
#[derive(Clone, PartialEq, Eq)]
pub struct MappedIdentity {
    current_raw_uid: String,
    previous_raw_uid: Option<String>,
    refresh_from: Timestamp,
}

impl fmt::Debug for MappedIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MappedIdentity")
            .field("current_raw_uid", &"<redacted>")
            .field("has_previous_raw_uid", &self.previous_raw_uid.is_some())
            .field("refresh_from", &self.refresh_from)
            .finish()
    }
}

impl MappedIdentity {
    /// The current raw UID2 (base64, 44 characters; treat as opaque).
    #[must_use]
    pub fn current_raw_uid(&self) -> &str {
        &self.current_raw_uid
    }

    /// The raw UID2 before the last rotation, if it rotated within the last 90 days.
    #[must_use]
    pub fn previous_raw_uid(&self) -> Option<&str> {
        self.previous_raw_uid.as_deref()
    }

    /// When the raw UID2 may change (the operator sends whole seconds). It never changes before.
    #[must_use]
    pub const fn refresh_from(&self) -> Timestamp {
        self.refresh_from
    }

    /// Whether the identity should be mapped again: `now` (in whole seconds) has reached
    /// [`refresh_from`](Self::refresh_from).
    #[must_use]
    pub const fn is_refresh_due(&self, now: Timestamp) -> bool {
        now.as_secs_floor() >= self.refresh_from.as_secs_floor()
    }
}

/// Why the operator did not map an identity.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnmappedReason {
    /// The user opted out (`optout`).
    OptOut,
    /// The operator could not read the identifier, e.g. a malformed hash (`invalid identifier`).
    InvalidIdentifier,
    /// Any other reason; the operator's text is kept alongside.
    Unknown,
}

impl UnmappedReason {
    /// Classifies the operator's reason string.
    #[must_use]
    pub fn from_operator(reason: &str) -> Self {
        match reason {
            "optout" => Self::OptOut,
            "invalid identifier" => Self::InvalidIdentifier,
            _ => Self::Unknown,
        }
    }

    /// `OPTOUT`, `INVALID_IDENTIFIER` or `UNKNOWN`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::OptOut => "OPTOUT",
            Self::InvalidIdentifier => "INVALID_IDENTIFIER",
            Self::Unknown => "UNKNOWN",
        }
    }
}

impl fmt::Display for UnmappedReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An identity the operator did not map.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnmappedIdentity {
    reason: UnmappedReason,
    raw_reason: String,
}

impl UnmappedIdentity {
    /// The reason, classified.
    #[must_use]
    pub const fn reason(&self) -> UnmappedReason {
        self.reason
    }

    /// The reason exactly as the operator sent it.
    #[must_use]
    pub fn raw_reason(&self) -> &str {
        &self.raw_reason
    }
}

/// Results keyed by the caller's original input strings (exact strings: `A@x.com` and
/// `a@x.com` are two keys; the same string given twice is one key).
///
/// `Debug` prints only the counts, never the inputs.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct IdentityMapV3Response {
    mapped: BTreeMap<String, MappedIdentity>,
    unmapped: BTreeMap<String, UnmappedIdentity>,
}

impl fmt::Debug for IdentityMapV3Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdentityMapV3Response")
            .field("mapped", &self.mapped.len())
            .field("unmapped", &self.unmapped.len())
            .finish()
    }
}

impl IdentityMapV3Response {
    /// Mapped identities by original input.
    #[must_use]
    pub const fn mapped(&self) -> &BTreeMap<String, MappedIdentity> {
        &self.mapped
    }

    /// Unmapped identities by original input.
    #[must_use]
    pub const fn unmapped(&self) -> &BTreeMap<String, UnmappedIdentity> {
        &self.unmapped
    }

    /// The mapping of one original input, if it was mapped.
    #[must_use]
    pub fn get_mapped(&self, input: &str) -> Option<&MappedIdentity> {
        self.mapped.get(input)
    }

    /// Why one original input was not mapped, if it was not.
    #[must_use]
    pub fn get_unmapped(&self, input: &str) -> Option<&UnmappedIdentity> {
        self.unmapped.get(input)
    }

    /// Adds the results of another request (for example the next batch); on a key present in
    /// both, `other` wins.
    pub fn merge(&mut self, mut other: Self) {
        // `append` moves the entries in one linear pass (later ones win, as with `extend`).
        self.mapped.append(&mut other.mapped);
        self.unmapped.append(&mut other.unmapped);
    }

    /// The two tables: `(mapped, unmapped)`.
    #[must_use]
    pub fn into_parts(
        self,
    ) -> (
        BTreeMap<String, MappedIdentity>,
        BTreeMap<String, UnmappedIdentity>,
    ) {
        (self.mapped, self.unmapped)
    }
}

impl crate::operator::OperatorCall for IdentityMapV3Request {
    type Response = IdentityMapV3Response;
    const PATH: &'static str = "/v3/identity/map";
    const ENCODING: crate::envelope::BodyEncoding = crate::envelope::BodyEncoding::Binary;

    /// Sized to the batch: see [`reply_limit::batch`](crate::envelope::reply_limit::batch).
    fn max_response_len(&self) -> usize {
        crate::envelope::reply_limit::batch(self.len(), self.body().len())
    }

    fn payload(&self) -> &[u8] {
        self.body()
    }

    fn read_reply(&self, document: &[u8]) -> Result<IdentityMapV3Response, ResponseError> {
        self.parse_response(document)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;

    fn body_str(r: &IdentityMapV3Request) -> &str {
        core::str::from_utf8(r.body()).unwrap()
    }

    #[test]
    fn empty_and_escaped_bodies() {
        let r = IdentityMapV3Input::new().into_request();
        assert_eq!(body_str(&r), r#"{"email_hash":[],"phone_hash":[]}"#);
        assert_eq!(r.body().len(), EMPTY_BODY_LEN);
    }

    /// The base64 SHA-256 of `n@x.com`: a valid caller hash.
    fn h(n: &str) -> String {
        identity::hash_email(&format!("{n}@x.com"))
            .unwrap()
            .as_str()
            .into()
    }

    #[test]
    fn caller_hashes_are_checked_and_sent_as_base64() {
        let mut input = IdentityMapV3Input::new();
        for bad in ["user@example.com", "a\"b", "", "AAAA", &"A".repeat(44)] {
            assert_eq!(
                input.add_email_hash(bad).err(),
                Some(IdentityError::InvalidHash {
                    kind: IdentityKind::Email
                }),
                "{bad}"
            );
            assert!(input.add_phone_hash(bad).is_err(), "{bad}");
        }
        assert!(input.is_empty(), "nothing is added");
        let hex = "b4c9a289323b21a01c3e940f150eb9b8c542587f1abfd8f0e1cc1ffc5e475514";
        input.add_email_hash(hex).unwrap();
        input.add_phone_hash(&h("p")).unwrap();
        let r = input.into_request();
        assert_eq!(
            body_str(&r),
            format!(
                r#"{{"email_hash":["tMmiiTI7IaAcPpQPFQ65uMVCWH8av9jw4cwf/F5HVRQ="],"phone_hash":["{}"]}}"#,
                h("p")
            )
        );
        // The result is keyed by the text the caller gave.
        let doc = br#"{"status":"success","body":{"email_hash":[{"u":"U","p":null,"r":1}],"phone_hash":[{"e":"optout"}]}}"#;
        let resp = r.parse_response(doc).unwrap();
        assert_eq!(resp.get_mapped(hex).unwrap().current_raw_uid(), "U");
    }

    #[test]
    fn body_is_byte_exact_with_the_envelope_vector() {
        // envelope.json `request_identity_map_v3` seals exactly these bytes.
        let mut input = IdentityMapV3Input::new();
        input.add_email("user@example.com").unwrap();
        assert_eq!(
            input.into_request().body(),
            br#"{"email_hash":["tMmiiTI7IaAcPpQPFQ65uMVCWH8av9jw4cwf/F5HVRQ="],"phone_hash":[]}"#
        );
    }

    #[test]
    fn batches_respect_limits() {
        let mut input = IdentityMapV3Input::new();
        for i in 0..7 {
            input.add_email(&format!("u{i}@example.com")).unwrap();
            input.add_phone_hash(&h(&format!("p{i}"))).unwrap();
        }
        let limits = BatchLimits::new(5, 200);
        let batches = input.clone().into_batches(limits).unwrap();
        assert_eq!(
            batches.iter().map(IdentityMapV3Request::len).sum::<usize>(),
            14
        );
        for b in &batches {
            assert!(b.len() <= 5 && b.body().len() <= 200, "{b:?}");
            let v: serde_json::Value = serde_json::from_slice(b.body()).unwrap();
            assert!(v.is_object());
        }
        // The body limit binds: one 46-byte hash plus the empty body fits in 79 bytes, two don't.
        let batches = input
            .clone()
            .into_batches(BatchLimits::new(100, 81))
            .unwrap();
        assert!(batches.iter().all(|b| b.body().len() <= 81));
        assert_eq!(
            input.into_batches(BatchLimits::new(100, 60)).unwrap_err(),
            BatchError::ItemTooLarge {
                index: 0,
                required: 79
            }
        );
        assert!(
            IdentityMapV3Input::new()
                .into_batches(BatchLimits::DEFAULT)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn duplicates_and_lengths() {
        let mut input = IdentityMapV3Input::new();
        input.add_email("A@x.com").unwrap();
        input.add_email("a@x.com").unwrap();
        input.add_email("a@x.com").unwrap();
        let r = input.into_request();
        let doc = br#"{"status":"success","body":{"email_hash":[
            {"u":"U1","p":null,"r":1},{"e":"optout"},{"u":"U3","p":"P","r":3}],"phone_hash":[]}}"#;
        let resp = r.parse_response(doc).unwrap();
        assert_eq!(resp.mapped().len(), 2);
        assert_eq!(resp.get_mapped("A@x.com").unwrap().current_raw_uid(), "U3");
        assert_eq!(
            resp.get_unmapped("a@x.com").unwrap().reason(),
            UnmappedReason::OptOut
        );
        assert_eq!(
            format!("{resp:?}"),
            "IdentityMapV3Response { mapped: 2, unmapped: 2 }"
        );
        for bad in [
            &br#"{"status":"success","body":{"email_hash":[{"e":"optout"}]}}"#[..],
            br#"{"status":"success","body":{"email_hash":[{"u":"a","r":1},{"e":"x"},{"e":"x"}]}}"#,
            br#"{"status":"success","body":{"email_hash":[{"u":null,"p":null,"r":1},{"e":"x"},{"e":"x"}]}}"#,
            br#"{"status":"success","body":{"email_hash":[{},{"e":"x"},{"e":"x"}]}}"#,
            br#"{"status":"success","body":{"email_hash":[{"u":"a","p":null,"r":1,"e":"x"},{"e":"x"},{"e":"x"}]}}"#,
            br#"{"status":"success","body":{"email_hash":[{"u":"a","p":null,"r":9223372036854775807},{"e":"x"},{"e":"x"}]}}"#,
            br#"{"status":"success","body":[]}"#,
        ] {
            assert!(
                matches!(r.parse_response(bad), Err(ResponseError::MalformedResponse { .. })),
                "{}",
                core::str::from_utf8(bad).unwrap()
            );
        }
    }

    #[test]
    fn same_string_in_two_groups_later_position_wins() {
        // One hash text given as an email hash and as a phone hash: two groups, one key.
        let key = h("a");
        for (first, second) in [("U1", "U2"), ("U2", "U1")] {
            let mut input = IdentityMapV3Input::new();
            input.add_email_hash(&key).unwrap();
            input.add_phone_hash(&key).unwrap();
            let doc = format!(
                r#"{{"status":"success","body":{{"email_hash":[{{"u":"{first}","p":null,"r":1}}],"phone_hash":[{{"u":"{second}","p":null,"r":1}}]}}}}"#
            );
            let resp = input.into_request().parse_response(doc.as_bytes()).unwrap();
            assert_eq!(resp.get_mapped(&key).unwrap().current_raw_uid(), second);
        }
    }

    #[test]
    fn refresh_due_at_r() {
        let m = MappedIdentity {
            current_raw_uid: String::new(),
            previous_raw_uid: None,
            refresh_from: Timestamp::from_millis(10_000),
        };
        assert!(!m.is_refresh_due(Timestamp::from_millis(9_999)));
        assert!(m.is_refresh_due(Timestamp::from_millis(10_000)));
    }

    #[test]
    fn merge_keeps_both_and_the_later_result_wins() {
        let (h1, h2, h3) = (h("1"), h("2"), h("3"));
        let mut input = IdentityMapV3Input::new();
        input
            .add_email_hash(&h1)
            .unwrap()
            .add_email_hash(&h2)
            .unwrap();
        let first = input
            .into_request()
            .parse_response(br#"{"status":"success","body":{"email_hash":[{"u":"A","p":null,"r":1},{"e":"optout"}]}}"#)
            .unwrap();
        let mut input = IdentityMapV3Input::new();
        input
            .add_email_hash(&h1)
            .unwrap()
            .add_email_hash(&h3)
            .unwrap();
        let second = input
            .into_request()
            .parse_response(br#"{"status":"success","body":{"email_hash":[{"u":"B","p":null,"r":1},{"u":"C","p":null,"r":1}]}}"#)
            .unwrap();
        let mut merged = IdentityMapV3Response::default();
        merged.merge(first);
        merged.merge(second);
        assert_eq!(merged.get_mapped(&h1).unwrap().current_raw_uid(), "B");
        assert_eq!(merged.get_mapped(&h3).unwrap().current_raw_uid(), "C");
        assert_eq!(
            merged.get_unmapped(&h2).map(UnmappedIdentity::reason),
            Some(UnmappedReason::OptOut)
        );
        assert_eq!((merged.mapped().len(), merged.unmapped().len()), (2, 1));
    }
}
