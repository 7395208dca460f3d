//! The client's decrypt and encrypt paths never touch the heap: a counting global allocator
//! (dhat in testing mode) records every block, and many calls between two readings add none.
//! The operator is answered in process through a custom `Transport`, and the file runs without
//! the libtest harness (`harness = false`), so no other thread runs while it counts.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::panic,
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    reason = "test code: a failed expectation panics"
)]

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{
    DOMAIN, MockOperator, RAW_UID_A, Reply, Request, bidstream_doc, config, sharing_doc, token_for,
};
use uid2_blocking::{
    BidstreamClient, Header, HttpResponse, SharingClient, Transport, TransportError,
    TransportErrorKind,
};

/// Hands every request straight to the mock operator, on the calling thread.
struct InProcess(Arc<MockOperator>);

impl Transport for InProcess {
    fn post(
        &self,
        url: &str,
        headers: &[Header<'_>],
        body: &[u8],
        _timeout: Duration,
        _max_response_bytes: usize,
    ) -> Result<HttpResponse, TransportError> {
        let request = Request {
            path: url.splitn(4, '/').nth(3).map(|p| format!("/{p}")).unwrap(),
            headers: headers
                .iter()
                .map(|h| (h.name().to_owned(), h.value().to_owned()))
                .collect(),
            body: body.to_vec(),
        };
        match self.0.handle(&request) {
            Reply::Http {
                status,
                content_type,
                body,
                ..
            } => Ok(HttpResponse::new(
                status,
                Some(content_type.to_owned()),
                body,
            )),
            _ => Err(TransportError::from_kind(TransportErrorKind::Io)),
        }
    }
}

fn heap_blocks() -> u64 {
    dhat::HeapStats::get().total_blocks
}

fn main() {
    decrypt_and_encrypt_allocate_nothing();
    let metrics = if cfg!(feature = "metrics") {
        " (metrics recorded)"
    } else {
        ""
    };
    println!("no_alloc{metrics}: 1 passed, 0 failed");
}

fn decrypt_and_encrypt_allocate_nothing() {
    let _profiler = dhat::Profiler::builder().testing().build();
    // With the `metrics` feature, a real recorder: every decryption and encryption then
    // increments a live counter handle.
    #[cfg(feature = "metrics")]
    let prometheus = metrics_exporter_prometheus::PrometheusBuilder::new()
        .install_recorder()
        .unwrap();

    let op = MockOperator::new(bidstream_doc(0, 0));
    let bidstream =
        BidstreamClient::with_transport(config("http://127.0.0.1:9"), InProcess(Arc::clone(&op)))
            .unwrap();
    bidstream.refresh().unwrap();
    let op = MockOperator::new(sharing_doc());
    let sharing =
        SharingClient::with_transport(config("http://127.0.0.1:9"), InProcess(Arc::clone(&op)))
            .unwrap();
    sharing.refresh().unwrap();
    let token = token_for(RAW_UID_A);
    let broken = format!("{}x", &token[..token.len() - 4]);
    let shared = sharing.encrypt_raw_uid_into_token(RAW_UID_A).unwrap();
    // Warm up: the first snapshot load on a thread may set up thread-local state.
    let _ = bidstream.decrypt_token_into_raw_uid(&token, Some(DOMAIN));
    let _ = sharing.decrypt_token_into_raw_uid(shared.as_str());

    let before = heap_blocks();
    for _ in 0..100 {
        let ok = bidstream
            .decrypt_token_into_raw_uid(&token, Some(DOMAIN))
            .unwrap();
        assert_eq!(ok.uid().as_str(), RAW_UID_A);
        assert!(
            bidstream
                .decrypt_token_into_raw_uid(&broken, Some(DOMAIN))
                .is_err()
        );
        let t = sharing.encrypt_raw_uid_into_token(RAW_UID_A).unwrap();
        let back = sharing.decrypt_token_into_raw_uid(t.as_str()).unwrap();
        assert_eq!(back.uid().as_str(), RAW_UID_A);
    }
    assert_eq!(heap_blocks(), before, "the hot path allocated");
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
            counted(r#"role="bidstream",status="INVALID_PAYLOAD""#) >= 100,
            "{scrape}"
        );
        assert!(
            counted(r#"role="sharing",status="SUCCESS""#) >= 100,
            "{scrape}"
        );
    }
}
