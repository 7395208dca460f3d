//! SHA-256 + standard base64 of normalized identities, and checks of caller-supplied hashes.

use core::fmt;

use base64::Engine as _;
use base64ct::Encoding as _;
use sha2::{Digest as _, Sha256};
use zeroize::Zeroize as _;

use super::{IdentityError, IdentityKind, email::Parsed, phone::validate_phone};
use crate::codec::b64;

/// Length of a hash in its text form: standard base64, with padding, of a 32-byte digest.
pub const HASH_TEXT_LEN: usize = 44;
/// Length of a SHA-256 digest.
const DIGEST_LEN: usize = 32;

/// The base64 text of a SHA-256 digest of a normalized email or phone number, with its kind.
///
/// This is what the operator receives as `email_hash` / `phone_hash`. The value is stored inline
/// (44 ASCII bytes), so making one never allocates. `Debug` does not print the hash, since a
/// hash of an email or phone number still identifies the person; use [`HashedIdentity::as_str`]
/// when the text is needed.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct HashedIdentity {
    kind: IdentityKind,
    text: [u8; HASH_TEXT_LEN],
}

impl HashedIdentity {
    /// Whether this is the hash of an email or of a phone number.
    #[must_use]
    pub const fn kind(&self) -> IdentityKind {
        self.kind
    }

    /// The hash as standard base64 with padding (44 characters, ending in `=`).
    #[must_use]
    pub fn as_str(&self) -> &str {
        // The text is always ASCII base64 (it is produced by the encoder or checked on input).
        core::str::from_utf8(&self.text).unwrap_or_default()
    }

    /// The hash text as bytes (44 ASCII bytes).
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; HASH_TEXT_LEN] {
        &self.text
    }

    /// Hashes normalized bytes.
    fn from_digest(kind: IdentityKind, digest: &[u8]) -> Result<Self, IdentityError> {
        let mut text = [0u8; HASH_TEXT_LEN];
        match b64::STANDARD.encode_slice(digest, &mut text) {
            Ok(HASH_TEXT_LEN) => Ok(Self { kind, text }),
            // 32 bytes always encode to exactly 44 characters; this branch is unreachable.
            _ => Err(IdentityError::BufferTooSmall {
                required: HASH_TEXT_LEN,
            }),
        }
    }
}

impl fmt::Debug for HashedIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HashedIdentity")
            .field("kind", &self.kind)
            .field("hash", &"<redacted>")
            .finish()
    }
}

/// Feeds bytes to SHA-256 through a small stack buffer, so the hasher is called once per chunk
/// rather than once per byte.
struct Staged {
    hasher: Sha256,
    buf: [u8; 64],
    len: usize,
}

impl Staged {
    fn new() -> Self {
        Self {
            hasher: Sha256::new(),
            buf: [0; 64],
            len: 0,
        }
    }

    fn push(&mut self, byte: u8) {
        if let Some(slot) = self.buf.get_mut(self.len) {
            *slot = byte;
            self.len = self.len.wrapping_add(1);
        } else {
            self.hasher.update(self.buf);
            if let Some(first) = self.buf.first_mut() {
                *first = byte;
            }
            self.len = 1;
        }
    }

    /// The digest. The staging buffer (the tail of the normalized identity) is wiped, and the
    /// hasher's own block buffer is wiped when it is dropped (sha2's `zeroize` feature).
    fn finish(&mut self) -> [u8; DIGEST_LEN] {
        let mut hasher = core::mem::take(&mut self.hasher);
        hasher.update(self.buf.get(..self.len).unwrap_or_default());
        self.buf.zeroize();
        self.len = 0;
        hasher.finalize().into()
    }
}

/// Normalizes an email (see [`normalize_email`](super::normalize_email)) and hashes it, without
/// allocating.
///
/// # Errors
/// [`IdentityError::InvalidEmail`] when the input is not a valid email.
pub fn hash_email(email: &str) -> Result<HashedIdentity, IdentityError> {
    let parsed = Parsed::new(email)?;
    let mut staged = Staged::new();
    parsed.for_each_byte(|b| staged.push(b));
    HashedIdentity::from_digest(IdentityKind::Email, &staged.finish())
}

/// Validates a phone number (see [`validate_phone`](super::validate_phone)) and hashes it.
///
/// # Errors
/// [`IdentityError::InvalidPhone`] when the input is not a `+` followed by 10 to 15 ASCII digits.
pub fn hash_phone(phone: &str) -> Result<HashedIdentity, IdentityError> {
    validate_phone(phone)?;
    HashedIdentity::from_digest(IdentityKind::Phone, &Sha256::digest(phone.as_bytes()))
}

