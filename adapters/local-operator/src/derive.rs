//! Deterministic values derived from the seed: raw UIDs, salt buckets, refresh tokens.

use base64::Engine as _;
use sha2::{Digest as _, Sha256};
use uid2::envelope::{RefreshResponseKey, open_refresh_response};
use uid2::identity::IdentityKind;
use uid2::{IdentityScope, SecureRandom, Timestamp};

/// SHA-256 over the seed and length-prefixed parts.
pub(crate) fn digest(seed: &[u8; 32], parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(seed);
    for p in parts {
        h.update(u64::try_from(p.len()).unwrap_or(u64::MAX).to_be_bytes());
        h.update(p);
    }
    h.finalize().into()
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A person as the operator knows them: the kind and the 32-byte hash of the normalized DII.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Subject {
    pub(crate) kind: IdentityKind,
    pub(crate) hash: [u8; 32],
}

impl Subject {
    fn kind_byte(self) -> u8 {
        match self.kind {
            IdentityKind::Phone => 1,
            _ => 0,
        }
    }

    /// From the base64 hash text the core produces (44 characters).
    pub(crate) fn from_hash_text(kind: IdentityKind, text: &str) -> Option<Self> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text)
            .ok()?;
        Some(Self {
            kind,
            hash: bytes.try_into().ok()?,
        })
    }
}

/// The result of mapping a subject at some time.
pub(crate) struct Mapping {
    pub(crate) raw_uid: String,
    pub(crate) previous_raw_uid: Option<String>,
    /// When the bucket rotates next (the v3 `r`).
    pub(crate) refresh_from: Timestamp,
    pub(crate) bucket_id: String,
}

/// Salt buckets and raw UIDs.
#[derive(Clone)]
pub(crate) struct Salt {
    seed: [u8; 32],
    scope: IdentityScope,
    buckets: u32,
    period_ms: i64,
}

/// A previous raw UID is reported for this long after a rotation (90 days).
const PREVIOUS_UID_WINDOW_MS: i64 = 90 * 86_400_000;

impl Salt {
    pub(crate) fn new(seed: [u8; 32], scope: IdentityScope, buckets: u32, period_ms: i64) -> Self {
        Self {
            seed,
            scope,
            buckets: buckets.max(1),
            period_ms: period_ms.max(1000),
        }
    }

    pub(crate) fn bucket_count(&self) -> u32 {
        self.buckets
    }

    fn bucket_of(&self, s: Subject) -> u32 {
        let d = digest(&self.seed, &[b"bucket", &[s.kind_byte()], &s.hash]);
        let n = u32::from_be_bytes([d[0], d[1], d[2], d[3]]);
        n.checked_rem(self.buckets).unwrap_or(0)
    }

    pub(crate) fn bucket_id(bucket: u32) -> String {
        format!("bucket{bucket:04}")
    }

    /// The bucket's rotation offset within the period.
    fn offset(&self, bucket: u32) -> i64 {
        self.period_ms
            .saturating_mul(i64::from(bucket))
            .checked_div(i64::from(self.buckets))
            .unwrap_or(0)
    }

    fn epoch(&self, bucket: u32, now: Timestamp) -> i64 {
        now.as_millis()
            .saturating_sub(self.offset(bucket))
            .div_euclid(self.period_ms)
    }

    /// When `bucket` last rotated, at `now`.
    pub(crate) fn last_rotation(&self, bucket: u32, now: Timestamp) -> Timestamp {
        Timestamp::from_millis(
            self.epoch(bucket, now)
                .saturating_mul(self.period_ms)
                .saturating_add(self.offset(bucket)),
        )
    }

    /// The raw UID of `s` under salt epoch `epoch`: 33 bytes (a v3 raw UID: scope and type in
    /// the first byte), standard base64.
    fn raw_uid(&self, s: Subject, epoch: i64) -> String {
        let scope_bit: u8 = match self.scope {
            IdentityScope::Euid => 1,
            _ => 0,
        };
        let mut bytes = Vec::with_capacity(33);
        bytes.push(scope_bit << 4 | s.kind_byte() << 2);
        bytes.extend_from_slice(&digest(
            &self.seed,
            &[b"uid", &[s.kind_byte()], &s.hash, &epoch.to_be_bytes()],
        ));
        b64(&bytes)
    }

    /// Maps `s` at `now`.
    pub(crate) fn map(&self, s: Subject, now: Timestamp) -> Mapping {
        let bucket = self.bucket_of(s);
        let epoch = self.epoch(bucket, now);
        let last = self.last_rotation(bucket, now);
        let previous = (now.saturating_millis_since(last) < PREVIOUS_UID_WINDOW_MS)
            .then(|| self.raw_uid(s, epoch.saturating_sub(1)));
        Mapping {
            raw_uid: self.raw_uid(s, epoch),
            previous_raw_uid: previous,
            refresh_from: last.saturating_add_millis(self.period_ms),
            bucket_id: Self::bucket_id(bucket),
        }
    }
}

/// What a refresh token carries (sealed, so only this operator can read it).
#[derive(Clone, Debug)]
pub(crate) struct RefreshClaims {
    pub(crate) subject: Subject,
    pub(crate) site_id: i32,
    pub(crate) established: Timestamp,
    pub(crate) refresh_expires: Timestamp,
    /// The `refresh_response_key` issued with this refresh token.
    pub(crate) response_key: [u8; 32],
    /// Whether the identity came from client-side generation (its tokens keep the bit).
    pub(crate) client_side: bool,
}

/// Refresh tokens are padded so that they are 388 characters long, as the operator's are.
const REFRESH_PLAINTEXT_LEN: usize = 263;
const REFRESH_FORMAT: u8 = 1;

