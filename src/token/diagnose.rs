//! Why a token failed to decrypt: which check failed, and the values it compared.
//!
//! [`KeySet::decrypt`] returns the official status, which is what a bidder acts on. Someone
//! debugging an integration needs more: *which* key is missing, *when* the token expired, *how
//! far* ahead its generation time lies, *which* layer failed authentication. [`diagnose`]
//! decrypts exactly as [`decrypt`](crate::token::decrypt) does and, on failure, explains the
//! error with a [`FailedCheck`].
//!
//! ```
//! use uid2::token::{diagnose, ClientType, FailedCheck};
//! use uid2::{KeySet, Timestamp};
//!
//! let keys = KeySet::parse(br#"{"body":{"identity_scope":"UID2","keys":[{"id":164,"created":1600000000,
//!   "activates":1600000000,"expires":2000000000,"secret":"iyXxrRJcJOilqBcSJsN7XKCIuShbraXdqBCppCaLCJs="}]},
//!   "status":"success"}"#)?;
//! let token = "A4AAAACkAAECAwQFBgcICQoLUMv9JU-PM0woQrdyiCZwSaYTBi3JJzaIp8xuf_jQ3Fc-ZJAY7D_4AtPqSzOkhuk6PSu1s0csTDFoPlJ4IlwFLp4HRjinFjUUpQuPldWvEo4LptmkCvIVmEI52nJtBZftH168y12EjNS62LW_XI2ygTrP9eYxjq6g_NOqmOkIdsmTVXsB72semxCmc_zxh6ZegQ";
//! let now = Timestamp::from_millis(1_672_534_862_000);
//! let diagnosis = diagnose(Some(&keys), token, ClientType::Bidstream, None, now).unwrap_err();
//! assert_eq!(diagnosis.error().as_status().as_str(), "NOT_AUTHORIZED_FOR_KEY");
//! assert_eq!(diagnosis.check(), FailedCheck::SiteKeyMissing { key_id: Some(165) });
//! # Ok::<(), uid2::KeySetError>(())
//! ```

use core::fmt;

use super::inspect::inspect;
use super::{ClientType, DecryptError, DecryptedToken, MAX_TOKEN_BYTES, TokenInfo, TokenVersion};
use crate::codec::{Reader, b64};
use crate::{IdentityScope, KeySet, Timestamp};

/// The check a token failed, with the values that check compared. No variant holds the raw UID
/// or any key material.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FailedCheck {
    /// No key set was given (`NOT_INITIALIZED`).
    NoKeySet,
    /// Every key of the key set has expired (`KEYS_NOT_SYNCED`): the key set is stale.
    KeySetExpired {
        /// When its last key expired (`None` for a key set with no keys).
        latest_expiry: Option<Timestamp>,
        /// The time of the check.
        now: Timestamp,
    },
    /// The token text is longer than the accepted maximum.
    TooLong {
        /// Its length, in characters.
        len: usize,
        /// The most accepted.
        max: usize,
    },
    /// The text is not base64, or too short for its version's layout.
    NotAToken,
    /// The version byte is none that this SDK reads.
    UnsupportedVersion,
    /// The token's scope (UID2 or EUID) differs from the key set's: the keys come from the
    /// other product's operator.
    ScopeMismatch {
        /// The token's scope.
        token: IdentityScope,
        /// The key set's scope.
        key_set: IdentityScope,
    },
    /// The key set has no key with the token's master key id.
    MasterKeyMissing {
        /// The id the token names.
        key_id: i32,
    },
    /// The master key exists but the outer layer failed authentication: the token was altered,
    /// or the key set comes from another operator or environment that reuses the id.
    MasterLayerRejected {
        /// The master key id.
        key_id: i32,
    },
    /// The key set has no key with the site key id found inside the outer layer: the token's
    /// site has not shared its keys with this client.
    SiteKeyMissing {
        /// The id the token names; `None` for a v2 token, whose site key id is unauthenticated
        /// and never reported.
        key_id: Option<i32>,
    },
    /// The site key exists but the inner layer failed authentication.
    SiteLayerRejected {
        /// The site key id.
        key_id: i32,
    },
    /// A layer opened but its content is malformed (v2 tokens: a layer failed to decrypt).
    Malformed,
    /// The token expired before the time of the check.
    Expired {
        /// When it expired.
        expiry: Timestamp,
        /// The time of the check.
        now: Timestamp,
    },
    /// The token was generated client-side for a site whose domain and app names do not
    /// include the one given (or none was given).
    DomainNotAllowed {
        /// The token's site.
        site_id: i32,
        /// Whether a domain or app name was given at all.
        name_given: bool,
        /// How many names the key set allows for that site.
        allowed_names: usize,
    },
    /// The token's lifetime (from its generation, or from now for v2 tokens, to its expiry)
    /// exceeds the key set's maximum for this client type.
    LifetimeTooLong {
        /// Where the lifetime is counted from.
        from: Timestamp,
        /// The token's expiry.
        expiry: Timestamp,
        /// The lifetime, in whole seconds.
        lifetime_seconds: i64,
        /// The maximum, in seconds.
        max_seconds: i64,
    },
    /// The token's generation time lies further ahead of the time of the check than the
    /// allowed clock skew: one of the two clocks is wrong.
    GeneratedInFuture {
        /// The token's generation time.
        generated: Timestamp,
        /// The time of the check.
        now: Timestamp,
        /// How far ahead, in whole seconds.
        ahead_seconds: i64,
        /// The allowed skew, in seconds.
        allowed_seconds: i64,
    },
}

