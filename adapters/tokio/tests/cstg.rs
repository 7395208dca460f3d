//! `CstgClient` (client-side token generation) and `PublisherClient::validate_token` against
//! the local operator on 127.0.0.1. Each test is bounded in time.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    reason = "test code: a panic is a test failure"
)]

mod support;

use std::time::Duration;

use support::{config, operator};
use uid2::envelope::ResponseError;
use uid2::operator::TokenGenerateRequest;
use uid2::operator::client_side::{ClientSideCredentials, ClientSideTokenGenerateRequest};
use uid2::operator::token_validate::TokenValidateRequest;
use uid2::token::DecryptStatus;
use uid2_local_operator::{Fault, LocalOperator};
use uid2_tokio::{BidstreamClient, CoreError, CstgClient, CstgConfig, Error, PublisherClient};

const BOUND: Duration = Duration::from_secs(60);

async fn bounded<F: Future>(f: F) -> F::Output {
    tokio::time::timeout(BOUND, f)
        .await
        .expect("test took too long")
}

fn cstg_client(op: &LocalOperator) -> CstgClient {
    let credentials = ClientSideCredentials::new(
        op.client_side_subscription_id(),
        op.client_side_public_key(),
    )
    .unwrap();
    CstgClient::new(
        CstgConfig::new(&op.base_url(), credentials)
            .unwrap()
            .with_timeout(Duration::from_secs(5))
            .with_connect_timeout(Duration::from_secs(2)),
    )
    .unwrap()
}

fn request(email: &str, origin: &str) -> ClientSideTokenGenerateRequest {
    ClientSideTokenGenerateRequest::from_email(email)
        .unwrap()
        .with_origin(origin)
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cstg_token_then_bidstream_decryption_checks_the_domain() {
    bounded(async {
        let op = operator().await;
        let client = cstg_client(&op);
        let response = client
            .generate_token(&request("ctv.viewer@example.com", "https://tv.example.com"))
            .await
            .unwrap();
        let identity = response.identity().expect("an identity");
        let recorded = op.recorded_requests();
        let last = recorded.last().unwrap();
        assert_eq!(last.path(), "/v2/token/client-generate");
        assert!(!last.has_authorization());

        let dsp = BidstreamClient::new(config(&op)).unwrap();
        dsp.refresh().await.unwrap();
        let token = identity.advertising_token();
        let ok = dsp
            .decrypt_token_into_raw_uid(token, Some("example.com"))
            .unwrap();
        assert!(ok.is_client_side_generated());
        assert_eq!(
            ok.uid().as_str(),
            op.raw_uid("ctv.viewer@example.com").unwrap()
        );
        for domain in [Some("evil.example"), Some("example.net"), None] {
            let err = dsp.decrypt_token_into_raw_uid(token, domain).unwrap_err();
            assert_eq!(
                err.decrypt_error().unwrap().as_status(),
                DecryptStatus::DomainOrAppNameCheckFailed
            );
        }

        // Refreshing needs no API key either, and the new token is still client-side generated.
        let refreshed = client.refresh_token(identity).await.unwrap();
        let again = dsp
            .decrypt_token_into_raw_uid(
                refreshed.identity().unwrap().advertising_token(),
                Some("example.org"),
            )
            .unwrap();
        assert!(again.is_client_side_generated());

        let optout = client
            .generate_token(&request("optout@example.com", "https://example.com"))
            .await
            .unwrap();
        assert!(optout.is_optout());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cstg_failures_are_typed() {
    bounded(async {
        let op = operator().await;
        let client = cstg_client(&op);
        let err = client
            .generate_token(&request("user@example.com", "https://example.net"))
            .await
            .unwrap_err();
        assert_eq!(err.http_status(), Some(403));
        assert_eq!(
            err.http_error()
                .unwrap()
                .operator_status()
                .unwrap()
                .as_str(),
            "invalid_http_origin"
        );
        let app = ClientSideTokenGenerateRequest::from_phone("+12345678901")
            .unwrap()
            .with_app_name("com.example.other")
            .unwrap();
        assert_eq!(
            client.generate_token(&app).await.unwrap_err().http_status(),
            Some(403)
        );

        // Another operator's key: the payload does not decrypt (400).
        let other = LocalOperator::start({
            let mut c = uid2_local_operator::LocalOperatorConfig::default();
            c.seed = [7; 32];
            c
        })
        .await
        .unwrap();
        let credentials = ClientSideCredentials::new(
            op.client_side_subscription_id(),
            other.client_side_public_key(),
        )
        .unwrap();
        let wrong_key =
            CstgClient::new(CstgConfig::new(&op.base_url(), credentials).unwrap()).unwrap();
        let err = wrong_key
            .generate_token(&request("user@example.com", "https://example.com"))
            .await
            .unwrap_err();
        assert_eq!(err.http_status(), Some(400));
        assert_eq!(
            err.http_error().unwrap().message(),
            Some("payload decryption failed")
        );

        // A 200 that is not sealed for this request.
        op.set_path_fault("/v2/token/client-generate", Fault::Garbage);
        let err = client
            .generate_token(&request("user@example.com", "https://example.com"))
            .await
            .unwrap_err();
        assert!(matches!(
            err,
            Error::Core(CoreError::Response(ResponseError::InvalidBase64))
        ));
        op.clear_faults();
        op.set_fault(Fault::Outage);
        let err = client
            .generate_token(&request("user@example.com", "https://example.com"))
            .await
            .unwrap_err();
        assert!(err.is_retryable(), "{err:?}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publisher_validates_tokens() {
    bounded(async {
        let op = operator().await;
        let publisher = PublisherClient::new(config(&op)).unwrap();
        let identity = publisher
            .generate_token(TokenGenerateRequest::from_email("validate@example.com").unwrap())
            .await
            .unwrap()
            .into_identity()
            .unwrap();
        let token = identity.advertising_token();
        let yes = TokenValidateRequest::from_email(token, "validate@example.com").unwrap();
        assert!(publisher.validate_token(&yes).await.unwrap());
        let no = TokenValidateRequest::from_phone(token, "+12345678901").unwrap();
        assert!(!publisher.validate_token(&no).await.unwrap());
        let bad = TokenValidateRequest::from_email("garbage", "validate@example.com").unwrap();
        let err = publisher.validate_token(&bad).await.unwrap_err();
        assert_eq!(err.http_status(), Some(400));
        assert_eq!(err.http_error().unwrap().message(), Some("Invalid token"));
    })
    .await;
}
