//! `/v2/token/client-generate` and `/v2/token/validate`, driven through the core's messages.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    reason = "test code against a std server: a failed expectation panics"
)]

mod common;

use std::time::Duration;

use common::{HttpReply, call, credentials, now, post_raw, send};
use uid2::envelope::{BodyEncoding, ResponseError};
use uid2::operator::client_side::{ClientSideCredentials, ClientSideTokenGenerateRequest};
use uid2::operator::token_validate::TokenValidateRequest;
use uid2::operator::{IdentityTokens, OperatorCall as _, TokenGenerateRequest, TokenResponse};
use uid2::token::ClientType;
use uid2::{DecryptError, KeySet};
use uid2_local_operator::{ClientSideKeypairConfig, LocalOperator, LocalOperatorConfig, OsRandom};

fn cstg_credentials(op: &LocalOperator) -> ClientSideCredentials {
    ClientSideCredentials::new(
        op.client_side_subscription_id(),
        op.client_side_public_key(),
    )
    .unwrap()
}

/// Seals `request`, posts it and returns the reply with the value that opens it.
async fn post_cstg(
    op: &LocalOperator,
    credentials: &ClientSideCredentials,
    request: &ClientSideTokenGenerateRequest,
) -> (
    HttpReply,
    uid2::operator::client_side::PendingClientSideTokenGenerate,
) {
    let (http, pending) = request.seal(credentials, now(), &mut OsRandom).unwrap();
    let headers: Vec<(&str, &str)> = http.headers().map(|h| (h.name(), h.value())).collect();
    let reply = post_raw(
        op,
        http.path(),
        &headers,
        http.body(),
        Duration::from_secs(10),
    )
    .await
    .unwrap();
    (reply, pending)
}

async fn cstg(
    op: &LocalOperator,
    request: &ClientSideTokenGenerateRequest,
) -> Result<TokenResponse, ResponseError> {
    let (reply, pending) = post_cstg(op, &cstg_credentials(op), request).await;
    pending.open(reply.status, &reply.body)
}

fn operator_status(e: &ResponseError) -> (u16, String) {
    let http = e.http().expect("an http error");
    (
        http.status(),
        http.operator_status().unwrap().as_str().to_owned(),
    )
}

async fn bidstream_keys(op: &LocalOperator) -> KeySet {
    let document = call(op, "/v2/key/bidstream", b"", BodyEncoding::Text)
        .await
        .unwrap();
    KeySet::parse(&document).unwrap()
}

#[tokio::test]
async fn cstg_token_passes_the_domain_check_of_its_site_only() {
    let op = LocalOperator::start(LocalOperatorConfig::default())
        .await
        .unwrap();
    assert!(op.client_side_public_key().starts_with("UID2-X-L-MFkw"));
    let request = ClientSideTokenGenerateRequest::from_email(" Jane.Doe@Example.com ")
        .unwrap()
        .with_origin("https://www.example.com")
        .unwrap();
    let response = cstg(&op, &request).await.unwrap();
    let identity = response.identity().expect("an identity").clone();
    assert!(identity.refresh_response_key().is_some());
    assert_eq!(op.request_count("/v2/token/client-generate"), 1);
    let recorded = op.recorded_requests();
    assert!(!recorded.last().unwrap().has_authorization());

    let keys = bidstream_keys(&op).await;
    let now = now();
    let token = identity.advertising_token();
    let ok = keys
        .decrypt_bidstream(token, Some("example.com"), now)
        .unwrap();
    assert!(ok.is_client_side_generated());
    assert_eq!(ok.site_id(), 999);
    assert_eq!(
        ok.uid().as_str(),
        op.raw_uid("jane.doe@example.com").unwrap()
    );
    for domain in [Some("example.net"), Some("www.example.com"), None] {
        assert!(
            matches!(
                keys.decrypt_bidstream(token, domain, now),
                Err(DecryptError::DomainOrAppNameCheckFailed(_))
            ),
            "{domain:?}"
        );
    }
    // Sharing decryption does not check domains.
    assert!(keys.decrypt(token, ClientType::Sharing, None, now).is_ok());

    // A refreshed client-side identity stays client-side generated.
    let (http, pending) = identity.refresh_request(None);
    let mut reply = send(&op, &http).await.unwrap();
    let refreshed = pending
        .open(
            reply.status,
            reply.content_type.as_deref(),
            &mut reply.body,
            now,
        )
        .unwrap();
    let refreshed: IdentityTokens = refreshed.into_identity().unwrap();
    let again = keys
        .decrypt_bidstream(refreshed.advertising_token(), Some("example.org"), now)
        .unwrap();
    assert!(again.is_client_side_generated());
    assert!(matches!(
        keys.decrypt_bidstream(refreshed.advertising_token(), Some("example.edu"), now),
        Err(DecryptError::DomainOrAppNameCheckFailed(_))
    ));
}

