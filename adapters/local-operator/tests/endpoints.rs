//! Every endpoint, driven through the core's own client messages.
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

use common::{call, credentials, now, post_raw, send};
use std::time::Duration;
use uid2::envelope::BodyEncoding;
use uid2::operator::identity_map_v2::IdentityMapV2Request;
use uid2::operator::identity_map_v3::{IdentityMapV3Input, UnmappedReason};
use uid2::operator::optout_status::OptoutStatusRequest;
use uid2::operator::salt_buckets::SaltBucketsRequest;
use uid2::operator::{IdentityTokens, TokenGenerateRequest, TokenResponse};
use uid2::token::ClientType;
use uid2::{DecryptError, KeySet};
use uid2_local_operator::{LocalOperator, LocalOperatorConfig, OsRandom};

async fn start() -> LocalOperator {
    let mut config = LocalOperatorConfig::default();
    config.opt_out.push("opted.out@example.com".into());
    config.opt_out.push("+15550000001".into());
    LocalOperator::start(config).await.unwrap()
}

async fn generate(op: &LocalOperator, request: TokenGenerateRequest) -> TokenResponse {
    let creds = credentials(op);
    let (sealed, pending) = request.seal(&creds, now(), &mut OsRandom).unwrap();
    let mut reply = send(op, &sealed.request()).await.unwrap();
    pending
        .open(reply.status, reply.content_type.as_deref(), &mut reply.body)
        .unwrap()
}

async fn refresh(
    op: &LocalOperator,
    identity: &IdentityTokens,
    with_key: bool,
) -> common::HttpReply {
    let creds = credentials(op);
    let (request, _pending) = identity.refresh_request(with_key.then(|| creds.api_key()));
    send(op, &request).await.unwrap()
}

async fn key_set(op: &LocalOperator, path: &'static str) -> KeySet {
    let document = call(op, path, b"", BodyEncoding::Text).await.unwrap();
    KeySet::parse(&document).unwrap()
}

#[tokio::test]
async fn sharing_key_set_parses_and_encrypts() {
    let op = start().await;
    let keys = key_set(&op, "/v2/key/sharing").await;
    let now = now();
    assert_eq!(keys.config().caller_site_id, Some(999));
    assert_eq!(keys.config().master_keyset_id, Some(9_999_999));
    assert_eq!(keys.config().token_expiry_seconds, 30 * 86_400);
    assert!(keys.master_key(now).is_some() && keys.default_key(now).is_some());
    assert_eq!(keys.keys().len(), 9, "3 keysets x previous/current/next");
    assert_eq!(keys.sites().len(), 2);
    let uid = op.raw_uid("jane@example.com").unwrap();
    let token = keys.encrypt(&uid, now, &mut OsRandom).unwrap();
    let back = keys
        .decrypt(token.as_str(), ClientType::Sharing, None, now)
        .unwrap();
    assert_eq!(back.uid().as_str(), uid);
    assert_eq!(back.site_id(), 999);
    assert_eq!(op.request_count("/v2/key/sharing"), 1);
}

