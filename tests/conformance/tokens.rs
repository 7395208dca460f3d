//! `keysets.json`, `tokens.json` and `sharing.json`: key sets, token decryption and sharing
//! encryption.

use serde_json::{Value, json};
use uid2::random::ReplayRandom;
use uid2::token::{ClientType, DecryptError, DecryptedToken, TokenInfo};
use uid2::{KeySet, Timestamp};

use crate::report::check_member;

fn b64(text: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .expect("vector base64")
}

/// The key set of a case: `null` → not loaded; otherwise a `body` object.
pub fn keyset(value: &Value) -> Result<Option<KeySet>, String> {
    if value.is_null() {
        return Ok(None);
    }
    let doc = json!({ "body": value, "status": "success" }).to_string();
    KeySet::parse(doc.as_bytes())
        .map(Some)
        .map_err(|e| format!("key set rejected: {e}"))
}

#[allow(
    deprecated,
    reason = "the vectors still cover the deprecated client type"
)]
fn client_type(name: &str) -> Result<ClientType, String> {
    match name {
        "bidstream" => Ok(ClientType::Bidstream),
        "sharing" => Ok(ClientType::Sharing),
        "legacy" => Ok(ClientType::Legacy),
        other => Err(format!("unknown client_type {other}")),
    }
}

fn info_json(info: &TokenInfo) -> serde_json::Map<String, Value> {
    let mut m = serde_json::Map::new();
    m.insert("established_ms".into(), json!(info.established.as_millis()));
    m.insert("site_id".into(), json!(info.site_id));
    m.insert(
        "site_key_site_id".into(),
        json!(info.site_key_site_id.unwrap_or(-1)),
    );
    m.insert("identity_scope".into(), json!(info.identity_scope.as_str()));
    m.insert(
        "identity_type".into(),
        json!(info.identity_type.map(|t| t.as_str())),
    );
    m.insert(
        "advertising_token_version".into(),
        json!(info.version.number()),
    );
    m.insert(
        "is_client_side_generated".into(),
        json!(info.is_client_side_generated()),
    );
    m.insert("expiry_ms".into(), json!(info.expiry.as_millis()));
    m
}

/// The outcome of a decryption as the vectors describe it.
pub fn outcome(result: &Result<DecryptedToken, DecryptError>) -> Value {
    match result {
        Ok(t) => {
            let mut m = info_json(t.info());
            m.insert("status".into(), json!("SUCCESS"));
            m.insert("uid".into(), json!(t.uid().as_str()));
            Value::Object(m)
        }
        Err(e) => {
            let mut m = e.token_info().map(info_json).unwrap_or_default();
            m.insert("status".into(), json!(e.as_status().as_str()));
            Value::Object(m)
        }
    }
}

/// Compares every member of `expected` with `actual`.
pub fn compare(expected: &Value, actual: &Value) -> Result<(), String> {
    let Some(members) = expected.as_object() else {
        return Err("expected is not an object".into());
    };
    for key in members.keys() {
        check_member(expected, key, actual.get(key).unwrap_or(&Value::Null))?;
    }
    Ok(())
}

fn decrypt_case(
    keys: &Value,
    client: &str,
    domain: &Value,
    now: i64,
    token: &str,
    expected: &Value,
) -> Result<(), String> {
    let keys = keyset(keys)?;
    let result = uid2::token::decrypt(
        keys.as_ref(),
        token,
        client_type(client)?,
        domain.as_str(),
        Timestamp::from_millis(now),
    );
    compare(expected, &outcome(&result))
}

pub mod decryption {
    use super::*;

    pub fn applies(case: &Value) -> bool {
        case.get("token").is_some() && case.get("client_type").is_some()
    }

    pub fn run(case: &Value) -> Result<(), String> {
        rebuild(case)?;
        decrypt_case(
            &case["keyset"],
            case["client_type"].as_str().unwrap_or_default(),
            &case["domain_or_app_name"],
            case["now_ms"].as_i64().ok_or("now_ms")?,
            case["token"].as_str().ok_or("token")?,
            &case["expected"],
        )
    }
}

