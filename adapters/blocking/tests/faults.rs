//! Failure handling against the loopback local operator's fault injection: each fault is a
//! typed error, every call is bounded in time, and key sets survive outages.

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

mod local;

use std::time::{Duration, Instant};

use local::Local;
use uid2::envelope::ResponseError;
use uid2::operator::TokenGenerateRequest;
use uid2::operator::identity_map_v3::IdentityMapV3Input;
use uid2::operator::key_refresh::KeyRefreshConfig;
use uid2::token::DecryptStatus;
use uid2_blocking::{
    BidstreamClient, ClientConfig, CoreError, Error, IdentityMapV3Client, PublisherClient,
    RetryConfig, TransportErrorKind,
};
use uid2_local_operator::{DEFAULT_SITE_ID, Fault};

const KEY_PATH: &str = "/v2/key/bidstream";
const MAP_PATH: &str = "/v3/identity/map";

fn email_request() -> TokenGenerateRequest {
    TokenGenerateRequest::from_email("user@example.com").unwrap()
}

/// A configuration whose refresh backs off briefly (20 ms, doubling, at most 100 ms).
fn quick_backoff(local: &Local) -> ClientConfig {
    let mut schedule = KeyRefreshConfig::default();
    schedule.initial_backoff = Duration::from_millis(20);
    schedule.max_backoff = Duration::from_millis(100);
    local.config().with_key_refresh(schedule)
}

/// Sleeps until the client's next refresh attempt is due (after a failure, the backoff holds:
/// a refresh asked for earlier returns the last failure without contacting the operator).
fn wait_for_retry(client: &BidstreamClient) {
    let next = client
        .refresh_status()
        .next_attempt
        .expect("an attempt is scheduled");
    let now = uid2::Timestamp::from(std::time::SystemTime::now());
    let ms = next.saturating_millis_since(now).max(0) + 5;
    assert!(ms < 1_000, "the retry is {ms} ms away");
    std::thread::sleep(Duration::from_millis(u64::try_from(ms).unwrap()));
}

fn token(local: &Local) -> String {
    local
        .op()
        .advertising_token("user@example.com", DEFAULT_SITE_ID, false)
        .unwrap()
}

#[test]
fn operator_down_at_start() {
    let local = Local::start();
    local.op().set_fault(Fault::Outage);
    let client = BidstreamClient::new(quick_backoff(&local)).unwrap();
    let token = token(&local);
    let err = client.decrypt_token_into_raw_uid(&token, None).unwrap_err();
    assert_eq!(
        err.decrypt_error().unwrap().as_status(),
        DecryptStatus::NotInitialized
    );

    let err = client.refresh().unwrap_err();
    assert!(
        matches!(
            err.transport_kind(),
            Some(TransportErrorKind::Connect | TransportErrorKind::Io)
        ),
        "{err:?}"
    );
    assert!(err.is_retryable());
    let status = client.refresh_status();
    assert_eq!(status.consecutive_failures, 1);
    assert!(status.last_error.is_some());
    assert_eq!(client.last_refresh_success(), None);
    // Still not initialized, still the official status.
    let err = client.decrypt_token_into_raw_uid(&token, None).unwrap_err();
    assert_eq!(
        err.decrypt_error().unwrap().as_status(),
        DecryptStatus::NotInitialized
    );

    // Asked again at once (say, on every NOT_INITIALIZED), the client does not contact the
    // operator before the retry time: it returns the last failure.
    let served = local.op().total_requests();
    let again = client.refresh().unwrap_err();
    assert!(matches!(again, Error::Transport(_)), "{again:?}");
    assert_eq!(local.op().total_requests(), served);
    assert_eq!(client.refresh_status().consecutive_failures, 1);

    // The operator comes up: the next refresh after the backoff initializes the client.
    local.op().clear_faults();
    wait_for_retry(&client);
    client.refresh().unwrap();
    assert!(client.decrypt_token_into_raw_uid(&token, None).is_ok());
}

#[test]
fn outage_mid_run_keeps_last_keys_and_recovers() {
    let local = Local::start();
    let client = BidstreamClient::new(quick_backoff(&local)).unwrap();
    let token = token(&local);
    client.refresh().unwrap();
    let first = client.last_refresh_success().unwrap();
    let uid = local.op().raw_uid("user@example.com").unwrap();

    for fault in [
        Fault::Outage,
        Fault::ServerError,
        Fault::Garbage,
        Fault::WrongKey,
        Fault::WrongNonce,
    ] {
        local.op().set_fault(fault);
        if client.refresh_status().consecutive_failures > 0 {
            wait_for_retry(&client);
        }
        let served = local.op().request_count(KEY_PATH);
        assert!(client.refresh().is_err(), "{fault:?}");
        if fault != Fault::Outage {
            // One attempt each (a refused connection is not counted by the operator).
            assert_eq!(local.op().request_count(KEY_PATH), served + 1, "{fault:?}");
        }
        // The last good key set stays in use.
        let decrypted = client.decrypt_token_into_raw_uid(&token, None).unwrap();
        assert_eq!(decrypted.uid().as_str(), uid);
    }
    assert_eq!(client.refresh_status().consecutive_failures, 5);
    assert_eq!(client.last_refresh_success(), Some(first));

    local.op().clear_faults();
    wait_for_retry(&client);
    client.refresh().unwrap();
    let status = client.refresh_status();
    assert_eq!(status.consecutive_failures, 0);
    assert!(status.last_error.is_none());
    assert!(client.decrypt_token_into_raw_uid(&token, None).is_ok());
}

