//! Runner for `envelope.json` (request/response envelopes, refresh replies, token generate
//! request bodies) and `identity_tokens.json` (identity JSON, token generate/refresh replies).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use uid2::Timestamp;
use uid2::envelope::{
    BodyEncoding, ClientSecret, PendingResponse, RefreshResponseKey, ResponseError,
    open_refresh_response, seal_request, sealed_body_len,
};
use uid2::operator::{IdentityTokens, TokenGenerateRequest, TokenResponse};
use uid2::random::ReplayRandom;

const KINDS: &[&str] = &[
    "request_envelope",
    "response_envelope",
    "refresh_response",
    "token_generate_request_body",
    "identity_tokens",
    "token_generate_response",
    "token_refresh_response",
];

/// Whether this runner handles the case.
pub fn applies(case: &Value) -> bool {
    case.get("kind")
        .and_then(Value::as_str)
        .is_some_and(|k| KINDS.contains(&k))
}

/// Runs one case.
pub fn run(case: &Value) -> Result<(), String> {
    let expected = case.get("expected").ok_or("case has no expected")?;
    match str_member(case, "kind")? {
        "request_envelope" => request_envelope(case, expected),
        "response_envelope" => response_envelope(case, expected),
        "refresh_response" => refresh_response(case, expected),
        "token_generate_request_body" => token_generate_request_body(case, expected),
        "identity_tokens" => identity_tokens(case, expected),
        "token_generate_response" => token_response(case, expected, None),
        "token_refresh_response" => {
            let now = Timestamp::from_millis(i64_member(case, "now_ms")?);
            token_response(case, expected, Some(now))
        }
        other => Err(format!("unknown kind {other}")),
    }
}

fn str_member<'a>(v: &'a Value, key: &str) -> Result<&'a str, String> {
    v.get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("{key} is not a string"))
}

fn i64_member(v: &Value, key: &str) -> Result<i64, String> {
    v.get(key)
        .and_then(Value::as_i64)
        .ok_or_else(|| format!("{key} is not an integer"))
}

fn bytes_member(v: &Value, key: &str) -> Result<Vec<u8>, String> {
    STANDARD
        .decode(str_member(v, key)?)
        .map_err(|e| format!("{key} is not base64: {e}"))
}

fn expect_eq<T: PartialEq + core::fmt::Debug>(what: &str, want: T, got: T) -> Result<(), String> {
    if want == got {
        Ok(())
    } else {
        Err(format!("{what}: expected {want:?}, got {got:?}"))
    }
}

fn secret(case: &Value) -> Result<ClientSecret, String> {
    ClientSecret::from_base64(str_member(case, "secret")?).map_err(|e| e.to_string())
}

/// Seals `payload` with the case's IV and nonce (the RNG yields the IV first, then the nonce).
fn seal(
    secret: &ClientSecret,
    now: Timestamp,
    iv: &[u8],
    nonce: &[u8],
    payload: &[u8],
    encoding: BodyEncoding,
) -> Result<(Vec<u8>, PendingResponse), String> {
    let random = [iv, nonce].concat();
    let mut out = vec![0u8; sealed_body_len(payload.len(), encoding).ok_or("payload too large")?];
    let (n, pending) = seal_request(
        secret,
        now,
        &mut ReplayRandom::new(&random),
        payload,
        encoding,
        &mut out,
    )
    .map_err(|e| e.to_string())?;
    out.truncate(n);
    Ok((out, pending))
}

fn request_envelope(case: &Value, expected: &Value) -> Result<(), String> {
    let secret = secret(case)?;
    let now = Timestamp::from_millis(i64_member(case, "timestamp_ms")?);
    let iv = bytes_member(case, "iv")?;
    let nonce = bytes_member(case, "nonce")?;
    let payload = bytes_member(case, "payload")?;
    let (binary, _pending) = seal(&secret, now, &iv, &nonce, &payload, BodyEncoding::Binary)?;
    expect_eq(
        "envelope",
        str_member(expected, "envelope")?,
        &STANDARD.encode(&binary),
    )?;
    let (text, _pending) = seal(&secret, now, &iv, &nonce, &payload, BodyEncoding::Text)?;
    let text = String::from_utf8(text).map_err(|e| e.to_string())?;
    expect_eq(
        "envelope_base64_text",
        str_member(expected, "envelope_base64_text")?,
        &text,
    )
}

