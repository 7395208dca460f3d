//! Runner for `cstg.json` (client-side token generation): kinds `cstg_server_public_key`,
//! `cstg_request`, `cstg_response` and `cstg_server_request`; the schema is in
//! `test-vectors/README.md`.
#![allow(
    clippy::indexing_slicing,
    reason = "`serde_json::Value` indexing returns `Null` for a missing member and never panics"
)]

use serde_json::{Value, json};
use uid2::identity::IdentityError;
use uid2::operator::TokenResponse;
use uid2::operator::client_side::server::{ClientSideRequestBody, ServerKeyPair};
use uid2::operator::client_side::{
    ClientSideCredentials, ClientSideError, ClientSideTokenGenerateRequest,
    PendingClientSideTokenGenerate, ServerPublicKey,
};
use uid2::random::ReplayRandom;
use uid2::{IdentityScope, Timestamp};

const KINDS: &[&str] = &[
    "cstg_server_public_key",
    "cstg_request",
    "cstg_response",
    "cstg_server_request",
];

/// Whether this runner understands `case`.
pub(crate) fn applies(case: &Value) -> bool {
    case["kind"].as_str().is_some_and(|k| KINDS.contains(&k))
}

/// Runs one case.
pub(crate) fn run(case: &Value) -> Result<(), String> {
    match case["kind"].as_str() {
        Some("cstg_server_public_key") => server_public_key(case),
        Some("cstg_request") => request(case).map(|_| ()),
        Some("cstg_response") => response(case),
        Some("cstg_server_request") => server_request(case),
        other => Err(format!("cstg runner: unknown kind {other:?}")),
    }
}

fn text<'a>(v: &'a Value, key: &str) -> Result<&'a str, String> {
    v[key]
        .as_str()
        .ok_or_else(|| format!("member `{key}` is not a string"))
}

fn unhex(text: &str) -> Result<Vec<u8>, String> {
    if !text.len().is_multiple_of(2) {
        return Err("odd hex length".into());
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).map_err(|e| e.to_string()))
        .collect()
}

fn check(what: &str, want: &Value, got: &Value) -> Result<(), String> {
    if want == got {
        Ok(())
    } else {
        Err(format!("{what}: expected {want}, got {got}"))
    }
}

fn server_public_key(case: &Value) -> Result<(), String> {
    let expected = &case["expected"];
    let got = match ServerPublicKey::parse(text(case, "text")?) {
        Ok(key) => json!({
            "ok": true,
            "scope": key.scope().as_str(),
            "environment": key.environment().to_string(),
        }),
        Err(ClientSideError::InvalidServerPublicKey { .. }) => {
            json!({"ok": false, "error": "INVALID_SERVER_PUBLIC_KEY"})
        }
        Err(e) => return Err(format!("unexpected error {e:?}")),
    };
    check("outcome", expected, &got)
}

fn identity_error(e: IdentityError) -> &'static str {
    match e {
        IdentityError::InvalidEmail => "INVALID_EMAIL",
        IdentityError::InvalidPhone => "INVALID_PHONE",
        _ => "INVALID_HASH",
    }
}

