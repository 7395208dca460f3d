//! Failure handling against the loopback mock operator: each fault is a typed error, bounded
//! in time, and key sets survive outages.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::panic,
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    clippy::disallowed_methods,
    reason = "test code: a failed expectation panics, and timing checks read the clock"
)]

mod common;

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use common::{
    API_KEY, DOMAIN, Fault, MockOperator, RAW_UID_A, SECRET_B64, bidstream_doc, config,
    dead_base_url, token_for,
};
use uid2::envelope::ResponseError;
use uid2::operator::TokenGenerateRequest;
use uid2::operator::identity_map_v3::IdentityMapV3Input;
use uid2::operator::key_refresh::KeyRefreshConfig;
use uid2::token::DecryptStatus;
use uid2_blocking::{
    BidstreamClient, ClientConfig, CoreError, Error, IdentityMapV3Client, PublisherClient,
    RetryPolicy, TransportErrorKind,
};

fn email_request() -> TokenGenerateRequest {
    TokenGenerateRequest::from_email("user@example.com").unwrap()
}

#[test]
fn operator_down_at_start() {
    let client = BidstreamClient::new(config(&dead_base_url())).unwrap();
    let token = token_for(RAW_UID_A);
    let err = client
        .decrypt_token_into_raw_uid(&token, Some(DOMAIN))
        .unwrap_err();
    assert_eq!(err.as_status(), DecryptStatus::NotInitialized);
    let err = client.refresh().unwrap_err();
    assert_eq!(
        err.transport_kind(),
        Some(TransportErrorKind::Connect),
        "{err:?}"
    );
    assert_eq!(client.refresh_status().consecutive_failures, 1);
    assert_eq!(client.last_refresh_success(), None);
    // Still not initialized, still a typed status.
    let err = client
        .decrypt_token_into_raw_uid(&token, Some(DOMAIN))
        .unwrap_err();
    assert_eq!(err.as_status(), DecryptStatus::NotInitialized);
}

#[test]
fn outage_mid_run_keeps_last_keys_and_recovers() {
    let op = MockOperator::new(bidstream_doc(0, 0));
    let server = op.serve();
    let client = BidstreamClient::new(config(&server.base_url())).unwrap();
    let token = token_for(RAW_UID_A);
    client.refresh().unwrap();
    let first = client.last_refresh_success().unwrap();

    for fault in [
        Fault::Close,
        Fault::ServerError,
        Fault::Garbage,
        Fault::WrongNonce,
    ] {
        op.set_fault_forever(fault);
        assert!(client.refresh().is_err(), "{fault:?}");
        // The last good key set stays in use.
        let decrypted = client
            .decrypt_token_into_raw_uid(&token, Some(DOMAIN))
            .unwrap();
        assert_eq!(decrypted.uid().as_str(), RAW_UID_A);
    }
    assert_eq!(client.refresh_status().consecutive_failures, 4);
    assert_eq!(client.last_refresh_success(), Some(first));

    op.clear_fault();
    op.set_key_doc(bidstream_doc(1, 2));
    client.refresh().unwrap();
    assert_eq!(client.refresh_status().consecutive_failures, 0);
    assert_eq!(client.key_set().unwrap().keys().len(), 4);
    assert!(
        client
            .decrypt_token_into_raw_uid(&token, Some(DOMAIN))
            .is_ok()
    );
}

#[test]
fn unauthorized_is_http_401() {
    let op = MockOperator::new(bidstream_doc(0, 0));
    let server = op.serve();
    // A key the operator does not know.
    let bad = ClientConfig::new(&server.base_url(), "UID2-C-L-999-unknown", SECRET_B64).unwrap();
    let err = PublisherClient::new(bad)
        .unwrap()
        .generate_token(email_request())
        .unwrap_err();
    assert_eq!(err.status(), Some(401));
    assert!(err.http_detail().unwrap().is_unauthorized());
    assert!(std::error::Error::source(&err).is_some());

    // The key refresh reports the same.
    op.set_fault(Fault::Unauthorized, 1);
    let err = BidstreamClient::new(config(&server.base_url()))
        .unwrap()
        .refresh()
        .unwrap_err();
    assert_eq!(err.status(), Some(401));
}