impl fmt::Display for FailedCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::NoKeySet => f.write_str("no key set was loaded"),
            Self::KeySetExpired {
                latest_expiry: Some(at),
                now,
            } => write!(
                f,
                "every key expired (the last at {at}, now {now}): refresh the key set"
            ),
            Self::KeySetExpired {
                latest_expiry: None,
                ..
            } => f.write_str("the key set has no keys"),
            Self::TooLong { len, max } => {
                write!(
                    f,
                    "token text is {len} characters long; at most {max} are accepted"
                )
            }
            Self::NotAToken => f.write_str("not base64, or too short to be a token"),
            Self::UnsupportedVersion => f.write_str("the token version is not one this sdk reads"),
            Self::ScopeMismatch { token, key_set } => write!(
                f,
                "the token is a {token} token but the key set is for {key_set}"
            ),
            Self::MasterKeyMissing { key_id } => {
                write!(f, "master key {key_id} is not in the key set")
            }
            Self::MasterLayerRejected { key_id } => write!(
                f,
                "the outer layer failed authentication under master key {key_id}: the token was altered or the keys are from another environment"
            ),
            Self::SiteKeyMissing { key_id: Some(key_id) } => write!(
                f,
                "site key {key_id} is not in the key set: the token's site has not granted access"
            ),
            Self::SiteKeyMissing { key_id: None } => f.write_str(
                "the token's site key is not in the key set: the token's site has not granted access",
            ),
            Self::SiteLayerRejected { key_id } => write!(
                f,
                "the inner layer failed authentication under site key {key_id}"
            ),
            Self::Malformed => f.write_str("a layer decrypted but its content is malformed"),
            Self::Expired { expiry, now } => {
                write!(f, "the token expired at {expiry}, before {now}")
            }
            Self::DomainNotAllowed {
                site_id,
                name_given: false,
                ..
            } => write!(
                f,
                "client-side generated token of site {site_id}: a domain or app name is required"
            ),
            Self::DomainNotAllowed {
                site_id,
                allowed_names,
                ..
            } => write!(
                f,
                "client-side generated token of site {site_id}: the name given is not one of the site's {allowed_names}"
            ),
            Self::LifetimeTooLong {
                lifetime_seconds,
                max_seconds,
                ..
            } => write!(
                f,
                "the token lives {lifetime_seconds} s, more than the {max_seconds} s allowed"
            ),
            Self::GeneratedInFuture {
                ahead_seconds,
                allowed_seconds,
                ..
            } => write!(
                f,
                "the token was generated {ahead_seconds} s in the future, more than the {allowed_seconds} s of clock skew allowed"
            ),
        }
    }
}

/// A failed decryption: the official error and the check behind it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Diagnosis {
    error: DecryptError,
    check: FailedCheck,
}

impl Diagnosis {
    /// The error [`decrypt`](crate::token::decrypt) returns (its `as_status()` is the official
    /// status).
    #[must_use]
    pub const fn error(&self) -> DecryptError {
        self.error
    }