#[test]
fn unauthorized_is_http_401() {
    let local = Local::start();
    // A key the operator does not know.
    let bad = ClientConfig::new(
        &local.op().base_url(),
        "UID2-C-L-999-unknown",
        local.op().client_secret(),
    )
    .unwrap();
    let err = PublisherClient::new(bad)
        .unwrap()
        .generate_token(email_request())
        .unwrap_err();
    assert_eq!(err.http_status(), Some(401));
    assert!(err.http_error().unwrap().is_unauthorized());
    assert!(!err.is_retryable());
    assert!(std::error::Error::source(&err).is_some());

    // The key refresh reports the same.
    local.op().fault_next(1, Fault::Unauthorized);
    let err = BidstreamClient::new(local.config())
        .unwrap()
        .refresh()
        .unwrap_err();
    assert_eq!(err.http_status(), Some(401));
}

#[test]
fn rate_limited_batches_back_off_then_succeed() {
    let local = Local::start();
    let retry = RetryConfig::default()
        .with_backoff(Duration::from_millis(40), Duration::from_millis(200))
        .with_max_attempts(5);
    let client = IdentityMapV3Client::new(local.config().with_retry(retry)).unwrap();

    // A single map() does not retry: 429 is reported at once.
    local.op().fault_next(1, Fault::RateLimited);
    let err = client
        .map(IdentityMapV3Input::from_emails(["a@example.com"]).unwrap())
        .unwrap_err();
    assert_eq!(err.http_status(), Some(429));
    assert!(err.http_error().unwrap().is_rate_limited());
    assert_eq!(local.op().request_count(MAP_PATH), 1);

    // The bulk helper retries three 429s with growing jittered delays (>= 20 + 40 + 80 ms).
    local.op().fault_next(3, Fault::RateLimited);
    let started = Instant::now();
    let response = client
        .map_bulk(IdentityMapV3Input::from_emails(["a@example.com", "b@example.com"]).unwrap())
        .unwrap();
    let elapsed = started.elapsed();
    eprintln!("map_bulk through three 429s: {elapsed:?}");
    assert_eq!(response.mapped().len(), 2);
    assert_eq!(local.op().request_count(MAP_PATH), 5);
    assert!(elapsed >= Duration::from_millis(140), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
}

#[test]
fn server_error_is_http_500_and_bulk_gives_up_after_max_attempts() {
    let local = Local::start();
    local.op().set_fault(Fault::ServerError);

    let err = PublisherClient::new(local.config())
        .unwrap()
        .generate_token(email_request())
        .unwrap_err();
    assert_eq!(err.http_status(), Some(500));
    assert!(err.is_retryable());

    let retry = RetryConfig::default()
        .with_backoff(Duration::from_millis(10), Duration::from_millis(20))
        .with_max_attempts(3);
    let client = IdentityMapV3Client::new(local.config().with_retry(retry)).unwrap();
    let err = client
        .map_bulk(IdentityMapV3Input::from_emails(["a@example.com"]).unwrap())
        .unwrap_err();
    assert_eq!(err.http_status(), Some(500));
    assert_eq!(local.op().request_count(MAP_PATH), 3);
}

#[test]
fn hang_past_the_timeout_fails_within_the_bound() {
    let local = Local::start();
    let timeout = Duration::from_millis(500);
    let margin = Duration::from_millis(700);
    local.op().set_fault(Fault::Hang);

    let publisher = PublisherClient::new(local.config().with_timeout(timeout)).unwrap();
    let started = Instant::now();
    let err = publisher.generate_token(email_request()).unwrap_err();
    let elapsed = started.elapsed();
    eprintln!("generate_token against a hang: {elapsed:?} (timeout {timeout:?})");
    assert!(matches!(err, Error::Timeout), "{err:?}");
    assert!(elapsed >= timeout, "{elapsed:?}");
    assert!(elapsed <= timeout + margin, "{elapsed:?}");

    let bidstream = BidstreamClient::new(local.config().with_timeout(timeout)).unwrap();
    let started = Instant::now();
    let err = bidstream.refresh().unwrap_err();
    let elapsed = started.elapsed();
    eprintln!("key refresh against a hang: {elapsed:?} (timeout {timeout:?})");
    assert!(err.is_timeout(), "{err:?}");
    assert!(elapsed <= timeout + margin, "{elapsed:?}");
    assert_eq!(bidstream.refresh_status().consecutive_failures, 1);

    let retry = RetryConfig::default()
        .with_backoff(Duration::from_millis(10), Duration::from_millis(10))
        .with_max_attempts(2);
    let mapper =
        IdentityMapV3Client::new(local.config().with_timeout(timeout).with_retry(retry)).unwrap();
    let started = Instant::now();
    let err = mapper
        .map_bulk(IdentityMapV3Input::from_emails(["a@example.com"]).unwrap())
        .unwrap_err();
    let elapsed = started.elapsed();
    eprintln!("map_bulk (2 attempts) against a hang: {elapsed:?} (timeout {timeout:?} each)");
    assert!(err.is_timeout(), "{err:?}");
    assert!(elapsed <= 2 * timeout + margin, "{elapsed:?}");
}

#[test]
fn garbage_body_is_a_core_response_error() {
    let local = Local::start();
    local.op().set_fault(Fault::Garbage);
    let err = PublisherClient::new(local.config())
        .unwrap()
        .generate_token(email_request())
        .unwrap_err();
    assert!(
        matches!(err, Error::Core(CoreError::Response(ref r)) if r.class() == "DECRYPT_FAILED"),
        "{err:?}"
    );
    let err = BidstreamClient::new(local.config())
        .unwrap()
        .refresh()
        .unwrap_err();
    assert_eq!(
        err.response_error().map(ResponseError::class),
        Some("DECRYPT_FAILED")
    );
}

#[test]
fn wrong_key_and_wrong_nonce_are_rejected() {
    let local = Local::start();
    local.op().set_fault(Fault::WrongKey);
    let err = PublisherClient::new(local.config())
        .unwrap()
        .generate_token(email_request())
        .unwrap_err();
    assert_eq!(err.response_error(), Some(&ResponseError::DecryptFailed));

    local.op().set_fault(Fault::WrongNonce);
    let err = PublisherClient::new(local.config())
        .unwrap()
        .generate_token(email_request())
        .unwrap_err();
    assert_eq!(err.response_error(), Some(&ResponseError::NonceMismatch));
    let client = BidstreamClient::new(local.config()).unwrap();
    let err = client.refresh().unwrap_err();
    assert_eq!(err.response_error(), Some(&ResponseError::NonceMismatch));
    assert!(client.key_set().is_none());
}

#[test]
fn refresh_thread_fetches_keys_retries_and_stops_on_drop() {
    let local = Local::start();
    let mut timing = KeyRefreshConfig::default();
    timing.initial_backoff = Duration::from_millis(50);
    timing.max_backoff = Duration::from_millis(100);
    let client = BidstreamClient::new(local.config().with_key_refresh(timing)).unwrap();
    // The first two attempts fail; the thread backs off and recovers by itself.
    local.op().fault_next(2, Fault::ServerError);

    let guard = client.start_refresh_thread().unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while client.key_set().is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(
        client.key_set().is_some(),
        "the refresh thread installed keys"
    );
    assert_eq!(local.op().request_count(KEY_PATH), 3);
    let status = client.refresh_status();
    assert_eq!(status.consecutive_failures, 0);
    assert!(status.next_attempt.is_some());
    assert!(
        client
            .decrypt_token_into_raw_uid(&token(&local), None)
            .is_ok()
    );

    // The next refresh is an hour away: dropping the guard returns at once.
    let started = Instant::now();
    drop(guard);
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(local.op().request_count(KEY_PATH), 3);
}

#[test]
fn secrets_never_print() {
    let local = Local::start();
    let config = local.config();
    let api_key = local.op().api_key().to_owned();
    let secret = local.op().client_secret().to_owned();
    let bidstream = BidstreamClient::new(config.clone()).unwrap();
    let publisher = PublisherClient::new(config.clone()).unwrap();
    local.op().fault_next(1, Fault::Unauthorized);
    let err = publisher.generate_token(email_request()).unwrap_err();
    let texts = [
        format!("{config:?}"),
        format!("{bidstream:?}"),
        format!("{publisher:?}"),
        format!("{err:?}"),
        format!("{err}"),
        format!("{:?}", bidstream.refresh_status()),
    ];
    for text in texts {
        assert!(!text.contains(&api_key), "{text}");
        assert!(!text.contains(&secret), "{text}");
    }
    let header = uid2_blocking::Header::new("Authorization", "Bearer sekrit", true);
    assert!(!format!("{header:?}").contains("sekrit"));
}
