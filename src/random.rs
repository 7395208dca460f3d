//! Randomness as the core sees it: a source the caller passes in.

use core::fmt;

/// A cryptographically secure source of random bytes, supplied by the caller.
///
/// The core draws every IV and nonce from this trait and never reads OS entropy itself.
/// Adapters implement it over the operating system's generator; tests implement it by
/// replaying fixed bytes so that ciphertext can be compared byte for byte.
pub trait SecureRandom {
    /// Fills `dest` entirely with random bytes.
    ///
    /// # Errors
    /// [`RandomError`] when the source cannot produce bytes; the caller's operation then fails
    /// without producing output.
    fn fill(&mut self, dest: &mut [u8]) -> Result<(), RandomError>;
}

impl<R: SecureRandom + ?Sized> SecureRandom for &mut R {
    fn fill(&mut self, dest: &mut [u8]) -> Result<(), RandomError> {
        (**self).fill(dest)
    }
}

/// The random source failed to produce bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RandomError;

impl fmt::Display for RandomError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the random source failed")
    }
}

impl core::error::Error for RandomError {}

/// Bridges any [`rand_core::TryCryptoRng`] (rand_core 0.10) to [`SecureRandom`].
#[cfg(feature = "rand_core")]
#[derive(Debug)]
pub struct RandCore<R>(pub R);

#[cfg(feature = "rand_core")]
impl<R: rand_core::TryCryptoRng> SecureRandom for RandCore<R> {
    fn fill(&mut self, dest: &mut [u8]) -> Result<(), RandomError> {
        self.0.try_fill_bytes(dest).map_err(|_| RandomError)
    }
}

/// A [`SecureRandom`] that replays fixed bytes, for tests and conformance vectors.
///
/// It fails with [`RandomError`] once the bytes run out. Never use it for real traffic.
#[derive(Debug, Clone)]
pub struct ReplayRandom<'a> {
    bytes: &'a [u8],
}

impl<'a> ReplayRandom<'a> {
    /// A source that yields `bytes` in order, then fails.
    #[must_use]
    pub const fn new(bytes: &'a [u8]) -> Self {
        Self { bytes }
    }

    /// The bytes not yet consumed.
    #[must_use]
    pub const fn remaining(&self) -> &'a [u8] {
        self.bytes
    }
}

impl SecureRandom for ReplayRandom<'_> {
    fn fill(&mut self, dest: &mut [u8]) -> Result<(), RandomError> {
        let (head, tail) = self.bytes.split_at_checked(dest.len()).ok_or(RandomError)?;
        dest.copy_from_slice(head);
        self.bytes = tail;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replay_yields_in_order_then_fails() {
        let mut r = ReplayRandom::new(&[1, 2, 3]);
        let mut a = [0u8; 2];
        r.fill(&mut a).unwrap();
        assert_eq!(a, [1, 2]);
        assert_eq!(r.fill(&mut a), Err(RandomError));
        assert_eq!(r.remaining(), &[3]);
    }
}
