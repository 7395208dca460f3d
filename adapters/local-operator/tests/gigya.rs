//! The stand-in Gigya endpoint: requests signed by the core's Gigya module are accepted, and a
//! wrong secret, API key, timestamp or a changed parameter get Gigya's error replies.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    reason = "test code against a std server: a failed expectation panics"
)]

mod common;

use std::time::Duration;

use common::{now, post_raw};
use uid2::Timestamp;
use uid2::gigya::{Credentials, GigyaSecret, Response, Scheme, codes};
use uid2_local_operator::{LocalOperator, LocalOperatorConfig};

/// Builds a signed `accounts.getAccountInfo` for `uid` with these credentials at `at` and
/// POSTs `edit(body)` to the operator.
async fn call_with(
    op: &LocalOperator,
    api_key: &str,
    secret: &str,
    uid: Option<&str>,
    at: Timestamp,
    edit: impl FnOnce(String) -> String,
) -> Response {
    let secret = GigyaSecret::from_base64(secret).unwrap();
    let mut builder = uid2::gigya::RequestBuilder::new(
        "accounts.getAccountInfo",
        Credentials::partner_secret(api_key, secret),
    )
    .scheme(Scheme::Http)
    .host_override(&op.gigya_host());
    if let Some(uid) = uid {
        builder = builder.param("UID", uid).unwrap();
    }
    let request = builder.build_with_nonce(at, "nonce-1").unwrap();
    assert_eq!(
        request.url(),
        format!("http://{}/accounts.getAccountInfo", op.gigya_host())
    );
    let body = edit(String::from_utf8(request.body().to_vec()).unwrap());
    let reply = post_raw(
        op,
        "/accounts.getAccountInfo",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        body.as_bytes(),
        Duration::from_secs(5),
    )
    .await
    .unwrap();
    assert_eq!(reply.status, 200, "gigya answers errors in the body");
    Response::parse(&reply.body).unwrap()
}

async fn call(op: &LocalOperator, api_key: &str, secret: &str, uid: Option<&str>) -> Response {
    call_with(op, api_key, secret, uid, now(), |b| b).await
}

#[tokio::test]
async fn a_signed_call_gets_the_account() {
    let op = LocalOperator::start(LocalOperatorConfig::default())
        .await
        .unwrap();
    let response = call(&op, op.gigya_api_key(), op.gigya_secret(), Some("user-1")).await;
    assert!(response.is_success(), "{}", response.to_json());
    assert_eq!(response.get_str("UID"), Some("user-1"));
    assert_eq!(response.status_code(), Some(200));
    assert_eq!(response.get_str("profile.firstName"), Some("Local"));
    assert_eq!(response.call_id().map(str::len), Some(32));
    assert_eq!(op.request_count("/accounts.getAccountInfo"), 1);
}

#[tokio::test]
async fn a_wrong_secret_is_rejected() {
    let op = LocalOperator::start(LocalOperatorConfig::default())
        .await
        .unwrap();
    let response = call(&op, op.gigya_api_key(), "b3RoZXItc2VjcmV0", Some("user-1")).await;
    assert_eq!(response.error_code(), codes::INVALID_REQUEST_SIGNATURE);
    assert_eq!(response.error_message(), Some("Invalid request signature"));
    assert_eq!(response.status_code(), Some(403));
    assert_eq!(response.get_str("UID"), None);
}

#[tokio::test]
async fn a_parameter_changed_after_signing_is_rejected() {
    let op = LocalOperator::start(LocalOperatorConfig::default())
        .await
        .unwrap();
    let response = call_with(
        &op,
        op.gigya_api_key(),
        op.gigya_secret(),
        Some("user-1"),
        now(),
        |body| body.replace("UID=user-1", "UID=user-2"),
    )
    .await;
    assert_eq!(response.error_code(), codes::INVALID_REQUEST_SIGNATURE);
    let unsigned = call_with(
        &op,
        op.gigya_api_key(),
        op.gigya_secret(),
        Some("user-1"),
        now(),
        |body| {
            body.split('&')
                .filter(|p| !p.starts_with("sig="))
                .collect::<Vec<_>>()
                .join("&")
        },
    )
    .await;
    assert_eq!(unsigned.error_code(), codes::MISSING_PARAMETER);
}

#[tokio::test]
async fn another_api_key_a_stale_timestamp_and_a_missing_uid_are_rejected() {
    let op = LocalOperator::start(LocalOperatorConfig::default())
        .await
        .unwrap();
    let other_key = call(&op, "3_another", op.gigya_secret(), Some("user-1")).await;
    assert_eq!(other_key.error_code(), codes::INVALID_API_KEY);

    // The window is two minutes either way, on the operator's clock.
    let stale = now().saturating_add_millis(-121_000);
    let response = call_with(
        &op,
        op.gigya_api_key(),
        op.gigya_secret(),
        Some("user-1"),
        stale,
        |b| b,
    )
    .await;
    assert_eq!(response.error_code(), codes::REQUEST_EXPIRED);
    op.set_clock_offset(-121_000);
    let response = call_with(
        &op,
        op.gigya_api_key(),
        op.gigya_secret(),
        Some("user-1"),
        stale,
        |b| b,
    )
    .await;
    assert!(response.is_success(), "{}", response.to_json());
    op.set_clock_offset(0);

    let no_uid = call(&op, op.gigya_api_key(), op.gigya_secret(), None).await;
    assert_eq!(no_uid.error_code(), codes::MISSING_PARAMETER);
}

#[tokio::test]
async fn an_unusable_gigya_secret_is_a_configuration_error() {
    let mut config = LocalOperatorConfig::default();
    config.gigya_secret = "not base64!".into();
    let err = LocalOperator::start(config).await.unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
}
