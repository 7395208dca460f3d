//! `POST /v2/token/client-generate`: client-side token generation (CSTG), feature `cstg`.
//!
//! Client-side token generation issues an identity without an API key or client secret. A
//! publisher holds a **subscription id** and the operator's **public key** (neither is secret),
//! and each request is protected by an ephemeral P-256 key agreement with that public key. It
//! suits apps and back ends that cannot keep a client secret: CTV apps, mobile back ends, edge
//! workers.
//!
//! | step | item |
//! | --- | --- |
//! | parse the credentials | [`ClientSideCredentials::new`] (with [`ServerPublicKey::parse`]) |
//! | describe the request | [`ClientSideTokenGenerateRequest`] (email, phone or their hashes; origin or app name) |
//! | seal it | [`ClientSideTokenGenerateRequest::seal`] → [`ClientSideRequest`] + [`PendingClientSideTokenGenerate`] |
//! | read the reply | [`PendingClientSideTokenGenerate::open`] → [`TokenResponse`](super::TokenResponse) |
//! | operator side (feature `server`) | the `server` module |
//!
//! Refresh the identity it returns with `/v2/token/refresh` as any other
//! ([`IdentityTokens::refresh_request`](super::IdentityTokens::refresh_request) with no API key).
//!
//! ## Wire format
//!
//! 1. The payload is `{"email_hash":"<hash>"}` or `{"phone_hash":"<hash>"}`: the operator takes
//!    no raw email or phone on this endpoint, so raw values are normalized and hashed here.
//! 2. An ephemeral P-256 key pair is drawn (32 bytes from the random source, a scalar; drawn
//!    again in the negligible case that they are not a valid scalar), then a 12-byte IV.
//! 3. The AES-256-GCM key is the 32-byte big-endian x-coordinate of the ECDH shared point,
//!    used as is (no key derivation function).
//! 4. The additional data is the compact JSON array `[<now ms>]`, or `[<now ms>,"<app name>"]`
//!    when an app name is sent.
//! 5. The body is plain JSON (no envelope, no `Authorization`):
//!    `{"payload": base64(ciphertext ‖ tag), "iv": base64(IV), "public_key": base64(SPKI DER
//!    of the ephemeral public key, uncompressed point), "timestamp": <now ms>,
//!    "subscription_id": "…"}`, plus `"app_name"` when one is given. Without an app name the
//!    request carries an `Origin` header, which the operator checks against the domains
//!    registered for the site (403 `invalid_http_origin` otherwise); with one, the app name is
//!    checked against the site's app names (403 `invalid_app_name`).
//! 6. A 200 reply is base64 text of `IV(12) ‖ ciphertext ‖ tag(16)` under the same key, without
//!    additional data; its plaintext is the usual `{"status":"success","body":{identity}}` or
//!    `{"status":"optout"}`. Other statuses carry plain JSON errors.
//!
//! The public UID2 documentation describes the credentials and the integration guides but not
//! this format; it follows the operator's handler and the official JavaScript SDK. The
//! project's `test-vectors/README.md` lists what was taken from each.
//!
//! ```
//! use uid2::operator::client_side::{ClientSideCredentials, ClientSideTokenGenerateRequest};
//! use uid2::random::OsRandom; // the `getrandom` feature
//! use uid2::Timestamp;
//!
//! let credentials = ClientSideCredentials::new(
//!     "abcdefghij",
//!     "UID2-X-L-MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE7fOB94C6PGx17+BbMxzf7NLDPq0EavXXAPMEAzTM9Aaf1wLAcpVgKxLGMk3T9NuKSR8zm6vgzvj2dcLrVefdRA==",
//! )?;
//! let request = ClientSideTokenGenerateRequest::from_email("user@example.com")?
//!     .with_origin("https://www.example.com")?;
//! let mut rng = OsRandom; // a fresh ephemeral key and IV for every request
//! let now = Timestamp::from_millis(1_700_000_000_000);
//! let (http, pending) = request.seal(&credentials, now, &mut rng)?;
//! assert_eq!(http.path(), "/v2/token/client-generate");
//! assert!(http.headers().any(|h| h.name() == "Origin" && h.value() == "https://www.example.com"));
//! // ... POST http.body() with http.headers() to the operator, then:
//! // let response = pending.open(status, &body)?;
//! # drop(pending);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod error;
mod key;
mod request;
#[cfg(feature = "server")]
pub mod server;

