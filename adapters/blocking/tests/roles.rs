//! Every operator role client end to end against the loopback local operator.

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

mod local;

use std::time::Duration;

use local::Local;
use uid2::Timestamp;
use uid2::operator::TokenGenerateRequest;
use uid2::operator::identity_map_v2::IdentityMapV2Request;
use uid2::operator::identity_map_v3::{IdentityMapV3Input, UnmappedReason};
use uid2::operator::optout_status::OptoutStatusRequest;
use uid2_blocking::{
    BidstreamClient, IdentityMapClient, IdentityMapV3Client, OptOutStatusClient, PublisherClient,
    SharingClient,
};
use uid2_local_operator::DEFAULT_SITE_ID;

#[test]
fn publisher_generates_then_refreshes() {
    let local = Local::start();
    let client = PublisherClient::new(local.config()).unwrap();

    let response = client
        .generate_token(TokenGenerateRequest::from_email("User@Example.com").unwrap())
        .unwrap();
    let identity = response.identity().expect("success").clone();
    assert!(identity.refresh_response_key().is_some());

    let refreshed = client.refresh_token(&identity).unwrap();
    let new = refreshed.identity().expect("refreshed");
    assert_ne!(new.refresh_token(), identity.refresh_token());

    // The documented opt-out test identity gets no identity.
    let response = client
        .generate_token(TokenGenerateRequest::from_email("optout@example.com").unwrap())
        .unwrap();
    assert!(response.is_optout());
    assert_eq!(local.op().request_count("/v2/token/generate"), 2);
}

#[test]
fn identity_map_v3_single_and_bulk() {
    let local = Local::start();
    let client = IdentityMapV3Client::new(local.config()).unwrap();

    assert!(local.op().opt_out("gone@example.com"));
    let mut input = IdentityMapV3Input::new();
    input.add_email("user@example.com").unwrap();
    input.add_phone("+12345678901").unwrap();
    input.add_email("gone@example.com").unwrap();
    let response = client.map(input).unwrap();
    assert_eq!(
        response
            .get_mapped("user@example.com")
            .unwrap()
            .current_raw_uid(),
        local.op().raw_uid("user@example.com").unwrap()
    );
    assert!(response.get_mapped("+12345678901").is_some());
    assert_eq!(
        response
            .get_unmapped("gone@example.com")
            .map(|u| u.reason()),
        Some(UnmappedReason::OptOut)
    );

    // 12,001 emails: three batches of at most 5,000, sent in parallel and merged.
    let emails: Vec<String> = (0..12_001)
        .map(|i| format!("user{i}@example.com"))
        .collect();
    let input = IdentityMapV3Input::from_emails(&emails).unwrap();
    let response = client.map_bulk(input).unwrap();
    assert_eq!(local.op().request_count("/v3/identity/map"), 4);
    assert_eq!(response.mapped().len(), emails.len());
    for email in [&emails[0], &emails[4_999], &emails[5_000], &emails[12_000]] {
        assert_eq!(
            response.get_mapped(email).unwrap().current_raw_uid(),
            local.op().raw_uid(email).unwrap(),
            "{email}"
        );
    }
}

#[test]
fn identity_map_v2_and_salt_buckets() {
    let local = Local::start();
    let client = IdentityMapClient::new(local.config()).unwrap();

    let request = IdentityMapV2Request::from_emails(["a@example.com", "b@example.com"]).unwrap();
    let response = client.generate_identity_map(request).unwrap();
    assert_eq!(response.mapped().len(), 2);
    assert!(
        !response
            .get_mapped("a@example.com")
            .unwrap()
            .bucket_id()
            .is_empty()
    );

    let buckets = client
        .get_identity_buckets(Timestamp::from_millis(0))
        .unwrap();
    assert!(!buckets.is_empty());
}

#[test]
fn optout_status() {
    let local = Local::start();
    let client = OptOutStatusClient::new(local.config()).unwrap();
    let stays = local.op().raw_uid("someone@example.com").unwrap();
    let gone = local.op().raw_uid("gone@example.com").unwrap();
    assert!(local.op().opt_out("gone@example.com"));
    let response = client
        .get_optout_status(OptoutStatusRequest::new([stays.as_str(), gone.as_str()]).unwrap())
        .unwrap();
    assert_eq!(response.opted_out_since(&stays), None);
    assert!(response.opted_out_since(&gone).is_some());
}

