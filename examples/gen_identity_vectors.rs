//! Writes `test-vectors/identity_extra.json`: the project's own identity-map, salt-bucket and
//! opt-out-status vectors (what the imported Python-generated set does not cover).
//!
//! Run from the repository root: `cargo run --example gen_identity_vectors --features std`.
//! CI reruns it and fails when `git diff --exit-code` finds a change.
//!
//! Expectations come from the spec (`expectation_source: "spec"`) and are computed here
//! without the library: hashes with `sha2` + `base64` over normalized forms written out by
//! hand, batch boundaries with a plain greedy simulation of the documented limits.
#![allow(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a developer tool run by hand and in CI; a panic is a visible failure"
)]

use base64::Engine as _;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

/// The body limit of a binary-mode v3 request: 1 MiB minus the 45 bytes of envelope.
const DEFAULT_MAX_BODY: usize = 1_048_531;
const DEFAULT_MAX_ITEMS: usize = 5_000;
/// `{"email_hash":[],"phone_hash":[]}`
const EMPTY_V3_BODY: usize = 33;

/// base64(SHA-256(normalized)).
fn h(normalized: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(normalized.as_bytes()))
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

fn doc(body: &Value) -> String {
    json!({"status": "success", "body": body}).to_string()
}

/// An input of a v3 case: `(type, value, hash sent)`.
type V3Item = (&'static str, String, String);

fn email(raw: &str, normalized: &str) -> V3Item {
    ("email", raw.to_owned(), h(normalized))
}

fn phone(raw: &str) -> V3Item {
    ("phone", raw.to_owned(), h(raw))
}

fn email_hash(hash: &str) -> V3Item {
    ("email_hash", hash.to_owned(), hash.to_owned())
}

fn phone_hash(hash: &str) -> V3Item {
    ("phone_hash", hash.to_owned(), hash.to_owned())
}

fn v3_input(items: &[V3Item]) -> Value {
    items
        .iter()
        .map(|(t, v, _)| json!({"type": t, "value": v}))
        .collect()
}

/// The v3 request JSON for `items`, in order, per list.
fn v3_request(items: &[V3Item]) -> Value {
    let list = |kinds: [&str; 2]| -> Vec<&str> {
        items
            .iter()
            .filter(|(t, _, _)| kinds.contains(t))
            .map(|(_, _, hash)| hash.as_str())
            .collect()
    };
    json!({"email_hash": list(["email", "email_hash"]), "phone_hash": list(["phone", "phone_hash"])})
}

/// Length of a JSON string literal for text that needs no escaping.
fn lit_len(s: &str) -> usize {
    s.len() + 2
}

/// Greedy split: a batch takes items until the next one would exceed either limit.
/// Returns `(item count, body bytes)` per batch.
fn simulate_batches(
    hashes: &[(bool, String)],
    max_items: usize,
    max_body: usize,
) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let (mut n, mut size, mut emails, mut phones) = (0usize, EMPTY_V3_BODY, 0usize, 0usize);
    for (is_email, hash) in hashes {
        let in_list = if *is_email { emails } else { phones };
        let grown = size + lit_len(hash) + usize::from(in_list > 0);
        if n > 0 && (n >= max_items || grown > max_body) {
            out.push((n, size));
            (n, size, emails, phones) = (0, EMPTY_V3_BODY + lit_len(hash), 0, 0);
        } else {
            size = grown;
        }
        n += 1;
        if *is_email {
            emails += 1;
        } else {
            phones += 1;
        }
    }
    if n > 0 {
        out.push((n, size));
    }
    out
}

