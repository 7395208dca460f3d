//! RS256 JWTs: the bearer token of the user-key + RSA-key mode, and id_token validation
//! against a data center's JWKS (feature `gigya-rsa`).

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use base64::Engine as _;
use core::fmt;
use rsa::rand_core::{TryCryptoRng, TryRng};
use rsa::sha2::Sha256;
use rsa::{BoxedUint, PrivateKey, PublicKey};
use serde_json::{Map, Value};

use super::{Credentials, GigyaError, JsonValue, RequestBuilder};
use crate::codec::b64;
use crate::{RandomError, SecureRandom, Timestamp};

/// The clock skew [`validate_id_token`] is usually given, in seconds.
pub const DEFAULT_ID_TOKEN_SKEW_SECS: u64 = 120;

/// Lets the RSA code draw blinding values from the caller's random source.
struct RngBridge<'a>(&'a mut dyn SecureRandom);

impl TryRng for RngBridge<'_> {
    type Error = RandomError;

    fn try_next_u32(&mut self) -> Result<u32, RandomError> {
        let mut b = [0u8; 4];
        self.0.fill(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    fn try_next_u64(&mut self) -> Result<u64, RandomError> {
        let mut b = [0u8; 8];
        self.0.fill(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), RandomError> {
        self.0.fill(dst)
    }
}

impl TryCryptoRng for RngBridge<'_> {}

/// Formats 16 random bytes as a version-4 UUID.
pub(crate) fn uuid_v4(mut bytes: [u8; 16]) -> String {
    if let Some(b) = bytes.get_mut(6) {
        *b = (*b & 0x0f) | 0x40;
    }
    if let Some(b) = bytes.get_mut(8) {
        *b = (*b & 0x3f) | 0x80;
    }
    let mut out = String::with_capacity(36);
    for (i, b) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        out.push_str(&format!("{b:02x}"));
    }
    out
}

fn json_string(text: &str) -> Result<String, GigyaError> {
    serde_json::to_string(text).map_err(|_| GigyaError::RsaSigning)
}

/// An RSA private key for the bearer mode. `Debug` prints `<redacted>`.
#[derive(Clone)]
pub struct GigyaRsaKey(PrivateKey);

impl GigyaRsaKey {
    /// Reads a PEM private key: PKCS#1 (`BEGIN RSA PRIVATE KEY`) or PKCS#8 (`BEGIN PRIVATE KEY`).
    ///
    /// # Errors
    /// [`GigyaError::InvalidPrivateKey`] when the text is neither.
    pub fn from_pem(pem: &str) -> Result<Self, GigyaError> {
        use rsa::pkcs1::DecodeRsaPrivateKey as _;
        use rsa::pkcs8::DecodePrivateKey as _;
        let pem = pem.trim();
        PrivateKey::from_pkcs1_pem(pem)
            .or_else(|_| PrivateKey::from_pkcs8_pem(pem))
            .map(Self)
            .map_err(|_| GigyaError::InvalidPrivateKey)
    }

    /// The bearer JWT: header `{"alg":"RS256","typ":"JWT","kid":<user_key>}`, payload
    /// `{"iat":<iat_secs>,"jti":<jti>}`, RSASSA-PKCS1-v1_5 SHA-256, base64url without padding.
    ///
    /// # Errors
    /// [`GigyaError::RsaSigning`] when the key cannot sign; [`GigyaError::Random`] when the
    /// blinding source fails.
    pub fn bearer_token(
        &self,
        user_key: &str,
        iat_secs: i64,
        jti: &str,
        rng: Option<&mut dyn SecureRandom>,
    ) -> Result<String, GigyaError> {
        let header = format!(
            r#"{{"alg":"RS256","typ":"JWT","kid":{}}}"#,
            json_string(user_key)?
        );
        let payload = format!(r#"{{"iat":{iat_secs},"jti":{}}}"#, json_string(jti)?);
        let mut token = b64::URL.encode(header);
        token.push('.');
        token.push_str(&b64::URL.encode(payload));
        let sig = match rng {
            Some(rng) => self
                .0
                .pkcs1v15_sign_with_rng::<Sha256, _>(&mut RngBridge(rng), token.as_bytes())
                .map_err(|e| match e {
                    rsa::Error::Rng => GigyaError::Random,
                    _ => GigyaError::RsaSigning,
                }),
            None => self
                .0
                .pkcs1v15_sign::<Sha256>(token.as_bytes())
                .map_err(|_| GigyaError::RsaSigning),
        }?;
        token.push('.');
        token.push_str(&b64::URL.encode(sig));
        Ok(token)
    }
}

impl fmt::Debug for GigyaRsaKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("GigyaRsaKey(<redacted>)")
    }
}