#[tokio::test]
async fn origins_and_app_names_are_checked_against_the_site() {
    let op = LocalOperator::start(LocalOperatorConfig::default())
        .await
        .unwrap();
    let email = || ClientSideTokenGenerateRequest::from_phone("+12345678901").unwrap();
    let app = cstg(&op, &email().with_app_name("COM.Example.App").unwrap())
        .await
        .unwrap();
    assert!(app.is_success());
    for (request, status) in [
        (
            email().with_origin("https://example.net").unwrap(),
            "invalid_http_origin",
        ),
        (
            email().with_origin("https://notexample.com").unwrap(),
            "invalid_http_origin",
        ),
        (email(), "invalid_http_origin"),
        (
            email().with_app_name("com.example.other").unwrap(),
            "invalid_app_name",
        ),
    ] {
        let err = cstg(&op, &request).await.unwrap_err();
        assert_eq!(
            operator_status(&err),
            (403, status.to_owned()),
            "{request:?}"
        );
    }

    // With the check off, no origin is needed.
    let mut config = LocalOperatorConfig::default();
    config.check_client_side_origin = false;
    let open = LocalOperator::start(config).await.unwrap();
    assert!(cstg(&open, &email()).await.unwrap().is_success());
}

#[tokio::test]
async fn refusals_and_opt_out() {
    let mut config = LocalOperatorConfig::default();
    config
        .client_side_keypairs
        .push(ClientSideKeypairConfig::new("LocalSub1000", 1000));
    let mut disabled = ClientSideKeypairConfig::new("Disabled", 999);
    disabled.disabled = true;
    config.client_side_keypairs.push(disabled);
    let op = LocalOperator::start(config).await.unwrap();
    let request = ClientSideTokenGenerateRequest::from_email("user@example.com")
        .unwrap()
        .with_origin("https://example.com")
        .unwrap();
    let key = op.client_side_public_key().to_owned();

    let unknown = ClientSideCredentials::new("nope", &key).unwrap();
    let (reply, pending) = post_cstg(&op, &unknown, &request).await;
    let err = pending.open(reply.status, &reply.body).unwrap_err();
    assert_eq!(operator_status(&err), (400, "client_error".into()));
    assert_eq!(err.http().unwrap().message(), Some("bad subscription_id"));

    let off = ClientSideCredentials::new("Disabled", &key).unwrap();
    let (reply, pending) = post_cstg(&op, &off, &request).await;
    assert_eq!(
        operator_status(&pending.open(reply.status, &reply.body).unwrap_err()),
        (401, "unauthorized".into())
    );

    // The other key pair's subscription with this key: the payload does not decrypt.
    let mixed = ClientSideCredentials::new("LocalSub1000", &key).unwrap();
    let site_1000 = ClientSideTokenGenerateRequest::from_email("user@example.com")
        .unwrap()
        .with_origin("https://example.net")
        .unwrap();
    let (reply, pending) = post_cstg(&op, &mixed, &site_1000).await;
    let err = pending.open(reply.status, &reply.body).unwrap_err();
    assert_eq!(
        err.http().unwrap().message(),
        Some("payload decryption failed")
    );

    let optout = ClientSideTokenGenerateRequest::from_email("optout@example.com")
        .unwrap()
        .with_origin("https://example.com")
        .unwrap();
    assert!(cstg(&op, &optout).await.unwrap().is_optout());
    op.opt_out("user@example.com");
    assert!(cstg(&op, &request).await.unwrap().is_optout());

    let garbage = post_raw(
        &op,
        "/v2/token/client-generate",
        &[],
        b"payload=1",
        Duration::from_secs(10),
    )
    .await
    .unwrap();
    assert_eq!(garbage.status, 400);
    assert!(String::from_utf8_lossy(&garbage.body).contains("json payload is not valid"));
}

