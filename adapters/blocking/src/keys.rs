//! The bidstream (DSP) and sharing roles: a key set kept fresh by the core's `KeyRefresher`,
//! and lock-free decryption and encryption against an immutable snapshot of it.

use std::fmt;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use arc_swap::ArcSwapOption;
use uid2::operator::key_refresh::{KeyEndpoint, KeyRefresher};
use uid2::token::{self, ClientType};
use uid2::{DecryptedToken, KeySet, SharingToken, Timestamp};

use crate::clock;
use crate::config::ClientConfig;
use crate::error::Error;
use crate::operator::Operator;
use crate::random::OsRandom;
use crate::transport::{Transport, UreqTransport};
pub use uid2_http::RefreshStatus;

/// The longest the refresh thread sleeps before looking at the schedule again.
const MAX_SLEEP: Duration = Duration::from_secs(3600);

/// The shared state of a bidstream or sharing client.
struct KeyState {
    operator: Operator,
    /// The current key set; replaced whole on every successful refresh, never mutated.
    keys: ArcSwapOption<KeySet>,
    /// The schedule. Locked only by refreshes, never by decryption or encryption.
    refresher: Mutex<KeyRefresher>,
    /// Read by callers only; never touched by decryption or encryption.
    status: Mutex<RefreshStatus>,
}

