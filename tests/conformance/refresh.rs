//! `key_refresh.json`: traces of the key-refresh state machine.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use std::time::Duration;
use uid2::Timestamp;
use uid2::envelope::{Credentials, ResponseError};
use uid2::operator::key_refresh::{
    KeyEndpoint, KeyRefreshConfig, KeyRefresher, RefreshError, RefreshEvent,
};
use uid2::random::ReplayRandom;

pub(crate) fn applies(case: &Value) -> bool {
    case["kind"] == "key_refresh_trace"
}

const KEY_SET: &str = r#"{"body":{"identity_scope":"UID2","keys":[{"id":1,"created":1600000000,"activates":1600000000,"expires":4000000000,"secret":"iyXxrRJcJOilqBcSJsN7XKCIuShbraXdqBCppCaLCJs="}]},"status":"success"}"#;
const BAD_KEY_SET: &str = r#"{"body":{"keys":[{"id":1,"created":1600000000,"activates":1600000000,"expires":4000000000}]},"status":"success"}"#;

/// The operator's side: opens the request envelope and seals `document` as its reply.
fn seal_reply(
    secret: &[u8],
    request: &[u8],
    document: &str,
    flip_nonce: bool,
    now: i64,
) -> Vec<u8> {
    let secret = uid2::Secret::new(<[u8; 32]>::try_from(secret).expect("32-byte secret"));
    let opened = uid2::server::open_request(&secret, Some("text/plain"), request)
        .expect("request sealed with the client secret");
    let mut nonce = opened.nonce();
    if flip_nonce {
        nonce[0] ^= 0xff;
    }
    let now = Timestamp::from_millis(now);
    uid2::server::seal_response(
        &secret,
        now,
        &nonce,
        document.as_bytes(),
        opened.encoding(),
        &mut ReplayRandom::new(&[9; 12]),
    )
    .expect("reply sealed")
}

fn event_name(e: &RefreshEvent) -> String {
    match e {
        RefreshEvent::KeysUpdated(_) => "KEYS_UPDATED".into(),
        RefreshEvent::RefreshFailed { error, .. } => format!(
            "REFRESH_FAILED:{}",
            match error {
                RefreshError::Transport => "TRANSPORT",
                RefreshError::Timeout => "TIMEOUT",
                RefreshError::Response(ResponseError::HttpStatus(_)) => "HTTP_STATUS",
                RefreshError::Response(ResponseError::NonceMismatch) => "NONCE_MISMATCH",
                RefreshError::Response(
                    ResponseError::InvalidBase64
                    | ResponseError::TooShort { .. }
                    | ResponseError::DecryptFailed,
                ) => "UNREADABLE_REPLY",
                RefreshError::KeySet(_) => "BAD_KEY_SET",
                _ => "OTHER",
            }
        ),
        _ => "UNKNOWN".into(),
    }
}

pub(crate) fn run(case: &Value) -> Result<(), String> {
    let ms = |v: &Value| Duration::from_millis(v.as_u64().unwrap_or_default());
    let c = &case["config"];
    let mut config = KeyRefreshConfig::default();
    config.refresh_interval = ms(&c["refresh_interval_ms"]);
    config.max_jitter = ms(&c["max_jitter_ms"]);
    config.initial_backoff = ms(&c["initial_backoff_ms"]);
    config.max_backoff = ms(&c["max_backoff_ms"]);
    config.response_timeout = ms(&c["response_timeout_ms"]);
    let secret_b64 = case["client_secret"].as_str().ok_or("client_secret")?;
    let secret = STANDARD.decode(secret_b64).map_err(|e| e.to_string())?;
    let credentials =
        Credentials::from_strings("trace-api-key", secret_b64).map_err(|e| e.to_string())?;
    let endpoint = if case["endpoint"] == "sharing" {
        KeyEndpoint::Sharing
    } else {
        KeyEndpoint::Bidstream
    };
    let start = Timestamp::from_millis(case["start_ms"].as_i64().ok_or("start_ms")?);
    let mut r = KeyRefresher::new(endpoint, credentials, config, start);
    let mut last_request: Option<Vec<u8>> = None;

    for (i, step) in case["steps"].as_array().ok_or("steps")?.iter().enumerate() {
        let now_ms = step["now_ms"].as_i64().ok_or("now_ms")?;
        let now = Timestamp::from_millis(now_ms);
        let expected = &step["expected"];
        let mut transmitted = None;
        let mut due = None;
        match step["action"].as_str().unwrap_or_default() {
            "poll" => {
                r.handle_timeout(now);
                let random = STANDARD
                    .decode(step["random"].as_str().unwrap_or_default())
                    .map_err(|e| e.to_string())?;
                let sent = r
                    .poll_transmit(now, &mut ReplayRandom::new(&random))
                    .map_err(|e| e.to_string())?;
                transmitted = Some(sent.is_some());
                if let Some(req) = sent {
                    last_request = Some(req.body().to_vec());
                }
            }
            "reply" => {
                let status = u16::try_from(step["status"].as_u64().unwrap_or(200))
                    .map_err(|e| e.to_string())?;
                let request = last_request.clone().unwrap_or_default();
                let mut body = match step["body"].as_str().unwrap_or_default() {
                    "key_set" => seal_reply(&secret, &request, KEY_SET, false, now_ms),
                    "bad_key_set" => seal_reply(&secret, &request, BAD_KEY_SET, false, now_ms),
                    "wrong_nonce" => seal_reply(&secret, &request, KEY_SET, true, now_ms),
                    "garbage" => b"<html>bad gateway</html>".to_vec(),
                    "error_json" => br#"{"status":"error","message":"internal error"}"#.to_vec(),
                    other => return Err(format!("unknown reply body {other}")),
                };
                r.handle_response(now, status, Some("text/plain"), &mut body);
            }
            "transport_error" => r.handle_transport_error(now),
            "request_refresh" => due = Some(r.request_refresh(now)),
            other => return Err(format!("unknown action {other}")),
        }
        let mut events = Vec::new();
        while let Some(e) = r.poll_event() {
            events.push(json!(event_name(&e)));
        }
        let actual = json!({
            "transmit": transmitted,
            "due": due,
            "events": events,
            "next_timeout_ms": r.poll_timeout().map(|t| t.as_millis()),
        });
        for key in ["transmit", "due", "events", "next_timeout_ms"] {
            crate::report::check_member(expected, key, &actual[key])
                .map_err(|e| format!("step {i}: {e}"))?;
        }
    }
    Ok(())
}
