//! Runner for `normalization.json` (kinds `email`, `phone`), `identity_map.json` (kinds
//! `identity_map_v2`, `identity_map_v3`, `identity_buckets`) and the project's
//! `identity_extra.json` (those kinds plus `identity_map_v3_batches`, `optout_status`); the
//! schemas are in `test-vectors/README.md`.
#![allow(
    clippy::indexing_slicing,
    reason = "`serde_json::Value` indexing returns `Null` for a missing member and never panics"
)]
#![allow(
    clippy::arithmetic_side_effects,
    reason = "test-side date arithmetic on fields of at most four digits"
)]

use serde_json::{Map, Value, json};
use uid2::envelope::ResponseError;
use uid2::identity::{self, IdentityError};
use uid2::operator::identity_map_v2::IdentityMapV2Request;
use uid2::operator::identity_map_v3::{
    BatchError, BatchLimits, IdentityMapV3Input, IdentityMapV3Request,
};
use uid2::operator::optout_status::{OptoutStatusError, OptoutStatusRequest};
use uid2::operator::salt_buckets::SaltBucketsRequest;

const KINDS: &[&str] = &[
    "email",
    "phone",
    "identity_map_v2",
    "identity_map_v3",
    "identity_buckets",
    "identity_map_v3_batches",
    "optout_status",
];

/// Whether this runner understands `case`.
pub(crate) fn applies(case: &Value) -> bool {
    case["kind"].as_str().is_some_and(|k| KINDS.contains(&k))
}

/// Runs one case.
pub(crate) fn run(case: &Value) -> Result<(), String> {
    match case["kind"].as_str() {
        Some("email" | "phone") => normalization(case),
        Some("identity_map_v2") => map_v2(case),
        Some("identity_map_v3") => map_v3(case),
        Some("identity_buckets") => buckets(case),
        Some("identity_map_v3_batches") => map_v3_batches(case),
        Some("optout_status") => optout_status(case),
        other => Err(format!("identity runner: unknown kind {other:?}")),
    }
}

fn str_member<'a>(v: &'a Value, key: &str) -> Result<&'a str, String> {
    v[key]
        .as_str()
        .ok_or_else(|| format!("member `{key}` is not a string"))
}

/// Compares every member of `expected` (except `skip`) with `actual`.
fn compare(expected: &Value, actual: &Value, skip: &[&str]) -> Result<(), String> {
    let Some(expected) = expected.as_object() else {
        return Err("`expected` is not an object".to_owned());
    };
    for (key, want) in expected {
        if skip.contains(&key.as_str()) {
            continue;
        }
        let got = actual.get(key).unwrap_or(&Value::Null);
        if want != got {
            return Err(format!("{key}: expected {want}, got {got}"));
        }
    }
    Ok(())
}

fn identity_class(e: IdentityError) -> &'static str {
    match e {
        IdentityError::InvalidEmail => "INVALID_EMAIL",
        IdentityError::InvalidPhone => "INVALID_PHONE",
        IdentityError::InvalidHash { .. } => "INVALID_HASH",
        _ => "OTHER_IDENTITY_ERROR",
    }
}

fn response_class(e: &ResponseError) -> &'static str {
    match e {
        ResponseError::UnexpectedStatus(_) => "RESPONSE_STATUS",
        ResponseError::MalformedResponse { .. } => "RESPONSE_MALFORMED",
        _ => "OTHER_RESPONSE_ERROR",
    }
}

fn body_json(body: &[u8]) -> Result<Value, String> {
    serde_json::from_slice(body).map_err(|e| format!("request body is not JSON: {e}"))
}

/// Sorts an array of objects by their `input` member, so tables compare as sets.
fn sorted_by_input(v: &Value) -> Value {
    let mut items = v.as_array().cloned().unwrap_or_default();
    items.sort_by(|a, b| a["input"].as_str().cmp(&b["input"].as_str()));
    Value::Array(items)
}

/// Compares `mapped`/`unmapped` as sets keyed by `input`, the other members exactly.
fn compare_tables(expected: &Value, actual: &Value) -> Result<(), String> {
    compare(expected, actual, &["mapped", "unmapped"])?;
    for key in ["mapped", "unmapped"] {
        if let Some(want) = expected.get(key) {
            let (want, got) = (sorted_by_input(want), sorted_by_input(&actual[key]));
            if want != got {
                return Err(format!("{key}: expected {want}, got {got}"));
            }
        }
    }
    Ok(())
}