fn batch_cases() -> Vec<Value> {
    let mut cases = Vec::new();
    let seven: Vec<V3Item> = (0..7)
        .map(|i| {
            let e = format!("user{i}@example.com");
            email(&e, &e)
        })
        .collect();
    let batches: Vec<Value> = seven
        .chunks(3)
        .map(|c| json!({"items": c.len(), "request_json": v3_request(c)}))
        .collect();
    cases.push(case(
        "v3_batches_by_item_count",
        "identity_map_v3_batches",
        "identity_map_v3_batches",
        "seven emails with at most three items per request: 3 + 3 + 1, order kept",
        json!({
            "input": v3_input(&seven),
            "limits": {"max_items": 3, "max_body_bytes": DEFAULT_MAX_BODY},
            "expected": {"ok": true, "batches": batches},
        }),
    ));

    let mixed = vec![
        email("b@example.com", "b@example.com"),
        phone("+12345678901"),
        email_hash(&h("c@example.com")),
        phone_hash(&h("+6512345678")),
        email("JANE.SAOIRSE@gmail.com", "janesaoirse@gmail.com"),
    ];
    let batches: Vec<Value> = mixed
        .chunks(2)
        .map(|c| json!({"items": c.len(), "request_json": v3_request(c)}))
        .collect();
    cases.push(case(
        "v3_batches_mixed_kinds",
        "identity_map_v3_batches",
        "identity_map_v3_batches",
        "interleaved emails, phones and hashes, two per request: each request keeps the order within each list",
        json!({
            "input": v3_input(&mixed),
            "limits": {"max_items": 2, "max_body_bytes": DEFAULT_MAX_BODY},
            "expected": {"ok": true, "batches": batches},
        }),
    ));

    let four: Vec<V3Item> = (0..4)
        .map(|i| {
            let e = format!("size{i}@example.com");
            email(&e, &e)
        })
        .collect();
    // Two 44-character hashes: 33 + 46 + 1 + 46 = 126 bytes; a third does not fit.
    let limit = EMPTY_V3_BODY + 46 + 1 + 46;
    let batches: Vec<Value> = four
        .chunks(2)
        .map(|c| json!({"items": 2, "body_bytes": limit, "request_json": v3_request(c)}))
        .collect();
    cases.push(case(
        "v3_batches_by_body_size",
        "identity_map_v3_batches",
        "identity_map_v3_batches",
        "a body limit that fits exactly two hashes: a body may reach the limit but not exceed it",
        json!({
            "input": v3_input(&four),
            "limits": {"max_items": 100, "max_body_bytes": limit},
            "expected": {"ok": true, "batches": batches},
        }),
    ));

    cases.push(case(
        "v3_batches_item_too_large",
        "identity_map_v3_batches",
        "identity_map_v3_batches",
        "a hash that alone exceeds the body limit (46 bytes with the empty 33-byte body) is refused with its input index",
        json!({
            "input": v3_input(&[email_hash(&h("a@example.com"))]),
            "limits": {"max_items": 100, "max_body_bytes": 78},
            "expected": {"ok": false, "error": "ITEM_TOO_LARGE", "index": 0},
        }),
    ));

    cases.push(case(
        "v3_batches_empty",
        "identity_map_v3_batches",
        "identity_map_v3_batches",
        "no identities, no requests",
        json!({"input": [], "limits": null, "expected": {"ok": true, "batches": []}}),
    ));

    let last = "user5000@example.com";
    let first_size = EMPTY_V3_BODY + DEFAULT_MAX_ITEMS * 46 + (DEFAULT_MAX_ITEMS - 1);
    cases.push(case(
        "v3_batches_default_5001",
        "identity_map_v3_batches",
        "identity_map_v3_batches",
        "5,001 emails with the default limits: 5,000 + 1",
        json!({
            "generate": {"type": "email", "template": "user{i}@example.com", "count": 5001},
            "limits": null,
            "expected": {"ok": true, "batches": [
                {"items": 5000, "body_bytes": first_size},
                {"items": 1, "body_bytes": EMPTY_V3_BODY + 46,
                 "request_json": {"email_hash": [h(last)], "phone_hash": []}},
            ]},
        }),
    ));

    // Every hash is 44 characters, so the default body limit never binds before the item
    // limit; a smaller body limit is split on.
    let hashes: Vec<(bool, String)> = (0..1100)
        .map(|i| (true, h(&format!("user{i}@example.com"))))
        .collect();
    let batches: Vec<Value> = simulate_batches(&hashes, DEFAULT_MAX_ITEMS, 20_000)
        .into_iter()
        .map(|(items, body_bytes)| json!({"items": items, "body_bytes": body_bytes}))
        .collect();
    assert!(batches.len() > 1, "the case must exercise the byte limit");
    assert!(
        hashes.len() * 47 + EMPTY_V3_BODY < DEFAULT_MAX_BODY,
        "the default body limit does not bind for 1,100 hashes"
    );
    cases.push(case(
        "v3_batches_body_limit",
        "identity_map_v3_batches",
        "identity_map_v3_batches",
        "1,100 emails with a 20,000-byte body limit: split by bytes before the item limit",
        json!({
            "generate": {"type": "email", "template": "user{i}@example.com", "count": 1100},
            "limits": {"max_items": DEFAULT_MAX_ITEMS, "max_body_bytes": 20_000},
            "expected": {"ok": true, "batches": batches},
        }),
    ));
    cases
}

