//! Every client against a loopback mock operator: the happy paths, and each failure mode as a
//! typed error. Each test is bounded in time and talks to 127.0.0.1 only.
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

use tokio::time::Instant;

use support::mock_operator::{
    self, API_KEY, MockOperator, Mode, OPTOUT_EMAIL, SECRET, SITE_DOMAIN, SITE_ID,
};
use uid2::envelope::ResponseError;
use uid2::gigya::{Credentials as GigyaCredentials, GigyaSecret, Params};
use uid2::operator::TokenGenerateRequest;
use uid2::operator::identity_map_v2::IdentityMapV2Request;
use uid2::operator::identity_map_v3::{IdentityMapV3Input, UnmappedReason};
use uid2::operator::key_refresh::KeyRefreshConfig;
use uid2::operator::optout_status::OptoutStatusRequest;
use uid2::random::ReplayRandom;
use uid2::token::{DecryptStatus, TokenBuilder, TokenVersion};
use uid2::{DecryptError, Timestamp};
use uid2_tokio::{
    BidstreamClient, ClientConfig, CoreError, Error, GigyaClient, GigyaConfig, Header,
    HttpResponse, HyperTransport, IdentityMapClient, IdentityMapV3Client, OptOutStatusClient,
    PublisherClient, RetryConfig, SharingClient, Transport, TransportError,
};

/// Every test finishes well within this bound.
const BOUND: Duration = Duration::from_secs(30);

fn config(mock: &MockOperator) -> ClientConfig {
    ClientConfig::new(&mock.base_url(), API_KEY, SECRET)
        .unwrap()
        .with_timeout(Duration::from_secs(5))
        .with_connect_timeout(Duration::from_secs(2))
}

async fn bounded<F: Future>(f: F) -> F::Output {
    tokio::time::timeout(BOUND, f)
        .await
        .expect("test took too long")
}

