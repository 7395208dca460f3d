//! Four threads decrypt continuously while the key set is swapped many times: every result must
//! be the right raw UID, and no decryption may fail.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::panic,
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    clippy::disallowed_methods,
    reason = "test code: a failed expectation panics, and the run is bounded by the clock"
)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::{
    DOMAIN, MockOperator, RAW_UID_A, RAW_UID_B, bidstream_doc, config, sharing_doc, token_for,
};
use uid2::operator::key_refresh::KeyRefreshConfig;
use uid2_blocking::{BidstreamClient, SharingClient};

const SWAPS: u32 = 200;
const THREADS: usize = 4;

#[test]
fn four_threads_decrypt_while_keys_are_swapped() {
    let op = MockOperator::new(bidstream_doc(0, 1));
    let server = op.serve();
    let client = BidstreamClient::new(config(&server.base_url())).unwrap();
    client.refresh().unwrap();
    let tokens = [
        (token_for(RAW_UID_A), RAW_UID_A),
        (token_for(RAW_UID_B), RAW_UID_B),
    ];

    let stop = AtomicBool::new(false);
    let decrypted = AtomicUsize::new(0);
    let wrong = AtomicUsize::new(0);
    let started = Instant::now();
    std::thread::scope(|scope| {
        for t in 0..THREADS {
            let (client, tokens, stop, decrypted, wrong) =
                (&client, &tokens, &stop, &decrypted, &wrong);
            scope.spawn(move || {
                let mut i = t;
                while !stop.load(Ordering::Relaxed) {
                    let (token, uid) = &tokens[i % 2];
                    match client.decrypt_token_into_raw_uid(token, Some(DOMAIN)) {
                        Ok(d) if d.uid().as_str() == *uid => {}
                        _ => {
                            wrong.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    decrypted.fetch_add(1, Ordering::Relaxed);
                    i += 1;
                }
            });
        }
        // Each refresh installs a new key set (a different extra key every time).
        for generation in 1..=SWAPS {
            op.set_key_doc(bidstream_doc(generation, 1 + generation % 3));
            client.refresh().unwrap();
            if started.elapsed() > Duration::from_secs(60) {
                break;
            }
        }
        stop.store(true, Ordering::Relaxed);
    });
    let elapsed = started.elapsed();
    let swaps = op.generation.load(Ordering::SeqCst) - 1;
    eprintln!(
        "{} decryptions on {THREADS} threads during {swaps} key swaps in {elapsed:?}",
        decrypted.load(Ordering::Relaxed)
    );
    assert_eq!(swaps, u64::from(SWAPS));
    assert_eq!(wrong.load(Ordering::Relaxed), 0);
    assert!(decrypted.load(Ordering::Relaxed) > 1000);
}

#[test]
fn sharing_clones_share_one_key_set() {
    let op = MockOperator::new(sharing_doc());
    let server = op.serve();
    let client = SharingClient::new(config(&server.base_url())).unwrap();
    let clone = client.clone();
    client.refresh().unwrap();
    let token = clone.encrypt_raw_uid_into_token(RAW_UID_A).unwrap();
    let shared = Arc::new(client);
    std::thread::scope(|scope| {
        for _ in 0..THREADS {
            let shared = Arc::clone(&shared);
            let token = token.as_str().to_owned();
            scope.spawn(move || {
                for _ in 0..200 {
                    let d = shared.decrypt_token_into_raw_uid(&token).unwrap();
                    assert_eq!(d.uid().as_str(), RAW_UID_A);
                }
            });
        }
    });
}

#[test]
fn decrypting_while_the_refresh_thread_swaps_keys() {
    let op = MockOperator::new(bidstream_doc(0, 1));
    let server = op.serve();
    // Refresh every 10 ms: the background thread swaps the key set continuously.
    let mut timing = KeyRefreshConfig::default();
    timing.refresh_interval = Duration::from_millis(10);
    timing.max_jitter = Duration::from_millis(5);
    let client = BidstreamClient::new(config(&server.base_url()).with_key_refresh(timing)).unwrap();
    client.refresh().unwrap();
    let token = token_for(RAW_UID_A);
    let guard = client.start_refresh_thread().unwrap();

    let started = Instant::now();
    let wrong = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..THREADS {
            scope.spawn(|| {
                while op.generation.load(Ordering::SeqCst) < 50
                    && started.elapsed() < Duration::from_secs(20)
                {
                    match client.decrypt_token_into_raw_uid(&token, Some(DOMAIN)) {
                        Ok(d) if d.uid().as_str() == RAW_UID_A => {}
                        _ => {
                            wrong.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            });
        }
    });
    drop(guard);
    let swaps = op.generation.load(Ordering::SeqCst);
    eprintln!("{swaps} background key swaps in {:?}", started.elapsed());
    assert!(swaps >= 50, "{swaps}");
    assert_eq!(wrong.load(Ordering::Relaxed), 0);
    assert_eq!(client.refresh_status().consecutive_failures, 0);
}
