//! The operator's client-side public key, as published to publishers.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use base64::Engine as _;
use p256::elliptic_curve::sec1::ToSec1Point as _;
use p256::pkcs8::DecodePublicKey as _;

use super::ClientSideError;
use crate::scope::IdentityScope;

/// Standard base64 with canonical padding and no stray trailing bits.
const STRICT_BASE64: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    base64::engine::GeneralPurposeConfig::new()
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::RequireCanonical)
        .with_decode_allow_trailing_bits(false),
);

/// Length of the text prefix: `UID2-X-I-` or `EUID-X-I-`.
const PREFIX_LEN: usize = 9;

/// The DER header of a `SubjectPublicKeyInfo` holding an uncompressed P-256 point: SEQUENCE,
/// AlgorithmIdentifier (id-ecPublicKey, prime256v1), BIT STRING of 66 bytes (no unused bits).
/// The 65-byte point `04 ‖ X ‖ Y` follows; 91 bytes in all, as WebCrypto exports it.
const SPKI_P256_HEADER: [u8; 26] = [
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a,
    0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
];

/// Length of a DER `SubjectPublicKeyInfo` of an uncompressed P-256 key.
pub(crate) const SPKI_P256_LEN: usize = SPKI_P256_HEADER.len() + 65;

/// The DER `SubjectPublicKeyInfo` of `key`, with the point uncompressed (91 bytes).
pub(crate) fn spki_der(key: &p256::PublicKey) -> [u8; SPKI_P256_LEN] {
    let mut out = [0u8; SPKI_P256_LEN];
    let (head, point) = out.split_at_mut(SPKI_P256_HEADER.len());
    head.copy_from_slice(&SPKI_P256_HEADER);
    let encoded = key.to_sec1_point(false);
    if let Some(bytes) = encoded.as_bytes().get(..point.len()) {
        point.copy_from_slice(bytes);
    }
    out
}

/// The operator's public key for client-side token generation, in the text form the operator
/// publishes: `UID2-X-<env>-<base64>` (`EUID-X-<env>-…` for EUID).
///
/// `<env>` is one upper-case letter naming the environment (`P` production, `I` integration,
/// `L` local, …) and `<base64>` is standard base64 of the DER `SubjectPublicKeyInfo` of a
/// P-256 (secp256r1) public key. A public key is not a secret: `Debug` and `Display` show it.
#[derive(Clone, PartialEq, Eq)]
pub struct ServerPublicKey {
    scope: IdentityScope,
    environment: u8,
    key: p256::PublicKey,
    text: String,
}

impl ServerPublicKey {
    /// Parses the published text form (surrounding whitespace ignored).
    ///
    /// # Errors
    /// [`ClientSideError::InvalidServerPublicKey`] when the prefix is not `UID2-X-<letter>-` or
    /// `EUID-X-<letter>-`, when the rest is not padded standard base64, or when it does not
    /// decode to the `SubjectPublicKeyInfo` of a point on P-256.
    pub fn parse(text: &str) -> Result<Self, ClientSideError> {
        let invalid = |reason| ClientSideError::InvalidServerPublicKey { reason };
        let text = text.trim();
        let (prefix, body) = text
            .split_at_checked(PREFIX_LEN)
            .ok_or(invalid("it is too short"))?;
        let scope = match prefix.get(..5) {
            Some("UID2-") => IdentityScope::Uid2,
            Some("EUID-") => IdentityScope::Euid,
            _ => return Err(invalid("it does not start with UID2-X- or EUID-X-")),
        };
        let [_, _, _, _, _, kind, dash, environment, last] = *prefix.as_bytes() else {
            return Err(invalid("it does not start with UID2-X- or EUID-X-"));
        };
        if kind == b'Y' && dash == b'-' {
            return Err(invalid(
                "this is the operator's private key (-Y-); use the public key (-X-)",
            ));
        }
        if kind != b'X' || dash != b'-' || last != b'-' || !environment.is_ascii_uppercase() {
            return Err(invalid(
                "it does not start with UID2-X-<letter>- or EUID-X-<letter>-",
            ));
        }
        let der: Vec<u8> = STRICT_BASE64
            .decode(body)
            .map_err(|_| invalid("the key after the prefix is not standard base64"))?;
        let key = p256::PublicKey::from_public_key_der(&der)
            .map_err(|_| invalid("the key is not a P-256 SubjectPublicKeyInfo"))?;
        Ok(Self {
            scope,
            environment,
            key,
            text: text.into(),
        })
    }

