//! The adapter's clock: the only place that reads the system time. Entropy is the core's
//! [`OsRandom`](uid2::random::OsRandom).

use uid2::Timestamp;

pub use uid2::random::OsRandom;
pub(crate) use uid2_http::random_u32;

/// The current wall-clock time, for the core's `now` arguments.
#[expect(
    clippy::disallowed_methods,
    reason = "the adapter is where the clock is read; the core takes `now` as a parameter"
)]
pub(crate) fn now() -> Timestamp {
    Timestamp::from(std::time::SystemTime::now())
}

/// The clocks of the background refresh task: the system's wall clock, and tokio's monotonic
/// clock (which a test can pause and advance).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct TokioClock;

impl uid2_http::schedule::Clock for TokioClock {
    fn wall(&self) -> Timestamp {
        now()
    }

    fn monotonic(&self) -> std::time::Instant {
        tokio::time::Instant::now().into_std()
    }
}
