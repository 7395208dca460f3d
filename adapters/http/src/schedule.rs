//! The two clocks of the key refresh: when to wake comes from a monotonic clock, what the core
//! stamps and checks comes from the wall clock.
//!
//! # The mapping
//!
//! The core's [`KeyRefresher`](uid2::operator::key_refresh::KeyRefresher) works in
//! [`Timestamp`]s and only compares the `now` values it is given with one another. The adapters
//! give it *schedule time*: the wall-clock time read once when the refresh starts, plus the
//! monotonic time elapsed since then ([`ScheduleClock::now`]). Schedule time never goes back
//! and never jumps, so a step of the wall clock (an operator fixing the clock, NTP stepping it,
//! a VM resumed from a snapshot) neither postpones nor brings forward a refresh: a refresh due
//! in an hour is attempted an hour later by the monotonic clock, whatever the wall clock did.
//!
//! Everything that means a point in real time uses the wall clock, read when it is needed:
//! the request envelope's timestamp (the operator refuses requests more than about a minute
//! off its own clock), token expiry and key validity during decryption, and the times reported
//! in [`RefreshStatus`](crate::RefreshStatus) (`last_success`, `last_attempt`). A schedule time
//! is shown on the wall clock by keeping its distance from now ([`ScheduleClock::to_wall`]):
//! "due in 40 s" stays "due in 40 s". The key-set age is measured on the monotonic clock.

use std::time::{Duration, Instant, SystemTime};

use uid2::Timestamp;

/// Where an adapter reads the time. [`SystemClock`] in production; tests substitute a clock
/// whose wall time they can step.
pub trait Clock: Send + Sync + 'static {
    /// The wall-clock time, for the core's `now` arguments that mean real time.
    fn wall(&self) -> Timestamp;
    /// A monotonic instant, for measuring delays and ages.
    fn monotonic(&self) -> Instant;
}

impl<C: Clock + ?Sized> Clock for std::sync::Arc<C> {
    fn wall(&self) -> Timestamp {
        (**self).wall()
    }

    fn monotonic(&self) -> Instant {
        (**self).monotonic()
    }
}

/// The operating system's clocks: `SystemTime` and `Instant`.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[expect(
        clippy::disallowed_methods,
        reason = "the adapters are where the clock is read; the core takes `now` as a parameter"
    )]
    fn wall(&self) -> Timestamp {
        Timestamp::from(SystemTime::now())
    }

    #[expect(
        clippy::disallowed_methods,
        reason = "the adapters are where the clock is read; the core takes `now` as a parameter"
    )]
    fn monotonic(&self) -> Instant {
        Instant::now()
    }
}

/// Whole milliseconds in `d`, saturated to `i64`.
fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// A non-negative millisecond count as a `Duration` (negative counts are zero).
fn duration(ms: i64) -> Duration {
    Duration::from_millis(u64::try_from(ms).unwrap_or(0))
}

/// Schedule time for a key refresher: see the [module docs](self) for the mapping.
#[derive(Debug, Clone)]
pub struct ScheduleClock<C> {
    clock: C,
    origin_wall: Timestamp,
    origin: Instant,
}

impl<C: Clock> ScheduleClock<C> {
    /// A schedule that starts now, at the wall clock's current time.
    pub fn new(clock: C) -> Self {
        let origin = clock.monotonic();
        let origin_wall = clock.wall();
        Self {
            clock,
            origin_wall,
            origin,
        }
    }

    /// The underlying clock.
    pub const fn clock(&self) -> &C {
        &self.clock
    }

    /// The current schedule time: the start's wall-clock time plus the monotonic time since.
    pub fn now(&self) -> Timestamp {
        let elapsed = self
            .clock
            .monotonic()
            .saturating_duration_since(self.origin);
        self.origin_wall.saturating_add_millis(millis(elapsed))
    }

    /// The current wall-clock time.
    pub fn wall(&self) -> Timestamp {
        self.clock.wall()
    }

    /// The current monotonic instant.
    pub fn monotonic(&self) -> Instant {
        self.clock.monotonic()
    }

    /// How long until schedule time `at` (zero when it has passed).
    pub fn until(&self, at: Timestamp) -> Duration {
        duration(at.saturating_millis_since(self.now()))
    }

    /// Schedule time `at` on the wall clock: the wall-clock time at the same distance from now.
    pub fn to_wall(&self, at: Timestamp) -> Timestamp {
        let wall = self.clock.wall();
        wall.saturating_add_millis(at.saturating_millis_since(self.now()))
    }

    /// Schedule time `at` as a monotonic instant (no earlier than the schedule's start).
    pub fn instant_of(&self, at: Timestamp) -> Instant {
        let since_start = duration(at.saturating_millis_since(self.origin_wall));
        self.origin.checked_add(since_start).unwrap_or(self.origin)
    }
}

#[cfg(test)]
#[allow(
    clippy::arithmetic_side_effects,
    reason = "test code: a failed expectation panics"
)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    /// A clock whose monotonic and wall readings the test moves by hand.
    struct Manual {
        base: Instant,
        state: Mutex<(Duration, i64)>, // (monotonic elapsed, wall ms)
    }

    impl Clock for &'static Manual {
        fn wall(&self) -> Timestamp {
            Timestamp::from_millis(self.state.lock().unwrap().1)
        }
        fn monotonic(&self) -> Instant {
            self.base + self.state.lock().unwrap().0
        }
    }

    impl Manual {
        fn new() -> &'static Self {
            Box::leak(Box::new(Self {
                base: SystemClock.monotonic(),
                state: Mutex::new((Duration::ZERO, 1_700_000_000_000)),
            }))
        }
        /// Real time passes: both clocks advance.
        fn pass(&self, ms: u64) {
            let mut s = self.state.lock().unwrap();
            s.0 += Duration::from_millis(ms);
            s.1 += i64::try_from(ms).unwrap();
        }
        /// The wall clock is stepped; the monotonic one is not.
        fn step_wall(&self, ms: i64) {
            self.state.lock().unwrap().1 += ms;
        }
    }

    #[test]
    fn schedule_time_follows_the_monotonic_clock_through_wall_steps() {
        let clock = Manual::new();
        let schedule = ScheduleClock::new(clock);
        let start = schedule.now();
        assert_eq!(start, Timestamp::from_millis(1_700_000_000_000));
        let due = start.saturating_add_millis(3_600_000);
        clock.pass(600_000);
        assert_eq!(schedule.until(due), Duration::from_secs(3000));

        // The wall clock goes back an hour: the refresh is still due in 50 minutes...
        clock.step_wall(-3_600_000);
        assert_eq!(schedule.until(due), Duration::from_secs(3000));
        // ... which the wall clock now shows as 50 minutes from its own reading.
        assert_eq!(
            schedule.to_wall(due),
            schedule.wall().saturating_add_millis(3_000_000)
        );
        // Forward a day: still 50 minutes.
        clock.step_wall(86_400_000);
        assert_eq!(schedule.until(due), Duration::from_secs(3000));

        assert_eq!(
            schedule.instant_of(due),
            schedule.monotonic() + Duration::from_secs(3000)
        );

        clock.pass(3_000_000);
        assert_eq!(schedule.until(due), Duration::ZERO);
        assert_eq!(schedule.now(), due);
        clock.pass(1);
        assert_eq!(schedule.until(due), Duration::ZERO, "never negative");
    }
}
