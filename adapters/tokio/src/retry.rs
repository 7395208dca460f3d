//! Retries with jittered exponential backoff, for the bulk identity-map helper.

use std::time::Duration;

/// How often and how patiently to retry a request that failed with a retryable error
/// (transport failure, timeout, HTTP 429 or 5xx; see
/// [`Error::is_retryable`](crate::Error::is_retryable)). Every retry is sealed anew.
///
/// The delay before retry *n* (1-based) is drawn uniformly from the upper half of
/// `min(max_backoff, initial_backoff × 2^(n-1))`, so that clients that failed together do not
/// retry together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Attempts in total, the first included (default 5; 1 disables retries).
    pub max_attempts: u32,
    /// Base delay before the first retry (default 500 ms).
    pub initial_backoff: Duration,
    /// Cap on the base delay (default 30 s).
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// A policy with `max_attempts` attempts (at least 1) and the given delays.
    #[must_use]
    pub const fn new(max_attempts: u32, initial_backoff: Duration, max_backoff: Duration) -> Self {
        Self {
            max_attempts: if max_attempts == 0 { 1 } else { max_attempts },
            initial_backoff,
            max_backoff,
        }
    }

    /// No retries: one attempt.
    #[must_use]
    pub const fn none() -> Self {
        Self::new(1, Duration::ZERO, Duration::ZERO)
    }

    /// The delay before retry number `retry` (1 for the first retry), given a uniformly
    /// random `random`. Pure: the same inputs give the same delay.
    #[must_use]
    pub fn backoff(&self, retry: u32, random: u32) -> Duration {
        let exponent = retry.saturating_sub(1).min(31);
        let base = self
            .initial_backoff
            .saturating_mul(1u32 << exponent)
            .min(self.max_backoff);
        let half = base.checked_div(2).unwrap_or(Duration::ZERO);
        let spread = u64::try_from(half.as_nanos()).unwrap_or(u64::MAX);
        let extra = u128::from(spread).saturating_mul(u128::from(random)) >> 32;
        half.saturating_add(Duration::from_nanos(
            u64::try_from(extra).unwrap_or(u64::MAX),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_within_bounds() {
        let p = RetryPolicy::new(5, Duration::from_millis(100), Duration::from_millis(1000));
        assert_eq!(p.backoff(1, 0), Duration::from_millis(50));
        assert!(p.backoff(1, u32::MAX) < Duration::from_millis(100));
        assert_eq!(p.backoff(2, 0), Duration::from_millis(100));
        assert_eq!(p.backoff(5, 0), Duration::from_millis(500));
        assert!(p.backoff(40, u32::MAX) <= Duration::from_millis(1000));
    }
}
