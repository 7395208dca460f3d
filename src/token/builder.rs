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
    let pt = pt.get(..len).ok_or(BuildError::InvalidRawUid)?;
    out.get_mut(16..)
        .and_then(|body| body.get_mut(..len))
        .ok_or(BuildError::InvalidRawUid)?
        .copy_from_slice(pt);
    cbc_seal_in_place(cipher, len, out, rng)
}

/// `out` holds room for an IV, then `len` plaintext bytes and room for their padding: draws the
/// IV and encrypts in place (AES-256-CBC, PKCS#7); returns the bytes of `iv ‖ ciphertext`.
fn cbc_seal_in_place(
    cipher: &aes::Aes256,
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
    let n = cbc::Encryptor::<&aes::Aes256>::inner_iv_init(cipher, iv)
        .encrypt_padded::<Pkcs7>(body, len)
        .map_err(|_| BuildError::InvalidRawUid)?
        .len();
    n.checked_add(16).ok_or(BuildError::InvalidRawUid)
}

/// The plaintext of both layers of a token, as [`seal_layers`] takes it.
#[cfg(feature = "__testing")]
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct RawLayers<'a> {
    /// The layout: v2 (AES-CBC) or v3/v4 (AES-GCM).
    pub version: TokenVersion,
    /// The first byte of a v3/v4 token (ignored for v2, whose first byte is 2).
    pub prefix: u8,
    /// What the outer layer carries before the inner layer's IV or nonce (v2: expiry and site
    /// key id, 12 bytes; v3/v4: 33 bytes ending with the site key id). Any length.
    pub master_head: &'a [u8],
    /// The whole plaintext of the inner layer (v2: the identity; v3/v4: the site payload).
    pub site_plaintext: &'a [u8],
}

/// Seals arbitrary plaintext into the token layout of `layers.version`: writes into `out` the
/// root bytes `header ‖ outer(master, master_head ‖ inner(site, site_plaintext))`, where the
/// header is `2 ‖ master id` (v2) or `prefix ‖ version byte ‖ master id` (v3/v4), and returns
/// their length. Nothing inside the layers is written or checked, so the caller controls every
/// decrypted byte, inconsistent lengths included; the result still needs base64 encoding.
/// Draws the inner IV or nonce first, then the outer one.
///
/// Internal: for the fuzz targets that reach the checks after authentication.
///
/// # Errors
/// [`BuildError::IdOutOfRange`] when the master key id does not fit 32 bits;
/// [`BuildError::InvalidRawUid`] when `out` is too small; [`BuildError::Random`] when `rng` fails.
#[cfg(feature = "__testing")]
#[doc(hidden)]
pub fn seal_layers(
    layers: &RawLayers<'_>,
    master: &Key,
    site: &Key,
    rng: &mut impl SecureRandom,
    out: &mut [u8],
) -> Result<usize, BuildError> {
    let too_small = BuildError::InvalidRawUid;
    let master_id = i32::try_from(master.id()).map_err(|_| BuildError::IdOutOfRange)?;
    let head_len = layers.master_head.len();
    let site_len = layers.site_plaintext.len();
    if layers.version == TokenVersion::V2 {
        // 2 ‖ master id ‖ IV ‖ CBC(master head ‖ IV ‖ CBC(identity)).
        let (header, outer) = out.split_at_mut_checked(5).ok_or(too_small)?;
        let mut w = Writer::new(header);
        w.u8(2).and_then(|()| w.i32(master_id)).ok_or(too_small)?;
        // In `outer`: IV (16) ‖ master head ‖ IV (16) ‖ identity.
        let inner_at = head_len.checked_add(16).ok_or(too_small)?;
        outer
            .get_mut(16..inner_at)
            .ok_or(too_small)?
            .copy_from_slice(layers.master_head);
        let inner = outer.get_mut(inner_at..).ok_or(too_small)?;
        inner
            .get_mut(16..)
            .and_then(|pt| pt.get_mut(..site_len))
            .ok_or(too_small)?
            .copy_from_slice(layers.site_plaintext);
        let inner_len = cbc_seal_in_place(&site.block, site_len, inner, rng)?;
        let outer_pt_len = head_len.checked_add(inner_len).ok_or(too_small)?;
        let outer_len = cbc_seal_in_place(&master.block, outer_pt_len, outer, rng)?;
        return outer_len.checked_add(5).ok_or(too_small);
    }
    // prefix ‖ version ‖ master id ‖ nonce ‖ GCM(master head ‖ nonce ‖ GCM(site) ‖ tag) ‖ tag.
    let version = if layers.version == TokenVersion::V3 {
        VERSION_V3
    } else {
        VERSION_V4
    };
    let mut w = Writer::new(out);
    w.u8(layers.prefix)
        .and_then(|()| w.u8(version))
        .and_then(|()| w.i32(master_id))
        .ok_or(too_small)?;
    let inner_len = site_len
        .checked_add(layout::NONCE + layout::TAG)
        .ok_or(too_small)?;
    let outer_pt_len = head_len.checked_add(inner_len).ok_or(too_small)?;
    let total = outer_pt_len
        .checked_add(6 + layout::NONCE + layout::TAG)
        .ok_or(too_small)?;
    let root = out.get_mut(..total).ok_or(too_small)?;
    let (_, rest) = root.split_at_mut(6);
    let (outer_nonce, rest) = rest.split_at_mut(layout::NONCE);
    let (outer_pt, outer_tag) = rest.split_at_mut(outer_pt_len);
    let (head, inner) = outer_pt.split_at_mut(head_len);
    head.copy_from_slice(layers.master_head);
    let (inner_nonce, rest) = inner.split_at_mut(layout::NONCE);
    let (inner_pt, inner_tag) = rest.split_at_mut(site_len);
    inner_pt.copy_from_slice(layers.site_plaintext);
    seal_gcm(&site.gcm, inner_nonce, inner_pt, inner_tag, rng)?;
    seal_gcm(&master.gcm, outer_nonce, outer_pt, outer_tag, rng)?;
    Ok(total)
}

