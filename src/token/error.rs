use core::fmt;

use super::TokenInfo;

/// The official decryption statuses, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DecryptStatus {
    /// `SUCCESS`
    Success,
    /// `NOT_INITIALIZED`
    NotInitialized,
    /// `KEYS_NOT_SYNCED`
    KeysNotSynced,
    /// `INVALID_PAYLOAD`
    InvalidPayload,
    /// `VERSION_NOT_SUPPORTED`
    VersionNotSupported,
    /// `INVALID_IDENTITY_SCOPE`
    InvalidIdentityScope,
    /// `NOT_AUTHORIZED_FOR_MASTER_KEY`
    NotAuthorizedForMasterKey,
    /// `NOT_AUTHORIZED_FOR_KEY`
    NotAuthorizedForKey,
    /// `EXPIRED_TOKEN`
    ExpiredToken,
    /// `INVALID_TOKEN_LIFETIME`
    InvalidTokenLifetime,
    /// `DOMAIN_OR_APP_NAME_CHECK_FAILED`
    DomainOrAppNameCheckFailed,
}

impl DecryptStatus {
    /// Every status, once each, in declaration order: `ALL[s.index()] == s`. For a table
    /// with one entry per status (for example one metric counter each).
    pub const ALL: [Self; 11] = [
        Self::Success,
        Self::NotInitialized,
        Self::KeysNotSynced,
        Self::InvalidPayload,
        Self::VersionNotSupported,
        Self::InvalidIdentityScope,
        Self::NotAuthorizedForMasterKey,
        Self::NotAuthorizedForKey,
        Self::ExpiredToken,
        Self::InvalidTokenLifetime,
        Self::DomainOrAppNameCheckFailed,
    ];

    /// This status's position in [`ALL`](Self::ALL).
    #[must_use]
    pub const fn index(self) -> usize {
        match self {
            Self::Success => 0,
            Self::NotInitialized => 1,
            Self::KeysNotSynced => 2,
            Self::InvalidPayload => 3,
            Self::VersionNotSupported => 4,
            Self::InvalidIdentityScope => 5,
            Self::NotAuthorizedForMasterKey => 6,
            Self::NotAuthorizedForKey => 7,
            Self::ExpiredToken => 8,
            Self::InvalidTokenLifetime => 9,
            Self::DomainOrAppNameCheckFailed => 10,
        }
    }

    /// The official upper-case name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Success => "SUCCESS",
            Self::NotInitialized => "NOT_INITIALIZED",
            Self::KeysNotSynced => "KEYS_NOT_SYNCED",
            Self::InvalidPayload => "INVALID_PAYLOAD",
            Self::VersionNotSupported => "VERSION_NOT_SUPPORTED",
            Self::InvalidIdentityScope => "INVALID_IDENTITY_SCOPE",
            Self::NotAuthorizedForMasterKey => "NOT_AUTHORIZED_FOR_MASTER_KEY",
            Self::NotAuthorizedForKey => "NOT_AUTHORIZED_FOR_KEY",
            Self::ExpiredToken => "EXPIRED_TOKEN",
            Self::InvalidTokenLifetime => "INVALID_TOKEN_LIFETIME",
            Self::DomainOrAppNameCheckFailed => "DOMAIN_OR_APP_NAME_CHECK_FAILED",
        }
    }
}

impl fmt::Display for DecryptStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a token could not be decrypted. Each variant maps to one official status
/// ([`DecryptError::as_status`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecryptError {
    /// No key set has been loaded yet.
    NotInitialized,
    /// Every key of the loaded key set has expired: key refresh is not keeping up.
    KeysNotSynced,
    /// The token is malformed: bad base64, truncated, or a layer failed authentication.
    InvalidPayload,
    /// The token text is longer than [`MAX_TOKEN_CHARS`](super::MAX_TOKEN_CHARS) (reported as
    /// `INVALID_PAYLOAD`).
    TokenTooLong {
        /// Length of the given text.
        len: usize,
    },
    /// The token's version byte is not one this SDK reads.
    VersionNotSupported,
    /// The token's scope (UID2/EUID) differs from the key set's.
    InvalidIdentityScope,
    /// The key set has no key with the token's master key id.
    NotAuthorizedForMasterKey {
        /// The master key id named by the token.
        key_id: i32,
    },
    /// The key set has no key with the token's site key id: the token's publisher (or sharing
    /// sender) has not granted this client access.
    NotAuthorizedForKey {
        /// The site key id named by the token; `None` for a v2 token, whose site key id is read
        /// from unauthenticated ciphertext and is never reported (it would turn the error into
        /// a decryption oracle).
        key_id: Option<i32>,
    },
    /// The token expired before `now`.
    ExpiredToken(TokenInfo),
    /// The token's lifetime exceeds the key set's maximum, or its generation time lies further in
    /// the future than the allowed clock skew.
    InvalidTokenLifetime(TokenInfo),
    /// The token was generated client-side and the supplied domain or app name is not one of its
    /// site's names.
    DomainOrAppNameCheckFailed(TokenInfo),
}

