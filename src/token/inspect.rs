//! What a token says about itself before any key is used: its version, scope, identity type,
//! master key id, IV and byte layout.
//!
//! Everything here is read from the unencrypted header of the token (and its length). Nothing is
//! decrypted, so no key is needed and the raw UID is never seen. Support tools use it to answer
//! "which key does this token need?" and "is this even a UID2 token?".
//!
//! ```
//! use uid2::token::{inspect, TokenVersion};
//!
//! let header = inspect("A4AAAACkAAECAwQFBgcICQoLUMv9JU-PM0woQrdyiCZwSaYTBi3JJzaIp8xuf_jQ3Fc-ZJAY7D_4AtPqSzOkhuk6PSu1s0csTDFoPlJ4IlwFLp4HRjinFjUUpQuPldWvEo4LptmkCvIVmEI52nJtBZftH168y12EjNS62LW_XI2ygTrP9eYxjq6g_NOqmOkIdsmTVXsB72semxCmc_zxh6ZegQ")?;
//! assert_eq!(header.version, TokenVersion::V4);
//! assert_eq!(header.master_key_id, 164);
//! assert_eq!(header.master_iv(), &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
//! assert_eq!(header.raw_uid_len, Some(32));
//! # Ok::<(), uid2::DecryptError>(())
//! ```

use base64::Engine as _;

use super::layout::{VERSION_V3, VERSION_V4};
use super::types::V3_OVERHEAD_BYTES;
use super::{DecryptError, MAX_TOKEN_BYTES, MAX_TOKEN_CHARS, TokenVersion};
use crate::codec::{Reader, b64};
use crate::{IdentityScope, IdentityType};

/// Version byte of v2 tokens.
const VERSION_V2: u8 = 2;
/// IV length of the AES-CBC layers of v2 tokens.
const V2_IV: usize = 16;
/// Nonce (IV) length of the AES-GCM layers of v3/v4 tokens.
const GCM_IV: usize = 12;
/// GCM tag length.
const GCM_TAG: usize = 16;
/// Smallest v2 token: version, master key id, IV and one cipher block.
const V2_MIN_BYTES: usize = 1 + 4 + V2_IV + 16;

/// Which base64 alphabet a token's text is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Base64Alphabet {
    /// The standard alphabet (`+` and `/`): v2 and v3 tokens.
    Standard,
    /// The URL-safe alphabet (`-` and `_`): v4 tokens.
    UrlSafe,
    /// Neither `+`, `/`, `-` nor `_` occurs, so the text reads the same in both.
    Either,
    /// Both alphabets occur (accepted for v4 tokens).
    Mixed,
}

impl Base64Alphabet {
    /// `standard`, `url-safe`, `either` or `mixed`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Standard => "standard",
            Self::UrlSafe => "url-safe",
            Self::Either => "either",
            Self::Mixed => "mixed",
        }
    }

    fn of(text: &[u8]) -> Self {
        let standard = text.iter().any(|&c| c == b'+' || c == b'/');
        let url = text.iter().any(|&c| c == b'-' || c == b'_');
        match (standard, url) {
            (true, false) => Self::Standard,
            (false, true) => Self::UrlSafe,
            (false, false) => Self::Either,
            (true, true) => Self::Mixed,
        }
    }
}

