//! Each fault mode, set and cleared at run time through the handle.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    clippy::disallowed_methods,
    reason = "test code against a std server: a failed expectation panics; latency is measured"
)]

mod common;

use std::time::{Duration, Instant};

use common::{HttpFailure, call, credentials, now, post_raw, send};
use uid2::envelope::{BodyEncoding, ResponseError};
use uid2::operator::{TokenGenerateRequest, TokenResponse};
use uid2_local_operator::{Fault, LocalOperator, LocalOperatorConfig, OsRandom};

const SHARING: &str = "/v2/key/sharing";

async fn start() -> LocalOperator {
    LocalOperator::start(LocalOperatorConfig::default())
        .await
        .unwrap()
}

async fn sharing(op: &LocalOperator) -> Result<Vec<u8>, ResponseError> {
    call(op, SHARING, b"", BodyEncoding::Text).await
}

fn http_status(result: Result<Vec<u8>, ResponseError>) -> u16 {
    result.unwrap_err().http().expect("an http error").status()
}

#[tokio::test]
async fn status_faults_and_clearing() {
    let op = start().await;
    op.set_fault(Fault::Unauthorized);
    let err = sharing(&op).await.unwrap_err();
    assert!(err.http().unwrap().is_unauthorized());
    op.set_fault(Fault::RateLimited);
    let err = sharing(&op).await.unwrap_err();
    assert!(err.http().unwrap().is_rate_limited());
    op.set_fault(Fault::ServerError);
    assert_eq!(http_status(sharing(&op).await), 500);
    op.set_fault(Fault::Status(503));
    assert_eq!(http_status(sharing(&op).await), 503);
    op.set_fault(Fault::None);
    assert!(sharing(&op).await.is_ok());
    assert_eq!(op.request_count(SHARING), 5);
}

#[tokio::test]
async fn body_faults_are_caught_by_the_core() {
    let op = start().await;
    op.set_fault(Fault::Garbage);
    assert_eq!(
        sharing(&op).await.unwrap_err(),
        ResponseError::InvalidBase64
    );
    op.set_fault(Fault::WrongKey);
    assert_eq!(
        sharing(&op).await.unwrap_err(),
        ResponseError::DecryptFailed
    );
    op.set_fault(Fault::WrongNonce);
    assert_eq!(
        sharing(&op).await.unwrap_err(),
        ResponseError::NonceMismatch
    );
    // Binary replies too.
    let err = call(
        &op,
        "/v3/identity/map",
        br#"{"email_hash":[],"phone_hash":[]}"#,
        BodyEncoding::Binary,
    )
    .await
    .unwrap_err();
    assert_eq!(err, ResponseError::NonceMismatch);

    // On refresh, which has no nonce, the reply is sealed with another key.
    op.clear_faults();
    let identity = {
        let creds = credentials(&op);
        let request = TokenGenerateRequest::from_email("user@example.com").unwrap();
        let (sealed, pending) = request.seal(&creds, now(), &mut OsRandom).unwrap();
        let mut reply = send(&op, &sealed.request()).await.unwrap();
        match pending
            .open(reply.status, reply.content_type.as_deref(), &mut reply.body)
            .unwrap()
        {
            TokenResponse::Success(identity) => identity,
            other => panic!("{other:?}"),
        }
    };
    op.set_fault(Fault::WrongNonce);
    let (request, pending) = identity.refresh_request(None);
    let mut reply = send(&op, &request).await.unwrap();
    assert_eq!(
        pending
            .open(reply.status, None, &mut reply.body, now())
            .unwrap_err(),
        ResponseError::RefreshDecryptFailed
    );
}

#[tokio::test]
async fn path_faults_and_counted_faults() {
    let op = start().await;
    op.set_path_fault(SHARING, Fault::ServerError);
    assert_eq!(http_status(sharing(&op).await), 500);
    assert!(
        call(&op, "/v2/key/bidstream", b"", BodyEncoding::Text)
            .await
            .is_ok()
    );
    op.set_path_fault(SHARING, Fault::None);
    assert!(sharing(&op).await.is_ok());

    op.fault_next(2, Fault::RateLimited);
    assert_eq!(http_status(sharing(&op).await), 429);
    assert_eq!(http_status(sharing(&op).await), 429);
    assert!(sharing(&op).await.is_ok());
}

#[tokio::test]
async fn latency_delays_answers() {
    let op = start().await;
    op.set_latency(Duration::from_millis(150));
    let started = Instant::now();
    assert!(sharing(&op).await.is_ok());
    assert!(started.elapsed() >= Duration::from_millis(150));
    op.set_latency(Duration::ZERO);
}

#[tokio::test]
async fn hang_never_answers_until_cleared() {
    let op = start().await;
    op.set_fault(Fault::Hang);
    let creds = credentials(&op);
    let (sealed, _pending) = creds
        .seal(SHARING, b"", BodyEncoding::Text, now(), &mut OsRandom)
        .unwrap();
    let request = sealed.request();
    let headers: Vec<(&str, &str)> = request.headers().map(|h| (h.name(), h.value())).collect();
    let result = post_raw(
        &op,
        SHARING,
        &headers,
        request.body(),
        Duration::from_millis(300),
    )
    .await;
    assert_eq!(result.unwrap_err(), HttpFailure::Timeout);
    op.clear_faults();
    assert!(sharing(&op).await.is_ok());
}

#[tokio::test]
async fn outage_refuses_connections_then_recovers() {
    let op = start().await;
    // A keep-alive connection opened before the outage is closed when it starts.
    let mut idle = tokio::net::TcpStream::connect(op.addr()).await.unwrap();
    op.set_fault(Fault::Outage);
    let mut buf = [0u8; 16];
    let read = tokio::time::timeout(
        Duration::from_secs(2),
        tokio::io::AsyncReadExt::read(&mut idle, &mut buf),
    )
    .await
    .expect("the idle connection is closed");
    assert!(matches!(read, Ok(0) | Err(_)));
    // New connections are refused (the listener may take a moment to close).
    let mut refused = false;
    for _ in 0..50 {
        if tokio::net::TcpStream::connect(op.addr()).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(refused, "connections are refused during an outage");
    op.clear_faults();
    let mut recovered = false;
    for _ in 0..100 {
        if sharing_reachable(&op).await {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(recovered, "the same address answers again after the outage");
}

async fn sharing_reachable(op: &LocalOperator) -> bool {
    let creds = credentials(op);
    let (sealed, pending) = creds
        .seal(SHARING, b"", BodyEncoding::Text, now(), &mut OsRandom)
        .unwrap();
    match send(op, &sealed.request()).await {
        Ok(reply) => pending
            .open_to_vec(reply.status, reply.content_type.as_deref(), &reply.body)
            .is_ok(),
        Err(_) => false,
    }
}

#[tokio::test]
async fn counted_outage_closes_the_connection() {
    let op = start().await;
    op.fault_next(1, Fault::Outage);
    let creds = credentials(&op);
    let (sealed, _pending) = creds
        .seal(SHARING, b"", BodyEncoding::Text, now(), &mut OsRandom)
        .unwrap();
    assert_eq!(
        send(&op, &sealed.request()).await.unwrap_err(),
        HttpFailure::Closed
    );
    assert!(sharing(&op).await.is_ok());
}

#[tokio::test]
async fn shutdown_and_drop_stop_the_server() {
    let op = start().await;
    let addr = op.addr();
    op.shutdown().await;
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
    let op = start().await;
    let addr = op.addr();
    drop(op);
    let mut refused = false;
    for _ in 0..50 {
        if tokio::net::TcpStream::connect(addr).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(refused);
}
