//! Writes `test-vectors/envelope_extra.json`: response envelopes the imported Python-generated
//! set does not cover, above all authentic replies whose plaintext is too short to carry the
//! 8-byte timestamp and 8-byte nonce (the specification's response step 5: `NONCE_MISMATCH`,
//! not `DECRYPT_FAILED`).
//!
//! Run from the repository root: `cargo run --example gen_envelope_vectors --features std`.
//! CI reruns it and fails when `git diff --exit-code` finds a change.
//!
//! Each reply is sealed here with `aes-gcm` directly (IV ‖ ciphertext ‖ tag, no AAD), not with
//! the library, so the expectations do not depend on the code under test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "a developer tool run by hand and in CI; a panic is a visible failure"
)]

use aes_gcm::aead::{AeadInOut as _, KeyInit as _};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

/// The client secret of the imported envelope vectors.
const SECRET: &str = "AWt/DGc8wAdVeoHRKezCl1gZLgpwhpV4SqGN8jH6xtE=";
/// The request nonce those vectors answer.
const NONCE: [u8; 8] = [0x80, 0xe2, 0x25, 0xa9, 0xe6, 0x73, 0x05, 0x74];
/// A nonce the request did not send.
const OTHER_NONCE: [u8; 8] = [1, 2, 3, 4, 5, 6, 7, 8];
const TIMESTAMP_MS: i64 = 1_717_243_205_000;

/// `IV ‖ AES-256-GCM(plaintext) ‖ tag` under the vectors' secret, with a fixed IV.
fn seal(iv_seed: u8, plaintext: &[u8]) -> Vec<u8> {
    let key = STANDARD.decode(SECRET).unwrap();
    let cipher = Aes256Gcm::new_from_slice(&key).unwrap();
    let iv = [iv_seed; 12];
    let mut body = plaintext.to_vec();
    let tag = cipher
        .encrypt_inout_detached(&Nonce::from(iv), b"", body.as_mut_slice().into())
        .unwrap();
    [iv.as_slice(), &body, tag.as_slice()].concat()
}

/// `timestamp ‖ nonce ‖ document`, cut to `len` bytes.
fn plaintext(nonce: [u8; 8], document: &[u8], len: usize) -> Vec<u8> {
    let full = [&TIMESTAMP_MS.to_be_bytes()[..], &nonce, document].concat();
    full[..len.min(full.len())].to_vec()
}

fn case(name: &str, description: &str, binary: bool, blob: &[u8], expected: Value) -> Value {
    json!({
        "name": name,
        "category": "response_envelope",
        "kind": "response_envelope",
        "description": description,
        "secret": SECRET,
        "request_nonce": STANDARD.encode(NONCE),
        "response_encoding": if binary { "binary" } else { "base64" },
        "response": STANDARD.encode(blob),
        "expected": expected,
        "expectation_source": "spec",
    })
}

fn nonce_mismatch() -> Value {
    json!({"ok": false, "error": "NONCE_MISMATCH"})
}

fn main() {
    let mut cases = Vec::new();
    for (len, what) in [
        (0u8, "an empty plaintext"),
        (1, "a 1-byte plaintext"),
        (8, "the timestamp only"),
        (15, "the timestamp and 7 nonce bytes"),
    ] {
        for binary in [false, true] {
            let encoding = if binary { "binary" } else { "base64" };
            cases.push(case(
                &format!("response_authentic_plaintext_{len}_bytes_{encoding}"),
                &format!(
                    "authentic reply ({encoding} body) whose plaintext is {what}: too short for the timestamp and nonce"
                ),
                binary,
                &seal(len, &plaintext(NONCE, b"", usize::from(len))),
                nonce_mismatch(),
            ));
        }
    }
    cases.push(case(
        "response_authentic_prefix_only",
        "authentic reply of exactly timestamp and nonce: an empty document",
        false,
        &seal(16, &plaintext(NONCE, b"", 16)),
        json!({"ok": true, "payload": ""}),
    ));
    cases.push(case(
        "response_authentic_prefix_only_other_nonce",
        "authentic reply of exactly timestamp and a nonce the request did not send",
        false,
        &seal(17, &plaintext(OTHER_NONCE, b"", 16)),
        nonce_mismatch(),
    ));
    cases.push(case(
        "response_authentic_other_nonce",
        "authentic reply with a document, answering another request",
        true,
        &seal(18, &plaintext(OTHER_NONCE, br#"{"status":"success"}"#, 36)),
        nonce_mismatch(),
    ));
    let mut short = seal(19, b"");
    short.pop();
    cases.push(case(
        "response_27_bytes",
        "27 bytes: shorter than IV and tag, cannot be authenticated",
        true,
        &short,
        json!({"ok": false, "error": "DECRYPT_FAILED"}),
    ));

    let file = json!({
        "format_version": 1,
        "source": "uid2 Rust SDK (this repository), examples/gen_envelope_vectors.rs",
        "description": "Operator API v2 response envelopes not covered by the imported vectors: authentic replies too short for the timestamp and nonce, and replies answering another request.",
        "cases": cases,
    });
    let mut text = serde_json::to_string_pretty(&file).unwrap();
    text.push('\n');
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("test-vectors/envelope_extra.json");
    std::fs::write(&path, text).unwrap();
    println!(
        "wrote {} cases to {}",
        file["cases"].as_array().map_or(0, Vec::len),
        path.display()
    );
}
