//! Writes `test-vectors/cstg.json`: client-side token generation (`/v2/token/client-generate`)
//! vectors with fixed ephemeral keys and IVs, byte for byte.
//!
//! Run from the repository root: `cargo run --example gen_cstg_vectors --features std,test-tokens`.
//! CI reruns it and fails when `git diff --exit-code` finds a change.
//!
//! Expected values are computed here without the SDK's client-side module: P-256 ECDH and DER
//! encoding with RustCrypto `p256`, AES-256-GCM with `aes-gcm`, hashes with `sha2` over
//! normalized forms written out by hand. The first two cases are the protocol specification's
//! vector (§12.4, produced in Python and decrypted with the JCA primitives the operator uses);
//! the generator checks that it reproduces them before writing anything.
#![allow(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    reason = "a developer tool run by hand and in CI; a panic is a visible failure"
)]

use aes_gcm::Aes256Gcm;
use aes_gcm::aead::{AeadInOut as _, KeyInit as _};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use p256::pkcs8::{DecodePrivateKey as _, EncodePublicKey as _};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

/// The specification's synthetic operator key pair (§12.4).
const SPEC_SERVER_PUBLIC: &str = "UID2-X-L-MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE7fOB94C6PGx17+BbMxzf7NLDPq0EavXXAPMEAzTM9Aaf1wLAcpVgKxLGMk3T9NuKSR8zm6vgzvj2dcLrVefdRA==";
const SPEC_SERVER_PRIVATE_PKCS8: &str = "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgDI5IiqPhAl8gdVHIME5a/dX5EK2KzDq65N72hqsO0xmhRANCAATt84H3gLo8bHXv4FszHN/s0sM+rQRq9dcA8wQDNMz0Bp/XAsBylWArEsYyTdP024pJHzObq+DO+PZ1wutV591E";
const SPEC_CLIENT_PRIVATE_PKCS8: &str = "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg27uAD9DULuX8geekGDa0vYWwuACegpVWDFcIj8aVRBKhRANCAARqN56c1cc/yi2VsrQde+lkNWvvIxQx+SOZrddFBYKUqOuDtgLIFErKshT+bZkI8D+o5p0eoxl6FE1ngt0VdFD3";
const SPEC_SHARED: &str = "c118a2d2beee922cf5be42d2e7ea06373b340c50fe3ad92552da8a8130cd9873";
const SPEC_NOW: i64 = 1_700_000_000_000;
const SPEC_IV: &str = "0102030405060708090a0b0c";
const SPEC_PAYLOAD: &str = "1baX0Tn9KYC2G34LfSneTYsb9Eqf67s00/rt8ZsE/1VNQPRKO9CG94G7XESS+Ro6gTcK0bPJh5QuW8kF8aT9GbIyIAb1aqkwdg7jpts=";
const SPEC_PAYLOAD_APP: &str = "1baX0Tn9KYC2G34LfSneTYsb9Eqf67s00/rt8ZsE/1VNQPRKO9CG94G7XESS+Ro6gTcK0bPJh5QuW8kF8VG3nZcUzLNsIzKbEGbkZo0=";
const SPEC_CLIENT_PUBLIC: &str = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEajeenNXHP8otlbK0HXvpZDVr7yMUMfkjma3XRQWClKjrg7YCyBRKyrIU/m2ZCPA/qOadHqMZehRNZ4LdFXRQ9w==";
const SPEC_RESPONSE_IV: &str = "65666768696a6b6c6d6e6f70";
const SPEC_RESPONSE_OPTOUT: &str =
    "ZWZnaGlqa2xtbm9wZn5pO+sddCPa3iOD90+5hly1ExEybtz1edgaiuTPWcxbsys=";
const SUBSCRIPTION: &str = "abcdefghij";

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

/// base64(SHA-256(normalized)).
fn h(normalized: &str) -> String {
    STANDARD.encode(Sha256::digest(normalized.as_bytes()))
}

fn scalar_of_pkcs8(b64: &str) -> [u8; 32] {
    let key = p256::SecretKey::from_pkcs8_der(&STANDARD.decode(b64).unwrap()).unwrap();
    key.to_bytes().into()
}

