//! Key sets: parsing the operator's key documents, lookup by id, active keys per keyset.

mod error;
#[cfg(feature = "alloc")]
mod json;
#[expect(
    clippy::module_inception,
    reason = "the key type lives in key/key.rs, one file per concept"
)]
mod key;
mod list;
mod set;

pub use error::KeySetError;
pub use key::{Key, KeyParams};
pub use set::{
    DEFAULT_ALLOW_CLOCK_SKEW_SECONDS, DEFAULT_TOKEN_EXPIRY_SECONDS, FIXED_MAX_KEYS,
    FIXED_MAX_NAME_LEN, FIXED_MAX_NAMES_PER_SITE, FIXED_MAX_SITES, KeySet, KeySetBuilder,
    KeySetConfig, Site,
};
