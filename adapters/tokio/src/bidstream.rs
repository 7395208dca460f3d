//! The DSP client: decrypt bid-request tokens with keys refreshed in the background.

use std::sync::Arc;
use std::time::Duration;

use uid2::operator::key_refresh::KeyEndpoint;
use uid2::token::ClientType;
use uid2::{DecryptedToken, KeySet, Timestamp};

use crate::clock;
use crate::config::ClientConfig;
use crate::error::Error;
use crate::refresher::{KeyClient, RefreshStatus};
use crate::transport::Transport;

macro_rules! key_client_common {
    ($name:ident, $endpoint:expr, $what:literal) => {
        impl $name {
            #[doc = concat!("A ", $what, " client over the default transport. Its background task")]
            /// starts at once (the first refresh is immediate) and stops when the last clone of
            /// the client is dropped.
            ///
            /// # Errors
            /// [`Error::InvalidConfig`] outside a tokio runtime, or when the TLS configuration
            /// cannot be built.
            pub fn new(config: ClientConfig) -> Result<Self, Error> {
                Ok(Self {
                    keys: KeyClient::spawn_default($endpoint, config)?,
                })
            }

            /// Like [`new`](Self::new), over a caller-supplied transport.
            ///
            /// # Errors
            /// [`Error::InvalidConfig`] outside a tokio runtime.
            pub fn with_transport<T: Transport>(
                config: ClientConfig,
                transport: T,
            ) -> Result<Self, Error> {
                Ok(Self {
                    keys: KeyClient::spawn($endpoint, config, transport)?,
                })
            }

            /// Waits for a key-set fetch that completes after this call and returns its outcome:
            /// the first fetch, which starts with the client, or else one started now. The
            /// background task keeps refreshing hourly either way; call this once at startup to
            /// know the keys are there.
            ///
            /// While the refresh is backing off after a failure, the operator is not asked again
            /// before the retry time: the call returns the last failure at once
            /// (`refresh_status().next_attempt` says when the next attempt is). Calling this on
            /// every `NOT_INITIALIZED` therefore never floods an operator that is down.
            ///
            /// # Errors
            /// Why the refresh failed ([`Error::Http`] for a bad API key, [`Error::Core`] for a
            /// reply that does not open, [`Error::Transport`], [`Error::Timeout`]); the previous
            /// key set, if any, stays in use. [`Error::Closed`] when the runtime is shutting down.
            pub async fn refresh(&self) -> Result<(), Error> {
                self.keys.refresh().await
            }

            /// The current key set snapshot, if one was loaded.
            #[must_use]
            pub fn key_set(&self) -> Option<Arc<KeySet>> {
                self.keys.store.keys.load_full()
            }

            /// The state of the background refresh: last success, key-set age, failures in a
            /// row and the last error, the next attempt, and whether the background task is
            /// alive ([`RefreshStatus::worker`]: a task that panicked, in a caller-supplied
            /// transport say, shows as `Panicked`).
            #[must_use]
            pub fn refresh_status(&self) -> RefreshStatus {
                self.keys.status()
            }

            /// Failed refreshes since the last success.
            #[must_use]
            pub fn consecutive_refresh_failures(&self) -> u32 {
                self.keys.consecutive_failures()
            }

            /// When the last successful refresh completed.
            #[must_use]
            pub fn last_refresh_success(&self) -> Option<Timestamp> {
                self.keys.last_success()
            }

            /// How long ago the current key set was fetched (`None` before the first success).
            #[must_use]
            pub fn key_set_age(&self) -> Option<Duration> {
                self.keys.key_set_age()
            }
        }
    };
}
pub(crate) use key_client_common;

/// Decrypts UID2/EUID tokens from bid requests (`POST /v2/key/bidstream` keys). Cheap to clone;
/// `Send + Sync`.
///
/// Decryption is synchronous, lock-free and allocation-free: it reads the current
/// `Arc<KeySet>` snapshot, which the background task swaps atomically on each refresh. Before
/// the first successful refresh it reports `NOT_INITIALIZED`.
///
/// ```no_run
/// # async fn run() -> Result<(), uid2_tokio::Error> {
/// use uid2_tokio::{BidstreamClient, ClientConfig};
///
/// let config = ClientConfig::new("https://prod.uidapi.com", "my-api-key", "bXktc2VjcmV0LWJhc2U2NC0zMi1ieXRlcy1sb25nLi4=")?;
/// let client = BidstreamClient::new(config)?;
/// client.refresh().await?;
/// match client.decrypt_token_into_raw_uid("A4AAA...", Some("example.com")) {
///     Ok(decrypted) => println!("bid for {}", decrypted.uid().as_str()),
///     Err(e) => println!("no bid: {e}"),
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct BidstreamClient {
    keys: Arc<KeyClient>,
}

impl std::fmt::Debug for BidstreamClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.keys.debug("BidstreamClient", f)
    }
}

key_client_common!(BidstreamClient, KeyEndpoint::Bidstream, "bidstream");

impl BidstreamClient {
    /// Decrypts a bid request's token into its raw UID, checking `domain_or_app_name` (the
    /// request's site domain or app name, `None` when it has none) for client-side tokens.
    ///
    /// # Errors
    /// [`Error::Core`] with a [`DecryptError`](uid2::DecryptError) (see [`Error::decrypt_error`]) whose
    /// `as_status()` is the official status (`NOT_INITIALIZED`, `EXPIRED_TOKEN`,
    /// `DOMAIN_OR_APP_NAME_CHECK_FAILED`, ...). Building the error allocates nothing.
    pub fn decrypt_token_into_raw_uid(
        &self,
        token: &str,
        domain_or_app_name: Option<&str>,
    ) -> Result<DecryptedToken, Error> {
        self.decrypt_token_into_raw_uid_at(token, domain_or_app_name, clock::now())
    }

    /// [`decrypt_token_into_raw_uid`](Self::decrypt_token_into_raw_uid) at a given time.
    ///
    /// # Errors
    /// As [`decrypt_token_into_raw_uid`](Self::decrypt_token_into_raw_uid).
    pub fn decrypt_token_into_raw_uid_at(
        &self,
        token: &str,
        domain_or_app_name: Option<&str>,
        now: Timestamp,
    ) -> Result<DecryptedToken, Error> {
        let keys = self.keys.store.keys.load();
        let result = uid2::token::decrypt(
            keys.as_deref(),
            token,
            ClientType::Bidstream,
            domain_or_app_name,
            now,
        );
        self.keys.store.metrics.decrypted(&result);
        result.map_err(Error::from)
    }
}
