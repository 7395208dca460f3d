//! Properties of the operator envelope: sealed requests carry what was sealed, replies open
//! only when authentic and addressed to the pending request, and no input makes opening panic.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "test code: a panic is a test failure"
)]

use aes_gcm::aead::{AeadInOut, KeyInit};
use aes_gcm::{Aes256Gcm, Tag};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use proptest::prelude::*;
use uid2::Timestamp;
use uid2::envelope::{
    BodyEncoding, ClientSecret, PendingResponse, RefreshResponseKey, ResponseError,
    open_refresh_response, seal_request, sealed_body_len,
};
use uid2::operator::{IdentityTokens, TokenResponse};
use uid2::random::ReplayRandom;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 48,
        ..ProptestConfig::default()
    }
}

/// Seals a request and returns the binary envelope and its pending value.
fn seal(
    secret: &[u8; 32],
    now: i64,
    iv: [u8; 12],
    nonce: [u8; 8],
    payload: &[u8],
    encoding: BodyEncoding,
) -> (Vec<u8>, PendingResponse) {
    let random = [&iv[..], &nonce[..]].concat();
    let mut out = vec![0u8; sealed_body_len(payload.len(), encoding).unwrap()];
    let (n, pending) = seal_request(
        &ClientSecret::new(*secret),
        Timestamp::from_millis(now),
        &mut ReplayRandom::new(&random),
        payload,
        encoding,
        &mut out,
    )
    .unwrap();
    assert_eq!(n, out.len());
    let binary = match encoding {
        BodyEncoding::Binary => out,
        _ => STANDARD.decode(&out).unwrap(),
    };
    (binary, pending)
}

/// What the operator does: `IV ‖ GCM(prefix ‖ document) ‖ tag` under `key`.
fn operator_seal(key: &[u8; 32], iv: [u8; 12], prefix: &[u8], document: &[u8]) -> Vec<u8> {
    let mut buf = [prefix, document].concat();
    let cipher = Aes256Gcm::new(&(*key).into());
    let tag = cipher
        .encrypt_inout_detached(
            &aes_gcm::aead::Nonce::<Aes256Gcm>::from(iv),
            &[],
            buf.as_mut_slice().into(),
        )
        .unwrap();
    [&iv[..], &buf, &tag[..]].concat()
}

/// What the operator does with a request: open it and return `(timestamp, nonce, payload)`.
fn operator_open(key: &[u8; 32], envelope: &[u8]) -> Option<(i64, [u8; 8], Vec<u8>)> {
    if envelope.len() < 45 || envelope[0] != 1 {
        return None;
    }
    let iv: [u8; 12] = envelope[1..13].try_into().unwrap();
    let mut body = envelope[13..envelope.len() - 16].to_vec();
    let tag = Tag::try_from(&envelope[envelope.len() - 16..]).unwrap();
    Aes256Gcm::new(&(*key).into())
        .decrypt_inout_detached(
            &aes_gcm::aead::Nonce::<Aes256Gcm>::from(iv),
            &[],
            body.as_mut_slice().into(),
            &tag,
        )
        .ok()?;
    let ts = i64::from_be_bytes(body[..8].try_into().unwrap());
    let nonce = body[8..16].try_into().unwrap();
    Some((ts, nonce, body[16..].to_vec()))
}

fn encoding() -> impl Strategy<Value = BodyEncoding> {
    prop_oneof![Just(BodyEncoding::Text), Just(BodyEncoding::Binary)]
}

fn content_type(encoding: BodyEncoding) -> &'static str {
    match encoding {
        BodyEncoding::Binary => "application/octet-stream",
        _ => "text/plain",
    }
}