/// Accepts a caller-supplied hash of an email.
///
/// A strict check, stricter than the operator (which accepts 30 to 33 decoded bytes): 44
/// characters of padded standard base64 that decode to exactly 32 bytes (kept as given), or 64
/// hexadecimal digits in either case (converted to the base64 form, which the operator maps to
/// the same UID2). Request builders that take caller hashes send them unchanged instead.
///
/// # Errors
/// [`IdentityError::InvalidHash`] for any other input.
pub fn hashed_email(b64: &str) -> Result<HashedIdentity, IdentityError> {
    parse_hash(IdentityKind::Email, b64)
}

/// Accepts a caller-supplied hash of a phone number; the accepted forms are those of
/// [`hashed_email`].
///
/// # Errors
/// [`IdentityError::InvalidHash`] for any other input.
pub fn hashed_phone(b64: &str) -> Result<HashedIdentity, IdentityError> {
    parse_hash(IdentityKind::Phone, b64)
}

fn parse_hash(kind: IdentityKind, text: &str) -> Result<HashedIdentity, IdentityError> {
    let invalid = IdentityError::InvalidHash { kind };
    let mut digest = [0u8; DIGEST_LEN];
    match text.len() {
        HASH_TEXT_LEN => {
            // Strict: padding required, canonical trailing bits, standard alphabet only.
            let decoded = base64ct::Base64::decode(text, &mut digest).map_err(|_| invalid)?;
            if decoded.len() != DIGEST_LEN {
                return Err(invalid);
            }
            let mut out = [0u8; HASH_TEXT_LEN];
            out.copy_from_slice(text.as_bytes());
            Ok(HashedIdentity { kind, text: out })
        }
        64 => {
            for (byte, pair) in digest.iter_mut().zip(text.as_bytes().chunks_exact(2)) {
                let [hi, lo] = pair else { return Err(invalid) };
                *byte = hex_value(*hi)
                    .zip(hex_value(*lo))
                    .map(|(h, l)| h.wrapping_mul(16) | l)
                    .ok_or(invalid)?;
            }
            HashedIdentity::from_digest(kind, &digest)
        }
        _ => Err(invalid),
    }
}

const fn hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c.wrapping_sub(b'0')),
        b'a'..=b'f' => Some(c.wrapping_sub(b'a').wrapping_add(10)),
        b'A'..=b'F' => Some(c.wrapping_sub(b'A').wrapping_add(10)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staging_buffer_is_wiped_when_the_digest_is_taken() {
        let email = "someone.with.a.long.name@example.com";
        let mut staged = Staged::new();
        for b in email.bytes() {
            staged.push(b);
        }
        assert!(staged.buf.iter().any(|&b| b != 0));
        let digest = staged.finish();
        assert!(
            staged.buf.iter().all(|&b| b == 0),
            "normalized bytes left behind"
        );
        assert_eq!(digest, <[u8; 32]>::from(Sha256::digest(email.as_bytes())));
    }

    #[test]
    fn spec_examples() {
        assert_eq!(
            hash_email("  JaneSaoirse+Work@gmail.com").unwrap().as_str(),
            "ku4mBX7Z3qJTXWyLFB1INzkyR2WZGW4ANSJUiW21iI8="
        );
        assert_eq!(
            hash_phone("+12345678901").unwrap().as_str(),
            "EObwtHBUqDNZR33LNSMdtt5cafsYFuGmuY4ZLenlue4="
        );
        // A long local part goes through several staging chunks.
        let long = "a".repeat(300) + "@example.com";
        let direct = Sha256::digest(long.as_bytes());
        let want = HashedIdentity::from_digest(IdentityKind::Email, &direct).unwrap();
        assert_eq!(hash_email(&long).unwrap(), want);
    }

    #[test]
    fn caller_hashes() {
        let h = hashed_phone("EObwtHBUqDNZR33LNSMdtt5cafsYFuGmuY4ZLenlue4=").unwrap();
        assert_eq!(h.kind(), IdentityKind::Phone);
        let hex = "10e6f0b47054a83359477dcb35231db6de5c69fb1816e1a6b98e192de9e5b9ee";
        assert_eq!(hashed_phone(hex).unwrap(), h);
        assert_eq!(hashed_phone(&hex.to_ascii_uppercase()).unwrap(), h);
        for bad in [
            "",
            "EObwtHBUqDNZR33LNSMdtt5cafsYFuGmuY4ZLenlue4",
            "EObwtHBUqDNZR33LNSMdtt5cafsYFuGmuY4ZLenlue4-",
            "EObwtHBUqDNZR33LNSMdtt5cafsYFuGmuY4ZLenlu===",
            "10e6f0b47054a83359477dcb35231db6de5c69fb1816e1a6b98e192de9e5b9eg",
        ] {
            assert_eq!(
                hashed_email(bad),
                Err(IdentityError::InvalidHash {
                    kind: IdentityKind::Email
                }),
                "{bad}"
            );
        }
        assert!(!std::format!("{h:?}").contains("EObw"));
    }
}