/// `normalization.json`: validity, normalized form and hash.
fn normalization(case: &Value) -> Result<(), String> {
    let input = str_member(case, "input")?;
    let is_email = case["kind"] == "email";
    let normalized = if is_email {
        identity::normalized_email(input)
    } else {
        identity::normalized_phone(input)
    };
    let hashed = if is_email {
        identity::hash_email(input)
    } else {
        identity::hash_phone(input)
    };
    let actual = match (normalized, hashed) {
        (Ok(n), Ok(h)) => json!({"valid": true, "normalized": n, "hash": h.as_str()}),
        (Err(e1), Err(e2)) => {
            let want = if is_email {
                IdentityError::InvalidEmail
            } else {
                IdentityError::InvalidPhone
            };
            if e1 != want || e2 != want {
                return Err(format!("wrong error: {e1} / {e2}"));
            }
            json!({"valid": false})
        }
        (n, h) => {
            return Err(format!(
                "normalize and hash disagree: {:?} / {:?}",
                n.is_ok(),
                h.is_ok()
            ));
        }
    };
    // The allocation-free path must agree with the `String` one.
    if is_email {
        let mut buf = vec![0u8; identity::max_normalized_email_len(input.len())];
        let n = identity::normalize_email(input, &mut buf).ok();
        let via_buf =
            n.map(|n| String::from_utf8_lossy(buf.get(..n).unwrap_or_default()).into_owned());
        if via_buf.as_deref() != actual["normalized"].as_str() {
            return Err("normalize_email (buffer) disagrees with normalized_email".to_owned());
        }
    }
    compare(&case["expected"], &actual, &[])
}

/// Either the request was refused locally (`Err(class)`) or it was built.
fn map_v2_request(input: &Value) -> Result<Result<IdentityMapV2Request, &'static str>, String> {
    let values: Vec<&str> = input["values"]
        .as_array()
        .ok_or("input.values is not an array")?
        .iter()
        .map(|v| v.as_str().ok_or("input value is not a string"))
        .collect::<Result<_, _>>()?;
    Ok(match str_member(input, "type")? {
        "email" => IdentityMapV2Request::from_emails(&values).map_err(identity_class),
        "phone" => IdentityMapV2Request::from_phones(&values).map_err(identity_class),
        "email_hash" => IdentityMapV2Request::from_email_hashes(&values).map_err(identity_class),
        "phone_hash" => IdentityMapV2Request::from_phone_hashes(&values).map_err(identity_class),
        other => return Err(format!("unknown input type {other}")),
    })
}

fn map_v2(case: &Value) -> Result<(), String> {
    let expected = &case["expected"];
    let request = match map_v2_request(&case["input"])? {
        Ok(r) => r,
        Err(class) => return compare(expected, &json!({"ok": false, "error": class}), &[]),
    };
    let mut actual = Map::new();
    actual.insert("request_json".into(), body_json(request.body())?);
    let document = str_member(case, "response")?;
    match request.parse_response(document.as_bytes()) {
        Ok(resp) => {
            actual.insert("ok".into(), json!(true));
            let mapped: Vec<Value> = resp
                .mapped()
                .iter()
                .map(|(k, m)| json!({"input": k, "raw_uid": m.raw_uid(), "bucket_id": m.bucket_id()}))
                .collect();
            let unmapped: Vec<Value> = resp
                .unmapped()
                .iter()
                .map(|(k, u)| json!({"input": k, "reason": u.raw_reason()}))
                .collect();
            actual.insert("mapped".into(), Value::Array(mapped));
            actual.insert("unmapped".into(), Value::Array(unmapped));
        }
        Err(e) => {
            actual.insert("ok".into(), json!(false));
            actual.insert("error".into(), json!(response_class(&e)));
        }
    }
    compare_tables(expected, &Value::Object(actual))
}

/// The inputs of a v3 case: `input` (array of `{type, value}`) and/or `generate`
/// (`{type, template, count}`, `{i}` in the template replaced by 0, 1, …).
fn v3_inputs(case: &Value) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for item in case["input"].as_array().into_iter().flatten() {
        out.push((
            str_member(item, "type")?.to_owned(),
            str_member(item, "value")?.to_owned(),
        ));
    }
    if let Some(generate) = case.get("generate") {
        let kind = str_member(generate, "type")?;
        let template = str_member(generate, "template")?;
        let count = generate["count"]
            .as_u64()
            .ok_or("generate.count is not an integer")?;
        for i in 0..count {
            out.push((kind.to_owned(), template.replace("{i}", &i.to_string())));
        }
    }
    Ok(out)
}

