//! The background key refresh: a tokio task that drives the core's `KeyRefresher` and
//! publishes each new key set as an immutable `Arc<KeySet>` snapshot.
//!
//! The task schedules on tokio's monotonic clock (see [`uid2_http::schedule`] for how schedule
//! time maps onto the core's `Timestamp`s); the request envelope and the reported times use
//! the wall clock. A supervisor notices when the task ends, and whether it panicked
//! ([`RefreshStatus::worker`]).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use arc_swap::{ArcSwap, ArcSwapOption};
use tokio::sync::{mpsc, oneshot};
use uid2::KeySet;
use uid2::operator::key_refresh::{KeyEndpoint, KeyRefresher};
use uid2_http::WorkerCell;
use uid2_http::schedule::{Clock, ScheduleClock};
use uid2_http::telemetry::{self, RefreshTelemetry, TokenMetrics};

use crate::clock::{OsRandom, TokioClock};
use crate::config::ClientConfig;
use crate::error::Error;
use crate::operator::Operator;
use crate::transport::{HyperTransport, Transport};
pub use uid2_http::{RefreshStatus, RefreshWorker};

/// What the task and the client share: the current key set and the refresh status.
#[derive(Debug)]
pub(crate) struct KeyStore {
    pub(crate) keys: ArcSwapOption<KeySet>,
    status: ArcSwap<RefreshStatus>,
    /// Exchanges completed so far, counted after `status` is updated.
    completed: AtomicU64,
    /// The outcome of the last completed exchange.
    last_outcome: ArcSwapOption<Result<(), Error>>,
    /// Whether the task runs, stopped or panicked.
    worker: WorkerCell,
    /// Decryption and encryption counters (no-ops without the `metrics` feature).
    pub(crate) metrics: TokenMetrics,
}

impl KeyStore {
    fn new(endpoint: KeyEndpoint) -> Self {
        Self {
            keys: ArcSwapOption::empty(),
            status: ArcSwap::default(),
            completed: AtomicU64::new(0),
            last_outcome: ArcSwapOption::empty(),
            worker: WorkerCell::default(),
            metrics: TokenMetrics::new(telemetry::role(endpoint), endpoint == KeyEndpoint::Sharing),
        }
    }

    /// The refresh status as of now, by `clock`. Publishes the decryption and encryption
    /// counts to the metrics recorder on the way.
    fn status(&self, clock: &impl Clock) -> RefreshStatus {
        self.metrics.publish();
        RefreshStatus::clone(&self.status.load()).as_of(
            clock.monotonic(),
            clock.wall(),
            self.worker.get(),
        )
    }
}

/// A caller of `refresh()`: where to send the outcome, and how many exchanges had completed
/// when it asked.
struct Waiter {
    reply: oneshot::Sender<Result<(), Error>>,
    completed_before: u64,
}

/// The part of a bidstream or sharing client that owns the background task. Dropping it (with
/// the last clone of the client) stops the task.
pub(crate) struct KeyClient {
    pub(crate) store: Arc<KeyStore>,
    /// The clocks the task reads, to report its status on the same ones.
    clock: Arc<dyn Clock>,
    commands: mpsc::UnboundedSender<Waiter>,
    _shutdown: oneshot::Sender<()>,
}

impl KeyClient {
    pub(crate) fn spawn_default(
        endpoint: KeyEndpoint,
        config: ClientConfig,
    ) -> Result<Arc<Self>, Error> {
        let transport = HyperTransport::for_config(&config)?;
        Self::spawn(endpoint, config, transport)
    }

    pub(crate) fn spawn<T: Transport>(
        endpoint: KeyEndpoint,
        config: ClientConfig,
        transport: T,
    ) -> Result<Arc<Self>, Error> {
        Self::spawn_with_clock(endpoint, config, transport, TokioClock)
    }

