//! The default transport with a proxy from the environment: `https://` requests go through it
//! (a `CONNECT`), `http://` requests and `NO_PROXY` hosts go direct, and an unusable proxy URL
//! fails the request instead of going direct.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    reason = "test code: a failed expectation panics"
)]

mod common;

use std::io::{Read as _, Write as _};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use common::{Reply, Server};
use uid2_blocking::{EnvProxy, Transport as _, TransportErrorKind, UreqTransport};

const TIMEOUT: Duration = Duration::from_secs(10);

/// A proxy on 127.0.0.1 that records the head of each request and answers
/// `407 Proxy Authentication Required`.
struct RefusingProxy {
    url: String,
    heads: Arc<Mutex<Vec<String>>>,
}

impl RefusingProxy {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let heads = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&heads);
        thread::spawn(move || {
            for mut client in listener.incoming().flatten() {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    if client.read_exact(&mut byte).is_err() {
                        break;
                    }
                    head.push(byte[0]);
                }
                seen.lock()
                    .unwrap()
                    .push(String::from_utf8_lossy(&head).into_owned());
                let _ = client.write_all(
                    b"HTTP/1.1 407 Proxy Authentication Required\r\ncontent-length: 0\r\n\r\n",
                );
            }
        });
        Self { url, heads }
    }

    fn heads(&self) -> Vec<String> {
        self.heads.lock().unwrap().clone()
    }
}

fn env_proxy(vars: &[(&str, &str)]) -> Option<EnvProxy> {
    EnvProxy::from_lookup(|name| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| (*v).to_owned())
    })
}

fn transport(proxy: Option<EnvProxy>) -> UreqTransport {
    UreqTransport::with_env_proxy(Duration::from_secs(2), "uid2-test", 1 << 20, proxy)
}

#[test]
fn an_environment_proxy_carries_https_only() {
    let server = Server::start(|_| Reply::json(200, "{}"));
    let proxy = RefusingProxy::start();
    let through = transport(env_proxy(&[
        ("HTTPS_PROXY", &proxy.url),
        ("HTTP_PROXY", &proxy.url),
    ]));

    // Plain http (a local operator) goes direct, even with HTTP_PROXY set.
    let url = format!("{}/v2/token/generate", server.base_url());
    let reply = through.post(&url, &[], b"x", TIMEOUT, usize::MAX).unwrap();
    assert_eq!(reply.status, 200);
    assert!(proxy.heads().is_empty(), "{:?}", proxy.heads());

    // https goes to the proxy, which refuses here.
    let url = format!("https://{}/v2/token/generate", server.addr());
    let err = through
        .post(&url, &[], b"x", TIMEOUT, usize::MAX)
        .unwrap_err();
    assert_ne!(err.kind(), TransportErrorKind::InvalidRequest, "{err:?}");
    let heads = proxy.heads();
    assert_eq!(heads.len(), 1, "{heads:?}");
    assert!(
        heads[0].starts_with(&format!("CONNECT {} ", server.addr())),
        "{heads:?}"
    );

    // ... unless NO_PROXY names the host.
    let direct = transport(env_proxy(&[
        ("HTTPS_PROXY", &proxy.url),
        ("NO_PROXY", "localhost,127.0.0.1"),
    ]));
    let _ = direct.post(&url, &[], b"x", TIMEOUT, usize::MAX);
    assert_eq!(proxy.heads().len(), 1, "a NO_PROXY host went to the proxy");

    // Under CGI nothing is read.
    assert_eq!(
        env_proxy(&[("REQUEST_METHOD", "POST"), ("HTTPS_PROXY", &proxy.url)]),
        None
    );
}

#[test]
fn an_unusable_proxy_url_fails_https_requests_instead_of_going_direct() {
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&hits);
    let server = Server::start(move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
        Reply::json(200, "{}")
    });
    let broken = transport(env_proxy(&[("HTTPS_PROXY", "http://[::1")]));
    let url = format!("https://{}/v2/token/generate", server.addr());
    let err = broken
        .post(&url, &[], b"x", TIMEOUT, usize::MAX)
        .unwrap_err();
    assert_eq!(err.kind(), TransportErrorKind::InvalidRequest, "{err:?}");
    assert_eq!(hits.load(Ordering::SeqCst), 0);
    // http still goes direct.
    let url = format!("{}/v2/token/generate", server.base_url());
    assert_eq!(
        broken
            .post(&url, &[], b"x", TIMEOUT, usize::MAX)
            .unwrap()
            .status,
        200
    );
}