/// Draws `nonce` and encrypts `pt` in place, writing the tag.
#[cfg(feature = "__testing")]
fn seal_gcm(
    cipher: &crate::codec::gcm::TokenCipher,
    nonce: &mut [u8],
    pt: &mut [u8],
    tag_out: &mut [u8],
    rng: &mut impl SecureRandom,
) -> Result<(), BuildError> {
    rng.fill(nonce).map_err(|_| BuildError::Random)?;
    let nonce = <&[u8; layout::NONCE]>::try_from(&*nonce).map_err(|_| BuildError::InvalidRawUid)?;
    let tag = crate::codec::gcm::seal(cipher, nonce, pt).ok_or(BuildError::InvalidRawUid)?;
    tag_out
        .get_mut(..layout::TAG)
        .ok_or(BuildError::InvalidRawUid)?
        .copy_from_slice(&tag);
    Ok(())
}

#[cfg(all(test, feature = "__testing"))]
#[allow(clippy::unwrap_used, reason = "test code: a failed expectation panics")]
mod tests {
    extern crate alloc;
    use super::*;
    use crate::key::{KeyParams, KeySetBuilder, KeySetConfig};
    use crate::random::ReplayRandom;
    use crate::token::ClientType;
    use crate::{Key, Secret};
    use alloc::vec::Vec;

    const NOW: Timestamp = Timestamp::from_millis(1_700_000_000_000);
    const UID: &str = "ywsvDNINiZOVSsfkHpLpSJzXzhr6Jx9Z/4Q0+lsEUvM=";

    fn key(id: i64, fill: u8) -> Key {
        let params = KeyParams {
            id,
            keyset_id: None,
            site_id: None,
            created: NOW,
            activates: NOW,
            expires: NOW.saturating_add_millis(86_400_000),
        };
        Key::new(params, Secret::new([fill; 32])).unwrap()
    }

    fn be(fields: &[&[u8]]) -> Vec<u8> {
        fields.concat()
    }

