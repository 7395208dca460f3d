//! The bidstream (DSP) and sharing roles: a key set kept fresh by the core's `KeyRefresher`,
//! and lock-free decryption and encryption against an immutable snapshot of it.
//!
//! Refreshes are scheduled on the monotonic clock (see [`uid2_http::schedule`] for how
//! schedule time maps onto the core's `Timestamp`s); the request envelope, decryption and the
//! reported times use the wall clock. The refresh thread records how it ended, so a panic shows
//! in [`RefreshStatus::worker`].

use std::fmt;
use std::panic::{self, AssertUnwindSafe};
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
use uid2_http::WorkerCell;
use uid2_http::schedule::{Clock, ScheduleClock, SystemClock};
use uid2_http::telemetry::{self, RefreshTelemetry, TokenMetrics};
pub use uid2_http::{RefreshStatus, RefreshWorker};

/// The longest the refresh thread sleeps before looking at the schedule again, so that the
/// gauges (key-set age) and the decryption counters reach the metrics recorder at least every
/// 10 seconds.
const MAX_SLEEP: Duration = Duration::from_secs(10);

/// The shared state of a bidstream or sharing client.
struct KeyState {
    operator: Operator,
    /// The current key set; replaced whole on every successful refresh, never mutated.
    keys: ArcSwapOption<KeySet>,
    /// The schedule. Locked only by refreshes, never by decryption or encryption.
    refresher: Mutex<KeyRefresher>,
    /// Read by callers only; never touched by decryption or encryption.
    status: Mutex<RefreshStatus>,
    /// Schedule time for the refresher: monotonic, so a wall-clock step moves no refresh.
    schedule: ScheduleClock<Arc<dyn Clock>>,
    /// Whether a refresh thread runs, stopped or panicked.
    worker: WorkerCell,
    telemetry: RefreshTelemetry,
    /// Decryption and encryption counters (no-ops without the `metrics` feature).
    metrics: TokenMetrics,
}

impl KeyState {
    fn new(config: &ClientConfig, endpoint: KeyEndpoint, transport: Arc<dyn Transport>) -> Self {
        Self::with_clock(config, endpoint, transport, Arc::new(SystemClock))
    }

