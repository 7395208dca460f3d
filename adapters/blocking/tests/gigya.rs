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
    ) -> Result<HttpResponse, TransportError> {
        self.urls.lock().unwrap().push(url.to_owned());
        let path = url.splitn(4, '/').nth(3).unwrap_or_default();
        self.inner
            .post(&format!("{}/{path}", self.base), headers, body, timeout)
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
