//! When and how long to wait before retrying an operator request: a pure backoff calculator.
//!
//! The operator answers overload with HTTP 429 (no body) and its infrastructure fails with 5xx;
//! both call for a retry after an exponentially growing, randomly spread delay. Adapters apply
//! [`RetryPolicy`]; every retry needs a freshly sealed envelope (new IV, nonce and timestamp).
//!
//! ```
//! use core::time::Duration;
//! use uid2::operator::retry::{RetryPolicy, is_retryable_status};
//!
//! let policy = RetryPolicy::DEFAULT;
//! assert!(is_retryable_status(429) && is_retryable_status(503) && !is_retryable_status(401));
//! // The first retry waits between 500 ms and 1 s, depending on the random value.
//! assert_eq!(policy.backoff(1, 0), Duration::from_millis(500));
//! assert!(policy.backoff(1, u32::MAX) < Duration::from_secs(1));
//! // Later retries double, up to the cap.
//! assert_eq!(policy.backoff(30, 0), policy.max_backoff / 2);
//! ```

use core::time::Duration;

/// Whether an HTTP status of an operator reply is worth retrying: 429 (rate limited) and every
/// 5xx. Any other status repeats on a retry.
#[must_use]
pub const fn is_retryable_status(status: u16) -> bool {
    status == 429 || (status >= 500 && status <= 599)
}

/// How many attempts to make and how long to wait between them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Attempts in all, the first included (at least 1).
    pub max_attempts: u32,
    /// The base delay before the first retry.
    pub initial_backoff: Duration,
    /// The largest base delay.
    pub max_backoff: Duration,
}

impl RetryPolicy {
    /// 5 attempts, 1 s doubling up to 30 s.
    pub const DEFAULT: Self = Self {
        max_attempts: 5,
        initial_backoff: Duration::from_secs(1),
        max_backoff: Duration::from_secs(30),
    };

    /// A policy with these limits.
    #[must_use]
    pub const fn new(max_attempts: u32, initial_backoff: Duration, max_backoff: Duration) -> Self {
        Self {
            max_attempts,
            initial_backoff,
            max_backoff,
        }
    }

    /// The delay before retry number `retry` (1 for the first retry), given a uniformly random
    /// `random`: with `base = min(initial_backoff × 2^(retry-1), max_backoff)`, the delay is
    /// `base / 2 + (base / 2) × random / 2^32` ("equal jitter"). Pure: the same inputs give the
    /// same delay.
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

    /// Whether another attempt may follow attempt number `attempt` (1 for the first).
    #[must_use]
    pub const fn may_retry(&self, attempt: u32) -> bool {
        attempt < self.max_attempts
    }
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self::DEFAULT
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_equal_jitter_and_caps() {
        let p = RetryPolicy::new(5, Duration::from_millis(100), Duration::from_millis(1000));
        assert_eq!(p.backoff(1, 0), Duration::from_millis(50));
        assert_eq!(p.backoff(2, 0), Duration::from_millis(100));
        assert_eq!(p.backoff(3, 1 << 31), Duration::from_millis(300));
        assert_eq!(p.backoff(10, 0), Duration::from_millis(500));
        assert!(p.backoff(10, u32::MAX) < Duration::from_millis(1000));
        assert_eq!(p.backoff(u32::MAX, u32::MAX), p.backoff(40, u32::MAX));
        assert!(p.may_retry(4) && !p.may_retry(5));
    }

    #[test]
    fn retryable_statuses() {
        for s in [429, 500, 502, 503, 504, 599] {
            assert!(is_retryable_status(s), "{s}");
        }
        for s in [200, 400, 401, 403, 404, 413, 600] {
            assert!(!is_retryable_status(s), "{s}");
        }
    }
}
