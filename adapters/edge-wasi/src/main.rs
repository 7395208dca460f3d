//! `uid2-edge-wasi`: a CGI/WAGI program for `wasm32-wasip1` (it runs natively too).
//!
//! Environment: `QUERY_STRING` (the request's query), `UID2_KEYS_FILE` (a file holding the
//! decrypted key-set document of `/v2/key/bidstream`, kept fresh by whatever the platform uses
//! for configuration). The request body is read from standard input; the response is written
//! to standard output. See the library docs for the request and response shapes.

use std::io::{Read as _, Write as _};
use std::process::ExitCode;
use std::time::SystemTime;

use uid2::{KeySet, Timestamp};
use uid2_edge_wasi::{Request, handle};

/// Longest request body read (a token is at most 1,024 characters).
const MAX_BODY: u64 = 4096;

/// The wall clock of the host (WASI `clock_time_get`).
#[allow(
    clippy::disallowed_methods,
    reason = "the program is where time comes from; the core takes it as a parameter"
)]
fn now() -> Timestamp {
    Timestamp::from(SystemTime::now())
}

/// The key set from `UID2_KEYS_FILE`, or `None` (reported to the client as NOT_INITIALIZED and
/// to the host's log as the reason).
fn load_keys() -> Option<KeySet> {
    let Some(path) = std::env::var_os("UID2_KEYS_FILE") else {
        eprintln!("uid2-edge-wasi: UID2_KEYS_FILE is not set");
        return None;
    };
    let document = std::fs::read(&path)
        .map_err(|e| eprintln!("uid2-edge-wasi: cannot read the key set: {e}"))
        .ok()?;
    KeySet::parse(&document)
        .map_err(|e| eprintln!("uid2-edge-wasi: the key set was rejected: {e}"))
        .ok()
}

fn main() -> ExitCode {
    let query = std::env::var("QUERY_STRING").unwrap_or_default();
    let mut body = Vec::new();
    if let Err(e) = std::io::stdin().take(MAX_BODY).read_to_end(&mut body) {
        eprintln!("uid2-edge-wasi: cannot read the request body: {e}");
        return ExitCode::FAILURE;
    }
    let keys = load_keys();
    let response = handle(
        &Request {
            query: &query,
            body: &body,
        },
        keys.as_ref(),
        now(),
    );
    let mut out = std::io::stdout().lock();
    if out
        .write_all(response.to_cgi().as_bytes())
        .and_then(|()| out.flush())
        .is_err()
    {
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