    /// A key from its parts, written out in the canonical text form (uncompressed point).
    #[cfg(any(test, feature = "server"))]
    pub(crate) fn from_key(scope: IdentityScope, environment: u8, key: p256::PublicKey) -> Self {
        let mut text = String::with_capacity(PREFIX_LEN.saturating_add(124));
        text.push_str(scope.as_str());
        text.push_str("-X-");
        text.push(char::from(environment));
        text.push('-');
        text.push_str(&crate::codec::b64::STANDARD.encode(spki_der(&key)));
        Self {
            scope,
            environment,
            key,
            text,
        }
    }

    /// Whether the key belongs to a UID2 or an EUID operator.
    #[must_use]
    pub const fn scope(&self) -> IdentityScope {
        self.scope
    }

    /// The environment letter of the prefix (`P`, `I`, `L`, …).
    #[must_use]
    pub fn environment(&self) -> char {
        char::from(self.environment)
    }

    /// The text form, as parsed (or as built for a key pair).
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The P-256 public key.
    pub(crate) const fn key(&self) -> &p256::PublicKey {
        &self.key
    }
}

impl fmt::Debug for ServerPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ServerPublicKey").field(&self.text).finish()
    }
}

impl fmt::Display for ServerPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "UID2-X-L-MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE7fOB94C6PGx17+BbMxzf7NLDPq0EavXXAPMEAzTM9Aaf1wLAcpVgKxLGMk3T9NuKSR8zm6vgzvj2dcLrVefdRA==";

    #[test]
    fn parses_and_writes_the_published_form() {
        let key = ServerPublicKey::parse(&alloc::format!(" {KEY}\n")).unwrap();
        assert_eq!(key.scope(), IdentityScope::Uid2);
        assert_eq!(key.environment(), 'L');
        assert_eq!(key.as_str(), KEY);
        let rebuilt = ServerPublicKey::from_key(key.scope, key.environment, key.key);
        assert_eq!(rebuilt.as_str(), KEY);
        let euid = ServerPublicKey::parse(&KEY.replacen("UID2-X-L", "EUID-X-P", 1)).unwrap();
        assert_eq!(
            (euid.scope(), euid.environment()),
            (IdentityScope::Euid, 'P')
        );
    }

    #[test]
    fn rejects_other_texts() {
        let reason = |text: &str| match ServerPublicKey::parse(text) {
            Err(ClientSideError::InvalidServerPublicKey { reason }) => reason,
            other => panic!("{other:?}"),
        };
        assert!(reason(&KEY.replacen("-X-", "-Y-", 1)).contains("private key"));
        for bad in [
            "",
            "UID2-X-L-",
            "UID2-X-l-MFkw",
            "UID3-X-L-MFkw",
            "UID2_X_L_MFkw",
            "UID2-X-LL-MFkw",
        ] {
            assert!(ServerPublicKey::parse(bad).is_err(), "{bad}");
        }
        // Unpadded base64, stray trailing bits, a point off the curve, a key of another curve.
        assert!(ServerPublicKey::parse(KEY.trim_end_matches('=')).is_err());
        assert!(ServerPublicKey::parse(&KEY.replace("dRA==", "dRB==")).is_err());
        assert!(ServerPublicKey::parse(&KEY.replace("dRA==", "dQA==")).is_err());
        let p384 = "UID2-X-L-MHYwEAYHKoZIzj0CAQYFK4EEACIDYgAE";
        assert!(ServerPublicKey::parse(p384).is_err());
    }
}