/// A valid P-256 scalar derived from a label.
fn scalar(label: &str) -> [u8; 32] {
    let bytes: [u8; 32] = Sha256::digest(label.as_bytes()).into();
    assert!(p256::SecretKey::from_slice(&bytes).is_ok(), "{label}");
    bytes
}

fn secret(scalar: &[u8; 32]) -> p256::SecretKey {
    p256::SecretKey::from_slice(scalar).unwrap()
}

fn spki_b64(public: &p256::PublicKey) -> String {
    STANDARD.encode(public.to_public_key_der().unwrap().as_bytes())
}

fn public_text(prefix: &str, public: &p256::PublicKey) -> String {
    format!("{prefix}{}", spki_b64(public))
}

fn shared(secret: &p256::SecretKey, public: &p256::PublicKey) -> [u8; 32] {
    let s = secret.diffie_hellman(public);
    let mut out = [0u8; 32];
    out.copy_from_slice(s.raw_secret_bytes().as_slice());
    out
}

/// `ciphertext ‖ tag`.
fn gcm(key: &[u8; 32], iv: &[u8], plaintext: &[u8], aad: &[u8]) -> Vec<u8> {
    let cipher = Aes256Gcm::new(key.into());
    let mut buf = plaintext.to_vec();
    let iv: &[u8; 12] = iv.try_into().unwrap();
    let tag = cipher
        .encrypt_inout_detached(iv.into(), aad, buf.as_mut_slice().into())
        .unwrap();
    buf.extend_from_slice(&tag);
    buf
}

/// The operator's reply body: base64 of `IV ‖ GCM(document)` without additional data.
fn reply(key: &[u8; 32], iv_hex: &str, document: &str) -> String {
    let iv = unhex(iv_hex);
    let mut blob = iv.clone();
    blob.extend(gcm(key, &iv, document.as_bytes(), b""));
    STANDARD.encode(blob)
}

fn case(name: &str, category: &str, kind: &str, description: &str, mut fields: Value) -> Value {
    let obj = fields.as_object_mut().unwrap();
    obj.insert("name".into(), json!(name));
    obj.insert("category".into(), json!(category));
    obj.insert("kind".into(), json!(kind));
    obj.insert("description".into(), json!(description));
    obj.insert("expectation_source".into(), json!("spec"));
    fields
}

/// What a request case needs: the operator key pair, the identity, the requester, the time
/// and the ephemeral key and IV.
struct Req<'a> {
    server_scalar: [u8; 32],
    identity: (&'a str, &'a str),
    /// The hash the payload must carry (`None`: the identity is refused locally).
    hash: Option<String>,
    origin: Option<&'a str>,
    app_name: Option<&'a str>,
    now: i64,
    /// Rejected draws (each 32 bytes) before the ephemeral scalar.
    rejected: Vec<[u8; 32]>,
    ephemeral: [u8; 32],
    iv: &'a str,
}

impl Req<'_> {
    fn server_public(&self) -> p256::PublicKey {
        secret(&self.server_scalar).public_key()
    }

    fn random_hex(&self) -> String {
        let mut out = String::new();
        for r in &self.rejected {
            out.push_str(&hex(r));
        }
        out.push_str(&hex(&self.ephemeral));
        out.push_str(self.iv);
        out
    }

    fn key(&self) -> [u8; 32] {
        shared(&secret(&self.ephemeral), &self.server_public())
    }

    fn member(&self) -> &'static str {
        if matches!(self.identity.0, "phone" | "phone_hash") {
            "phone_hash"
        } else {
            "email_hash"
        }
    }

    fn plaintext(&self) -> String {
        format!(
            r#"{{"{}":"{}"}}"#,
            self.member(),
            self.hash.as_deref().unwrap()
        )
    }

    fn aad(&self) -> String {
        match self.app_name {
            Some(app) => serde_json::to_string(&json!([self.now, app])).unwrap(),
            None => format!("[{}]", self.now),
        }
    }

    /// The request members every case carries.
    fn inputs(&self) -> Value {
        json!({
            "server_public_key": public_text("UID2-X-L-", &self.server_public()),
            "server_private_key": hex(&self.server_scalar),
            "subscription_id": SUBSCRIPTION,
            "identity": {"type": self.identity.0, "value": self.identity.1},
            "origin": self.origin,
            "app_name": self.app_name,
            "now_ms": self.now,
            "random": self.random_hex(),
        })
    }

    /// The expected request: its body members, derived values and headers.
    fn expected(&self) -> Value {
        let key = self.key();
        let plaintext = self.plaintext();
        let aad = self.aad();
        let sealed = gcm(&key, &unhex(self.iv), plaintext.as_bytes(), aad.as_bytes());
        let mut body = json!({
            "payload": STANDARD.encode(sealed),
            "iv": STANDARD.encode(unhex(self.iv)),
            "public_key": spki_b64(&secret(&self.ephemeral).public_key()),
            "timestamp": self.now,
            "subscription_id": SUBSCRIPTION,
        });
        if let Some(app) = self.app_name {
            body["app_name"] = json!(app);
        }
        json!({
            "ok": true,
            "body": body,
            "origin_header": self.origin,
            "plaintext": plaintext,
            "aad": aad,
            "shared_secret": hex(&key),
        })
    }
}

