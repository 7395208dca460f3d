//! One encryption key with its AES schedules expanded once.

use core::fmt;

#[cfg(any(feature = "legacy-v2", feature = "test-tokens"))]
use aes::cipher::KeyInit as _;

use crate::{KeySetError, Secret, Timestamp};

/// An AES-256 key from a key set, with its cipher state prepared at load time.
///
/// Prints its id, keyset and times; never its secret. The secret and the expanded schedules
/// are zeroized on drop.
#[derive(Clone)]
pub struct Key {
    id: i64,
    keyset_id: Option<i64>,
    site_id: Option<i64>,
    created: Timestamp,
    activates: Timestamp,
    expires: Timestamp,
    secret: Secret<32>,
    pub(crate) gcm: crate::codec::gcm::TokenCipher,
    /// The AES-256 schedule of v2 tokens (CBC), only in builds that read or build them.
    #[cfg(any(feature = "legacy-v2", feature = "test-tokens"))]
    pub(crate) block: aes::Aes256,
}

/// The descriptive fields of a [`Key`], for [`Key::new`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyParams {
    /// Key id, referenced from tokens.
    pub id: i64,
    /// The keyset the key belongs to; `None` for keys granted for decryption only.
    pub keyset_id: Option<i64>,
    /// The site that owns the key, when the key set says so.
    pub site_id: Option<i64>,
    /// When the key was created.
    pub created: Timestamp,
    /// When the key becomes usable for encryption.
    pub activates: Timestamp,
    /// When the key stops being usable for encryption.
    pub expires: Timestamp,
}

impl Key {
    /// A key from its parameters and 32-byte secret; expands the AES schedules.
    ///
    /// # Errors
    /// [`KeySetError::CipherSetup`] when the crypto library cannot prepare the key's cipher
    /// (with the `aws-lc` feature, when AWS-LC cannot allocate; never with the pure-Rust
    /// AES-GCM).
    pub fn new(params: KeyParams, secret: Secret<32>) -> Result<Self, KeySetError> {
        let bytes = secret.expose();
        let gcm = crate::codec::gcm::token_cipher(bytes)
            .ok_or(KeySetError::CipherSetup { key_id: params.id })?;
        #[cfg(any(feature = "legacy-v2", feature = "test-tokens"))]
        let block = aes::Aes256::new(bytes.into());
        Ok(Self {
            id: params.id,
            keyset_id: params.keyset_id,
            site_id: params.site_id,
            created: params.created,
            activates: params.activates,
            expires: params.expires,
            secret,
            gcm,
            #[cfg(any(feature = "legacy-v2", feature = "test-tokens"))]
            block,
        })
    }

    /// Key id.
    #[must_use]
    pub const fn id(&self) -> i64 {
        self.id
    }

    /// Keyset id, if the key belongs to one.
    #[must_use]
    pub const fn keyset_id(&self) -> Option<i64> {
        self.keyset_id
    }

    /// Owning site id, if the key set names one.
    #[must_use]
    pub const fn site_id(&self) -> Option<i64> {
        self.site_id
    }

    /// Creation time.
    #[must_use]
    pub const fn created(&self) -> Timestamp {
        self.created
    }

    /// Activation time.
    #[must_use]
    pub const fn activates(&self) -> Timestamp {
        self.activates
    }

    /// Expiry time.
    #[must_use]
    pub const fn expires(&self) -> Timestamp {
        self.expires
    }

    /// The key's secret. Handle with care.
    #[must_use]
    pub const fn secret(&self) -> &Secret<32> {
        &self.secret
    }

    /// Whether the key may be used for encryption at `now`: `activates <= now < expires`.
    #[must_use]
    pub fn is_active(&self, now: Timestamp) -> bool {
        self.activates <= now && now < self.expires
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Key")
            .field("id", &self.id)
            .field("keyset_id", &self.keyset_id)
            .field("site_id", &self.site_id)
            .field("created", &self.created)
            .field("activates", &self.activates)
            .field("expires", &self.expires)
            .field("secret", &self.secret)
            .finish()
    }
}
