//! Sharing-token encryption: a raw UID into a v4 token, allocation-free.

use aes_gcm::{AeadInOut as _, Aes256Gcm};
use base64::Engine as _;

use super::types::{InlineText, V3_OVERHEAD_BYTES};
use super::{EncryptError, MAX_RAW_UID_BYTES, SharingToken};
use crate::codec::{Writer, b64};
use crate::{IdentityType, KeySet, SecureRandom, Timestamp};

const MAX_ROOT: usize = V3_OVERHEAD_BYTES + MAX_RAW_UID_BYTES;
const NONCE: usize = 12;
const TAG: usize = 16;
/// Operator type written into sharing tokens (1 = service).
const OPERATOR_TYPE: u8 = 1;
const VERSION_V4: u8 = 128;

/// Encrypts a raw UID into a v4 sharing token with the key set loaded so far.
///
/// `keys` is `None` until a key set has been loaded. The site layer is encrypted with the active
/// key of the key set's default keyset, the outer layer with the active master key. The token's
/// site id is the key set's `caller_site_id` (0 when absent), its lifetime the key set's
/// `token_expiry_seconds`, and its generation and establishment times `now` truncated to whole
/// seconds. The two GCM nonces are drawn from `rng`, site layer first.
///
/// # Errors
/// An [`EncryptError`] whose [`as_status`](EncryptError::as_status) is the official status.
pub fn encrypt(
    keys: Option<&KeySet>,
    raw_uid: &str,
    now: Timestamp,
    rng: &mut impl SecureRandom,
) -> Result<SharingToken, EncryptError> {
    keys.ok_or(EncryptError::NotInitialized)?.encrypt(raw_uid, now, rng)
}

impl KeySet {
    /// Encrypts a raw UID into a v4 sharing token; see [`encrypt`](crate::token::encrypt).
    ///
    /// # Errors
    /// An [`EncryptError`] whose [`as_status`](EncryptError::as_status) is the official status.
    pub fn encrypt(
        &self,
        raw_uid: &str,
        now: Timestamp,
        rng: &mut impl SecureRandom,
    ) -> Result<SharingToken, EncryptError> {
        self.encrypt_with_keyset(raw_uid, None, now, rng)
    }

