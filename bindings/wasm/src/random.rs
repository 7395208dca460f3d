//! Randomness from the host: `crypto.getRandomValues` (Web Crypto, in Node since v19 and in
//! every browser and edge runtime). Every IV, nonce and refresh jitter comes from it.

use uid2::random::{RandomError, SecureRandom};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// `crypto.getRandomValues(view)`, which fills the view in place; throws when `crypto` is
    /// missing or refuses.
    #[wasm_bindgen(js_namespace = crypto, js_name = getRandomValues, catch)]
    fn get_random_values(dest: &mut [u8]) -> Result<(), JsValue>;
}

/// The host's cryptographically secure generator.
pub(crate) struct HostRandom;

/// The most bytes `getRandomValues` fills in one call.
const MAX_CHUNK: usize = 65_536;

impl SecureRandom for HostRandom {
    fn fill(&mut self, dest: &mut [u8]) -> Result<(), RandomError> {
        for chunk in dest.chunks_mut(MAX_CHUNK) {
            get_random_values(chunk).map_err(|_| RandomError)?;
        }
        Ok(())
    }
}
