//! v2 tokens (AES-CBC, no MAC) with the `legacy-v2` feature: the official statuses are kept,
//! but nothing decrypted from the unauthenticated plaintext names a key in an error.
//!
//! The default build (feature off) is checked by `.ci/defaults-check`: there a v2 token gives
//! `VERSION_NOT_SUPPORTED`.

#![cfg(feature = "legacy-v2")]
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    unreachable_pub,
    reason = "test code: a failed expectation panics"
)]

use uid2::key::{KeyParams, KeySetBuilder, KeySetConfig};
use uid2::random::ReplayRandom;
use uid2::token::{ClientType, DecryptStatus, TokenBuilder, TokenVersion};
use uid2::{DecryptError, Key, KeySet, Secret, Timestamp};

const NOW: Timestamp = Timestamp::from_millis(1_700_000_000_000);
const DAY: i64 = 86_400_000;
const RAW_UID: &str = "ywsvDNINiZOVSsfkHpLpSJzXzhr6Jx9Z/4Q0+lsEUvM=";

fn key(id: i64, keyset: i64, fill: u8) -> Key {
    Key::new(
        KeyParams {
            id,
            keyset_id: Some(keyset),
            site_id: None,
            created: NOW,
            activates: NOW.saturating_sub_millis(DAY),
            expires: NOW.saturating_add_millis(DAY),
        },
        Secret::new([fill; 32]),
    )
    .unwrap()
}

/// A key set holding only `keys`.
fn key_set(keys: &[&Key]) -> KeySet {
    let mut config = KeySetConfig::default();
    config.master_keyset_id = Some(1);
    let mut b = KeySetBuilder::new(config);
    for k in keys {
        b.key((*k).clone()).unwrap();
    }
    b.build()
}

fn token(version: TokenVersion, master: &Key, site: &Key) -> String {
    TokenBuilder::new(version, RAW_UID, master, site, NOW)
        .build(&mut ReplayRandom::new(&[7; 64]))
        .unwrap()
        .as_str()
        .to_owned()
}

#[test]
fn v2_missing_site_key_names_no_key() {
    let (master, site) = (key(164, 1, 0x11), key(165, 2, 0x22));
    let token = token(TokenVersion::V2, &master, &site);
    let err = key_set(&[&master])
        .decrypt(&token, ClientType::Bidstream, None, NOW)
        .unwrap_err();
    assert_eq!(err, DecryptError::NotAuthorizedForKey { key_id: None });
    assert_eq!(err.as_status(), DecryptStatus::NotAuthorizedForKey);
    assert!(!err.to_string().contains("165"), "{err}");
}

#[test]
fn v4_missing_site_key_names_its_authenticated_id() {
    let (master, site) = (key(164, 1, 0x11), key(165, 2, 0x22));
    let token = token(TokenVersion::V4, &master, &site);
    let err = key_set(&[&master])
        .decrypt(&token, ClientType::Bidstream, None, NOW)
        .unwrap_err();
    assert_eq!(err, DecryptError::NotAuthorizedForKey { key_id: Some(165) });
}

#[test]
fn v2_still_decrypts_with_the_feature() {
    let (master, site) = (key(164, 1, 0x11), key(165, 2, 0x22));
    let token = token(TokenVersion::V2, &master, &site);
    let decrypted = key_set(&[&master, &site])
        .decrypt(&token, ClientType::Bidstream, None, NOW)
        .unwrap();
    assert_eq!(decrypted.uid().as_str(), RAW_UID);
}