pub use error::ClientSideError;
pub use key::ServerPublicKey;
pub use request::{
    ClientSideCredentials, ClientSideRequest, ClientSideTokenGenerateRequest,
    PendingClientSideTokenGenerate,
};

use alloc::vec::Vec;

use aes_gcm::aead::{AeadInOut as _, KeyInit as _};
use aes_gcm::{Aes256Gcm, Tag};
use zeroize::{Zeroize as _, Zeroizing};

use crate::envelope::{IV_LEN, TAG_LEN};
use crate::secret::Secret;

/// The path of the client-side token generate endpoint.
pub const CLIENT_GENERATE_PATH: &str = "/v2/token/client-generate";

/// The ECDH shared secret: the x-coordinate of `secret × public`, used directly as the
/// AES-256-GCM key.
fn shared_key(secret: &p256::SecretKey, public: &p256::PublicKey) -> Secret<32> {
    let shared = secret.diffie_hellman(public);
    let mut bytes = [0u8; 32];
    bytes.copy_from_slice(shared.raw_secret_bytes().as_slice());
    let key = Secret::new(bytes);
    // `shared` wipes itself on drop; wipe the local copy too.
    bytes.zeroize();
    key
}

/// The additional data: the compact JSON array `[timestamp]` or `[timestamp,"app name"]`, as the
/// operator writes it (app names never contain control characters, so the escaping of the
/// operator's JSON writer and of serde_json agree).
fn additional_data(timestamp: i64, app_name: Option<&str>) -> Vec<u8> {
    let written = match app_name {
        Some(name) => serde_json::to_vec(&(timestamp, name)),
        None => serde_json::to_vec(&(timestamp,)),
    };
    // Serializing an integer and a string cannot fail.
    written.unwrap_or_default()
}

/// AES-256-GCM with additional data: `ciphertext ‖ tag`; `None` when the plaintext is too long.
fn seal_with_aad(
    key: &Secret<32>,
    iv: &[u8; IV_LEN],
    plaintext: &[u8],
    aad: &[u8],
) -> Option<Vec<u8>> {
    let cipher = Aes256Gcm::new(&(*key.expose()).into());
    let mut out = Vec::with_capacity(plaintext.len().saturating_add(TAG_LEN));
    out.extend_from_slice(plaintext);
    let tag = cipher
        .encrypt_inout_detached(iv.into(), aad, out.as_mut_slice().into())
        .ok()?;
    out.extend_from_slice(&tag);
    Some(out)
}

/// Opens `ciphertext ‖ tag` under `key` and `iv` with `aad`; `None` when it does not verify.
fn open_with_aad(
    key: &Secret<32>,
    iv: &[u8; IV_LEN],
    sealed: &[u8],
    aad: &[u8],
) -> Option<Zeroizing<Vec<u8>>> {
    let ct_len = sealed.len().checked_sub(TAG_LEN)?;
    let (ct, tag) = sealed.split_at(ct_len);
    let tag = Tag::try_from(tag).ok()?;
    let cipher = Aes256Gcm::new(&(*key.expose()).into());
    let mut plaintext = Zeroizing::new(ct.to_vec());
    cipher
        .decrypt_inout_detached(iv.into(), aad, plaintext.as_mut_slice().into(), &tag)
        .ok()?;
    Some(plaintext)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn additional_data_is_compact_json() {
        assert_eq!(additional_data(1_700_000_000_000, None), b"[1700000000000]");
        assert_eq!(
            additional_data(1_700_000_000_000, Some("com.example.app")),
            br#"[1700000000000,"com.example.app"]"#
        );
        assert_eq!(
            additional_data(-1, Some("a\"b\\c/é")),
            r#"[-1,"a\"b\\c/é"]"#.as_bytes()
        );
    }

    #[test]
    fn aead_round_trip_binds_the_additional_data() {
        let key = Secret::new([9; 32]);
        let iv = [1; IV_LEN];
        let sealed = seal_with_aad(&key, &iv, b"hello", b"[1]").unwrap();
        assert_eq!(sealed.len(), 5 + TAG_LEN);
        assert_eq!(
            open_with_aad(&key, &iv, &sealed, b"[1]")
                .unwrap()
                .as_slice(),
            b"hello"
        );
        assert!(open_with_aad(&key, &iv, &sealed, b"[2]").is_none());
        assert!(open_with_aad(&Secret::new([8; 32]), &iv, &sealed, b"[1]").is_none());
        assert!(open_with_aad(&key, &iv, &sealed[..TAG_LEN - 1], b"[1]").is_none());
    }
}
