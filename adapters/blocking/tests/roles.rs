//! Every role client end to end against the loopback mock operator.

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

mod common;

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{
    DOMAIN, MockOperator, RAW_UID_A, RAW_UID_B, Reply, Server, bidstream_doc, config, mock_uid,
    sharing_doc, token_for,
};
use uid2::Timestamp;
use uid2::gigya::{Credentials, GigyaSecret, Params};
use uid2::identity::hash_email;
use uid2::operator::TokenGenerateRequest;
use uid2::operator::identity_map_v2::IdentityMapV2Request;
use uid2::operator::identity_map_v3::IdentityMapV3Input;
use uid2::operator::optout_status::OptoutStatusRequest;
use uid2_blocking::{
    BidstreamClient, GigyaClient, GigyaConfig, Header, HttpResponse, IdentityMapClient,
    IdentityMapV3Client, OptOutStatusClient, PublisherClient, SharingClient, Transport,
    TransportError, UreqTransport,
};

#[test]
fn publisher_generates_then_refreshes() {
    let op = MockOperator::new(bidstream_doc(0, 0));
    let server = op.serve();
    let client = PublisherClient::new(config(&server.base_url())).unwrap();

    let response = client
        .generate_token(TokenGenerateRequest::from_email("User@Example.com").unwrap())
        .unwrap();
    let identity = response.identity().expect("success").clone();
    assert_eq!(identity.refresh_token(), "RT");
    assert!(identity.refresh_response_key().is_some());

    let refreshed = client.refresh_token(&identity).unwrap();
    assert_eq!(
        refreshed.identity().unwrap().refresh_token(),
        "RT-refreshed"
    );
    assert_eq!(
        *op.paths.lock().unwrap(),
        ["/v2/token/generate", "/v2/token/refresh"]
    );
}

#[test]
fn identity_map_v3_single_and_bulk() {
    let op = MockOperator::new(bidstream_doc(0, 0));
    let server = op.serve();
    let client = IdentityMapV3Client::new(config(&server.base_url())).unwrap();

    let mut input = IdentityMapV3Input::new();
    input.add_email("user@example.com").unwrap();
    input.add_phone("+12345678901").unwrap();
    let response = client.map(input).unwrap();
    let hash = hash_email("user@example.com").unwrap();
    assert_eq!(
        response
            .get_mapped("user@example.com")
            .unwrap()
            .current_raw_uid(),
        mock_uid(hash.as_str())
    );
    assert!(response.get_mapped("+12345678901").is_some());

    // 12,001 emails: three batches of at most 5,000, sent in parallel and merged.
    let emails: Vec<String> = (0..12_001)
        .map(|i| format!("user{i}@example.com"))
        .collect();
    let before = op.requests.load(Ordering::SeqCst);
    let input = IdentityMapV3Input::from_emails(&emails).unwrap();
    let response = client.map_bulk(input).unwrap();
    assert_eq!(op.requests.load(Ordering::SeqCst) - before, 3);
    assert_eq!(response.mapped().len(), emails.len());
    for email in [&emails[0], &emails[5_000], &emails[12_000]] {
        let hash = hash_email(email).unwrap();
        assert_eq!(
            response.get_mapped(email).unwrap().current_raw_uid(),
            mock_uid(hash.as_str())
        );
    }
}

#[test]
fn identity_map_v2_and_salt_buckets() {
    let op = MockOperator::new(bidstream_doc(0, 0));
    let server = op.serve();
    let client = IdentityMapClient::new(config(&server.base_url())).unwrap();

    let request = IdentityMapV2Request::from_emails(["a@example.com", "b@example.com"]).unwrap();
    let response = client.map(request).unwrap();
    assert_eq!(response.mapped().len(), 2);
    assert_eq!(
        response.get_mapped("a@example.com").unwrap().bucket_id(),
        "b1"
    );

    let buckets = client
        .get_identity_buckets(Timestamp::from_millis(1_719_930_615_000))
        .unwrap();
    assert_eq!(buckets.len(), 1);
    assert_eq!(buckets[0].bucket_id(), "b1");
}

#[test]
fn optout_status() {
    let op = MockOperator::new(bidstream_doc(0, 0));
    let server = op.serve();
    let client = OptOutStatusClient::new(config(&server.base_url())).unwrap();
    let ids = [RAW_UID_B, "As5g0VqrfhESwuGJD2Nc3gICX7bLFLbxR3vkzWipjyed"];
    let response = client
        .optout_status(OptoutStatusRequest::new(ids).unwrap())
        .unwrap();
    assert_eq!(
        response.opted_out_since(ids[0]).map(Timestamp::as_millis),
        Some(1_709_745_292_763)
    );
    assert_eq!(response.opted_out_since(ids[1]), None);
}