impl DecryptError {
    /// The official status this error reports.
    #[must_use]
    pub const fn as_status(&self) -> DecryptStatus {
        match self {
            Self::NotInitialized => DecryptStatus::NotInitialized,
            Self::KeysNotSynced => DecryptStatus::KeysNotSynced,
            Self::InvalidPayload | Self::TokenTooLong { .. } => DecryptStatus::InvalidPayload,
            Self::VersionNotSupported => DecryptStatus::VersionNotSupported,
            Self::InvalidIdentityScope => DecryptStatus::InvalidIdentityScope,
            Self::NotAuthorizedForMasterKey { .. } => DecryptStatus::NotAuthorizedForMasterKey,
            Self::NotAuthorizedForKey { .. } => DecryptStatus::NotAuthorizedForKey,
            Self::ExpiredToken(_) => DecryptStatus::ExpiredToken,
            Self::InvalidTokenLifetime(_) => DecryptStatus::InvalidTokenLifetime,
            Self::DomainOrAppNameCheckFailed(_) => DecryptStatus::DomainOrAppNameCheckFailed,
        }
    }

    /// What the token says about itself, for failures that happen after it was opened.
    #[must_use]
    pub const fn token_info(&self) -> Option<&TokenInfo> {
        match self {
            Self::ExpiredToken(i)
            | Self::InvalidTokenLifetime(i)
            | Self::DomainOrAppNameCheckFailed(i) => Some(i),
            _ => None,
        }
    }
}

impl fmt::Display for DecryptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotInitialized => f.write_str("no key set has been loaded"),
            Self::KeysNotSynced => f.write_str("every key of the key set has expired; refresh keys"),
            Self::InvalidPayload => f.write_str("token is malformed or failed authentication"),
            Self::TokenTooLong { len } => write!(
                f,
                "token is {len} characters long; at most {} are accepted",
                super::MAX_TOKEN_CHARS
            ),
            Self::VersionNotSupported => f.write_str("token version is not supported"),
            Self::InvalidIdentityScope => {
                f.write_str("token identity scope does not match the key set's scope")
            }
            Self::NotAuthorizedForMasterKey { key_id } => {
                write!(f, "master key {key_id} is not in the key set")
            }
            Self::NotAuthorizedForKey { key_id: Some(key_id) } => {
                write!(f, "site key {key_id} is not in the key set; the token's site has not granted access")
            }
            Self::NotAuthorizedForKey { key_id: None } => f.write_str(
                "the token's site key is not in the key set; the token's site has not granted access",
            ),
            Self::ExpiredToken(info) => write!(f, "token expired at {}", info.expiry),
            Self::InvalidTokenLifetime(_) => f.write_str(
                "token lifetime exceeds the allowed maximum or it was generated too far in the future",
            ),
            Self::DomainOrAppNameCheckFailed(info) => write!(
                f,
                "client-side generated token for site {} is not allowed for this domain or app name",
                info.site_id
            ),
        }
    }
}

impl core::error::Error for DecryptError {}

/// The official encryption statuses, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EncryptStatus {
    /// `SUCCESS`
    Success,
    /// `NOT_INITIALIZED`
    NotInitialized,
    /// `KEYS_NOT_SYNCED`
    KeysNotSynced,
    /// `NOT_AUTHORIZED_FOR_MASTER_KEY`
    NotAuthorizedForMasterKey,
    /// `NOT_AUTHORIZED_FOR_KEY`
    NotAuthorizedForKey,
    /// `ENCRYPTION_FAILURE`
    EncryptionFailure,
}