impl KeyState {
    fn new(config: &ClientConfig, endpoint: KeyEndpoint, transport: Arc<dyn Transport>) -> Self {
        let operator = Operator::with_transport(config, transport);
        let refresher = KeyRefresher::new(
            endpoint,
            operator.credentials().clone(),
            config.key_refresh,
            clock::now(),
        );
        Self {
            operator,
            keys: ArcSwapOption::empty(),
            refresher: Mutex::new(refresher),
            status: Mutex::new(RefreshStatus::default()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, KeyRefresher> {
        self.refresher
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn status(&self) -> MutexGuard<'_, RefreshStatus> {
        self.status.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// One refresh now, whatever the schedule: the refresher is asked for an attempt at once
    /// and driven through it (a failure backs off from the current failure count).
    fn refresh_now(&self) -> Result<(), Error> {
        let mut refresher = self.lock();
        refresher.request_refresh(clock::now());
        self.drive(&mut refresher).unwrap_or(Ok(()))
    }

    /// Drives the refresher once: time out a request in flight, send what is due, feed back
    /// the reply, install new keys. `None` when nothing was due.
    fn drive(&self, refresher: &mut KeyRefresher) -> Option<Result<(), Error>> {
        let now = clock::now();
        refresher.handle_timeout(now);
        let mut transport_error = None;
        match refresher.poll_transmit(now, &mut OsRandom) {
            // Nothing due; a failure to seal is counted by the refresher and reported below.
            Ok(None) | Err(_) => {}
            Ok(Some(request)) => match self.operator.send(&request) {
                Ok(mut reply) => refresher.handle_response(
                    clock::now(),
                    reply.status,
                    reply.content_type.as_deref(),
                    &mut reply.body,
                ),
                Err(e) => {
                    refresher.handle_transport_error(clock::now());
                    transport_error = Some(e);
                }
            },
        }
        let mut outcome = None;
        while let Some(event) = refresher.poll_event() {
            let done = clock::now();
            let mut status = self.status();
            match status.record(event, done, &mut transport_error) {
                Some(Ok(keys)) => {
                    self.keys.store(Some(Arc::new(keys)));
                    outcome = Some(Ok(()));
                }
                Some(Err(error)) => outcome = Some(Err(error)),
                None => {}
            }
        }
        self.status().next_attempt = refresher.poll_timeout();
        outcome
    }

    /// How long the refresh thread may sleep.
    fn next_wake(&self) -> Duration {
        let due = self.lock().poll_timeout();
        due.map_or(MAX_SLEEP, |t| clock::until(t, clock::now()).min(MAX_SLEEP))
    }

    fn last_success(&self) -> Option<Timestamp> {
        self.status().last_success
    }

    fn key_set_age(&self) -> Option<Duration> {
        self.last_success().map(|t| clock::until(clock::now(), t))
    }
}

fn run_refresh_thread(state: &KeyState, stop: &mpsc::Receiver<()>) {
    loop {
        match stop.recv_timeout(state.next_wake()) {
            Err(RecvTimeoutError::Timeout) => {}
            Ok(()) | Err(RecvTimeoutError::Disconnected) => return,
        }
        let mut refresher = state.lock();
        let _ = state.drive(&mut refresher);
    }
}

/// Stops the background refresh thread when dropped, and waits for it (at most one request
/// timeout when a refresh is in flight).
#[must_use = "dropping the guard stops the refresh thread"]
pub struct RefreshGuard {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl fmt::Debug for RefreshGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RefreshGuard")
            .field("running", &self.thread.is_some())
            .finish()
    }
}

impl RefreshGuard {
    /// Stops the thread and waits for it; the same as dropping the guard.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for RefreshGuard {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn start_thread(state: &Arc<KeyState>) -> Result<RefreshGuard, Error> {
    let (stop, stopped) = mpsc::channel();
    let state = Arc::clone(state);
    let thread = std::thread::Builder::new()
        .name("uid2-key-refresh".to_owned())
        .spawn(move || run_refresh_thread(&state, &stopped))
        .map_err(|e| Error::Spawn(Arc::new(e)))?;
    Ok(RefreshGuard {
        stop: Some(stop),
        thread: Some(thread),
    })
}

macro_rules! key_client_common {
    () => {
        /// A client for `config` over the default ureq transport. No request is made until
        /// [`refresh`](Self::refresh) or [`start_refresh_thread`](Self::start_refresh_thread).
        ///
        /// # Errors
        /// None today; the `Result` keeps the signature of the async adapter.
        pub fn new(config: ClientConfig) -> Result<Self, Error> {
            let transport = Arc::new(UreqTransport::from_config(&config));
            Ok(Self::build(&config, transport))
        }

        /// A client for `config` that sends through `transport`.
        ///
        /// # Errors
        /// None today; the `Result` keeps the signature of the async adapter.
        pub fn with_transport<T: Transport>(
            config: ClientConfig,
            transport: T,
        ) -> Result<Self, Error> {
            Ok(Self::build(&config, Arc::new(transport)))
        }

        /// Fetches the key set once, now, and installs it.
        ///
        /// The last good key set stays in use when this fails; it remains usable until its
        /// keys expire (decryption then reports `KEYS_NOT_SYNCED`). The refresh schedule
        /// continues from this attempt: after a success the refresh thread's next attempt is
        /// one refresh interval later; after a failure it backs off as for any failure in a
        /// row (a forced attempt does not reset the backoff).
        ///
        /// # Errors
        /// [`Error::Transport`] or [`Error::Timeout`] when the operator could not be reached,
        /// [`Error::Http`] for a status other than 200 (401: the API key lacks the role),
        /// [`Error::Core`] when the reply or its key set was rejected.
        pub fn refresh(&self) -> Result<(), Error> {
            self.state.refresh_now()
        }

        /// Starts a thread that keeps the key set fresh on the core's schedule (hourly with
        /// jitter; exponential backoff after failures), until the returned guard is dropped.
        /// The first refresh happens at once unless [`refresh`](Self::refresh) already
        /// succeeded.
        ///
        /// # Errors
        /// [`Error::Spawn`] when the thread cannot be started.
        pub fn start_refresh_thread(&self) -> Result<RefreshGuard, Error> {
            start_thread(&self.state)
        }

        /// When the last successful refresh completed.
        #[must_use]
        pub fn last_refresh_success(&self) -> Option<Timestamp> {
            self.state.last_success()
        }

        /// How long ago the current key set was fetched (`None` before the first success).
        #[must_use]
        pub fn key_set_age(&self) -> Option<Duration> {
            self.state.key_set_age()
        }

        /// The state of the key refresh.
        #[must_use]
        pub fn refresh_status(&self) -> RefreshStatus {
            self.state.status().clone()
        }

        /// Failed refreshes since the last success.
        #[must_use]
        pub fn consecutive_refresh_failures(&self) -> u32 {
            self.state.status().consecutive_failures
        }

        /// The current key set snapshot, if one was fetched.
        #[must_use]
        pub fn key_set(&self) -> Option<Arc<KeySet>> {
            self.state.keys.load_full()
        }
    };
}

/// A DSP's client: keeps the `/v2/key/bidstream` key set and decrypts bid-request tokens.
///
/// Cloning is cheap and shares the key set. Decryption is lock-free and allocation-free.
///
/// ```no_run
/// use uid2_blocking::{BidstreamClient, ClientConfig};
///
/// let client = BidstreamClient::new(ClientConfig::new("https://operator-integ.uidapi.com", "key", "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI=")?)?;
/// let _guard = client.start_refresh_thread()?;
/// match client.decrypt_token_into_raw_uid("A4AAA...", Some("example.com")) {
///     Ok(token) => println!("raw uid {}", token.uid().as_str()),
///     Err(e) => println!("no bid: {e}"),
/// }
/// # Ok::<(), uid2_blocking::Error>(())
/// ```
#[derive(Clone)]
pub struct BidstreamClient {
    state: Arc<KeyState>,
}

impl fmt::Debug for BidstreamClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BidstreamClient")
            .field("operator", &self.state.operator)
            .field("has_keys", &self.state.keys.load().is_some())
            .field("last_refresh_success", &self.state.last_success())
            .finish()
    }
}

impl BidstreamClient {
    fn build(config: &ClientConfig, transport: Arc<dyn Transport>) -> Self {
        Self {
            state: Arc::new(KeyState::new(config, KeyEndpoint::Bidstream, transport)),
        }
    }

