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

/// The operating system's random generator (through `getrandom`) as a [`SecureRandom`]: the
/// source to pass wherever the core asks for one in production.
///
/// The core never reaches for it on its own; it is a value the caller passes, like any other
/// source. Needs the `getrandom` feature (a target `getrandom` supports).
///
/// ```
/// use uid2::random::{OsRandom, SecureRandom as _};
///
/// let mut iv = [0u8; 12];
/// OsRandom.fill(&mut iv)?;
/// # Ok::<(), uid2::RandomError>(())
/// ```
#[cfg(feature = "getrandom")]
#[derive(Debug, Default, Clone, Copy)]
pub struct OsRandom;

#[cfg(feature = "getrandom")]
impl SecureRandom for OsRandom {
    #[allow(
        clippy::disallowed_methods,
        reason = "the caller chose OS entropy by passing this value; the core takes randomness as a parameter"
    )]
    fn fill(&mut self, dest: &mut [u8]) -> Result<(), RandomError> {
        getrandom::fill(dest).map_err(|_| RandomError)
    }
}

/// A [`SecureRandom`] that replays fixed bytes, for tests and conformance vectors.
///
/// **Insecure by design**: it repeats the same IVs and nonces, so anything sealed with it can
/// be read and forged. It exists only with the `test-tokens` feature, for reproducing vectors
/// and tests; production code passes [`OsRandom`] or another OS-backed source. It fails with
/// [`RandomError`] once the bytes run out.
#[cfg(any(test, feature = "test-tokens"))]
#[derive(Debug, Clone)]
pub struct ReplayRandom<'a> {
    bytes: &'a [u8],
}

#[cfg(any(test, feature = "test-tokens"))]
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

#[cfg(any(test, feature = "test-tokens"))]
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
