//! Sharing-token encryption: a raw UID into a v4 token, allocation-free.

use base64::Engine as _;

use super::layout::{self, LayoutError, V3Fields, VERSION_V4};
use super::types::{InlineText, V3_OVERHEAD_BYTES};
use super::{EncryptError, MAX_RAW_UID_BYTES, SharingToken};
use crate::codec::b64;
use crate::{IdentityType, KeySet, SecureRandom, Timestamp};

const MAX_ROOT: usize = V3_OVERHEAD_BYTES + MAX_RAW_UID_BYTES;
/// Operator type written into sharing tokens (1 = service).
const OPERATOR_TYPE: u8 = 1;

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
    keys.ok_or(EncryptError::NotInitialized)?
        .encrypt(raw_uid, now, rng)
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
        let master = self
            .master_key(now)
            .ok_or(EncryptError::NotAuthorizedForMasterKey)?;
        let site_keyset = keyset_id.or(self.config().default_keyset_id);
        let site = site_keyset
            .and_then(|ks| self.active_key(ks, now))
            .ok_or(EncryptError::NotAuthorizedForKey)?;

        if raw_uid.len() > MAX_RAW_UID_BYTES.div_ceil(3).saturating_mul(4) {
            return Err(EncryptError::InvalidRawUid);
        }
        let mut uid = [0u8; MAX_RAW_UID_BYTES];
        let uid_len = b64::STANDARD
            .decode_slice(raw_uid, &mut uid)
            .map_err(|_| EncryptError::InvalidRawUid)?;
        let uid = uid
            .get(..uid_len)
            .filter(|u| !u.is_empty())
            .ok_or(EncryptError::InvalidRawUid)?;

        let id32 = |v: i64| i32::try_from(v).map_err(|_| EncryptError::IdOutOfRange);
        let issued = now.floor_to_secs().as_millis();
        let fields = V3Fields {
            prefix: layout::prefix(self.identity_scope(), IdentityType::of_raw_uid(raw_uid)),
            version: VERSION_V4,
            master_key_id: id32(master.id())?,
            expires: issued.saturating_add(self.config().token_expiry_seconds.saturating_mul(1000)),
            generated: issued,
            operator_site_id: 0,
            operator_type: OPERATOR_TYPE,
            operator_version: 0,
            operator_key_id: 0,
            site_key_id: id32(site.id())?,
            site_id: id32(self.config().caller_site_id.unwrap_or(0))?,
            publisher_id: 0,
            client_key_id: 0,
            privacy_bits: 0,
            established: issued,
            refreshed: issued,
            uid,
        };
        let mut root = [0u8; MAX_ROOT];
        let len = layout::write_v3(&fields, &master.gcm, &site.gcm, rng, &mut root).map_err(
            |e| match e {
                LayoutError::Random => EncryptError::Random,
                LayoutError::TooLong => EncryptError::InvalidRawUid,
            },
        )?;
        let root = root.get(..len).ok_or(EncryptError::InvalidRawUid)?;
        let mut out = InlineText::new();
        let n = crate::codec::fast::encode_url(root, out.buffer())
            .ok_or(EncryptError::InvalidRawUid)?;
        out.set_ascii_len(n).ok_or(EncryptError::InvalidRawUid)?;
        Ok(SharingToken(out))
    }
}