#[tokio::test]
async fn generated_token_decrypts_with_the_bidstream_key_set() {
    let op = start().await;
    let keys = key_set(&op, "/v2/key/bidstream").await;
    assert_eq!(
        keys.config().max_bidstream_lifetime_seconds,
        Some(3 * 86_400 + 10)
    );
    assert_eq!(keys.config().master_keyset_id, None);

    let response = generate(
        &op,
        TokenGenerateRequest::from_email(" Jane.Doe@Example.com ").unwrap(),
    )
    .await;
    let identity = response.identity().expect("success");
    let now = now();
    assert!(identity.refresh_response_key().is_some());
    assert_eq!(identity.refresh_token().len(), 388);
    assert!(!identity.is_due_for_refresh(now) && identity.is_refreshable(now));
    let decrypted = keys
        .decrypt(
            identity.advertising_token(),
            ClientType::Bidstream,
            None,
            now,
        )
        .unwrap();
    assert_eq!(
        decrypted.uid().as_str(),
        op.raw_uid("jane.doe@example.com").unwrap()
    );
    assert_eq!(decrypted.site_id(), 999);
    assert!(!decrypted.is_client_side_generated());

    // A client-side generated token is subject to the domain check.
    let cstg = op.advertising_token("+12345678901", 999, true).unwrap();
    let ok = keys
        .decrypt(&cstg, ClientType::Bidstream, Some("EXAMPLE.com"), now)
        .unwrap();
    assert!(ok.is_client_side_generated());
    assert_eq!(ok.uid().as_str(), op.raw_uid("+12345678901").unwrap());
    for domain in [Some("www.example.com"), Some("example.net"), None] {
        assert!(matches!(
            keys.decrypt(&cstg, ClientType::Bidstream, domain, now),
            Err(DecryptError::DomainOrAppNameCheckFailed(_))
        ));
    }
    let site_1000 = op.advertising_token("+12345678901", 1000, true).unwrap();
    assert!(
        keys.decrypt(&site_1000, ClientType::Bidstream, Some("example.net"), now)
            .is_ok()
    );
}

#[tokio::test]
async fn generate_honours_opt_out() {
    let op = start().await;
    for request in [
        TokenGenerateRequest::from_email("opted.out@example.com").unwrap(),
        TokenGenerateRequest::from_phone("+15550000001").unwrap(),
        TokenGenerateRequest::from_email("optout@example.com").unwrap(),
        TokenGenerateRequest::from_phone("+00000000002").unwrap(),
    ] {
        assert!(generate(&op, request).await.is_optout());
    }
    let fresh = TokenGenerateRequest::from_email_unhashed("later@example.com");
    assert!(generate(&op, fresh.clone()).await.is_success());
    assert!(op.opt_out("later@example.com"));
    assert!(generate(&op, fresh).await.is_optout());
}

#[tokio::test]
async fn generate_rejects_bad_requests() {
    let op = start().await;
    for payload in [
        &br#"{}"#[..],
        br#"{"email":"a@b.c","phone":"+12345678901"}"#,
        br#"{"email":"not an email"}"#,
        br#"{"email_hash":"short"}"#,
    ] {
        let err = call(&op, "/v2/token/generate", payload, BodyEncoding::Text)
            .await
            .unwrap_err();
        let http = err.http().unwrap();
        assert_eq!(http.status(), 400);
        assert!(http.is_client_error());
    }
}