#[test]
fn bidstream_refreshes_then_decrypts() {
    let op = MockOperator::new(bidstream_doc(0, 0));
    let server = op.serve();
    let client = BidstreamClient::new(config(&server.base_url())).unwrap();
    let token = token_for(RAW_UID_A);

    assert_eq!(client.last_refresh_success(), None);
    client.refresh().unwrap();
    assert!(client.last_refresh_success().is_some());
    assert!(client.key_set_age().unwrap() < Duration::from_secs(5));
    assert_eq!(client.refresh_status().consecutive_failures, 0);
    assert_eq!(client.key_set().unwrap().keys().len(), 2);

    let decrypted = client
        .decrypt_token_into_raw_uid(&token, Some(DOMAIN))
        .unwrap();
    assert_eq!(decrypted.uid().as_str(), RAW_UID_A);
    assert_eq!(decrypted.site_id(), common::SITE_ID);
    assert_eq!(*op.paths.lock().unwrap(), ["/v2/key/bidstream"]);
}

#[test]
fn sharing_encrypts_and_decrypts() {
    let op = MockOperator::new(sharing_doc());
    let server = op.serve();
    let client = SharingClient::new(config(&server.base_url())).unwrap();
    client.refresh().unwrap();

    let token = client.encrypt_raw_uid_into_token(RAW_UID_A).unwrap();
    let back = client.decrypt_token_into_raw_uid(token.as_str()).unwrap();
    assert_eq!(back.uid().as_str(), RAW_UID_A);
    // A second encryption uses new nonces.
    let again = client.encrypt_raw_uid_into_token(RAW_UID_A).unwrap();
    assert_ne!(token.as_str(), again.as_str());
    assert_eq!(*op.paths.lock().unwrap(), ["/v2/key/sharing"]);
}

/// A transport that sends every request to a loopback server instead of the URL's host, and
/// records the URLs: shows that any HTTP stack can be plugged in.
struct Redirect {
    inner: UreqTransport,
    base: String,
    urls: Arc<Mutex<Vec<String>>>,
}

impl Transport for Redirect {
    fn post(
        &self,
        url: &str,
        headers: &[Header<'_>],
        body: &[u8],
        timeout: Duration,
    ) -> Result<HttpResponse, TransportError> {
        self.urls.lock().unwrap().push(url.to_owned());
        let path = url.splitn(4, '/').nth(3).unwrap_or_default();
        self.inner
            .post(&format!("{}/{path}", self.base), headers, body, timeout)
    }
}

#[test]
fn gigya_retries_once_after_clock_skew() {
    let calls = Arc::new(Mutex::new(Vec::<String>::new()));
    let seen = Arc::clone(&calls);
    let server = Server::start(move |r| {
        let body = String::from_utf8_lossy(&r.body).into_owned();
        let mut seen = seen.lock().unwrap();
        seen.push(body);
        if seen.len() == 1 {
            Reply::Http {
                status: 200,
                content_type: "application/json",
                body:
                    br#"{"errorCode":403002,"errorMessage":"Request has expired","statusCode":403}"#
                        .to_vec(),
                date: Some("Sun, 06 Nov 2044 08:49:37 GMT".to_owned()),
            }
        } else {
            Reply::json(
                200,
                r#"{"errorCode":0,"statusCode":200,"callId":"c0ffee","UID":"u1"}"#,
            )
        }
    });
    let urls = Arc::new(Mutex::new(Vec::new()));
    let transport = Redirect {
        inner: UreqTransport::new(Duration::from_secs(2), "test", 1 << 20, false),
        base: server.base_url(),
        urls: Arc::clone(&urls),
    };
    let secret = GigyaSecret::from_base64("UnVzdC1HaWd5YS1wYXJ0bmVyLXNlY3JldC0wMDAx").unwrap();
    let client = GigyaClient::with_transport(
        GigyaConfig::new(Credentials::partner_secret("3_key", secret))
            .with_api_domain("eu1.gigya.com"),
        transport,
    );
    let mut params = Params::new();
    params.insert("UID", "u1").unwrap();
    let response = client.send("accounts.getAccountInfo", &params).unwrap();
    assert!(response.is_success());
    assert_eq!(response.get_str("UID"), Some("u1"));

    let calls = calls.lock().unwrap();
    assert_eq!(calls.len(), 2, "exactly one retry");
    // The retry is signed with the server's time (2044), learned from the Date header.
    assert!(client.clock_offset_ms() > 365 * 86_400_000);
    assert!(calls[1].contains("timestamp=23"), "{}", calls[1]);
    assert_eq!(
        urls.lock().unwrap()[0],
        "https://accounts.eu1.gigya.com/accounts.getAccountInfo"
    );
}

#[test]
fn gigya_non_json_error_page_is_an_http_error() {
    let server = Server::start(|_| Reply::text(502, b"<html>bad gateway</html>"));
    let transport = Redirect {
        inner: UreqTransport::new(Duration::from_secs(2), "test", 1 << 20, false),
        base: server.base_url(),
        urls: Arc::new(Mutex::new(Vec::new())),
    };
    let secret = GigyaSecret::from_base64("UnVzdC1HaWd5YS1wYXJ0bmVyLXNlY3JldC0wMDAx").unwrap();
    let client = GigyaClient::with_transport(
        GigyaConfig::new(Credentials::partner_secret("3_key", secret)),
        transport,
    );
    let err = client
        .send("accounts.getAccountInfo", &Params::new())
        .unwrap_err();
    assert_eq!(err.status(), Some(502));
}
