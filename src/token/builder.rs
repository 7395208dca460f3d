//! Building advertising tokens with any content, for tests (feature `test-tokens`).

use core::fmt;

use aes::cipher::block_padding::Pkcs7;
use aes::cipher::{BlockModeEncrypt as _, InnerIvInit as _};
use base64::Engine as _;

use super::layout::{self, LayoutError, V3Fields, VERSION_V3, VERSION_V4};
use super::types::InlineText;
use super::{MAX_TOKEN_BYTES, MAX_TOKEN_CHARS, TokenVersion};
use crate::codec::{Writer, b64};
use crate::{IdentityScope, IdentityType, Key, SecureRandom, Timestamp};

/// Builds v2, v3 or v4 advertising tokens with any field values, so that applications can test
/// their own decryption paths. Every field has a default (below); nonces and IVs come from the
/// caller's random source (inner layer first).
///
/// Defaults: site id 9000, privacy bits 0, scope UID2, identity type from the raw UID's first
/// character (`B`/`F` = phone), established = generated = refreshed = `now`, expiry = `now` +
/// 1 hour, operator site 0 / type 1 / version 0 / key 0, publisher id 0, client key id 0.
///
/// ```
/// use uid2::key::{KeyParams, KeySetBuilder, KeySetConfig};
/// use uid2::random::OsRandom;
/// use uid2::token::{ClientType, TokenBuilder, TokenVersion};
/// use uid2::{Key, Secret, Timestamp};
///
/// let now = Timestamp::from_millis(1_700_000_000_000);
/// let params = |id| KeyParams {
///     id, keyset_id: None, site_id: None,
///     created: now, activates: now, expires: now.saturating_add_millis(86_400_000),
/// };
/// let master = Key::new(params(1), Secret::new([1; 32]))?;
/// let site = Key::new(params(2), Secret::new([2; 32]))?;
/// let token = TokenBuilder::new(TokenVersion::V4, "ywsvDNINiZOVSsfkHpLpSJzXzhr6Jx9Z/4Q0+lsEUvM=", &master, &site, now)
///     .privacy_bits(0b10)
///     .build(&mut OsRandom)?;
///
/// let mut keys = KeySetBuilder::new(KeySetConfig::default());
/// keys.key(master)?.key(site)?.site(9000, ["example.com"])?;
/// let keys = keys.build();
/// let decrypted = keys.decrypt(token.as_str(), ClientType::Bidstream, Some("example.com"), now)?;
/// assert!(decrypted.is_client_side_generated());
/// # Ok::<(), Box<dyn core::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct TokenBuilder<'a> {
    version: TokenVersion,
    raw_uid: &'a str,
    master: &'a Key,
    site: &'a Key,
    scope: IdentityScope,
    identity_type: Option<IdentityType>,
    site_id: i32,
    privacy_bits: u32,
    established: Timestamp,
    generated: Timestamp,
    refreshed: Option<Timestamp>,
    expires: Timestamp,
    prefix: Option<u8>,
    version_byte: Option<u8>,
    operator_site_id: i32,
    operator_type: u8,
    operator_version: i32,
    operator_key_id: i32,
    publisher_id: i64,
    client_key_id: i32,
}

/// Why a test token could not be built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BuildError {
    /// The raw UID is not standard base64 (v3/v4), or the token would exceed
    /// [`MAX_TOKEN_CHARS`](super::MAX_TOKEN_CHARS).
    InvalidRawUid,
    /// A key id does not fit 32 bits.
    IdOutOfRange,
    /// The random source failed.
    Random,
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::InvalidRawUid => "raw uid is not standard base64 or the token would be too long",
            Self::IdOutOfRange => "a key id does not fit 32 bits",
            Self::Random => "the random source failed",
        })
    }
}

impl core::error::Error for BuildError {}

/// A built token (text held inline).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct TestToken(InlineText<MAX_TOKEN_CHARS>);

