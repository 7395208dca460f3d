//! Every client against the local operator (`uid2-local-operator`) on 127.0.0.1: the happy
//! paths, and each failure mode as a typed error. Each test is bounded in time.
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

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use support::gigya_mock::GigyaMock;
use support::{config, operator};
use tokio::time::Instant;
use uid2::envelope::{OperatorStatus, ResponseError};
use uid2::gigya::{Credentials as GigyaCredentials, GigyaSecret, Params};
use uid2::operator::TokenGenerateRequest;
use uid2::operator::identity_map_v2::IdentityMapV2Request;
use uid2::operator::identity_map_v3::{IdentityMapV3Input, UnmappedReason};
use uid2::operator::key_refresh::KeyRefreshConfig;
use uid2::operator::optout_status::OptoutStatusRequest;
use uid2::token::DecryptStatus;
use uid2::{DecryptError, Timestamp};
use uid2_local_operator::{Fault, LocalOperator};
use uid2_tokio::{
    BidstreamClient, ClientConfig, CoreError, Error, GigyaClient, GigyaConfig, Header,
    HttpResponse, HyperTransport, IdentityMapClient, IdentityMapV3Client, OptOutStatusClient,
    PublisherClient, RetryConfig, SharingClient, Transport, TransportError, TransportErrorKind,
};

/// Every test finishes well within this bound.
const BOUND: Duration = Duration::from_secs(60);
/// An identity the local operator always reports as opted out.
const OPTOUT_EMAIL: &str = "optout@example.com";
/// A domain of the local operator's default site.
const SITE_DOMAIN: &str = "example.com";

async fn bounded<F: Future>(f: F) -> F::Output {
    tokio::time::timeout(BOUND, f)
        .await
        .expect("test took too long")
}

/// A token the publisher client obtains for `email`, and the raw UID it carries.
async fn advertising_token(op: &LocalOperator, email: &str) -> (String, String) {
    let response = PublisherClient::new(config(op))
        .unwrap()
        .generate_token(TokenGenerateRequest::from_email(email).unwrap())
        .await
        .unwrap();
    let identity = response.identity().expect("an identity");
    (
        identity.advertising_token().to_owned(),
        op.raw_uid(email).unwrap(),
    )
}

/// Clears the operator's faults and waits (bounded) until it accepts connections again: after
/// an outage it re-binds its port asynchronously.
async fn recover(op: &LocalOperator) {
    op.clear_faults();
    wait_listening(op).await;
}

/// Waits (bounded) until the operator accepts connections again after an outage.
async fn wait_listening(op: &LocalOperator) {
    for _ in 0..250 {
        if tokio::net::TcpStream::connect(op.addr()).await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the operator did not come back");
}

/// A configuration for `op` whose refresh backs off briefly (20 ms, doubling, at most 100 ms).
fn quick_backoff(op: &LocalOperator) -> ClientConfig {
    let mut schedule = KeyRefreshConfig::default();
    schedule.initial_backoff = Duration::from_millis(20);
    schedule.max_backoff = Duration::from_millis(100);
    config(op).with_key_refresh(schedule)
}

/// Refreshes once the backoff after a failure is over (a refresh asked for earlier returns the
/// last failure without contacting the operator).
#[expect(
    clippy::disallowed_methods,
    reason = "the wait is measured against the status's wall-clock next attempt"
)]
async fn refresh_after_backoff<R>(
    refresh: impl AsyncFn() -> Result<(), Error>,
    status: R,
) -> Result<(), Error>
where
    R: Fn() -> uid2_tokio::RefreshStatus,
{
    let status = status();
    if status.consecutive_failures > 0 {
        // (When the background task has already succeeded, a refresh is due at once.)
        let next = status.next_attempt.expect("an attempt is scheduled");
        let now = Timestamp::from(std::time::SystemTime::now());
        let ms = next.saturating_millis_since(now).max(0) + 5;
        assert!(ms < 1_000, "the retry is {ms} ms away");
        tokio::time::sleep(Duration::from_millis(u64::try_from(ms).unwrap())).await;
    }
    refresh().await
}

