//! # uid2: a sans-IO core for UID2 and EUID
//!
//! (crate docs are filled in below)
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(any(test, feature = "std"))]
extern crate std;

mod codec;
pub mod identity;
pub mod operator;
pub mod random;
mod secret;
mod time;

pub use random::{RandomError, SecureRandom};
pub use secret::{Secret, SecretDecodeError};
pub use time::Timestamp;