fn error_class(e: &ResponseError) -> &'static str {
    e.class()
}

fn check_outcome(expected: &Value, outcome: Result<&[u8], ResponseError>) -> Result<(), String> {
    let ok = expected
        .get("ok")
        .and_then(Value::as_bool)
        .ok_or("expected.ok missing")?;
    match (ok, outcome) {
        (true, Ok(doc)) => {
            if let Some(want) = expected.get("payload").and_then(Value::as_str) {
                expect_eq("payload", want, &STANDARD.encode(doc))?;
            }
            if let Some(want) = expected.get("payload_text").and_then(Value::as_str) {
                expect_eq(
                    "payload_text",
                    want,
                    core::str::from_utf8(doc).map_err(|e| e.to_string())?,
                )?;
            }
            Ok(())
        }
        (true, Err(e)) => Err(format!("expected success, got error: {e}")),
        (false, Ok(_)) => Err("expected an error, got success".to_owned()),
        (false, Err(e)) => match expected.get("error").and_then(Value::as_str) {
            Some(want) => expect_eq("error", want, error_class(&e)),
            None => Ok(()),
        },
    }
}

fn response_envelope(case: &Value, expected: &Value) -> Result<(), String> {
    let secret = secret(case)?;
    let nonce = bytes_member(case, "request_nonce")?;
    // A request sealed with the case's nonce yields the pending value that must open the reply.
    let (_, pending) = seal(
        &secret,
        Timestamp::from_millis(0),
        &[0u8; 12],
        &nonce,
        b"",
        BodyEncoding::Text,
    )?;
    let (mut body, content_type) = match str_member(case, "response_encoding")? {
        "base64" => (
            str_member(case, "response")?.as_bytes().to_vec(),
            "text/plain",
        ),
        "binary" => (bytes_member(case, "response")?, "application/octet-stream"),
        other => return Err(format!("unknown response_encoding {other}")),
    };
    let outcome = pending
        .open(200, Some(content_type), &mut body)
        .map(|o| o.document());
    check_outcome(expected, outcome)
}

fn refresh_response(case: &Value, expected: &Value) -> Result<(), String> {
    let key = RefreshResponseKey::from_base64(str_member(case, "refresh_response_key")?)
        .map_err(|e| e.to_string())?;
    let mut body = str_member(case, "response")?.as_bytes().to_vec();
    let outcome = open_refresh_response(&key, 200, &mut body).map(|d| -> &[u8] { d });
    check_outcome(expected, outcome)
}