    /// The check that failed.
    #[must_use]
    pub const fn check(&self) -> FailedCheck {
        self.check
    }
}

impl fmt::Display for Diagnosis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.error.as_status(), self.check)
    }
}

impl core::error::Error for Diagnosis {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        Some(&self.error)
    }
}

/// Decrypts like [`decrypt`](crate::token::decrypt) (same checks, same order, same result)
/// and, on failure, explains the error (see [`explain`]).
///
/// # Errors
/// A [`Diagnosis`]: the official error and the [`FailedCheck`].
pub fn diagnose(
    keys: Option<&KeySet>,
    token: &str,
    client: ClientType,
    domain_or_app_name: Option<&str>,
    now: Timestamp,
) -> Result<DecryptedToken, Diagnosis> {
    super::decrypt(keys, token, client, domain_or_app_name, now).map_err(|error| Diagnosis {
        error,
        check: explain(&error, keys, token, client, domain_or_app_name, now),
    })
}

/// Explains a [`DecryptError`] that decrypting `token` with `keys` for `client` at `now`
/// returned, by reading the token's header and, for `INVALID_PAYLOAD`, opening its layers again
/// to find the one that fails. Meant for diagnostics, not for the bidding path: it repeats work
/// that decryption already did.
#[must_use]
pub fn explain(
    error: &DecryptError,
    keys: Option<&KeySet>,
    token: &str,
    client: ClientType,
    domain_or_app_name: Option<&str>,
    now: Timestamp,
) -> FailedCheck {
    let Some(keys) = keys else {
        return FailedCheck::NoKeySet;
    };
    match *error {
        DecryptError::NotInitialized => FailedCheck::NoKeySet,
        DecryptError::KeysNotSynced => FailedCheck::KeySetExpired {
            latest_expiry: keys.latest_expiry(),
            now,
        },
        DecryptError::TokenTooLong { len } => FailedCheck::TooLong {
            len,
            max: super::MAX_TOKEN_CHARS,
        },
        DecryptError::VersionNotSupported => FailedCheck::UnsupportedVersion,
        DecryptError::InvalidIdentityScope => FailedCheck::ScopeMismatch {
            token: prefix_scope(token).unwrap_or(keys.identity_scope()),
            key_set: keys.identity_scope(),
        },
        DecryptError::NotAuthorizedForMasterKey { key_id } => {
            FailedCheck::MasterKeyMissing { key_id }
        }
        DecryptError::NotAuthorizedForKey { key_id } => FailedCheck::SiteKeyMissing { key_id },
        DecryptError::ExpiredToken(info) => FailedCheck::Expired {
            expiry: info.expiry,
            now,
        },
        DecryptError::DomainOrAppNameCheckFailed(info) => FailedCheck::DomainNotAllowed {
            site_id: info.site_id,
            name_given: domain_or_app_name.is_some(),
            allowed_names: keys
                .site(i64::from(info.site_id))
                .map_or(0, |s| s.names().len()),
        },
        DecryptError::InvalidTokenLifetime(info) => lifetime(&info, keys, client, now),
        DecryptError::InvalidPayload => invalid_payload(keys, token),
    }
}

/// The scope bit of the token's first byte, read from its first four characters as decryption
/// reads them, so that it is known even for a token too short for [`inspect`].
fn prefix_scope(token: &str) -> Option<IdentityScope> {
    let header = token.as_bytes().get(..4)?;
    let url = header.iter().any(|&c| c == b'-' || c == b'_');
    let mut head = [0u8; 3];
    let engine = if url { &b64::URL } else { &b64::STANDARD };
    let n = base64::Engine::decode_slice(engine, header, &mut head).ok()?;
    let first = *head.get(..n)?.first()?;
    Some(IdentityScope::from_bit(first >> 4))
}

