//! Where this crate reads the wall clock for the `now` of its calls. The key refresh reads its
//! clocks through [`uid2_http::schedule`] (monotonic for waiting, wall for what it stamps).

use std::time::SystemTime;

use uid2::Timestamp;

/// The current wall-clock time as the core's [`Timestamp`].
#[allow(
    clippy::disallowed_methods,
    reason = "the adapter is where time comes from; the core takes it as a parameter"
)]
pub(crate) fn now() -> Timestamp {
    Timestamp::from(SystemTime::now())
}