    /// [`new`](Self::new) with the clock the refresh reads (a test seam).
    fn with_clock(
        config: &ClientConfig,
        endpoint: KeyEndpoint,
        transport: Arc<dyn Transport>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let operator = Operator::with_transport(config, transport);
        let schedule = ScheduleClock::new(clock);
        let refresher = KeyRefresher::new(
            endpoint,
            operator.credentials().clone(),
            config.key_refresh,
            schedule.now(),
        );
        Self {
            operator,
            keys: ArcSwapOption::empty(),
            refresher: Mutex::new(refresher),
            status: Mutex::new(RefreshStatus::default()),
            schedule,
            worker: WorkerCell::default(),
            telemetry: RefreshTelemetry::new(endpoint),
            metrics: TokenMetrics::new(telemetry::role(endpoint), endpoint == KeyEndpoint::Sharing),
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

    /// One refresh now, ahead of the schedule: the refresher is asked for an attempt at once
    /// and driven through it. While a failure is pending the backoff holds: the operator is
    /// not asked again before the retry time, and the last failure is returned at once.
    fn refresh_now(&self) -> Result<(), Error> {
        let mut refresher = self.lock();
        if !refresher.request_refresh(self.schedule.now()) {
            return self.status().last_error.clone().map_or(Ok(()), Err);
        }
        self.drive(&mut refresher).unwrap_or(Ok(()))
    }

    /// Drives the refresher once: time out a request in flight, send what is due, feed back
    /// the reply, install new keys. `None` when nothing was due.
    fn drive(&self, refresher: &mut KeyRefresher) -> Option<Result<(), Error>> {
        let schedule = &self.schedule;
        let now = schedule.now();
        refresher.handle_timeout(now);
        let mut transport_error = None;
        match refresher.poll_transmit_with_request_time(now, schedule.wall(), &mut OsRandom) {
            // Nothing due; a failure to seal is counted by the refresher and reported below.
            Ok(None) | Err(_) => {}
            Ok(Some(request)) => match self.operator.send(&request) {
                Ok(mut reply) => refresher.handle_response(
                    schedule.now(),
                    reply.status,
                    reply.content_type.as_deref(),
                    &mut reply.body,
                ),
                Err(e) => {
                    refresher.handle_transport_error(schedule.now());
                    transport_error = Some(e);
                }
            },
        }
        let mut outcome = None;
        let next = refresher.poll_timeout();
        while let Some(event) = refresher.poll_event() {
            let retry_in = next.map_or(0, |t| t.saturating_millis_since(schedule.now()));
            self.telemetry.event(&event, retry_in);
            let mut status = self.status();
            match status.record(
                event,
                schedule.wall(),
                schedule.monotonic(),
                &mut transport_error,
            ) {
                Some(Ok(keys)) => {
                    self.keys.store(Some(Arc::new(keys)));
                    outcome = Some(Ok(()));
                }
                Some(Err(error)) => outcome = Some(Err(error)),
                None => {}
            }
        }
        self.status()
            .schedule_next(next.map(|t| schedule.instant_of(t)));
        self.telemetry.gauges(&self.refresh_status());
        outcome
    }

    /// How long the refresh thread may sleep: until the next attempt by the monotonic clock,
    /// at most [`MAX_SLEEP`].
    fn next_wake(&self) -> Duration {
        let due = self.lock().poll_timeout();
        due.map_or(MAX_SLEEP, |t| self.schedule.until(t).min(MAX_SLEEP))
    }

    fn last_success(&self) -> Option<Timestamp> {
        self.status().last_success
    }

    /// The refresh status as of now. Publishes the decryption and encryption counts to the
    /// metrics recorder on the way.
    fn refresh_status(&self) -> RefreshStatus {
        self.metrics.publish();
        self.status().clone().as_of(
            self.schedule.monotonic(),
            self.schedule.wall(),
            self.worker.get(),
        )
    }

    fn key_set_age(&self) -> Option<Duration> {
        self.refresh_status().key_set_age
    }

    fn set_worker(&self, state: RefreshWorker) {
        self.worker.set(state);
        self.metrics.publish();
        self.telemetry.worker(state);
    }
}

fn run_refresh_thread(state: &KeyState, stop: &mpsc::Receiver<()>) {
    loop {
        state.telemetry.gauges(&state.refresh_status());
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
    state.set_worker(RefreshWorker::Running);
    let worker = Arc::clone(&state);
    let thread = std::thread::Builder::new()
        .name("uid2-key-refresh".to_owned())
        .spawn(move || {
            // A panic (in a caller's `Transport`, say) ends the thread; record it so that
            // `refresh_status()` shows it, then let it propagate to `join`.
            let ended = panic::catch_unwind(AssertUnwindSafe(|| {
                run_refresh_thread(&worker, &stopped);
            }));
            match ended {
                Ok(()) => worker.set_worker(RefreshWorker::Stopped),
                Err(payload) => {
                    worker.set_worker(RefreshWorker::Panicked);
                    panic::resume_unwind(payload);
                }
            }
        })
        .map_err(|e| {
            state.set_worker(RefreshWorker::NotStarted);
            Error::Spawn(Arc::new(e))
        })?;
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
        /// While the refresh is backing off after a failure, the operator is not asked again
        /// before the retry time: the call returns the last failure at once
        /// (`refresh_status().next_attempt` says when the next attempt is). Calling this on
        /// every `NOT_INITIALIZED` therefore never floods an operator that is down.
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

        /// The state of the key refresh: last success, key-set age, failures in a row and
        /// the last error, the next attempt, and whether the refresh thread runs
        /// ([`RefreshStatus::worker`]: `NotStarted` until
        /// [`start_refresh_thread`](Self::start_refresh_thread), `Panicked` if it died, in a
        /// caller-supplied transport say).
        #[must_use]
        pub fn refresh_status(&self) -> RefreshStatus {
            self.state.refresh_status()
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
        let result = token::decrypt(
            keys.as_deref(),
            token,
            ClientType::Bidstream,
            domain_or_app_name,
            now,
        );
        self.state.metrics.decrypted(&result);
        Ok(result?)
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
        let result = token::decrypt(keys.as_deref(), token, ClientType::Sharing, None, now);
        self.state.metrics.decrypted(&result);
        Ok(result?)
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
        let result = token::encrypt(keys.as_deref(), raw_uid, now, &mut OsRandom);
        self.state.metrics.encrypted(&result);
        Ok(result?)
    }
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "test code: a failed expectation panics"
)]
mod tests {
    //! The refresh against an in-process operator and a hand-moved clock: the refresh thread's
    //! loop (`next_wake`, then `drive`) is run with time jumping to each wake-up.

    use std::sync::atomic::{AtomicI64, AtomicU8, AtomicU32, Ordering};
    use std::time::Instant;

    use uid2::Secret;

    use super::*;
    use crate::transport::{Header, HttpResponse, TransportError, TransportErrorKind};

    const SECRET: &str = "ioG3wKxAokmp+rERx6A4kM/13qhyolUXIu14WN16Spo=";
    const KEY_SET: &str = r#"{"body":{"identity_scope":"UID2","keys":[{"id":1,"created":1600000000,"activates":1600000000,"expires":4000000000,"secret":"iyXxrRJcJOilqBcSJsN7XKCIuShbraXdqBCppCaLCJs="}]},"status":"success"}"#;
    const MINUTE_MS: i64 = 60_000;

    const SERVE: u8 = 0;
    const DOWN: u8 = 1;
    const PANIC: u8 = 2;

    /// An operator that answers in process: the key set, a refused connection, or a panic.
    struct FakeOperator {
        mode: AtomicU8,
        requests: AtomicU32,
        /// The envelope timestamp of the last request.
        last_stamp: AtomicI64,
    }

    impl FakeOperator {
        fn new(mode: u8) -> Arc<Self> {
            Arc::new(Self {
                mode: AtomicU8::new(mode),
                requests: AtomicU32::new(0),
                last_stamp: AtomicI64::new(0),
            })
        }

        fn requests(&self) -> u32 {
            self.requests.load(Ordering::SeqCst)
        }
    }

    impl Transport for Arc<FakeOperator> {
        fn post(
            &self,
            _url: &str,
            _headers: &[Header<'_>],
            body: &[u8],
            _timeout: Duration,
            _max_response_bytes: usize,
        ) -> Result<HttpResponse, TransportError> {
            self.requests.fetch_add(1, Ordering::SeqCst);
            match self.mode.load(Ordering::SeqCst) {
                DOWN => return Err(TransportError::from_kind(TransportErrorKind::Connect)),
                PANIC => panic!("a bug in a caller's transport"),
                _ => {}
            }
            let secret = Secret::<32>::from_base64(SECRET).unwrap();
            let opened = uid2::server::open_request(&secret, Some("text/plain"), body).unwrap();
            self.last_stamp
                .store(opened.timestamp().as_millis(), Ordering::SeqCst);
            let reply = opened
                .seal_response(
                    &secret,
                    opened.timestamp(),
                    KEY_SET.as_bytes(),
                    &mut OsRandom,
                )
                .unwrap();
            Ok(HttpResponse::new(200, Some("text/plain".into()), reply))
        }
    }

    /// A clock the test moves: real time passing moves both readings, a step only the wall.
    struct ManualClock {
        base: Instant,
        elapsed_ms: AtomicI64,
        wall_ms: AtomicI64,
    }

    impl ManualClock {
        fn new() -> Arc<Self> {
            Arc::new(Self {
                base: SystemClock.monotonic(),
                elapsed_ms: AtomicI64::new(0),
                wall_ms: AtomicI64::new(1_700_000_000_000),
            })
        }

        fn pass(&self, d: Duration) {
            let ms = i64::try_from(d.as_millis()).unwrap();
            self.elapsed_ms.fetch_add(ms, Ordering::SeqCst);
            self.wall_ms.fetch_add(ms, Ordering::SeqCst);
        }

        fn step_wall(&self, ms: i64) {
            self.wall_ms.fetch_add(ms, Ordering::SeqCst);
        }
    }

    impl Clock for ManualClock {
        fn wall(&self) -> Timestamp {
            Timestamp::from_millis(self.wall_ms.load(Ordering::SeqCst))
        }

        fn monotonic(&self) -> Instant {
            let ms = u64::try_from(self.elapsed_ms.load(Ordering::SeqCst)).unwrap();
            self.base + Duration::from_millis(ms)
        }
    }

    fn state(op: &Arc<FakeOperator>, clock: &Arc<ManualClock>) -> Arc<KeyState> {
        let config = ClientConfig::new("http://127.0.0.1:9", "test-api-key", SECRET).unwrap();
        let clock: Arc<dyn Clock> = clock.clone();
        Arc::new(KeyState::with_clock(
            &config,
            KeyEndpoint::Bidstream,
            Arc::new(Arc::clone(op)),
            clock,
        ))
    }

    /// One turn of the refresh thread's loop, with the clock jumping over the sleep.
    fn thread_turn(state: &KeyState, clock: &ManualClock) -> Duration {
        let wake = state.next_wake();
        clock.pass(wake);
        let mut refresher = state.lock();
        let _ = state.drive(&mut refresher);
        wake
    }

    #[test]
    fn a_wall_clock_step_back_does_not_postpone_the_refresh() {
        let op = FakeOperator::new(SERVE);
        let clock = ManualClock::new();
        let state = state(&op, &clock);
        state.refresh_now().unwrap();
        assert_eq!(op.requests(), 1);
        let first_stamp = op.last_stamp.load(Ordering::SeqCst);

        // Ten minutes on, the wall clock is stepped back an hour.
        clock.pass(Duration::from_secs(600));
        clock.step_wall(-60 * MINUTE_MS);
        let mut since_first = Duration::from_secs(600);
        while op.requests() == 1 {
            since_first += thread_turn(&state, &clock);
            assert!(since_first < Duration::from_secs(2 * 3600), "no refresh");
        }
        // The second refresh came an hour and the jitter after the first, by the monotonic
        // clock (a wall-clock schedule would have waited another hour).
        assert!(
            (Duration::from_secs(3600)..=Duration::from_secs(3900)).contains(&since_first),
            "{since_first:?}"
        );
        // Its envelope carries the (stepped) wall clock, which the operator checks.
        let apart = op.last_stamp.load(Ordering::SeqCst) - first_stamp;
        assert!((0..=5 * MINUTE_MS).contains(&apart), "{apart} ms");
        let status = state.refresh_status();
        assert_eq!(status.key_set_age, Some(Duration::ZERO));
        assert_eq!(status.worker, RefreshWorker::NotStarted);
    }

    #[test]
    fn refresh_on_every_bid_does_not_hammer_a_down_operator() {
        let op = FakeOperator::new(DOWN);
        let clock = ManualClock::new();
        let state = state(&op, &clock);
        // A bid handler that asks for a refresh on every NOT_INITIALIZED, every 10 ms for
        // 10 seconds: the backoff (1, 2, 4 s ... plus up to 10 %) allows attempts at about
        // 0, 1, 3 and 7 s; every other call returns the last failure at once.
        for _ in 0..1000 {
            let err = state.refresh_now().unwrap_err();
            assert!(matches!(err, Error::Transport(_)), "{err:?}");
            clock.pass(Duration::from_millis(10));
        }
        let sent = op.requests();
        assert!((3..=5).contains(&sent), "{sent} requests in 10 s");
        assert_eq!(state.refresh_status().consecutive_failures, sent);
    }

    #[test]
    fn a_panicking_refresh_thread_is_noticed() {
        let op = FakeOperator::new(PANIC);
        let state = state(&op, &ManualClock::new());
        assert_eq!(state.refresh_status().worker, RefreshWorker::NotStarted);
        let guard = start_thread(&state).unwrap();
        // The first attempt is due at once; the transport panics in it.
        let mut waited = 0;
        while state.refresh_status().worker == RefreshWorker::Running && waited < 500 {
            std::thread::sleep(Duration::from_millis(10));
            waited += 1;
        }
        let status = state.refresh_status();
        assert_eq!(status.worker, RefreshWorker::Panicked);
        assert!(!status.is_worker_alive());
        drop(guard);
        assert_eq!(state.refresh_status().worker, RefreshWorker::Panicked);
    }

    #[test]
    fn a_stopped_refresh_thread_is_reported() {
        let op = FakeOperator::new(SERVE);
        let state = state(&op, &ManualClock::new());
        let guard = start_thread(&state).unwrap();
        assert!(state.refresh_status().is_worker_alive());
        guard.stop();
        assert_eq!(state.refresh_status().worker, RefreshWorker::Stopped);
    }
}