fn v3_cases() -> Vec<Value> {
    let mut cases = Vec::new();
    let one = [email("a@example.com", "a@example.com")];
    let uid = "AIpddxYvDtfd95LauuJrz/XfAVM4mrtnoy6dQrkCXU/O";
    for (name, description, entry) in [
        (
            "v3_entry_missing_p",
            "an entry without `p` is malformed (p must be present, null allowed)",
            json!({"u": uid, "r": 1735689600}),
        ),
        (
            "v3_entry_u_null",
            "`u` null is malformed",
            json!({"u": null, "p": null, "r": 1735689600}),
        ),
        (
            "v3_entry_r_null",
            "`r` null is malformed",
            json!({"u": uid, "p": null, "r": null}),
        ),
        (
            "v3_entry_empty_object",
            "an empty entry is malformed",
            json!({}),
        ),
    ] {
        cases.push(case(
            name,
            "identity_map_v3",
            "identity_map_v3",
            description,
            json!({
                "input": v3_input(&one),
                "response": doc(&json!({"email_hash": [entry], "phone_hash": []})),
                "expected": {"ok": false, "request_json": v3_request(&one), "error": "RESPONSE_MALFORMED"},
            }),
        ));
    }
    cases.push(case(
        "v3_list_shorter_than_sent",
        "identity_map_v3",
        "identity_map_v3",
        "a result list shorter than the hashes sent is malformed (spec decision; Python drops silently)",
        json!({
            "input": v3_input(&one),
            "response": doc(&json!({"email_hash": [], "phone_hash": []})),
            "expected": {"ok": false, "request_json": v3_request(&one), "error": "RESPONSE_MALFORMED"},
        }),
    ));
    cases.push(case(
        "v3_list_longer_than_sent",
        "identity_map_v3",
        "identity_map_v3",
        "a result list longer than the hashes sent is malformed",
        json!({
            "input": v3_input(&one),
            "response": doc(&json!({"email_hash": [{"e": "optout"}, {"e": "optout"}], "phone_hash": []})),
            "expected": {"ok": false, "request_json": v3_request(&one), "error": "RESPONSE_MALFORMED"},
        }),
    ));
    cases.push(case(
        "v3_status_checked_before_body",
        "identity_map_v3",
        "identity_map_v3",
        "a non-success status is reported as such even when the body has another shape",
        json!({
            "input": v3_input(&one),
            "response": json!({"status": "client_error", "message": "bad", "body": "oops"}).to_string(),
            "expected": {"ok": false, "request_json": v3_request(&one), "error": "RESPONSE_STATUS"},
        }),
    ));
    cases.push(case(
        "v3_invalid_email_input",
        "identity_map_v3",
        "identity_map_v3",
        "an invalid email rejects the whole request before anything is sent",
        json!({
            "input": [{"type": "email", "value": "a@example.com"}, {"type": "email", "value": "not an email"}],
            "expected": {"ok": false, "error": "INVALID_EMAIL"},
        }),
    ));
    let keys = [
        email("A@x.com", "a@x.com"),
        email("a@x.com", "a@x.com"),
        email("a@x.com", "a@x.com"),
    ];
    cases.push(case(
        "v3_exact_keys_and_duplicates",
        "identity_map_v3",
        "identity_map_v3",
        "keys are exact input strings: A@x.com and a@x.com are two keys, a repeated string one; all get the last answer for their hash",
        json!({
            "input": v3_input(&keys),
            "response": doc(&json!({"email_hash": [
                {"u": "U1", "p": null, "r": 1},
                {"u": "U2", "p": "U1", "r": 2},
                {"u": "U3", "p": "U2", "r": 3},
            ], "phone_hash": []})),
            "expected": {
                "ok": true,
                "request_json": v3_request(&keys),
                "mapped": [
                    {"input": "A@x.com", "current_raw_uid": "U3", "previous_raw_uid": "U2", "refresh_from_ms": 3000},
                    {"input": "a@x.com", "current_raw_uid": "U3", "previous_raw_uid": "U2", "refresh_from_ms": 3000},
                ],
                "unmapped": [],
            },
        }),
    ));
    for (name, item) in [
        ("v3_email_hash_not_sha256", email_hash("user@example.com")),
        ("v3_phone_hash_not_sha256", phone_hash("ABC\"\\")),
    ] {
        cases.push(case(
            name,
            "identity_map_v3",
            "identity_map_v3",
            "a caller-supplied hash that is not a SHA-256 hash (44 base64 characters or 64 hex digits) is refused locally, so a raw email or phone is never sent",
            json!({
                "input": v3_input(&[item]),
                "expected": {"ok": false, "error": "INVALID_HASH"},
            }),
        ));
    }
    let hash = h("a@example.com");
    let valid = [email_hash(&hash)];
    cases.push(case(
        "v3_invalid_identifier_reason",
        "identity_map_v3",
        "identity_map_v3",
        "a hash the operator reports as `invalid identifier` is unmapped with that reason",
        json!({
            "input": v3_input(&valid),
            "response": doc(&json!({"email_hash": [{"e": "invalid identifier"}], "phone_hash": []})),
            "expected": {
                "ok": true,
                "request_json": v3_request(&valid),
                "mapped": [],
                "unmapped": [
                    {"input": hash, "reason": "INVALID_IDENTIFIER", "raw_reason": "invalid identifier"},
                ],
            },
        }),
    ));
    cases
}