/// The request that fetches a data center's id_token keys: `accounts.getJWTPublicKey` with
/// `V2=true`, no authentication beyond the API key. Parse the answer with [`Jwks::parse`].
///
/// # Errors
/// None today; the `Result` leaves room for parameter checks.
pub fn jwks_request(api_key: &str, api_domain: &str) -> Result<RequestBuilder, GigyaError> {
    RequestBuilder::new("accounts.getJWTPublicKey", Credentials::anonymous(api_key))
        .api_domain(api_domain)
        .param("V2", true)
}

/// One RSA key of a JWKS.
#[derive(Clone)]
struct Jwk {
    kid: String,
    key: PublicKey,
}

/// The public keys of a data center, from `accounts.getJWTPublicKey` (with `V2=true`).
#[derive(Clone)]
pub struct Jwks {
    keys: Vec<Jwk>,
}

/// Strict base64url: no padding, canonical trailing bits.
fn decode_b64url(text: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .ok()
}

fn parse_jwk(entry: &Map<String, Value>) -> Result<Option<Jwk>, GigyaError> {
    let str_member = |k: &str| entry.get(k).and_then(Value::as_str);
    if str_member("kty") != Some("RSA") {
        return Ok(None);
    }
    if str_member("use").is_some_and(|u| u != "sig") {
        return Ok(None);
    }
    let kid = str_member("kid").ok_or(GigyaError::InvalidJwks)?;
    let n = str_member("n")
        .and_then(decode_b64url)
        .ok_or(GigyaError::InvalidJwks)?;
    let e = str_member("e")
        .and_then(decode_b64url)
        .ok_or(GigyaError::InvalidJwks)?;
    let key = PublicKey::new(
        BoxedUint::from_be_slice_vartime(&n),
        BoxedUint::from_be_slice_vartime(&e),
    )
    .map_err(|_| GigyaError::InvalidJwks)?;
    Ok(Some(Jwk {
        kid: kid.to_string(),
        key,
    }))
}

impl Jwks {
    /// Parses the response body of `accounts.getJWTPublicKey`: a `keys` array of JWKs (V2), or
    /// a single JWK at the top level (V1). RSA signing keys are kept; other key types are
    /// skipped.
    ///
    /// # Errors
    /// [`GigyaError::InvalidJwks`] when the body is not a JSON object, has a non-zero
    /// `errorCode`, or an RSA entry lacks a `kid` or has an invalid modulus or exponent.
    pub fn parse(body: &[u8]) -> Result<Self, GigyaError> {
        let doc: Map<String, Value> =
            serde_json::from_slice(body.trim_ascii()).map_err(|_| GigyaError::InvalidJwks)?;
        if doc
            .get("errorCode")
            .and_then(Value::as_i64)
            .is_some_and(|c| c != 0)
        {
            return Err(GigyaError::InvalidJwks);
        }
        let mut keys = Vec::new();
        match doc.get("keys") {
            Some(Value::Array(entries)) => {
                for entry in entries {
                    let entry = entry.as_object().ok_or(GigyaError::InvalidJwks)?;
                    keys.extend(parse_jwk(entry)?);
                }
            }
            Some(_) => return Err(GigyaError::InvalidJwks),
            None => keys.extend(parse_jwk(&doc)?),
        }
        Ok(Self { keys })
    }

    /// The key ids, in document order.
    pub fn key_ids(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().map(|k| k.kid.as_str())
    }

    fn find(&self, kid: &str) -> Option<&PublicKey> {
        self.keys.iter().find(|k| k.kid == kid).map(|k| &k.key)
    }
}

impl fmt::Debug for Jwks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.key_ids()).finish()
    }
}

/// The claims of a valid id_token.
///
/// `Debug` shows `iat` and `exp` only.
#[derive(Clone)]
pub struct IdTokenClaims {
    claims: Map<String, Value>,
    exp: i64,
    iat: Option<i64>,
}

impl IdTokenClaims {
    /// `sub`: the user's UID, if present.
    #[must_use]
    pub fn sub(&self) -> Option<&str> {
        self.claims.get("sub").and_then(Value::as_str)
    }

    /// `iss`, if present.
    #[must_use]
    pub fn iss(&self) -> Option<&str> {
        self.claims.get("iss").and_then(Value::as_str)
    }

    /// `apiKey`, if present.
    #[must_use]
    pub fn api_key(&self) -> Option<&str> {
        self.claims.get("apiKey").and_then(Value::as_str)
    }