#[test]
fn rate_limited_batches_back_off_then_succeed() {
    let op = MockOperator::new(bidstream_doc(0, 0));
    let server = op.serve();
    let retry = RetryPolicy::new(5, Duration::from_millis(40), Duration::from_millis(200));
    let client = IdentityMapV3Client::new(config(&server.base_url()).with_retry(retry)).unwrap();

    // A single map() does not retry: 429 is reported at once.
    op.set_fault(Fault::RateLimited, 1);
    let err = client
        .map(IdentityMapV3Input::from_emails(["a@example.com"]).unwrap())
        .unwrap_err();
    assert_eq!(err.status(), Some(429));
    assert!(err.http_detail().unwrap().is_rate_limited());

    // The bulk helper retries three 429s with growing jittered delays (>= 20 + 40 + 80 ms).
    op.set_fault(Fault::RateLimited, 3);
    let before = op.requests.load(Ordering::SeqCst);
    let started = Instant::now();
    let response = client
        .map_bulk(IdentityMapV3Input::from_emails(["a@example.com", "b@example.com"]).unwrap())
        .unwrap();
    let elapsed = started.elapsed();
    eprintln!("map_bulk through three 429s: {elapsed:?}");
    assert_eq!(response.mapped().len(), 2);
    assert_eq!(op.requests.load(Ordering::SeqCst) - before, 4);
    assert!(elapsed >= Duration::from_millis(140), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
}

#[test]
fn server_error_is_http_500_and_bulk_gives_up_after_max_attempts() {
    let op = MockOperator::new(bidstream_doc(0, 0));
    let server = op.serve();
    op.set_fault_forever(Fault::ServerError);

    let err = PublisherClient::new(config(&server.base_url()))
        .unwrap()
        .generate_token(email_request())
        .unwrap_err();
    assert_eq!(err.status(), Some(500));
    assert_eq!(err.http_detail().unwrap().message(), Some("boom"));

    let retry = RetryPolicy::new(3, Duration::from_millis(10), Duration::from_millis(20));
    let client = IdentityMapV3Client::new(config(&server.base_url()).with_retry(retry)).unwrap();
    let before = op.requests.load(Ordering::SeqCst);
    let err = client
        .map_bulk(IdentityMapV3Input::from_emails(["a@example.com"]).unwrap())
        .unwrap_err();
    assert_eq!(err.status(), Some(500));
    assert_eq!(op.requests.load(Ordering::SeqCst) - before, 3);
}

#[test]
fn hang_past_the_timeout_fails_within_the_bound() {
    let op = MockOperator::new(bidstream_doc(0, 0));
    let server = op.serve();
    let timeout = Duration::from_millis(500);
    let margin = Duration::from_millis(700);
    op.set_fault_forever(Fault::Hang(Duration::from_secs(4)));

    let publisher = PublisherClient::new(config(&server.base_url()).with_timeout(timeout)).unwrap();
    let started = Instant::now();
    let err = publisher.generate_token(email_request()).unwrap_err();
    let elapsed = started.elapsed();
    eprintln!("generate_token against a hang: {elapsed:?} (timeout {timeout:?})");
    assert!(err.is_timeout(), "{err:?}");
    assert!(elapsed >= timeout, "{elapsed:?}");
    assert!(elapsed <= timeout + margin, "{elapsed:?}");

    let bidstream = BidstreamClient::new(config(&server.base_url()).with_timeout(timeout)).unwrap();
    let started = Instant::now();
    let err = bidstream.refresh().unwrap_err();
    let elapsed = started.elapsed();
    eprintln!("key refresh against a hang: {elapsed:?} (timeout {timeout:?})");
    assert!(err.is_timeout(), "{err:?}");
    assert!(elapsed <= timeout + margin, "{elapsed:?}");
    assert_eq!(bidstream.refresh_status().consecutive_failures, 1);
}

#[test]
fn garbage_body_is_a_core_response_error() {
    let op = MockOperator::new(bidstream_doc(0, 0));
    let server = op.serve();
    op.set_fault_forever(Fault::Garbage);
    let err = PublisherClient::new(config(&server.base_url()))
        .unwrap()
        .generate_token(email_request())
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Core(CoreError::Response(ResponseError::InvalidBase64))
        ),
        "{err:?}"
    );
    let err = BidstreamClient::new(config(&server.base_url()))
        .unwrap()
        .refresh()
        .unwrap_err();
    assert_eq!(err.response_error(), Some(&ResponseError::InvalidBase64));
}

#[test]
fn wrong_nonce_is_rejected() {
    let op = MockOperator::new(bidstream_doc(0, 0));
    let server = op.serve();
    op.set_fault_forever(Fault::WrongNonce);
    let err = PublisherClient::new(config(&server.base_url()))
        .unwrap()
        .generate_token(email_request())
        .unwrap_err();
    assert_eq!(err.response_error(), Some(&ResponseError::NonceMismatch));
    let client = BidstreamClient::new(config(&server.base_url())).unwrap();
    let err = client.refresh().unwrap_err();
    assert_eq!(err.response_error(), Some(&ResponseError::NonceMismatch));
    assert!(client.key_set().is_none());
}

#[test]
fn refresh_thread_fetches_keys_retries_and_stops_on_drop() {
    let op = MockOperator::new(bidstream_doc(0, 0));
    let server = op.serve();
    let mut timing = KeyRefreshConfig::default();
    timing.initial_backoff = Duration::from_millis(50);
    timing.max_backoff = Duration::from_millis(100);
    let client = BidstreamClient::new(config(&server.base_url()).with_key_refresh(timing)).unwrap();
    // The first two attempts fail; the thread backs off and recovers by itself.
    op.set_fault(Fault::ServerError, 2);

    let guard = client.start_refresh_thread().unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while client.key_set().is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(
        client.key_set().is_some(),
        "the refresh thread installed keys"
    );
    assert_eq!(op.requests.load(Ordering::SeqCst), 3);
    assert_eq!(client.refresh_status().consecutive_failures, 0);
    let token = token_for(RAW_UID_A);
    assert!(
        client
            .decrypt_token_into_raw_uid(&token, Some(DOMAIN))
            .is_ok()
    );

    // Next refresh is an hour away: dropping the guard returns at once.
    let started = Instant::now();
    drop(guard);
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(op.requests.load(Ordering::SeqCst), 3);
}

#[test]
fn secrets_never_print() {
    let op = MockOperator::new(bidstream_doc(0, 0));
    let server = op.serve();
    let config = config(&server.base_url());
    let bidstream = BidstreamClient::new(config.clone()).unwrap();
    let publisher = PublisherClient::new(config.clone()).unwrap();
    op.set_fault(Fault::Unauthorized, 1);
    let err = publisher.generate_token(email_request()).unwrap_err();
    let texts = [
        format!("{config:?}"),
        format!("{bidstream:?}"),
        format!("{publisher:?}"),
        format!("{err:?}"),
        format!("{err}"),
    ];
    for text in texts {
        assert!(!text.contains(API_KEY), "{text}");
        assert!(!text.contains(SECRET_B64), "{text}");
        assert!(!text.contains("mockkey"), "{text}");
    }
    let header = uid2_blocking::Header::new("Authorization", "Bearer sekrit", true);
    assert!(!format!("{header:?}").contains("sekrit"));
}
