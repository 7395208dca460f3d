//! Values that token decryption and encryption return.

use core::fmt;

use crate::{IdentityScope, IdentityType, Timestamp};

/// Longest token text [`decrypt`](crate::token::decrypt) accepts, in characters. Longer text is
/// rejected with [`DecryptError::TokenTooLong`](crate::token::DecryptError::TokenTooLong)
/// before decoding.
pub const MAX_TOKEN_CHARS: usize = 1024;
/// Bytes a [`MAX_TOKEN_CHARS`]-long token decodes to at most.
pub const MAX_TOKEN_BYTES: usize = MAX_TOKEN_CHARS / 4 * 3;
/// Longest raw UID text a decrypted token can carry, in bytes of UTF-8: enough for the raw UID
/// of any v3/v4 token of up to [`MAX_TOKEN_CHARS`] characters (returned as standard base64) and
/// for the uid text of any v2 token whose text is valid UTF-8. A v2 uid with invalid UTF-8 has
/// each invalid sequence replaced by U+FFFD; if that makes it longer than this, the token is
/// rejected as `INVALID_PAYLOAD`.
pub const MAX_RAW_UID_CHARS: usize = (MAX_TOKEN_BYTES - V3_OVERHEAD_BYTES).div_ceil(3) * 4;
/// Longest raw UID that [`encrypt`](crate::token::encrypt) accepts, in decoded bytes (128
/// characters of base64).
pub const MAX_RAW_UID_BYTES: usize = 96;
/// Bytes of a v3/v4 token other than the raw UID.
pub(crate) const V3_OVERHEAD_BYTES: usize = 131;
/// Longest sharing token [`encrypt`](crate::token::encrypt) produces, in characters.
pub const MAX_SHARING_TOKEN_CHARS: usize = sharing_token_chars(MAX_RAW_UID_BYTES);

/// Length in characters of a v4 token (unpadded base64url) carrying a raw UID of
/// `raw_uid_bytes` bytes.
#[must_use]
pub const fn sharing_token_chars(raw_uid_bytes: usize) -> usize {
    V3_OVERHEAD_BYTES
        .saturating_add(raw_uid_bytes)
        .saturating_mul(4)
        .div_ceil(3)
}

/// Advertising-token format version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenVersion {
    /// Version 2: AES-256-CBC, standard base64.
    V2,
    /// Version 3: AES-256-GCM, standard base64.
    V3,
    /// Version 4: AES-256-GCM, base64url.
    V4,
}

impl TokenVersion {
    /// The version number as the official SDKs report it: 2, 3 or 4.
    #[must_use]
    pub const fn number(self) -> u8 {
        match self {
            Self::V2 => 2,
            Self::V3 => 3,
            Self::V4 => 4,
        }
    }
}

/// Which kind of client decrypts, which decides the checks that apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ClientType {
    /// A DSP decrypting bid requests: domain/app-name check for client-side generated tokens,
    /// lifetime capped by `max_bidstream_lifetime_seconds`.
    Bidstream,
    /// A sharing participant: no domain check, lifetime capped by
    /// `max_sharing_lifetime_seconds`.
    Sharing,
    /// The general-purpose client of the first SDKs: **no lifetime check**, and the
    /// domain/app-name check applies only when a name is supplied, so a client-side generated
    /// token from any site passes when none is. Use [`Bidstream`](Self::Bidstream) or
    /// [`Sharing`](Self::Sharing), which apply the key set's lifetime bound and, for bidstream,
    /// the domain check.
    #[deprecated(
        since = "0.1.0",
        note = "skips the token lifetime check and, without a domain or app name, the domain \
                check; use ClientType::Bidstream or ClientType::Sharing"
    )]
    Legacy,
}

/// What a token says about its identity, without the raw UID. Failures that happen after the
/// token was opened (expired, bad lifetime, domain check) carry it too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct TokenInfo {
    /// Token format version.
    pub version: TokenVersion,
    /// Scope of the token: the scope bit of v3/v4 tokens, the key set's scope for v2 tokens.
    pub identity_scope: IdentityScope,
    /// Email or phone (v3/v4 only; v2 tokens do not say).
    pub identity_type: Option<IdentityType>,
    /// When the identity was first established.
    pub established: Timestamp,
    /// When this token was generated or last refreshed (v3/v4 only).
    pub generated: Option<Timestamp>,
    /// When the token expires.
    pub expiry: Timestamp,
    /// Site that the token was generated for.
    pub site_id: i32,
    /// The `site_id` of the key entry that decrypted the identity layer, when it has one.
    pub site_key_site_id: Option<i64>,
    /// The raw 32-bit privacy bits.
    pub privacy_bits: u32,
}

impl TokenInfo {
    /// Privacy bit 1: the token came from client-side token generation.
    #[must_use]
    pub const fn is_client_side_generated(&self) -> bool {
        self.privacy_bits & 0b10 != 0
    }

