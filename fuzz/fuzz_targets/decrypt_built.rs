//! Tokens built with any field values (any raw UID bytes, times, ids, privacy bits, version and
//! prefix bytes), sealed with the key set's own keys: decryption never panics, and a success
//! carries back what was built.
#![no_main]

use arbitrary::Arbitrary;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use libfuzzer_sys::fuzz_target;
use uid2::random::ReplayRandom;
use uid2::token::{ClientType, TokenBuilder, TokenVersion};
use uid2::{IdentityScope, IdentityType, Timestamp};
use uid2_fuzz::{NOW, keys};

#[derive(Debug, Arbitrary)]
struct Input {
    version: u8,
    raw_uid: Vec<u8>,
    euid: bool,
    token_euid: bool,
    phone: Option<bool>,
    site_id: i32,
    privacy_bits: u32,
    established: i64,
    generated: i64,
    refreshed: Option<i64>,
    expires: i64,
    prefix: Option<u8>,
    version_byte: Option<u8>,
    site_key: bool,
    client: u8,
    domain: Option<String>,
    nonce: [u8; 32],
}

fuzz_target!(|input: Input| {
    let keys = keys(if input.euid {
        IdentityScope::Euid
    } else {
        IdentityScope::Uid2
    });
    let (Some(master), Some(site)) = (
        keys.key(164),
        keys.key(if input.site_key { 166 } else { 165 }),
    ) else {
        return;
    };
    let version = match input.version % 3 {
        0 => TokenVersion::V2,
        1 => TokenVersion::V3,
        _ => TokenVersion::V4,
    };
    let raw_uid = STANDARD.encode(&input.raw_uid);
    let mut builder = TokenBuilder::new(version, &raw_uid, master, site, NOW)
        .scope(if input.token_euid {
            IdentityScope::Euid
        } else {
            IdentityScope::Uid2
        })
        .site_id(input.site_id)
        .privacy_bits(input.privacy_bits)
        .established(Timestamp::from_millis(input.established))
        .generated(Timestamp::from_millis(input.generated))
        .expires(Timestamp::from_millis(input.expires));
    if let Some(phone) = input.phone {
        builder = builder.identity_type(if phone {
            IdentityType::Phone
        } else {
            IdentityType::Email
        });
    }
    if let Some(t) = input.refreshed {
        builder = builder.refreshed(Timestamp::from_millis(t));
    }
    if let Some(b) = input.prefix {
        builder = builder.prefix_byte(b);
    }
    if let Some(b) = input.version_byte {
        builder = builder.version_byte(b);
    }
    let Ok(token) = builder.build(&mut ReplayRandom::new(&input.nonce)) else {
        return;
    };
    let client = match input.client % 3 {
        0 => ClientType::Bidstream,
        1 => ClientType::Sharing,
        #[allow(deprecated, reason = "the deprecated client type is still fuzzed")]
        _ => ClientType::Legacy,
    };
    if let Ok(decrypted) = keys.decrypt(token.as_str(), client, input.domain.as_deref(), NOW) {
        if version != TokenVersion::V2 {
            assert_eq!(decrypted.uid().as_str(), raw_uid);
        }
        assert_eq!(decrypted.site_id(), input.site_id);
        assert_eq!(decrypted.expiry(), Timestamp::from_millis(input.expires));
    }
});