fn v2_cases() -> Vec<Value> {
    let mut cases = Vec::new();
    let jane = h("janesaoirse@gmail.com");
    let values = [
        "JANE.SAOIRSE@gmail.com",
        "JaneSaoirse+Work@gmail.com",
        "JANE.SAOIRSE@gmail.com",
    ];
    let mapped_entry = json!({"identifier": jane, "advertising_id": "AdbtX79x6hPf3bppOU0ItRZF9ngIF9YMBCNdetwfqhj7", "bucket_id": "b7"});
    cases.push(case(
        "v2_normalized_twins_and_duplicates",
        "identity_map_v2",
        "identity_map_v2",
        "two spellings of one gmail address and an exact duplicate: the hash is sent three times, two keys get the result",
        json!({
            "input": {"type": "email", "values": values},
            "response": doc(&json!({"mapped": [mapped_entry, mapped_entry, mapped_entry], "unmapped": []})),
            "expected": {
                "ok": true,
                "request_json": {"email_hash": [jane, jane, jane]},
                "mapped": [
                    {"input": values[0], "raw_uid": "AdbtX79x6hPf3bppOU0ItRZF9ngIF9YMBCNdetwfqhj7", "bucket_id": "b7"},
                    {"input": values[1], "raw_uid": "AdbtX79x6hPf3bppOU0ItRZF9ngIF9YMBCNdetwfqhj7", "bucket_id": "b7"},
                ],
                "unmapped": [],
            },
        }),
    ));
    cases.push(case(
        "v2_unknown_identifier",
        "identity_map_v2",
        "identity_map_v2",
        "an identifier that was never sent is malformed",
        json!({
            "input": {"type": "phone_hash", "values": [h("+12345678901")]},
            "response": doc(&json!({"mapped": [], "unmapped": [{"identifier": h("+6512345678"), "reason": "optout"}]})),
            "expected": {"ok": false, "request_json": {"phone_hash": [h("+12345678901")]}, "error": "RESPONSE_MALFORMED"},
        }),
    ));
    let hash = h("a@example.com");
    cases.push(case(
        "v2_invalid_identifier_reason",
        "identity_map_v2",
        "identity_map_v2",
        "a hash the operator reports as `invalid identifier` comes back unmapped; a missing `mapped` is empty",
        json!({
            "input": {"type": "email_hash", "values": [hash]},
            "response": doc(&json!({"unmapped": [{"identifier": hash, "reason": "invalid identifier"}]})),
            "expected": {
                "ok": true,
                "request_json": {"email_hash": [hash]},
                "mapped": [],
                "unmapped": [{"input": hash, "reason": "invalid identifier"}],
            },
        }),
    ));
    cases.push(case(
        "v2_hash_not_sha256",
        "identity_map_v2",
        "identity_map_v2",
        "a caller-supplied hash that is not a SHA-256 hash is refused locally, so a raw email is never sent",
        json!({
            "input": {"type": "email_hash", "values": [hash, "user@example.com"]},
            "expected": {"ok": false, "error": "INVALID_HASH"},
        }),
    ));
    cases.push(case(
        "v2_invalid_email_input",
        "identity_map_v2",
        "identity_map_v2",
        "an invalid email rejects the request",
        json!({
            "input": {"type": "email", "values": ["ok@example.com", "a@b@c.com"]},
            "expected": {"ok": false, "error": "INVALID_EMAIL"},
        }),
    ));
    cases
}