/// When a case says how its token was built, the test-token builder must reproduce it byte for
/// byte from the same fields, keys and nonces.
fn rebuild(case: &Value) -> Result<(), String> {
    use uid2::token::{TokenBuilder, TokenVersion};
    use uid2::{IdentityScope, IdentityType};
    let p = &case["token_params"];
    if p.is_null() || !p["mutation"].is_null() {
        return Ok(());
    }
    let Some(keys) = keyset(&case["keyset"])? else {
        return Ok(());
    };
    // Tokens made with keys the decrypting key set lacks cannot be rebuilt from it.
    let (Some(master), Some(site)) = (
        keys.key(p["master_key_id"].as_i64().ok_or("master_key_id")?),
        keys.key(p["site_key_id"].as_i64().ok_or("site_key_id")?),
    ) else {
        return Ok(());
    };
    let version = match p["version"].as_i64() {
        Some(2) => TokenVersion::V2,
        Some(3) => TokenVersion::V3,
        _ => TokenVersion::V4,
    };
    let ms = |k: &str| p[k].as_i64().map(Timestamp::from_millis);
    let mut b = TokenBuilder::new(
        version,
        p["raw_uid"].as_str().ok_or("raw_uid")?,
        master,
        site,
        Timestamp::UNIX_EPOCH,
    )
    .site_id(i32::try_from(p["site_id"].as_i64().ok_or("site_id")?).map_err(|e| e.to_string())?)
    .privacy_bits(
        u32::try_from(p["privacy_bits"].as_u64().ok_or("privacy_bits")?)
            .map_err(|e| e.to_string())?,
    )
    .established(ms("established_ms").ok_or("established_ms")?)
    .expires(ms("expires_ms").ok_or("expires_ms")?)
    .scope(if p["identity_scope"] == "EUID" {
        IdentityScope::Euid
    } else {
        IdentityScope::Uid2
    });
    if let Some(g) = ms("generated_ms") {
        b = b.generated(g);
    }
    match p["identity_type"].as_str() {
        Some("PHONE") => b = b.identity_type(IdentityType::Phone),
        Some("EMAIL") => b = b.identity_type(IdentityType::Email),
        _ => {}
    }
    if let Some(v) = p["version_byte"].as_u64() {
        b = b.version_byte(u8::try_from(v).map_err(|e| e.to_string())?);
    }
    let mut random = Vec::new();
    for k in ["identity_iv", "master_iv", "site_nonce", "master_nonce"] {
        if let Some(t) = p[k].as_str() {
            random.extend(b64(t));
        }
    }
    let built = b
        .build(&mut ReplayRandom::new(&random))
        .map_err(|e| format!("builder: {e}"))?;
    let token = case["token"].as_str().ok_or("token")?;
    // Vectors re-encoded on purpose (other alphabet or padding) are compared as bytes.
    let decode = |t: &str| {
        use base64::Engine as _;
        let std: String = t
            .trim_end_matches('=')
            .chars()
            .map(|c| match c {
                '-' => '+',
                '_' => '/',
                c => c,
            })
            .collect();
        base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(std)
            .ok()
    };
    if built.as_str() != token && decode(built.as_str()) != decode(token) {
        return Err(format!("builder produced {built}, vector has {token}"));
    }
    Ok(())
}

pub mod sharing {
    use super::*;

    pub fn applies(case: &Value) -> bool {
        case.get("raw_uid").is_some() && case.get("nonces").is_some()
    }

    pub fn run(case: &Value) -> Result<(), String> {
        let keys = keyset(&case["keyset"])?;
        let mut nonces = b64(case["nonces"]["site_payload_nonce"]
            .as_str()
            .ok_or("site nonce")?);
        nonces.extend(b64(case["nonces"]["master_payload_nonce"]
            .as_str()
            .ok_or("master nonce")?));
        let mut rng = ReplayRandom::new(&nonces);
        let now = Timestamp::from_millis(case["now_ms"].as_i64().ok_or("now_ms")?);
        let raw_uid = case["raw_uid"].as_str().ok_or("raw_uid")?;
        let result = match &keys {
            None => uid2::token::encrypt(None, raw_uid, now, &mut rng),
            Some(k) => k.encrypt_with_keyset(raw_uid, case["keyset_id"].as_i64(), now, &mut rng),
        };
        let actual = match &result {
            Ok(t) => json!({ "status": "SUCCESS", "token": t.as_str() }),
            Err(e) => json!({ "status": e.as_status().as_str() }),
        };
        let expected = &case["expected"];
        check_member(expected, "status", &actual["status"])?;
        check_member(expected, "token", &actual["token"])?;
        if let Ok(token) = &result {
            check_fields(
                &expected["token_fields"],
                token.as_str(),
                keys.as_ref(),
                now,
            )?;
        }
        for check in case["decrypt_checks"].as_array().into_iter().flatten() {
            decrypt_case(
                &check["keyset"],
                check["client_type"].as_str().unwrap_or_default(),
                &Value::Null,
                check["now_ms"].as_i64().ok_or("now_ms")?,
                result
                    .as_ref()
                    .map(|t| t.as_str())
                    .map_err(|e| format!("no token: {e}"))?,
                &check["expected"],
            )
            .map_err(|e| format!("decrypt check {}: {e}", check["name"]))?;
        }
        Ok(())
    }

