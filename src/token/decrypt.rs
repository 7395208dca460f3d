//! Advertising and sharing token decryption (v2, v3, v4), allocation-free.

#[cfg(feature = "legacy-v2")]
use aes::cipher::block_padding::Pkcs7;
#[cfg(feature = "legacy-v2")]
use aes::cipher::{BlockModeDecrypt as _, InnerIvInit as _};
use base64::Engine as _;

use super::layout::{VERSION_V3, VERSION_V4};
use super::types::InlineText;
use super::{
    ClientType, DecryptError, DecryptedToken, MAX_TOKEN_BYTES, MAX_TOKEN_CHARS, RawUid, TokenInfo,
    TokenVersion,
};
use crate::codec::{Reader, b64};
use crate::{IdentityScope, IdentityType, KeySet, Timestamp};

#[cfg(feature = "legacy-v2")]
const CBC_IV: usize = 16;

/// Decrypts an advertising or sharing token with the key set loaded so far.
///
/// `keys` is `None` until a key set has been loaded. `domain_or_app_name` is the site domain or
/// app identifier of the bid request (bidstream; legacy when supplied). The checks run in the
/// order of the official SDKs: key-set state, format, identity scope, keys, expiry,
/// domain/app name, lifetime and clock skew.
///
/// # Errors
/// A [`DecryptError`] whose [`as_status`](DecryptError::as_status) is the official status.
pub fn decrypt(
    keys: Option<&KeySet>,
    token: &str,
    client: ClientType,
    domain_or_app_name: Option<&str>,
    now: Timestamp,
) -> Result<DecryptedToken, DecryptError> {
    keys.ok_or(DecryptError::NotInitialized)?
        .decrypt(token, client, domain_or_app_name, now)
}

impl KeySet {
    /// Decrypts a token with this key set; see [`decrypt`](crate::token::decrypt).
    ///
    /// # Errors
    /// A [`DecryptError`] whose [`as_status`](DecryptError::as_status) is the official status.
    pub fn decrypt(
        &self,
        token: &str,
        client: ClientType,
        domain_or_app_name: Option<&str>,
        now: Timestamp,
    ) -> Result<DecryptedToken, DecryptError> {
        if !self.is_valid(now) {
            return Err(DecryptError::KeysNotSynced);
        }
        let text = token.as_bytes();
        if text.len() > MAX_TOKEN_CHARS {
            return Err(DecryptError::TokenTooLong { len: text.len() });
        }
        let header = text.get(..4).ok_or(DecryptError::InvalidPayload)?;
        let mut head = [0u8; 3];
        let url = header.iter().any(|&c| c == b'-' || c == b'_');
        let fast = if url {
            crate::codec::fast::decode_url(header, &mut head)
        } else {
            crate::codec::fast::decode_std(header, &mut head)
        };
        let n = match fast {
            Some(n) => n,
            None => if url { &b64::URL } else { &b64::STANDARD }
                .decode_slice(header, &mut head)
                .map_err(|_| DecryptError::InvalidPayload)?,
        };
        if n < 2 {
            return Err(DecryptError::InvalidPayload);
        }
        let ctx = Check {
            keys: self,
            client,
            domain_or_app_name,
            now,
        };
        let mut scratch = [0u8; MAX_TOKEN_BYTES];
        match head {
            #[cfg(feature = "legacy-v2")]
            [0x02, ..] => {
                let len = decode_std(text, &mut scratch)?;
                ctx.v2(scratch.get_mut(..len).ok_or(DecryptError::InvalidPayload)?)
            }
            // v2 tokens (AES-CBC, no MAC) are malleable; only the `legacy-v2` feature reads them.
            #[cfg(not(feature = "legacy-v2"))]
            [0x02, ..] => Err(DecryptError::VersionNotSupported),
            [_, VERSION_V3, _] => {
                let len = decode_std(text, &mut scratch)?;
                ctx.v3_v4(
                    scratch.get_mut(..len).ok_or(DecryptError::InvalidPayload)?,
                    TokenVersion::V3,
                )
            }
            [_, VERSION_V4, _] => {
                let len = decode_any(text, &mut scratch)?;
                ctx.v3_v4(
                    scratch.get_mut(..len).ok_or(DecryptError::InvalidPayload)?,
                    TokenVersion::V4,
                )
            }
            _ => Err(DecryptError::VersionNotSupported),
        }
    }