/// Which of the two lifetime checks failed, with the same arithmetic as decryption.
fn lifetime(info: &TokenInfo, keys: &KeySet, client: ClientType, now: Timestamp) -> FailedCheck {
    let config = keys.config();
    let max = match client {
        ClientType::Bidstream => config.max_bidstream_lifetime_seconds,
        ClientType::Sharing => config.max_sharing_lifetime_seconds,
        // Legacy clients skip the check: this error cannot come from them.
        #[allow(
            deprecated,
            reason = "the SDK still accepts the deprecated client type"
        )]
        ClientType::Legacy => None,
    };
    let from = info.generated.unwrap_or(now);
    let lifetime_seconds = info.expiry.whole_secs_since(from);
    match max {
        Some(max_seconds) if lifetime_seconds > max_seconds => FailedCheck::LifetimeTooLong {
            from,
            expiry: info.expiry,
            lifetime_seconds,
            max_seconds,
        },
        _ => FailedCheck::GeneratedInFuture {
            generated: from,
            now,
            ahead_seconds: from.whole_secs_since(now),
            allowed_seconds: config.allow_clock_skew_seconds,
        },
    }
}

/// Finds which step of a v3/v4 token fails: decoding, the outer layer, the site key lookup or
/// the inner layer.
fn invalid_payload(keys: &KeySet, token: &str) -> FailedCheck {
    let Ok(header) = inspect(token) else {
        return FailedCheck::NotAToken;
    };
    if header.version == TokenVersion::V2 {
        return FailedCheck::Malformed;
    }
    let mut scratch = [0u8; MAX_TOKEN_BYTES];
    let std_text = token.bytes().map(|c| match c {
        b'-' => b'+',
        b'_' => b'/',
        other => other,
    });
    let mut text = [0u8; super::MAX_TOKEN_CHARS];
    for (dst, src) in text.iter_mut().zip(std_text) {
        *dst = src;
    }
    let Some(text) = text.get(..token.len()) else {
        return FailedCheck::NotAToken;
    };
    let decoded = base64::Engine::decode_slice(&b64::STANDARD, text, &mut scratch);
    let Some(bytes) = decoded.ok().and_then(|n| scratch.get_mut(..n)) else {
        return FailedCheck::NotAToken;
    };
    let master_id = header.master_key_id;
    let Some(master) = keys.key(i64::from(master_id)) else {
        return FailedCheck::MasterKeyMissing { key_id: master_id };
    };
    let Some(outer) = bytes.get_mut(6..) else {
        return FailedCheck::NotAToken;
    };
    let Ok(master_pt) = crate::codec::gcm::open(&master.gcm, outer) else {
        return FailedCheck::MasterLayerRejected { key_id: master_id };
    };
    let Some((head, site_blob)) = master_pt.split_at_mut_checked(33) else {
        return FailedCheck::Malformed;
    };
    let mut r = Reader::new(head);
    let site_id = r.take(29).and_then(|_| r.i32());
    let Some(site_key_id) = site_id else {
        return FailedCheck::Malformed;
    };
    let Some(site_key) = keys.key(i64::from(site_key_id)) else {
        return FailedCheck::SiteKeyMissing {
            key_id: Some(site_key_id),
        };
    };
    if crate::codec::gcm::open(&site_key.gcm, site_blob).is_err() {
        return FailedCheck::SiteLayerRejected {
            key_id: site_key_id,
        };
    }
    FailedCheck::Malformed
}

#[cfg(all(test, feature = "test-tokens"))]
#[allow(clippy::unwrap_used, reason = "test code: a failed expectation panics")]
mod tests {
    use super::*;
    extern crate alloc;
    use crate::key::{KeyParams, KeySetBuilder, KeySetConfig};
    use crate::random::ReplayRandom;
    use crate::token::TokenBuilder;
    use crate::{Key, Secret};
    use alloc::string::{String, ToString};

    const UID: &str = "ywsvDNINiZOVSsfkHpLpSJzXzhr6Jx9Z/4Q0+lsEUvM=";
    const NOW: Timestamp = Timestamp::from_millis(1_700_000_000_000);
    const DAY_MS: i64 = 86_400_000;

    fn key(id: i64, keyset: i64, secret: u8) -> Key {
        Key::new(
            KeyParams {
                id,
                keyset_id: Some(keyset),
                site_id: None,
                created: NOW.saturating_sub_millis(DAY_MS),
                activates: NOW.saturating_sub_millis(DAY_MS),
                expires: NOW.saturating_add_millis(DAY_MS),
            },
            Secret::new([secret; 32]),
        )
        .unwrap()
    }

