//! Retries with jittered exponential backoff, for the bulk identity-map helper.

use std::sync::{Condvar, Mutex};
use std::time::Duration;

use crate::config::RetryConfig;
use crate::error::Error;
use crate::random::OsRandom;
use crate::transport::TransportErrorKind;

/// Whether a failed attempt may be sent again: the operator shed load (429), failed (5xx), or
/// could not be reached at all (nothing was processed). Identity mapping is idempotent.
pub(crate) fn is_retryable(error: &Error) -> bool {
    match error {
        Error::Http { status, .. } => *status == 429 || (500..=599).contains(status),
        Error::Transport(t) => t.kind() == TransportErrorKind::Connect,
        _ => false,
    }
}

/// The delay before retry number `retry` (1 for the first retry): the initial backoff doubled
/// per retry, capped, then scaled by a random factor in [1/2, 1) ("equal jitter").
pub(crate) fn backoff(config: &RetryConfig, retry: u32, rng: &mut OsRandom) -> Duration {
    let doubling = 1u32 << retry.saturating_sub(1).min(20);
    let capped = config
        .initial_backoff
        .saturating_mul(doubling)
        .min(config.max_backoff);
    let half = capped.checked_div(2).unwrap_or_default();
    let random_nanos = half.as_nanos().saturating_mul(u128::from(rng.next_u32())) >> 32;
    half.saturating_add(Duration::from_nanos(
        u64::try_from(random_nanos).unwrap_or(u64::MAX),
    ))
}

/// A flag that stops waiting retries early (set when another batch failed for good).
#[derive(Debug, Default)]
pub(crate) struct Cancel {
    cancelled: Mutex<bool>,
    wake: Condvar,
}

impl Cancel {
    pub(crate) fn cancel(&self) {
        if let Ok(mut c) = self.cancelled.lock() {
            *c = true;
        }
        self.wake.notify_all();
    }

    pub(crate) fn is_cancelled(&self) -> bool {
        self.cancelled.lock().map(|c| *c).unwrap_or(true)
    }

    /// Sleeps for `delay` unless cancelled first; returns whether it was cancelled.
    fn sleep(&self, delay: Duration) -> bool {
        let Ok(guard) = self.cancelled.lock() else {
            return true;
        };
        match self.wake.wait_timeout_while(guard, delay, |c| !*c) {
            Ok((c, _)) => *c,
            Err(_) => true,
        }
    }
}

/// Runs `attempt` until it succeeds, fails with an error that is not retryable, runs out of
/// attempts, or `cancel` is set.
pub(crate) fn with_retries<T>(
    config: &RetryConfig,
    cancel: &Cancel,
    mut attempt: impl FnMut() -> Result<T, Error>,
) -> Result<T, Error> {
    let mut rng = OsRandom;
    let mut done = 0u32;
    loop {
        let result = attempt();
        done = done.saturating_add(1);
        match result {
            Err(e) if is_retryable(&e) && done < config.max_attempts => {
                if cancel.sleep(backoff(config, done, &mut rng)) {
                    return Err(e);
                }
            }
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_within_jitter_and_caps() {
        let config = RetryConfig::default()
            .with_backoff(Duration::from_millis(100), Duration::from_millis(1000));
        let mut rng = OsRandom;
        for (retry, base) in [
            (1, 100),
            (2, 200),
            (3, 400),
            (4, 800),
            (5, 1000),
            (40, 1000),
        ] {
            for _ in 0..50 {
                let d = backoff(&config, retry, &mut rng);
                assert!(d >= Duration::from_millis(base / 2), "{retry}: {d:?}");
                assert!(d <= Duration::from_millis(base), "{retry}: {d:?}");
            }
        }
    }
}
