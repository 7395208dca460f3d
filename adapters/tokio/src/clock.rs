//! The adapter's clock and entropy: the only places that read the system time or the OS RNG.

use uid2::random::RandomError;
use uid2::{SecureRandom, Timestamp};

/// The current wall-clock time, for the core's `now` arguments.
#[expect(
    clippy::disallowed_methods,
    reason = "the adapter is where the clock is read; the core takes `now` as a parameter"
)]
pub(crate) fn now() -> Timestamp {
    Timestamp::from(std::time::SystemTime::now())
}

/// The operating system's random generator, as the core's [`SecureRandom`].
#[derive(Debug, Clone, Copy, Default)]
pub struct OsRandom;

impl SecureRandom for OsRandom {
    #[expect(
        clippy::disallowed_methods,
        reason = "the adapter is where OS entropy is drawn; the core takes an rng parameter"
    )]
    fn fill(&mut self, dest: &mut [u8]) -> Result<(), RandomError> {
        getrandom::fill(dest).map_err(|_| RandomError)
    }
}

/// A random `u32` from the OS (0 if the source fails: only jitter depends on it).
pub(crate) fn random_u32() -> u32 {
    let mut b = [0u8; 4];
    match OsRandom.fill(&mut b) {
        Ok(()) => u32::from_le_bytes(b),
        Err(_) => 0,
    }
}