/// The unencrypted facts of an advertising or sharing token, read by [`inspect`].
///
/// It holds no secret and no raw UID: only what anyone holding the token text can read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct TokenHeader {
    /// Token format version.
    pub version: TokenVersion,
    /// The alphabet of the token text.
    pub alphabet: Base64Alphabet,
    /// Whether the text ends with `=` padding.
    pub padded: bool,
    /// Length of the token text, in characters.
    pub text_len: usize,
    /// Length of the decoded token, in bytes.
    pub decoded_len: usize,
    /// UID2 or EUID, from the scope bit (v3/v4). v2 tokens do not carry it: they take the scope
    /// of the key set that decrypts them.
    pub identity_scope: Option<IdentityScope>,
    /// Email or phone, from the type bits (v3/v4 only).
    pub identity_type: Option<IdentityType>,
    /// The first byte of a v3/v4 token (scope bit 4, type bits 3..2, low bits reserved).
    pub prefix: Option<u8>,
    /// The id of the master key that opens the outer layer. The site key id is inside that
    /// layer and can only be read with the master key.
    pub master_key_id: i32,
    /// Length of the raw UID in bytes, from the token length (v3/v4). v2 tokens pad their
    /// encrypted layers, so the length is not exact there.
    pub raw_uid_len: Option<usize>,
    master_iv: [u8; V2_IV],
    master_iv_len: usize,
}

impl TokenHeader {
    /// The IV of the outer (master-key) layer: 12 bytes for v3/v4 (AES-GCM nonce), 16 for v2
    /// (AES-CBC IV). IVs are random and public; they reveal nothing about the identity.
    #[must_use]
    pub fn master_iv(&self) -> &[u8] {
        self.master_iv
            .get(..self.master_iv_len)
            .unwrap_or(&self.master_iv)
    }

    /// The token's byte layout in order: each field with its offset and length in the decoded
    /// bytes (together they cover the whole token), and which keys protect it.
    pub fn layout(&self) -> impl Iterator<Item = LayoutSegment> + use<> {
        let segments = match self.version {
            TokenVersion::V2 => v2_layout(self.decoded_len),
            _ => v3_layout(self.decoded_len),
        };
        segments.into_iter().flatten()
    }
}

/// Which key protects a [`LayoutSegment`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Protection {
    /// Readable by anyone.
    Clear,
    /// Encrypted with the master key.
    MasterKey,
    /// Encrypted with the master key and, inside it, the site key.
    SiteKey,
}

impl Protection {
    /// `clear`, `master key` or `master and site keys`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Clear => "clear",
            Self::MasterKey => "master key",
            Self::SiteKey => "master and site keys",
        }
    }
}

/// One field of a token's layout (see [`TokenHeader::layout`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct LayoutSegment {
    /// What the field holds.
    pub name: &'static str,
    /// Offset from the start of the decoded token.
    pub offset: usize,
    /// Length in bytes.
    pub len: usize,
    /// Who can read it.
    pub protection: Protection,
}

/// Most fields a layout has (v3/v4).
const MAX_SEGMENTS: usize = 21;