impl RefreshClaims {
    /// Seals the claims into refresh-token text under `key`.
    pub(crate) fn seal(
        &self,
        key: &RefreshResponseKey,
        rng: &mut impl SecureRandom,
    ) -> Result<String, uid2::EnvelopeError> {
        let mut pt = Vec::with_capacity(REFRESH_PLAINTEXT_LEN);
        pt.push(REFRESH_FORMAT);
        pt.push(self.subject.kind_byte());
        pt.extend_from_slice(&self.subject.hash);
        pt.extend_from_slice(&self.site_id.to_be_bytes());
        pt.extend_from_slice(&self.established.as_millis().to_be_bytes());
        pt.extend_from_slice(&self.refresh_expires.as_millis().to_be_bytes());
        pt.extend_from_slice(&self.response_key);
        pt.push(u8::from(self.client_side));
        pt.resize(REFRESH_PLAINTEXT_LEN, 0);
        let text = uid2::server::seal_refresh_response(key, &pt, rng)?;
        Ok(String::from_utf8(text).unwrap_or_default())
    }

    /// Opens refresh-token text sealed by [`seal`](Self::seal); `None` if it is not one.
    pub(crate) fn open(key: &RefreshResponseKey, token: &str) -> Option<Self> {
        let mut body = token.trim().as_bytes().to_vec();
        let pt = open_refresh_response(key, 200, &mut body).ok()?;
        let (&[format, kind], rest) = pt.split_first_chunk::<2>()?;
        if format != REFRESH_FORMAT || pt.len() != REFRESH_PLAINTEXT_LEN {
            return None;
        }
        let (hash, rest) = rest.split_first_chunk::<32>()?;
        let (site, rest) = rest.split_first_chunk::<4>()?;
        let (established, rest) = rest.split_first_chunk::<8>()?;
        let (refresh_expires, rest) = rest.split_first_chunk::<8>()?;
        let (response_key, rest) = rest.split_first_chunk::<32>()?;
        let client_side = rest.first() == Some(&1);
        Some(Self {
            subject: Subject {
                kind: if kind == 1 {
                    IdentityKind::Phone
                } else {
                    IdentityKind::Email
                },
                hash: *hash,
            },
            site_id: i32::from_be_bytes(*site),
            established: Timestamp::from_millis(i64::from_be_bytes(*established)),
            refresh_expires: Timestamp::from_millis(i64::from_be_bytes(*refresh_expires)),
            response_key: *response_key,
            client_side,
        })
    }
}

/// `YYYY-MM-DDTHH:MM:SS.mmm` in UTC, as the operator writes `last_updated`.
pub(crate) fn format_utc_millis(t: Timestamp) -> String {
    let ms = t.as_millis();
    let days = ms.div_euclid(86_400_000);
    let in_day = ms.rem_euclid(86_400_000);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}",
        in_day / 3_600_000,
        in_day / 60_000 % 60,
        in_day / 1000 % 60,
        in_day % 1000
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use uid2::operator::salt_buckets::parse_utc_date_time;
    use uid2::random::ReplayRandom;

    #[test]
    fn dates_round_trip_through_the_core_parser() {
        for ms in [0_i64, 951_782_400_123, 1_709_745_292_763, 4_102_444_800_000] {
            let text = format_utc_millis(Timestamp::from_millis(ms));
            assert_eq!(
                parse_utc_date_time(&text),
                Some(Timestamp::from_millis(ms)),
                "{text}"
            );
        }
        assert_eq!(
            format_utc_millis(Timestamp::from_millis(1_709_745_292_763)),
            "2024-03-06T17:14:52.763"
        );
    }

    #[test]
    fn refresh_tokens_are_388_characters_and_round_trip() {
        let key = RefreshResponseKey::new([5; 32]);
        let claims = RefreshClaims {
            subject: Subject {
                kind: IdentityKind::Phone,
                hash: [3; 32],
            },
            site_id: 999,
            established: Timestamp::from_millis(1),
            refresh_expires: Timestamp::from_millis(2),
            response_key: [4; 32],
            client_side: true,
        };
        let token = claims.seal(&key, &mut ReplayRandom::new(&[0; 12])).unwrap();
        assert_eq!(token.len(), 388);
        let back = RefreshClaims::open(&key, &token).unwrap();
        assert_eq!(back.subject, claims.subject);
        assert_eq!(back.site_id, 999);
        assert_eq!(back.response_key, [4; 32]);
        assert!(back.client_side);
        assert!(RefreshClaims::open(&RefreshResponseKey::new([6; 32]), &token).is_none());
        assert!(RefreshClaims::open(&key, "garbage").is_none());
    }

    #[test]
    fn raw_uids_are_stable_and_rotate() {
        let salt = Salt::new([1; 32], IdentityScope::Uid2, 4, 1_000_000);
        let s = Subject {
            kind: IdentityKind::Email,
            hash: [9; 32],
        };
        let now = Timestamp::from_millis(10_000_000);
        let a = salt.map(s, now);
        assert_eq!(a.raw_uid, salt.map(s, now).raw_uid);
        assert_eq!(a.raw_uid.len(), 44);
        assert!(a.raw_uid.starts_with('A'));
        let later = salt.map(s, a.refresh_from);
        assert_ne!(later.raw_uid, a.raw_uid);
        assert_eq!(later.previous_raw_uid.as_deref(), Some(a.raw_uid.as_str()));
        let phone = Subject {
            kind: IdentityKind::Phone,
            hash: [9; 32],
        };
        assert!(salt.map(phone, now).raw_uid.starts_with('B'));
    }
}
