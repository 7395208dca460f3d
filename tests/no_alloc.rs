//! Token decryption and sharing encryption never touch the heap, on success or failure.
//!
//! A counting global allocator (dhat in testing mode) records every heap block; the hot path
//! runs between two readings and must add none. The test runs without the libtest harness, so
//! no other thread can allocate while it counts.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    unreachable_pub,
    reason = "test and bench code: a failed expectation panics; the core's no-panic and no_std lints do not apply"
)]

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

use uid2::key::{KeyParams, KeySetBuilder, KeySetConfig};
use uid2::random::ReplayRandom;
use uid2::token::{ClientType, TokenBuilder, TokenVersion};
use uid2::{IdentityScope, Key, KeySet, Secret, Timestamp};

const NOW: Timestamp = Timestamp::from_millis(1_700_000_000_000);
const RAW_UID: &str = "ywsvDNINiZOVSsfkHpLpSJzXzhr6Jx9Z/4Q0+lsEUvM=";

fn key(id: i64, keyset: i64, fill: u8) -> Key {
    Key::new(
        KeyParams {
            id,
            keyset_id: Some(keyset),
            site_id: None,
            created: NOW,
            activates: NOW.saturating_sub_millis(1000),
            expires: NOW.saturating_add_millis(86_400_000),
        },
        Secret::new([fill; 32]),
    )
    .unwrap()
}

fn keys(scope: IdentityScope) -> KeySet {
    let mut config = KeySetConfig::default();
    config.identity_scope = scope;
    config.master_keyset_id = Some(1);
    config.default_keyset_id = Some(2);
    config.caller_site_id = Some(9000);
    config.max_bidstream_lifetime_seconds = Some(3600);
    let mut b = KeySetBuilder::new(config);
    b.key(key(10, 1, 1)).unwrap().key(key(20, 2, 2)).unwrap();
    b.site(9000, ["example.com"]).unwrap();
    b.build()
}

fn heap_blocks() -> u64 {
    dhat::HeapStats::get().total_blocks
}

fn main() {
    hot_path_allocates_nothing();
    println!("no_alloc: 2 passed, 0 failed");
}

fn hot_path_allocates_nothing() {
    let _profiler = dhat::Profiler::builder().testing().build();

    // Everything that may allocate happens before the first reading.
    let uid2 = keys(IdentityScope::Uid2);
    let euid = keys(IdentityScope::Euid);
    let (m, s) = (uid2.key(10).unwrap(), uid2.key(20).unwrap());
    let nonces = [9u8; 64];
    let tokens: Vec<String> = [TokenVersion::V2, TokenVersion::V3, TokenVersion::V4]
        .into_iter()
        .map(|v| {
            TokenBuilder::new(v, RAW_UID, m, s, NOW)
                .privacy_bits(0b10)
                .build(&mut ReplayRandom::new(&nonces))
                .unwrap()
                .as_str()
                .to_owned()
        })
        .collect();
    let broken: Vec<String> = tokens
        .iter()
        .map(|t| {
            let mut b = t.clone().into_bytes();
            b[40] ^= 1;
            String::from_utf8(b).unwrap()
        })
        .collect();
    let long = "A".repeat(2000);
    let later = NOW.saturating_add_millis(86_000_000);
    let mut decrypted = 0usize;
    let mut failed = 0usize;

    let before = heap_blocks();
    for t in &tokens {
        for (keys, domain, now) in [
            (&uid2, Some("example.com"), NOW),   // success
            (&uid2, Some("other.example"), NOW), // domain check fails
            (&uid2, None, later),                // expired
            (&euid, Some("example.com"), NOW),   // scope mismatch (v3/v4)
        ] {
            match keys.decrypt(t, ClientType::Bidstream, domain, now) {
                Ok(d) => decrypted += d.uid().as_str().len(),
                Err(e) => failed += e.as_status().as_str().len(),
            }
        }
    }
    for t in &broken {
        failed += usize::from(uid2.decrypt_sharing(t, NOW).is_err());
    }
    for bad in [
        "",
        "AAA",
        "%%%%%%%%",
        "AgAA",
        long.as_str(),
        "A4AAAACkAAECAwQFBgcICQoL",
    ] {
        failed += usize::from(uid2.decrypt_bidstream(bad, None, NOW).is_err());
    }
    failed += usize::from(
        uid2::token::decrypt(None, &tokens[0], ClientType::Sharing, None, NOW).is_err(),
    );
    let mut rng = ReplayRandom::new(&nonces);
    let shared = uid2.encrypt(RAW_UID, NOW, &mut rng).unwrap();
    decrypted += uid2
        .decrypt_sharing(shared.as_str(), NOW)
        .unwrap()
        .uid()
        .as_str()
        .len();
    failed += usize::from(uid2.encrypt("not base64!", NOW, &mut rng).is_err());
    failed += usize::from(
        uid2.encrypt(RAW_UID, later.saturating_add_millis(10_000_000), &mut rng)
            .is_err(),
    );
    let after = heap_blocks();

    assert_eq!(
        after - before,
        0,
        "the token path allocated {} heap blocks",
        after - before
    );
    // The work really ran: v2/v3/v4 successes, v2 under the EUID key set (v2 has no scope), the
    // sharing round trip, and every failure case.
    assert_eq!(decrypted, 5 * RAW_UID.len());
    assert!(failed > 20, "only {failed} failures were exercised");

    envelope_allocates_nothing();
}

/// Sealing a request into a caller buffer and opening its reply in place use no heap either.
fn envelope_allocates_nothing() {
    use uid2::envelope::{BodyEncoding, ClientSecret, seal_request};
    let secret_bytes = [0x11u8; 32];
    let secret = ClientSecret::new(secret_bytes);
    let iv_nonce = [6u8; 20];
    let payload = br#"{"email_hash":"tMmiiTI7IaAcPpQPFQ65uMVCWH8av9jw4cwf/F5HVRQ="}"#;
    // The reply is prepared before measuring (the operator side may allocate).
    let mut probe = vec![0u8; 256];
    let (n, _) = seal_request(
        &secret,
        NOW,
        &mut ReplayRandom::new(&iv_nonce),
        payload,
        BodyEncoding::Text,
        &mut probe,
    )
    .unwrap();
    let server_secret = Secret::new(secret_bytes);
    let opened = uid2::server::open_request(&server_secret, None, &probe[..n]).unwrap();
    let mut reply = opened
        .seal_response(
            &server_secret,
            NOW,
            br#"{"status":"success","body":{}}"#,
            &mut ReplayRandom::new(&[8; 12]),
        )
        .unwrap();

    let before = heap_blocks();
    let mut out = [0u8; 256];
    let (n, pending) = seal_request(
        &secret,
        NOW,
        &mut ReplayRandom::new(&iv_nonce),
        payload,
        BodyEncoding::Text,
        &mut out,
    )
    .unwrap();
    let document_len = pending
        .open(200, Some("text/plain"), &mut reply)
        .unwrap()
        .document()
        .len();
    let after = heap_blocks();

    assert_eq!(
        after - before,
        0,
        "the envelope allocated {} heap blocks",
        after - before
    );
    assert_eq!(&out[..n], &probe[..n]);
    assert_eq!(document_len, 30);
}