async fn generate(op: &LocalOperator, request: TokenGenerateRequest) -> IdentityTokens {
    let creds = credentials(op);
    let (sealed, pending) = request.seal(&creds, now(), &mut OsRandom).unwrap();
    let mut reply = send(op, &sealed.request()).await.unwrap();
    pending
        .open(reply.status, reply.content_type.as_deref(), &mut reply.body)
        .unwrap()
        .into_identity()
        .unwrap()
}

async fn validate(
    op: &LocalOperator,
    request: &TokenValidateRequest,
) -> Result<bool, ResponseError> {
    let creds = credentials(op);
    let (sealed, pending) = request.seal(&creds, now(), &mut OsRandom).unwrap();
    let mut reply = send(op, &sealed.request()).await.unwrap();
    pending.open(reply.status, reply.content_type.as_deref(), &mut reply.body)
}

#[tokio::test]
async fn validate_answers_for_the_documented_test_identities() {
    let op = LocalOperator::start(LocalOperatorConfig::default())
        .await
        .unwrap();
    let email = generate(
        &op,
        TokenGenerateRequest::from_email("validate@example.com").unwrap(),
    )
    .await;
    let phone = generate(
        &op,
        TokenGenerateRequest::from_phone("+12345678901").unwrap(),
    )
    .await;
    let (email_token, phone_token) = (email.advertising_token(), phone.advertising_token());

    let yes = [
        TokenValidateRequest::from_email(email_token, "Validate@Example.com").unwrap(),
        TokenValidateRequest::from_hashed_email(
            email_token,
            "ntI244ZRTXwAwpki6/M5cyBYW7h/Wq576lnN3l9+W/c=",
        )
        .unwrap(),
        TokenValidateRequest::from_phone(phone_token, "+12345678901").unwrap(),
        TokenValidateRequest::from_hashed_phone(
            phone_token,
            "EObwtHBUqDNZR33LNSMdtt5cafsYFuGmuY4ZLenlue4=",
        )
        .unwrap(),
    ];
    for request in &yes {
        assert!(validate(&op, request).await.unwrap(), "{request:?}");
    }
    let no = [
        TokenValidateRequest::from_email(phone_token, "validate@example.com").unwrap(),
        TokenValidateRequest::from_email(email_token, "someone.else@example.com").unwrap(),
    ];
    for request in &no {
        assert!(!validate(&op, request).await.unwrap(), "{request:?}");
    }

    // A client-side token of the same site validates too.
    let cstg_identity = cstg(
        &op,
        &ClientSideTokenGenerateRequest::from_email("validate@example.com")
            .unwrap()
            .with_origin("https://example.com")
            .unwrap(),
    )
    .await
    .unwrap()
    .into_identity()
    .unwrap();
    let request =
        TokenValidateRequest::from_email(cstg_identity.advertising_token(), "validate@example.com")
            .unwrap();
    assert!(validate(&op, &request).await.unwrap());

    // Another site's token, and a token that is not one.
    let other_site = op
        .advertising_token("validate@example.com", 1000, false)
        .unwrap();
    let err = validate(
        &op,
        &TokenValidateRequest::from_email(&other_site, "validate@example.com").unwrap(),
    )
    .await
    .unwrap_err();
    assert_eq!(
        err.http().unwrap().message(),
        Some("Unauthorised to validate token")
    );
    let err = validate(
        &op,
        &TokenValidateRequest::from_email("not-a-token", "validate@example.com").unwrap(),
    )
    .await
    .unwrap_err();
    assert_eq!(err.http().unwrap().message(), Some("Invalid token"));
}