    fn keys(config: KeySetConfig, with: &[&Key]) -> Result<KeySet, crate::KeySetError> {
        let mut b = KeySetBuilder::new(config);
        for &k in with {
            b.key(k.clone())?;
        }
        b.site(9000, ["example.com"])?;
        Ok(b.build())
    }

    fn token(builder: TokenBuilder<'_>) -> Result<String, crate::token::BuildError> {
        builder
            .build(&mut ReplayRandom::new(&[5; 24]))
            .map(|t| String::from(t.as_str()))
    }

    fn check(
        keys: &KeySet,
        token: &str,
        client: ClientType,
        domain: Option<&str>,
    ) -> Option<FailedCheck> {
        diagnose(Some(keys), token, client, domain, NOW)
            .err()
            .map(|d| d.check())
    }

    fn config(max_bidstream: Option<i64>, skew: i64) -> KeySetConfig {
        KeySetConfig {
            max_bidstream_lifetime_seconds: max_bidstream,
            allow_clock_skew_seconds: skew,
            ..KeySetConfig::default()
        }
    }

    #[test]
    fn success_is_the_same_as_decrypt() {
        let (m, s) = (key(1, 1, 1), key(2, 99, 2));
        let t = token(TokenBuilder::new(TokenVersion::V4, UID, &m, &s, NOW)).unwrap();
        let ks = keys(KeySetConfig::default(), &[&m, &s]).unwrap();
        let ok = diagnose(Some(&ks), &t, ClientType::Sharing, None, NOW).unwrap();
        assert_eq!(ok.uid().as_str(), UID);
    }

    #[test]
    fn names_the_missing_key_and_the_failing_layer() {
        let (m, s) = (key(1, 1, 1), key(2, 99, 2));
        let t = token(TokenBuilder::new(TokenVersion::V4, UID, &m, &s, NOW)).unwrap();
        let bidstream = ClientType::Bidstream;
        assert_eq!(
            check(
                &keys(KeySetConfig::default(), &[&s]).unwrap(),
                &t,
                bidstream,
                None
            )
            .unwrap(),
            FailedCheck::MasterKeyMissing { key_id: 1 }
        );
        assert_eq!(
            check(
                &keys(KeySetConfig::default(), &[&m]).unwrap(),
                &t,
                bidstream,
                None
            )
            .unwrap(),
            FailedCheck::SiteKeyMissing { key_id: Some(2) }
        );
        // Same ids, other secrets: the layer that fails is named.
        let wrong_master = keys(KeySetConfig::default(), &[&key(1, 1, 7), &s]).unwrap();
        assert_eq!(
            check(&wrong_master, &t, bidstream, None).unwrap(),
            FailedCheck::MasterLayerRejected { key_id: 1 }
        );
        let wrong_site = keys(KeySetConfig::default(), &[&m, &key(2, 99, 7)]).unwrap();
        assert_eq!(
            check(&wrong_site, &t, bidstream, None).unwrap(),
            FailedCheck::SiteLayerRejected { key_id: 2 }
        );
        let ks = keys(KeySetConfig::default(), &[&m, &s]).unwrap();
        assert_eq!(
            check(&ks, "AAAA", bidstream, None).unwrap(),
            FailedCheck::UnsupportedVersion
        );
        assert_eq!(
            check(&ks, "not a token", bidstream, None).unwrap(),
            FailedCheck::NotAToken
        );
    }

    #[test]
    fn gives_the_times_of_expiry_lifetime_and_skew() {
        let (m, s) = (key(1, 1, 1), key(2, 99, 2));
        let ks = keys(config(Some(3600), 60), &[&m, &s]).unwrap();

        let expiry = NOW.saturating_sub_millis(1000);
        let expired = token(
            TokenBuilder::new(
                TokenVersion::V4,
                UID,
                &m,
                &s,
                NOW.saturating_sub_millis(DAY_MS),
            )
            .expires(expiry),
        )
        .unwrap();
        assert_eq!(
            check(&ks, &expired, ClientType::Bidstream, None).unwrap(),
            FailedCheck::Expired { expiry, now: NOW }
        );

        let long = token(
            TokenBuilder::new(TokenVersion::V4, UID, &m, &s, NOW)
                .expires(NOW.saturating_add_millis(7_200_000)),
        )
        .unwrap();
        assert_eq!(
            check(&ks, &long, ClientType::Bidstream, None).unwrap(),
            FailedCheck::LifetimeTooLong {
                from: NOW,
                expiry: NOW.saturating_add_millis(7_200_000),
                lifetime_seconds: 7200,
                max_seconds: 3600,
            }
        );

        let ahead = NOW.saturating_add_millis(120_000);
        let future = token(
            TokenBuilder::new(TokenVersion::V4, UID, &m, &s, ahead)
                .expires(ahead.saturating_add_millis(60_000)),
        )
        .unwrap();
        assert_eq!(
            check(&ks, &future, ClientType::Bidstream, None).unwrap(),
            FailedCheck::GeneratedInFuture {
                generated: ahead,
                now: NOW,
                ahead_seconds: 120,
                allowed_seconds: 60,
            }
        );
    }

