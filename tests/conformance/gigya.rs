//! Runner for `test-vectors/gigya.json`: every case whose `kind` starts with `gigya_`.
#![expect(
    unreachable_pub,
    reason = "the harness contract names these functions `pub`; the test crate is private"
)]

use serde_json::{Value, json};
use uid2::Timestamp;
use uid2::gigya::{
    Credentials, Endpoint, GigyaError, GigyaRsaKey, GigyaSecret, Jwks, Params, RequestBuilder,
    Response, Scheme, base_string, calc_signature, clock_skew_retry, dynamic_session_signature,
    dynamic_session_signature_user_signed, percent_encode, validate_friend_signature,
    validate_friend_signature_at, validate_id_token, validate_user_signature,
    validate_user_signature_at,
};

/// Whether this runner handles `case`.
pub fn applies(case: &Value) -> bool {
    case["kind"]
        .as_str()
        .is_some_and(|k| k.starts_with("gigya_"))
}

/// Runs one case.
pub fn run(case: &Value) -> Result<(), String> {
    match case["kind"].as_str().unwrap_or_default() {
        "gigya_sign_request" => sign_request(case),
        "gigya_base_string" => base_string_case(case),
        "gigya_percent_encode" => {
            compare(case, "encoded", json!(percent_encode(text(case, "input")?)))
        }
        "gigya_secret" => compare(
            case,
            "ok",
            json!(GigyaSecret::from_base64(text(case, "secret")?).is_ok()),
        ),
        "gigya_calc_signature" => {
            let sig = calc_signature(text(case, "base")?, &secret(case, "secret")?);
            compare(case, "signature", json!(sig))
        }
        "gigya_user_signature" => user_signature(case),
        "gigya_friend_signature" => friend_signature(case),
        "gigya_dynamic_session" => dynamic_session(case),
        "gigya_bearer_jwt" => bearer(case),
        "gigya_id_token" => id_token(case),
        "gigya_endpoint" => endpoint(case),
        "gigya_response" => response(case),
        "gigya_clock_skew" => clock_skew(case),
        other => Err(format!("unknown gigya kind {other:?}")),
    }
}

fn text<'a>(case: &'a Value, key: &str) -> Result<&'a str, String> {
    case[key]
        .as_str()
        .ok_or_else(|| format!("missing string member {key}"))
}

fn opt_text<'a>(case: &'a Value, key: &str) -> Option<&'a str> {
    case[key].as_str()
}

fn int(case: &Value, key: &str) -> Result<i64, String> {
    case[key]
        .as_i64()
        .ok_or_else(|| format!("missing integer member {key}"))
}

fn now(case: &Value) -> Result<Timestamp, String> {
    int(case, "now_ms").map(Timestamp::from_millis)
}

fn secret(case: &Value, key: &str) -> Result<GigyaSecret, String> {
    GigyaSecret::from_base64(text(case, key)?).map_err(|e| format!("{key}: {e}"))
}

fn scheme(case: &Value) -> Result<Scheme, String> {
    match text(case, "scheme")? {
        "https" => Ok(Scheme::Https),
        "http" => Ok(Scheme::Http),
        other => Err(format!("unknown scheme {other}")),
    }
}

fn params(case: &Value) -> Result<Params, String> {
    let mut params = Params::new();
    for (k, v) in case["params"].as_object().ok_or("missing params")? {
        let v = v.as_str().ok_or("param values are strings")?;
        params.insert(k, v).map_err(|e| format!("param {k}: {e}"))?;
    }
    Ok(params)
}

/// Checks `expected[key]` against `actual` when the case expects that member.
fn compare(case: &Value, key: &str, actual: Value) -> Result<(), String> {
    match case["expected"].get(key) {
        Some(want) if *want != actual => Err(format!("{key}: expected {want}, got {actual}")),
        _ => Ok(()),
    }
}

fn error_class(e: &GigyaError) -> &'static str {
    match e {
        GigyaError::InvalidResponse => "INVALID_RESPONSE",
        GigyaError::InvalidUrl => "INVALID_URL",
        GigyaError::MalformedJwt => "MALFORMED",
        GigyaError::UnsupportedAlgorithm => "UNSUPPORTED_ALGORITHM",
        GigyaError::UnknownKeyId => "UNKNOWN_KID",
        GigyaError::InvalidJwtSignature => "INVALID_SIGNATURE",
        GigyaError::InvalidIssuer => "INVALID_ISSUER",
        GigyaError::InvalidApiKey => "INVALID_API_KEY",
        GigyaError::TokenExpired { .. } => "EXPIRED",
        GigyaError::TokenNotYetValid { .. } => "NOT_YET_VALID",
        GigyaError::MissingClaim { .. } => "MISSING_CLAIM",
        _ => "OTHER",
    }
}

