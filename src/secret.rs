//! Secret byte strings: redacted in `Debug`, zeroized on drop, compared in constant time.

use core::fmt;
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// A fixed-size secret (a key, a client secret).
///
/// `Debug` prints `<redacted>`, there is no `Display`, the bytes are zeroized on drop and
/// equality is constant-time.
#[derive(Clone)]
pub struct Secret<const N: usize>([u8; N]);

impl<const N: usize> Secret<N> {
    /// Wraps secret bytes.
    #[must_use]
    pub const fn new(bytes: [u8; N]) -> Self {
        Self(bytes)
    }

    /// Decodes a standard base64 (padded) secret in constant time.
    ///
    /// # Errors
    /// [`SecretDecodeError`] when the text is not padded standard base64 of exactly `N` bytes.
    pub fn from_base64(text: &str) -> Result<Self, SecretDecodeError> {
        use base64ct::Encoding as _;
        // Decoded straight into the value that is returned: on any error it is dropped, and so
        // wiped, with whatever was decoded so far.
        let mut secret = Self([0u8; N]);
        let decoded = base64ct::Base64::decode(text.as_bytes(), &mut secret.0)
            .map_err(|_| SecretDecodeError)?
            .len();
        if decoded != N {
            return Err(SecretDecodeError);
        }
        Ok(secret)
    }

    /// The secret bytes. Handle with care: do not log or print them.
    #[must_use]
    pub const fn expose(&self) -> &[u8; N] {
        &self.0
    }
}

impl<const N: usize> fmt::Debug for Secret<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl<const N: usize> PartialEq for Secret<N> {
    fn eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl<const N: usize> Eq for Secret<N> {}

impl<const N: usize> Drop for Secret<N> {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl<const N: usize> ZeroizeOnDrop for Secret<N> {}

/// A secret was not padded standard base64 of the expected length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecretDecodeError;

impl fmt::Display for SecretDecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("secret is not standard base64 of the expected length")
    }
}

impl core::error::Error for SecretDecodeError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let s = Secret::new([7u8; 4]);
        assert_eq!(std::format!("{s:?}"), "<redacted>");
    }

    #[test]
    fn base64_length_is_checked() {
        assert!(Secret::<32>::from_base64("iyXxrRJcJOilqBcSJsN7XKCIuShbraXdqBCppCaLCJs=").is_ok());
        assert_eq!(Secret::<32>::from_base64("AAAA"), Err(SecretDecodeError));
        assert_eq!(
            Secret::<4>::from_base64("not base64!"),
            Err(SecretDecodeError)
        );
    }
}
