//! Identity scope (UID2 or EUID) and identity type (email or phone).

use core::fmt;

/// Which identity framework a key set or token belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum IdentityScope {
    /// Unified ID 2.0.
    #[default]
    Uid2,
    /// European Unified ID.
    Euid,
}

impl IdentityScope {
    /// The official name: `"UID2"` or `"EUID"`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Uid2 => "UID2",
            Self::Euid => "EUID",
        }
    }

    /// The bit written into token and raw-UID headers (0 = UID2, 1 = EUID).
    #[must_use]
    pub(crate) const fn bit(self) -> u8 {
        match self {
            Self::Uid2 => 0,
            Self::Euid => 1,
        }
    }

    pub(crate) const fn from_bit(bit: u8) -> Self {
        if bit & 1 == 1 { Self::Euid } else { Self::Uid2 }
    }
}

impl fmt::Display for IdentityScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The kind of personal data an identity was derived from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IdentityType {
    /// An email address.
    Email,
    /// A phone number.
    Phone,
}

impl IdentityType {
    /// The official name: `"EMAIL"` or `"PHONE"`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Email => "EMAIL",
            Self::Phone => "PHONE",
        }
    }

    /// The two header bits (0 = email, 1 = phone).
    pub(crate) const fn bits(self) -> u8 {
        match self {
            Self::Email => 0,
            Self::Phone => 1,
        }
    }

    /// Readers treat any non-zero type value as phone.
    pub(crate) const fn from_bits(bits: u8) -> Self {
        if bits & 3 == 0 {
            Self::Email
        } else {
            Self::Phone
        }
    }

    /// The identity type that a raw UID's text implies, as the official encryptors derive it:
    /// a first character `B` or `F` means phone, anything else email.
    #[must_use]
    pub fn of_raw_uid(raw_uid: &str) -> Self {
        match raw_uid.as_bytes().first() {
            Some(b'B' | b'F') => Self::Phone,
            _ => Self::Email,
        }
    }
}

impl fmt::Display for IdentityType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