    /// Decrypts a token from a bid request: bidstream checks, with the request's domain or app
    /// name (`None` when it has none).
    ///
    /// # Errors
    /// As [`KeySet::decrypt`].
    pub fn decrypt_bidstream(
        &self,
        token: &str,
        domain_or_app_name: Option<&str>,
        now: Timestamp,
    ) -> Result<DecryptedToken, DecryptError> {
        self.decrypt(token, ClientType::Bidstream, domain_or_app_name, now)
    }

    /// Decrypts a sharing token: sharing checks.
    ///
    /// # Errors
    /// As [`KeySet::decrypt`].
    pub fn decrypt_sharing(
        &self,
        token: &str,
        now: Timestamp,
    ) -> Result<DecryptedToken, DecryptError> {
        self.decrypt(token, ClientType::Sharing, None, now)
    }
}

/// Standard alphabet only (v2, v3); padding optional.
fn decode_std(text: &[u8], out: &mut [u8; MAX_TOKEN_BYTES]) -> Result<usize, DecryptError> {
    if let Some(n) = crate::codec::fast::decode_std(text, out) {
        return Ok(n);
    }
    b64::STANDARD
        .decode_slice(text, out)
        .map_err(|_| DecryptError::InvalidPayload)
}

/// Either alphabet, even mixed (v4); padding optional.
fn decode_any(text: &[u8], out: &mut [u8; MAX_TOKEN_BYTES]) -> Result<usize, DecryptError> {
    if let Some(n) = crate::codec::fast::decode_url(text, out) {
        return Ok(n);
    }
    if let Ok(n) = b64::URL.decode_slice(text, out) {
        return Ok(n);
    }
    let mut std_text = [0u8; MAX_TOKEN_CHARS];
    let std_text = std_text
        .get_mut(..text.len())
        .ok_or(DecryptError::InvalidPayload)?;
    for (dst, &src) in std_text.iter_mut().zip(text) {
        *dst = match src {
            b'-' => b'+',
            b'_' => b'/',
            other => other,
        };
    }
    decode_std(std_text, out)
}

/// Opens a GCM blob `nonce ‖ ciphertext ‖ tag` in place and returns the plaintext.
fn gcm_open<'a>(
    cipher: &crate::codec::gcm::TokenCipher,
    blob: &'a mut [u8],
) -> Result<&'a mut [u8], DecryptError> {
    crate::codec::gcm::open(cipher, blob).map_err(|_| DecryptError::InvalidPayload)
}

/// Decrypts `iv ‖ ciphertext` (AES-256-CBC, PKCS#7) in place and returns the plaintext.
#[cfg(feature = "legacy-v2")]
fn cbc_open<'a>(cipher: &aes::Aes256, blob: &'a mut [u8]) -> Result<&'a mut [u8], DecryptError> {
    let (iv, ct) = blob
        .split_at_mut_checked(CBC_IV)
        .ok_or(DecryptError::InvalidPayload)?;
    if ct.is_empty() || ct.len() % 16 != 0 {
        return Err(DecryptError::InvalidPayload);
    }
    let iv = <&aes::cipher::Iv<cbc::Decryptor<&aes::Aes256>>>::try_from(&*iv)
        .map_err(|_| DecryptError::InvalidPayload)?;
    let len = cbc::Decryptor::<&aes::Aes256>::inner_iv_init(cipher, iv)
        .decrypt_padded::<Pkcs7>(ct)
        .map_err(|_| DecryptError::InvalidPayload)?
        .len();
    ct.get_mut(..len).ok_or(DecryptError::InvalidPayload)
}

fn key_id(id: i32) -> i64 {
    i64::from(id)
}

struct Check<'a> {
    keys: &'a KeySet,
    client: ClientType,
    domain_or_app_name: Option<&'a str>,
    now: Timestamp,
}

