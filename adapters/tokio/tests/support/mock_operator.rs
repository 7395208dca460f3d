//! A loopback mock of the UID2 operator (and of a Gigya endpoint) for tests and examples.
//!
//! It opens request envelopes and seals replies exactly as the operator does (AES-256-GCM under
//! the client secret, nonce echoed), serves key sets, issues real advertising tokens, maps
//! identities deterministically, and can be told to misbehave: any HTTP status, a hang, a
//! garbage body, a reply to another request (wrong nonce), or a dropped connection.
#![allow(
    dead_code,
    unreachable_pub,
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::as_conversions,
    clippy::cast_possible_truncation,
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    clippy::missing_errors_doc,
    reason = "test support code: a panic is a test failure"
)]

use std::collections::{HashMap, HashSet, VecDeque};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aes_gcm::aead::{AeadInOut as _, KeyInit as _};
use aes_gcm::{Aes256Gcm, Tag};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http_body_util::{BodyExt as _, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use uid2::key::KeyParams;
use uid2::random::ReplayRandom;
use uid2::token::{TokenBuilder, TokenVersion};
use uid2::{Key, Secret, Timestamp};

/// The API key and secret the mock accepts.
pub const API_KEY: &str = "UID2-C-L-999-mockKey.operator+local==";
pub const SECRET: &str = "ioG3wKxAokmp+rERx6A4kM/13qhyolUXIu14WN16Spo=";
/// The site whose domain the bidstream key set lists.
pub const SITE_ID: i32 = 9000;
pub const SITE_DOMAIN: &str = "example.com";
/// Inputs the mock treats as opted out.
pub const OPTOUT_EMAIL: &str = "optout@example.com";

const MASTER_KEY_ID: i64 = 164;
const SITE_KEY_ID: i64 = 165;
const MASTER_SECRET: [u8; 32] = [0x11; 32];
const SITE_SECRET: [u8; 32] = [0x22; 32];

/// How the mock answers a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// As the operator would.
    Normal,
    /// This HTTP status with a body like the operator's or its infrastructure's.
    Status(u16),
    /// Never answers.
    Hang,
    /// HTTP 200 with a body that is not an envelope.
    Garbage,
    /// A correctly sealed reply that echoes another nonce.
    WrongNonce,
    /// Closes the connection without answering.
    Drop,
}

pub fn wall_now() -> Timestamp {
    #[expect(
        clippy::disallowed_methods,
        reason = "the mock stands in for a live server"
    )]
    Timestamp::from(std::time::SystemTime::now())
}

#[derive(Debug)]
pub struct State {
    secret: [u8; 32],
    mode: Mutex<Mode>,
    script: Mutex<VecDeque<Mode>>,
    requests: Mutex<HashMap<String, usize>>,
    total: AtomicUsize,
    generation: AtomicU64,
    iv_counter: AtomicU64,
    refresh_tokens: Mutex<HashMap<String, (String, [u8; 32])>>,
    optout_hashes: HashSet<String>,
    optout_uids: Mutex<HashSet<String>>,
    gigya_skew_once: Mutex<bool>,
}

impl State {
    /// Answers every later request in `mode`.
    pub fn set_mode(&self, mode: Mode) {
        *self.mode.lock().unwrap() = mode;
    }

    /// Answers the next requests in these modes, then falls back to the default mode.
    pub fn script(&self, modes: &[Mode]) {
        self.script.lock().unwrap().extend(modes.iter().copied());
    }

    /// How many requests reached `path`.
    pub fn count(&self, path: &str) -> usize {
        self.requests
            .lock()
            .unwrap()
            .get(path)
            .copied()
            .unwrap_or(0)
    }

    /// How many requests arrived in all.
    pub fn total(&self) -> usize {
        self.total.load(Ordering::SeqCst)
    }

    /// How many key sets were served.
    pub fn key_sets_served(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Makes the next Gigya call fail with 403002 and a `Date` 10 minutes ahead.
    pub fn gigya_skew_once(&self) {
        *self.gigya_skew_once.lock().unwrap() = true;
    }

    fn next_mode(&self) -> Mode {
        self.script
            .lock()
            .unwrap()
            .pop_front()
            .unwrap_or(*self.mode.lock().unwrap())
    }

    fn next_iv(&self) -> [u8; 12] {
        let n = self.iv_counter.fetch_add(1, Ordering::SeqCst);
        let mut iv = [7u8; 12];
        iv[4..].copy_from_slice(&n.to_be_bytes());
        iv
    }
}

/// A running mock; it stops when dropped.
pub struct MockOperator {
    pub addr: SocketAddr,
    pub state: Arc<State>,
    task: JoinHandle<()>,
}

impl Drop for MockOperator {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl MockOperator {
    /// Starts a mock on `127.0.0.1:0`.
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        Self::serve(listener)
    }