    /// [`spawn`](Self::spawn) with the clock the task reads (a test seam).
    pub(crate) fn spawn_with_clock<T: Transport, C: Clock>(
        endpoint: KeyEndpoint,
        config: ClientConfig,
        transport: T,
        clock: C,
    ) -> Result<Arc<Self>, Error> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| Error::InvalidConfig {
            reason: "bidstream and sharing clients must be created inside a tokio runtime",
        })?;
        let clock: Arc<dyn Clock> = Arc::new(clock);
        let store = Arc::new(KeyStore::new(endpoint));
        let telemetry = RefreshTelemetry::new(endpoint);
        let (commands, command_rx) = mpsc::unbounded_channel();
        let (shutdown, shutdown_rx) = oneshot::channel();
        let driver = Driver {
            operator: Operator::new(config, transport),
            store: Arc::clone(&store),
            endpoint,
            commands: command_rx,
            shutdown: shutdown_rx,
            telemetry,
        };
        store.worker.set(RefreshWorker::Running);
        telemetry.worker(RefreshWorker::Running);
        let task = runtime.spawn(driver.run(Arc::clone(&clock)));
        // The supervisor: records how the task ended, so that a panic (in a caller's
        // `Transport`, say) shows in `refresh_status()` instead of passing unnoticed.
        let supervised = Arc::clone(&store);
        drop(runtime.spawn(async move {
            let state = match task.await {
                Err(e) if e.is_panic() => RefreshWorker::Panicked,
                _ => RefreshWorker::Stopped,
            };
            supervised.worker.set(state);
            supervised.metrics.publish();
            telemetry.worker(state);
        }));
        Ok(Arc::new(Self {
            store,
            clock,
            commands,
            _shutdown: shutdown,
        }))
    }

    /// A short `Debug` for the clients: whether keys are loaded and the refresh status.
    pub(crate) fn debug(&self, name: &str, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let status = self.store.status.load();
        f.debug_struct(name)
            .field("has_keys", &self.store.keys.load().is_some())
            .field("last_refresh_success", &status.last_success)
            .field("consecutive_refresh_failures", &status.consecutive_failures)
            .finish_non_exhaustive()
    }

    /// Asks the task for a refresh now and waits for its outcome.
    ///
    /// An exchange that completes after the call (for example the first one, started with the
    /// client) answers it; otherwise the task fetches at once.
    pub(crate) async fn refresh(&self) -> Result<(), Error> {
        let (reply, rx) = oneshot::channel();
        let completed_before = self.store.completed.load(Ordering::Acquire);
        self.commands
            .send(Waiter {
                reply,
                completed_before,
            })
            .map_err(|_| Error::Closed)?;
        rx.await.map_err(|_| Error::Closed)?
    }

    pub(crate) fn status(&self) -> RefreshStatus {
        self.store.status(&self.clock)
    }

    pub(crate) fn consecutive_failures(&self) -> u32 {
        self.store.status.load().consecutive_failures
    }

    pub(crate) fn last_success(&self) -> Option<uid2::Timestamp> {
        self.store.status.load().last_success
    }

    pub(crate) fn key_set_age(&self) -> Option<Duration> {
        self.status().key_set_age
    }
}

struct Driver<T> {
    operator: Arc<Operator<T>>,
    store: Arc<KeyStore>,
    endpoint: KeyEndpoint,
    commands: mpsc::UnboundedReceiver<Waiter>,
    shutdown: oneshot::Receiver<()>,
    telemetry: RefreshTelemetry,
}

/// Longest single sleep, so that the gauges (key-set age) and the decryption counters reach
/// the metrics recorder at least every 10 seconds.
const MAX_SLEEP: Duration = Duration::from_secs(10);

impl<T: Transport> Driver<T> {
    fn new_refresher(&self, schedule: &ScheduleClock<impl Clock>) -> KeyRefresher {
        let config = &self.operator.config;
        KeyRefresher::new(
            self.endpoint,
            config.credentials.clone(),
            config.key_refresh,
            schedule.now(),
        )
    }

    /// Answers a caller at once when an exchange completed since it asked; queues it for the
    /// next exchange otherwise.
    fn take(&self, waiter: Waiter, waiters: &mut Vec<Waiter>) {
        let completed = self.store.completed.load(Ordering::Acquire);
        match self.store.last_outcome.load_full() {
            Some(outcome) if completed > waiter.completed_before => {
                drop(waiter.reply.send(Result::clone(&outcome)));
            }
            _ => waiters.push(waiter),
        }
    }