    /// Privacy bit 2: client-side generation for an identity that has opted out. The status
    /// stays SUCCESS (as in the Java SDK); check this flag to honour the opt-out.
    #[must_use]
    pub const fn is_opted_out(&self) -> bool {
        self.privacy_bits & 0b100 != 0
    }
}

/// A fixed-capacity text value held inline (no heap).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct InlineText<const N: usize> {
    len: u16,
    bytes: [u8; N],
}

impl<const N: usize> InlineText<N> {
    /// Empty text (zeroed in place where it is built).
    pub(crate) const fn new() -> Self {
        Self {
            len: 0,
            bytes: [0; N],
        }
    }

    /// Text from bytes that are known to be UTF-8 (ASCII from base64, or validated).
    #[cfg(feature = "legacy-v2")]
    pub(crate) fn from_utf8(bytes: &[u8]) -> Option<Self> {
        core::str::from_utf8(bytes).ok()?;
        let mut out = Self::new();
        out.bytes.get_mut(..bytes.len())?.copy_from_slice(bytes);
        out.len = u16::try_from(bytes.len()).ok()?;
        Some(out)
    }

    pub(crate) fn buffer(&mut self) -> &mut [u8; N] {
        &mut self.bytes
    }

    #[cfg(any(feature = "legacy-v2", feature = "test-tokens"))]
    pub(crate) fn set_len(&mut self, len: usize) -> Option<()> {
        if len > N {
            return None;
        }
        core::str::from_utf8(self.bytes.get(..len)?).ok()?;
        self.len = u16::try_from(len).ok()?;
        Some(())
    }

    /// Sets the length of text the caller wrote as ASCII (base64 output); no UTF-8 scan.
    /// `as_str` still checks, so a wrong claim can only yield an empty string.
    pub(crate) fn set_ascii_len(&mut self, len: usize) -> Option<()> {
        if len > N {
            return None;
        }
        self.len = u16::try_from(len).ok()?;
        Some(())
    }

    pub(crate) fn as_str(&self) -> &str {
        let bytes = self.bytes.get(..usize::from(self.len)).unwrap_or_default();
        core::str::from_utf8(bytes).unwrap_or_default()
    }
}

/// A raw UID as text, held inline: the stored string of a v2 token, or the standard base64 of a
/// v3/v4 token's raw UID bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct RawUid(pub(crate) InlineText<MAX_RAW_UID_CHARS>);

impl RawUid {
    /// The raw UID text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

/// Redacted: a raw UID is personal data. [`as_str`](RawUid::as_str) and `Display` give the
/// text when it is meant to be sent on.
impl fmt::Debug for RawUid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RawUid(<redacted>)")
    }
}

impl fmt::Display for RawUid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl AsRef<str> for RawUid {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

/// A successfully decrypted advertising or sharing token. Fixed size; owns its data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecryptedToken {
    pub(crate) uid: RawUid,
    pub(crate) info: TokenInfo,
}

impl DecryptedToken {
    /// The raw UID.
    #[must_use]
    pub const fn uid(&self) -> &RawUid {
        &self.uid
    }

    /// Everything else the token says.
    #[must_use]
    pub const fn info(&self) -> &TokenInfo {
        &self.info
    }

    /// Token format version.
    #[must_use]
    pub const fn version(&self) -> TokenVersion {
        self.info.version
    }

    /// Identity scope.
    #[must_use]
    pub const fn identity_scope(&self) -> IdentityScope {
        self.info.identity_scope
    }

    /// Email or phone (v3/v4 only).
    #[must_use]
    pub const fn identity_type(&self) -> Option<IdentityType> {
        self.info.identity_type
    }

    /// When the identity was first established.
    #[must_use]
    pub const fn established(&self) -> Timestamp {
        self.info.established
    }

    /// When the token expires.
    #[must_use]
    pub const fn expiry(&self) -> Timestamp {
        self.info.expiry
    }

    /// Site the token was generated for.
    #[must_use]
    pub const fn site_id(&self) -> i32 {
        self.info.site_id
    }

    /// Whether the token came from client-side token generation (privacy bit 1).
    #[must_use]
    pub const fn is_client_side_generated(&self) -> bool {
        self.info.is_client_side_generated()
    }

    /// Whether the opted-out privacy bit (bit 2) is set; see [`TokenInfo::is_opted_out`].
    #[must_use]
    pub const fn is_opted_out(&self) -> bool {
        self.info.is_opted_out()
    }
}

/// A sharing token produced by [`encrypt`](crate::token::encrypt): v4 text, held inline.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SharingToken(pub(crate) InlineText<MAX_SHARING_TOKEN_CHARS>);

impl SharingToken {
    /// The token text (unpadded base64url).
    #[must_use]
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

/// Redacted: the token carries a raw UID for whoever holds the key.
/// [`as_str`](SharingToken::as_str) and `Display` give the text when it is meant to be sent on.
impl fmt::Debug for SharingToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SharingToken(<redacted>)")
    }
}

impl fmt::Display for SharingToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl AsRef<str> for SharingToken {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}