#[test]
fn bidstream_refreshes_then_decrypts() {
    let local = Local::start();
    let client = BidstreamClient::new(local.config()).unwrap();
    let token = local
        .op()
        .advertising_token("user@example.com", DEFAULT_SITE_ID, true)
        .unwrap();

    assert_eq!(client.last_refresh_success(), None);
    client.refresh().unwrap();
    assert!(client.last_refresh_success().is_some());
    assert!(client.key_set_age().unwrap() < Duration::from_secs(5));
    let status = client.refresh_status();
    assert_eq!(status.consecutive_failures, 0);
    assert!(status.keys_expire_at.is_some());

    let decrypted = client
        .decrypt_token_into_raw_uid(&token, Some("example.com"))
        .unwrap();
    assert_eq!(
        decrypted.uid().as_str(),
        local.op().raw_uid("user@example.com").unwrap()
    );
    assert_eq!(decrypted.site_id(), DEFAULT_SITE_ID);
    // A client-side token from another domain is refused with its official status.
    let err = client
        .decrypt_token_into_raw_uid(&token, Some("evil.example"))
        .unwrap_err();
    assert_eq!(
        err.decrypt_error().unwrap().as_status().as_str(),
        "DOMAIN_OR_APP_NAME_CHECK_FAILED"
    );
    assert_eq!(local.op().request_count("/v2/key/bidstream"), 1);
}

#[test]
fn sharing_encrypts_and_decrypts() {
    let local = Local::start();
    let client = SharingClient::new(local.config()).unwrap();
    client.refresh().unwrap();
    let raw_uid = local.op().raw_uid("user@example.com").unwrap();

    let token = client.encrypt_raw_uid_into_token(&raw_uid).unwrap();
    let back = client.decrypt_token_into_raw_uid(token.as_str()).unwrap();
    assert_eq!(back.uid().as_str(), raw_uid);
    let again = client.encrypt_raw_uid_into_token(&raw_uid).unwrap();
    assert_ne!(token.as_str(), again.as_str());
    assert_eq!(local.op().request_count("/v2/key/sharing"), 1);
}

#[test]
fn requests_carry_the_core_headers() {
    let local = Local::start();
    let config = local.config();
    PublisherClient::new(config.clone())
        .unwrap()
        .generate_token(TokenGenerateRequest::from_email("user@example.com").unwrap())
        .unwrap();
    IdentityMapV3Client::new(config)
        .unwrap()
        .map(IdentityMapV3Input::from_emails(["user@example.com"]).unwrap())
        .unwrap();
    let recorded = local.op().recorded_requests();
    assert_eq!(recorded.len(), 2);
    let version = uid2::envelope::CLIENT_VERSION;
    for (request, path, content_type) in [
        (&recorded[0], "/v2/token/generate", "text/plain"),
        (&recorded[1], "/v3/identity/map", "application/octet-stream"),
    ] {
        assert_eq!(request.method(), "POST");
        assert_eq!(request.path(), path);
        assert_eq!(request.content_type(), Some(content_type));
        assert_eq!(request.client_version(), Some(version));
        assert_eq!(request.user_agent(), Some(version));
        assert!(request.has_authorization());
    }
}

/// The Gigya client reaches the local operator's Gigya endpoint through a `host:port` override
/// over plain HTTP; the endpoint accepts its signature and rejects one made with another secret.
#[test]
fn gigya_client_against_the_local_gigya_endpoint() {
    use uid2::gigya::{Credentials, GigyaSecret, Params, Scheme, codes};
    use uid2_blocking::{GigyaClient, GigyaConfig};

    let local = Local::start();
    let op = local.op();
    let client = |secret: &str| {
        let secret = GigyaSecret::from_base64(secret).unwrap();
        GigyaClient::new(
            GigyaConfig::new(Credentials::partner_secret(op.gigya_api_key(), secret))
                .with_host_override(&op.gigya_host())
                .with_scheme(Scheme::Http)
                .with_timeout(Duration::from_secs(5)),
        )
        .unwrap()
    };
    let mut params = Params::new();
    params.insert("UID", "user-1").unwrap();
    let response = client(op.gigya_secret())
        .send("accounts.getAccountInfo", &params)
        .unwrap();
    assert!(response.is_success(), "{}", response.to_json());
    assert_eq!(response.get_str("UID"), Some("user-1"));
    let rejected = client("b3RoZXItc2VjcmV0")
        .send("accounts.getAccountInfo", &params)
        .unwrap();
    assert_eq!(rejected.error_code(), codes::INVALID_REQUEST_SIGNATURE);
    assert_eq!(op.request_count("/accounts.getAccountInfo"), 2);
}
