//! The request signature: base string and HMAC-SHA1.

use alloc::string::{String, ToString};
use hmac::{Hmac, KeyInit as _, Mac as _};
use sha1::Sha1;

use zeroize::Zeroizing;

use super::encode::{percent_encoded_len, push_percent_encoded};
use super::{Endpoint, GigyaSecret, Params};

type HmacSha1 = Hmac<Sha1>;

/// Length of a signature in base64: 20 bytes of HMAC-SHA1, padded.
pub(crate) const SIGNATURE_B64_LEN: usize = 28;

/// The OAuth1-style base string of a request:
/// `METHOD&enc(normalized_url)&enc(parameter_string)`.
///
/// `http_method` is upper-cased (every SDK sends `POST`); the URL is
/// [`Endpoint::normalized_url`]; the parameter string is [`Params::to_parameter_string`] over
/// every parameter that is signed (everything except `sig`).
#[must_use]
pub fn base_string(http_method: &str, endpoint: &Endpoint, params: &Params) -> String {
    let url = endpoint.normalized_url();
    let parameters = Zeroizing::new(params.to_parameter_string());
    // Sized exactly, so that no partial copy of the parameters is left behind.
    let len = http_method
        .len()
        .saturating_add(2)
        .saturating_add(percent_encoded_len(&url))
        .saturating_add(percent_encoded_len(&parameters));
    let mut out = String::with_capacity(len);
    out.push_str(http_method);
    out.make_ascii_uppercase();
    out.push('&');
    push_percent_encoded(&mut out, &url);
    out.push('&');
    push_percent_encoded(&mut out, &parameters);
    out
}

fn mac(key: &[u8], message: &[u8]) -> HmacSha1 {
    // HMAC takes keys of any length, so this cannot fail; an empty key would also be accepted,
    // but `GigyaSecret` never holds one.
    let mut mac =
        HmacSha1::new_from_slice(key).unwrap_or_else(|_| HmacSha1::new(&Default::default()));
    mac.update(message);
    mac
}

/// The signature of `base` under `secret`: standard base64 (with padding) of
/// HMAC-SHA1(decoded secret, UTF-8 bytes of `base`). Always 28 characters.
///
/// This one primitive signs requests and computes user, friend and session signatures.
#[must_use]
pub fn calc_signature(base: &str, secret: &GigyaSecret) -> String {
    use base64ct::Encoding as _;
    let tag = mac(secret.key(), base.as_bytes()).finalize().into_bytes();
    let mut out = [0u8; SIGNATURE_B64_LEN];
    base64ct::Base64::encode(&tag, &mut out)
        .map(ToString::to_string)
        .unwrap_or_default()
}

/// Whether `signature` is exactly the base64 signature of `base` under `secret`.
///
/// The signature is decoded strictly (standard alphabet, padding, canonical bits) and the MAC
/// is compared in constant time, so the result is the same as an exact string comparison
/// without its timing leak.
pub(crate) fn verify_signature(base: &str, secret: &GigyaSecret, signature: &str) -> bool {
    use base64ct::Encoding as _;
    if signature.len() != SIGNATURE_B64_LEN {
        return false;
    }
    let mut tag = [0u8; 20];
    match base64ct::Base64::decode(signature.as_bytes(), &mut tag) {
        Ok(decoded) if decoded.len() == 20 => {}
        _ => return false,
    }
    mac(secret.key(), base.as_bytes())
        .verify_slice(&tag)
        .is_ok()
}

