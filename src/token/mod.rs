//! Advertising and sharing tokens: decryption (v2, v3, v4) and sharing encryption (v4).
//!
//! Both directions are allocation-free and work without the `alloc` feature, as do
//! [`inspect`] (the unencrypted header, no key needed) and [`diagnose`] (which check a failed
//! decryption failed, with the values it compared).

#[cfg(feature = "test-tokens")]
mod builder;
mod decrypt;
mod diagnose;
mod encrypt;
mod error;
mod inspect;
mod layout;
mod types;

#[cfg(feature = "test-tokens")]
pub use builder::{BuildError, TestToken, TokenBuilder};
#[cfg(all(feature = "test-tokens", feature = "__testing"))]
#[doc(hidden)]
pub use builder::{RawLayers, seal_layers};
pub use decrypt::decrypt;
pub use diagnose::{Diagnosis, FailedCheck, diagnose, explain};
pub use encrypt::encrypt;
pub use error::{DecryptError, DecryptStatus, EncryptError, EncryptStatus};
pub use inspect::{Base64Alphabet, LayoutSegment, Protection, TokenHeader, inspect};
pub use types::{
    ClientType, DecryptedToken, MAX_RAW_UID_BYTES, MAX_RAW_UID_CHARS, MAX_SHARING_TOKEN_CHARS,
    MAX_TOKEN_BYTES, MAX_TOKEN_CHARS, RawUid, SharingToken, TokenInfo, TokenVersion,
    sharing_token_chars,
};
