//! Runner for `normalization.json` (kinds `email`, `phone`) and `identity_map.json` (kinds
//! `identity_map_v2`, `identity_map_v3`, `identity_buckets`), plus the project's
//! `identity_extra.json` (see `test-vectors/README.md`).
#![allow(
    clippy::indexing_slicing,
    reason = "`serde_json::Value` indexing returns `Null` for a missing member and never panics"
)]

use serde_json::{Value, json};
use uid2::identity::{self, IdentityError};

/// Whether this runner understands `case`.
pub(crate) fn applies(case: &Value) -> bool {
    matches!(case["kind"].as_str(), Some("email" | "phone"))
}

/// Runs one case.
pub(crate) fn run(case: &Value) -> Result<(), String> {
    match case["kind"].as_str() {
        Some("email" | "phone") => normalization(case),
        other => Err(format!("identity runner: unknown kind {other:?}")),
    }
}

fn str_member<'a>(v: &'a Value, key: &str) -> Result<&'a str, String> {
    v[key]
        .as_str()
        .ok_or_else(|| format!("case member `{key}` is not a string"))
}

/// `normalization.json`: validity, normalized form and hash.
fn normalization(case: &Value) -> Result<(), String> {
    let input = str_member(case, "input")?;
    let expected = &case["expected"];
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
    for key in ["valid", "normalized", "hash"] {
        let got = actual.get(key).cloned().unwrap_or(Value::Null);
        if let Some(want) = expected.get(key)
            && *want != got
        {
            return Err(format!("{key}: expected {want}, got {got}"));
        }
    }
    Ok(())
}