impl Check<'_> {
    fn v3_v4(&self, t: &mut [u8], version: TokenVersion) -> Result<DecryptedToken, DecryptError> {
        let prefix = *t.first().ok_or(DecryptError::InvalidPayload)?;
        let scope = IdentityScope::from_bit(prefix >> 4);
        if scope != self.keys.identity_scope() {
            return Err(DecryptError::InvalidIdentityScope);
        }
        let identity_type = IdentityType::from_bits(prefix >> 2);
        let mut r = Reader::new(t.get(2..6).ok_or(DecryptError::InvalidPayload)?);
        let master_id = r.i32().ok_or(DecryptError::InvalidPayload)?;
        let master = self
            .keys
            .key(key_id(master_id))
            .ok_or(DecryptError::NotAuthorizedForMasterKey { key_id: master_id })?;
        let master_pt = gcm_open(
            &master.gcm,
            t.get_mut(6..).ok_or(DecryptError::InvalidPayload)?,
        )?;

        let (head, site_blob) = master_pt
            .split_at_mut_checked(33)
            .ok_or(DecryptError::InvalidPayload)?;
        let mut r = Reader::new(head);
        let expiry = r.i64().ok_or(DecryptError::InvalidPayload)?;
        let generated = r.i64().ok_or(DecryptError::InvalidPayload)?;
        r.take(13).ok_or(DecryptError::InvalidPayload)?; // operator site, type, version, key
        let site_key_id = r.i32().ok_or(DecryptError::InvalidPayload)?;
        let site_key =
            self.keys
                .key(key_id(site_key_id))
                .ok_or(DecryptError::NotAuthorizedForKey {
                    key_id: Some(site_key_id),
                })?;
        let site_pt = gcm_open(&site_key.gcm, site_blob)?;

        let (head, uid_bytes) = site_pt
            .split_at_checked(36)
            .ok_or(DecryptError::InvalidPayload)?;
        let mut r = Reader::new(head);
        let site_id = r.i32().ok_or(DecryptError::InvalidPayload)?;
        r.take(12).ok_or(DecryptError::InvalidPayload)?; // publisher id, client key id
        let privacy_bits = r.u32().ok_or(DecryptError::InvalidPayload)?;
        let established = r.i64().ok_or(DecryptError::InvalidPayload)?;

        let info = TokenInfo {
            version,
            identity_scope: scope,
            identity_type: Some(identity_type),
            established: Timestamp::from_millis(established),
            generated: Some(Timestamp::from_millis(generated)),
            expiry: Timestamp::from_millis(expiry),
            site_id,
            site_key_site_id: site_key.site_id(),
            privacy_bits,
        };
        self.policy(&info)?;
        // Built in place: the raw UID is encoded straight into the value returned.
        let mut token = DecryptedToken {
            uid: RawUid(InlineText::new()),
            info,
        };
        let text = &mut token.uid.0;
        let n = crate::codec::fast::encode_std(uid_bytes, text.buffer())
            .ok_or(DecryptError::InvalidPayload)?;
        text.set_ascii_len(n).ok_or(DecryptError::InvalidPayload)?;
        Ok(token)
    }

    /// A v2 token. Nothing read from its (unauthenticated) plaintext enters an error except
    /// what the official statuses carry: the token information of policy failures.
    #[cfg(feature = "legacy-v2")]
    fn v2(&self, t: &mut [u8]) -> Result<DecryptedToken, DecryptError> {
        let mut r = Reader::new(t.get(1..5).ok_or(DecryptError::InvalidPayload)?);
        let master_id = r.i32().ok_or(DecryptError::InvalidPayload)?;
        let master = self
            .keys
            .key(key_id(master_id))
            .ok_or(DecryptError::NotAuthorizedForMasterKey { key_id: master_id })?;
        let master_pt = cbc_open(
            &master.block,
            t.get_mut(5..).ok_or(DecryptError::InvalidPayload)?,
        )?;

        let (head, identity_blob) = master_pt
            .split_at_mut_checked(12)
            .ok_or(DecryptError::InvalidPayload)?;
        let mut r = Reader::new(head);
        let expiry = r.i64().ok_or(DecryptError::InvalidPayload)?;
        let site_key_id = r.i32().ok_or(DecryptError::InvalidPayload)?;
        if identity_blob.len() < CBC_IV {
            return Err(DecryptError::InvalidPayload);
        }
        let site_key = self
            .keys
            .key(key_id(site_key_id))
            .ok_or(DecryptError::NotAuthorizedForKey { key_id: None })?;
        let identity = cbc_open(&site_key.block, identity_blob)?;

        let mut r = Reader::new(identity);
        let site_id = r.i32().ok_or(DecryptError::InvalidPayload)?;
        let uid_len = usize::try_from(r.i32().ok_or(DecryptError::InvalidPayload)?)
            .map_err(|_| DecryptError::InvalidPayload)?;
        let uid_bytes = r.take(uid_len).ok_or(DecryptError::InvalidPayload)?;
        let privacy_bits = r.u32().ok_or(DecryptError::InvalidPayload)?;
        let established = r.i64().ok_or(DecryptError::InvalidPayload)?;
        let uid = lossy_utf8(uid_bytes).ok_or(DecryptError::InvalidPayload)?;

        let info = TokenInfo {
            version: TokenVersion::V2,
            identity_scope: self.keys.identity_scope(),
            identity_type: None,
            established: Timestamp::from_millis(established),
            generated: None,
            expiry: Timestamp::from_millis(expiry),
            site_id,
            site_key_site_id: site_key.site_id(),
            privacy_bits,
        };
        self.policy(&info)?;
        Ok(DecryptedToken {
            uid: RawUid(uid),
            info,
        })
    }

    /// Expiry, domain/app name, then lifetime and clock skew.
    fn policy(&self, info: &TokenInfo) -> Result<(), DecryptError> {
        if self.now > info.expiry {
            return Err(DecryptError::ExpiredToken(*info));
        }
        let check_domain = match self.client {
            ClientType::Bidstream => true,
            ClientType::Sharing => false,
            #[allow(
                deprecated,
                reason = "the SDK still accepts the deprecated client type"
            )]
            ClientType::Legacy => self.domain_or_app_name.is_some(),
        };
        if check_domain
            && info.is_client_side_generated()
            && !self
                .keys
                .is_domain_or_app_name_allowed(i64::from(info.site_id), self.domain_or_app_name)
        {
            return Err(DecryptError::DomainOrAppNameCheckFailed(*info));
        }
        let config = self.keys.config();
        let max_lifetime = match self.client {
            ClientType::Bidstream => config.max_bidstream_lifetime_seconds,
            ClientType::Sharing => config.max_sharing_lifetime_seconds,
            #[allow(
                deprecated,
                reason = "the SDK still accepts the deprecated client type"
            )]
            ClientType::Legacy => return Ok(()),
        };
        // v2 tokens have no generation time: their remaining lifetime is checked instead.
        let base = info.generated.unwrap_or(self.now);
        let lifetime_s = info.expiry.whole_secs_since(base);
        let ahead_s = base.whole_secs_since(self.now);
        if max_lifetime.is_some_and(|max| lifetime_s > max)
            || ahead_s > config.allow_clock_skew_seconds
        {
            return Err(DecryptError::InvalidTokenLifetime(*info));
        }
        Ok(())
    }
}

/// UTF-8 text of `bytes`, with each invalid sequence replaced by U+FFFD.
#[cfg(feature = "legacy-v2")]
fn lossy_utf8<const N: usize>(bytes: &[u8]) -> Option<InlineText<N>> {
    if let Some(text) = InlineText::from_utf8(bytes) {
        return Some(text);
    }
    let mut out = InlineText::<N>::new();
    let mut w = crate::codec::Writer::new(out.buffer());
    for chunk in bytes.utf8_chunks() {
        w.put(chunk.valid().as_bytes())?;
        if !chunk.invalid().is_empty() {
            w.put("\u{FFFD}".as_bytes())?;
        }
    }
    let len = w.position();
    out.set_len(len)?;
    Some(out)
}
