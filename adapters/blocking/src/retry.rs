//! Retries with jittered exponential backoff, for the bulk identity-map helper.

use std::sync::{Condvar, Mutex};
use std::time::Duration;

use crate::config::RetryConfig;
use crate::error::Error;
use crate::random::random_u32;

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
    policy: &RetryConfig,
    cancel: &Cancel,
    mut attempt: impl FnMut() -> Result<T, Error>,
) -> Result<T, Error> {
    let mut done = 0u32;
    loop {
        let result = attempt();
        done = done.saturating_add(1);
        match result {
            Err(e) if e.is_retryable() && done < policy.max_attempts => {
                if cancel.sleep(policy.backoff(done, random_u32())) {
                    return Err(e);
                }
            }
            other => return other,
        }
    }
}
