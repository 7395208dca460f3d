//! A minimal loopback server for the tests the local operator cannot serve (Gigya, key sets
//! that change on every refresh): a `std::net::TcpListener` on `127.0.0.1:0`, one thread per
//! connection, one request per connection. Its key endpoints open request envelopes and seal
//! replies with the core's operator side (`uid2::server`). Every wait is bounded.

#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::as_conversions,
    clippy::cast_possible_truncation,
    clippy::panic,
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    clippy::disallowed_methods,
    clippy::missing_panics_doc,
    reason = "test support code: a failed expectation panics, and the mock reads the clock"
)]

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use uid2::key::KeyParams;
use uid2::token::{TokenBuilder, TokenVersion};
use uid2::{Key, Secret, Timestamp, server};
use uid2_blocking::{ClientConfig, OsRandom};

pub const API_KEY: &str = "UID2-C-L-999-mockkey";
pub const SECRET_B64: &str = "ioG3wKxAokmp+rERx6A4kM/13qhyolUXIu14WN16Spo=";
pub const RAW_UID_A: &str = "ywsvDNINiZOVSsfkHpLpSJzXzhr6Jx9Z/4Q0+lsEUvM=";
pub const RAW_UID_B: &str = "AdbtX79x6hPf3bppOU0ItRZF9ngIF9YMBCNdetwfqhj7";
pub const SITE_ID: i32 = 9000;
pub const DOMAIN: &str = "example.com";

// ---------------------------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------------------------

/// One received request.
#[derive(Debug, Clone)]
pub struct Request {
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What the server does with a request.
#[derive(Debug, Clone)]
pub enum Reply {
    Http {
        status: u16,
        content_type: &'static str,
        body: Vec<u8>,
        date: Option<String>,
    },
    /// Read the request, then say nothing for this long and close.
    Hang(Duration),
    /// Close the connection without answering.
    Close,
}

impl Reply {
    pub fn json(status: u16, body: &str) -> Self {
        Self::Http {
            status,
            content_type: "application/json",
            body: body.as_bytes().to_vec(),
            date: None,
        }
    }

    pub fn text(status: u16, body: &[u8]) -> Self {
        Self::Http {
            status,
            content_type: "text/plain",
            body: body.to_vec(),
            date: None,
        }
    }
}

type Handler = dyn Fn(&Request) -> Reply + Send + Sync;

/// A loopback HTTP server; stops (and joins its accept thread) on drop.
pub struct Server {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    pub fn start(handler: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let handler: Arc<Handler> = Arc::new(handler);
        let stop2 = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(stream) = stream else { continue };
                let handler = Arc::clone(&handler);
                std::thread::spawn(move || serve(stream, &*handler));
            }
        });
        Self {
            addr,
            stop,
            thread: Some(thread),
        }
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A base URL on which nothing listens (connection refused).
pub fn dead_base_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}")
}

fn serve(mut stream: TcpStream, handler: &Handler) {
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let Some(request) = read_request(&mut stream) else {
        return;
    };
    match handler(&request) {
        Reply::Http {
            status,
            content_type,
            body,
            date,
        } => {
            let mut head = format!(
                "HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n",
                body.len()
            );
            if let Some(date) = date {
                head.push_str(&format!("Date: {date}\r\n"));
            }
            head.push_str("\r\n");
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
            let _ = stream.flush();
        }
        Reply::Hang(d) => std::thread::sleep(d),
        Reply::Close => {}
    }
}

fn read_request(stream: &mut TcpStream) -> Option<Request> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let request_line = lines.next()?;
    let path = request_line.split(' ').nth(1)?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let len: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[head_end..].to_vec();
    while body.len() < len {
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some(Request {
        path,
        headers,
        body,
    })
}

pub fn now_ms() -> i64 {
    Timestamp::from(SystemTime::now()).as_millis()
}

// ---------------------------------------------------------------------------------------------
// Keys and tokens
// ---------------------------------------------------------------------------------------------

pub fn key(id: i64, keyset_id: Option<i64>, byte: u8) -> Key {
    let now = now_ms();
    Key::new(
        KeyParams {
            id,
            keyset_id,
            site_id: None,
            created: Timestamp::from_millis(now - 3_600_000),
            activates: Timestamp::from_millis(now - 3_600_000),
            expires: Timestamp::from_millis(now + 86_400_000),
        },
        Secret::new([byte; 32]),
    )
    .unwrap()
}

