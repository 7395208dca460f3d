//! Operating-system entropy for the core's IVs, nonces and keys.

use uid2::{RandomError, SecureRandom};

/// A [`SecureRandom`] over the operating system's generator.
#[derive(Clone, Copy, Debug, Default)]
pub struct OsRandom;

impl SecureRandom for OsRandom {
    fn fill(&mut self, dest: &mut [u8]) -> Result<(), RandomError> {
        #[expect(
            clippy::disallowed_methods,
            reason = "the local operator is an adapter: it supplies OS entropy to the core"
        )]
        getrandom::fill(dest).map_err(|_| RandomError)
    }
}