fn sign_request(case: &Value) -> Result<(), String> {
    let auth = &case["auth"];
    let api_key = text(auth, "api_key")?;
    let secret = secret(auth, "secret")?;
    let credentials = match text(auth, "mode")? {
        "partner_secret" => Credentials::partner_secret(api_key, secret),
        "user_key" => Credentials::user_key(Some(api_key), text(auth, "user_key")?, secret),
        other => return Err(format!("unknown auth mode {other}")),
    };
    let request = RequestBuilder::new(text(case, "method")?, credentials)
        .api_domain(text(case, "api_domain")?)
        .scheme(scheme(case)?)
        .sdk_id(text(case, "sdk")?)
        .params(&params(case)?)
        .map_err(|e| e.to_string())?
        .build_with_nonce(now(case)?, text(case, "nonce")?)
        .map_err(|e| e.to_string())?;
    let body = String::from_utf8(request.body().to_vec()).map_err(|e| e.to_string())?;
    compare(case, "url", json!(request.url()))?;
    compare(case, "base_string", json!(request.base_string()))?;
    compare(case, "body", json!(body))?;
    compare(case, "sig", json!(request.signature()))?;
    match case["expected"].get("sig_not") {
        Some(bad) if Some(bad.as_str().unwrap_or_default()) == request.signature() => {
            Err(format!("signature equals the known-bad value {bad}"))
        }
        _ => Ok(()),
    }
}

fn base_string_case(case: &Value) -> Result<(), String> {
    let endpoint = match (
        Endpoint::parse(text(case, "url")?),
        case["expected"].get("error"),
    ) {
        (Ok(_), Some(want)) => return Err(format!("expected error {want}, the url parsed")),
        (Err(e), Some(_)) => return compare(case, "error", json!(error_class(&e))),
        (Err(e), None) => return Err(e.to_string()),
        (Ok(endpoint), None) => endpoint,
    };
    let base = base_string(text(case, "http_method")?, &endpoint, &params(case)?);
    compare(case, "normalized_url", json!(endpoint.normalized_url()))?;
    compare(case, "base_string", json!(base))?;
    compare(
        case,
        "sig",
        json!(calc_signature(&base, &secret(case, "secret")?)),
    )
}

fn window(case: &Value) -> Result<Option<(Timestamp, u64)>, String> {
    match (case["now_ms"].as_i64(), case["window_secs"].as_u64()) {
        (Some(now), Some(window)) => Ok(Some((Timestamp::from_millis(now), window))),
        (None, None) => Ok(None),
        _ => Err("now_ms and window_secs go together".to_owned()),
    }
}

fn user_signature(case: &Value) -> Result<(), String> {
    let (uid, ts, sig) = (
        text(case, "uid")?,
        text(case, "signature_timestamp")?,
        text(case, "signature")?,
    );
    let secret = secret(case, "secret")?;
    let valid = match window(case)? {
        Some((now, window)) => validate_user_signature_at(uid, ts, &secret, sig, now, window),
        None => validate_user_signature(uid, ts, &secret, sig),
    };
    compare(case, "valid", json!(valid))
}

fn friend_signature(case: &Value) -> Result<(), String> {
    let (uid, ts, sig) = (
        text(case, "uid")?,
        text(case, "signature_timestamp")?,
        text(case, "signature")?,
    );
    let friend = text(case, "friend_uid")?;
    let secret = secret(case, "secret")?;
    let valid = match window(case)? {
        Some((now, window)) => {
            validate_friend_signature_at(uid, ts, friend, &secret, sig, now, window)
        }
        None => validate_friend_signature(uid, ts, friend, &secret, sig),
    };
    compare(case, "valid", json!(valid))
}

fn dynamic_session(case: &Value) -> Result<(), String> {
    let glt = text(case, "glt")?;
    let timeout = case["timeout_secs"]
        .as_u64()
        .ok_or("missing timeout_secs")?;
    let secret = secret(case, "secret")?;
    let value = match opt_text(case, "user_key") {
        Some(user_key) => {
            dynamic_session_signature_user_signed(glt, timeout, user_key, &secret, now(case)?)
        }
        None => dynamic_session_signature(glt, timeout, &secret, now(case)?),
    }
    .map_err(|e| e.to_string())?;
    compare(case, "value", json!(value))
}

