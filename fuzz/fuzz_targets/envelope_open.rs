//! The v2 envelope from both ends. Any bytes as an operator reply, a sealed request or a
//! refresh reply: a typed error, never a panic. Any document sealed by the operator side opens
//! to exactly that document on the client side.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use uid2::envelope::{
    BodyEncoding, ClientSecret, RefreshResponseKey, open_refresh_response, seal_request,
};
use uid2::random::ReplayRandom;
use uid2::{Secret, Timestamp};

const SECRET: &str = "ioG3wKxAokmp+rERx6A4kM/13qhyolUXIu14WN16Spo=";

#[derive(Debug, Arbitrary)]
struct Input {
    status: u16,
    binary: Option<bool>,
    body: Vec<u8>,
    document: Vec<u8>,
    now: i64,
    random: [u8; 32],
}

fuzz_target!(|input: Input| {
    let (Ok(client), Ok(server), Ok(refresh_key)) = (
        ClientSecret::from_base64(SECRET),
        Secret::<32>::from_base64(SECRET),
        RefreshResponseKey::from_base64(SECRET),
    ) else {
        return;
    };
    let now = Timestamp::from_millis(input.now);
    let content_type = input.binary.map(|b| {
        if b {
            "application/octet-stream"
        } else {
            "text/plain"
        }
    });
    let encoding = if input.binary == Some(true) {
        BodyEncoding::Binary
    } else {
        BodyEncoding::Text
    };

    // A client request, so that there is a nonce to answer. The same random bytes seal the
    // same request, and so give a second pending reply for the same nonce.
    let seal = |out: &mut [u8]| {
        seal_request(
            &client,
            now,
            &mut ReplayRandom::new(&input.random),
            br#"{"email_hash":"x"}"#,
            encoding,
            out,
        )
    };
    let mut sealed = vec![0u8; 256];
    let Ok((len, pending)) = seal(&mut sealed) else {
        return;
    };
    sealed.truncate(len);

    // Arbitrary bytes as its reply.
    let mut body = input.body.clone();
    let _ = pending.open(input.status, content_type, &mut body);

    // Arbitrary bytes as a request to the operator, and as a refresh reply.
    let _ = uid2::server::open_request(&server, content_type, &input.body);
    let mut body = input.body.clone();
    let _ = open_refresh_response(&refresh_key, input.status, &mut body);

    // The real request opens on the operator side; its sealed reply opens to the document.
    let Ok(opened) = uid2::server::open_request(&server, content_type, &sealed) else {
        panic!("a request sealed with the client secret must open");
    };
    let Ok(mut reply) = opened.seal_response(
        &server,
        now,
        &input.document,
        &mut ReplayRandom::new(&input.random),
    ) else {
        return;
    };
    let Ok((_, pending)) = seal(&mut sealed) else {
        return;
    };
    let reply_type = if opened.encoding() == BodyEncoding::Binary {
        Some("application/octet-stream")
    } else {
        None
    };
    match pending.open(200, reply_type, &mut reply) {
        Ok(doc) => assert_eq!(doc.document(), input.document.as_slice()),
        Err(e) => panic!("a reply to this request must open: {e:?}"),
    }
});
