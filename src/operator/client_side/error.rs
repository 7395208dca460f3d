//! Local errors of client-side token generation: unusable credentials or request options.

use core::fmt;

/// Credentials or request options that cannot be used. Raised before anything is sent; never
/// contains the rejected text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientSideError {
    /// The server public key is not in the published `UID2-X-<env>-<base64>` form.
    InvalidServerPublicKey {
        /// What is wrong, in a few words.
        reason: &'static str,
    },
    /// The subscription id is empty, longer than 256 bytes or contains control characters.
    InvalidSubscriptionId,
    /// The origin is not `http://` or `https://` followed by a host name and an optional port.
    InvalidOrigin,
    /// The app name is empty, longer than 256 bytes or contains control characters.
    InvalidAppName,
}

impl fmt::Display for ClientSideError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidServerPublicKey { reason } => write!(
                f,
                "server public key cannot be used: {reason} (expected the published form UID2-X-<env>-<base64>)"
            ),
            Self::InvalidSubscriptionId => f.write_str(
                "subscription id cannot be used: it must be 1 to 256 bytes without control characters",
            ),
            Self::InvalidOrigin => f.write_str(
                "origin cannot be used: expected a scheme and host such as https://www.example.com (no path)",
            ),
            Self::InvalidAppName => f.write_str(
                "app name cannot be used: it must be 1 to 256 bytes without control characters",
            ),
        }
    }
}

impl core::error::Error for ClientSideError {}