    /// `exp`, Unix seconds.
    #[must_use]
    pub const fn exp(&self) -> i64 {
        self.exp
    }

    /// `iat`, Unix seconds, if present.
    #[must_use]
    pub const fn iat(&self) -> Option<i64> {
        self.iat
    }

    /// Any claim, by path (see [`JsonValue::path`]), e.g. `email`.
    #[must_use]
    pub fn get(&self, path: &str) -> Option<JsonValue<'_>> {
        super::json::lookup(&self.claims, path)
    }
}

impl fmt::Debug for IdTokenClaims {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdTokenClaims")
            .field("iat", &self.iat)
            .field("exp", &self.exp)
            .finish_non_exhaustive()
    }
}

fn decode_json_segment(segment: &str) -> Result<Map<String, Value>, GigyaError> {
    let bytes = decode_b64url(segment).ok_or(GigyaError::MalformedJwt)?;
    serde_json::from_slice(&bytes).map_err(|_| GigyaError::MalformedJwt)
}

/// Validates a Gigya id_token (from `accounts.getJWT` or a client) against `jwks` at `now`.
///
/// Checks, in order: three base64url segments holding JSON objects; header `alg` is `RS256`
/// (`none`, `HS256` and every other algorithm are refused); header `kid` names a key in `jwks`;
/// the RS256 signature verifies; `iss` is present and is exactly
/// `https://fidm.gigya.com/jwt/<api_key>/`; `apiKey`, when present, is `api_key`;
/// `exp` is present and `now <= exp + skew_secs`; `iat`, when present, is `<= now + skew_secs`
/// (see [`DEFAULT_ID_TOKEN_SKEW_SECS`]). Fetching the key set again after an unknown `kid`
/// (key rotation) is the caller's job.
///
/// # Errors
/// [`GigyaError::MalformedJwt`], [`GigyaError::UnsupportedAlgorithm`],
/// [`GigyaError::UnknownKeyId`], [`GigyaError::InvalidJwtSignature`],
/// [`GigyaError::InvalidIssuer`], [`GigyaError::InvalidApiKey`], [`GigyaError::MissingClaim`]
/// (also for a token without `iss`),
/// [`GigyaError::TokenExpired`] or [`GigyaError::TokenNotYetValid`].
pub fn validate_id_token(
    token: &str,
    jwks: &Jwks,
    api_key: &str,
    now: Timestamp,
    skew_secs: u64,
) -> Result<IdTokenClaims, GigyaError> {
    let mut parts = token.trim().split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(GigyaError::MalformedJwt);
    };
    let header_json = decode_json_segment(header)?;
    if header_json.get("alg").and_then(Value::as_str) != Some("RS256") {
        return Err(GigyaError::UnsupportedAlgorithm);
    }
    let kid = header_json
        .get("kid")
        .and_then(Value::as_str)
        .ok_or(GigyaError::UnknownKeyId)?;
    let key = jwks.find(kid).ok_or(GigyaError::UnknownKeyId)?;
    let signature = decode_b64url(signature).ok_or(GigyaError::MalformedJwt)?;
    let signed_len = header
        .len()
        .checked_add(1)
        .and_then(|n| n.checked_add(payload.len()))
        .ok_or(GigyaError::MalformedJwt)?;
    let signed = token
        .trim()
        .get(..signed_len)
        .ok_or(GigyaError::MalformedJwt)?;
    key.pkcs1v15_verify::<Sha256>(signed.as_bytes(), &signature)
        .map_err(|_| GigyaError::InvalidJwtSignature)?;
    let claims = decode_json_segment(payload)?;
    let iss = claims
        .get("iss")
        .ok_or(GigyaError::MissingClaim { name: "iss" })?;
    let expected = format!("https://fidm.gigya.com/jwt/{api_key}/");
    if iss.as_str() != Some(expected.as_str()) {
        return Err(GigyaError::InvalidIssuer);
    }
    if let Some(claimed) = claims.get("apiKey")
        && claimed.as_str() != Some(api_key)
    {
        return Err(GigyaError::InvalidApiKey);
    }
    let now_secs = now.as_secs_floor();
    let skew = i64::try_from(skew_secs).unwrap_or(i64::MAX);
    let exp = claims
        .get("exp")
        .and_then(Value::as_i64)
        .ok_or(GigyaError::MissingClaim { name: "exp" })?;
    if now_secs > exp.saturating_add(skew) {
        return Err(GigyaError::TokenExpired { exp, now: now_secs });
    }
    let iat = match claims.get("iat") {
        None => None,
        Some(v) => Some(v.as_i64().ok_or(GigyaError::MissingClaim { name: "iat" })?),
    };
    if let Some(iat) = iat
        && iat > now_secs.saturating_add(skew)
    {
        return Err(GigyaError::TokenNotYetValid { iat, now: now_secs });
    }
    Ok(IdTokenClaims { claims, exp, iat })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic, endless test source (xorshift64).
    struct TestRng(u64);

    impl SecureRandom for TestRng {
        fn fill(&mut self, dest: &mut [u8]) -> Result<(), RandomError> {
            for b in dest {
                self.0 ^= self.0 << 13;
                self.0 ^= self.0 >> 7;
                self.0 ^= self.0 << 17;
                *b = self.0.to_le_bytes()[0];
            }
            Ok(())
        }
    }

    fn j1_case() -> Value {
        let doc: Value =
            serde_json::from_str(include_str!("../../test-vectors/gigya.json")).unwrap();
        doc["cases"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == "bearer_j1")
            .unwrap()
            .clone()
    }

    #[test]
    fn blinded_signing_gives_the_same_token() {
        let case = j1_case();
        let key = GigyaRsaKey::from_pem(case["private_key_pem"].as_str().unwrap()).unwrap();
        let jti = case["jti"].as_str().unwrap();
        let token = key
            .bearer_token("AUserKey_0123", 1_700_000_000, jti, Some(&mut TestRng(7)))
            .unwrap();
        assert_eq!(token, case["expected"]["token"].as_str().unwrap());
        assert_eq!(std::format!("{key:?}"), "GigyaRsaKey(<redacted>)");
        assert_eq!(
            GigyaRsaKey::from_pem("nope").map(|_| ()),
            Err(GigyaError::InvalidPrivateKey)
        );
    }

    #[test]
    fn bearer_request_with_random_jti() {
        let case = j1_case();
        let key = GigyaRsaKey::from_pem(case["private_key_pem"].as_str().unwrap()).unwrap();
        let req = RequestBuilder::new(
            "accounts.getAccountInfo",
            Credentials::bearer(Some("3_k"), "AUserKey_0123", key),
        )
        .build(
            Timestamp::from_secs(1_700_000_000).unwrap(),
            &mut TestRng(9),
        )
        .unwrap();
        let auth = req
            .headers()
            .iter()
            .find(|h| h.name() == "Authorization")
            .unwrap();
        let token = auth.value().strip_prefix("Bearer ").unwrap();
        let payload = decode_b64url(token.split('.').nth(1).unwrap()).unwrap();
        let payload: Value = serde_json::from_slice(&payload).unwrap();
        assert_eq!(payload["iat"], 1_700_000_000);
        assert_eq!(payload["jti"].as_str().unwrap().len(), 36);
        assert!(!std::format!("{req:?}").contains(token));
        assert_eq!(
            core::str::from_utf8(req.body()).unwrap(),
            std::format!(
                "apiKey=3_k&format=json&httpStatusCodes=false&sdk={}",
                super::super::SDK_ID
            )
        );
        let http = RequestBuilder::new("a.b", Credentials::anonymous("3_k"))
            .scheme(super::super::Scheme::Http)
            .build_with_nonce(Timestamp::UNIX_EPOCH, "n");
        assert_eq!(http.map(|_| ()), Err(GigyaError::InsecureScheme));
    }

    #[test]
    fn jwks_request_shape() {
        let req = jwks_request("3_k", "eu1.gigya.com")
            .unwrap()
            .build_with_nonce(Timestamp::from_secs(1).unwrap(), "n")
            .unwrap();
        assert_eq!(
            req.url(),
            "https://accounts.eu1.gigya.com/accounts.getJWTPublicKey"
        );
        assert!(
            core::str::from_utf8(req.body())
                .unwrap()
                .starts_with("V2=true&apiKey=3_k&")
        );
    }

    #[test]
    fn jwks_parsing() {
        assert!(Jwks::parse(br#"{"errorCode":400093}"#).is_err());
        assert!(Jwks::parse(br#"{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB"}]}"#).is_err());
        let empty = Jwks::parse(br#"{"keys":[{"kty":"EC","kid":"x"}]}"#).unwrap();
        assert_eq!(empty.key_ids().count(), 0);
    }

    #[test]
    fn uuid_format() {
        assert_eq!(uuid_v4([0xff; 16]), "ffffffff-ffff-4fff-bfff-ffffffffffff");
        assert_eq!(uuid_v4([0; 16]), "00000000-0000-4000-8000-000000000000");
    }
}