/// Builds and seals the case's request. `Ok(Some(pending))` when a request was built, `Ok(None)`
/// when it was refused as the case expects.
fn request(case: &Value) -> Result<Option<PendingClientSideTokenGenerate>, String> {
    let expected = &case["expected"];
    let refused = |error: &str| -> Result<Option<PendingClientSideTokenGenerate>, String> {
        check("outcome", expected, &json!({"ok": false, "error": error}))?;
        Ok(None)
    };
    let credentials = ClientSideCredentials::new(
        text(case, "subscription_id")?,
        text(case, "server_public_key")?,
    )
    .map_err(|e| format!("credentials: {e}"))?;
    let identity = &case["identity"];
    let value = text(identity, "value")?;
    let built = match text(identity, "type")? {
        "email" => ClientSideTokenGenerateRequest::from_email(value),
        "phone" => ClientSideTokenGenerateRequest::from_phone(value),
        "email_hash" => ClientSideTokenGenerateRequest::from_hashed_email(value),
        "phone_hash" => ClientSideTokenGenerateRequest::from_hashed_phone(value),
        other => return Err(format!("unknown identity type {other}")),
    };
    let mut request = match built {
        Ok(r) => r,
        Err(e) => return refused(identity_error(e)),
    };
    if let Some(origin) = case["origin"].as_str() {
        request = match request.with_origin(origin) {
            Ok(r) => r,
            Err(ClientSideError::InvalidOrigin) => return refused("INVALID_ORIGIN"),
            Err(e) => return Err(format!("unexpected error {e:?}")),
        };
    }
    if let Some(app_name) = case["app_name"].as_str() {
        request = match request.with_app_name(app_name) {
            Ok(r) => r,
            Err(ClientSideError::InvalidAppName) => return refused("INVALID_APP_NAME"),
            Err(e) => return Err(format!("unexpected error {e:?}")),
        };
    }
    let random = unhex(text(case, "random")?)?;
    let mut rng = ReplayRandom::new(&random);
    let now = Timestamp::from_millis(case["now_ms"].as_i64().ok_or("now_ms")?);
    let (http, pending) = request
        .seal(&credentials, now, &mut rng)
        .map_err(|e| format!("seal: {e}"))?;
    if !rng.remaining().is_empty() {
        return Err("the request did not use all the random bytes".into());
    }
    if case["kind"] == "cstg_request" {
        let body: Value = serde_json::from_slice(http.body()).map_err(|e| e.to_string())?;
        check("ok", &expected["ok"], &json!(true))?;
        check("body", &expected["body"], &body)?;
        let origin = http
            .headers()
            .find(|h| h.name() == "Origin")
            .map(|h| h.value().to_owned());
        check("origin header", &expected["origin_header"], &json!(origin))?;
        // The operator side opens it back into the expected plaintext.
        if let Some(private) = case["server_private_key"].as_str() {
            let key_pair = key_pair(private)?;
            let opened = ClientSideRequestBody::parse(http.body())
                .and_then(|b| b.open(&key_pair))
                .map_err(|e| format!("operator side: {e}"))?;
            let payload = String::from_utf8_lossy(opened.payload()).into_owned();
            check("plaintext", &expected["plaintext"], &json!(payload))?;
        }
    }
    Ok(Some(pending))
}

fn key_pair(private_hex: &str) -> Result<ServerKeyPair, String> {
    let bytes: [u8; 32] = unhex(private_hex)?
        .try_into()
        .map_err(|_| "server_private_key is not 32 bytes")?;
    ServerKeyPair::from_secret_bytes(IdentityScope::Uid2, 'L', &bytes).map_err(|e| e.to_string())
}

/// Compares the members `expected` lists; absent members are unspecified.
fn check_members(expected: &Value, got: &Value) -> Result<(), String> {
    let want = expected.as_object().ok_or("expected is not an object")?;
    for (k, v) in want {
        check(k, v, &got[k])?;
    }
    Ok(())
}

fn response(case: &Value) -> Result<(), String> {
    let expected = &case["expected"];
    let pending = request(case)?.ok_or("the request was refused")?;
    let status =
        u16::try_from(case["status"].as_u64().ok_or("status")?).map_err(|e| e.to_string())?;
    let got = match pending.open(status, text(case, "body")?.as_bytes()) {
        Ok(TokenResponse::OptOut) => json!({"ok": true, "status": "optout"}),
        Ok(TokenResponse::Success(identity)) => json!({
            "ok": true,
            "status": "success",
            "identity": {
                "advertising_token": identity.advertising_token(),
                "refresh_token": identity.refresh_token(),
                "identity_expires_ms": identity.identity_expires().as_millis(),
                "refresh_expires_ms": identity.refresh_expires().as_millis(),
                "refresh_from_ms": identity.refresh_from().as_millis(),
            },
        }),
        Ok(other) => return Err(format!("unexpected response {other:?}")),
        Err(e) => {
            let mut got = json!({"ok": false, "error": e.class()});
            if let Some(http) = e.http() {
                got["http_status"] = json!(http.status());
                got["operator_status"] = json!(http.operator_status().map(|s| s.as_str()));
            }
            got
        }
    };
    check_members(expected, &got)
}

fn server_request(case: &Value) -> Result<(), String> {
    let expected = &case["expected"];
    let key_pair = key_pair(text(case, "server_private_key")?)?;
    let got = match ClientSideRequestBody::parse(text(case, "body")?.as_bytes()) {
        Err(e) => json!({"ok": false, "message": e.message()}),
        Ok(body) => match body.open(&key_pair) {
            Err(e) => json!({"ok": false, "message": e.message()}),
            Ok(opened) => json!({
                "ok": true,
                "subscription_id": body.subscription_id(),
                "app_name": body.app_name(),
                "timestamp": body.timestamp(),
                "payload": String::from_utf8_lossy(opened.payload()),
            }),
        },
    };
    check_members(expected, &got)
}
