//! The bid path through the clients touches no heap: `BidstreamClient` and `SharingClient`
//! decryption and sharing encryption, on success and on failure, with keys loaded from a
//! loopback mock operator.
//!
//! A counting global allocator (dhat in testing mode) records every heap block. The test runs
//! without the libtest harness on a single-threaded runtime, so no other thread or task runs
//! while the synchronous calls are measured.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    reason = "test code: a panic is a test failure"
)]

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

use uid2::operator::TokenGenerateRequest;
use uid2_local_operator::{LocalOperator, LocalOperatorConfig};
use uid2_tokio::{BidstreamClient, ClientConfig, PublisherClient, SharingClient};

fn heap_blocks() -> u64 {
    dhat::HeapStats::get().total_blocks
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(decrypt_and_encrypt_do_not_allocate());
    let metrics = if cfg!(feature = "metrics") {
        " (metrics recorded)"
    } else {
        ""
    };
    println!("no_alloc{metrics}: 1 passed, 0 failed");
}

async fn decrypt_and_encrypt_do_not_allocate() {
    let _profiler = dhat::Profiler::builder().testing().build();
    // With the `metrics` feature, a real recorder: every decryption and encryption then
    // increments a live counter handle.
    #[cfg(feature = "metrics")]
    let prometheus = metrics_exporter_prometheus::PrometheusBuilder::new()
        .install_recorder()
        .unwrap();
    let op = LocalOperator::start(LocalOperatorConfig::default())
        .await
        .unwrap();
    let config = ClientConfig::new(&op.base_url(), op.api_key(), op.client_secret()).unwrap();
    let token = PublisherClient::new(config.clone())
        .unwrap()
        .generate_token(TokenGenerateRequest::from_email("heap@example.com").unwrap())
        .await
        .unwrap()
        .into_identity()
        .unwrap()
        .advertising_token()
        .to_owned();
    let bidstream = BidstreamClient::new(config.clone()).unwrap();
    let sharing = SharingClient::new(config).unwrap();
    bidstream.refresh().await.unwrap();
    sharing.refresh().await.unwrap();
    let raw_uid = op.raw_uid("heap@example.com").unwrap();
    let shared = sharing.encrypt_raw_uid_into_token(&raw_uid).unwrap();

    let before = heap_blocks();
    for _ in 0..100 {
        assert!(
            bidstream
                .decrypt_token_into_raw_uid(&token, Some("example.com"))
                .is_ok()
        );
        assert!(
            bidstream
                .decrypt_token_into_raw_uid("AAAAnot-a-token", None)
                .is_err()
        );
        assert!(sharing.decrypt_token_into_raw_uid(shared.as_str()).is_ok());
        assert!(sharing.encrypt_raw_uid_into_token(&raw_uid).is_ok());
    }
    assert_eq!(heap_blocks(), before, "the bid path allocated");
    #[cfg(feature = "metrics")]
    {
        // Reading the status publishes the counts.
        let _ = (bidstream.refresh_status(), sharing.refresh_status());
        let scrape = prometheus.render();
        let counted = |labels: &str| {
            let prefix = format!("uid2_token_decrypt_total{{{labels}}} ");
            scrape
                .lines()
                .find_map(|l| l.strip_prefix(&prefix)?.parse::<u64>().ok())
                .unwrap_or(0)
        };
        assert!(
            counted(r#"role="bidstream",status="SUCCESS""#) >= 100,
            "{scrape}"
        );
        assert!(
            counted(r#"role="sharing",status="SUCCESS""#) >= 100,
            "{scrape}"
        );
    }
}