#[tokio::test]
async fn refresh_issues_a_new_identity_then_errors() {
    let op = start().await;
    let first = generate(
        &op,
        TokenGenerateRequest::from_phone("+12345678901").unwrap(),
    )
    .await
    .into_identity()
    .unwrap();
    let creds = credentials(&op);
    let (request, pending) = first.refresh_request(Some(creds.api_key()));
    let mut reply = send(&op, &request).await.unwrap();
    let second = pending
        .open(
            reply.status,
            reply.content_type.as_deref(),
            &mut reply.body,
            now(),
        )
        .unwrap()
        .into_identity()
        .unwrap();
    assert_ne!(second.refresh_token(), first.refresh_token());
    let keys = key_set(&op, "/v2/key/bidstream").await;
    let uid = keys
        .decrypt(
            second.advertising_token(),
            ClientType::Bidstream,
            None,
            now(),
        )
        .unwrap();
    assert_eq!(uid.uid().as_str(), op.raw_uid("+12345678901").unwrap());

    // Refresh-optout test identity: generate succeeds, refresh answers optout.
    let id = generate(
        &op,
        TokenGenerateRequest::from_email("refresh-optout@example.com").unwrap(),
    )
    .await
    .into_identity()
    .unwrap();
    let (request, pending) = id.refresh_request(None);
    let mut reply = send(&op, &request).await.unwrap();
    assert!(
        pending
            .open(reply.status, None, &mut reply.body, now())
            .unwrap()
            .is_optout()
    );

    // Garbage token: invalid_token with a key, the generic error without one.
    let forged = IdentityTokens::new("AT", "not-a-refresh-token", now(), now(), now(), None);
    let reply = refresh(&op, &forged, true).await;
    assert_eq!(reply.status, 400);
    assert!(String::from_utf8_lossy(&reply.body).contains("invalid_token"));
    let reply = refresh(&op, &forged, false).await;
    assert!(String::from_utf8_lossy(&reply.body).contains(r#""status":"error""#));

    // Past refresh_expires: expired_token.
    op.set_clock_offset(31 * 86_400_000);
    let (request, pending) = second.refresh_request(Some(creds.api_key()));
    let mut reply = send(&op, &request).await.unwrap();
    let err = pending
        .open(reply.status, None, &mut reply.body, now())
        .unwrap_err();
    assert!(err.http().unwrap().is_expired_token());
}

#[tokio::test]
async fn identity_map_v3_in_binary() {
    let op = start().await;
    let mut input = IdentityMapV3Input::new();
    input.add_email("user@example.com").unwrap();
    input.add_phone("+12345678901").unwrap();
    input.add_email("opted.out@example.com").unwrap();
    // A text that is not a hash is refused before anything is sent.
    assert!(input.add_email_hash("not-a-hash").is_err());
    let request = input.into_request();
    let document = call(
        &op,
        "/v3/identity/map",
        request.body(),
        BodyEncoding::Binary,
    )
    .await
    .unwrap();
    let response = request.parse_response(&document).unwrap();
    let mapped = response.get_mapped("user@example.com").unwrap();
    assert_eq!(
        mapped.current_raw_uid(),
        op.raw_uid("user@example.com").unwrap()
    );
    assert!(mapped.refresh_from() > now());
    assert!(
        response
            .get_mapped("+12345678901")
            .unwrap()
            .current_raw_uid()
            .starts_with('B')
    );
    assert_eq!(
        response
            .get_unmapped("opted.out@example.com")
            .unwrap()
            .reason(),
        UnmappedReason::OptOut
    );
    assert!(response.get_unmapped("not-a-hash").is_none());
}

#[tokio::test]
async fn identity_map_v2_and_buckets() {
    let op = start().await;
    let request =
        IdentityMapV2Request::from_emails(["a@example.com", "opted.out@example.com"]).unwrap();
    let document = call(&op, "/v2/identity/map", request.body(), BodyEncoding::Text)
        .await
        .unwrap();
    let response = request.parse_response(&document).unwrap();
    let mapped = response.get_mapped("a@example.com").unwrap();
    assert_eq!(mapped.raw_uid(), op.raw_uid("a@example.com").unwrap());
    assert!(mapped.bucket_id().starts_with("bucket"));
    assert_eq!(
        response
            .get_unmapped("opted.out@example.com")
            .unwrap()
            .raw_reason(),
        "optout"
    );

    // Buckets spread over a year: about a quarter rotated in the last 90 days.
    let since = now().saturating_sub_millis(400 * 86_400_000);
    let request = SaltBucketsRequest::since(since).unwrap();
    let document = call(
        &op,
        "/v2/identity/buckets",
        request.body(),
        BodyEncoding::Text,
    )
    .await
    .unwrap();
    let buckets = request.parse_response(&document).unwrap();
    assert_eq!(buckets.len(), 16);
    assert!(buckets.iter().any(|b| b.bucket_id() == mapped.bucket_id()));
    let recent = SaltBucketsRequest::since(now().saturating_sub_millis(90 * 86_400_000)).unwrap();
    let document = call(
        &op,
        "/v2/identity/buckets",
        recent.body(),
        BodyEncoding::Text,
    )
    .await
    .unwrap();
    let few = recent.parse_response(&document).unwrap();
    assert!(few.len() < 16 && few.iter().all(|b| b.last_updated_timestamp().is_some()));
}

#[tokio::test]
async fn optout_status_lists_opted_out_raw_uids() {
    let op = start().await;
    let out = op.raw_uid("opted.out@example.com").unwrap();
    let active = op.raw_uid("user@example.com").unwrap();
    let request = OptoutStatusRequest::new([&out, &active]).unwrap();
    let document = call(&op, "/v2/optout/status", request.body(), BodyEncoding::Text)
        .await
        .unwrap();
    let response = request.parse_response(&document).unwrap();
    assert!(response.opted_out_since(&out).is_some());
    assert!(response.opted_out_since(&active).is_none());
}

#[tokio::test]
async fn authentication_and_envelope_errors() {
    let op = start().await;
    // Unknown API key: 401 before the body is looked at.
    let reply = post_raw(
        &op,
        "/v2/key/sharing",
        &[("Authorization", "Bearer nope")],
        b"x",
        Duration::from_secs(5),
    )
    .await
    .unwrap();
    assert_eq!(
        (reply.status, reply.body.as_slice()),
        (401, &br#"{"status":"unauthorized"}"#[..])
    );
    // Right key, wrong secret: 400 client_error.
    let creds = uid2::envelope::Credentials::from_strings(
        op.api_key(),
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    )
    .unwrap();
    let (sealed, pending) = creds
        .seal(
            "/v2/key/sharing",
            b"",
            BodyEncoding::Text,
            now(),
            &mut OsRandom,
        )
        .unwrap();
    let reply = send(&op, &sealed.request()).await.unwrap();
    let err = pending
        .open_to_vec(reply.status, None, &reply.body)
        .unwrap_err();
    assert!(err.http().unwrap().is_client_error());
    // Request from a client whose clock is 5 minutes behind: 400 client_error.
    let creds = credentials(&op);
    let (sealed, pending) = creds
        .seal(
            "/v2/key/sharing",
            b"",
            BodyEncoding::Text,
            now().saturating_sub_millis(300_000),
            &mut OsRandom,
        )
        .unwrap();
    let reply = send(&op, &sealed.request()).await.unwrap();
    assert!(
        pending
            .open_to_vec(reply.status, None, &reply.body)
            .unwrap_err()
            .http()
            .unwrap()
            .is_client_error()
    );
    // A key without the role.
    let mut config = LocalOperatorConfig::default();
    config.clients = vec![uid2_local_operator::ClientConfig::new(
        "UID2-C-L-5-reader",
        uid2_local_operator::DEFAULT_CLIENT_SECRET,
        999,
        &[uid2_local_operator::Role::IdReader],
    )];
    let reader = LocalOperator::start(config).await.unwrap();
    assert!(
        call(&reader, "/v2/key/bidstream", b"", BodyEncoding::Text)
            .await
            .is_ok()
    );
    let err = call(
        &reader,
        "/v2/identity/map",
        br#"{"email_hash":[]}"#,
        BodyEncoding::Text,
    )
    .await
    .unwrap_err();
    assert!(err.http().unwrap().is_unauthorized());
}

#[tokio::test]
async fn keys_rotate_with_the_clock() {
    let op = start().await;
    let before = key_set(&op, "/v2/key/sharing").await;
    let t0 = now();
    op.set_clock_offset(86_400_000);
    let t1 = now().saturating_add_millis(86_400_000);
    let document = common::call_at(&op, "/v2/key/sharing", b"", BodyEncoding::Text, t1)
        .await
        .unwrap();
    let after = KeySet::parse(&document).unwrap();
    let old_master = before.master_key(t0).unwrap().id();
    let new_master = after.master_key(t1).unwrap().id();
    assert_ne!(old_master, new_master);
    assert!(
        after.key(old_master).is_some(),
        "the previous key is still published"
    );
    assert!(
        before.key(new_master).is_some(),
        "the next key was published in advance"
    );
}

#[tokio::test]
async fn euid_scope_runs_through() {
    let mut config = LocalOperatorConfig::default();
    config.scope = uid2::IdentityScope::Euid;
    let op = LocalOperator::start(config).await.unwrap();
    let keys = key_set(&op, "/v2/key/bidstream").await;
    assert_eq!(keys.identity_scope(), uid2::IdentityScope::Euid);
    let identity = generate(
        &op,
        TokenGenerateRequest::from_email("eu@example.com").unwrap(),
    )
    .await
    .into_identity()
    .unwrap();
    assert!(identity.advertising_token().starts_with("E4"));
    let uid = op.raw_uid("eu@example.com").unwrap();
    assert!(uid.starts_with('E'));
    let decrypted = keys
        .decrypt(
            identity.advertising_token(),
            ClientType::Bidstream,
            None,
            now(),
        )
        .unwrap();
    assert_eq!(decrypted.uid().as_str(), uid);
    assert!(op.raw_uid("+12345678901").unwrap().starts_with('F'));
    // A UID2 key set rejects EUID tokens.
    let uid2_op = start().await;
    let uid2_keys = key_set(&uid2_op, "/v2/key/bidstream").await;
    assert!(
        uid2_keys
            .decrypt(
                identity.advertising_token(),
                ClientType::Bidstream,
                None,
                now()
            )
            .is_err()
    );
}

#[tokio::test]
async fn debug_output_hides_credentials() {
    let op = start().await;
    let config = format!("{:?} {:?}", op.config(), op);
    assert!(!config.contains(op.client_secret()), "{config}");
    assert!(!config.contains(op.api_key()), "{config}");
    assert!(!config.contains("default seed"), "{config}");
}

#[tokio::test]
async fn requests_are_recorded_without_credentials() {
    let op = start().await;
    let _ = key_set(&op, "/v2/key/sharing").await;
    let log = op.recorded_requests();
    let last = log.last().unwrap();
    assert_eq!((last.method(), last.path()), ("POST", "/v2/key/sharing"));
    assert_eq!(last.content_type(), Some("text/plain"));
    assert_eq!(last.client_version(), Some(uid2::envelope::CLIENT_VERSION));
    assert!(last.has_authorization());
    assert_eq!(last.body_len(), 60);
    assert!(!format!("{log:?}").contains(op.api_key()));
}

#[tokio::test]
async fn sites_share_tokens_with_each_other() {
    let mut config = LocalOperatorConfig::default();
    config.clients.push(uid2_local_operator::ClientConfig::new(
        "UID2-C-L-1000-other",
        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        1000,
        &uid2_local_operator::Role::ALL,
    ));
    let op = LocalOperator::start(config).await.unwrap();
    let other = uid2::envelope::Credentials::from_strings(
        "UID2-C-L-1000-other",
        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
    )
    .unwrap();
    let (sealed, pending) = other
        .seal(
            "/v2/key/sharing",
            b"",
            BodyEncoding::Text,
            now(),
            &mut OsRandom,
        )
        .unwrap();
    let reply = send(&op, &sealed.request()).await.unwrap();
    let (_, document) = pending
        .open_to_vec(reply.status, reply.content_type.as_deref(), &reply.body)
        .unwrap();
    let receiver = KeySet::parse(&document).unwrap();
    assert_eq!(receiver.config().caller_site_id, Some(1000));
    let sender = key_set(&op, "/v2/key/sharing").await;
    let uid = op.raw_uid("shared@example.com").unwrap();
    let token = sender.encrypt(&uid, now(), &mut OsRandom).unwrap();
    let got = receiver
        .decrypt(token.as_str(), ClientType::Sharing, None, now())
        .unwrap();
    assert_eq!((got.uid().as_str(), got.site_id()), (uid.as_str(), 999));
}