impl TestToken {
    /// The token text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl fmt::Debug for TestToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for TestToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

macro_rules! setter {
    ($(#[$doc:meta] $name:ident: $t:ty),* $(,)?) => {
        $(
            #[$doc]
            #[must_use]
            pub const fn $name(mut self, value: $t) -> Self {
                self.$name = value;
                self
            }
        )*
    };
}

impl<'a> TokenBuilder<'a> {
    /// A builder for a token of `version` carrying `raw_uid` (for v2 the text as stored; for
    /// v3/v4 standard base64 of the raw UID bytes), sealed with `master` and `site`.
    #[must_use]
    pub const fn new(
        version: TokenVersion,
        raw_uid: &'a str,
        master: &'a Key,
        site: &'a Key,
        now: Timestamp,
    ) -> Self {
        Self {
            version,
            raw_uid,
            master,
            site,
            scope: IdentityScope::Uid2,
            identity_type: None,
            site_id: 9000,
            privacy_bits: 0,
            established: now,
            generated: now,
            refreshed: None,
            expires: now.saturating_add_millis(3_600_000),
            prefix: None,
            version_byte: None,
            operator_site_id: 0,
            operator_type: 1,
            operator_version: 0,
            operator_key_id: 0,
            publisher_id: 0,
            client_key_id: 0,
        }
    }

    setter! {
        /// Identity scope (v3/v4 prefix).
        scope: IdentityScope,
        /// Site id the token was generated for.
        site_id: i32,
        /// Raw privacy bits (bit 1 = client-side generated, bit 2 = opted out).
        privacy_bits: u32,
        /// When the identity was established.
        established: Timestamp,
        /// When the token was generated (v3/v4).
        generated: Timestamp,
        /// When the token expires.
        expires: Timestamp,
        /// Operator site id (v3/v4).
        operator_site_id: i32,
        /// Operator type (v3/v4).
        operator_type: u8,
        /// Operator version (v3/v4).
        operator_version: i32,
        /// Operator key id (v3/v4).
        operator_key_id: i32,
        /// Publisher id (v3/v4).
        publisher_id: i64,
        /// Client key id (v3/v4).
        client_key_id: i32,
    }

    /// Identity type (v3/v4 prefix); by default derived from the raw UID's first character.
    #[must_use]
    pub const fn identity_type(mut self, value: IdentityType) -> Self {
        self.identity_type = Some(value);
        self
    }

    /// When the identity was last refreshed (v3/v4); by default the generation time.
    #[must_use]
    pub const fn refreshed(mut self, value: Timestamp) -> Self {
        self.refreshed = Some(value);
        self
    }

    /// Forces the first byte of a v3/v4 token (scope, type and reserved bits).
    #[must_use]
    pub const fn prefix_byte(mut self, value: u8) -> Self {
        self.prefix = Some(value);
        self
    }

    /// Forces the version byte of a v3/v4 token (to build tokens of unknown versions).
    #[must_use]
    pub const fn version_byte(mut self, value: u8) -> Self {
        self.version_byte = Some(value);
        self
    }

    /// Encrypts and encodes the token.
    ///
    /// # Errors
    /// [`BuildError`] when the raw UID is not usable or `rng` fails.
    pub fn build(&self, rng: &mut impl SecureRandom) -> Result<TestToken, BuildError> {
        let id32 = |v: i64| i32::try_from(v).map_err(|_| BuildError::IdOutOfRange);
        let mut root = [0u8; MAX_TOKEN_BYTES];
        let (len, engine) = match self.version {
            TokenVersion::V2 => (self.write_v2(&mut root, rng)?, &b64::STANDARD),
            TokenVersion::V3 | TokenVersion::V4 => {
                let mut uid = [0u8; MAX_TOKEN_BYTES];
                let uid_len = b64::STANDARD
                    .decode_slice(self.raw_uid, &mut uid)
                    .map_err(|_| BuildError::InvalidRawUid)?;
                let identity_type = self
                    .identity_type
                    .unwrap_or_else(|| IdentityType::of_raw_uid(self.raw_uid));
                let (version, engine) = if self.version == TokenVersion::V3 {
                    (VERSION_V3, &b64::STANDARD)
                } else {
                    (VERSION_V4, &b64::URL)
                };
                let fields = V3Fields {
                    prefix: self
                        .prefix
                        .unwrap_or(layout::prefix(self.scope, identity_type)),
                    version: self.version_byte.unwrap_or(version),
                    master_key_id: id32(self.master.id())?,
                    expires: self.expires.as_millis(),
                    generated: self.generated.as_millis(),
                    operator_site_id: self.operator_site_id,
                    operator_type: self.operator_type,
                    operator_version: self.operator_version,
                    operator_key_id: self.operator_key_id,
                    site_key_id: id32(self.site.id())?,
                    site_id: self.site_id,
                    publisher_id: self.publisher_id,
                    client_key_id: self.client_key_id,
                    privacy_bits: self.privacy_bits,
                    established: self.established.as_millis(),
                    refreshed: self.refreshed.unwrap_or(self.generated).as_millis(),
                    uid: uid.get(..uid_len).ok_or(BuildError::InvalidRawUid)?,
                };
                let len =
                    layout::write_v3(&fields, &self.master.gcm, &self.site.gcm, rng, &mut root)
                        .map_err(|e| match e {
                            LayoutError::Random => BuildError::Random,
                            LayoutError::TooLong => BuildError::InvalidRawUid,
                        })?;
                (len, engine)
            }
        };
        let mut out = InlineText::new();
        let root = root.get(..len).ok_or(BuildError::InvalidRawUid)?;
        let n = engine
            .encode_slice(root, out.buffer())
            .map_err(|_| BuildError::InvalidRawUid)?;
        out.set_len(n).ok_or(BuildError::InvalidRawUid)?;
        Ok(TestToken(out))
    }

    fn write_v2(
        &self,
        root: &mut [u8; MAX_TOKEN_BYTES],
        rng: &mut impl SecureRandom,
    ) -> Result<usize, BuildError> {
        let too_long = BuildError::InvalidRawUid;
        let uid = self.raw_uid.as_bytes();
        let uid_len = i32::try_from(uid.len()).map_err(|_| too_long)?;

        // Identity layer: site id ‖ uid length ‖ uid ‖ privacy bits ‖ established, CBC.
        let mut identity = [0u8; MAX_TOKEN_BYTES];
        let mut w = Writer::new(&mut identity);
        w.i32(self.site_id)
            .and_then(|()| w.i32(uid_len))
            .and_then(|()| w.put(uid))
            .and_then(|()| w.put(&self.privacy_bits.to_be_bytes()))
            .and_then(|()| w.i64(self.established.as_millis()))
            .ok_or(too_long)?;
        let identity_len = w.position();

        // Master layer: expires ‖ site key id ‖ identity IV ‖ identity ciphertext, CBC.
        let mut master = [0u8; MAX_TOKEN_BYTES];
        let mut w = Writer::new(&mut master);
        w.i64(self.expires.as_millis())
            .and_then(|()| w.i32(i32::try_from(self.site.id()).ok()?))
            .ok_or(BuildError::IdOutOfRange)?;
        let (_, rest) = master.split_at_mut(12);
        let ct = cbc_seal(&self.site.block, &identity, identity_len, rest, rng)?;
        let master_len = ct.checked_add(12).ok_or(too_long)?;

        let mut w = Writer::new(root);
        w.u8(2)
            .and_then(|()| w.i32(i32::try_from(self.master.id()).ok()?))
            .ok_or(BuildError::IdOutOfRange)?;
        let (_, rest) = root.split_at_mut(5);
        let ct = cbc_seal(&self.master.block, &master, master_len, rest, rng)?;
        ct.checked_add(5).ok_or(too_long)
    }
}

/// Writes `iv ‖ AES-256-CBC(pt[..len])` into `out`; returns the bytes written.
fn cbc_seal(
    cipher: &aes::Aes256,
    pt: &[u8],
    len: usize,
    out: &mut [u8],
    rng: &mut impl SecureRandom,
) -> Result<usize, BuildError> {
    let (iv, body) = out
        .split_at_mut_checked(16)
        .ok_or(BuildError::InvalidRawUid)?;
    rng.fill(iv).map_err(|_| BuildError::Random)?;
    let iv = <&aes::cipher::Iv<cbc::Encryptor<&aes::Aes256>>>::try_from(&*iv)
        .map_err(|_| BuildError::InvalidRawUid)?;
    let pt = pt.get(..len).ok_or(BuildError::InvalidRawUid)?;
    let region = body.get_mut(..len).ok_or(BuildError::InvalidRawUid)?;
    region.copy_from_slice(pt);
    let n = cbc::Encryptor::<&aes::Aes256>::inner_iv_init(cipher, iv)
        .encrypt_padded::<Pkcs7>(body, len)
        .map_err(|_| BuildError::InvalidRawUid)?
        .len();
    n.checked_add(16).ok_or(BuildError::InvalidRawUid)
}