impl EncryptStatus {
    /// Every status, once each, in declaration order: `ALL[s.index()] == s`. For a table
    /// with one entry per status (for example one metric counter each).
    pub const ALL: [Self; 6] = [
        Self::Success,
        Self::NotInitialized,
        Self::KeysNotSynced,
        Self::NotAuthorizedForMasterKey,
        Self::NotAuthorizedForKey,
        Self::EncryptionFailure,
    ];

    /// This status's position in [`ALL`](Self::ALL).
    #[must_use]
    pub const fn index(self) -> usize {
        match self {
            Self::Success => 0,
            Self::NotInitialized => 1,
            Self::KeysNotSynced => 2,
            Self::NotAuthorizedForMasterKey => 3,
            Self::NotAuthorizedForKey => 4,
            Self::EncryptionFailure => 5,
        }
    }

    /// The official upper-case name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Success => "SUCCESS",
            Self::NotInitialized => "NOT_INITIALIZED",
            Self::KeysNotSynced => "KEYS_NOT_SYNCED",
            Self::NotAuthorizedForMasterKey => "NOT_AUTHORIZED_FOR_MASTER_KEY",
            Self::NotAuthorizedForKey => "NOT_AUTHORIZED_FOR_KEY",
            Self::EncryptionFailure => "ENCRYPTION_FAILURE",
        }
    }
}

impl fmt::Display for EncryptStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a raw UID could not be encrypted into a sharing token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum EncryptError {
    /// No key set has been loaded yet.
    NotInitialized,
    /// Every key of the loaded key set has expired.
    KeysNotSynced,
    /// The master keyset has no key active at `now` (or the key set names no master keyset).
    NotAuthorizedForMasterKey,
    /// The encrypting keyset (the default keyset unless one is named) has no key active at
    /// `now`, or the key set names no default keyset.
    NotAuthorizedForKey,
    /// The raw UID is empty, not standard base64, or longer than
    /// [`MAX_RAW_UID_BYTES`](super::MAX_RAW_UID_BYTES) bytes.
    InvalidRawUid,
    /// A key id or the caller site id does not fit the token's 32-bit fields.
    IdOutOfRange,
    /// The random source failed.
    Random,
}

impl EncryptError {
    /// The official status this error reports.
    #[must_use]
    pub const fn as_status(&self) -> EncryptStatus {
        match self {
            Self::NotInitialized => EncryptStatus::NotInitialized,
            Self::KeysNotSynced => EncryptStatus::KeysNotSynced,
            Self::NotAuthorizedForMasterKey => EncryptStatus::NotAuthorizedForMasterKey,
            Self::NotAuthorizedForKey => EncryptStatus::NotAuthorizedForKey,
            Self::InvalidRawUid | Self::IdOutOfRange | Self::Random => {
                EncryptStatus::EncryptionFailure
            }
        }
    }
}

impl fmt::Display for EncryptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NotInitialized => "no key set has been loaded",
            Self::KeysNotSynced => "every key of the key set has expired; refresh keys",
            Self::NotAuthorizedForMasterKey => "no master key is active",
            Self::NotAuthorizedForKey => "no key of the encrypting keyset is active",
            Self::InvalidRawUid => "raw uid is empty, not standard base64, or too long",
            Self::IdOutOfRange => "a key id or the caller site id does not fit 32 bits",
            Self::Random => "the random source failed",
        })
    }
}

impl core::error::Error for EncryptError {}

#[cfg(test)]
mod tests {
    use super::{DecryptStatus, EncryptStatus};

    #[test]
    fn all_lists_each_status_once_at_its_index() {
        for (i, s) in DecryptStatus::ALL.iter().enumerate() {
            assert_eq!(s.index(), i, "{s}");
            assert_eq!(DecryptStatus::ALL.iter().filter(|t| t == &s).count(), 1);
        }
        for (i, s) in EncryptStatus::ALL.iter().enumerate() {
            assert_eq!(s.index(), i, "{s}");
            assert_eq!(EncryptStatus::ALL.iter().filter(|t| t == &s).count(), 1);
        }
    }
}
