//! Gigya secrets: partner secrets and user/application secrets, given in base64.

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use core::fmt;
use zeroize::Zeroizing;

use super::GigyaError;

/// A Gigya secret (partner secret, or the secret of a user key / application key).
///
/// Built from the base64 text shown in the console. `Debug` prints `<redacted>`, there is no
/// `Display`, and both the text and the decoded key are zeroized on drop.
#[derive(Clone)]
pub struct GigyaSecret {
    /// The base64 text without whitespace (sent only in the explicit secret-in-clear mode).
    text: Zeroizing<String>,
    /// The HMAC key: the decoded bytes.
    key: Zeroizing<Vec<u8>>,
}

impl GigyaSecret {
    /// Decodes a secret given as standard base64.
    ///
    /// ASCII whitespace is ignored. The standard alphabet is required (the URL-safe `-` and `_`
    /// are rejected), `=` padding is required when the length needs it, and the decoded key must
    /// not be empty.
    ///
    /// # Errors
    /// [`GigyaError::InvalidSecret`] when the text breaks any of those rules.
    pub fn from_base64(text: &str) -> Result<Self, GigyaError> {
        use base64ct::Encoding as _;
        let compact: Zeroizing<String> =
            Zeroizing::new(text.chars().filter(|c| !c.is_ascii_whitespace()).collect());
        let capacity = compact
            .len()
            .checked_div(4)
            .and_then(|n| n.checked_mul(3))
            .ok_or(GigyaError::InvalidSecret)?;
        let mut buf = Zeroizing::new(vec![0u8; capacity]);
        let len = base64ct::Base64::decode(compact.as_bytes(), &mut buf)
            .map_err(|_| GigyaError::InvalidSecret)?
            .len();
        if len == 0 {
            return Err(GigyaError::InvalidSecret);
        }
        buf.truncate(len);
        Ok(Self {
            text: compact,
            key: buf,
        })
    }

    /// The decoded key bytes.
    pub(crate) fn key(&self) -> &[u8] {
        &self.key
    }

    /// The base64 text without whitespace.
    pub(crate) fn text(&self) -> &str {
        &self.text
    }
}

impl fmt::Debug for GigyaSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("GigyaSecret(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoding_rules() {
        let s = GigyaSecret::from_base64("UnVzdC1HaWd5YS1wYXJ0bmVyLXNlY3JldC0wMDAx").unwrap();
        assert_eq!(s.key(), b"Rust-Gigya-partner-secret-0001");
        let s = GigyaSecret::from_base64(" dXNlci1rZXktc2Vj\ncmV0LWZvci12ZWN0b3JzIQ==\t").unwrap();
        assert_eq!(s.key(), b"user-key-secret-for-vectors!");
        for bad in [
            "",
            "   ",
            "-_-_",
            "abc",
            "dXNlci1rZXktc2VjcmV0LWZvci12ZWN0b3JzIQ",
            "ab!d",
        ] {
            assert_eq!(
                GigyaSecret::from_base64(bad).map(|_| ()),
                Err(GigyaError::InvalidSecret),
                "{bad:?}"
            );
        }
        assert_eq!(std::format!("{s:?}"), "GigyaSecret(<redacted>)");
    }
}