fn key_json(id: i64, keyset_id: Option<i64>, byte: u8) -> Value {
    let now = now_ms() / 1000;
    let mut k = json!({
        "id": id, "created": now - 3600, "activates": now - 3600, "expires": now + 86_400,
        "secret": STANDARD.encode([byte; 32]),
    });
    if let Some(ks) = keyset_id {
        k["keyset_id"] = json!(ks);
    }
    k
}

/// A bidstream key set: master key 1, site key 2, and `extra` further keys (ids 100..).
pub fn bidstream_doc(generation: u32, extra: u32) -> String {
    let mut keys = vec![key_json(1, None, 1), key_json(2, None, 2)];
    for i in 0..extra {
        keys.push(key_json(
            100 + i64::from(generation) * 10 + i64::from(i),
            None,
            (50 + generation + i) as u8,
        ));
    }
    json!({"status":"success","body":{
        "identity_scope":"UID2","allow_clock_skew_seconds":1800,
        "max_bidstream_lifetime_seconds":259_200,
        "keys": keys,
        "site_data":[{"id":SITE_ID,"domain_names":[DOMAIN]}]}})
    .to_string()
}

/// A sharing key set: master keyset 1 (key 1), default keyset 99999 (key 2).
pub fn sharing_doc() -> String {
    json!({"status":"success","body":{
        "caller_site_id":SITE_ID,"master_keyset_id":1,"default_keyset_id":99999,
        "token_expiry_seconds":"2592000","identity_scope":"UID2",
        "max_sharing_lifetime_seconds":2_592_010,
        "keys":[key_json(1, Some(1), 1), key_json(2, Some(99_999), 2)]}})
    .to_string()
}

/// A v4 advertising token for `raw_uid`, sealed with keys 1 and 2.
pub fn token_for(raw_uid: &str) -> String {
    let master = key(1, None, 1);
    let site = key(2, None, 2);
    TokenBuilder::new(
        TokenVersion::V4,
        raw_uid,
        &master,
        &site,
        Timestamp::from_millis(now_ms()),
    )
    .build(&mut OsRandom)
    .unwrap()
    .to_string()
}

// ---------------------------------------------------------------------------------------------
// The key endpoints
// ---------------------------------------------------------------------------------------------

/// Serves `/v2/key/bidstream` and `/v2/key/sharing` with whatever key-set document it holds.
pub struct MockOperator {
    key_doc: Mutex<String>,
    pub requests: AtomicUsize,
    pub generation: AtomicU64,
}

impl MockOperator {
    pub fn new(key_doc: String) -> Arc<Self> {
        Arc::new(Self {
            key_doc: Mutex::new(key_doc),
            requests: AtomicUsize::new(0),
            generation: AtomicU64::new(0),
        })
    }

    /// Starts a server answering as this operator.
    pub fn serve(self: &Arc<Self>) -> Server {
        let me = Arc::clone(self);
        Server::start(move |r| me.handle(r))
    }

    pub fn set_key_doc(&self, doc: String) {
        *self.key_doc.lock().unwrap() = doc;
    }

    pub fn handle(&self, request: &Request) -> Reply {
        self.requests.fetch_add(1, Ordering::SeqCst);
        if request.header("authorization") != Some(&format!("Bearer {API_KEY}")) {
            return Reply::json(401, r#"{"status":"unauthorized"}"#);
        }
        if !matches!(
            request.path.as_str(),
            "/v2/key/bidstream" | "/v2/key/sharing"
        ) {
            return Reply::json(404, r#"{"status":"unknown","message":"no route"}"#);
        }
        let secret = Secret::<32>::from_base64(SECRET_B64).unwrap();
        let Ok(opened) =
            server::open_request(&secret, request.header("content-type"), &request.body)
        else {
            return Reply::json(400, r#"{"status":"client_error","message":"bad envelope"}"#);
        };
        self.generation.fetch_add(1, Ordering::SeqCst);
        let doc = self.key_doc.lock().unwrap().clone();
        let now = Timestamp::from_millis(now_ms());
        let body = opened
            .seal_response(&secret, now, doc.as_bytes(), &mut OsRandom)
            .unwrap();
        Reply::text(200, &body)
    }
}

/// A client configuration for `base_url` with the mock credentials and short timeouts.
pub fn config(base_url: &str) -> ClientConfig {
    ClientConfig::new(base_url, API_KEY, SECRET_B64)
        .unwrap()
        .with_connect_timeout(Duration::from_secs(2))
        .with_timeout(Duration::from_secs(5))
}
