#![doc = include_str!("../README.md")]
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(any(test, feature = "std"))]
extern crate std;

mod codec;
pub mod envelope;
#[cfg(feature = "gigya")]
pub mod gigya;
pub mod identity;
pub mod key;
pub mod operator;
pub mod random;
mod scope;
mod secret;
#[cfg(feature = "server")]
pub mod server;
mod time;
pub mod token;

pub use envelope::{EnvelopeError, ResponseError};
pub use identity::IdentityError;
pub use key::{Key, KeySet, KeySetError};
pub use random::{RandomError, SecureRandom};
pub use scope::{IdentityScope, IdentityType};
pub use secret::{Secret, SecretDecodeError};
pub use time::Timestamp;
pub use token::{ClientType, DecryptError, DecryptedToken, EncryptError, SharingToken};