fn token_generate_request_body(case: &Value, expected: &Value) -> Result<(), String> {
    let input = case.get("input").ok_or("input missing")?;
    let value = str_member(input, "value")?;
    let hash = input.get("hash").and_then(Value::as_bool).unwrap_or(true);
    let built = match (str_member(input, "type")?, hash) {
        ("email", true) => TokenGenerateRequest::from_email(value),
        ("email", false) => Ok(TokenGenerateRequest::from_email_unhashed(value)),
        ("phone", true) => TokenGenerateRequest::from_phone(value),
        ("phone", false) => Ok(TokenGenerateRequest::from_phone_unhashed(value)),
        ("email_hash", _) => TokenGenerateRequest::from_hashed_email(value),
        ("phone_hash", _) => TokenGenerateRequest::from_hashed_phone(value),
        (other, _) => return Err(format!("unknown input type {other}")),
    };
    let built = built.map(
        |r| match input.get("tcf_consent_string").and_then(Value::as_str) {
            Some(tcf) => r.with_tcf_consent_string(tcf),
            None => r,
        },
    );
    let ok = expected
        .get("ok")
        .and_then(Value::as_bool)
        .ok_or("expected.ok missing")?;
    match (ok, built) {
        (true, Ok(request)) => {
            let got: Value =
                serde_json::from_str(&request.payload_json()).map_err(|e| e.to_string())?;
            expect_eq(
                "json",
                expected.get("json").ok_or("expected.json missing")?,
                &got,
            )
        }
        (true, Err(e)) => Err(format!("expected a request body, got error: {e}")),
        (false, Ok(_)) => Err("expected the input to be rejected".to_owned()),
        (false, Err(e)) => {
            let class = match e {
                uid2::identity::IdentityError::InvalidEmail => "INVALID_EMAIL",
                uid2::identity::IdentityError::InvalidPhone => "INVALID_PHONE",
                _ => "OTHER",
            };
            expect_eq("error", str_member(expected, "error")?, class)
        }
    }
}

fn identity_tokens(case: &Value, expected: &Value) -> Result<(), String> {
    let now = Timestamp::from_millis(i64_member(case, "now_ms")?);
    let parsed = IdentityTokens::from_json_str(str_member(case, "json")?);
    let want_ok = expected
        .get("parse_ok")
        .and_then(Value::as_bool)
        .ok_or("parse_ok missing")?;
    let id = match (want_ok, parsed) {
        (true, Ok(id)) => id,
        (false, Err(_)) => return Ok(()),
        (true, Err(e)) => return Err(format!("expected the identity to parse: {e}")),
        (false, Ok(_)) => return Err("expected a parse error".to_owned()),
    };
    let got = json!({
        "parse_ok": true,
        "advertising_token": id.advertising_token(),
        "refresh_token": id.refresh_token(),
        "refresh_response_key": id.refresh_response_key().map(|k| STANDARD.encode(k.expose())),
        "identity_expires_ms": id.identity_expires().as_millis(),
        "refresh_expires_ms": id.refresh_expires().as_millis(),
        "refresh_from_ms": id.refresh_from().as_millis(),
        "is_refreshable": id.is_refreshable(now),
        "is_due_for_refresh": id.is_due_for_refresh(now),
        "has_identity_expired": id.has_identity_expired(now),
    });
    compare_members(expected, &got)
}

/// Every member of `expected` must equal the same member of `got`.
fn compare_members(expected: &Value, got: &Value) -> Result<(), String> {
    let members = expected.as_object().ok_or("expected is not an object")?;
    for (key, want) in members {
        let have = got
            .get(key)
            .ok_or_else(|| format!("runner does not report {key}"))?;
        if want != have {
            return Err(format!("{key}: expected {want}, got {have}"));
        }
    }
    Ok(())
}

fn token_response(case: &Value, expected: &Value, now: Option<Timestamp>) -> Result<(), String> {
    let document = str_member(case, "response_json")?.as_bytes();
    let parsed = match now {
        None => TokenResponse::from_generate_document(document),
        Some(now) => TokenResponse::from_refresh_document(document, now),
    };
    let want_ok = expected
        .get("ok")
        .and_then(Value::as_bool)
        .ok_or("expected.ok missing")?;
    let response = match (want_ok, parsed) {
        (true, Ok(r)) => r,
        (false, Err(_)) => return Ok(()),
        (true, Err(e)) => return Err(format!("expected a response, got error: {e}")),
        (false, Ok(r)) => return Err(format!("expected an error, got status {}", r.status())),
    };
    let identity_json = match response.identity_json_string() {
        Some(text) => serde_json::from_str(text).map_err(|e| e.to_string())?,
        None => Value::Null,
    };
    let got = json!({
        "ok": true,
        "status": response.status(),
        "is_success": response.is_success(),
        "is_optout": response.is_optout(),
        "identity_json": identity_json,
    });
    compare_members(expected, &got)
}
