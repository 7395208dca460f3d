//! The Gigya client against a loopback server, through an injected transport that redirects
//! Gigya's hosts to it.

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

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{Reply, Server};
use uid2::gigya::{Credentials, GigyaSecret, Params};
use uid2_blocking::{
    GigyaClient, GigyaConfig, Header, HttpResponse, Transport, TransportError, UreqTransport,
};

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
        max_response_bytes: usize,
    ) -> Result<HttpResponse, TransportError> {
        self.urls.lock().unwrap().push(url.to_owned());
        let path = url.splitn(4, '/').nth(3).unwrap_or_default();
        self.inner.post(
            &format!("{}/{path}", self.base),
            headers,
            body,
            timeout,
            max_response_bytes,
        )
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
    assert_eq!(err.http_status(), Some(502));
}

#[test]
#[allow(clippy::disallowed_methods, reason = "the test measures elapsed time")]
fn gigya_hang_fails_within_the_timeout() {
    let server = Server::start(|_| Reply::Hang(Duration::from_secs(3)));
    let transport = Redirect {
        inner: UreqTransport::new(Duration::from_secs(2), "test", 1 << 20, false),
        base: server.base_url(),
        urls: Arc::new(Mutex::new(Vec::new())),
    };
    let secret = GigyaSecret::from_base64("UnVzdC1HaWd5YS1wYXJ0bmVyLXNlY3JldC0wMDAx").unwrap();
    let timeout = Duration::from_millis(300);
    let client = GigyaClient::with_transport(
        GigyaConfig::new(Credentials::partner_secret("3_key", secret)).with_timeout(timeout),
        transport,
    );
    let started = std::time::Instant::now();
    let err = client
        .send("accounts.getAccountInfo", &Params::new())
        .unwrap_err();
    let elapsed = started.elapsed();
    assert!(err.is_timeout(), "{err:?}");
    assert!(
        elapsed < timeout + Duration::from_millis(700),
        "{elapsed:?}"
    );
}

/// A Gigya stand-in that checks every request's signature with the core, as Gigya does: the
/// `sig` must be the HMAC-SHA1 of the base string of all other parameters under the secret.
fn verifying_server(secret_b64: &'static str, url: &'static str) -> Server {
    Server::start(move |r| {
        let secret = GigyaSecret::from_base64(secret_b64).unwrap();
        let mut params = Params::new();
        let mut sig = None;
        for pair in r.body.split(|&b| b == b'&') {
            let text = std::str::from_utf8(pair).unwrap();
            let (name, value) = text.split_once('=').unwrap_or((text, ""));
            let decode = |s: &str| {
                percent_encoding::percent_decode_str(&s.replace('+', " "))
                    .decode_utf8_lossy()
                    .into_owned()
            };
            let (name, value) = (decode(name), decode(value));
            if name == "sig" {
                sig = Some(value);
            } else {
                params.insert(&name, value.as_str()).unwrap();
            }
        }
        let endpoint = uid2::gigya::Endpoint::parse(url).unwrap();
        let expected = uid2::gigya::calc_signature(
            &uid2::gigya::base_string("POST", &endpoint, &params),
            &secret,
        );
        if sig.as_deref() == Some(expected.as_str()) {
            Reply::json(200, r#"{"errorCode":0,"statusCode":200,"callId":"ok"}"#)
        } else {
            Reply::json(
                200,
                r#"{"errorCode":400006,"errorMessage":"Invalid parameter value","statusCode":400,"callId":"bad-sig"}"#,
            )
        }
    })
}

/// Changes one byte of the `status` parameter on the way, after signing.
struct Tamper(Redirect);

impl Transport for Tamper {
    fn post(
        &self,
        url: &str,
        headers: &[Header<'_>],
        body: &[u8],
        timeout: Duration,
        max_response_bytes: usize,
    ) -> Result<HttpResponse, TransportError> {
        let text = String::from_utf8_lossy(body).replace("status=I%20feel", "status=I%20fool");
        self.0
            .post(url, headers, text.as_bytes(), timeout, max_response_bytes)
    }
}

#[test]
fn gigya_requests_pass_a_signature_checking_server_and_tampering_is_caught() {
    const SECRET: &str = "UnVzdC1HaWd5YS1wYXJ0bmVyLXNlY3JldC0wMDAx";
    const URL: &str = "https://socialize.eu1.gigya.com/socialize.setStatus";
    let server = verifying_server(SECRET, URL);
    let redirect = || Redirect {
        inner: UreqTransport::new(Duration::from_secs(2), "test", 1 << 20, false),
        base: server.base_url(),
        urls: Arc::new(Mutex::new(Vec::new())),
    };
    let config = || {
        GigyaConfig::new(Credentials::partner_secret(
            "3_key",
            GigyaSecret::from_base64(SECRET).unwrap(),
        ))
        .with_api_domain("eu1.gigya.com")
    };
    let mut params = Params::new();
    params
        .insert("uid", "9d0b4a6b2f2b4d0e8f6f1a2b3c4d5e6f")
        .unwrap();
    params
        .insert("status", "I feel great & ready: 100%")
        .unwrap();

    let client = GigyaClient::with_transport(config(), redirect());
    let response = client.send("socialize.setStatus", &params).unwrap();
    assert!(
        response.is_success(),
        "the server rejected the signature: {:?}",
        response.get_str("callId")
    );

    let client = GigyaClient::with_transport(config(), Tamper(redirect()));
    let response = client.send("socialize.setStatus", &params).unwrap();
    assert_eq!(
        response.error_code(),
        400_006,
        "a changed parameter must fail the signature check"
    );
}