fn bucket_cases() -> Vec<Value> {
    vec![
        case(
            "buckets_offset_crosses_midnight",
            "identity_buckets",
            "identity_buckets",
            "a positive offset moves the UTC time to the previous day (and year)",
            json!({
                "since": "2024-01-01T01:00:00+05:00",
                "response": doc(&json!([])),
                "expected": {"ok": true, "request_json": {"since_timestamp": "2023-12-31T20:00:00"}, "buckets": []},
            }),
        ),
        case(
            "buckets_microseconds_zero_padded",
            "identity_buckets",
            "identity_buckets",
            "one microsecond is written as six digits",
            json!({
                "since": "2024-02-29T23:59:59.000001-00:30",
                "response": doc(&json!([{"bucket_id": "b1", "last_updated": "2024-03-01T00:30:00.000"}])),
                "expected": {
                    "ok": true,
                    "request_json": {"since_timestamp": "2024-03-01T00:29:59.000001"},
                    "buckets": [{"bucket_id": "b1", "last_updated": "2024-03-01T00:30:00.000"}],
                    "last_updated_ms": [1_709_253_000_000_i64],
                },
            }),
        ),
        case(
            "buckets_last_updated_parsed",
            "identity_buckets",
            "identity_buckets",
            "last_updated strings are kept verbatim and also read as UTC epoch milliseconds",
            json!({
                "since": "2024-07-02T00:00:00+00:00",
                "response": doc(&json!([
                    {"bucket_id": "a30od4mNRd", "last_updated": "2024-07-02T20:20:17.152"},
                    {"bucket_id": "odd", "last_updated": "yesterday"},
                ])),
                "expected": {
                    "ok": true,
                    "request_json": {"since_timestamp": "2024-07-02T00:00:00"},
                    "buckets": [
                        {"bucket_id": "a30od4mNRd", "last_updated": "2024-07-02T20:20:17.152"},
                        {"bucket_id": "odd", "last_updated": "yesterday"},
                    ],
                    "last_updated_ms": [1_719_951_617_152_i64, null],
                },
            }),
        ),
        case(
            "buckets_missing_body",
            "identity_buckets",
            "identity_buckets",
            "success without a body is malformed",
            json!({
                "since": "2024-07-02T00:00:00+00:00",
                "response": "{\"status\":\"success\"}",
                "expected": {"ok": false, "request_json": {"since_timestamp": "2024-07-02T00:00:00"}, "error": "RESPONSE_MALFORMED"},
            }),
        ),
    ]
}