    /// Decrypts the produced token with the sender's own keys and compares its content.
    fn check_fields(
        fields: &Value,
        token: &str,
        keys: Option<&KeySet>,
        now: Timestamp,
    ) -> Result<(), String> {
        if fields.is_null() {
            return Ok(());
        }
        #[allow(
            deprecated,
            reason = "reads the token's fields without the policy checks"
        )]
        let t = uid2::token::decrypt(keys, token, ClientType::Legacy, None, now)
            .map_err(|e| format!("own token does not decrypt: {e}"))?;
        let actual = json!({
            "version": t.version().number(),
            "identity_scope": t.identity_scope().as_str(),
            "identity_type": t.identity_type().map(|i| i.as_str()),
            "site_id": t.site_id(),
            "privacy_bits": t.info().privacy_bits,
            "established_ms": t.established().as_millis(),
            "generated_ms": t.info().generated.map(|g| g.as_millis()),
            "expires_ms": t.expiry().as_millis(),
            "raw_uid": t.uid().as_str(),
        });
        for key in [
            "version",
            "identity_scope",
            "identity_type",
            "site_id",
            "privacy_bits",
            "established_ms",
            "generated_ms",
            "expires_ms",
            "raw_uid",
        ] {
            check_member(fields, key, &actual[key]).map_err(|e| format!("token_fields.{e}"))?;
        }
        Ok(())
    }
}

pub mod keysets {
    use super::*;

    pub fn applies(case: &Value) -> bool {
        case.get("document").is_some()
    }

    pub fn run(case: &Value) -> Result<(), String> {
        let expected = &case["expected"];
        let parsed = KeySet::parse(case["document"].as_str().ok_or("document")?.as_bytes());
        let want_ok = expected["parse_ok"].as_bool().ok_or("parse_ok")?;
        let set = match (parsed, want_ok) {
            (Ok(set), true) => set,
            (Err(_), false) => return Ok(()),
            (Ok(_), false) => return Err("document accepted, expected rejection".into()),
            (Err(e), true) => return Err(format!("document rejected: {e}")),
        };
        let c = set.config();
        let header = json!({
            "identity_scope": c.identity_scope.as_str(),
            "caller_site_id": c.caller_site_id,
            "master_keyset_id": c.master_keyset_id,
            "default_keyset_id": c.default_keyset_id,
            "token_expiry_seconds": c.token_expiry_seconds,
            "max_bidstream_lifetime_seconds": c.max_bidstream_lifetime_seconds,
            "max_sharing_lifetime_seconds": c.max_sharing_lifetime_seconds,
            "allow_clock_skew_seconds": c.allow_clock_skew_seconds,
        });
        for key in header.as_object().into_iter().flat_map(|m| m.keys()) {
            check_member(expected, key, &header[key])?;
        }
        let keys: Vec<Value> = set
            .keys()
            .iter()
            .map(|k| {
                use base64::Engine as _;
                json!({
                    "id": k.id(),
                    "keyset_id": k.keyset_id(),
                    "created_ms": k.created().as_millis(),
                    "activates_ms": k.activates().as_millis(),
                    "expires_ms": k.expires().as_millis(),
                    "secret": base64::engine::general_purpose::STANDARD.encode(k.secret().expose()),
                })
            })
            .collect();
        check_member(expected, "keys", &Value::Array(keys))?;
        let sites: Vec<Value> = set
            .sites()
            .iter()
            .map(|s| json!({ "site_id": s.id(), "domain_names": s.names().collect::<Vec<_>>() }))
            .collect();
        check_member(expected, "sites", &Value::Array(sites))?;
        for q in expected["queries"].as_array().into_iter().flatten() {
            let now = Timestamp::from_millis(q["now_ms"].as_i64().ok_or("now_ms")?);
            let by_keyset: serde_json::Map<String, Value> = set
                .keyset_ids()
                .map(|ks| {
                    (
                        ks.to_string(),
                        json!(set.active_key(ks, now).map(|k| k.id())),
                    )
                })
                .collect();
            let actual = json!({
                "keys_valid": set.is_valid(now),
                "master_key_id": set.master_key(now).map(|k| k.id()),
                "default_key_id": set.default_key(now).map(|k| k.id()),
                "active_key_by_keyset": by_keyset,
            });
            compare(
                &json!({
                    "keys_valid": q["keys_valid"],
                    "master_key_id": q["master_key_id"],
                    "default_key_id": q["default_key_id"],
                    "active_key_by_keyset": q["active_key_by_keyset"],
                }),
                &actual,
            )
            .map_err(|e| format!("query at {}: {e}", q["now_ms"]))?;
        }
        for d in expected["domain_checks"].as_array().into_iter().flatten() {
            let allowed = set.is_domain_or_app_name_allowed(
                d["site_id"].as_i64().ok_or("site_id")?,
                d["domain_or_app_name"].as_str(),
            );
            check_member(d, "allowed", &json!(allowed))
                .map_err(|e| format!("domain check {d}: {e}"))?;
        }
        Ok(())
    }
}