/// Lays out `fields` one after the other from offset 0; zero-length fields are left out.
fn consecutive(
    fields: &[(&'static str, usize, Protection)],
) -> [Option<LayoutSegment>; MAX_SEGMENTS] {
    let mut out = [None; MAX_SEGMENTS];
    let mut offset = 0usize;
    for (slot, &(name, len, protection)) in out.iter_mut().zip(fields) {
        if len > 0 {
            *slot = Some(LayoutSegment {
                name,
                offset,
                len,
                protection,
            });
        }
        offset = offset.saturating_add(len);
    }
    out
}

/// The v3/v4 layout of a token of `total` bytes (at least [`V3_OVERHEAD_BYTES`]).
fn v3_layout(total: usize) -> [Option<LayoutSegment>; MAX_SEGMENTS] {
    use Protection::{Clear, MasterKey, SiteKey};
    let uid = total.saturating_sub(V3_OVERHEAD_BYTES);
    consecutive(&[
        ("identity scope and type", 1, Clear),
        ("version", 1, Clear),
        ("master key id", 4, Clear),
        ("master IV", GCM_IV, Clear),
        ("expires", 8, MasterKey),
        ("generated", 8, MasterKey),
        ("operator site id", 4, MasterKey),
        ("operator type", 1, MasterKey),
        ("operator version", 4, MasterKey),
        ("operator key id", 4, MasterKey),
        ("site key id", 4, MasterKey),
        ("site IV", GCM_IV, MasterKey),
        ("site id", 4, SiteKey),
        ("publisher id", 8, SiteKey),
        ("client key id", 4, SiteKey),
        ("privacy bits", 4, SiteKey),
        ("established", 8, SiteKey),
        ("refreshed", 8, SiteKey),
        ("raw UID", uid, SiteKey),
        ("site tag", GCM_TAG, MasterKey),
        ("master tag", GCM_TAG, Clear),
    ])
}

/// The v2 layout of a token of `total` bytes (at least [`V2_MIN_BYTES`]). AES-CBC keeps
/// plaintext positions, so each encrypted field is given at the offset of its ciphertext; the
/// padding of both layers ends the token.
fn v2_layout(total: usize) -> [Option<LayoutSegment>; MAX_SEGMENTS] {
    use Protection::{Clear, MasterKey, SiteKey};
    consecutive(&[
        ("version", 1, Clear),
        ("master key id", 4, Clear),
        ("master IV", V2_IV, Clear),
        ("expires", 8, MasterKey),
        ("site key id", 4, MasterKey),
        ("site IV", V2_IV, MasterKey),
        ("site id", 4, SiteKey),
        ("uid length", 4, SiteKey),
        (
            "uid, privacy bits, established, then padding",
            total.saturating_sub(57),
            SiteKey,
        ),
    ])
}

/// Reads the unencrypted header of an advertising or sharing token (v2, v3 or v4). No key is
/// needed and nothing is decrypted.
///
/// The token text is decoded with the same rules as decryption: v2 and v3 tokens in the
/// standard alphabet, v4 tokens in either alphabet, padding optional.
///
/// # Errors
/// * [`DecryptError::TokenTooLong`] for text longer than [`MAX_TOKEN_CHARS`].
/// * [`DecryptError::InvalidPayload`] when the text is not base64 or is too short for its
///   version's layout.
/// * [`DecryptError::VersionNotSupported`] when the version byte is none of 2, 112 (v3), 128
///   (v4).
pub fn inspect(token: &str) -> Result<TokenHeader, DecryptError> {
    let text = token.as_bytes();
    if text.len() > MAX_TOKEN_CHARS {
        return Err(DecryptError::TokenTooLong { len: text.len() });
    }
    let alphabet = Base64Alphabet::of(text);
    let mut scratch = [0u8; MAX_TOKEN_BYTES];
    let len = decode(text, alphabet, &mut scratch)?;
    let bytes = scratch.get(..len).ok_or(DecryptError::InvalidPayload)?;
    let (&first, rest) = bytes.split_first().ok_or(DecryptError::InvalidPayload)?;
    let second = rest.first().copied();
    let version = match (first, second) {
        (VERSION_V2, _) => TokenVersion::V2,
        (_, Some(VERSION_V3)) => TokenVersion::V3,
        (_, Some(VERSION_V4)) => TokenVersion::V4,
        _ => return Err(DecryptError::VersionNotSupported),
    };
    let url_chars = matches!(alphabet, Base64Alphabet::UrlSafe | Base64Alphabet::Mixed);
    if version != TokenVersion::V4 && url_chars {
        // Decryption reads v2 and v3 tokens in the standard alphabet only.
        return Err(DecryptError::InvalidPayload);
    }
    let mut header = TokenHeader {
        version,
        alphabet,
        padded: text.last() == Some(&b'='),
        text_len: text.len(),
        decoded_len: len,
        identity_scope: None,
        identity_type: None,
        prefix: None,
        master_key_id: 0,
        raw_uid_len: None,
        master_iv: [0; V2_IV],
        master_iv_len: 0,
    };
    let mut r = Reader::new(bytes);
    if version == TokenVersion::V2 {
        if len < V2_MIN_BYTES {
            return Err(DecryptError::InvalidPayload);
        }
        r.take(1).ok_or(DecryptError::InvalidPayload)?;
        header.master_key_id = r.i32().ok_or(DecryptError::InvalidPayload)?;
        header.master_iv = r.array::<V2_IV>().ok_or(DecryptError::InvalidPayload)?;
        header.master_iv_len = V2_IV;
    } else {
        if len < V3_OVERHEAD_BYTES {
            return Err(DecryptError::InvalidPayload);
        }
        r.take(2).ok_or(DecryptError::InvalidPayload)?;
        header.prefix = Some(first);
        header.identity_scope = Some(IdentityScope::from_bit(first >> 4));
        header.identity_type = Some(IdentityType::from_bits(first >> 2));
        header.master_key_id = r.i32().ok_or(DecryptError::InvalidPayload)?;
        let iv = r.array::<GCM_IV>().ok_or(DecryptError::InvalidPayload)?;
        header
            .master_iv
            .get_mut(..GCM_IV)
            .ok_or(DecryptError::InvalidPayload)?
            .copy_from_slice(&iv);
        header.master_iv_len = GCM_IV;
        header.raw_uid_len = len.checked_sub(V3_OVERHEAD_BYTES);
    }
    Ok(header)
}

/// Decodes token text into `out`: standard alphabet, or either alphabet when URL characters
/// occur (mapped to the standard ones first); padding optional.
fn decode(
    text: &[u8],
    alphabet: Base64Alphabet,
    out: &mut [u8; MAX_TOKEN_BYTES],
) -> Result<usize, DecryptError> {
    let mut std_text = [0u8; MAX_TOKEN_CHARS];
    let std_text = std_text
        .get_mut(..text.len())
        .ok_or(DecryptError::TokenTooLong { len: text.len() })?;
    for (dst, &src) in std_text.iter_mut().zip(text) {
        *dst = match (alphabet, src) {
            (Base64Alphabet::UrlSafe | Base64Alphabet::Mixed, b'-') => b'+',
            (Base64Alphabet::UrlSafe | Base64Alphabet::Mixed, b'_') => b'/',
            (_, other) => other,
        };
    }
    b64::STANDARD
        .decode_slice(&*std_text, out)
        .map_err(|_| DecryptError::InvalidPayload)
}

#[cfg(test)]
mod tests {
    use super::*;
    extern crate alloc;
    use alloc::vec;
    use alloc::vec::Vec;

    const V4: &str = "A4AAAACkAAECAwQFBgcICQoLUMv9JU-PM0woQrdyiCZwSaYTBi3JJzaIp8xuf_jQ3Fc-ZJAY7D_4AtPqSzOkhuk6PSu1s0csTDFoPlJ4IlwFLp4HRjinFjUUpQuPldWvEo4LptmkCvIVmEI52nJtBZftH168y12EjNS62LW_XI2ygTrP9eYxjq6g_NOqmOkIdsmTVXsB72semxCmc_zxh6ZegQ";

    #[test]
    fn reads_the_v4_header() {
        let h = inspect(V4).unwrap();
        assert_eq!(h.version, TokenVersion::V4);
        assert_eq!(h.alphabet, Base64Alphabet::UrlSafe);
        assert!(!h.padded);
        assert_eq!(h.text_len, V4.len());
        assert_eq!(h.decoded_len, 163);
        assert_eq!(h.identity_scope, Some(IdentityScope::Uid2));
        assert_eq!(h.identity_type, Some(IdentityType::Email));
        assert_eq!(h.prefix, Some(0x03));
        assert_eq!(h.master_key_id, 164);
        assert_eq!(h.master_iv(), &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
        assert_eq!(h.raw_uid_len, Some(32));
    }

    #[test]
    fn v3_layout_covers_the_token_exactly() {
        let h = inspect(V4).unwrap();
        let segments: Vec<LayoutSegment> = h.layout().collect();
        assert_eq!(
            segments.first().map(|s| s.name),
            Some("identity scope and type")
        );
        let uid = segments.iter().find(|s| s.name == "raw UID").unwrap();
        assert_eq!((uid.offset, uid.len), (18 + 33 + 12 + 36, 32));
        let mut end = 0;
        for s in &segments {
            assert_eq!(s.offset, end, "{}", s.name);
            end += s.len;
        }
        assert_eq!(end, h.decoded_len);
    }

    #[test]
    fn reads_scope_and_type_bits_and_v3_alphabet() {
        use base64::engine::general_purpose::STANDARD;
        let mut bytes = vec![0u8; 131 + 33];
        bytes[0] = 0b0001_0111; // EUID, phone
        bytes[1] = VERSION_V3;
        bytes[2..6].copy_from_slice(&(-7i32).to_be_bytes());
        bytes[6..18].copy_from_slice(&[9; 12]);
        let text = STANDARD.encode(&bytes);
        let h = inspect(&text).unwrap();
        assert_eq!(h.version, TokenVersion::V3);
        assert!(h.padded);
        assert_eq!(h.identity_scope, Some(IdentityScope::Euid));
        assert_eq!(h.identity_type, Some(IdentityType::Phone));
        assert_eq!(h.master_key_id, -7);
        assert_eq!(h.master_iv(), &[9; 12]);
        assert_eq!(h.raw_uid_len, Some(33));
        // v3 tokens are standard base64 only.
        let url = text.replace('+', "-").replace('/', "_");
        if url != text {
            assert_eq!(inspect(&url), Err(DecryptError::InvalidPayload));
        }
    }

    #[test]
    fn reads_a_token_with_an_empty_raw_uid() {
        // Decryption accepts a v3/v4 token whose raw UID is empty (131 bytes, as Java does), so
        // inspect reads it too; one byte less is not a token.
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let mut bytes = vec![0u8; V3_OVERHEAD_BYTES];
        bytes[0] = 0x03;
        bytes[1] = VERSION_V4;
        let h = inspect(&URL_SAFE_NO_PAD.encode(&bytes)).unwrap();
        assert_eq!(h.raw_uid_len, Some(0));
        assert_eq!(h.layout().map(|s| s.len).sum::<usize>(), V3_OVERHEAD_BYTES);
        assert_eq!(
            inspect(&URL_SAFE_NO_PAD.encode(&bytes[..V3_OVERHEAD_BYTES - 1])),
            Err(DecryptError::InvalidPayload)
        );
    }

    #[test]
    fn reads_the_v2_header() {
        use base64::engine::general_purpose::STANDARD;
        let mut bytes = vec![0u8; 5 + 16 + 64];
        bytes[0] = 2;
        bytes[1..5].copy_from_slice(&12345i32.to_be_bytes());
        bytes[5..21].copy_from_slice(&[0xab; 16]);
        let h = inspect(&STANDARD.encode(&bytes)).unwrap();
        assert_eq!(h.version, TokenVersion::V2);
        assert_eq!(h.master_key_id, 12345);
        assert_eq!(h.master_iv(), &[0xab; 16]);
        assert_eq!(
            (h.identity_scope, h.identity_type, h.raw_uid_len),
            (None, None, None)
        );
        let segments: Vec<LayoutSegment> = h.layout().collect();
        assert!(
            segments
                .iter()
                .any(|s| s.name == "site key id" && s.offset == 29)
        );
        assert_eq!(segments.iter().map(|s| s.len).sum::<usize>(), bytes.len());
    }

    #[test]
    fn rejects_what_decryption_rejects() {
        assert_eq!(inspect(""), Err(DecryptError::InvalidPayload));
        assert_eq!(inspect("!!!!"), Err(DecryptError::InvalidPayload));
        assert_eq!(inspect("AAAA"), Err(DecryptError::VersionNotSupported));
        // A v4 header without the rest of the token.
        assert_eq!(inspect(&V4[..40]), Err(DecryptError::InvalidPayload));
        let long = "A".repeat(MAX_TOKEN_CHARS + 1);
        assert_eq!(
            inspect(&long),
            Err(DecryptError::TokenTooLong {
                len: MAX_TOKEN_CHARS + 1
            })
        );
    }
}