fn optout_cases() -> Vec<Value> {
    let ids = [
        "AIpddxYvDtfd95LauuJrz/XfAVM4mrtnoy6dQrkCXU/O",
        "AdbtX79x6hPf3bppOU0ItRZF9ngIF9YMBCNdetwfqhj7",
        "As5g0VqrfhESwuGJD2Nc3gICX7bLFLbxR3vkzWipjyed",
    ];
    let request = json!({"advertising_ids": ids});
    let c = |name: &str, description: &str, fields: Value| {
        case(name, "optout_status", "optout_status", description, fields)
    };
    vec![
        c(
            "optout_status_some",
            "three ids asked, one opted out",
            json!({
                "advertising_ids": ids,
                "response": doc(&json!({"opted_out": [{"advertising_id": ids[1], "opted_out_since": 1_709_745_292_763_i64}]})),
                "expected": {
                    "ok": true,
                    "request_json": request,
                    "opted_out": [{"advertising_id": ids[1], "opted_out_since_ms": 1_709_745_292_763_i64}],
                },
            }),
        ),
        c(
            "optout_status_none",
            "nobody opted out",
            json!({
                "advertising_ids": ids,
                "response": doc(&json!({"opted_out": []})),
                "expected": {"ok": true, "request_json": request, "opted_out": []},
            }),
        ),
        c(
            "optout_status_5000",
            "5,000 ids is the most one request may hold",
            json!({
                "generate": {"template": "uid-{i}", "count": 5000},
                "response": doc(&json!({"opted_out": []})),
                "expected": {"ok": true, "opted_out": []},
            }),
        ),
        c(
            "optout_status_5001",
            "5,001 ids are refused before anything is sent",
            json!({
                "generate": {"template": "uid-{i}", "count": 5001},
                "expected": {"ok": false, "error": "TOO_MANY_IDS"},
            }),
        ),
        c(
            "optout_status_error_status",
            "a non-success status",
            json!({
                "advertising_ids": ids,
                "response": "{\"status\":\"client_error\",\"message\":\"Request payload is too large\"}",
                "expected": {"ok": false, "request_json": request, "error": "RESPONSE_STATUS"},
            }),
        ),
        c(
            "optout_status_missing_list",
            "a body without `opted_out` is malformed",
            json!({
                "advertising_ids": ids,
                "response": doc(&json!({})),
                "expected": {"ok": false, "request_json": request, "error": "RESPONSE_MALFORMED"},
            }),
        ),
        c(
            "optout_status_time_not_integer",
            "`opted_out_since` must be an integer (epoch milliseconds)",
            json!({
                "advertising_ids": ids,
                "response": doc(&json!({"opted_out": [{"advertising_id": ids[0], "opted_out_since": "2024-03-06"}]})),
                "expected": {"ok": false, "request_json": request, "error": "RESPONSE_MALFORMED"},
            }),
        ),
    ]
}

fn main() {
    let mut cases = Vec::new();
    cases.extend(batch_cases());
    cases.extend(v3_cases());
    cases.extend(v2_cases());
    cases.extend(bucket_cases());
    cases.extend(optout_cases());
    let file = json!({
        "format_version": 1,
        "source": "uid2 Rust SDK (this repository), examples/gen_identity_vectors.rs",
        "description": "Identity map v3 batching, opt-out status, and spec edge cases of identity map v2/v3 and salt buckets not covered by the imported vectors.",
        "cases": cases,
    });
    let mut text = serde_json::to_string_pretty(&file).unwrap();
    text.push('\n');
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("test-vectors/identity_extra.json");
    std::fs::write(&path, text).unwrap();
    println!(
        "wrote {} cases to {}",
        file["cases"].as_array().map_or(0, Vec::len),
        path.display()
    );
}