fn map_v3_input(case: &Value) -> Result<Result<IdentityMapV3Input, &'static str>, String> {
    let mut input = IdentityMapV3Input::new();
    for (kind, value) in v3_inputs(case)? {
        let added = match kind.as_str() {
            "email" => input.add_email(&value).map(|_| ()),
            "phone" => input.add_phone(&value).map(|_| ()),
            "email_hash" => input.add_email_hash(&value).map(|_| ()),
            "phone_hash" => input.add_phone_hash(&value).map(|_| ()),
            other => return Err(format!("unknown input type {other}")),
        };
        if let Err(e) = added {
            return Ok(Err(identity_class(e)));
        }
    }
    Ok(Ok(input))
}

fn v3_result(request: &IdentityMapV3Request, document: &str) -> Result<Map<String, Value>, String> {
    let mut actual = Map::new();
    actual.insert("request_json".into(), body_json(request.body())?);
    match request.parse_response(document.as_bytes()) {
        Ok(resp) => {
            actual.insert("ok".into(), json!(true));
            let mapped: Vec<Value> = resp
                .mapped()
                .iter()
                .map(|(k, m)| {
                    json!({
                        "input": k,
                        "current_raw_uid": m.current_raw_uid(),
                        "previous_raw_uid": m.previous_raw_uid(),
                        "refresh_from_ms": m.refresh_from().as_millis(),
                    })
                })
                .collect();
            let unmapped: Vec<Value> = resp
                .unmapped()
                .iter()
                .map(|(k, u)| json!({"input": k, "reason": u.reason().as_str(), "raw_reason": u.raw_reason()}))
                .collect();
            actual.insert("mapped".into(), Value::Array(mapped));
            actual.insert("unmapped".into(), Value::Array(unmapped));
        }
        Err(e) => {
            actual.insert("ok".into(), json!(false));
            actual.insert("error".into(), json!(response_class(&e)));
        }
    }
    Ok(actual)
}

fn map_v3(case: &Value) -> Result<(), String> {
    let expected = &case["expected"];
    let request = match map_v3_input(case)? {
        Ok(input) => input.into_request(),
        Err(class) => return compare(expected, &json!({"ok": false, "error": class}), &[]),
    };
    let actual = v3_result(&request, str_member(case, "response")?)?;
    compare_tables(expected, &Value::Object(actual))
}

