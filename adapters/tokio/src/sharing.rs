//! The sharing client: encrypt raw UIDs into sharing tokens and decrypt them.

use std::sync::Arc;
use std::time::Duration;

use uid2::operator::key_refresh::KeyEndpoint;
use uid2::token::ClientType;
use uid2::{DecryptedToken, KeySet, SecureRandom, SharingToken, Timestamp};

use crate::bidstream::key_client_common;
use crate::clock::{self, OsRandom};
use crate::config::ClientConfig;
use crate::error::Error;
use crate::refresher::{KeyClient, RefreshStatus};
use crate::transport::Transport;

/// Encrypts raw UID2s into sharing tokens and decrypts sharing tokens
/// (`POST /v2/key/sharing` keys). Cheap to clone; `Send + Sync`.
///
/// Both operations are synchronous, lock-free and allocation-free over the current
/// `Arc<KeySet>` snapshot, which the background task swaps atomically on each refresh.
///
/// ```no_run
/// # async fn run() -> Result<(), uid2_tokio::Error> {
/// use uid2_tokio::{ClientConfig, SharingClient};
///
/// let config = ClientConfig::new("https://prod.uidapi.com", "my-api-key", "bXktc2VjcmV0LWJhc2U2NC0zMi1ieXRlcy1sb25nLi4=")?;
/// let client = SharingClient::new(config)?;
/// client.refresh().await?;
/// let token = client.encrypt_raw_uid_into_token("ywsvDNINiZOVSsfkHpLpSJzXzhr6Jx9Z/4Q0+lsEUvM=")?;
/// let back = client.decrypt_token_into_raw_uid(token.as_str())?;
/// assert_eq!(back.uid().as_str(), "ywsvDNINiZOVSsfkHpLpSJzXzhr6Jx9Z/4Q0+lsEUvM=");
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct SharingClient {
    keys: Arc<KeyClient>,
}

impl std::fmt::Debug for SharingClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.keys.debug("SharingClient", f)
    }
}

key_client_common!(SharingClient, KeyEndpoint::Sharing, "sharing");

impl SharingClient {
    /// Decrypts a sharing token into its raw UID.
    ///
    /// # Errors
    /// [`Error::Core`] with a [`DecryptError`](uid2::DecryptError) (see [`Error::decrypt_error`]) whose
    /// `as_status()` is the official status.
    pub fn decrypt_token_into_raw_uid(&self, token: &str) -> Result<DecryptedToken, Error> {
        self.decrypt_token_into_raw_uid_at(token, clock::now())
    }

    /// [`decrypt_token_into_raw_uid`](Self::decrypt_token_into_raw_uid) at a given time.
    ///
    /// # Errors
    /// As [`decrypt_token_into_raw_uid`](Self::decrypt_token_into_raw_uid).
    pub fn decrypt_token_into_raw_uid_at(
        &self,
        token: &str,
        now: Timestamp,
    ) -> Result<DecryptedToken, Error> {
        let keys = self.keys.store.keys.load();
        let result = uid2::token::decrypt(keys.as_deref(), token, ClientType::Sharing, None, now);
        self.keys.store.metrics.decrypted(&result);
        result.map_err(Error::from)
    }

    /// Encrypts a raw UID2 into a sharing token, with nonces from the OS generator.
    ///
    /// # Errors
    /// [`Error::Core`] with an [`EncryptError`](uid2::EncryptError) (see [`Error::encrypt_error`]) whose
    /// `as_status()` is the official status (`NOT_INITIALIZED`, `KEYS_NOT_SYNCED`,
    /// `NOT_AUTHORIZED_FOR_MASTER_KEY`, ...).
    pub fn encrypt_raw_uid_into_token(&self, raw_uid: &str) -> Result<SharingToken, Error> {
        self.encrypt_raw_uid_into_token_at(raw_uid, clock::now(), &mut OsRandom)
    }

    /// [`encrypt_raw_uid_into_token`](Self::encrypt_raw_uid_into_token) at a given time with a
    /// given random source.
    ///
    /// # Errors
    /// As [`encrypt_raw_uid_into_token`](Self::encrypt_raw_uid_into_token).
    pub fn encrypt_raw_uid_into_token_at(
        &self,
        raw_uid: &str,
        now: Timestamp,
        rng: &mut impl SecureRandom,
    ) -> Result<SharingToken, Error> {
        let keys = self.keys.store.keys.load();
        let result = uid2::token::encrypt(keys.as_deref(), raw_uid, now, rng);
        self.keys.store.metrics.encrypted(&result);
        result.map_err(Error::from)
    }
}
