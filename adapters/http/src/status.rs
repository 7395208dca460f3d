//! What a bidstream or sharing client reports about its key refresh.

use std::sync::atomic::{AtomicU8, Ordering};
use std::time::{Duration, Instant};

use uid2::operator::key_refresh::RefreshEvent;
use uid2::{KeySet, Timestamp};

use crate::Error;

/// The state of a bidstream or sharing client's background refresh worker (the tokio task, or
/// the blocking adapter's refresh thread).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum RefreshWorker {
    /// No worker was started (the blocking adapter before `start_refresh_thread`): key sets
    /// are fetched only when the caller asks.
    #[default]
    NotStarted,
    /// The worker is running and keeps the key set fresh.
    Running,
    /// The worker was stopped (its guard or client dropped, or the runtime shut down).
    Stopped,
    /// The worker panicked (for example in a caller-supplied `Transport`) and no longer runs:
    /// the key set will not be refreshed again. The last good key set stays in use until its
    /// keys expire. Alert on this; recreate the client to recover.
    Panicked,
}

impl RefreshWorker {
    const fn to_u8(self) -> u8 {
        match self {
            Self::NotStarted => 0,
            Self::Running => 1,
            Self::Stopped => 2,
            Self::Panicked => 3,
        }
    }

    const fn from_u8(v: u8) -> Self {
        match v {
            1 => Self::Running,
            2 => Self::Stopped,
            3 => Self::Panicked,
            _ => Self::NotStarted,
        }
    }

    /// The lower-case name used in logs and metric labels (`not_started`, `running`,
    /// `stopped`, `panicked`).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::NotStarted => "not_started",
            Self::Running => "running",
            Self::Stopped => "stopped",
            Self::Panicked => "panicked",
        }
    }
}

/// A [`RefreshWorker`] state shared between a worker and its client, without a lock.
#[derive(Debug, Default)]
pub struct WorkerCell(AtomicU8);

impl WorkerCell {
    /// The current state.
    pub fn get(&self) -> RefreshWorker {
        RefreshWorker::from_u8(self.0.load(Ordering::Acquire))
    }

    /// Records a new state.
    pub fn set(&self, state: RefreshWorker) {
        self.0.store(state.to_u8(), Ordering::Release);
    }
}

/// The state of a bidstream or sharing client's key refresh; both adapters'
/// `refresh_status()` return it.
///
/// Times are wall-clock times. `key_set_age` is measured on the monotonic clock when the status
/// is read, so a step of the wall clock does not distort it. Key refresh practically never
/// reaches `KEYS_NOT_SYNCED` with real key sets (their latest key expires far ahead), so watch
/// `key_set_age`, `consecutive_failures` and `worker` rather than decryption errors.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct RefreshStatus {
    /// When the last successful refresh completed.
    pub last_success: Option<Timestamp>,
    /// When the last attempt (successful or not) completed.
    pub last_attempt: Option<Timestamp>,
    /// How long ago the current key set was fetched, as of when this status was read (`None`
    /// before the first success).
    pub key_set_age: Option<Duration>,
    /// Failed attempts since the last success.
    pub consecutive_failures: u32,
    /// Why the last attempt failed, if it did.
    pub last_error: Option<Error>,
    /// When the next attempt is due, on the wall clock as of when this status was read (the
    /// refresh waits on a monotonic clock: a step of the wall clock moves this time along with
    /// the clock, not the attempt).
    pub next_attempt: Option<Timestamp>,
    /// When every key of the current key set expires (decryption then reports
    /// `KEYS_NOT_SYNCED` until a refresh succeeds).
    pub keys_expire_at: Option<Timestamp>,
    /// Whether the background worker runs, was stopped, or died.
    pub worker: RefreshWorker,
    /// When the last success completed, on the monotonic clock.
    last_success_instant: Option<Instant>,
    /// When the next attempt is due, on the monotonic clock.
    next_attempt_instant: Option<Instant>,
}

impl RefreshStatus {
    /// Records one event of the core's `KeyRefresher`, drained at wall-clock time `now` and
    /// monotonic instant `at`, and hands back what the adapter acts on: the new key set to
    /// install, or the attempt's error. For a failure, the adapter's own transport error for
    /// the attempt (taken from `transport_error`) is preferred to the core's description.
    /// `None` for events that carry neither.
    pub fn record(
        &mut self,
        event: RefreshEvent,
        now: Timestamp,
        at: Instant,
        transport_error: &mut Option<Error>,
    ) -> Option<Result<KeySet, Error>> {
        self.last_attempt = Some(now);
        match event {
            RefreshEvent::KeysUpdated(keys) => {
                self.keys_expire_at = keys.latest_expiry();
                self.last_success = Some(now);
                self.last_success_instant = Some(at);
                self.consecutive_failures = 0;
                self.last_error = None;
                Some(Ok(keys))
            }
            RefreshEvent::RefreshFailed {
                error,
                consecutive_failures,
                ..
            } => {
                let error = Error::from_refresh(error, transport_error.take());
                self.consecutive_failures = consecutive_failures;
                self.last_error = Some(error.clone());
                Some(Err(error))
            }
            _ => None,
        }
    }

    /// Records when the next attempt is due, on the monotonic clock.
    pub const fn schedule_next(&mut self, at: Option<Instant>) {
        self.next_attempt_instant = at;
    }

    /// This status as read at monotonic instant `at`, wall-clock time `now`, with the worker's
    /// state: fills in [`key_set_age`](Self::key_set_age),
    /// [`next_attempt`](Self::next_attempt) and [`worker`](Self::worker).
    #[must_use]
    pub fn as_of(mut self, at: Instant, now: Timestamp, worker: RefreshWorker) -> Self {
        self.key_set_age = self
            .last_success_instant
            .map(|t| at.saturating_duration_since(t));
        if let Some(next) = self.next_attempt_instant {
            let ms = next.saturating_duration_since(at).as_millis();
            self.next_attempt =
                Some(now.saturating_add_millis(i64::try_from(ms).unwrap_or(i64::MAX)));
        }
        self.worker = worker;
        self
    }

    /// Whether the background worker is running.
    #[must_use]
    pub const fn is_worker_alive(&self) -> bool {
        matches!(self.worker, RefreshWorker::Running)
    }
}
