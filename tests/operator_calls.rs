//! Sealed operator calls: the pending value opens only the reply to its own request, and the
//! endpoint fixes the path and body encoding.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failed expectation panics"
)]

use uid2::envelope::{BodyEncoding, Credentials, ResponseError};
use uid2::operator::OperatorCall;
use uid2::operator::identity_map_v3::IdentityMapV3Input;
use uid2::random::ReplayRandom;
use uid2::{Secret, Timestamp};

const SECRET: &str = "ioG3wKxAokmp+rERx6A4kM/13qhyolUXIu14WN16Spo=";
const NOW: Timestamp = Timestamp::from_millis(1_700_000_000_000);

/// What the operator does: open the request, answer `document` to it.
fn answer(body: &[u8], content_type: &str, document: &str) -> Vec<u8> {
    let secret = Secret::<32>::from_base64(SECRET).unwrap();
    let opened = uid2::server::open_request(&secret, Some(content_type), body).unwrap();
    opened
        .seal_response(
            &secret,
            NOW,
            document.as_bytes(),
            &mut ReplayRandom::new(&[4; 12]),
        )
        .unwrap()
}

#[test]
fn identity_map_v3_call_round_trips_and_rejects_foreign_replies() {
    let credentials = Credentials::from_strings("api-key", SECRET).unwrap();
    let mut input = IdentityMapV3Input::new();
    input.add_email("user@example.com").unwrap();
    let request = input.into_request();
    let document = r#"{"status":"success","body":{"email_hash":[{"u":"AdbtX79x6hPf3bppOU0ItRZF9ngIF9YMBCNdetwfqhj7","p":null,"r":1735689600}],"phone_hash":[]}}"#;

    let (sealed, pending) = request
        .seal(&credentials, NOW, &mut ReplayRandom::new(&[1; 20]))
        .unwrap();
    let http = sealed.request();
    assert_eq!(http.path(), "/v3/identity/map");
    assert_eq!(http.encoding(), BodyEncoding::Binary);
    let mut reply = answer(http.body(), "application/octet-stream", document);
    let response = pending
        .open(200, Some("application/octet-stream"), &mut reply)
        .unwrap();
    assert!(response.get_mapped("user@example.com").is_some());
    // The decrypted document (raw UIDs) does not stay in the caller's buffer.
    assert!(
        reply.iter().all(|&b| b == 0),
        "the reply buffer was not wiped"
    );

    // A reply to another request (another nonce) is refused, as is an unsealed document.
    let (other, _) = request
        .seal(&credentials, NOW, &mut ReplayRandom::new(&[2; 20]))
        .unwrap();
    let mut foreign = answer(other.request().body(), "application/octet-stream", document);
    let (_, pending) = request
        .seal(&credentials, NOW, &mut ReplayRandom::new(&[3; 20]))
        .unwrap();
    assert_eq!(
        pending
            .open(200, Some("application/octet-stream"), &mut foreign)
            .unwrap_err(),
        ResponseError::NonceMismatch
    );
    assert!(
        foreign.iter().all(|&b| b == 0),
        "a refused reply is wiped too"
    );
    let (_, pending) = request
        .seal(&credentials, NOW, &mut ReplayRandom::new(&[5; 20]))
        .unwrap();
    let mut plain = document.as_bytes().to_vec();
    assert!(
        pending
            .open(200, Some("application/octet-stream"), &mut plain)
            .is_err()
    );
}

#[test]
fn token_generate_reply_is_wiped_from_the_callers_buffer() {
    use uid2::operator::token_generate::TokenGenerateRequest;
    let credentials = Credentials::from_strings("api-key", SECRET).unwrap();
    let request = TokenGenerateRequest::from_email("user@example.com").unwrap();
    let document = r#"{"status":"success","body":{"advertising_token":"AT","refresh_token":"RT","identity_expires":1700000100000,"refresh_expires":1700000200000,"refresh_from":1700000050000,"refresh_response_key":"P941vVeuyjaDRVnFQ8DPd0AZnW4bPeiJPXER2K9QXcU="}}"#;
    let (sealed, pending) = request
        .seal(&credentials, NOW, &mut ReplayRandom::new(&[6; 20]))
        .unwrap();
    let mut reply = answer(sealed.request().body(), "text/plain", document);
    let response = pending.open(200, Some("text/plain"), &mut reply).unwrap();
    assert_eq!(response.identity().unwrap().refresh_token(), "RT");
    assert!(
        reply.iter().all(|&b| b == 0),
        "the reply buffer was not wiped"
    );
}

#[test]
fn every_request_carries_the_bound_of_its_reply() {
    use uid2::envelope::reply_limit;
    use uid2::operator::key_set::SharingKeysRequest;
    use uid2::operator::token_generate::TokenGenerateRequest;
    let credentials = Credentials::from_strings("api-key", SECRET).unwrap();
    let rng = || ReplayRandom::new(&[7; 20]);

    let (keys, _) = SharingKeysRequest
        .seal(&credentials, NOW, &mut rng())
        .unwrap();
    assert_eq!(keys.request().max_response_len(), reply_limit::KEY_SET);

    let generate = TokenGenerateRequest::from_email("user@example.com").unwrap();
    let (sealed, _) = generate.seal(&credentials, NOW, &mut rng()).unwrap();
    assert_eq!(sealed.request().max_response_len(), reply_limit::TOKEN);

    // A batch reply is bounded by its inputs: more inputs, a larger bound, never unbounded.
    let mut small = IdentityMapV3Input::new();
    small.add_email("a@example.com").unwrap();
    let mut large = IdentityMapV3Input::new();
    for i in 0..1000 {
        large.add_email(&format!("user{i}@example.com")).unwrap();
    }
    let bound = |input: IdentityMapV3Input| {
        let request = input.into_request();
        let (sealed, _) = request.seal(&credentials, NOW, &mut rng()).unwrap();
        sealed.request().max_response_len()
    };
    let (small, large) = (bound(small), bound(large));
    assert!(small < reply_limit::TOKEN * 2, "{small}");
    assert!(large > small + 1000 * reply_limit::BATCH_ITEM, "{large}");
    assert!(large < 2 << 20, "{large}");
}
