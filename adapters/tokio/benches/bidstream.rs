//! Decrypt throughput through `BidstreamClient` (snapshot load + clock + core decrypt) on 1 and
//! 2 threads while the background refresh swaps key sets every 50 ms, next to the core's bare
//! `KeySet::decrypt` on the same key set in the same run. Target: client ≥ 0.9 × core.
//!
//! ```sh
//! cargo bench -p uid2-tokio --bench bidstream
//! cargo bench -p uid2-tokio --bench bidstream --features metrics  # with a live recorder
//! ```
//!
//! With the `metrics` feature a Prometheus recorder is installed first, so every client
//! decryption increments a live counter (the cost the feature adds to the bid path).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    clippy::disallowed_methods,
    missing_docs,
    unreachable_pub,
    reason = "bench code: a failed expectation panics; wall-clock timing is the point"
)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use uid2::operator::TokenGenerateRequest;
use uid2::operator::key_refresh::KeyRefreshConfig;
use uid2::token::ClientType;
use uid2_local_operator::{LocalOperator, LocalOperatorConfig};
use uid2_tokio::{BidstreamClient, ClientConfig, PublisherClient};

/// A domain of the local operator's default site.
const SITE_DOMAIN: &str = "example.com";

/// Runs `op` `iters` times split across `threads` threads; returns the wall time.
fn spread(iters: u64, threads: u64, op: &(dyn Fn() + Sync)) -> Duration {
    let per = iters.div_ceil(threads);
    let start = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                for _ in 0..per {
                    op();
                }
            });
        }
    });
    start.elapsed()
}

fn bidstream(c: &mut Criterion) {
    #[cfg(feature = "metrics")]
    let prometheus = metrics_exporter_prometheus::PrometheusBuilder::new()
        .install_recorder()
        .unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let (mock, client, token) = runtime.block_on(async {
        let mock = LocalOperator::start(LocalOperatorConfig::default())
            .await
            .unwrap();
        let mut schedule = KeyRefreshConfig::default();
        schedule.refresh_interval = Duration::from_millis(50);
        schedule.max_jitter = Duration::ZERO;
        let config = ClientConfig::new(&mock.base_url(), mock.api_key(), mock.client_secret())
            .unwrap()
            .with_key_refresh(schedule);
        let token = PublisherClient::new(config.clone())
            .unwrap()
            .generate_token(TokenGenerateRequest::from_email("bench@example.com").unwrap())
            .await
            .unwrap()
            .into_identity()
            .unwrap()
            .advertising_token()
            .to_owned();
        let client = BidstreamClient::new(config).unwrap();
        client.refresh().await.unwrap();
        (mock, client, token)
    });
    let keys = client.key_set().unwrap();
    let now = mock.now();
    assert!(
        keys.decrypt(&token, ClientType::Bidstream, Some(SITE_DOMAIN), now)
            .is_ok()
    );
    let served_before = mock.request_count("/v2/key/bidstream");

    let mut g = c.benchmark_group("bidstream");
    for threads in [1u64, 2] {
        g.bench_function(format!("core_keyset_decrypt/{threads}t"), |b| {
            b.iter_custom(|iters| {
                spread(iters, threads, &|| {
                    let _ = black_box(keys.decrypt(
                        black_box(&token),
                        ClientType::Bidstream,
                        Some(SITE_DOMAIN),
                        black_box(now),
                    ));
                })
            });
        });
        g.bench_function(format!("client_decrypt/{threads}t"), |b| {
            b.iter_custom(|iters| {
                spread(iters, threads, &|| {
                    let _ = black_box(
                        client.decrypt_token_into_raw_uid(black_box(&token), Some(SITE_DOMAIN)),
                    );
                })
            });
        });
        g.bench_function(format!("client_decrypt_at/{threads}t"), |b| {
            b.iter_custom(|iters| {
                spread(iters, threads, &|| {
                    let _ = black_box(client.decrypt_token_into_raw_uid_at(
                        black_box(&token),
                        Some(SITE_DOMAIN),
                        black_box(now),
                    ));
                })
            });
        });
    }
    g.finish();
    let swaps = mock.request_count("/v2/key/bidstream") - served_before;
    assert!(client.decrypt_token_into_raw_uid(&token, None).is_ok());
    println!("key sets swapped during the bench: {swaps}");
    #[cfg(feature = "metrics")]
    {
        let _ = client.refresh_status(); // publishes the counts
        let scrape = prometheus.render();
        let counted = scrape
            .lines()
            .find_map(|l| {
                l.strip_prefix(r#"uid2_token_decrypt_total{role="bidstream",status="SUCCESS"} "#)
            })
            .unwrap_or("0");
        println!("decryptions counted by the recorder: {counted}");
    }
}

criterion_group!(benches, bidstream);
criterion_main!(benches);