    key_client_common!();

    /// Decrypts a token from a bid request, at the current time. `domain_or_app_name` is the
    /// request's site domain or app name (`None` when it has none).
    ///
    /// # Errors
    /// [`Error::Core`] with a [`DecryptError`](uid2::DecryptError) (see
    /// [`Error::decrypt_error`]); its `as_status()` is the official status, for example
    /// `NOT_INITIALIZED` before the first successful refresh.
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
        let keys = self.state.keys.load();
        Ok(token::decrypt(
            keys.as_deref(),
            token,
            ClientType::Bidstream,
            domain_or_app_name,
            now,
        )?)
    }
}

/// A sharer's client: keeps the `/v2/key/sharing` key set, encrypts raw UID2s into sharing
/// tokens and decrypts tokens shared with it.
///
/// Cloning is cheap and shares the key set. Encryption and decryption never lock.
///
/// ```no_run
/// use uid2_blocking::{ClientConfig, SharingClient};
///
/// let client = SharingClient::new(ClientConfig::new("https://operator-integ.uidapi.com", "key", "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI=")?)?;
/// client.refresh()?;
/// let token = client.encrypt_raw_uid_into_token("ywsvDNINiZOVSsfkHpLpSJzXzhr6Jx9Z/4Q0+lsEUvM=")?;
/// let back = client.decrypt_token_into_raw_uid(token.as_str())?;
/// assert_eq!(back.uid().as_str(), "ywsvDNINiZOVSsfkHpLpSJzXzhr6Jx9Z/4Q0+lsEUvM=");
/// # Ok::<(), uid2_blocking::Error>(())
/// ```
#[derive(Clone)]
pub struct SharingClient {
    state: Arc<KeyState>,
}

impl fmt::Debug for SharingClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharingClient")
            .field("operator", &self.state.operator)
            .field("has_keys", &self.state.keys.load().is_some())
            .field("last_refresh_success", &self.state.last_success())
            .finish()
    }
}

impl SharingClient {
    fn build(config: &ClientConfig, transport: Arc<dyn Transport>) -> Self {
        Self {
            state: Arc::new(KeyState::new(config, KeyEndpoint::Sharing, transport)),
        }
    }

    key_client_common!();

    /// Decrypts a sharing token, at the current time.
    ///
    /// # Errors
    /// [`Error::Core`] with a [`DecryptError`](uid2::DecryptError) (see
    /// [`Error::decrypt_error`]); its `as_status()` is the official status.
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
        let keys = self.state.keys.load();
        Ok(token::decrypt(
            keys.as_deref(),
            token,
            ClientType::Sharing,
            None,
            now,
        )?)
    }

    /// Encrypts a raw UID2 into a sharing token with the key set's default keyset, at the
    /// current time, with nonces from the OS.
    ///
    /// # Errors
    /// [`Error::Core`] with an [`EncryptError`](uid2::EncryptError) (see
    /// [`Error::encrypt_error`]); its `as_status()` is the official status.
    pub fn encrypt_raw_uid_into_token(&self, raw_uid: &str) -> Result<SharingToken, Error> {
        self.encrypt_raw_uid_into_token_at(raw_uid, clock::now())
    }

    /// [`encrypt_raw_uid_into_token`](Self::encrypt_raw_uid_into_token) at a given time.
    ///
    /// # Errors
    /// As [`encrypt_raw_uid_into_token`](Self::encrypt_raw_uid_into_token).
    pub fn encrypt_raw_uid_into_token_at(
        &self,
        raw_uid: &str,
        now: Timestamp,
    ) -> Result<SharingToken, Error> {
        let keys = self.state.keys.load();
        Ok(token::encrypt(
            keys.as_deref(),
            raw_uid,
            now,
            &mut OsRandom,
        )?)
    }
}