fn spec_req<'a>(app_name: Option<&'a str>, origin: Option<&'a str>) -> Req<'a> {
    Req {
        server_scalar: scalar_of_pkcs8(SPEC_SERVER_PRIVATE_PKCS8),
        identity: ("email", "user@example.com"),
        hash: Some(h("user@example.com")),
        origin,
        app_name,
        now: SPEC_NOW,
        rejected: Vec::new(),
        ephemeral: scalar_of_pkcs8(SPEC_CLIENT_PRIVATE_PKCS8),
        iv: SPEC_IV,
    }
}

/// Checks that the independent computation above reproduces the specification's vector.
fn check_spec() {
    let plain = spec_req(None, None);
    assert_eq!(
        public_text("UID2-X-L-", &plain.server_public()),
        SPEC_SERVER_PUBLIC
    );
    assert_eq!(hex(&plain.key()), SPEC_SHARED);
    let e = plain.expected();
    assert_eq!(e["body"]["payload"], SPEC_PAYLOAD);
    assert_eq!(e["body"]["public_key"], SPEC_CLIENT_PUBLIC);
    assert_eq!(e["body"]["iv"], "AQIDBAUGBwgJCgsM");
    assert_eq!(e["aad"], "[1700000000000]");
    assert_eq!(
        plain.plaintext(),
        r#"{"email_hash":"tMmiiTI7IaAcPpQPFQ65uMVCWH8av9jw4cwf/F5HVRQ="}"#
    );
    let app = spec_req(Some("com.example.app"), None).expected();
    assert_eq!(app["body"]["payload"], SPEC_PAYLOAD_APP);
    assert_eq!(app["aad"], r#"[1700000000000,"com.example.app"]"#);
    assert_eq!(
        reply(&plain.key(), SPEC_RESPONSE_IV, r#"{"status":"optout"}"#),
        SPEC_RESPONSE_OPTOUT
    );
}

fn key_cases() -> Vec<Value> {
    let server = secret(&scalar_of_pkcs8(SPEC_SERVER_PRIVATE_PKCS8)).public_key();
    let spki = spki_b64(&server);
    let ok = |name: &str, text: String, scope: &str, env: &str, description: &str| {
        case(
            name,
            "server_public_key",
            "cstg_server_public_key",
            description,
            json!({"text": text, "expected": {"ok": true, "scope": scope, "environment": env}}),
        )
    };
    let bad = |name: &str, text: String, description: &str| {
        case(
            name,
            "server_public_key",
            "cstg_server_public_key",
            description,
            json!({"text": text, "expected": {"ok": false, "error": "INVALID_SERVER_PUBLIC_KEY"}}),
        )
    };
    let mut p384_like = STANDARD.decode(&spki).unwrap();
    p384_like[21] ^= 0x01; // the curve OID's last byte: not prime256v1 any more
    let mut off_curve = STANDARD.decode(&spki).unwrap();
    off_curve[90] ^= 0x01; // the last byte of Y
    vec![
        ok(
            "uid2_local",
            SPEC_SERVER_PUBLIC.into(),
            "UID2",
            "L",
            "the specification's key",
        ),
        ok(
            "euid_integration",
            format!("EUID-X-I-{spki}"),
            "EUID",
            "I",
            "EUID prefix, environment I",
        ),
        ok(
            "surrounding_whitespace",
            format!("  UID2-X-P-{spki}\n"),
            "UID2",
            "P",
            "whitespace around the key is ignored",
        ),
        bad(
            "private_key_marker",
            format!("UID2-Y-L-{spki}"),
            "-Y- marks the operator's private key",
        ),
        bad(
            "unknown_scope",
            format!("UID3-X-L-{spki}"),
            "scope must be UID2 or EUID",
        ),
        bad(
            "lower_case_environment",
            format!("UID2-X-l-{spki}"),
            "the environment is one upper-case letter",
        ),
        bad(
            "no_prefix",
            spki.clone(),
            "the bare SPKI without its prefix",
        ),
        bad(
            "unpadded_base64",
            format!("UID2-X-L-{}", spki.trim_end_matches('=')),
            "padding is required",
        ),
        bad(
            "other_curve",
            format!("UID2-X-L-{}", STANDARD.encode(p384_like)),
            "the SPKI names another curve",
        ),
        bad(
            "point_off_curve",
            format!("UID2-X-L-{}", STANDARD.encode(off_curve)),
            "the point is not on P-256",
        ),
        bad("empty", String::new(), "empty text"),
    ]
}

fn request_cases() -> Vec<Value> {
    let request = |name: &str, description: &str, r: &Req<'_>| {
        let mut fields = r.inputs();
        fields["expected"] = r.expected();
        case(name, "request", "cstg_request", description, fields)
    };
    let refused = |name: &str, description: &str, r: &Req<'_>, error: &str| {
        let mut fields = r.inputs();
        fields["expected"] = json!({"ok": false, "error": error});
        case(name, "request", "cstg_request", description, fields)
    };
    let other = |identity, hash: Option<String>| Req {
        server_scalar: scalar("cstg vectors: operator 2"),
        identity,
        hash,
        origin: Some("https://www.example.com"),
        app_name: None,
        now: 1_717_243_800_123,
        rejected: Vec::new(),
        ephemeral: scalar("cstg vectors: ephemeral 2"),
        iv: "a0a1a2a3a4a5a6a7a8a9aaab",
    };
    let mut redraw = other(
        ("email_hash", "tMmiiTI7IaAcPpQPFQ65uMVCWH8av9jw4cwf/F5HVRQ="),
        Some(h("user@example.com")),
    );
    // All ones and all zeros are not scalars: the SDK draws again.
    redraw.rejected = vec![[0xff; 32], [0; 32]];
    let mut phone_app = other(("phone", "+12345678901"), Some(h("+12345678901")));
    phone_app.origin = None;
    phone_app.app_name = Some("Com.Example.App/\"tv\"");
    vec![
        request(
            "spec_email",
            "the specification's vector, sent for a web origin",
            &spec_req(None, Some("https://www.example.com")),
        ),
        request(
            "spec_email_app_name",
            "the specification's vector with an app name (bound into the additional data)",
            &spec_req(Some("com.example.app"), None),
        ),
        request(
            "raw_email_normalized",
            "a raw email is normalized and hashed before sealing",
            &other(
                ("email", "  User.Name+tag@GMAIL.com "),
                Some(h("username@gmail.com")),
            ),
        ),
        request(
            "phone_with_escaped_app_name",
            "a phone number; an app name with characters JSON escapes",
            &phone_app,
        ),
        request(
            "email_hash_after_rejected_draws",
            "draws that are not P-256 scalars are drawn again",
            &redraw,
        ),
        request(
            "hex_phone_hash",
            "a phone hash given as 64 hex digits is sent as base64",
            &other(
                (
                    "phone_hash",
                    "10e6f0b47054a83359477dcb35231db6de5c69fb1816e1a6b98e192de9e5b9ee",
                ),
                Some("EObwtHBUqDNZR33LNSMdtt5cafsYFuGmuY4ZLenlue4=".into()),
            ),
        ),
        refused(
            "invalid_email",
            "no request for an invalid email",
            &other(("email", "not-an-email"), None),
            "INVALID_EMAIL",
        ),
        refused(
            "invalid_phone",
            "no request for a phone number without +",
            &other(("phone", "12345678901"), None),
            "INVALID_PHONE",
        ),
        refused(
            "origin_with_path",
            "an origin has no path",
            &Req {
                origin: Some("https://www.example.com/page"),
                ..other(("email", "user@example.com"), None)
            },
            "INVALID_ORIGIN",
        ),
        refused(
            "app_name_with_newline",
            "app names with control characters are refused",
            &Req {
                origin: None,
                app_name: Some("com.example\napp"),
                ..other(("email", "user@example.com"), None)
            },
            "INVALID_APP_NAME",
        ),
    ]
}

