//! Properties of normalization, hashing and identity-map batching (small case counts).
#![allow(
    clippy::arithmetic_side_effects,
    reason = "test bookkeeping on small lengths bounded by the strategies"
)]

use base64::Engine as _;
use proptest::prelude::*;
use sha2::{Digest as _, Sha256};
use uid2::identity::{self, IdentityError};
use uid2::operator::TokenGenerateRequest;
use uid2::operator::identity_map_v3::{BatchLimits, IdentityMapV3Input};

/// Strings over an alphabet that exercises every normalization rule.
fn email_like() -> impl Strategy<Value = String> {
    let alphabet = vec![
        'a', 'b', 'Z', 'G', 'm', 'i', 'l', 'c', 'o', '.', '+', '@', ' ', '\t', '\u{a0}', 'é', 'İ',
        '😊', '"', '\\',
    ];
    prop_oneof![
        prop::collection::vec(prop::sample::select(alphabet), 0..24)
            .prop_map(|v| v.into_iter().collect::<String>()),
        // Mostly valid gmail-ish addresses.
        (
            "[ ]{0,2}",
            "[a-zA-Z.+ ]{0,8}",
            prop::sample::select(vec![
                "gmail.com",
                "GMail.Com",
                "example.com",
                " gmail.com",
                "gmail.com "
            ])
        )
            .prop_map(|(pad, local, domain)| format!("{pad}{local}@{domain}")),
        any::<String>(),
    ]
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 128,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn email_normalization_is_idempotent(input in email_like()) {
        let mut buf = vec![0u8; identity::max_normalized_email_len(input.len())];
        match identity::normalize_email(&input, &mut buf) {
            Ok(n) => {
                let once = core::str::from_utf8(&buf[..n]).expect("normalized email is UTF-8").to_owned();
                prop_assert_eq!(identity::normalized_email(&once), Ok(once.clone()));
                prop_assert_eq!(identity::normalized_email_len(&input), Ok(n));
                // The hash is SHA-256 of the normalized bytes, and the same for input and output.
                let hash = identity::hash_email(&input).expect("valid");
                let direct = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(once.as_bytes()));
                prop_assert_eq!(hash.as_str(), direct.as_str());
                prop_assert_eq!(identity::hash_email(&once), Ok(hash));
                prop_assert_eq!(identity::hashed_email(hash.as_str()), Ok(hash));
                // One byte short: refused, buffer untouched.
                if n > 0 {
                    let mut short = vec![0xAAu8; n - 1];
                    prop_assert_eq!(
                        identity::normalize_email(&input, &mut short),
                        Err(IdentityError::BufferTooSmall { required: n })
                    );
                    prop_assert!(short.iter().all(|&b| b == 0xAA));
                }
            }
            Err(e) => {
                prop_assert_eq!(e, IdentityError::InvalidEmail);
                prop_assert_eq!(identity::hash_email(&input), Err(IdentityError::InvalidEmail));
            }
        }
    }

    #[test]
    fn token_generate_payload_is_json_carrying_the_exact_values(
        raw in prop_oneof![email_like(), any::<String>(), "[\\x00-\\x1f\"\\\\]{0,40}"],
        tcf in proptest::option::of(any::<String>()),
        phone in any::<bool>(),
    ) {
        let mut request = if phone {
            TokenGenerateRequest::from_phone_unhashed(&raw)
        } else {
            TokenGenerateRequest::from_email_unhashed(&raw)
        };
        if let Some(tcf) = &tcf {
            request = request.with_tcf_consent_string(tcf);
        }
        let json = request.payload_json();
        let doc: serde_json::Value = serde_json::from_str(&json).expect("the payload is JSON");
        let object = doc.as_object().expect("an object");
        prop_assert_eq!(object.len(), 1 + usize::from(tcf.is_some()));
        let member = if phone { "phone" } else { "email" };
        prop_assert_eq!(object[member].as_str(), Some(raw.as_str()));
        prop_assert_eq!(object.get("tcf_consent_string").and_then(|v| v.as_str()), tcf.as_deref());
    }

    #[test]
    fn phone_checks_never_panic(input in prop_oneof!["[+]?[0-9 ]{0,18}", any::<String>()]) {
        let valid = identity::validate_phone(&input).is_ok();
        let digits = input.strip_prefix('+').unwrap_or("");
        let expected = input.starts_with('+')
            && (10..=15).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit());
        prop_assert_eq!(valid, expected);
        prop_assert_eq!(identity::hash_phone(&input).is_ok(), valid);
        if valid {
            prop_assert_eq!(identity::normalized_phone(&input), Ok(input.clone()));
        }
    }

    #[test]
    fn caller_hash_check_never_panics(input in any::<String>()) {
        let _ = identity::hashed_email(&input);
        let _ = identity::hashed_phone(&input);
    }

    #[test]
    fn batches_keep_order_and_limits(
        items in prop::collection::vec((0u8..4, 0usize..40, 0u32..1000), 0..60),
        max_items in 1usize..8,
        max_body_bytes in 33usize..400,
    ) {
        // (kind, length of a caller hash, salt): kinds 0/1 are raw email/phone, 2/3 hashes.
        let mut input = IdentityMapV3Input::new();
        let mut expected: Vec<(bool, String)> = Vec::new();
        for (kind, len, salt) in &items {
            match kind {
                0 => {
                    let e = format!("u{salt}@example.com");
                    input.add_email(&e).expect("valid email");
                    expected.push((true, identity::hash_email(&e).expect("valid").as_str().to_owned()));
                }
                1 => {
                    let p = format!("+1{salt:010}");
                    input.add_phone(&p).expect("valid phone");
                    expected.push((false, identity::hash_phone(&p).expect("valid").as_str().to_owned()));
                }
                _ => {
                    let h = identity::hash_email(&format!("h{salt}.{len}@example.com")).expect("valid").as_str().to_owned();
                    if *kind == 2 { input.add_email_hash(&h).expect("valid hash"); } else { input.add_phone_hash(&h).expect("valid hash"); }
                    expected.push((*kind == 2, h));
                }
            }
        }
        let limits = BatchLimits::new(max_items, max_body_bytes);
        match input.into_batches(limits) {
            Ok(batches) => {
                let mut start = 0;
                for b in &batches {
                    prop_assert!(!b.is_empty());
                    prop_assert!(b.len() <= max_items);
                    prop_assert!(b.body().len() <= max_body_bytes);
                    let body: serde_json::Value = serde_json::from_slice(b.body()).expect("JSON body");
                    let chunk = &expected[start..start + b.len()];
                    for (key, is_email) in [("email_hash", true), ("phone_hash", false)] {
                        let want: Vec<&str> = chunk.iter().filter(|(e, _)| *e == is_email).map(|(_, h)| h.as_str()).collect();
                        let got: Vec<&str> = body[key].as_array().expect("list").iter().map(|v| v.as_str().expect("string")).collect();
                        prop_assert_eq!(want, got);
                    }
                    start += b.len();
                }
                prop_assert_eq!(start, expected.len());
            }
            Err(_) => {
                // Only when some identity alone cannot fit.
                prop_assert!(expected.iter().any(|(_, h)| 33 + h.len() + 2 > max_body_bytes));
            }
        }
    }

    #[test]
    fn v3_response_parsing_never_panics(doc in prop_oneof![
        any::<Vec<u8>>(),
        "\\{\"status\":\"success\",\"body\":\\{\"email_hash\":\\[(\\{\"[uper]\":(null|1|\"x\")\\},?){0,3}\\]\\}\\}".prop_map(String::into_bytes),
    ]) {
        let mut input = IdentityMapV3Input::new();
        input.add_email("a@example.com").expect("valid");
        input.add_email_hash("tMmiiTI7IaAcPpQPFQ65uMVCWH8av9jw4cwf/F5HVRQ=").expect("valid hash");
        let request = input.into_request();
        let _ = request.parse_response(doc.as_ref());
    }
}

