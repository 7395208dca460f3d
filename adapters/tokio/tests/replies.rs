//! Replies from a one-shot local server. Reply bodies are bounded per endpoint while they are
//! read: past the bound a call fails with `Error::ResponseTooLarge` (and the rest is not
//! buffered); under it the body reaches the core. The unauthenticated plain JSON refresh reply
//! of an identity without a `refresh_response_key` is read only when the config opts in.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test code: a failed expectation panics"
)]

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpListener;
use std::thread;

use uid2::envelope::reply_limit;
use uid2::operator::TokenGenerateRequest;
use uid2_tokio::{ClientConfig, Error, PublisherClient};

const SECRET_B64: &str = "ioG3wKxAokmp+rERx6A4kM/13qhyolUXIu14WN16Spo=";

/// A one-shot HTTP server on 127.0.0.1 that answers 200 with `len` bytes of base64 text,
/// with a `Content-Length` or chunked. Returns its base URL.
fn serve(len: usize, chunked: bool) -> String {
    serve_body(vec![b'A'; len], chunked)
}

/// A one-shot HTTP server on 127.0.0.1 that answers 200 with `reply`. Returns its base URL.
fn serve_body(reply: Vec<u8>, chunked: bool) -> String {
    let len = reply.len();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream);
        let mut content_length = 0usize;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                content_length = v.trim().parse().unwrap();
            }
            if line == "\r\n" || line.is_empty() {
                break;
            }
        }
        let mut body = vec![0u8; content_length];
        reader.read_exact(&mut body).unwrap();
        let mut stream = reader.into_inner();
        let header = if chunked {
            "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ntransfer-encoding: chunked\r\n\r\n"
                .to_owned()
        } else {
            format!("HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: {len}\r\n\r\n")
        };
        let _ = stream.write_all(header.as_bytes());
        for piece in reply.chunks(8192) {
            let sent = if chunked {
                stream
                    .write_all(format!("{:x}\r\n", piece.len()).as_bytes())
                    .and_then(|()| stream.write_all(piece))
                    .and_then(|()| stream.write_all(b"\r\n"))
            } else {
                stream.write_all(piece)
            };
            if sent.is_err() {
                return; // the client stopped reading
            }
        }
        if chunked {
            let _ = stream.write_all(b"0\r\n\r\n");
        }
    });
    url
}

async fn generate(base_url: &str) -> Result<uid2::operator::TokenResponse, Error> {
    let config = ClientConfig::new(base_url, "key", SECRET_B64).unwrap();
    PublisherClient::new(config)
        .unwrap()
        .generate_token(TokenGenerateRequest::from_email("user@example.com").unwrap())
        .await
}

#[tokio::test]
async fn a_token_reply_past_its_bound_is_refused() {
    for chunked in [false, true] {
        let err = generate(&serve(reply_limit::TOKEN + 1, chunked))
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::ResponseTooLarge { limit } if limit == reply_limit::TOKEN),
            "{chunked}: {err:?}"
        );
        assert!(!err.is_retryable());
    }
}

#[tokio::test]
async fn a_token_reply_within_its_bound_reaches_the_core() {
    for chunked in [false, true] {
        // Read whole and handed to the core, which finds it is not an envelope.
        let err = generate(&serve(reply_limit::TOKEN, chunked))
            .await
            .unwrap_err();
        assert!(err.response_error().is_some(), "{chunked}: {err:?}");
    }
}

#[tokio::test]
async fn the_configured_ceiling_applies_when_it_is_lower() {
    let config = ClientConfig::new(&serve(2000, false), "key", SECRET_B64)
        .unwrap()
        .with_max_response_bytes(1000);
    let err = PublisherClient::new(config)
        .unwrap()
        .generate_token(TokenGenerateRequest::from_email("user@example.com").unwrap())
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::ResponseTooLarge { limit: 1000 }),
        "{err:?}"
    );
}

const LEGACY_IDENTITY: &str = r#"{"advertising_token":"AT","refresh_token":"RT","identity_expires":4102444800000,"refresh_expires":4102444800000,"refresh_from":4102444800000}"#;

#[tokio::test]
async fn plain_json_refresh_needs_the_opt_in() {
    let identity = uid2::operator::IdentityTokens::from_json_str(LEGACY_IDENTITY).unwrap();
    let reply = format!(
        r#"{{"status":"success","body":{}}}"#,
        LEGACY_IDENTITY.replace("\"RT\"", "\"RT2\"")
    );
    let config = |url: &str| ClientConfig::new(url, "key", SECRET_B64).unwrap();

    // Off by default: a typed error, whatever the reply says.
    let err = PublisherClient::new(config(&serve_body(reply.clone().into_bytes(), false)))
        .unwrap()
        .refresh_token(&identity)
        .await
        .unwrap_err();
    assert_eq!(
        err.response_error(),
        Some(&uid2::envelope::ResponseError::PlainRefreshNotAllowed),
        "{err:?}"
    );

    // Opted in: the plain reply is read.
    let response = PublisherClient::new(
        config(&serve_body(reply.into_bytes(), false)).with_plain_json_refresh(true),
    )
    .unwrap()
    .refresh_token(&identity)
    .await
    .unwrap();
    assert_eq!(response.identity().unwrap().refresh_token(), "RT2");
}
