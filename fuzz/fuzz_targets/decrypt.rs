//! Any text as a token, for every client kind, scope and domain: decryption returns a status,
//! never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use uid2::IdentityScope;
use uid2::token::{ClientType, DecryptStatus};
use uid2_fuzz::{NOW, keys};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let token = String::from_utf8_lossy(rest);
    let scope = if selector & 1 == 0 {
        IdentityScope::Uid2
    } else {
        IdentityScope::Euid
    };
    let client = match (selector >> 1) % 3 {
        0 => ClientType::Bidstream,
        1 => ClientType::Sharing,
        #[allow(deprecated, reason = "the deprecated client type is still fuzzed")]
        _ => ClientType::Legacy,
    };
    let domain = match (selector >> 3) % 4 {
        0 => None,
        1 => Some("example.com"),
        2 => Some("EXAMPLE.com"),
        _ => Some("other.org"),
    };
    let keys = keys(scope);
    if let Err(e) = keys.decrypt(&token, client, domain, NOW) {
        assert_ne!(e.as_status(), DecryptStatus::Success, "{e:?}");
    }
    // Without a key set every input is NOT_INITIALIZED.
    let none = uid2::token::decrypt(None, &token, client, domain, NOW);
    assert_eq!(
        none.map_err(|e| e.as_status()),
        Err(DecryptStatus::NotInitialized)
    );
});
