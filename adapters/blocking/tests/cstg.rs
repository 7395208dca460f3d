//! `CstgClient` (client-side token generation) and `PublisherClient::validate_token` against
//! the loopback local operator.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    reason = "test code: a failed expectation panics"
)]

mod local;

use std::time::Duration;

use local::Local;
use uid2::envelope::ResponseError;
use uid2::operator::TokenGenerateRequest;
use uid2::operator::client_side::{ClientSideCredentials, ClientSideTokenGenerateRequest};
use uid2::operator::token_validate::TokenValidateRequest;
use uid2_blocking::{BidstreamClient, CoreError, CstgClient, CstgConfig, Error, PublisherClient};
use uid2_local_operator::{DEFAULT_SITE_ID, Fault};

fn cstg_client(local: &Local) -> CstgClient {
    let op = local.op();
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

#[test]
fn cstg_token_then_bidstream_decryption_checks_the_app_name() {
    let local = Local::start();
    let client = cstg_client(&local);
    let request = ClientSideTokenGenerateRequest::from_phone("+14155550100")
        .unwrap()
        .with_app_name("com.example.app")
        .unwrap();
    let response = client.generate_token(&request).unwrap();
    let identity = response.identity().expect("an identity");

    let dsp = BidstreamClient::new(local.config()).unwrap();
    dsp.refresh().unwrap();
    let token = identity.advertising_token();
    let ok = dsp
        .decrypt_token_into_raw_uid(token, Some("com.example.app"))
        .unwrap();
    assert!(ok.is_client_side_generated());
    assert_eq!(ok.site_id(), DEFAULT_SITE_ID);
    assert_eq!(
        ok.uid().as_str(),
        local.op().raw_uid("+14155550100").unwrap()
    );
    let err = dsp
        .decrypt_token_into_raw_uid(token, Some("com.other.app"))
        .unwrap_err();
    assert_eq!(
        err.decrypt_error().unwrap().as_status().as_str(),
        "DOMAIN_OR_APP_NAME_CHECK_FAILED"
    );

    let refreshed = client.refresh_token(identity).unwrap();
    assert!(refreshed.is_success());

    let other_app = ClientSideTokenGenerateRequest::from_phone("+14155550100")
        .unwrap()
        .with_app_name("com.other.app")
        .unwrap();
    let err = client.generate_token(&other_app).unwrap_err();
    assert_eq!(err.http_status(), Some(403));
    assert_eq!(
        err.http_error()
            .unwrap()
            .operator_status()
            .unwrap()
            .as_str(),
        "invalid_app_name"
    );

    local
        .op()
        .set_path_fault("/v2/token/client-generate", Fault::Garbage);
    let err = client.generate_token(&request).unwrap_err();
    assert!(matches!(
        err,
        Error::Core(CoreError::Response(ResponseError::InvalidBase64))
    ));
}

#[test]
fn publisher_validates_tokens() {
    let local = Local::start();
    let publisher = PublisherClient::new(local.config()).unwrap();
    let identity = publisher
        .generate_token(TokenGenerateRequest::from_phone("+12345678901").unwrap())
        .unwrap()
        .into_identity()
        .unwrap();
    let token = identity.advertising_token();
    let yes = TokenValidateRequest::from_hashed_phone(
        token,
        "EObwtHBUqDNZR33LNSMdtt5cafsYFuGmuY4ZLenlue4=",
    )
    .unwrap();
    assert!(publisher.validate_token(&yes).unwrap());
    let no = TokenValidateRequest::from_email(token, "validate@example.com").unwrap();
    assert!(!publisher.validate_token(&no).unwrap());
    let other_site = local
        .op()
        .advertising_token("+12345678901", 1000, false)
        .unwrap();
    let err = publisher
        .validate_token(&TokenValidateRequest::from_phone(&other_site, "+12345678901").unwrap())
        .unwrap_err();
    assert_eq!(
        err.http_error().unwrap().message(),
        Some("Unauthorised to validate token")
    );
}
