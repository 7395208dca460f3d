//! Writing the v3/v4 token layout (shared by sharing encryption and the test-token builder).

use crate::codec::gcm::TokenCipher;

use crate::SecureRandom;
use crate::codec::Writer;

use crate::{IdentityScope, IdentityType};

/// Version byte of v3 tokens.
pub(crate) const VERSION_V3: u8 = 112;
/// Version byte of v4 tokens.
pub(crate) const VERSION_V4: u8 = 128;
pub(crate) use crate::codec::gcm::{NONCE, TAG};

/// The first byte writers emit: scope bit 4, type bits 3..2, reserved low bits set.
pub(crate) const fn prefix(scope: IdentityScope, identity_type: IdentityType) -> u8 {
    scope.bit() << 4 | identity_type.bits() << 2 | 0b11
}
const MASTER_HEADER: usize = 33;
const SITE_HEADER: usize = 36;

/// Every field of a v3/v4 token.
#[derive(Debug, Clone, Copy)]
pub(crate) struct V3Fields<'a> {
    pub(crate) prefix: u8,
    pub(crate) version: u8,
    pub(crate) master_key_id: i32,
    pub(crate) expires: i64,
    pub(crate) generated: i64,
    pub(crate) operator_site_id: i32,
    pub(crate) operator_type: u8,
    pub(crate) operator_version: i32,
    pub(crate) operator_key_id: i32,
    pub(crate) site_key_id: i32,
    pub(crate) site_id: i32,
    pub(crate) publisher_id: i64,
    pub(crate) client_key_id: i32,
    pub(crate) privacy_bits: u32,
    pub(crate) established: i64,
    pub(crate) refreshed: i64,
    pub(crate) uid: &'a [u8],
}

/// Why a layout could not be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LayoutError {
    /// The output buffer is too small.
    TooLong,
    /// The random source failed.
    Random,
}

/// Bytes of a v3/v4 token carrying `uid_len` raw UID bytes.
pub(crate) const fn v3_len(uid_len: usize) -> Option<usize> {
    uid_len.checked_add(6 + NONCE + MASTER_HEADER + NONCE + SITE_HEADER + TAG + TAG)
}

/// Writes the token bytes into `root` (site nonce drawn first, then master nonce); returns
/// the length written.
pub(crate) fn write_v3(
    f: &V3Fields<'_>,
    master: &TokenCipher,
    site: &TokenCipher,
    rng: &mut impl SecureRandom,
    root: &mut [u8],
) -> Result<usize, LayoutError> {
    let root_len = v3_len(f.uid.len()).ok_or(LayoutError::TooLong)?;
    let root = root.get_mut(..root_len).ok_or(LayoutError::TooLong)?;
    let site_pt_len = f
        .uid
        .len()
        .checked_add(SITE_HEADER)
        .ok_or(LayoutError::TooLong)?;
    let master_pt_len = site_pt_len
        .checked_add(MASTER_HEADER + NONCE + TAG)
        .ok_or(LayoutError::TooLong)?;

    let (head, rest) = root.split_at_mut(6 + NONCE);
    let (master_pt, master_tag) = rest.split_at_mut(master_pt_len);
    let (master_head, site_blob) = master_pt.split_at_mut(MASTER_HEADER);
    let (site_nonce, site_rest) = site_blob.split_at_mut(NONCE);
    let (site_pt, site_tag) = site_rest.split_at_mut(site_pt_len);

    let mut w = Writer::new(site_pt);
    w.i32(f.site_id)
        .and_then(|()| w.i64(f.publisher_id))
        .and_then(|()| w.i32(f.client_key_id))
        .and_then(|()| w.put(&f.privacy_bits.to_be_bytes()))
        .and_then(|()| w.i64(f.established))
        .and_then(|()| w.i64(f.refreshed))
        .and_then(|()| w.put(f.uid))
        .ok_or(LayoutError::TooLong)?;
    rng.fill(site_nonce).map_err(|_| LayoutError::Random)?;
    seal(site, site_nonce, site_pt, site_tag)?;

    let mut w = Writer::new(master_head);
    w.i64(f.expires)
        .and_then(|()| w.i64(f.generated))
        .and_then(|()| w.i32(f.operator_site_id))
        .and_then(|()| w.u8(f.operator_type))
        .and_then(|()| w.i32(f.operator_version))
        .and_then(|()| w.i32(f.operator_key_id))
        .and_then(|()| w.i32(f.site_key_id))
        .ok_or(LayoutError::TooLong)?;

    let (prefix, master_nonce) = head.split_at_mut(6);
    let mut w = Writer::new(prefix);
    w.u8(f.prefix)
        .and_then(|()| w.u8(f.version))
        .and_then(|()| w.i32(f.master_key_id))
        .ok_or(LayoutError::TooLong)?;
    rng.fill(master_nonce).map_err(|_| LayoutError::Random)?;
    seal(master, master_nonce, master_pt, master_tag)?;
    Ok(root_len)
}

/// Encrypts `pt` in place and writes the tag.
fn seal(
    cipher: &TokenCipher,
    nonce: &[u8],
    pt: &mut [u8],
    tag_out: &mut [u8],
) -> Result<(), LayoutError> {
    let nonce = <&[u8; NONCE]>::try_from(nonce).map_err(|_| LayoutError::TooLong)?;
    let tag = crate::codec::gcm::seal(cipher, nonce, pt).ok_or(LayoutError::TooLong)?;
    tag_out.copy_from_slice(&tag);
    Ok(())
}