fn decrypt_status(e: &Error) -> DecryptStatus {
    e.decrypt_error().expect("a decryption error").as_status()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publisher_generates_refreshes_and_reports_optout() {
    bounded(async {
        let op = operator().await;
        let client = PublisherClient::new(config(&op)).unwrap();
        let generated = client
            .generate_token(TokenGenerateRequest::from_email("jane.doe@example.com").unwrap())
            .await
            .unwrap();
        let identity = generated.identity().unwrap().clone();
        assert!(identity.is_refreshable(op.now()));
        let refreshed = client.refresh_token(&identity).await.unwrap();
        let new_identity = refreshed.identity().unwrap();
        assert_ne!(new_identity.refresh_token(), identity.refresh_token());

        let optout = client
            .generate_token(TokenGenerateRequest::from_email(OPTOUT_EMAIL).unwrap())
            .await
            .unwrap();
        assert!(optout.is_optout());
        assert_eq!(optout.identity_json_string(), None);

        // A refresh token the operator does not know: HTTP 400 invalid_token.
        let bogus = uid2::operator::IdentityTokens::from_json_str(
            r#"{"advertising_token":"AT","refresh_token":"nope","identity_expires":1,
                "refresh_expires":99999999999999,"refresh_from":1}"#,
        )
        .unwrap();
        let err = client.refresh_token(&bogus).await.unwrap_err();
        assert_eq!(err.http_status(), Some(400), "{err:?}");
        assert!(err.http_error().unwrap().is_invalid_token(), "{err:?}");

        // An expired refresh token: HTTP 400 expired_token.
        op.set_clock_offset(31 * 86_400_000);
        let err = client.refresh_token(&identity).await.unwrap_err();
        assert!(err.http_error().unwrap().is_expired_token(), "{err:?}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identity_map_v3_single_and_bulk_in_input_order() {
    bounded(async {
        let op = operator().await;
        assert!(op.opt_out(OPTOUT_EMAIL));
        let client = IdentityMapV3Client::new(config(&op)).unwrap();
        let mut input = IdentityMapV3Input::new();
        input.add_email("user@example.com").unwrap();
        input.add_email(OPTOUT_EMAIL).unwrap();
        input.add_phone("+12345678901").unwrap();
        let response = client.map(input).await.unwrap();
        assert_eq!(
            response
                .get_mapped("user@example.com")
                .unwrap()
                .current_raw_uid(),
            op.raw_uid("user@example.com").unwrap()
        );
        assert_eq!(
            response.get_unmapped(OPTOUT_EMAIL).map(|u| u.reason()),
            Some(UnmappedReason::OptOut)
        );
        assert_eq!(
            response
                .get_mapped("+12345678901")
                .unwrap()
                .current_raw_uid(),
            op.raw_uid("+12345678901").unwrap()
        );

        // 12,001 identities: three batches (5,000 + 5,000 + 2,001), all merged.
        let emails: Vec<String> = (0..12_001)
            .map(|i| format!("user{i}@example.com"))
            .collect();
        let before = op.request_count("/v3/identity/map");
        let merged = client
            .map_bulk(IdentityMapV3Input::from_emails(&emails).unwrap())
            .await
            .unwrap();
        assert_eq!(op.request_count("/v3/identity/map") - before, 3);
        assert_eq!(merged.mapped().len(), 12_001);
        for email in [&emails[0], &emails[5_000], &emails[12_000]] {
            assert_eq!(
                merged.get_mapped(email).unwrap().current_raw_uid(),
                op.raw_uid(email).unwrap()
            );
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identity_map_v2_buckets_and_optout_status() {
    bounded(async {
        let op = operator().await;
        assert!(op.opt_out(OPTOUT_EMAIL));
        let v2 = IdentityMapClient::new(config(&op)).unwrap();
        let response = v2
            .generate_identity_map(
                IdentityMapV2Request::from_emails(["a@example.com", OPTOUT_EMAIL]).unwrap(),
            )
            .await
            .unwrap();
        assert!(response.get_mapped("a@example.com").is_some());
        assert!(response.get_unmapped(OPTOUT_EMAIL).is_some());
        let buckets = v2
            .get_identity_buckets(Timestamp::from_millis(0))
            .await
            .unwrap();
        assert!(!buckets.is_empty());

        let leaving = op.raw_uid("leaving@example.com").unwrap();
        let staying = op.raw_uid("staying@example.com").unwrap();
        assert!(op.opt_out("leaving@example.com"));
        let status = OptOutStatusClient::new(config(&op))
            .unwrap()
            .get_optout_status(OptoutStatusRequest::new([&leaving, &staying]).unwrap())
            .await
            .unwrap();
        assert!(status.opted_out_since(&leaving).is_some());
        assert!(status.opted_out_since(&staying).is_none());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bidstream_decrypts_with_domain_check() {
    bounded(async {
        let op = operator().await;
        let (token, raw_uid) = advertising_token(&op, "dsp@example.com").await;
        let client = BidstreamClient::new(config(&op)).unwrap();
        let loaded_before = client.refresh_status().last_success.is_some();
        client.refresh().await.unwrap();
        // The first exchange, started with the client, answers the call when it completes
        // after it; one that completed before it (a race the loopback operator often wins) is
        // followed by one new fetch.
        let fetches = op.request_count("/v2/key/bidstream");
        if loaded_before {
            assert_eq!(fetches, 2);
        } else {
            assert!(fetches == 1 || fetches == 2, "{fetches}");
        }
        assert!(client.last_refresh_success().is_some());
        assert!(client.key_set_age().unwrap() < Duration::from_secs(60));
        let decrypted = client
            .decrypt_token_into_raw_uid(&token, Some(SITE_DOMAIN))
            .unwrap();
        assert_eq!(decrypted.uid().as_str(), raw_uid);
        assert_eq!(decrypted.site_id(), op.site_id());

        // A client-side generated token is checked against the site's domains.
        let cstg = op
            .advertising_token("dsp@example.com", op.site_id(), true)
            .unwrap();
        assert!(
            client
                .decrypt_token_into_raw_uid(&cstg, Some(SITE_DOMAIN))
                .is_ok()
        );
        let err = client
            .decrypt_token_into_raw_uid(&cstg, Some("evil.example"))
            .unwrap_err();
        assert_eq!(
            decrypt_status(&err),
            DecryptStatus::DomainOrAppNameCheckFailed
        );
        let err = client
            .decrypt_token_into_raw_uid("not a token", None)
            .unwrap_err();
        assert_eq!(decrypt_status(&err), DecryptStatus::InvalidPayload);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sharing_encrypts_and_decrypts() {
    bounded(async {
        let op = operator().await;
        let client = SharingClient::new(config(&op)).unwrap();
        let raw_uid = op.raw_uid("sharing@example.com").unwrap();
        // No refresh awaited yet: either not initialized, or the first refresh already landed.
        if let Err(e) = client.encrypt_raw_uid_into_token(&raw_uid) {
            assert_eq!(e.encrypt_error(), Some(&uid2::EncryptError::NotInitialized));
        }
        client.refresh().await.unwrap();
        let token = client.encrypt_raw_uid_into_token(&raw_uid).unwrap();
        let decrypted = client.decrypt_token_into_raw_uid(token.as_str()).unwrap();
        assert_eq!(decrypted.uid().as_str(), raw_uid);
        assert_eq!(decrypted.site_id(), op.site_id());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operator_down_at_start_then_recovers() {
    bounded(async {
        let op = operator().await;
        let (token, raw_uid) = advertising_token(&op, "late@example.com").await;
        op.set_fault(Fault::Outage);
        let client = BidstreamClient::new(quick_backoff(&op)).unwrap();
        let err = client.decrypt_token_into_raw_uid(&token, None).unwrap_err();
        assert_eq!(err.decrypt_error(), Some(&DecryptError::NotInitialized));
        let err = client.refresh().await.unwrap_err();
        assert!(
            matches!(
                err.transport_kind(),
                Some(TransportErrorKind::Connect | TransportErrorKind::Io)
            ),
            "{err:?}"
        );
        let status = client.refresh_status();
        assert!(status.consecutive_failures >= 1);
        assert!(status.last_success.is_none());
        assert!(matches!(status.last_error, Some(Error::Transport(_))));
        assert_eq!(
            client
                .decrypt_token_into_raw_uid(&token, None)
                .unwrap_err()
                .decrypt_error(),
            Some(&DecryptError::NotInitialized)
        );

        // Asked again at once (say, on every NOT_INITIALIZED), the client does not contact the
        // operator before the retry time: it returns the last failure.
        let failures = client.consecutive_refresh_failures();
        let again = client.refresh().await.unwrap_err();
        assert!(matches!(again, Error::Transport(_)), "{again:?}");
        assert_eq!(client.consecutive_refresh_failures(), failures);

        // The operator comes back; the next refresh after the backoff succeeds.
        recover(&op).await;
        refresh_after_backoff(|| client.refresh(), || client.refresh_status())
            .await
            .unwrap();
        assert_eq!(
            client
                .decrypt_token_into_raw_uid(&token, None)
                .unwrap()
                .uid()
                .as_str(),
            raw_uid
        );
        assert_eq!(client.consecutive_refresh_failures(), 0);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outage_mid_run_keeps_last_keys_and_recovers() {
    bounded(async {
        let op = operator().await;
        let (token, raw_uid) = advertising_token(&op, "outage@example.com").await;
        let client = BidstreamClient::new(quick_backoff(&op)).unwrap();
        client.refresh().await.unwrap();
        let before = client.key_set().unwrap();

        op.set_fault(Fault::Outage);
        assert!(matches!(client.refresh().await, Err(Error::Transport(_))));
        // From the outage straight to HTTP 503 (the background task retries meanwhile).
        op.set_fault(Fault::Status(503));
        wait_listening(&op).await;
        let err = refresh_after_backoff(|| client.refresh(), || client.refresh_status())
            .await
            .unwrap_err();
        assert_eq!(err.http_status(), Some(503));
        // The last good key set is still in use.
        assert!(Arc::ptr_eq(&before, &client.key_set().unwrap()));
        assert_eq!(
            client
                .decrypt_token_into_raw_uid(&token, None)
                .unwrap()
                .uid()
                .as_str(),
            raw_uid
        );
        assert!(client.consecutive_refresh_failures() >= 2);

        recover(&op).await;
        refresh_after_backoff(|| client.refresh(), || client.refresh_status())
            .await
            .unwrap();
        assert!(!Arc::ptr_eq(&before, &client.key_set().unwrap()));
        assert_eq!(client.consecutive_refresh_failures(), 0);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unauthorized_is_http_401() {
    bounded(async {
        let op = operator().await;
        let config = ClientConfig::new(
            &op.base_url(),
            "UID2-C-L-999-notTheRightKey",
            op.client_secret(),
        )
        .unwrap();
        let err = PublisherClient::new(config.clone())
            .unwrap()
            .generate_token(TokenGenerateRequest::from_email("a@example.com").unwrap())
            .await
            .unwrap_err();
        assert_eq!(err.http_status(), Some(401), "{err:?}");
        assert!(err.http_error().unwrap().is_unauthorized());
        assert!(!err.is_retryable());
        assert!(std::error::Error::source(&err).is_some());
        let bidstream = BidstreamClient::new(config).unwrap();
        assert_eq!(
            bidstream.refresh().await.unwrap_err().http_status(),
            Some(401)
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limited_batches_are_retried_with_backoff() {
    bounded(async {
        let op = operator().await;
        let retry = RetryConfig::default()
            .with_max_attempts(4)
            .with_backoff(Duration::from_millis(100), Duration::from_secs(1));
        let client = IdentityMapV3Client::new(config(&op).with_retry(retry)).unwrap();
        op.fault_next(1, Fault::RateLimited);
        op.fault_next(1, Fault::ServerError);
        op.fault_next(1, Fault::RateLimited);
        let started = Instant::now();
        let response = client
            .map_bulk(IdentityMapV3Input::from_emails(["r@example.com"]).unwrap())
            .await
            .unwrap();
        // Three retries after at least 50 + 100 + 200 ms of backoff.
        assert!(started.elapsed() >= Duration::from_millis(350));
        assert_eq!(op.request_count("/v3/identity/map"), 4);
        assert!(response.get_mapped("r@example.com").is_some());

        // Attempts are bounded: the last error is returned.
        let retry = RetryConfig::default()
            .with_max_attempts(2)
            .with_backoff(Duration::from_millis(10), Duration::from_millis(10));
        let client = IdentityMapV3Client::new(config(&op).with_retry(retry)).unwrap();
        op.set_fault(Fault::RateLimited);
        let err = client
            .map_bulk(IdentityMapV3Input::from_emails(["r@example.com"]).unwrap())
            .await
            .unwrap_err();
        assert_eq!(err.http_status(), Some(429));
        assert!(err.http_error().unwrap().is_rate_limited());
        assert_eq!(op.request_count("/v3/identity/map"), 6);
        // `map` itself never retries.
        let err = client
            .map(IdentityMapV3Input::from_emails(["r@example.com"]).unwrap())
            .await
            .unwrap_err();
        assert_eq!(err.http_status(), Some(429));
        assert_eq!(op.request_count("/v3/identity/map"), 7);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_error_is_http_500() {
    bounded(async {
        let op = operator().await;
        op.set_fault(Fault::ServerError);
        let err = PublisherClient::new(config(&op))
            .unwrap()
            .generate_token(TokenGenerateRequest::from_email("a@example.com").unwrap())
            .await
            .unwrap_err();
        assert_eq!(err.http_status(), Some(500), "{err:?}");
        assert_eq!(
            err.http_error().unwrap().operator_status(),
            Some(&OperatorStatus::Unknown)
        );
        assert!(err.is_retryable());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hang_fails_within_the_configured_timeout() {
    bounded(async {
        let op = operator().await;
        op.set_fault(Fault::Hang);
        let timeout = Duration::from_millis(300);
        let client = PublisherClient::new(config(&op).with_timeout(timeout)).unwrap();
        let started = Instant::now();
        let err = client
            .generate_token(TokenGenerateRequest::from_email("a@example.com").unwrap())
            .await
            .unwrap_err();
        let elapsed = started.elapsed();
        assert!(err.is_timeout(), "{err:?}");
        assert!(elapsed >= timeout && elapsed < timeout * 4, "{elapsed:?}");
        assert!(err.is_retryable());

        let bidstream = BidstreamClient::new(config(&op).with_timeout(timeout)).unwrap();
        assert!(bidstream.refresh().await.unwrap_err().is_timeout());
        let map = IdentityMapV3Client::new(config(&op).with_timeout(timeout)).unwrap();
        let started = Instant::now();
        assert!(
            map.map(IdentityMapV3Input::from_emails(["a@example.com"]).unwrap())
                .await
                .unwrap_err()
                .is_timeout()
        );
        assert!(started.elapsed() < timeout * 4);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_wrong_key_and_wrong_nonce_are_core_errors() {
    bounded(async {
        let op = operator().await;
        let client = PublisherClient::new(config(&op)).unwrap();
        let generate =
            || client.generate_token(TokenGenerateRequest::from_email("a@example.com").unwrap());
        op.set_fault(Fault::Garbage);
        let err = generate().await.unwrap_err();
        assert_eq!(
            err.response_error(),
            Some(&ResponseError::InvalidBase64),
            "{err:?}"
        );
        op.set_fault(Fault::WrongKey);
        let err = generate().await.unwrap_err();
        assert_eq!(
            err.response_error(),
            Some(&ResponseError::DecryptFailed),
            "{err:?}"
        );
        op.set_fault(Fault::WrongNonce);
        let err = generate().await.unwrap_err();
        assert_eq!(
            err.response_error(),
            Some(&ResponseError::NonceMismatch),
            "{err:?}"
        );
        let map = IdentityMapV3Client::new(config(&op)).unwrap();
        let err = map
            .map(IdentityMapV3Input::from_emails(["a@example.com"]).unwrap())
            .await
            .unwrap_err();
        assert_eq!(
            err.response_error(),
            Some(&ResponseError::NonceMismatch),
            "{err:?}"
        );

        op.set_fault(Fault::Garbage);
        let bidstream = BidstreamClient::new(config(&op)).unwrap();
        let err = bidstream.refresh().await.unwrap_err();
        assert!(
            matches!(
                err,
                Error::Core(CoreError::Response(ResponseError::InvalidBase64))
            ),
            "{err:?}"
        );
        assert_eq!(
            bidstream
                .decrypt_token_into_raw_uid("A4AAAA", None)
                .unwrap_err()
                .decrypt_error(),
            Some(&DecryptError::NotInitialized)
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_threads_decrypt_while_keys_are_swapped() {
    bounded(async {
        let op = operator().await;
        let (token, raw_uid) = advertising_token(&op, "swap@example.com").await;
        let client = BidstreamClient::new(config(&op)).unwrap();
        client.refresh().await.unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let ok = Arc::new(AtomicU64::new(0));
        let wrong = Arc::new(AtomicU64::new(0));
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let (client, stop, ok, wrong) = (
                    client.clone(),
                    Arc::clone(&stop),
                    Arc::clone(&ok),
                    Arc::clone(&wrong),
                );
                let (token, raw_uid) = (token.clone(), raw_uid.clone());
                std::thread::spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        match client.decrypt_token_into_raw_uid(&token, Some(SITE_DOMAIN)) {
                            Ok(d) if d.uid().as_str() == raw_uid => {
                                ok.fetch_add(1, Ordering::Relaxed)
                            }
                            _ => wrong.fetch_add(1, Ordering::Relaxed),
                        };
                    }
                })
            })
            .collect();
        let served = op.request_count("/v2/key/bidstream");
        let mut last = client.key_set().unwrap();
        for _ in 0..200 {
            client.refresh().await.unwrap();
            let now = client.key_set().unwrap();
            assert!(!Arc::ptr_eq(&last, &now), "each refresh swaps the snapshot");
            last = now;
        }
        stop.store(true, Ordering::Relaxed);
        for t in threads {
            t.join().unwrap();
        }
        assert!(op.request_count("/v2/key/bidstream") - served >= 200);
        assert_eq!(wrong.load(Ordering::Relaxed), 0);
        assert!(ok.load(Ordering::Relaxed) > 1_000);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn background_task_refreshes_and_stops_on_drop() {
    bounded(async {
        let op = operator().await;
        let mut schedule = KeyRefreshConfig::default();
        schedule.refresh_interval = Duration::from_millis(50);
        schedule.max_jitter = Duration::ZERO;
        let client = SharingClient::new(config(&op).with_key_refresh(schedule)).unwrap();
        // No explicit refresh: the task fetches at once and then every 50 ms.
        tokio::time::sleep(Duration::from_millis(600)).await;
        let fetched = op.request_count("/v2/key/sharing");
        assert!(fetched >= 3, "{fetched} background refreshes");
        assert!(client.key_set().is_some());
        drop(client);
        tokio::time::sleep(Duration::from_millis(100)).await;
        let after_drop = op.request_count("/v2/key/sharing");
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert_eq!(op.request_count("/v2/key/sharing"), after_drop);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn background_refresh_backs_off_and_recovers_after_an_outage() {
    bounded(async {
        let op = operator().await;
        let mut schedule = KeyRefreshConfig::default();
        schedule.refresh_interval = Duration::from_millis(50);
        schedule.max_jitter = Duration::ZERO;
        schedule.initial_backoff = Duration::from_millis(20);
        schedule.max_backoff = Duration::from_millis(100);
        let client = BidstreamClient::new(config(&op).with_key_refresh(schedule)).unwrap();
        client.refresh().await.unwrap();
        let first = client.last_refresh_success().unwrap();
        op.set_fault(Fault::ServerError);
        tokio::time::sleep(Duration::from_millis(400)).await;
        let status = client.refresh_status();
        assert!(status.consecutive_failures >= 2, "{status:?}");
        assert_eq!(status.last_success, Some(first));
        assert!(client.key_set().is_some(), "the last keys are kept");
        op.clear_faults();
        tokio::time::sleep(Duration::from_millis(400)).await;
        let status = client.refresh_status();
        assert_eq!(status.consecutive_failures, 0, "{status:?}");
        assert!(status.last_success.unwrap() > first);
    })
    .await;
}

#[test]
fn clients_outside_a_runtime_fail_cleanly() {
    let config = ClientConfig::new(
        "http://127.0.0.1:9",
        "UID2-C-L-999-key",
        "ioG3wKxAokmp+rERx6A4kM/13qhyolUXIu14WN16Spo=",
    )
    .unwrap();
    assert!(matches!(
        BidstreamClient::new(config.clone()),
        Err(Error::InvalidConfig { .. })
    ));
    assert!(matches!(
        SharingClient::new(config),
        Err(Error::InvalidConfig { .. })
    ));
    assert!(matches!(
        ClientConfig::new("https://x", "UID2-C-L-999-key", "not base64"),
        Err(Error::Core(CoreError::Envelope(_)))
    ));
}

#[test]
fn unusable_base_urls_are_refused_when_the_config_is_built() {
    let secret = "ioG3wKxAokmp+rERx6A4kM/13qhyolUXIu14WN16Spo=";
    for url in [
        "ftp://127.0.0.1:9",
        "http://operator.example",
        "http://10.0.0.1:8080",
    ] {
        assert!(
            matches!(
                ClientConfig::new(url, "UID2-C-L-999-key", secret),
                Err(Error::InvalidConfig { .. })
            ),
            "{url}"
        );
    }
    let insecure =
        uid2_tokio::BaseUrl::parse_allowing_insecure_http("http://operator.example").unwrap();
    let credentials =
        uid2::envelope::Credentials::from_strings("UID2-C-L-999-key", secret).unwrap();
    let config = ClientConfig::with_credentials(insecure, credentials);
    assert_eq!(config.base_url.as_str(), "http://operator.example");
    assert!(ClientConfig::new("http://127.0.0.1:9", "UID2-C-L-999-key", secret).is_ok());
}

#[test]
fn debug_output_never_shows_secrets() {
    let secret = "ioG3wKxAokmp+rERx6A4kM/13qhyolUXIu14WN16Spo=";
    let config =
        ClientConfig::new("https://example.invalid", "UID2-C-L-999-sEcReT", secret).unwrap();
    let text = format!("{config:?}");
    assert!(!text.contains(secret), "{text}");
    assert!(!text.contains("sEcReT"), "{text}");
    let header = Header::new("Authorization", "Bearer UID2-C-L-999-sEcReT", true);
    assert!(!format!("{header:?}").contains("sEcReT"));
    let gigya_secret =
        GigyaSecret::from_base64("UnVzdC1HaWd5YS1wYXJ0bmVyLXNlY3JldC0wMDAx").unwrap();
    let gigya = GigyaConfig::new(GigyaCredentials::partner_secret("3_key", gigya_secret));
    assert!(!format!("{gigya:?}").contains("UnVzdC1HaWd5"));
}

/// Sends Gigya calls to the loopback mock instead of `*.gigya.com`.
struct Redirect {
    inner: HyperTransport,
    base: String,
}

impl Transport for Redirect {
    async fn post(
        &self,
        url: &str,
        headers: &[Header<'_>],
        body: Vec<u8>,
        max_response_bytes: usize,
    ) -> Result<HttpResponse, TransportError> {
        let path = url.split_once(".com").map_or(url, |(_, p)| p);
        self.inner
            .post(
                &format!("{}{path}", self.base),
                headers,
                body,
                max_response_bytes,
            )
            .await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gigya_retries_once_after_clock_skew() {
    bounded(async {
        let mock = GigyaMock::start().await;
        let secret = GigyaSecret::from_base64("UnVzdC1HaWd5YS1wYXJ0bmVyLXNlY3JldC0wMDAx").unwrap();
        let config = GigyaConfig::new(GigyaCredentials::partner_secret("3_key", secret))
            .with_api_domain("eu1.gigya.com");
        let transport = Redirect {
            inner: HyperTransport::new(Duration::from_secs(2), 1 << 20).unwrap(),
            base: mock.base_url(),
        };
        let client = GigyaClient::with_transport(config, transport);
        mock.state.skew_once();
        let response = client
            .send("accounts.getAccountInfo", &Params::new())
            .await
            .unwrap();
        assert!(response.is_success());
        assert_eq!(response.get_str("UID"), Some("mock-user"));
        assert_eq!(mock.state.count("/accounts.getAccountInfo"), 2);
        let offset = client.clock_offset_ms();
        assert!((590_000..=610_000).contains(&offset), "{offset}");
        // The correction is kept: the next call goes through at once.
        client
            .send("accounts.getAccountInfo", &Params::new())
            .await
            .unwrap();
        assert_eq!(mock.state.count("/accounts.getAccountInfo"), 3);
        assert_eq!(
            mock.state.bad_signatures(),
            0,
            "every request was signed correctly"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gigya_signatures_are_verified_by_the_server() {
    bounded(async {
        let mock = GigyaMock::start().await;
        let transport = || Redirect {
            inner: HyperTransport::new(Duration::from_secs(2), 1 << 20).unwrap(),
            base: mock.base_url(),
        };
        let mut params = Params::new();
        params
            .insert("uid", "9d0b4a6b2f2b4d0e8f6f1a2b3c4d5e6f")
            .unwrap();
        params
            .insert("status", "I feel great & ready: 100%")
            .unwrap();

        let good = GigyaSecret::from_base64(support::gigya_mock::SECRET).unwrap();
        let config = GigyaConfig::new(GigyaCredentials::partner_secret("3_key", good))
            .with_api_domain("eu1.gigya.com");
        let response = GigyaClient::with_transport(config, transport())
            .send("socialize.setStatus", &params)
            .await
            .unwrap();
        assert!(response.is_success());
        assert_eq!(mock.state.bad_signatures(), 0);

        // Signed with another secret: the server's check fails.
        let other = GigyaSecret::from_base64("T3RoZXItcGFydG5lci1zZWNyZXQtMDAwMDAwMDA=").unwrap();
        let config = GigyaConfig::new(GigyaCredentials::partner_secret("3_key", other))
            .with_api_domain("eu1.gigya.com");
        let response = GigyaClient::with_transport(config, transport())
            .send("socialize.setStatus", &params)
            .await
            .unwrap();
        assert_eq!(response.error_code(), 400_006);
        assert_eq!(mock.state.bad_signatures(), 1);
    })
    .await;
}

/// The clients can be shared across tasks and threads, and their futures spawned.
#[test]
fn clients_and_futures_are_send_and_sync() {
    fn send_sync<T: Send + Sync + Clone + 'static>() {}
    fn send<T: Send>(_: &T) {}
    send_sync::<PublisherClient>();
    send_sync::<IdentityMapV3Client>();
    send_sync::<IdentityMapClient>();
    send_sync::<OptOutStatusClient>();
    send_sync::<BidstreamClient>();
    send_sync::<SharingClient>();
    send_sync::<GigyaClient>();
    send_sync::<Error>();
    let config = ClientConfig::new(
        "http://127.0.0.1:9",
        "UID2-C-L-999-key",
        "ioG3wKxAokmp+rERx6A4kM/13qhyolUXIu14WN16Spo=",
    )
    .unwrap();
    let publisher = PublisherClient::new(config.clone()).unwrap();
    let request = TokenGenerateRequest::from_email("a@example.com").unwrap();
    send(&publisher.generate_token(request));
    let mapper = IdentityMapV3Client::new(config).unwrap();
    send(&mapper.map_bulk(IdentityMapV3Input::new()));
}

/// A server that accepts TCP connections and never answers: the TLS handshake hangs, and the
/// connect timeout (DNS + TCP + TLS) ends the call long before the whole-call timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_timeout_bounds_a_hanging_tls_handshake() {
    bounded(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let held = tokio::spawn(async move {
            let mut open = Vec::new();
            while let Ok((stream, _)) = listener.accept().await {
                open.push(stream);
            }
        });
        let connect_timeout = Duration::from_millis(200);
        let config = ClientConfig::new(
            &format!("https://{addr}"),
            "UID2-C-L-999-key",
            "ioG3wKxAokmp+rERx6A4kM/13qhyolUXIu14WN16Spo=",
        )
        .unwrap()
        .with_connect_timeout(connect_timeout)
        .with_timeout(Duration::from_secs(10));
        let started = Instant::now();
        let err = PublisherClient::new(config)
            .unwrap()
            .generate_token(TokenGenerateRequest::from_email("a@example.com").unwrap())
            .await
            .unwrap_err();
        let elapsed = started.elapsed();
        assert!(err.is_timeout(), "{err:?}");
        assert!(
            elapsed >= connect_timeout && elapsed < Duration::from_secs(3),
            "{elapsed:?}"
        );
        held.abort();
    })
    .await;
}

/// What goes on the wire is what the core describes: `POST`, the endpoint's content type
/// (binary for identity map v3), the client version, the user agent and the API key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_carry_the_core_headers() {
    bounded(async {
        let op = operator().await;
        let config = config(&op).with_user_agent("my-service/1.0");
        PublisherClient::new(config.clone())
            .unwrap()
            .generate_token(TokenGenerateRequest::from_email("h@example.com").unwrap())
            .await
            .unwrap();
        IdentityMapV3Client::new(config)
            .unwrap()
            .map(IdentityMapV3Input::from_emails(["h@example.com"]).unwrap())
            .await
            .unwrap();
        let recorded = op.recorded_requests();
        let generate = recorded
            .iter()
            .find(|r| r.path() == "/v2/token/generate")
            .unwrap();
        let map = recorded
            .iter()
            .find(|r| r.path() == "/v3/identity/map")
            .unwrap();
        for r in [generate, map] {
            assert_eq!(r.method(), "POST");
            assert!(r.has_authorization());
            assert_eq!(r.user_agent(), Some("my-service/1.0"));
            assert_eq!(r.client_version(), Some(uid2::envelope::CLIENT_VERSION));
        }
        assert_eq!(generate.content_type(), Some("text/plain"));
        assert_eq!(map.content_type(), Some("application/octet-stream"));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_reply_is_response_too_large() {
    bounded(async {
        let op = operator().await;
        let client = BidstreamClient::new(config(&op).with_max_response_bytes(64)).unwrap();
        let err = client.refresh().await.unwrap_err();
        assert!(
            matches!(err, Error::ResponseTooLarge { limit: 64 }),
            "{err:?}"
        );
        assert!(!err.is_retryable());
    })
    .await;
}