    /// The layers the builder writes for its defaults, sealed by `seal_layers` with the same
    /// random bytes, give the builder's token byte for byte.
    #[test]
    fn seal_layers_matches_the_builder() {
        let (master, site) = (key(11, 1), key(12, 2));
        let expires = NOW.saturating_add_millis(3_600_000).as_millis();
        let now = NOW.as_millis();
        let uid = b64::STANDARD.decode(UID).unwrap();
        for version in [TokenVersion::V2, TokenVersion::V3, TokenVersion::V4] {
            let random = [9u8; 64];
            let built = TokenBuilder::new(version, UID, &master, &site, NOW)
                .build(&mut ReplayRandom::new(&random))
                .unwrap();
            let (head, site_pt, prefix) = if version == TokenVersion::V2 {
                let head = be(&[&expires.to_be_bytes(), &12i32.to_be_bytes()]);
                let len = i32::try_from(UID.len()).unwrap();
                let identity = be(&[
                    &9000i32.to_be_bytes(),
                    &len.to_be_bytes(),
                    UID.as_bytes(),
                    &0u32.to_be_bytes(),
                    &now.to_be_bytes(),
                ]);
                (head, identity, 0)
            } else {
                let head = be(&[
                    &expires.to_be_bytes(),
                    &now.to_be_bytes(),
                    &0i32.to_be_bytes(),
                    &[1],
                    &0i32.to_be_bytes(),
                    &0i32.to_be_bytes(),
                    &12i32.to_be_bytes(),
                ]);
                let site_pt = be(&[
                    &9000i32.to_be_bytes(),
                    &0i64.to_be_bytes(),
                    &0i32.to_be_bytes(),
                    &0u32.to_be_bytes(),
                    &now.to_be_bytes(),
                    &now.to_be_bytes(),
                    &uid,
                ]);
                (head, site_pt, 0x03)
            };
            let layers = RawLayers {
                version,
                prefix,
                master_head: &head,
                site_plaintext: &site_pt,
            };
            let mut out = [0u8; MAX_TOKEN_BYTES];
            let n = seal_layers(
                &layers,
                &master,
                &site,
                &mut ReplayRandom::new(&random),
                &mut out,
            )
            .unwrap();
            let engine = if version == TokenVersion::V4 {
                &b64::URL
            } else {
                &b64::STANDARD
            };
            assert_eq!(engine.encode(&out[..n]), built.as_str(), "{version:?}");
        }
    }

    /// Inconsistent lengths are sealed as given, and decryption reports them.
    #[test]
    fn seal_layers_keeps_inconsistent_lengths() {
        let (master, site) = (key(11, 1), key(12, 2));
        let mut keys = KeySetBuilder::new(KeySetConfig::default());
        keys.key(master.clone()).unwrap().key(site.clone()).unwrap();
        let keys = keys.build();
        let mut out = [0u8; MAX_TOKEN_BYTES];
        // A v4 site payload of 35 bytes: one short of the fixed fields.
        let mut head = [0u8; 33];
        head[..8].copy_from_slice(&NOW.as_millis().to_be_bytes());
        head[29..].copy_from_slice(&12i32.to_be_bytes());
        let layers = RawLayers {
            version: TokenVersion::V4,
            prefix: 0x03,
            master_head: &head,
            site_plaintext: &[0; 35],
        };
        let n = seal_layers(
            &layers,
            &master,
            &site,
            &mut ReplayRandom::new(&[1; 24]),
            &mut out,
        )
        .unwrap();
        assert_eq!(n, 6 + 12 + 33 + 12 + 35 + 16 + 16);
        let token = b64::URL.encode(&out[..n]);
        let got = keys.decrypt(&token, ClientType::Sharing, None, NOW);
        assert_eq!(got, Err(crate::DecryptError::InvalidPayload));
        // The same with a 36-byte payload decrypts to an empty raw UID.
        let layers = RawLayers {
            site_plaintext: &[0; 36],
            ..layers
        };
        let n = seal_layers(
            &layers,
            &master,
            &site,
            &mut ReplayRandom::new(&[1; 24]),
            &mut out,
        )
        .unwrap();
        let token = b64::URL.encode(&out[..n]);
        let got = keys
            .decrypt(&token, ClientType::Sharing, None, NOW)
            .unwrap();
        assert_eq!(got.uid().as_str(), "");
        // A v2 identity whose uid length points past its end.
        let mut head = [0u8; 12];
        head[..8].copy_from_slice(&NOW.as_millis().to_be_bytes());
        head[8..].copy_from_slice(&12i32.to_be_bytes());
        let identity = be(&[&1i32.to_be_bytes(), &100i32.to_be_bytes(), &[0; 20]]);
        let layers = RawLayers {
            version: TokenVersion::V2,
            prefix: 0,
            master_head: &head,
            site_plaintext: &identity,
        };
        let n = seal_layers(
            &layers,
            &master,
            &site,
            &mut ReplayRandom::new(&[1; 32]),
            &mut out,
        )
        .unwrap();
        let token = b64::STANDARD.encode(&out[..n]);
        let got = keys.decrypt(&token, ClientType::Sharing, None, NOW);
        assert_eq!(got, Err(crate::DecryptError::InvalidPayload));
        // Too small an output buffer is an error, not a panic.
        assert_eq!(
            seal_layers(
                &layers,
                &master,
                &site,
                &mut ReplayRandom::new(&[1; 32]),
                &mut out[..40]
            ),
            Err(BuildError::InvalidRawUid)
        );
    }
}
