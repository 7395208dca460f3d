//! Email and phone normalization and hashing.
//!
//! The operator identifies a person by the SHA-256 of their normalized email address or phone
//! number, sent as standard base64 (`email_hash`, `phone_hash`). This module computes those
//! hashes locally, with the operator's own normalization rules, so that a hash made here maps to
//! the same UID2 as the raw value would.
//!
//! | step | function | allocates |
//! | --- | --- | --- |
//! | normalize an email into a buffer | [`normalize_email`] | no |
//! | validate / copy a phone number | [`validate_phone`], [`normalize_phone`] | no |
//! | normalize and hash | [`hash_email`], [`hash_phone`] → [`HashedIdentity`] | no |
//! | accept a caller's hash | [`hashed_email`], [`hashed_phone`] → [`HashedIdentity`] | no |
//! | the same, returning `String` | `normalized_email`, `normalized_phone` (`alloc`) | yes |
//!
//! Raw emails and phone numbers never appear in an error, and [`HashedIdentity`] does not print
//! its hash in `Debug`.
//!
//! ```
//! use uid2::identity::{hash_email, normalize_email, IdentityKind};
//!
//! let mut buf = [0u8; 64];
//! let n = normalize_email("  Jane.Doe+news@GMAIL.com ", &mut buf)?;
//! assert_eq!(&buf[..n], b"janedoe@gmail.com");
//!
//! let hash = hash_email("jane.doe@gmail.com")?;
//! assert_eq!(hash.kind(), IdentityKind::Email);
//! assert_eq!(hash.as_str(), "1hFzBkhe0OUK+rOshx6Y+BaZFR8wKBUn1j/18jNlbGk=");
//! # Ok::<(), uid2::identity::IdentityError>(())
//! ```

use core::fmt;

mod email;
mod hash;
mod phone;

pub use email::{max_normalized_email_len, normalize_email, normalized_email_len};
pub use hash::{HASH_TEXT_LEN, HashedIdentity, hash_email, hash_phone, hashed_email, hashed_phone};
pub use phone::{MAX_PHONE_DIGITS, MIN_PHONE_DIGITS, normalize_phone, validate_phone};

/// The kind of directly identifying information (DII) an identity is made from.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum IdentityKind {
    /// An email address (`email_hash` on the wire).
    Email,
    /// A phone number in E.164 form (`phone_hash` on the wire).
    Phone,
}

impl IdentityKind {
    /// `"email"` or `"phone"`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Phone => "phone",
        }
    }
}

impl fmt::Display for IdentityKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why an email, phone number or caller-supplied hash was rejected. Never contains the input.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdentityError {
    /// Not a valid email: no `@`, a second `@`, an empty domain or an empty local part.
    InvalidEmail,
    /// Not a `+` followed by 10 to 15 ASCII digits.
    InvalidPhone,
    /// A caller-supplied hash that is neither 44 characters of standard base64 of 32 bytes nor
    /// 64 hexadecimal digits.
    InvalidHash {
        /// What the hash was supposed to be a hash of.
        kind: IdentityKind,
    },
    /// The output buffer is too short; nothing was written.
    BufferTooSmall {
        /// The number of bytes needed.
        required: usize,
    },
}

impl fmt::Display for IdentityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidEmail => f.write_str("invalid email address"),
            Self::InvalidPhone => {
                f.write_str("invalid phone number: expected '+' followed by 10 to 15 ASCII digits")
            }
            Self::InvalidHash { kind } => write!(
                f,
                "invalid {kind} hash: expected base64 of a SHA-256 digest (44 characters) or 64 hex digits"
            ),
            Self::BufferTooSmall { required } => {
                write!(f, "output buffer too small: {required} bytes required")
            }
        }
    }
}

impl core::error::Error for IdentityError {}

#[cfg(feature = "alloc")]
mod owned {
    use alloc::string::String;

    use super::{IdentityError, email, phone};

    /// Normalizes an email (see [`normalize_email`](super::normalize_email)) into a new `String`.
    ///
    /// # Errors
    /// [`IdentityError::InvalidEmail`] when the input is not a valid email.
    pub fn normalized_email(input: &str) -> Result<String, IdentityError> {
        let mut out = alloc::vec![0u8; email::normalized_email_len(input)?];
        let len = email::normalize_email(input, &mut out)?;
        out.truncate(len);
        // Normalization removes only ASCII bytes and lowercases ASCII letters, so UTF-8 input
        // stays UTF-8.
        String::from_utf8(out).map_err(|_| IdentityError::InvalidEmail)
    }

    /// Validates a phone number (see [`validate_phone`](super::validate_phone)) and returns it as
    /// a new `String` (a valid phone number is its own normalized form).
    ///
    /// # Errors
    /// [`IdentityError::InvalidPhone`] when the input is not a `+` followed by 10 to 15 ASCII
    /// digits.
    pub fn normalized_phone(input: &str) -> Result<String, IdentityError> {
        phone::validate_phone(input)?;
        Ok(String::from(input))
    }
}

#[cfg(feature = "alloc")]
pub use owned::{normalized_email, normalized_phone};
