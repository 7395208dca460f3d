//! Property tests for the Gigya module: signing never panics, signatures validate, and any
//! changed byte makes validation fail.

use proptest::prelude::*;
use uid2::Timestamp;
use uid2::gigya::{
    Credentials, Endpoint, GigyaSecret, Jwks, Params, RequestBuilder, Response, Scheme,
    base_string, calc_signature, parse_http_date, validate_friend_signature, validate_id_token,
    validate_user_signature, validate_user_signature_at,
};

const API_KEY: &str = "3_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789";
const S1: &str = "UnVzdC1HaWd5YS1wYXJ0bmVyLXNlY3JldC0wMDAx";

fn s1() -> GigyaSecret {
    match GigyaSecret::from_base64(S1) {
        Ok(secret) => secret,
        Err(e) => unreachable!("S1 is valid base64: {e}"),
    }
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 128,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Parses a form body produced by the builder back into (name, decoded value) pairs.
fn form_pairs(body: &[u8]) -> Option<Vec<(String, String)>> {
    let text = core::str::from_utf8(body).ok()?;
    let mut pairs = Vec::new();
    for pair in text.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=')?;
        let mut bytes = Vec::new();
        let mut rest = value.as_bytes();
        while let Some((&b, tail)) = rest.split_first() {
            if b == b'%' {
                let hex = core::str::from_utf8(tail.get(..2)?).ok()?;
                bytes.push(u8::from_str_radix(hex, 16).ok()?);
                rest = tail.get(2..)?;
            } else {
                bytes.push(b);
                rest = tail;
            }
        }
        pairs.push((name.to_owned(), String::from_utf8(bytes).ok()?));
    }
    Some(pairs)
}

proptest! {
    #![proptest_config(config())]

    /// Any parameter map, method and domain: building either succeeds or returns an error.
    #[test]
    fn signing_never_panics(
        params in prop::collection::vec((any::<String>(), any::<String>()), 0..8),
        method in any::<String>(),
        domain in any::<String>(),
        nonce in any::<String>(),
        now_ms in any::<i64>(),
        http in any::<bool>(),
    ) {
        let mut builder = RequestBuilder::new(&method, Credentials::partner_secret(API_KEY, s1()))
            .api_domain(&domain)
            .scheme(if http { Scheme::Http } else { Scheme::Https });
        for (k, v) in &params {
            builder = match builder.clone().param(k, v.as_str()) {
                Ok(b) => b,
                Err(_) => builder,
            };
        }
        let _ = builder.build_with_nonce(Timestamp::from_millis(now_ms), &nonce);
    }

    /// A built request carries exactly the signature of its own parameters, and the body decodes
    /// back to the parameters given.
    #[test]
    fn request_signature_covers_the_body(
        params in prop::collection::btree_map("[A-Za-z0-9_.-]{1,12}", any::<String>(), 0..8),
        nonce in "[ -~]{1,24}",
        now_secs in 0i64..4_000_000_000,
    ) {
        let reserved = uid2::gigya::RESERVED_PARAMS;
        let mut p = Params::new();
        for (k, v) in &params {
            if !reserved.contains(&k.as_str()) {
                p.insert(k, v.as_str()).unwrap();
            }
        }
        let request = RequestBuilder::new("accounts.setAccountInfo", Credentials::partner_secret(API_KEY, s1()))
            .params(&p)
            .unwrap()
            .build_with_nonce(Timestamp::from_secs(now_secs).unwrap(), &nonce)
            .unwrap();
        let mut signed = Params::new();
        let mut sig = None;
        for (k, v) in form_pairs(request.body()).unwrap() {
            if k == "sig" {
                sig = Some(v);
            } else {
                signed.insert(&k, v).unwrap();
            }
        }
        for (k, v) in p.iter() {
            prop_assert_eq!(signed.get(k), Some(v));
        }
        let endpoint = Endpoint::parse(request.url()).unwrap();
        let base = base_string("POST", &endpoint, &signed);
        prop_assert_eq!(Some(base.as_str()), request.base_string());
        let expected = calc_signature(&base, &s1());
        prop_assert_eq!(sig.as_deref(), Some(expected.as_str()));
    }

    /// validate(sign(x)) holds for user and friend signatures.
    #[test]
    fn user_and_friend_signatures_validate(
        uid in any::<String>(),
        friend in any::<String>(),
        ts in 0u64..4_000_000_000,
        skew in -180i64..=180,
    ) {
        let ts_text = ts.to_string();
        let sig = calc_signature(&format!("{ts_text}_{uid}"), &s1());
        prop_assert!(validate_user_signature(&uid, &ts_text, &s1(), &sig));
        let now = Timestamp::from_secs(i64::try_from(ts).unwrap().checked_add(skew).unwrap()).unwrap();
        prop_assert!(validate_user_signature_at(&uid, &ts_text, &s1(), &sig, now, 180));
        let fsig = calc_signature(&format!("{ts_text}_{friend}_{uid}"), &s1());
        prop_assert!(validate_friend_signature(&uid, &ts_text, &friend, &s1(), &fsig));
    }

    /// Changing any one byte of the signature, the UID or the timestamp fails validation.
    #[test]
    fn any_changed_byte_fails(
        uid in "[ -~]{1,40}",
        ts in 1u64..4_000_000_000,
        which in 0usize..3,
        pos in any::<prop::sample::Index>(),
        replacement in 0x20u8..0x7f,
    ) {
        let ts_text = ts.to_string();
        let sig = calc_signature(&format!("{ts_text}_{uid}"), &s1());
        let (mut uid, mut ts_text, mut sig) = (uid.into_bytes(), ts_text.into_bytes(), sig.into_bytes());
        let target = match which {
            0 => &mut sig,
            1 => &mut uid,
            _ => &mut ts_text,
        };
        let i = pos.index(target.len());
        prop_assume!(target[i] != replacement);
        target[i] = replacement;
        let (uid, ts_text, sig) = (
            String::from_utf8(uid).unwrap(),
            String::from_utf8(ts_text).unwrap(),
            String::from_utf8(sig).unwrap(),
        );
        prop_assert!(!validate_user_signature(&uid, &ts_text, &s1(), &sig));
    }

    /// Response parsing, date parsing and id_token validation never panic on any input.
    #[test]
    fn parsers_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256), text in any::<String>(), path in any::<String>()) {
        if let Ok(r) = Response::parse(&bytes) {
            let _ = r.get(&path);
        }
        if let Ok(r) = Response::parse(text.as_bytes()) {
            let _ = r.get(&path);
        }
        let _ = parse_http_date(&text);
        let _ = GigyaSecret::from_base64(&text);
        let _ = Endpoint::parse(&text);
        let jwks = Jwks::parse(br#"{"keys":[]}"#).unwrap();
        let _ = validate_id_token(&text, &jwks, API_KEY, Timestamp::UNIX_EPOCH, 120);
        let _ = Jwks::parse(&bytes);
    }
}
