//! A stand-in for one Gigya (SAP Customer Data Cloud) method, `accounts.getAccountInfo`, that
//! checks request signatures with the core's Gigya module, for clients' tests and examples.

use serde_json::{Value, json};
use uid2::Timestamp;
use uid2::gigya::{Endpoint, GigyaSecret, Params, codes, verify_request_signature};

use crate::operator::{Operator, Reply};

/// The path of the one method served.
pub(crate) const PATH: &str = "/accounts.getAccountInfo";

/// How far a request's `timestamp` may be from the operator's clock, in seconds (the server's
/// "about two minutes").
pub(crate) const TIMESTAMP_WINDOW_SECS: i64 = 120;

/// Answers a signed `accounts.getAccountInfo` call sent to `host` (the `Host` header) with
/// `body`. Gigya answers errors with HTTP 200 and the code in the body, as it does for
/// `httpStatusCodes=false`.
pub(crate) fn handle(operator: &Operator, host: Option<&str>, body: &[u8]) -> Reply {
    let now = operator.now();
    let Some(params) = std::str::from_utf8(body)
        .ok()
        .and_then(|b| Params::parse(b).ok())
    else {
        return error(
            now,
            codes::INVALID_PARAMETER_VALUE,
            "Invalid parameter value",
            400,
        );
    };
    let config = &operator.config;
    match params.get("apiKey") {
        None => {
            return error(
                now,
                codes::MISSING_PARAMETER,
                "Missing required parameter",
                400,
            );
        }
        Some(key) if key != config.gigya_api_key => {
            return error(now, codes::INVALID_API_KEY, "Invalid ApiKey parameter", 400);
        }
        Some(_) => {}
    }
    let (Some(timestamp), Some(_), Some(_)) = (
        params.get("timestamp"),
        params.get("nonce"),
        params.get("sig"),
    ) else {
        return error(
            now,
            codes::MISSING_PARAMETER,
            "Missing required parameter",
            400,
        );
    };
    let expired = timestamp.parse::<i64>().map_or(true, |t| {
        t.abs_diff(now.as_secs_floor()) > TIMESTAMP_WINDOW_SECS.unsigned_abs()
    });
    if expired {
        return error(now, codes::REQUEST_EXPIRED, "Request has expired", 403);
    }
    let signed = host
        .and_then(|h| Endpoint::parse(&format!("http://{h}{PATH}")).ok())
        .zip(GigyaSecret::from_base64(&config.gigya_secret).ok())
        .is_some_and(|(endpoint, secret)| {
            verify_request_signature("POST", &endpoint, &params, &secret)
        });
    if !signed {
        return error(
            now,
            codes::INVALID_REQUEST_SIGNATURE,
            "Invalid request signature",
            403,
        );
    }
    let Some(uid) = params.get("UID").filter(|u| !u.is_empty()) else {
        return error(
            now,
            codes::MISSING_PARAMETER,
            "Missing required parameter",
            400,
        );
    };
    let mut reply = envelope(now, codes::OK, 200, "OK");
    if let Value::Object(fields) = &mut reply {
        fields.insert("UID".into(), json!(uid));
        fields.insert("isActive".into(), json!(true));
        fields.insert("isVerified".into(), json!(true));
        fields.insert(
            "profile".into(),
            json!({"firstName": "Local", "lastName": "Tester", "country": "US"}),
        );
    }
    Reply::json(200, &reply)
}

/// The members every Gigya reply has.
fn envelope(now: Timestamp, code: i64, status: u16, reason: &str) -> Value {
    let mut id = [0u8; 16];
    // A call id only labels the reply: a failed draw leaves zeros.
    let _ = uid2::SecureRandom::fill(&mut crate::OsRandom, &mut id);
    let call_id: String = id.iter().map(|b| format!("{b:02x}")).collect();
    json!({
        "callId": call_id,
        "errorCode": code,
        "apiVersion": 2,
        "statusCode": status,
        "statusReason": reason,
        "time": now.to_string(),
    })
}

fn error(now: Timestamp, code: i64, message: &str, status: u16) -> Reply {
    let reason = if status == 403 {
        "Forbidden"
    } else {
        "Bad Request"
    };
    let mut reply = envelope(now, code, status, reason);
    if let Value::Object(fields) = &mut reply {
        fields.insert("errorMessage".into(), json!(message));
        fields.insert("errorDetails".into(), json!(message));
    }
    Reply::json(200, &reply)
}
