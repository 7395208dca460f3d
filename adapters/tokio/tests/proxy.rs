//! The default transport through an HTTP proxy: a `CONNECT` tunnel to the operator, basic
//! authentication to the proxy, a proxy that refuses, and invalid proxy URLs.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    reason = "test code: a panic is a test failure"
)]

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use support::{config, operator};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use uid2::operator::TokenGenerateRequest;
use uid2_tokio::{EnvProxy, Error, HyperTransport, PublisherClient, TransportErrorKind};

const BOUND: Duration = Duration::from_secs(60);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
const MAX_BODY: usize = 1 << 20;

/// What the proxy answers to a `CONNECT`.
#[derive(Clone, Copy)]
enum Answer {
    /// Tunnel to the requested host and port.
    Tunnel,
    /// `407 Proxy Authentication Required`.
    Refuse,
}

/// A minimal HTTP proxy on 127.0.0.1 that records the head of every `CONNECT` request.
struct Proxy {
    url: String,
    requests: Arc<Mutex<Vec<String>>>,
}

impl Proxy {
    async fn start(answer: Answer) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&requests);
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(serve(client, answer, Arc::clone(&seen)));
            }
        });
        Self { url, requests }
    }

    fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

async fn serve(mut client: TcpStream, answer: Answer, seen: Arc<Mutex<Vec<String>>>) {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if client.read_exact(&mut byte).await.is_err() {
            return;
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8(head).unwrap();
    seen.lock().unwrap().push(head.clone());
    let target = head
        .strip_prefix("CONNECT ")
        .and_then(|rest| rest.split(' ').next())
        .unwrap()
        .to_owned();
    match answer {
        Answer::Refuse => {
            let _ = client
                .write_all(
                    b"HTTP/1.1 407 Proxy Authentication Required\r\ncontent-length: 0\r\n\r\n",
                )
                .await;
        }
        Answer::Tunnel => {
            let Ok(mut upstream) = TcpStream::connect(&target).await else {
                return;
            };
            if client
                .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                .await
                .is_ok()
            {
                let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_tunnel_through_the_proxy_with_basic_auth() {
    tokio::time::timeout(BOUND, async {
        let op = operator().await;
        let proxy = Proxy::start(Answer::Tunnel).await;
        let with_user = proxy.url.replace("http://", "http://user:pa%20ss@");
        let transport = HyperTransport::with_proxy(CONNECT_TIMEOUT, MAX_BODY, &with_user).unwrap();
        let publisher = PublisherClient::with_transport(config(&op), transport);
        let identity = publisher
            .generate_token(TokenGenerateRequest::from_email("proxy@example.com").unwrap())
            .await
            .unwrap();
        assert!(identity.identity().is_some());

        let requests = proxy.requests();
        assert_eq!(requests.len(), 1, "one pooled connection: {requests:?}");
        let authority = op.addr().to_string();
        assert!(
            requests[0].starts_with(&format!("CONNECT {authority} HTTP/1.1\r\n")),
            "{requests:?}"
        );
        // base64("user:pa ss")
        assert!(
            requests[0]
                .to_ascii_lowercase()
                .contains("proxy-authorization: basic dxnlcjpwysbzcw=="),
            "{requests:?}"
        );
    })
    .await
    .unwrap();
}

/// An environment proxy (`HTTPS_PROXY`, `NO_PROXY`) as both adapters read it.
fn env_proxy(vars: &[(&str, &str)]) -> Option<EnvProxy> {
    EnvProxy::from_lookup(|name| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| (*v).to_owned())
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_environment_proxy_carries_https_only() {
    tokio::time::timeout(BOUND, async {
        let op = operator().await;
        let proxy = Proxy::start(Answer::Refuse).await;
        let from_env = env_proxy(&[("HTTPS_PROXY", &proxy.url)]);
        let transport =
            HyperTransport::with_env_proxy(CONNECT_TIMEOUT, MAX_BODY, from_env.clone()).unwrap();
        // Plain http (the local operator) goes direct.
        let publisher = PublisherClient::with_transport(config(&op), transport.clone());
        publisher
            .generate_token(TokenGenerateRequest::from_email("direct@example.com").unwrap())
            .await
            .unwrap();
        assert!(proxy.requests().is_empty(), "{:?}", proxy.requests());
        // https goes to the proxy (which refuses here).
        let url = format!("https://{}/v2/token/generate", op.addr());
        let err = uid2_tokio::Transport::post(&transport, &url, &[], Vec::new(), usize::MAX)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), TransportErrorKind::Connect, "{err:?}");
        assert_eq!(proxy.requests().len(), 1);
        assert!(proxy.requests()[0].starts_with(&format!("CONNECT {} ", op.addr())));
        // ... unless NO_PROXY names the host.
        let no_proxy = env_proxy(&[("HTTPS_PROXY", &proxy.url), ("NO_PROXY", "127.0.0.1")]);
        let direct = HyperTransport::with_env_proxy(CONNECT_TIMEOUT, MAX_BODY, no_proxy).unwrap();
        let _ = uid2_tokio::Transport::post(&direct, &url, &[], Vec::new(), usize::MAX).await;
        assert_eq!(proxy.requests().len(), 1, "NO_PROXY host went to the proxy");
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusing_proxy_is_a_connect_error() {
    tokio::time::timeout(BOUND, async {
        let op = operator().await;
        let proxy = Proxy::start(Answer::Refuse).await;
        let transport = HyperTransport::with_proxy(CONNECT_TIMEOUT, MAX_BODY, &proxy.url).unwrap();
        let publisher = PublisherClient::with_transport(config(&op), transport);
        let err = publisher
            .generate_token(TokenGenerateRequest::from_email("proxy@example.com").unwrap())
            .await
            .unwrap_err();
        assert_eq!(
            err.transport_kind(),
            Some(TransportErrorKind::Connect),
            "{err:?}"
        );
        assert_eq!(proxy.requests().len(), 1);
        assert_eq!(op.request_count("/v2/token/generate"), 0);
    })
    .await
    .unwrap();
}

#[test]
fn proxy_urls_must_be_http_with_a_host() {
    for bad in [
        "",
        "not a url",
        "https://proxy.example:8443",
        "socks5://127.0.0.1:1080",
        "/path",
    ] {
        let err = HyperTransport::with_proxy(CONNECT_TIMEOUT, MAX_BODY, bad).unwrap_err();
        assert!(matches!(err, Error::InvalidConfig { .. }), "{bad}: {err:?}");
    }
}
