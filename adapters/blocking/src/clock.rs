//! The only place this crate reads the wall clock.

use std::time::{Duration, SystemTime};

use uid2::Timestamp;

/// The current wall-clock time as the core's [`Timestamp`].
#[allow(
    clippy::disallowed_methods,
    reason = "the adapter is where time comes from; the core takes it as a parameter"
)]
pub(crate) fn now() -> Timestamp {
    Timestamp::from(SystemTime::now())
}

/// How long from `now` until `at` (zero when `at` has passed).
pub(crate) fn until(at: Timestamp, now: Timestamp) -> Duration {
    let ms = at.saturating_millis_since(now);
    Duration::from_millis(u64::try_from(ms).unwrap_or(0))
}
