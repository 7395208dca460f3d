//! OS entropy: the core's [`OsRandom`](uid2::random::OsRandom), used for every envelope IV and
//! nonce, sharing-token nonce, Gigya nonce and retry jitter of this crate.

pub use uid2::random::OsRandom;
pub(crate) use uid2_http::random_u32;