fn response_cases() -> Vec<Value> {
    let base = spec_req(None, Some("https://www.example.com"));
    let key = base.key();
    let response = |name: &str, description: &str, status: u16, body: String, expected: Value| {
        let mut fields = base.inputs();
        fields["status"] = json!(status);
        fields["body"] = json!(body);
        fields["expected"] = expected;
        case(name, "response", "cstg_response", description, fields)
    };
    let identity = json!({
        "advertising_token": "A4AAAAs_cstg_vector_advertising_token",
        "refresh_token": "AAAAAcstg_vector_refresh_token",
        "identity_expires": 1_700_010_800_000_i64,
        "refresh_expires": 1_702_592_000_000_i64,
        "refresh_from": 1_700_003_600_000_i64,
        "refresh_response_key": "P941vVeuyjaDRVnFQ8DPd0AZnW4bPeiJPXER2K9QXcU=",
    });
    let success = json!({"body": identity, "status": "success"}).to_string();
    let mut incomplete = identity.clone();
    incomplete.as_object_mut().unwrap().remove("refresh_token");
    let incomplete = json!({"body": incomplete, "status": "success"}).to_string();
    let other_key = shared(
        &secret(&scalar("cstg vectors: ephemeral 2")),
        &base.server_public(),
    );
    let error = |class: &str| json!({"ok": false, "error": class});
    vec![
        response(
            "spec_optout",
            "the specification's optout reply",
            200,
            SPEC_RESPONSE_OPTOUT.into(),
            json!({"ok": true, "status": "optout"}),
        ),
        response(
            "success_identity",
            "an identity, opened into its members",
            200,
            reply(&key, "101112131415161718191a1b", &success),
            json!({
                "ok": true,
                "status": "success",
                "identity": {
                    "advertising_token": identity["advertising_token"],
                    "refresh_token": identity["refresh_token"],
                    "identity_expires_ms": identity["identity_expires"],
                    "refresh_expires_ms": identity["refresh_expires"],
                    "refresh_from_ms": identity["refresh_from"],
                },
            }),
        ),
        response(
            "success_with_newline",
            "whitespace around the base64 body is ignored",
            200,
            format!(
                "{}\r\n",
                reply(&key, "202122232425262728292a2b", r#"{"status":"optout"}"#)
            ),
            json!({"ok": true, "status": "optout"}),
        ),
        response(
            "sealed_for_another_request",
            "a reply sealed with another shared secret does not open",
            200,
            reply(&other_key, SPEC_RESPONSE_IV, r#"{"status":"optout"}"#),
            error("DECRYPT_FAILED"),
        ),
        response(
            "not_base64",
            "a 200 body that is not base64",
            200,
            r#"{"status":"success"}"#.into(),
            error("DECRYPT_FAILED"),
        ),
        response(
            "too_short",
            "shorter than an IV and a tag",
            200,
            STANDARD.encode([7u8; 27]),
            error("DECRYPT_FAILED"),
        ),
        response(
            "invalid_http_origin",
            "403: the origin is not registered for the site (plain JSON)",
            403,
            r#"{"status":"invalid_http_origin","message":"unexpected http origin"}"#.into(),
            json!({"ok": false, "error": "HTTP_STATUS", "http_status": 403, "operator_status": "invalid_http_origin"}),
        ),
        response(
            "bad_subscription",
            "400: unknown subscription id",
            400,
            r#"{"status":"client_error","message":"bad subscription_id"}"#.into(),
            json!({"ok": false, "error": "HTTP_STATUS", "http_status": 400, "operator_status": "client_error"}),
        ),
        response(
            "unexpected_status",
            "an authentic reply whose status is neither success nor optout",
            200,
            reply(&key, SPEC_RESPONSE_IV, r#"{"status":"client_error"}"#),
            error("RESPONSE_STATUS"),
        ),
        response(
            "identity_without_refresh_token",
            "a success reply whose identity lacks a member",
            200,
            reply(&key, SPEC_RESPONSE_IV, &incomplete),
            error("RESPONSE_MALFORMED"),
        ),
    ]
}

fn server_cases() -> Vec<Value> {
    let spec = spec_req(None, None);
    let spec_app = spec_req(Some("com.example.app"), None);
    let body = |r: &Req<'_>| r.expected()["body"].clone();
    let server = |name: &str, description: &str, body: Value, expected: Value| {
        case(
            name,
            "operator",
            "cstg_server_request",
            description,
            json!({
                "server_private_key": hex(&spec.server_scalar),
                "body": body.to_string(),
                "expected": expected,
            }),
        )
    };
    let rejected = |message: &str| json!({"ok": false, "message": message});
    let with = |mut b: Value, member: &str, value: Value| {
        if value.is_null() {
            b.as_object_mut().unwrap().remove(member);
        } else {
            b[member] = value;
        }
        b
    };
    let mut string_timestamp = body(&spec);
    string_timestamp["timestamp"] = json!(SPEC_NOW.to_string());
    vec![
        server(
            "opens_spec_request",
            "the operator opens the specification's request",
            body(&spec),
            json!({"ok": true, "subscription_id": SUBSCRIPTION, "app_name": null, "timestamp": SPEC_NOW, "payload": spec.plaintext()}),
        ),
        server(
            "opens_spec_request_with_app_name",
            "the app name is part of the additional data",
            body(&spec_app),
            json!({"ok": true, "subscription_id": SUBSCRIPTION, "app_name": "com.example.app", "timestamp": SPEC_NOW, "payload": spec.plaintext()}),
        ),
        server(
            "timestamp_as_string",
            "a timestamp sent as a decimal string is read as the integer",
            string_timestamp,
            json!({"ok": true, "timestamp": SPEC_NOW, "payload": spec.plaintext()}),
        ),
        server(
            "changed_timestamp",
            "the timestamp is bound by the additional data",
            with(body(&spec), "timestamp", json!(SPEC_NOW + 1)),
            rejected("payload decryption failed"),
        ),
        server(
            "app_name_removed",
            "dropping the app name changes the additional data",
            with(body(&spec_app), "app_name", Value::Null),
            rejected("payload decryption failed"),
        ),
        server(
            "missing_iv",
            "payload, iv and public_key are required",
            with(body(&spec), "iv", Value::Null),
            rejected("required parameters: payload, iv, public_key"),
        ),
        server(
            "short_iv",
            "the IV must be 12 bytes",
            with(body(&spec), "iv", json!("AQIDBAUGBwg=")),
            rejected("bad iv"),
        ),
        server(
            "bad_public_key",
            "the client key must be a P-256 SubjectPublicKeyInfo",
            with(body(&spec), "public_key", json!("AQID")),
            rejected("bad public key"),
        ),
        case(
            "not_json",
            "operator",
            "cstg_server_request",
            "the body is not JSON",
            json!({"server_private_key": hex(&spec.server_scalar), "body": "payload=1", "expected": rejected("json payload is not valid")}),
        ),
    ]
}

fn main() {
    check_spec();
    let mut cases = Vec::new();
    cases.extend(key_cases());
    cases.extend(request_cases());
    cases.extend(response_cases());
    cases.extend(server_cases());
    let file = json!({
        "format_version": 1,
        "source": "uid2 Rust SDK (this repository), examples/gen_cstg_vectors.rs",
        "description": "Client-side token generation (/v2/token/client-generate): server public keys, byte-exact requests from fixed ephemeral keys and IVs, replies, and the operator side.",
        "cases": cases,
    });
    let mut text = serde_json::to_string_pretty(&file).unwrap();
    text.push('\n');
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("test-vectors/cstg.json");
    std::fs::write(&path, text).unwrap();
    println!(
        "wrote {} cases to {}",
        file["cases"].as_array().map_or(0, Vec::len),
        path.display()
    );
}