    #[test]
    fn lifetime_and_skew_are_exact_at_the_extremes() {
        // i64::MAX / 1000 seconds: what a saturated millisecond difference gives.
        const SATURATED: i64 = 9_223_372_036_854_775;
        const EXACT: i64 = 18_446_744_073_709_551;
        let (m, s) = (key(1, 1, 1), key(2, 99, 2));
        let (min, max) = (
            Timestamp::from_millis(i64::MIN),
            Timestamp::from_millis(i64::MAX),
        );
        let ks = keys(config(Some(SATURATED), SATURATED), &[&m, &s]).unwrap();
        let long = token(
            TokenBuilder::new(TokenVersion::V4, UID, &m, &s, NOW)
                .generated(min)
                .expires(max),
        )
        .unwrap();
        assert_eq!(
            check(&ks, &long, ClientType::Bidstream, None),
            Some(FailedCheck::LifetimeTooLong {
                from: min,
                expiry: max,
                lifetime_seconds: EXACT,
                max_seconds: SATURATED,
            })
        );
        let early = Timestamp::from_millis(i64::MIN + 1);
        let ahead = token(
            TokenBuilder::new(TokenVersion::V4, UID, &m, &s, NOW)
                .generated(max)
                .expires(max),
        )
        .unwrap();
        let d = diagnose(Some(&ks), &ahead, ClientType::Sharing, None, early).unwrap_err();
        assert_eq!(
            d.check(),
            FailedCheck::GeneratedInFuture {
                generated: max,
                now: early,
                ahead_seconds: EXACT,
                allowed_seconds: SATURATED,
            }
        );
    }

    #[test]
    fn explains_the_domain_check_and_the_scope() {
        let (m, s) = (key(1, 1, 1), key(2, 99, 2));
        let cstg = token(TokenBuilder::new(TokenVersion::V4, UID, &m, &s, NOW).privacy_bits(0b10))
            .unwrap();
        let ks = keys(KeySetConfig::default(), &[&m, &s]).unwrap();
        assert_eq!(
            check(&ks, &cstg, ClientType::Bidstream, Some("other.com")).unwrap(),
            FailedCheck::DomainNotAllowed {
                site_id: 9000,
                name_given: true,
                allowed_names: 1
            }
        );
        let euid =
            token(TokenBuilder::new(TokenVersion::V4, UID, &m, &s, NOW).scope(IdentityScope::Euid))
                .unwrap();
        assert_eq!(
            check(&ks, &euid, ClientType::Bidstream, None).unwrap(),
            FailedCheck::ScopeMismatch {
                token: IdentityScope::Euid,
                key_set: IdentityScope::Uid2
            }
        );
        // Decryption checks the scope before the length: a token too short to inspect still
        // has its own scope reported.
        for short in ["E4AA", "E4AAAAAAAAAAAAAAAAAAAAAAAAAAAA", "E3AAAAAA"] {
            assert_eq!(
                check(&ks, short, ClientType::Bidstream, None).unwrap(),
                FailedCheck::ScopeMismatch {
                    token: IdentityScope::Euid,
                    key_set: IdentityScope::Uid2
                },
                "{short}"
            );
        }
        assert_eq!(
            diagnose(None, &euid, ClientType::Bidstream, None, NOW)
                .unwrap_err()
                .check(),
            FailedCheck::NoKeySet
        );
        let text = check(&ks, &cstg, ClientType::Bidstream, None)
            .unwrap()
            .to_string();
        assert!(text.contains("9000") && !text.contains(UID), "{text}");
    }
}