fn bearer(case: &Value) -> Result<(), String> {
    let key = GigyaRsaKey::from_pem(text(case, "private_key_pem")?).map_err(|e| e.to_string())?;
    let user_key = text(case, "user_key")?;
    let jti = text(case, "jti")?;
    let credentials = Credentials::bearer(opt_text(case, "api_key"), user_key, key.clone());
    let request = RequestBuilder::new(text(case, "method")?, credentials)
        .api_domain(text(case, "api_domain")?)
        .sdk_id(text(case, "sdk")?)
        .build_with_nonce(now(case)?, jti)
        .map_err(|e| e.to_string())?;
    let auth = request
        .headers()
        .iter()
        .find(|h| h.name() == "Authorization")
        .ok_or("no Authorization header")?;
    if !auth.is_sensitive() || format!("{request:?}").contains(auth.value()) {
        return Err("the Authorization header is not redacted".to_owned());
    }
    let token = key
        .bearer_token(user_key, now(case)?.as_secs_floor(), jti, None)
        .map_err(|e| e.to_string())?;
    let body = String::from_utf8(request.body().to_vec()).map_err(|e| e.to_string())?;
    compare(case, "token", json!(token))?;
    compare(case, "authorization", json!(auth.value()))?;
    compare(case, "url", json!(request.url()))?;
    compare(case, "body", json!(body))
}

fn id_token(case: &Value) -> Result<(), String> {
    let jwks = Jwks::parse(text(case, "jwks")?.as_bytes()).map_err(|e| e.to_string())?;
    let skew = case["skew_secs"].as_u64().ok_or("missing skew_secs")?;
    match validate_id_token(
        text(case, "token")?,
        &jwks,
        text(case, "api_key")?,
        now(case)?,
        skew,
    ) {
        Ok(claims) => {
            compare(case, "valid", json!(true))?;
            compare(case, "sub", json!(claims.sub()))
        }
        Err(e) => {
            compare(case, "valid", json!(false))?;
            compare(case, "error", json!(error_class(&e)))
        }
    }
}

fn endpoint(case: &Value) -> Result<(), String> {
    let method = text(case, "method")?;
    let domain = text(case, "api_domain")?;
    let endpoint = if case["mtls"].as_bool() == Some(true) {
        Endpoint::mtls(method, domain)
    } else {
        Endpoint::for_method(method, domain, scheme(case)?)
    }
    .map_err(|e| e.to_string())?;
    compare(case, "url", json!(endpoint.url()))
}

fn response(case: &Value) -> Result<(), String> {
    let r = match Response::parse(text(case, "body")?.as_bytes()) {
        Ok(r) => r,
        Err(e) => {
            compare(case, "ok", json!(false))?;
            return compare(case, "error", json!(error_class(&e)));
        }
    };
    compare(case, "ok", json!(true))?;
    compare(case, "error_code", json!(r.error_code()))?;
    compare(case, "is_success", json!(r.is_success()))?;
    compare(case, "error_message", json!(r.error_message()))?;
    compare(case, "error_details", json!(r.error_details()))?;
    compare(case, "status_code", json!(r.status_code()))?;
    compare(case, "call_id", json!(r.call_id()))?;
    for lookup in case["expected"]
        .get("lookups")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let path = text(lookup, "path")?;
        let got: Value = r
            .get(path)
            .map(|v| serde_json::from_str(&v.to_json()).unwrap_or(Value::Null))
            .unwrap_or(Value::Null);
        if got != lookup["value"] {
            return Err(format!(
                "lookup {path}: expected {}, got {got}",
                lookup["value"]
            ));
        }
    }
    Ok(())
}

fn clock_skew(case: &Value) -> Result<(), String> {
    let retries = u32::try_from(int(case, "retries_done")?).map_err(|e| e.to_string())?;
    let retry = clock_skew_retry(
        int(case, "error_code")?,
        opt_text(case, "date_header"),
        now(case)?,
        retries,
    );
    compare(case, "retry", json!(retry.is_some()))?;
    if let Some(retry) = retry {
        compare(case, "offset_ms", json!(retry.offset_ms()))?;
    }
    Ok(())
}
