//! A loopback stand-in for a Gigya data center: answers any method with success, or once with
//! 403002 ("Request has expired") and a `Date` header ten minutes ahead.
#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
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

#[derive(Debug, Default)]
pub struct State {
    skew_once: AtomicBool,
    calls: Mutex<HashMap<String, usize>>,
}

impl State {
    /// The next call fails with 403002 and a `Date` ten minutes ahead.
    pub fn skew_once(&self) {
        self.skew_once.store(true, Ordering::SeqCst);
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
                    let service = hyper::service::service_fn(move |req: Request<_>| {
                        let state = Arc::clone(&state);
                        async move {
                            Ok::<_, std::convert::Infallible>(answer(&state, req.uri().path()))
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

fn answer(state: &State, path: &str) -> Response<Full<Bytes>> {
    *state
        .calls
        .lock()
        .unwrap()
        .entry(path.to_owned())
        .or_default() += 1;
    let builder = Response::builder()
        .status(200)
        .header("Content-Type", "application/json");
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