/// Whether a received request carries a valid signature, as the server checks it: the `sig`
/// parameter must be the signature under `secret` of the base string of `http_method`,
/// `endpoint` (the URL the request was sent to) and every other parameter. The comparison is
/// in constant time.
///
/// `params` is the request as received (see [`Params::parse`]). This is for servers and test
/// servers that stand in for Gigya; it does not check the `timestamp` window or the nonce.
#[must_use]
pub fn verify_request_signature(
    http_method: &str,
    endpoint: &Endpoint,
    params: &Params,
    secret: &GigyaSecret,
) -> bool {
    let Some(signature) = params.get("sig") else {
        return false;
    };
    let mut signed = params.clone();
    signed.remove("sig");
    verify_signature(
        &base_string(http_method, endpoint, &signed),
        secret,
        signature,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_sdk_vector() {
        let secret =
            GigyaSecret::from_base64("dGVzdC1jb25zdW1lci1zZWNyZXQmdGVzdC10b2tlbi1zZWNyZXQ=")
                .unwrap();
        let endpoint = Endpoint::parse("http://photos.example.net/photos").unwrap();
        let mut params = Params::new();
        for (k, v) in [
            ("oauth_consumer_key", "test-consumer-secret"),
            ("oauth_token", "test-token-secret"),
            ("oauth_signature_method", "HMAC-SHA1"),
            ("oauth_timestamp", "1191242096"),
            ("oauth_nonce", "kllo9940pd9333jh"),
            ("oauth_version", "1.0"),
            ("file", "vacation.jpg"),
            ("size", "original"),
        ] {
            params.insert(k, v).unwrap();
        }
        let base = base_string("post", &endpoint, &params);
        assert!(base.starts_with("POST&http%3A%2F%2Fphotos.example.net%2Fphotos&file%3D"));
        assert_eq!(
            base.capacity(),
            base.len(),
            "built in one exactly sized buffer"
        );
        let sig = calc_signature(&base, &secret);
        assert_eq!(sig, "j4/Jwtp11HLWl7KG3QlsczfRRpU=");
        assert!(verify_signature(&base, &secret, &sig));
        assert!(!verify_signature(
            &base,
            &secret,
            "j4/Jwtp11HLWl7KG3QlsczfRRpV="
        ));
        assert!(!verify_signature(
            &base,
            &secret,
            "j4_Jwtp11HLWl7KG3QlsczfRRpU="
        ));
    }

    #[test]
    fn a_server_verifies_what_the_builder_signs() {
        use crate::Timestamp;
        use crate::gigya::{Credentials, RequestBuilder, Scheme};

        let secret = GigyaSecret::from_base64("UnVzdC1HaWd5YS1wYXJ0bmVyLXNlY3JldC0wMDAx").unwrap();
        let other = GigyaSecret::from_base64("b3RoZXItc2VjcmV0").unwrap();
        let request = RequestBuilder::new(
            "accounts.getAccountInfo",
            Credentials::partner_secret("3_key", secret.clone()),
        )
        .scheme(Scheme::Http)
        .host_override("127.0.0.1:8080")
        .param("UID", "a b+c/é")
        .unwrap()
        .build_with_nonce(Timestamp::from_millis(1_700_000_000_000), "n1")
        .unwrap();
        let endpoint = Endpoint::parse(request.url()).unwrap();
        let body = core::str::from_utf8(request.body()).unwrap();
        let params = Params::parse(body).unwrap();
        assert_eq!(params.get("UID"), Some("a b+c/é"));
        assert_eq!(params.get("sig"), request.signature());
        assert!(verify_request_signature(
            "POST", &endpoint, &params, &secret
        ));

        // Wrong secret, another URL (port), a changed or missing parameter: all rejected.
        assert!(!verify_request_signature(
            "POST", &endpoint, &params, &other
        ));
        let elsewhere = Endpoint::parse("http://127.0.0.1:8081/accounts.getAccountInfo").unwrap();
        assert!(!verify_request_signature(
            "POST", &elsewhere, &params, &secret
        ));
        let mut changed = params.clone();
        changed.insert("UID", "someone-else").unwrap();
        assert!(!verify_request_signature(
            "POST", &endpoint, &changed, &secret
        ));
        let mut unsigned = params.clone();
        unsigned.remove("sig");
        assert!(!verify_request_signature(
            "POST", &endpoint, &unsigned, &secret
        ));
    }
}
