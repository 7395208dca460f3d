//! The background key refresh: a tokio task that drives the core's `KeyRefresher` and
//! publishes each new key set as an immutable `Arc<KeySet>` snapshot.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use arc_swap::{ArcSwap, ArcSwapOption};
use tokio::sync::{mpsc, oneshot};
use uid2::KeySet;
use uid2::operator::key_refresh::{KeyEndpoint, KeyRefresher};

use crate::clock::{self, OsRandom};
use crate::config::ClientConfig;
use crate::error::Error;
use crate::operator::Operator;
use crate::transport::{HyperTransport, Transport};
pub use uid2_http::RefreshStatus;

/// What the task and the client share: the current key set and the refresh status.
#[derive(Debug, Default)]
pub(crate) struct KeyStore {
    pub(crate) keys: ArcSwapOption<KeySet>,
    pub(crate) status: ArcSwap<RefreshStatus>,
    /// Exchanges completed so far, counted after `status` is updated.
    completed: AtomicU64,
    /// The outcome of the last completed exchange.
    last_outcome: ArcSwapOption<Result<(), Error>>,
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
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| Error::InvalidConfig {
            reason: "bidstream and sharing clients must be created inside a tokio runtime",
        })?;
        let store = Arc::new(KeyStore::default());
        let (commands, command_rx) = mpsc::unbounded_channel();
        let (shutdown, shutdown_rx) = oneshot::channel();
        let driver = Driver {
            operator: Operator::new(config, transport),
            store: Arc::clone(&store),
            endpoint,
            commands: command_rx,
            shutdown: shutdown_rx,
        };
        drop(runtime.spawn(driver.run()));
        Ok(Arc::new(Self {
            store,
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
        RefreshStatus::clone(&self.store.status.load())
    }

    pub(crate) fn key_set_age(&self) -> Option<Duration> {
        let since = self.store.status.load().last_success?;
        let ms = clock::now().saturating_millis_since(since);
        Some(Duration::from_millis(u64::try_from(ms).unwrap_or(0)))
    }
}

struct Driver<T> {
    operator: Arc<Operator<T>>,
    store: Arc<KeyStore>,
    endpoint: KeyEndpoint,
    commands: mpsc::UnboundedReceiver<Waiter>,
    shutdown: oneshot::Receiver<()>,
}

/// Longest single sleep, so that a jump of the wall clock is noticed within a minute.
const MAX_SLEEP: Duration = Duration::from_secs(60);

impl<T: Transport> Driver<T> {
    fn new_refresher(&self) -> KeyRefresher {
        let config = &self.operator.config;
        KeyRefresher::new(
            self.endpoint,
            config.credentials.clone(),
            config.key_refresh,
            clock::now(),
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

    async fn run(mut self) {
        let mut refresher = self.new_refresher();
        let mut waiters: Vec<Waiter> = Vec::new();
        loop {
            // 1. Advance time and send what is due.
            let now = clock::now();
            refresher.handle_timeout(now);
            let mut transport_error = None;
            let mut attempted = false;
            match refresher.poll_transmit(now, &mut OsRandom) {
                Ok(Some(request)) => {
                    attempted = true;
                    let sent = tokio::select! {
                        sent = self.operator.send(&request, None) => sent,
                        _ = &mut self.shutdown => return,
                    };
                    let now = clock::now();
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
                let now = clock::now();
                let mut status = RefreshStatus::clone(&self.store.status.load());
                match status.record(event, now, &mut transport_error) {
                    Some(Ok(keys)) => {
                        self.store.keys.store(Some(Arc::new(keys)));
                        outcome = Some(Ok(()));
                    }
                    Some(Err(error)) => outcome = Some(Err(error)),
                    None => {}
                }
                status.next_attempt = refresher.poll_timeout();
                self.store.status.store(Arc::new(status));
            }
            if attempted {
                let outcome = outcome.unwrap_or(Err(Error::Closed));
                self.store
                    .last_outcome
                    .store(Some(Arc::new(outcome.clone())));
                self.store.completed.fetch_add(1, Ordering::AcqRel);
                for waiter in waiters.drain(..) {
                    drop(waiter.reply.send(outcome.clone()));
                }
            }

            // 3. Wait for the next deadline, a refresh request, or shutdown.
            let now = clock::now();
            let wait = refresher.poll_timeout().map_or(MAX_SLEEP, |due| {
                let ms = due.saturating_millis_since(now).max(0);
                Duration::from_millis(u64::try_from(ms).unwrap_or(0)).min(MAX_SLEEP)
            });
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
                        if !waiters.is_empty() {
                            // Due at once; a failure still backs off from the current count.
                            refresher.request_refresh(clock::now());
                        }
                    }
                    None => return,
                },
                _ = &mut self.shutdown => return,
            }
        }
    }
}
