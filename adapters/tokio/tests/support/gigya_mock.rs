//! A loopback stand-in for a Gigya data center on `eu1.gigya.com`: checks every request's
//! signature with the core (HMAC-SHA1 of the base string under the partner secret, as Gigya
//! does) and answers 400006 when it does not match; otherwise success, or once 403002 ("Request
//! has expired") with a `Date` header ten minutes ahead.
#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::arithmetic_side_effects,
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    reason = "test support code: a panic is a test failure"
)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// The partner secret the mock verifies signatures with.
pub const SECRET: &str = "UnVzdC1HaWd5YS1wYXJ0bmVyLXNlY3JldC0wMDAx";

#[derive(Debug, Default)]
pub struct State {
    skew_once: AtomicBool,
    bad_signatures: std::sync::atomic::AtomicUsize,
    calls: Mutex<HashMap<String, usize>>,
}

impl State {
    /// The next call fails with 403002 and a `Date` ten minutes ahead.
    pub fn skew_once(&self) {
        self.skew_once.store(true, Ordering::SeqCst);
    }

    /// Requests whose signature did not verify.
    pub fn bad_signatures(&self) -> usize {
        self.bad_signatures.load(Ordering::SeqCst)
    }

    /// Calls received for `path`.
    pub fn count(&self, path: &str) -> usize {
        self.calls.lock().unwrap().get(path).copied().unwrap_or(0)
    }
}

/// A running mock; stops when dropped.
pub struct GigyaMock {
    pub addr: SocketAddr,
    pub state: Arc<State>,
    task: JoinHandle<()>,
}

impl Drop for GigyaMock {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl GigyaMock {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(State::default());
        let shared = Arc::clone(&state);
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let state = Arc::clone(&shared);
                tokio::spawn(async move {
                    let service =
                        hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                            let state = Arc::clone(&state);
                            async move {
                                use http_body_util::BodyExt as _;
                                let path = req.uri().path().to_owned();
                                let body = req
                                    .into_body()
                                    .collect()
                                    .await
                                    .map(|b| b.to_bytes())
                                    .unwrap_or_default();
                                Ok::<_, std::convert::Infallible>(answer(&state, &path, &body))
                            }
                        });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Self { addr, state, task }
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

/// Whether `body` (a signed form) carries a valid `sig` for `path` on `eu1.gigya.com`.
fn signature_ok(path: &str, body: &[u8]) -> bool {
    use uid2::gigya::{Endpoint, GigyaSecret, Params, base_string, calc_signature};
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(&s.replace('+', " "))
            .decode_utf8_lossy()
            .into_owned()
    };
    let mut params = Params::new();
    let mut sig = None;
    for pair in String::from_utf8_lossy(body).split('&') {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let (name, value) = (decode(name), decode(value));
        if name == "sig" {
            sig = Some(value);
        } else if params.insert(&name, value.as_str()).is_err() {
            return false;
        }
    }
    let namespace = path
        .trim_start_matches('/')
        .split('.')
        .next()
        .unwrap_or_default();
    let Ok(endpoint) = Endpoint::parse(&format!("https://{namespace}.eu1.gigya.com{path}")) else {
        return false;
    };
    let secret = GigyaSecret::from_base64(SECRET).unwrap();
    sig.as_deref()
        == Some(calc_signature(&base_string("POST", &endpoint, &params), &secret).as_str())
}

fn answer(state: &State, path: &str, body: &[u8]) -> Response<Full<Bytes>> {
    *state
        .calls
        .lock()
        .unwrap()
        .entry(path.to_owned())
        .or_default() += 1;
    let builder = Response::builder()
        .status(200)
        .header("Content-Type", "application/json");
    if !signature_ok(path, body) {
        state.bad_signatures.fetch_add(1, Ordering::SeqCst);
        return builder
            .body(Full::new(Bytes::from_static(
                br#"{"errorCode":400006,"errorMessage":"Invalid parameter value","statusCode":400}"#,
            )))
            .unwrap();
    }
    if state.skew_once.swap(false, Ordering::SeqCst) {
        #[expect(
            clippy::disallowed_methods,
            reason = "the mock stands in for a live server"
        )]
        let ahead = std::time::SystemTime::now() + Duration::from_secs(600);
        return builder
            .header("Date", httpdate::fmt_http_date(ahead))
            .body(Full::new(Bytes::from_static(
                br#"{"errorCode":403002,"errorMessage":"Request has expired","statusCode":403}"#,
            )))
            .unwrap();
    }
    builder
        .body(Full::new(Bytes::from_static(
            br#"{"errorCode":0,"statusCode":200,"callId":"c0ffee","UID":"mock-user"}"#,
        )))
        .unwrap()
}
