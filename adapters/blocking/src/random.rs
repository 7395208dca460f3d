//! OS entropy as the core's random source.

use uid2::{RandomError, SecureRandom};

/// The operating system's random generator (through `getrandom`) as a [`SecureRandom`].
///
/// Every envelope IV and nonce, sharing-token nonce, Gigya nonce and retry jitter of this crate
/// comes from here.
#[derive(Debug, Default, Clone, Copy)]
pub struct OsRandom;

impl SecureRandom for OsRandom {
    #[allow(
        clippy::disallowed_methods,
        reason = "the adapter is where entropy comes from; the core takes it as a parameter"
    )]
    fn fill(&mut self, dest: &mut [u8]) -> Result<(), RandomError> {
        getrandom::fill(dest).map_err(|_| RandomError)
    }
}

impl OsRandom {
    /// A uniformly random `u32`, or 0 when the OS generator fails (only used for jitter).
    pub(crate) fn next_u32(&mut self) -> u32 {
        let mut bytes = [0u8; 4];
        match self.fill(&mut bytes) {
            Ok(()) => u32::from_le_bytes(bytes),
            Err(_) => 0,
        }
    }
}
