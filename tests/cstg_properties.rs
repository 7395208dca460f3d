//! Properties of client-side token generation: what the client seals, the operator side opens
//! to the same payload (and only with the same timestamp and app name); a reply sealed for the
//! request opens, and no reply body makes opening panic.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "test code: a panic is a test failure"
)]

use proptest::prelude::*;
use uid2::operator::TokenResponse;
use uid2::operator::client_side::server::{ClientSideRequestBody, ServerKeyPair};
use uid2::operator::client_side::{ClientSideCredentials, ClientSideTokenGenerateRequest};
use uid2::random::ReplayRandom;
use uid2::{IdentityScope, Timestamp};

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 24,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn client_and_operator_agree(
        server in prop::array::uniform32(1u8..),
        ephemeral in prop::array::uniform32(1u8..0xf0),
        iv in prop::array::uniform12(any::<u8>()),
        now in any::<i64>(),
        app_name in prop::option::of("[ -~]{1,40}"),
        local in "[a-z0-9.]{1,20}",
    ) {
        // Scalars below the group order: first byte in 1..0xf0 is always valid.
        let mut server = server;
        server[0] = server[0].min(0xef);
        let pair = ServerKeyPair::from_secret_bytes(IdentityScope::Uid2, 'L', &server).unwrap();
        let credentials = ClientSideCredentials::with_key("sub", pair.public_key().clone()).unwrap();
        let email = format!("{local}@example.com");
        let mut request = ClientSideTokenGenerateRequest::from_email(&email).unwrap();
        request = match &app_name {
            Some(app) => request.with_app_name(app).unwrap(),
            None => request.with_origin("https://example.com").unwrap(),
        };
        let mut random = ephemeral.to_vec();
        random.extend_from_slice(&iv);
        let (http, pending) = request
            .seal(&credentials, Timestamp::from_millis(now), &mut ReplayRandom::new(&random))
            .unwrap();
        let body = ClientSideRequestBody::parse(http.body()).unwrap();
        prop_assert_eq!(body.timestamp(), now);
        prop_assert_eq!(body.app_name(), app_name.as_deref());
        let opened = body.open(&pair).unwrap();
        let payload = request.payload_json();
        prop_assert_eq!(opened.payload(), payload.as_bytes());

        // Another timestamp in the body: the additional data no longer matches.
        let mut value: serde_json::Value = serde_json::from_slice(http.body()).unwrap();
        value["timestamp"] = serde_json::Value::from(now.wrapping_add(1));
        let moved = ClientSideRequestBody::parse(&serde_json::to_vec(&value).unwrap()).unwrap();
        prop_assert!(moved.open(&pair).is_err());

        let reply = opened
            .seal_response(br#"{"status":"optout"}"#, &mut ReplayRandom::new(&iv))
            .unwrap();
        prop_assert!(matches!(pending.open(200, &reply), Ok(TokenResponse::OptOut)));
    }

    #[test]
    fn opening_any_body_never_panics(body in prop::collection::vec(any::<u8>(), 0..200), status in 100u16..600) {
        let pair = ServerKeyPair::from_secret_bytes(IdentityScope::Uid2, 'L', &[5; 32]).unwrap();
        let credentials = ClientSideCredentials::with_key("sub", pair.public_key().clone()).unwrap();
        let request = ClientSideTokenGenerateRequest::from_phone("+12345678901").unwrap();
        let (_, pending) = request
            .seal(&credentials, Timestamp::from_millis(0), &mut ReplayRandom::new(&[6; 44]))
            .unwrap();
        let _ = pending.open(status, &body);
        let _ = ClientSideRequestBody::parse(&body).and_then(|b| b.open(&pair));
    }
}
