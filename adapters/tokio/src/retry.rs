//! Retries with jittered exponential backoff, for the bulk identity-map helper.

use std::time::Duration;

/// How the bulk identity-map helper retries a batch that failed with a retryable error
/// (transport failure, timeout, HTTP 429 or 5xx; see
/// [`Error::is_retryable`](crate::Error::is_retryable)), and how many batches it keeps in
/// flight. Every retry is sealed anew.
///
/// The delay before retry *n* (1-based) is drawn uniformly from the upper half of
/// `min(max_backoff, initial_backoff × 2^(n-1))`, so that clients that failed together do not
/// retry together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryConfig {
    /// Attempts per batch, the first included (default 5; 1 disables retries).
    pub max_attempts: u32,
    /// Base delay before the first retry (default 1 s); it doubles with each further retry.
    pub initial_backoff: Duration,
    /// Cap on the base delay (default 30 s).
    pub max_backoff: Duration,
    /// Most batches in flight at once (default 20, the operator's documented limit).
    pub max_in_flight: usize,
}

impl Default for RetryConfig {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            initial_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(30),
            max_in_flight: 20,
        }
    }
}

impl RetryConfig {
    /// Sets [`max_attempts`](Self::max_attempts) (at least 1).
    #[must_use]
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Sets the initial and the maximum backoff.
    #[must_use]
    pub const fn with_backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_backoff = initial;
        self.max_backoff = max;
        self
    }

    /// Sets [`max_in_flight`](Self::max_in_flight) (at least 1).
    #[must_use]
    pub fn with_max_in_flight(mut self, n: usize) -> Self {
        self.max_in_flight = n.max(1);
        self
    }

    /// The delay before retry number `retry` (1 for the first retry), given a uniformly
    /// random `random`. Pure: the same inputs give the same delay. The schedule is the core's
    /// [`RetryPolicy::backoff`](uid2::operator::retry::RetryPolicy::backoff). The schedule is the core's
    /// [`RetryPolicy::backoff`](uid2::operator::retry::RetryPolicy::backoff).
    #[must_use]
    pub fn backoff(&self, retry: u32, random: u32) -> Duration {
        uid2::operator::retry::RetryPolicy::new(
            self.max_attempts,
            self.initial_backoff,
            self.max_backoff,
        )
        .backoff(retry, random)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_within_bounds() {
        let p = RetryConfig::default()
            .with_max_attempts(5)
            .with_backoff(Duration::from_millis(100), Duration::from_millis(1000));
        assert_eq!(p.backoff(1, 0), Duration::from_millis(50));
        assert!(p.backoff(1, u32::MAX) < Duration::from_millis(100));
        assert_eq!(p.backoff(2, 0), Duration::from_millis(100));
        assert_eq!(p.backoff(5, 0), Duration::from_millis(500));
        assert!(p.backoff(40, u32::MAX) <= Duration::from_millis(1000));
        assert_eq!(
            RetryConfig::default().with_max_in_flight(0).max_in_flight,
            1
        );
    }
}