    /// Like [`KeySet::encrypt`], but encrypts the site layer with the active key of `keyset_id`
    /// instead of the default keyset when it is `Some`.
    ///
    /// # Errors
    /// An [`EncryptError`] whose [`as_status`](EncryptError::as_status) is the official status.
    pub fn encrypt_with_keyset(
        &self,
        raw_uid: &str,
        keyset_id: Option<i64>,
        now: Timestamp,
        rng: &mut impl SecureRandom,
    ) -> Result<SharingToken, EncryptError> {
        if !self.is_valid(now) {
            return Err(EncryptError::KeysNotSynced);
        }
        let master = self.master_key(now).ok_or(EncryptError::NotAuthorizedForMasterKey)?;
        let site_keyset = keyset_id.or(self.config().default_keyset_id);
        let site = site_keyset
            .and_then(|ks| self.active_key(ks, now))
            .ok_or(EncryptError::NotAuthorizedForKey)?;

        let mut uid = [0u8; MAX_RAW_UID_BYTES];
        if raw_uid.len() > MAX_RAW_UID_BYTES.div_ceil(3).saturating_mul(4) {
            return Err(EncryptError::InvalidRawUid);
        }
        let uid_len = b64::STANDARD
            .decode_slice(raw_uid, &mut uid)
            .map_err(|_| EncryptError::InvalidRawUid)?;
        let uid = uid.get(..uid_len).filter(|u| !u.is_empty()).ok_or(EncryptError::InvalidRawUid)?;

        let id32 = |v: i64| i32::try_from(v).map_err(|_| EncryptError::IdOutOfRange);
        let master_id = id32(master.id())?;
        let site_key_id = id32(site.id())?;
        let caller_site_id = id32(self.config().caller_site_id.unwrap_or(0))?;
        let issued = now.floor_to_secs();
        let expires = issued.saturating_add_millis(
            self.config().token_expiry_seconds.saturating_mul(1000),
        );
        let scope = self.identity_scope();
        let identity_type = IdentityType::of_raw_uid(raw_uid);

        // root = prefix ‖ version ‖ master id ‖ master nonce ‖ master payload ‖ master tag
        // master payload = header(33) ‖ site nonce ‖ site payload ‖ site tag
        let site_pt_len = uid_len.checked_add(36).ok_or(EncryptError::InvalidRawUid)?;
        let master_pt_len = site_pt_len.checked_add(33 + NONCE + TAG).ok_or(EncryptError::InvalidRawUid)?;
        let root_len = master_pt_len.checked_add(6 + NONCE + TAG).ok_or(EncryptError::InvalidRawUid)?;
        let mut root = [0u8; MAX_ROOT];
        let root = root.get_mut(..root_len).ok_or(EncryptError::InvalidRawUid)?;
        let (head, rest) = root.split_at_mut(6 + NONCE);
        let (master_pt, master_tag) = rest.split_at_mut(master_pt_len);
        let (master_head, site_blob) = master_pt.split_at_mut(33);
        let (site_nonce, site_rest) = site_blob.split_at_mut(NONCE);
        let (site_pt, site_tag) = site_rest.split_at_mut(site_pt_len);

        let mut w = Writer::new(site_pt);
        w.i32(caller_site_id)
            .and_then(|()| w.i64(0)) // publisher id
            .and_then(|()| w.i32(0)) // client key id
            .and_then(|()| w.i32(0)) // privacy bits
            .and_then(|()| w.i64(issued.as_millis())) // established
            .and_then(|()| w.i64(issued.as_millis())) // refreshed
            .and_then(|()| w.put(uid))
            .ok_or(EncryptError::InvalidRawUid)?;
        rng.fill(site_nonce).map_err(|_| EncryptError::Random)?;
        seal(&site.gcm, site_nonce, site_pt, site_tag)?;

        let mut w = Writer::new(master_head);
        w.i64(expires.as_millis())
            .and_then(|()| w.i64(issued.as_millis())) // generated
            .and_then(|()| w.i32(0)) // operator site id
            .and_then(|()| w.u8(OPERATOR_TYPE))
            .and_then(|()| w.i32(0)) // operator version
            .and_then(|()| w.i32(0)) // operator key id
            .and_then(|()| w.i32(site_key_id))
            .ok_or(EncryptError::InvalidRawUid)?;

        let (prefix, master_nonce) = head.split_at_mut(6);
        let mut w = Writer::new(prefix);
        w.u8(scope.bit() << 4 | identity_type.bits() << 2 | 0b11)
            .and_then(|()| w.u8(VERSION_V4))
            .and_then(|()| w.i32(master_id))
            .ok_or(EncryptError::InvalidRawUid)?;
        rng.fill(master_nonce).map_err(|_| EncryptError::Random)?;
        seal(&master.gcm, master_nonce, master_pt, master_tag)?;

        let mut out = InlineText::EMPTY;
        let n = b64::URL.encode_slice(&*root, out.buffer()).map_err(|_| EncryptError::InvalidRawUid)?;
        out.set_len(n).ok_or(EncryptError::InvalidRawUid)?;
        Ok(SharingToken(out))
    }
}

/// Encrypts `pt` in place and writes the tag.
fn seal(cipher: &Aes256Gcm, nonce: &[u8], pt: &mut [u8], tag_out: &mut [u8]) -> Result<(), EncryptError> {
    let nonce = <&aes_gcm::Nonce<_>>::try_from(nonce).map_err(|_| EncryptError::Random)?;
    let tag = cipher
        .encrypt_inout_detached(nonce, &[], pt.into())
        .map_err(|_| EncryptError::InvalidRawUid)?;
    tag_out.copy_from_slice(&tag);
    Ok(())
}
