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