async fn advertising_token(mock: &MockOperator, email: &str) -> (String, String) {
    let client = PublisherClient::new(config(mock)).unwrap();
    let response = client
        .generate_token(TokenGenerateRequest::from_email(email).unwrap())
        .await
        .unwrap();
    let identity = response.identity().expect("an identity");
    let hash = uid2::identity::hash_email(email).unwrap();
    (
        identity.advertising_token().to_owned(),
        mock_operator::raw_uid_for(hash.as_str()),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publisher_generates_refreshes_and_reports_optout() {
    bounded(async {
        let mock = MockOperator::start().await;
        let client = PublisherClient::new(config(&mock)).unwrap();
        let generated = client
            .generate_token(TokenGenerateRequest::from_email("jane.doe@example.com").unwrap())
            .await
            .unwrap();
        let identity = generated.identity().unwrap().clone();
        assert!(identity.is_refreshable(mock_operator::wall_now()));
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
        match client.refresh_token(&bogus).await {
            Err(Error::Http {
                status: 400,
                error: Some(d),
            }) => assert!(d.is_invalid_token()),
            other => panic!("expected 400 invalid_token, got {other:?}"),
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identity_map_v3_single_and_bulk_in_input_order() {
    bounded(async {
        let mock = MockOperator::start().await;
        let client = IdentityMapV3Client::new(config(&mock)).unwrap();
        let mut input = IdentityMapV3Input::new();
        input.add_email("user@example.com").unwrap();
        input.add_email(OPTOUT_EMAIL).unwrap();
        input.add_phone("+12345678901").unwrap();
        let response = client.map(input).await.unwrap();
        let hash = uid2::identity::hash_email("user@example.com").unwrap();
        assert_eq!(
            response
                .get_mapped("user@example.com")
                .unwrap()
                .current_raw_uid(),
            mock_operator::raw_uid_for(hash.as_str())
        );
        assert_eq!(
            response.get_unmapped(OPTOUT_EMAIL).map(|u| u.reason()),
            Some(UnmappedReason::OptOut)
        );
        assert!(response.get_mapped("+12345678901").is_some());

        // 12,001 identities: three batches (5,000 + 5,000 + 2,001), all merged.
        let emails: Vec<String> = (0..12_001)
            .map(|i| format!("user{i}@example.com"))
            .collect();
        let before = mock.state.count("/v3/identity/map");
        let merged = client
            .map_bulk(IdentityMapV3Input::from_emails(&emails).unwrap())
            .await
            .unwrap();
        assert_eq!(mock.state.count("/v3/identity/map") - before, 3);
        assert_eq!(merged.mapped().len(), 12_001);
        for email in [&emails[0], &emails[5_000], &emails[12_000]] {
            let hash = uid2::identity::hash_email(email).unwrap();
            assert_eq!(
                merged.get_mapped(email).unwrap().current_raw_uid(),
                mock_operator::raw_uid_for(hash.as_str())
            );
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identity_map_v2_buckets_and_optout_status() {
    bounded(async {
        let mock = MockOperator::start().await;
        let v2 = IdentityMapClient::new(config(&mock)).unwrap();
        let response = v2
            .generate_identity_map(
                IdentityMapV2Request::from_emails(["a@example.com", OPTOUT_EMAIL]).unwrap(),
            )
            .await
            .unwrap();
        assert!(response.get_mapped("a@example.com").is_some());
        assert!(response.get_unmapped(OPTOUT_EMAIL).is_some());
        let buckets = v2
            .get_identity_buckets(Timestamp::from_millis(1_700_000_000_000))
            .await
            .unwrap();
        assert_eq!(buckets[0].bucket_id(), "a30od4mNRd");

        let optout_hash = uid2::identity::hash_email(OPTOUT_EMAIL).unwrap();
        let optout_uid = mock_operator::raw_uid_for(optout_hash.as_str());
        let other_uid = mock_operator::raw_uid_for("someone");
        let status = OptOutStatusClient::new(config(&mock))
            .unwrap()
            .get_optout_status(OptoutStatusRequest::new([&optout_uid, &other_uid]).unwrap())
            .await
            .unwrap();
        assert!(status.opted_out_since(&optout_uid).is_some());
        assert!(status.opted_out_since(&other_uid).is_none());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bidstream_decrypts_with_domain_check() {
    bounded(async {
        let mock = MockOperator::start().await;
        let (token, raw_uid) = advertising_token(&mock, "dsp@example.com").await;
        let client = BidstreamClient::new(config(&mock)).unwrap();
        client.refresh().await.unwrap();
        assert!(client.last_refresh_success().is_some());
        assert!(client.key_set_age().unwrap() < Duration::from_secs(60));
        let decrypted = client
            .decrypt_token_into_raw_uid(&token, Some(SITE_DOMAIN))
            .unwrap();
        assert_eq!(decrypted.uid().as_str(), raw_uid);
        assert_eq!(decrypted.site_id(), SITE_ID);

        // A client-side generated token is checked against the site's domains.
        let now = mock_operator::wall_now();
        let (master, site) = mock_operator::keys(now);
        let cstg = TokenBuilder::new(TokenVersion::V4, &raw_uid, &master, &site, now)
            .site_id(SITE_ID)
            .privacy_bits(0b10)
            .build(&mut ReplayRandom::new(&[3; 24]))
            .unwrap();
        assert!(
            client
                .decrypt_token_into_raw_uid(cstg.as_str(), Some(SITE_DOMAIN))
                .is_ok()
        );
        let err = client
            .decrypt_token_into_raw_uid(cstg.as_str(), Some("evil.example"))
            .unwrap_err();
        assert_eq!(
            err.decrypt_error().unwrap().as_status(),
            DecryptStatus::DomainOrAppNameCheckFailed
        );
        let err = client
            .decrypt_token_into_raw_uid("not a token", None)
            .unwrap_err();
        assert_eq!(
            err.decrypt_error().unwrap().as_status(),
            DecryptStatus::InvalidPayload
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sharing_encrypts_and_decrypts() {
    bounded(async {
        let mock = MockOperator::start().await;
        let client = SharingClient::new(config(&mock)).unwrap();
        let raw_uid = mock_operator::raw_uid_for("sharing");
        assert_eq!(
            client
                .encrypt_raw_uid_into_token(&raw_uid)
                .unwrap_err()
                .encrypt_error(),
            Some(&uid2::EncryptError::NotInitialized)
        );
        client.refresh().await.unwrap();
        let token = client.encrypt_raw_uid_into_token(&raw_uid).unwrap();
        let decrypted = client.decrypt_token_into_raw_uid(token.as_str()).unwrap();
        assert_eq!(decrypted.uid().as_str(), raw_uid);
        assert_eq!(decrypted.site_id(), SITE_ID);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operator_down_at_start_then_recovers() {
    bounded(async {
        // A port nobody listens on.
        let addr = {
            let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            l.local_addr().unwrap()
        };
        let config = ClientConfig::new(&format!("http://{addr}"), API_KEY, SECRET)
            .unwrap()
            .with_timeout(Duration::from_secs(5));
        let client = BidstreamClient::new(config).unwrap();
        assert_eq!(
            client
                .decrypt_token_into_raw_uid("A4AAAA", None)
                .unwrap_err()
                .decrypt_error(),
            Some(&DecryptError::NotInitialized)
        );
        match client.refresh().await {
            Err(Error::Transport(e)) => {
                assert_eq!(e.kind(), uid2_tokio::TransportErrorKind::Connect);
            }
            other => panic!("expected a connect error, got {other:?}"),
        }
        let status = client.refresh_status();
        assert!(status.consecutive_failures >= 1);
        assert!(status.last_success.is_none());
        assert!(matches!(status.last_error, Some(Error::Transport(_))));

        // The operator comes up on that port; the next refresh succeeds.
        let mock = MockOperator::start_on(addr).await;
        let (token, raw_uid) = advertising_token(&mock, "late@example.com").await;
        client.refresh().await.unwrap();
        assert_eq!(
            client
                .decrypt_token_into_raw_uid(&token, None)
                .unwrap()
                .uid()
                .as_str(),
            raw_uid
        );
        assert_eq!(client.refresh_status().consecutive_failures, 0);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outage_mid_run_keeps_last_keys_and_recovers() {
    bounded(async {
        let mock = MockOperator::start().await;
        let (token, raw_uid) = advertising_token(&mock, "outage@example.com").await;
        let client = BidstreamClient::new(config(&mock)).unwrap();
        client.refresh().await.unwrap();
        let before = client.key_set().unwrap();

        mock.state.set_mode(Mode::Drop);
        assert!(matches!(client.refresh().await, Err(Error::Transport(_))));
        mock.state.set_mode(Mode::Status(503));
        assert!(matches!(
            client.refresh().await,
            Err(Error::Http { status: 503, .. })
        ));
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
        assert!(client.refresh_status().consecutive_failures >= 2);

        mock.state.set_mode(Mode::Normal);
        client.refresh().await.unwrap();
        assert!(!Arc::ptr_eq(&before, &client.key_set().unwrap()));
        assert_eq!(client.refresh_status().consecutive_failures, 0);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unauthorized_is_http_401() {
    bounded(async {
        let mock = MockOperator::start().await;
        let config = ClientConfig::new(&mock.base_url(), "UID2-C-L-999-wrong", SECRET).unwrap();
        let err = PublisherClient::new(config.clone())
            .unwrap()
            .generate_token(TokenGenerateRequest::from_email("a@example.com").unwrap())
            .await
            .unwrap_err();
        match &err {
            Error::Http {
                status: 401,
                error: Some(d),
            } => assert!(d.is_unauthorized()),
            other => panic!("expected 401, got {other:?}"),
        }
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
        let mock = MockOperator::start().await;
        let retry = RetryConfig::default()
            .with_max_attempts(4)
            .with_backoff(Duration::from_millis(100), Duration::from_secs(1));
        let client = IdentityMapV3Client::new(config(&mock).with_retry(retry)).unwrap();
        mock.state
            .script(&[Mode::Status(429), Mode::Status(500), Mode::Status(429)]);
        let started = Instant::now();
        let response = client
            .map_bulk(IdentityMapV3Input::from_emails(["r@example.com"]).unwrap())
            .await
            .unwrap();
        // Three retries after at least 50 + 100 + 200 ms of backoff.
        assert!(started.elapsed() >= Duration::from_millis(350));
        assert_eq!(mock.state.count("/v3/identity/map"), 4);
        assert!(response.get_mapped("r@example.com").is_some());

        // Attempts are bounded: the last error is returned.
        let retry = RetryConfig::default()
            .with_max_attempts(2)
            .with_backoff(Duration::from_millis(10), Duration::from_millis(10));
        let client = IdentityMapV3Client::new(config(&mock).with_retry(retry)).unwrap();
        mock.state.set_mode(Mode::Status(429));
        let err = client
            .map_bulk(IdentityMapV3Input::from_emails(["r@example.com"]).unwrap())
            .await
            .unwrap_err();
        assert_eq!(err.http_status(), Some(429));
        assert_eq!(mock.state.count("/v3/identity/map"), 6);
        // `map` itself never retries.
        let err = client
            .map(IdentityMapV3Input::from_emails(["r@example.com"]).unwrap())
            .await
            .unwrap_err();
        assert_eq!(err.http_status(), Some(429));
        assert_eq!(mock.state.count("/v3/identity/map"), 7);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_error_is_http_500() {
    bounded(async {
        let mock = MockOperator::start().await;
        mock.state.set_mode(Mode::Status(500));
        let err = PublisherClient::new(config(&mock))
            .unwrap()
            .generate_token(TokenGenerateRequest::from_email("a@example.com").unwrap())
            .await
            .unwrap_err();
        match &err {
            Error::Http {
                status: 500,
                error: Some(d),
            } => assert_eq!(d.body_excerpt(), Some("Internal Server Error")),
            other => panic!("expected 500, got {other:?}"),
        }
        assert!(err.is_retryable());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hang_fails_within_the_configured_timeout() {
    bounded(async {
        let mock = MockOperator::start().await;
        mock.state.set_mode(Mode::Hang);
        let timeout = Duration::from_millis(300);
        let client = PublisherClient::new(config(&mock).with_timeout(timeout)).unwrap();
        let started = Instant::now();
        let err = client
            .generate_token(TokenGenerateRequest::from_email("a@example.com").unwrap())
            .await
            .unwrap_err();
        let elapsed = started.elapsed();
        assert!(matches!(err, Error::Timeout), "{err:?}");
        assert!(elapsed >= timeout && elapsed < timeout * 4, "{elapsed:?}");
        assert!(err.is_retryable());

        let bidstream = BidstreamClient::new(config(&mock).with_timeout(timeout)).unwrap();
        assert!(matches!(bidstream.refresh().await, Err(Error::Timeout)));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_body_and_wrong_nonce_are_core_errors() {
    bounded(async {
        let mock = MockOperator::start().await;
        let client = PublisherClient::new(config(&mock)).unwrap();
        let generate =
            || client.generate_token(TokenGenerateRequest::from_email("a@example.com").unwrap());
        mock.state.set_mode(Mode::Garbage);
        assert!(matches!(
            generate().await,
            Err(Error::Core(CoreError::Response(
                ResponseError::InvalidBase64
            )))
        ));
        mock.state.set_mode(Mode::WrongNonce);
        assert!(matches!(
            generate().await,
            Err(Error::Core(CoreError::Response(
                ResponseError::NonceMismatch
            )))
        ));
        let map = IdentityMapV3Client::new(config(&mock)).unwrap();
        assert!(matches!(
            map.map(IdentityMapV3Input::from_emails(["a@example.com"]).unwrap())
                .await,
            Err(Error::Core(CoreError::Response(
                ResponseError::NonceMismatch
            )))
        ));
        let bidstream = BidstreamClient::new(config(&mock)).unwrap();
        mock.state.set_mode(Mode::Garbage);
        assert!(matches!(
            bidstream.refresh().await,
            Err(Error::Core(CoreError::Response(
                ResponseError::InvalidBase64
            )))
        ));
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
        let mock = MockOperator::start().await;
        let (token, raw_uid) = advertising_token(&mock, "swap@example.com").await;
        let client = BidstreamClient::new(config(&mock)).unwrap();
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
        let served = mock.state.key_sets_served();
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
        assert!(mock.state.key_sets_served() - served >= 200);
        assert_eq!(wrong.load(Ordering::Relaxed), 0);
        assert!(ok.load(Ordering::Relaxed) > 1_000);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn background_task_refreshes_and_stops_on_drop() {
    bounded(async {
        let mock = MockOperator::start().await;
        let mut schedule = KeyRefreshConfig::default();
        schedule.refresh_interval = Duration::from_millis(50);
        schedule.max_jitter = Duration::ZERO;
        let client = BidstreamClient::new(config(&mock).with_key_refresh(schedule)).unwrap();
        // No explicit refresh: the task fetches at once and then every 50 ms.
        tokio::time::sleep(Duration::from_millis(600)).await;
        let fetched = mock.state.count("/v2/key/bidstream");
        assert!(fetched >= 3, "{fetched} background refreshes");
        assert!(client.key_set().is_some());
        drop(client);
        tokio::time::sleep(Duration::from_millis(100)).await;
        let after_drop = mock.state.count("/v2/key/bidstream");
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert_eq!(mock.state.count("/v2/key/bidstream"), after_drop);
    })
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn clients_outside_a_runtime_fail_cleanly() {
    let config = ClientConfig::new("http://127.0.0.1:9", API_KEY, SECRET).unwrap();
    let result = std::thread::spawn(move || BidstreamClient::new(config).map(|_| ()))
        .join()
        .unwrap();
    assert!(matches!(result, Err(Error::InvalidConfig { .. })));
    let ftp = ClientConfig::new("ftp://127.0.0.1:9", API_KEY, SECRET).unwrap();
    let err = PublisherClient::new(ftp)
        .unwrap()
        .generate_token(TokenGenerateRequest::from_email("a@example.com").unwrap())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert!(matches!(
        ClientConfig::new("https://x", API_KEY, "not base64"),
        Err(Error::Core(CoreError::Envelope(_)))
    ));
}

#[test]
fn debug_output_never_shows_secrets() {
    let config = ClientConfig::new("https://example.invalid", API_KEY, SECRET).unwrap();
    let text = format!("{config:?}");
    assert!(!text.contains(SECRET), "{text}");
    assert!(!text.contains("mockKey"), "{text}");
    let secret = GigyaSecret::from_base64("UnVzdC1HaWd5YS1wYXJ0bmVyLXNlY3JldC0wMDAx").unwrap();
    let gigya = GigyaConfig::new(GigyaCredentials::partner_secret("3_key", secret));
    assert!(!format!("{gigya:?}").contains("UnVzdC1HaWd5"));
}

/// Sends Gigya calls to the mock instead of `*.gigya.com`.
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
    ) -> Result<HttpResponse, TransportError> {
        let path = url.split_once(".com").map_or(url, |(_, p)| p);
        self.inner
            .post(&format!("{}{path}", self.base), headers, body)
            .await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gigya_retries_once_after_clock_skew() {
    bounded(async {
        let mock = MockOperator::start().await;
        let secret = GigyaSecret::from_base64("UnVzdC1HaWd5YS1wYXJ0bmVyLXNlY3JldC0wMDAx").unwrap();
        let config = GigyaConfig::new(GigyaCredentials::partner_secret("3_key", secret))
            .with_api_domain("eu1.gigya.com");
        let transport = Redirect {
            inner: HyperTransport::new(Duration::from_secs(2), 1 << 20).unwrap(),
            base: mock.base_url(),
        };
        let client = GigyaClient::with_transport(config, transport);
        mock.state.gigya_skew_once();
        let params = Params::new();
        let response = client
            .send("accounts.getAccountInfo", &params)
            .await
            .unwrap();
        assert!(response.is_success());
        assert_eq!(response.get_str("UID"), Some("mock-user"));
        assert_eq!(mock.state.count("/accounts.getAccountInfo"), 2);
    })
    .await;
}