fn map_v3_batches(case: &Value) -> Result<(), String> {
    let expected = &case["expected"];
    let input = match map_v3_input(case)? {
        Ok(input) => input,
        Err(class) => return compare(expected, &json!({"ok": false, "error": class}), &[]),
    };
    let limits = match case.get("limits") {
        None | Some(Value::Null) => BatchLimits::DEFAULT,
        Some(l) => {
            let get = |k: &str| {
                l[k].as_u64()
                    .and_then(|n| usize::try_from(n).ok())
                    .ok_or_else(|| format!("limits.{k} is not an integer"))
            };
            BatchLimits::new(get("max_items")?, get("max_body_bytes")?)
        }
    };
    let actual = match input.into_batches(limits) {
        Ok(batches) => {
            let mut out = Vec::new();
            for b in &batches {
                out.push(json!({
                    "items": b.len(),
                    "body_bytes": b.body().len(),
                    "request_json": body_json(b.body())?,
                }));
            }
            json!({"ok": true, "batches": out})
        }
        Err(BatchError::ItemTooLarge { index, .. }) => {
            json!({"ok": false, "error": "ITEM_TOO_LARGE", "index": index})
        }
        Err(e) => return Err(format!("unexpected batch error: {e}")),
    };
    compare(expected, &actual, &["batches"])?;
    // Each expected batch lists only the members it wants checked.
    if let Some(want) = expected.get("batches") {
        let (want, got) = (
            want.as_array().ok_or("expected.batches")?,
            actual["batches"].as_array().ok_or("no batches")?,
        );
        if want.len() != got.len() {
            return Err(format!(
                "expected {} batches, got {}",
                want.len(),
                got.len()
            ));
        }
        for (i, (w, g)) in want.iter().zip(got).enumerate() {
            compare(w, g, &[]).map_err(|e| format!("batch {i}: {e}"))?;
        }
    }
    Ok(())
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.ffffff](+|-)HH:MM` to microseconds since the epoch (test-side
/// only: it lets the runner hand the library a UTC instant).
fn iso_to_micros(text: &str) -> Result<i64, String> {
    let bad = || format!("unsupported date-time {text:?}");
    let (main, offset) = text
        .split_at_checked(text.len().checked_sub(6).ok_or_else(bad)?)
        .ok_or_else(bad)?;
    let n = |s: &str| s.parse::<i64>().map_err(|_| bad());
    let sign = match offset.as_bytes().first() {
        Some(b'+') => 1,
        Some(b'-') => -1,
        _ => return Err(bad()),
    };
    let offset_secs = sign * (n(&offset[1..3])? * 3600 + n(&offset[4..6])? * 60);
    let (date_time, frac) = main.split_once('.').unwrap_or((main, ""));
    let micros = if frac.is_empty() {
        0
    } else {
        n(&format!("{frac:0<6}")[..6])?
    };
    let (y, mo, d) = (
        n(&date_time[0..4])?,
        n(&date_time[5..7])?,
        n(&date_time[8..10])?,
    );
    let (h, mi, s) = (
        n(&date_time[11..13])?,
        n(&date_time[14..16])?,
        n(&date_time[17..19])?,
    );
    // Days from civil (proleptic Gregorian).
    let yy = if mo <= 2 { y - 1 } else { y };
    let era = yy.div_euclid(400);
    let yoe = yy.rem_euclid(400);
    let doy = (153 * (if mo > 2 { mo - 3 } else { mo + 9 }) + 2) / 5 + d - 1;
    let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468;
    let secs = days * 86_400 + h * 3600 + mi * 60 + s - offset_secs;
    Ok(secs * 1_000_000 + micros)
}

fn buckets(case: &Value) -> Result<(), String> {
    let micros = iso_to_micros(str_member(case, "since")?)?;
    let request = SaltBucketsRequest::since_micros(micros).map_err(|e| e.to_string())?;
    let mut actual = Map::new();
    actual.insert("request_json".into(), body_json(request.body())?);
    match request.parse_response(str_member(case, "response")?.as_bytes()) {
        Ok(list) => {
            actual.insert("ok".into(), json!(true));
            let buckets: Vec<Value> = list
                .iter()
                .map(|b| json!({"bucket_id": b.bucket_id(), "last_updated": b.last_updated()}))
                .collect();
            actual.insert("buckets".into(), Value::Array(buckets));
            if let Some(want) = case["expected"].get("last_updated_ms") {
                let got: Vec<Value> = list
                    .iter()
                    .map(|b| json!(b.last_updated_timestamp().map(|t| t.as_millis())))
                    .collect();
                if *want != Value::Array(got.clone()) {
                    return Err(format!("last_updated_ms: expected {want}, got {got:?}"));
                }
            }
        }
        Err(e) => {
            actual.insert("ok".into(), json!(false));
            actual.insert("error".into(), json!(response_class(&e)));
        }
    }
    compare(
        &case["expected"],
        &Value::Object(actual),
        &["last_updated_ms"],
    )
}

fn optout_status(case: &Value) -> Result<(), String> {
    let expected = &case["expected"];
    let mut ids: Vec<String> = Vec::new();
    for v in case["advertising_ids"].as_array().into_iter().flatten() {
        ids.push(
            v.as_str()
                .ok_or("advertising_ids: not a string")?
                .to_owned(),
        );
    }
    if let Some(generate) = case.get("generate") {
        let template = str_member(generate, "template")?;
        let count = generate["count"]
            .as_u64()
            .ok_or("generate.count is not an integer")?;
        ids.extend((0..count).map(|i| template.replace("{i}", &i.to_string())));
    }
    let request = match OptoutStatusRequest::new(&ids) {
        Ok(r) => r,
        Err(OptoutStatusError::TooManyIds { .. }) => {
            return compare(
                expected,
                &json!({"ok": false, "error": "TOO_MANY_IDS"}),
                &[],
            );
        }
        Err(e) => return Err(format!("unexpected error {e}")),
    };
    let mut actual = Map::new();
    actual.insert("request_json".into(), body_json(request.body())?);
    match request.parse_response(str_member(case, "response")?.as_bytes()) {
        Ok(resp) => {
            actual.insert("ok".into(), json!(true));
            let list: Vec<Value> = resp
                .opted_out()
                .iter()
                .map(|o| json!({"advertising_id": o.raw_uid(), "opted_out_since_ms": o.opted_out_since().as_millis()}))
                .collect();
            actual.insert("opted_out".into(), Value::Array(list));
        }
        Err(e) => {
            actual.insert("ok".into(), json!(false));
            actual.insert("error".into(), json!(response_class(&e)));
        }
    }
    compare(expected, &Value::Object(actual), &[])
}