    /// Answers every queued caller with `outcome`.
    fn answer(waiters: &mut Vec<Waiter>, outcome: &Result<(), Error>) {
        for waiter in waiters.drain(..) {
            drop(waiter.reply.send(outcome.clone()));
        }
    }

    async fn run(mut self, clock: impl Clock) {
        // Schedule time: monotonic, so that a step of the wall clock moves no refresh.
        let schedule = ScheduleClock::new(clock);
        let mut refresher = self.new_refresher(&schedule);
        let mut waiters: Vec<Waiter> = Vec::new();
        loop {
            // 1. Advance time and send what is due.
            let now = schedule.now();
            refresher.handle_timeout(now);
            let mut transport_error = None;
            let mut attempted = false;
            match refresher.poll_transmit_with_request_time(now, schedule.wall(), &mut OsRandom) {
                Ok(Some(request)) => {
                    attempted = true;
                    let sent = tokio::select! {
                        sent = self.operator.send(&request, None) => sent,
                        _ = &mut self.shutdown => return,
                    };
                    let now = schedule.now();
                    match sent {
                        Ok(reply) => {
                            let mut body = reply.body;
                            refresher.handle_response(
                                now,
                                reply.status,
                                reply.content_type.as_deref(),
                                &mut body,
                            );
                        }
                        Err(e) => {
                            transport_error = Some(e);
                            refresher.handle_transport_error(now);
                        }
                    }
                }
                Ok(None) => {}
                // The refresher queued a failure event for it.
                Err(_) => attempted = true,
            }

            // 2. Drain the events: publish key sets, record failures.
            let mut outcome = None;
            while let Some(event) = refresher.poll_event() {
                let next = refresher.poll_timeout();
                let retry_in = next.map_or(0, |t| t.saturating_millis_since(schedule.now()));
                self.telemetry.event(&event, retry_in);
                let mut status = RefreshStatus::clone(&self.store.status.load());
                match status.record(
                    event,
                    schedule.wall(),
                    schedule.monotonic(),
                    &mut transport_error,
                ) {
                    Some(Ok(keys)) => {
                        self.store.keys.store(Some(Arc::new(keys)));
                        outcome = Some(Ok(()));
                    }
                    Some(Err(error)) => outcome = Some(Err(error)),
                    None => {}
                }
                status.schedule_next(next.map(|t| schedule.instant_of(t)));
                self.store.status.store(Arc::new(status));
            }
            if attempted {
                let outcome = outcome.unwrap_or(Err(Error::Closed));
                self.store
                    .last_outcome
                    .store(Some(Arc::new(outcome.clone())));
                self.store.completed.fetch_add(1, Ordering::AcqRel);
                Self::answer(&mut waiters, &outcome);
            }
            self.telemetry.gauges(&self.store.status(schedule.clock()));

            // 3. Wait for the next deadline, a refresh request, or shutdown.
            let wait = refresher
                .poll_timeout()
                .map_or(MAX_SLEEP, |due| schedule.until(due).min(MAX_SLEEP));
            let start = tokio::time::Instant::now();
            let deadline = start.checked_add(wait).unwrap_or(start);
            tokio::select! {
                () = tokio::time::sleep_until(deadline) => {}
                command = self.commands.recv() => match command {
                    Some(waiter) => {
                        self.take(waiter, &mut waiters);
                        while let Ok(waiter) = self.commands.try_recv() {
                            self.take(waiter, &mut waiters);
                        }
                        if !waiters.is_empty() && !refresher.request_refresh(schedule.now()) {
                            // Backing off after a failure: the operator is not asked again
                            // before the retry time; the callers get the last failure now.
                            let last = self.store.last_outcome.load_full();
                            let outcome = last.map_or(Err(Error::Closed), |o| Result::clone(&o));
                            Self::answer(&mut waiters, &outcome);
                        }
                    }
                    None => return,
                },
                _ = &mut self.shutdown => return,
            }
        }
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
    //! The task against an in-process operator, on tokio's paused clock: time moves only when
    //! every task waits, so hours pass in milliseconds and nothing sleeps for real.

    use std::sync::Mutex;
    use std::sync::atomic::{AtomicI64, AtomicU8, AtomicU32};

    use uid2::{Secret, Timestamp};

    use super::*;
    use crate::{HttpResponse, TransportError, TransportErrorKind};

    const SECRET: &str = "ioG3wKxAokmp+rERx6A4kM/13qhyolUXIu14WN16Spo=";
    const KEY_SET: &str = r#"{"body":{"identity_scope":"UID2","keys":[{"id":1,"created":1600000000,"activates":1600000000,"expires":4000000000,"secret":"iyXxrRJcJOilqBcSJsN7XKCIuShbraXdqBCppCaLCJs="}]},"status":"success"}"#;
    const MINUTE: u64 = 60;
    const HOUR_MS: i64 = 3_600_000;

    const SERVE: u8 = 0;
    const DOWN: u8 = 1;
    const PANIC: u8 = 2;

    /// An operator that answers in process: the key set, a refused connection, or a panic.
    struct FakeOperator {
        mode: AtomicU8,
        requests: AtomicU32,
        /// The timestamp of each request's envelope.
        stamps: Mutex<Vec<Timestamp>>,
    }

    impl FakeOperator {
        fn new(mode: u8) -> Arc<Self> {
            Arc::new(Self {
                mode: AtomicU8::new(mode),
                requests: AtomicU32::new(0),
                stamps: Mutex::new(Vec::new()),
            })
        }

        fn requests(&self) -> u32 {
            self.requests.load(Ordering::SeqCst)
        }
    }

    impl Transport for Arc<FakeOperator> {
        async fn post(
            &self,
            _url: &str,
            _headers: &[crate::Header<'_>],
            body: Vec<u8>,
            _max_response_bytes: usize,
        ) -> Result<HttpResponse, TransportError> {
            self.requests.fetch_add(1, Ordering::SeqCst);
            match self.mode.load(Ordering::SeqCst) {
                DOWN => return Err(TransportError::from_kind(TransportErrorKind::Connect)),
                PANIC => panic!("a bug in a caller's transport"),
                _ => {}
            }
            let secret = Secret::<32>::from_base64(SECRET).unwrap();
            let opened = uid2::server::open_request(&secret, Some("text/plain"), &body).unwrap();
            self.stamps.lock().unwrap().push(opened.timestamp());
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

    /// Tokio's (paused) monotonic clock, and a wall clock that follows it until the test steps it.
    struct SteppedClock {
        wall0: Timestamp,
        mono0: tokio::time::Instant,
        step_ms: AtomicI64,
    }

    impl SteppedClock {
        fn new() -> Arc<Self> {
            Arc::new(Self {
                wall0: Timestamp::from_millis(1_700_000_000_000),
                mono0: tokio::time::Instant::now(),
                step_ms: AtomicI64::new(0),
            })
        }

        fn step(&self, ms: i64) {
            self.step_ms.fetch_add(ms, Ordering::SeqCst);
        }
    }

    impl Clock for SteppedClock {
        fn wall(&self) -> Timestamp {
            let elapsed = i64::try_from(self.mono0.elapsed().as_millis()).unwrap();
            self.wall0
                .saturating_add_millis(elapsed + self.step_ms.load(Ordering::SeqCst))
        }

        fn monotonic(&self) -> std::time::Instant {
            tokio::time::Instant::now().into_std()
        }
    }

    fn config() -> ClientConfig {
        ClientConfig::new("http://127.0.0.1:9", "test-api-key", SECRET).unwrap()
    }

    fn spawn(op: &Arc<FakeOperator>, clock: &Arc<SteppedClock>) -> Arc<KeyClient> {
        KeyClient::spawn_with_clock(
            KeyEndpoint::Bidstream,
            config(),
            Arc::clone(op),
            Arc::clone(clock),
        )
        .unwrap()
    }

    async fn minutes(n: u64) {
        tokio::time::sleep(Duration::from_secs(n * MINUTE)).await;
    }

    #[tokio::test(start_paused = true)]
    async fn a_wall_clock_step_back_does_not_postpone_the_refresh() {
        let op = FakeOperator::new(SERVE);
        let clock = SteppedClock::new();
        let keys = spawn(&op, &clock);
        keys.refresh().await.unwrap();
        assert_eq!(op.requests(), 1);
        let next = keys.status().next_attempt.unwrap();
        let wait = next.saturating_millis_since(clock.wall());
        assert!((HOUR_MS..=HOUR_MS + 300_000).contains(&wait), "{wait} ms");

        // Ten minutes on, the wall clock is stepped back an hour.
        minutes(10).await;
        clock.step(-HOUR_MS);
        minutes(20).await;
        assert_eq!(op.requests(), 1, "not due yet");
        let status = keys.status();
        let age = status.key_set_age.unwrap();
        assert!(
            (Duration::from_secs(30 * MINUTE)..Duration::from_secs(31 * MINUTE)).contains(&age),
            "the key-set age is monotonic: {age:?}"
        );
        // The next attempt, shown on the stepped wall clock, is still about 30 minutes away.
        let wait = status
            .next_attempt
            .unwrap()
            .saturating_millis_since(clock.wall());
        assert!(
            (30 * 60_000..=36 * 60_000).contains(&wait),
            "next attempt in {wait} ms"
        );

        // An hour and five minutes after the first refresh, by the monotonic clock, the second
        // one has happened (with a wall-clock schedule it would be an hour late).
        minutes(36).await;
        assert_eq!(op.requests(), 2);
        // Its envelope carries the wall clock, as the operator checks it: an hour and the
        // jitter (at most 5 minutes) after the first, minus the hour the clock was stepped back.
        let stamps = op.stamps.lock().unwrap().clone();
        let apart = stamps[1].saturating_millis_since(stamps[0]);
        assert!((0..=5 * 60_000).contains(&apart), "{apart} ms");
        assert!(keys.status().is_worker_alive());
    }

    #[tokio::test(start_paused = true)]
    async fn a_panicking_transport_is_noticed() {
        let op = FakeOperator::new(PANIC);
        let clock = SteppedClock::new();
        let keys = spawn(&op, &clock);
        assert_eq!(keys.status().worker, RefreshWorker::Running);
        let err = keys.refresh().await.unwrap_err();
        assert!(matches!(err, Error::Closed), "{err:?}");
        for _ in 0..100 {
            if keys.status().worker != RefreshWorker::Running {
                break;
            }
            tokio::task::yield_now().await;
        }
        let status = keys.status();
        assert_eq!(status.worker, RefreshWorker::Panicked);
        assert!(!status.is_worker_alive());
        assert_eq!(op.requests(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_dropped_client_stops_its_worker() {
        let op = FakeOperator::new(SERVE);
        let clock = SteppedClock::new();
        let keys = spawn(&op, &clock);
        keys.refresh().await.unwrap();
        let store = Arc::clone(&keys.store);
        drop(keys);
        for _ in 0..100 {
            if store.worker.get() != RefreshWorker::Running {
                break;
            }
            tokio::task::yield_now().await;
        }
        assert_eq!(store.worker.get(), RefreshWorker::Stopped);
    }

    #[tokio::test(start_paused = true)]
    async fn refresh_on_every_bid_does_not_hammer_a_down_operator() {
        let op = FakeOperator::new(DOWN);
        let clock = SteppedClock::new();
        let keys = spawn(&op, &clock);
        // A bid handler that asks for a refresh on every NOT_INITIALIZED, every 10 ms for
        // 10 seconds. The backoff (1, 2, 4 s ... plus up to 10 %) allows attempts at about 0,
        // 1, 3 and 7 s.
        let mut answered = 0;
        for _ in 0..1000 {
            let err = keys.refresh().await.unwrap_err();
            assert!(matches!(err, Error::Transport(_)), "{err:?}");
            answered += 1;
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(answered, 1000);
        let sent = op.requests();
        assert!((3..=5).contains(&sent), "{sent} requests in 10 s");
        assert_eq!(keys.consecutive_failures(), sent);
    }
}
