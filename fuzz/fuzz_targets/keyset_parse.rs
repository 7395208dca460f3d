//! Any bytes as a `/v2/key/sharing` or `/v2/key/bidstream` document: a key set or a typed
//! error, never a panic; a parsed set answers lookups and decryption.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use uid2::random::ReplayRandom;
use uid2::token::{ClientType, TokenBuilder, TokenVersion};
use uid2::{IdentityScope, KeySet};
use uid2_fuzz::{NOW, keys};

/// A v4 token sealed with the fuzz crate's fixed master (164) and site (165) keys.
fn token() -> &'static str {
    static TOKEN: OnceLock<String> = OnceLock::new();
    TOKEN.get_or_init(|| {
        let keys = keys(IdentityScope::Uid2);
        let (Some(master), Some(site)) = (keys.key(164), keys.key(165)) else {
            unreachable!("the fixed key set has both keys");
        };
        TokenBuilder::new(
            TokenVersion::V4,
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
            master,
            site,
            NOW,
        )
        .build(&mut ReplayRandom::new(&[7; 32]))
        .map(|t| t.as_str().to_owned())
        .unwrap_or_default()
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(keys) = KeySet::parse(data) else {
        return;
    };
    let _ = keys.is_valid(NOW);
    let _ = keys.master_key(NOW);
    let _ = keys.latest_expiry();
    for id in [0, 1, 2, 164, 165, -1, i64::MAX] {
        let _ = keys.key(id);
        let _ = keys.active_key(id, NOW);
        let _ = keys.site(id);
    }
    #[allow(deprecated, reason = "the deprecated client type is still fuzzed")]
    let clients = [
        ClientType::Bidstream,
        ClientType::Sharing,
        ClientType::Legacy,
    ];
    for client in clients {
        let _ = keys.decrypt(token(), client, Some("example.com"), NOW);
    }
});
