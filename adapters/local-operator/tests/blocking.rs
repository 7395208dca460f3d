//! `LocalOperator::start_blocking` serves synchronous clients with no tokio runtime around.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    clippy::disallowed_methods,
    reason = "test code: a failed expectation panics; the client reads the real clock"
)]

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::time::SystemTime;

use uid2::KeySet;
use uid2::envelope::{BodyEncoding, Credentials};
use uid2_local_operator::{LocalOperator, LocalOperatorConfig, OsRandom};

#[test]
fn synchronous_client_fetches_a_key_set() {
    let op = LocalOperator::start_blocking(LocalOperatorConfig::default()).unwrap();
    let creds = Credentials::from_strings(op.api_key(), op.client_secret()).unwrap();
    let now = uid2::Timestamp::from(SystemTime::now());
    let (sealed, pending) = creds
        .seal(
            "/v2/key/bidstream",
            b"",
            BodyEncoding::Text,
            now,
            &mut OsRandom,
        )
        .unwrap();
    let request = sealed.request();
    let mut head = format!(
        "POST /v2/key/bidstream HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
        op.addr(),
        request.body().len()
    );
    for h in request.headers() {
        head.push_str(&format!("{}: {}\r\n", h.name(), h.value()));
    }
    head.push_str("\r\n");
    let mut stream = TcpStream::connect(op.addr()).unwrap();
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(request.body()).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    assert!(raw.starts_with(b"HTTP/1.1 200"));
    let (_, document) = pending
        .open_to_vec(200, Some("text/plain"), &raw[split + 4..])
        .unwrap();
    let keys = KeySet::parse(&document).unwrap();
    assert!(keys.is_valid(now));
    let addr = op.addr();
    drop(op);
    std::thread::sleep(std::time::Duration::from_millis(50));
    assert!(TcpStream::connect(addr).is_err());
}

#[tokio::test]
async fn start_blocking_refuses_to_nest_in_a_runtime() {
    assert!(LocalOperator::start_blocking(LocalOperatorConfig::default()).is_err());
}

#[test]
fn the_handle_can_be_shared_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<LocalOperator>();
    assert_send_sync::<uid2_local_operator::RecordedRequest>();
}