/// No raw email or phone number (nor its hash) in any `Debug` or `Display` output of the
/// identity and identity-map types.
#[test]
fn debug_and_display_carry_no_dii() {
    use uid2::operator::identity_map_v2::IdentityMapV2Request;
    use uid2::operator::identity_map_v3::IdentityMapV3Request;

    let email = "secret.person@example.com";
    let phone = "+15555550123";
    let email_hash = identity::hash_email(email).expect("valid");
    let phone_hash = identity::hash_phone(phone).expect("valid");
    let forbidden = [
        email,
        phone,
        email_hash.as_str(),
        phone_hash.as_str(),
        "secret.person",
        "5555550123",
    ];

    let mut input = IdentityMapV3Input::new();
    input.add_email(email).expect("valid");
    input.add_phone(phone).expect("valid");
    let mut outputs = vec![
        format!("{input:?}"),
        format!("{email_hash:?}"),
        format!("{phone_hash:?}"),
    ];
    let request: IdentityMapV3Request = input.into_request();
    outputs.push(format!("{request:?}"));
    let doc = br#"{"status":"success","body":{"email_hash":[{"u":"U","p":null,"r":1}],"phone_hash":[{"e":"optout"}]}}"#;
    let response = request.parse_response(doc).expect("parses");
    outputs.push(format!("{response:?}"));
    let v2 = IdentityMapV2Request::from_emails([email]).expect("valid");
    outputs.push(format!("{v2:?}"));
    for bad in ["x@", "", "+1 555", email] {
        for e in [
            identity::hash_email(&format!("{bad}@@")).err(),
            identity::hash_phone(bad).err(),
        ]
        .into_iter()
        .flatten()
        {
            outputs.push(format!("{e:?} {e}"));
        }
    }
    for out in &outputs {
        for f in forbidden {
            assert!(!out.contains(f), "{out:?} contains DII");
        }
    }
}