/// The reply body in the given encoding.
fn reply_body(blob: &[u8], encoding: BodyEncoding) -> Vec<u8> {
    match encoding {
        BodyEncoding::Binary => blob.to_vec(),
        _ => STANDARD.encode(blob).into_bytes(),
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn seal_then_open_round_trips(
        secret in any::<[u8; 32]>(),
        iv in any::<[u8; 12]>(),
        reply_iv in any::<[u8; 12]>(),
        nonce in any::<[u8; 8]>(),
        now in any::<i64>(),
        server_time in any::<i64>(),
        payload in proptest::collection::vec(any::<u8>(), 0..2048),
        document in proptest::collection::vec(any::<u8>(), 0..2048),
        request_encoding in encoding(),
        reply_encoding in encoding(),
    ) {
        let (envelope, pending) = seal(&secret, now, iv, nonce, &payload, request_encoding);
        prop_assert_eq!(envelope.len(), payload.len() + 45);
        prop_assert_eq!(&envelope[1..13], &iv[..]);
        let (ts, sent_nonce, sent_payload) = operator_open(&secret, &envelope).unwrap();
        prop_assert_eq!(ts, now);
        prop_assert_eq!(sent_nonce, nonce);
        prop_assert_eq!(&sent_payload, &payload);

        let prefix = [&server_time.to_be_bytes()[..], &nonce[..]].concat();
        let blob = operator_seal(&secret, reply_iv, &prefix, &document);
        let mut body = reply_body(&blob, reply_encoding);
        let opened = pending.open(200, Some(content_type(reply_encoding)), &mut body).unwrap();
        prop_assert_eq!(opened.document(), &document[..]);
        prop_assert_eq!(opened.server_time(), Timestamp::from_millis(server_time));
    }

    #[test]
    fn another_nonce_or_secret_is_rejected(
        secret in any::<[u8; 32]>(),
        other_secret in any::<[u8; 32]>(),
        nonce in any::<[u8; 8]>(),
        other_nonce in any::<[u8; 8]>(),
        document in proptest::collection::vec(any::<u8>(), 0..256),
    ) {
        prop_assume!(nonce != other_nonce && secret != other_secret);
        let prefix = [&[0u8; 8][..], &other_nonce[..]].concat();
        let blob = operator_seal(&secret, [1; 12], &prefix, &document);
        let (_, pending) = seal(&secret, 0, [0; 12], nonce, b"{}", BodyEncoding::Text);
        let mut body = blob.clone();
        prop_assert_eq!(
            pending.open(200, Some("application/octet-stream"), &mut body).unwrap_err(),
            ResponseError::NonceMismatch
        );
        let (_, pending) = seal(&other_secret, 0, [0; 12], other_nonce, b"{}", BodyEncoding::Text);
        let mut body = blob;
        prop_assert_eq!(
            pending.open(200, Some("application/octet-stream"), &mut body).unwrap_err(),
            ResponseError::DecryptFailed
        );
    }

    #[test]
    fn any_flipped_byte_fails(
        secret in any::<[u8; 32]>(),
        nonce in any::<[u8; 8]>(),
        document in proptest::collection::vec(any::<u8>(), 0..512),
        reply_encoding in encoding(),
        position in any::<prop::sample::Index>(),
        flip in 1u8..=255,
    ) {
        let prefix = [&[0u8; 8][..], &nonce[..]].concat();
        let blob = operator_seal(&secret, [9; 12], &prefix, &document);
        let mut body = reply_body(&blob, reply_encoding);
        let i = position.index(body.len());
        body[i] ^= flip;
        let (_, pending) = seal(&secret, 0, [0; 12], nonce, b"", BodyEncoding::Text);
        let result = pending.open(200, Some(content_type(reply_encoding)), &mut body);
        prop_assert!(result.is_err(), "flipping byte {} was accepted", i);

        // The refresh layout, likewise.
        let key = RefreshResponseKey::new(secret);
        let mut body = STANDARD.encode(operator_seal(&secret, [3; 12], b"", &document)).into_bytes();
        let i = position.index(body.len());
        body[i] ^= flip;
        prop_assert!(open_refresh_response(&key, 200, &mut body).is_err());
    }

    #[test]
    fn opening_arbitrary_bytes_never_panics(
        secret in any::<[u8; 32]>(),
        nonce in any::<[u8; 8]>(),
        status in prop_oneof![Just(200u16), any::<u16>()],
        mut body in proptest::collection::vec(any::<u8>(), 0..256),
        content in prop_oneof![Just(None), Just(Some("application/octet-stream")), Just(Some("text/plain"))],
    ) {
        let (_, pending) = seal(&secret, 0, [0; 12], nonce, b"", BodyEncoding::Binary);
        let mut copy = body.clone();
        let _ = pending.open(status, content, &mut body);
        let _ = open_refresh_response(&RefreshResponseKey::new(secret), status, &mut copy);
    }

    #[test]
    fn opening_arbitrary_text_never_panics(
        secret in any::<[u8; 32]>(),
        status in prop_oneof![Just(200u16), Just(400u16), Just(401u16), Just(500u16)],
        text in "[ -~\\s]{0,200}",
    ) {
        let (_, pending) = seal(&secret, 0, [0; 12], [0; 8], b"", BodyEncoding::Binary);
        let mut body = text.clone().into_bytes();
        let _ = pending.open(status, None, &mut body);
        let mut body = text.into_bytes();
        let _ = open_refresh_response(&RefreshResponseKey::new(secret), status, &mut body);
    }

    #[test]
    fn reading_arbitrary_documents_never_panics(
        text in prop_oneof![
            "[ -~]{0,200}",
            r#"\{"status":"(success|optout|x)"(,"body":\{("advertising_token":"a",)?("refresh_token":"r",)?("identity_expires":-?[0-9]{1,20},)?("refresh_expires":"?[0-9]{1,20}"?,)?"refresh_from":[0-9]{1,5}(,"refresh_response_key":"[A-Za-z0-9+/=]{0,48}")?\})?\}"#,
        ],
        now in any::<i64>(),
    ) {
        let _ = TokenResponse::from_generate_document(text.as_bytes());
        let _ = TokenResponse::from_refresh_document(text.as_bytes(), Timestamp::from_millis(now));
        if let Ok(identity) = IdentityTokens::from_json_str(&text) {
            let now = Timestamp::from_millis(now);
            let _ = (identity.is_refreshable(now), identity.is_due_for_refresh(now), identity.has_identity_expired(now));
        }
    }
}