    /// Starts a mock on a given address (to bring an operator back on the same port).
    pub async fn start_on(addr: SocketAddr) -> Self {
        let listener = TcpListener::bind(addr).await.unwrap();
        Self::serve(listener)
    }

    fn serve(listener: TcpListener) -> Self {
        let addr = listener.local_addr().unwrap();
        let secret: [u8; 32] = STANDARD.decode(SECRET).unwrap().try_into().unwrap();
        let optout_hashes = [uid2::identity::hash_email(OPTOUT_EMAIL)
            .unwrap()
            .as_str()
            .to_owned()]
        .into_iter()
        .collect();
        let state = Arc::new(State {
            secret,
            mode: Mutex::new(Mode::Normal),
            script: Mutex::new(VecDeque::new()),
            requests: Mutex::new(HashMap::new()),
            total: AtomicUsize::new(0),
            generation: AtomicU64::new(0),
            iv_counter: AtomicU64::new(0),
            refresh_tokens: Mutex::new(HashMap::new()),
            optout_hashes,
            optout_uids: Mutex::new(HashSet::new()),
            gigya_skew_once: Mutex::new(false),
        });
        let shared = Arc::clone(&state);
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let state = Arc::clone(&shared);
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req| {
                        let state = Arc::clone(&state);
                        async move { handle(&state, req).await }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Self { addr, state, task }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

/// The mock's master and site keys (for building tokens in tests).
pub fn keys(now: Timestamp) -> (Key, Key) {
    let params = |id| KeyParams {
        id,
        keyset_id: None,
        site_id: None,
        created: now.saturating_sub_millis(3_600_000),
        activates: now.saturating_sub_millis(3_600_000),
        expires: now.saturating_add_millis(30 * 86_400_000),
    };
    (
        Key::new(params(MASTER_KEY_ID), Secret::new(MASTER_SECRET)),
        Key::new(params(SITE_KEY_ID), Secret::new(SITE_SECRET)),
    )
}

/// A deterministic raw UID2 for a hash (standard base64 of 32 bytes).
pub fn raw_uid_for(hash: &str) -> String {
    STANDARD.encode(Sha256::digest(format!("mock-uid:{hash}").as_bytes()))
}

type Reply = Response<Full<Bytes>>;

fn reply(status: u16, content_type: &str, body: impl Into<Bytes>) -> Reply {
    Response::builder()
        .status(status)
        .header("Content-Type", content_type)
        .body(Full::new(body.into()))
        .unwrap()
}

async fn handle(state: &State, req: Request<Incoming>) -> Result<Reply, std::io::Error> {
    let path = req.uri().path().to_owned();
    *state
        .requests
        .lock()
        .unwrap()
        .entry(path.clone())
        .or_default() += 1;
    state.total.fetch_add(1, Ordering::SeqCst);
    let binary = req
        .headers()
        .get("content-type")
        .is_some_and(|v| v.as_bytes() == b"application/octet-stream");
    let authorized = req
        .headers()
        .get("authorization")
        .is_some_and(|v| v.as_bytes() == format!("Bearer {API_KEY}").as_bytes());
    let body = req.into_body().collect().await.unwrap().to_bytes();

    if !path.starts_with("/v2/") && !path.starts_with("/v3/") {
        return Ok(gigya(state));
    }
    match state.next_mode() {
        Mode::Normal => {}
        Mode::Status(401) => {
            return Ok(reply(
                401,
                "application/json",
                r#"{"status":"unauthorized"}"#,
            ));
        }
        Mode::Status(429) => return Ok(reply(429, "text/plain", "")),
        Mode::Status(s) if s >= 500 => {
            return Ok(reply(s, "text/plain", "Internal Server Error"));
        }
        Mode::Status(s) => {
            return Ok(reply(
                s,
                "application/json",
                r#"{"status":"client_error","message":"mock error"}"#,
            ));
        }
        Mode::Hang => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            return Ok(reply(500, "text/plain", ""));
        }
        Mode::Garbage => return Ok(reply(200, "text/plain", "<html>this is not it</html>")),
        Mode::Drop => return Err(std::io::Error::other("dropped by the mock")),
        Mode::WrongNonce => {
            let document = br#"{"status":"success","body":{}}"#;
            return Ok(seal_reply(state, [0xEE; 8], document, false));
        }
    }
    if !authorized && path != "/v2/token/refresh" {
        return Ok(reply(
            401,
            "application/json",
            r#"{"status":"unauthorized"}"#,
        ));
    }
    if path == "/v2/token/refresh" {
        return Ok(refresh(state, &body));
    }
    let envelope = if binary {
        body.to_vec()
    } else {
        match STANDARD.decode(body.as_ref()) {
            Ok(b) => b,
            Err(_) => {
                return Ok(reply(
                    400,
                    "application/json",
                    r#"{"status":"client_error","message":"Request body is not a valid base64 string"}"#,
                ));
            }
        }
    };
    let Some((nonce, payload)) = open_request(&state.secret, &envelope) else {
        return Ok(reply(
            400,
            "application/json",
            r#"{"status":"client_error","message":"Invalid envelope"}"#,
        ));
    };
    let payload: Value = serde_json::from_slice(&payload).unwrap_or(Value::Null);
    let now = wall_now();
    let document = match path.as_str() {
        "/v2/token/generate" => generate(state, &payload, now),
        "/v3/identity/map" => map_v3(state, &payload, now),
        "/v2/identity/map" => map_v2(state, &payload),
        "/v2/identity/buckets" => json!({"status":"success","body":[
            {"bucket_id":"a30od4mNRd","last_updated":"2024-08-19T22:52:03.109"}]}),
        "/v2/optout/status" => optout_status(state, &payload, now),
        "/v2/key/bidstream" | "/v2/key/sharing" => key_set(state, now),
        _ => {
            return Ok(reply(404, "text/plain", "Not Found"));
        }
    };
    Ok(seal_reply(
        state,
        nonce,
        document.to_string().as_bytes(),
        binary,
    ))
}

fn open_request(secret: &[u8; 32], envelope: &[u8]) -> Option<([u8; 8], Vec<u8>)> {
    if envelope.len() < 45 || envelope[0] != 1 {
        return None;
    }
    let iv: [u8; 12] = envelope[1..13].try_into().ok()?;
    let mut body = envelope[13..envelope.len() - 16].to_vec();
    let tag = Tag::try_from(&envelope[envelope.len() - 16..]).ok()?;
    Aes256Gcm::new(&(*secret).into())
        .decrypt_inout_detached(&iv.into(), &[], body.as_mut_slice().into(), &tag)
        .ok()?;
    let nonce = body[8..16].try_into().ok()?;
    Some((nonce, body[16..].to_vec()))
}

fn gcm_seal(key: &[u8; 32], iv: [u8; 12], plaintext: &[u8]) -> Vec<u8> {
    let mut buf = plaintext.to_vec();
    let tag = Aes256Gcm::new(&(*key).into())
        .encrypt_inout_detached(&iv.into(), &[], buf.as_mut_slice().into())
        .unwrap();
    [&iv[..], &buf, &tag[..]].concat()
}

fn seal_reply(state: &State, nonce: [u8; 8], document: &[u8], binary: bool) -> Reply {
    let ts = wall_now().as_millis().to_be_bytes();
    let plaintext = [&ts[..], &nonce[..], document].concat();
    let blob = gcm_seal(&state.secret, state.next_iv(), &plaintext);
    if binary {
        reply(200, "application/octet-stream", blob)
    } else {
        reply(200, "text/plain", STANDARD.encode(blob))
    }
}

fn identity(state: &State, raw_uid: &str, now: Timestamp) -> Value {
    let (master, site) = keys(now);
    let nonces = [9u8; 24];
    let token = TokenBuilder::new(TokenVersion::V4, raw_uid, &master, &site, now)
        .site_id(SITE_ID)
        .build(&mut ReplayRandom::new(&nonces))
        .unwrap();
    let n = state.iv_counter.fetch_add(1, Ordering::SeqCst);
    let refresh_token = format!("MOCKRT{n:08}");
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&n.to_be_bytes());
    key[8..].copy_from_slice(&Sha256::digest(raw_uid.as_bytes())[..24]);
    state
        .refresh_tokens
        .lock()
        .unwrap()
        .insert(refresh_token.clone(), (raw_uid.to_owned(), key));
    let ms = now.as_millis();
    json!({
        "advertising_token": token.as_str(),
        "refresh_token": refresh_token,
        "identity_expires": ms + 3_600_000,
        "refresh_expires": ms + 86_400_000,
        "refresh_from": ms + 1_800_000,
        "refresh_response_key": STANDARD.encode(key),
    })
}

fn generate(state: &State, payload: &Value, now: Timestamp) -> Value {
    let hash = payload
        .get("email_hash")
        .or_else(|| payload.get("phone_hash"))
        .and_then(Value::as_str)
        .unwrap_or("");
    if state.optout_hashes.contains(hash) {
        return json!({"status":"optout"});
    }
    json!({"status":"success","body": identity(state, &raw_uid_for(hash), now)})
}

fn refresh(state: &State, body: &[u8]) -> Reply {
    let token = String::from_utf8_lossy(body).trim().to_owned();
    let Some((raw_uid, key)) = state.refresh_tokens.lock().unwrap().get(&token).cloned() else {
        return reply(
            400,
            "application/json",
            r#"{"status":"invalid_token","message":"Invalid refresh token"}"#,
        );
    };
    let document = json!({"status":"success","body": identity(state, &raw_uid, wall_now())});
    let blob = gcm_seal(&key, state.next_iv(), document.to_string().as_bytes());
    reply(200, "text/plain", STANDARD.encode(blob))
}

fn map_v3(state: &State, payload: &Value, now: Timestamp) -> Value {
    let list = |name: &str| -> Vec<Value> {
        payload
            .get(name)
            .and_then(Value::as_array)
            .map(|hashes| {
                hashes
                    .iter()
                    .map(|h| {
                        let h = h.as_str().unwrap_or("");
                        if state.optout_hashes.contains(h) {
                            json!({"e":"optout"})
                        } else {
                            json!({"u": raw_uid_for(h), "p": null,
                                   "r": now.as_secs_floor() + 86_400})
                        }
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    json!({"status":"success","body":{"email_hash": list("email_hash"), "phone_hash": list("phone_hash")}})
}

fn map_v2(state: &State, payload: &Value) -> Value {
    let hashes: Vec<&str> = ["email_hash", "phone_hash"]
        .iter()
        .filter_map(|n| payload.get(*n).and_then(Value::as_array))
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let mapped: Vec<Value> = hashes
        .iter()
        .filter(|h| !state.optout_hashes.contains(**h))
        .map(|h| json!({"identifier": h, "advertising_id": raw_uid_for(h), "bucket_id": "a30od4mNRd"}))
        .collect();
    let unmapped: Vec<Value> = hashes
        .iter()
        .filter(|h| state.optout_hashes.contains(**h))
        .map(|h| json!({"identifier": h, "reason": "optout"}))
        .collect();
    json!({"status":"success","body":{"mapped": mapped, "unmapped": unmapped}})
}

fn optout_status(state: &State, payload: &Value, now: Timestamp) -> Value {
    let optout_uid = raw_uid_for(uid2::identity::hash_email(OPTOUT_EMAIL).unwrap().as_str());
    let opted: Vec<Value> = payload
        .get("advertising_ids")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter(|id| *id == optout_uid || state.optout_uids.lock().unwrap().contains(*id))
        .map(|id| json!({"advertising_id": id, "opted_out_since": now.as_millis() - 86_400_000}))
        .collect();
    json!({"status":"success","body":{"opted_out": opted}})
}

/// One key-set document serving both endpoints; every document adds a new unused key so that
/// each refresh yields a different key set.
fn key_set(state: &State, now: Timestamp) -> Value {
    let generation = state.generation.fetch_add(1, Ordering::SeqCst) + 1;
    let secs = now.as_secs_floor();
    let key = |id: i64, keyset: i64, secret: [u8; 32]| {
        json!({"id": id, "keyset_id": keyset, "created": secs - 3600, "activates": secs - 3600,
               "expires": secs + 30 * 86_400, "secret": STANDARD.encode(secret)})
    };
    let mut extra = [0u8; 32];
    extra[..8].copy_from_slice(&generation.to_be_bytes());
    json!({"status":"success","body":{
        "caller_site_id": SITE_ID, "master_keyset_id": 1, "default_keyset_id": 99999,
        "token_expiry_seconds": "2592000", "identity_scope": "UID2",
        "allow_clock_skew_seconds": 1800, "max_sharing_lifetime_seconds": 2_592_010,
        "max_bidstream_lifetime_seconds": 2_592_010,
        "keys": [key(MASTER_KEY_ID, 1, MASTER_SECRET), key(SITE_KEY_ID, 99999, SITE_SECRET),
                 key(1_000_000 + generation as i64, 4242, extra)],
        "site_data": [{"id": SITE_ID, "domain_names": [SITE_DOMAIN]}]}})
}

fn gigya(state: &State) -> Reply {
    let skew = std::mem::take(&mut *state.gigya_skew_once.lock().unwrap());
    if skew {
        #[expect(
            clippy::disallowed_methods,
            reason = "the mock stands in for a live server"
        )]
        let ahead = std::time::SystemTime::now() + Duration::from_secs(600);
        return Response::builder()
            .status(200)
            .header("Content-Type", "application/json")
            .header("Date", httpdate::fmt_http_date(ahead))
            .body(Full::new(Bytes::from_static(
                br#"{"errorCode":403002,"errorMessage":"Request has expired","statusCode":403}"#,
            )))
            .unwrap();
    }
    reply(
        200,
        "application/json",
        r#"{"errorCode":0,"statusCode":200,"callId":"c0ffee","UID":"mock-user"}"#,
    )
}

#[allow(dead_code, reason = "not every test binary uses it")]
fn _unused(_: Infallible) {}
