//! A tiny HTTP/1.1 client over a TCP stream, and helpers that drive the core's client messages.

#![allow(dead_code, reason = "each test binary uses a different subset")]

use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use uid2::Timestamp;
use uid2::envelope::{BodyEncoding, Credentials, OperatorRequest, ResponseError};
use uid2_local_operator::{LocalOperator, OsRandom};

/// What came back.
#[derive(Debug)]
pub(crate) struct HttpReply {
    pub(crate) status: u16,
    pub(crate) content_type: Option<String>,
    pub(crate) body: Vec<u8>,
}

/// Why no reply came back.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum HttpFailure {
    Connect,
    Closed,
    Timeout,
}

/// POSTs `body` to `path` with `headers`, `Connection: close`, within `timeout`.
pub(crate) async fn post_raw(
    op: &LocalOperator,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    timeout: Duration,
) -> Result<HttpReply, HttpFailure> {
    let exchange = async {
        let mut stream = TcpStream::connect(op.addr())
            .await
            .map_err(|_| HttpFailure::Connect)?;
        let mut head = format!(
            "POST {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
            op.addr(),
            body.len()
        );
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        let mut request = head.into_bytes();
        request.extend_from_slice(body);
        stream
            .write_all(&request)
            .await
            .map_err(|_| HttpFailure::Closed)?;
        let mut raw = Vec::new();
        stream
            .read_to_end(&mut raw)
            .await
            .map_err(|_| HttpFailure::Closed)?;
        parse(&raw).ok_or(HttpFailure::Closed)
    };
    tokio::time::timeout(timeout, exchange)
        .await
        .map_err(|_| HttpFailure::Timeout)?
}

fn parse(raw: &[u8]) -> Option<HttpReply> {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&raw[..split]).ok()?;
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let mut content_type = None;
    for line in lines {
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-type")
        {
            content_type = Some(value.trim().to_owned());
        }
    }
    Some(HttpReply {
        status,
        content_type,
        body: raw[split + 4..].to_vec(),
    })
}

/// Sends a request the core described.
pub(crate) async fn send(
    op: &LocalOperator,
    request: &OperatorRequest<'_>,
) -> Result<HttpReply, HttpFailure> {
    let headers: Vec<(&str, &str)> = request.headers().map(|h| (h.name(), h.value())).collect();
    post_raw(
        op,
        request.path(),
        &headers,
        request.body(),
        Duration::from_secs(10),
    )
    .await
}

pub(crate) fn credentials(op: &LocalOperator) -> Credentials {
    Credentials::from_strings(op.api_key(), op.client_secret()).unwrap()
}

pub(crate) fn now() -> Timestamp {
    #[expect(
        clippy::disallowed_methods,
        reason = "tests against a real server use the real clock"
    )]
    Timestamp::from(std::time::SystemTime::now())
}

/// Seals `payload` for `path`, sends it and opens the reply: the decrypted document.
pub(crate) async fn call(
    op: &LocalOperator,
    path: &'static str,
    payload: &[u8],
    encoding: BodyEncoding,
) -> Result<Vec<u8>, ResponseError> {
    call_at(op, path, payload, encoding, now()).await
}

/// [`call`] with the client's clock at `at`.
pub(crate) async fn call_at(
    op: &LocalOperator,
    path: &'static str,
    payload: &[u8],
    encoding: BodyEncoding,
    at: Timestamp,
) -> Result<Vec<u8>, ResponseError> {
    let creds = credentials(op);
    let (sealed, pending) = creds
        .seal(path, payload, encoding, at, &mut OsRandom)
        .unwrap();
    let reply = send(op, &sealed.request()).await.expect("an http reply");
    let (_, document) =
        pending.open_to_vec(reply.status, reply.content_type.as_deref(), &reply.body)?;
    Ok(document)
}
