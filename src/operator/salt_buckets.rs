//! `POST /v2/identity/buckets` (legacy; retired with identity map v2 on 2026-09-30): which salt
//! buckets rotated since a given time.
//!
//! The request body is `{"since_timestamp":"YYYY-MM-DDTHH:MM:SS[.ffffff]"}`: a UTC date-time
//! without offset, with six fractional digits only when the sub-second part is not zero (the
//! operator rejects offsets). Building it needs no heap; reading the answer needs `alloc`.
//!
//! ```
//! use uid2::operator::salt_buckets::SaltBucketsRequest;
//! use uid2::Timestamp;
//!
//! let request = SaltBucketsRequest::since(Timestamp::from_millis(1_719_930_615_000))?;
//! assert_eq!(request.body(), br#"{"since_timestamp":"2024-07-02T14:30:15"}"#);
//! let request = SaltBucketsRequest::since_micros(1_719_930_615_123_456)?;
//! assert_eq!(request.since_timestamp(), "2024-07-02T14:30:15.123456");
//! # Ok::<(), uid2::operator::salt_buckets::SinceOutOfRange>(())
//! ```

use core::fmt;

use crate::Timestamp;

/// The endpoint path.
pub const PATH: &str = "/v2/identity/buckets";

/// `0001-01-01T00:00:00` in seconds since the Unix epoch.
const MIN_SECS: i64 = -62_135_596_800;
/// `9999-12-31T23:59:59` in seconds since the Unix epoch.
const MAX_SECS: i64 = 253_402_300_799;
const MICROS_PER_SEC: i64 = 1_000_000;
const SECS_PER_DAY: i64 = 86_400;

const PREFIX: &[u8] = br#"{"since_timestamp":""#;
const SUFFIX: &[u8] = br#""}"#;
/// `YYYY-MM-DDTHH:MM:SS.ffffff`
const MAX_DATE_TIME_LEN: usize = 26;
const MAX_BODY_LEN: usize = 48;

/// A `since` time outside the years 1 to 9999, which ISO 8601's four-digit years cannot
/// express.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SinceOutOfRange;

impl fmt::Display for SinceOutOfRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("since time is outside the years 1 to 9999")
    }
}

impl core::error::Error for SinceOutOfRange {}

/// A `/v2/identity/buckets` request, held inline (no heap).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct SaltBucketsRequest {
    body: [u8; MAX_BODY_LEN],
    len: usize,
}

impl fmt::Debug for SaltBucketsRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SaltBucketsRequest")
            .field("since_timestamp", &self.since_timestamp())
            .finish()
    }
}

impl SaltBucketsRequest {
    /// Buckets rotated at or after `since` (millisecond precision).
    ///
    /// # Errors
    /// [`SinceOutOfRange`] when `since` is outside the years 1 to 9999.
    pub fn since(since: Timestamp) -> Result<Self, SinceOutOfRange> {
        Self::since_micros(since.as_millis().checked_mul(1000).ok_or(SinceOutOfRange)?)
    }

    /// Buckets rotated at or after `since_micros` microseconds since the Unix epoch (the
    /// precision the endpoint accepts).
    ///
    /// # Errors
    /// [`SinceOutOfRange`] when the time is outside the years 1 to 9999.
    pub fn since_micros(since_micros: i64) -> Result<Self, SinceOutOfRange> {
        let secs = since_micros.div_euclid(MICROS_PER_SEC);
        let micros = since_micros.rem_euclid(MICROS_PER_SEC);
        if !(MIN_SECS..=MAX_SECS).contains(&secs) {
            return Err(SinceOutOfRange);
        }
        let mut date_time = [0u8; MAX_DATE_TIME_LEN];
        let dt_len = format_date_time(secs, micros, &mut date_time);
        let mut body = [0u8; MAX_BODY_LEN];
        let mut len = 0usize;
        for part in [PREFIX, date_time.get(..dt_len).unwrap_or_default(), SUFFIX] {
            let end = len.saturating_add(part.len());
            if let Some(dst) = body.get_mut(len..end) {
                dst.copy_from_slice(part);
            }
            len = end;
        }
        Ok(Self { body, len })
    }

    /// The plaintext JSON body.
    #[must_use]
    pub fn body(&self) -> &[u8] {
        self.body.get(..self.len).unwrap_or_default()
    }

    /// The `since_timestamp` value sent.
    #[must_use]
    pub fn since_timestamp(&self) -> &str {
        let end = self.len.saturating_sub(SUFFIX.len());
        let text = self.body.get(PREFIX.len()..end).unwrap_or_default();
        core::str::from_utf8(text).unwrap_or_default()
    }
}

/// Writes `YYYY-MM-DDTHH:MM:SS` and, when `micros` is not zero, `.ffffff`; returns the length.
/// `secs` must be within `MIN_SECS..=MAX_SECS` and `micros` within `0..1_000_000`.
fn format_date_time(secs: i64, micros: i64, out: &mut [u8; MAX_DATE_TIME_LEN]) -> usize {
    let days = secs.div_euclid(SECS_PER_DAY);
    let sod = secs.rem_euclid(SECS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    let mut w = DigitWriter { out, pos: 0 };
    w.number(year, 4);
    w.byte(b'-');
    w.number(month, 2);
    w.byte(b'-');
    w.number(day, 2);
    w.byte(b'T');
    w.number(sod.div_euclid(3600), 2);
    w.byte(b':');
    w.number(sod.rem_euclid(3600).div_euclid(60), 2);
    w.byte(b':');
    w.number(sod.rem_euclid(60), 2);
    if micros != 0 {
        w.byte(b'.');
        w.number(micros, 6);
    }
    w.pos
}

/// Writes fixed-width decimal fields; writes past the end are dropped (the caller sizes the
/// buffer for the longest form).
struct DigitWriter<'a> {
    out: &'a mut [u8],
    pos: usize,
}

impl DigitWriter<'_> {
    fn byte(&mut self, b: u8) {
        if let Some(slot) = self.out.get_mut(self.pos) {
            *slot = b;
        }
        self.pos = self.pos.saturating_add(1);
    }

    /// `value` (non-negative) as exactly `width` digits, zero-padded, most significant first.
    fn number(&mut self, value: i64, width: usize) {
        let mut v = value;
        for i in (0..width).rev() {
            let digit = u8::try_from(v.rem_euclid(10)).unwrap_or(0);
            if let Some(slot) = self.out.get_mut(self.pos.saturating_add(i)) {
                *slot = b'0'.saturating_add(digit);
            }
            v = v.div_euclid(10);
        }
        self.pos = self.pos.saturating_add(width);
    }
}

/// Days since 1970-01-01 to a proleptic Gregorian `(year, month, day)`; H. Hinnant's
/// `civil_from_days`. The callers keep `days` within the years 1 to 9999, where no operation
/// below can overflow.
const fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days.wrapping_add(719_468);
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = doe
        .wrapping_sub(doe / 1460)
        .wrapping_add(doe / 36_524)
        .wrapping_sub(doe / 146_096)
        / 365;
    let doy = doe.wrapping_sub(
        365_i64
            .wrapping_mul(yoe)
            .wrapping_add(yoe / 4)
            .wrapping_sub(yoe / 100),
    );
    let mp = 5_i64.wrapping_mul(doy).wrapping_add(2) / 153;
    let day = doy
        .wrapping_sub(153_i64.wrapping_mul(mp).wrapping_add(2) / 5)
        .wrapping_add(1);
    let month = if mp < 10 {
        mp.wrapping_add(3)
    } else {
        mp.wrapping_sub(9)
    };
    let year = yoe
        .wrapping_add(era.wrapping_mul(400))
        .wrapping_add(if month <= 2 { 1 } else { 0 });
    (year, month, day)
}

/// Parses the operator's `last_updated` form, `YYYY-MM-DDTHH:MM:SS[.f…]` in UTC without offset,
/// to milliseconds (fractional digits beyond milliseconds are truncated). `None` when the text
/// does not have that form or names an impossible date.
#[must_use]
pub fn parse_utc_date_time(text: &str) -> Option<Timestamp> {
    let b = text.as_bytes();
    let (main, frac) = b.split_at_checked(19)?;
    let num = |range: core::ops::Range<usize>| -> Option<i64> {
        let digits = main.get(range)?;
        digits.iter().try_fold(0_i64, |acc, &c| {
            c.is_ascii_digit().then(|| {
                acc.wrapping_mul(10)
                    .wrapping_add(i64::from(c.wrapping_sub(b'0')))
            })
        })
    };
    let seps = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
    if !seps.iter().all(|&(i, c)| main.get(i) == Some(&c)) {
        return None;
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if year == 0 || day == 0 || day > month_days || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let millis = match frac {
        [] => 0,
        [b'.', digits @ ..] if !digits.is_empty() && digits.iter().all(u8::is_ascii_digit) => {
            digits
                .iter()
                .chain(b"00".iter())
                .take(3)
                .fold(0_i64, |acc, &c| {
                    acc.wrapping_mul(10)
                        .wrapping_add(i64::from(c.wrapping_sub(b'0')))
                })
        }
        _ => return None,
    };
    let days = crate::time::days_from_civil(year, month, day)?;
    let secs = days
        .wrapping_mul(SECS_PER_DAY)
        .wrapping_add(hour.wrapping_mul(3600))
        .wrapping_add(minute.wrapping_mul(60))
        .wrapping_add(second);
    Some(Timestamp::from_millis(
        secs.wrapping_mul(1000).wrapping_add(millis),
    ))
}

#[cfg(feature = "alloc")]
mod response {
    use alloc::string::String;
    use alloc::vec::Vec;

    use serde::Deserialize;

    use super::{SaltBucketsRequest, parse_utc_date_time};
    use crate::Timestamp;
    use crate::envelope::ResponseError;
    use crate::operator::map_document::parse_success_body;

    /// A salt bucket that rotated: its id and when (strings kept as the operator sent them).
    #[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
    pub struct SaltBucket {
        bucket_id: String,
        last_updated: String,
    }

    impl SaltBucket {
        /// The bucket id, as in [`MappedIdentityV2::bucket_id`](crate::operator::identity_map_v2::MappedIdentityV2::bucket_id).
        #[must_use]
        pub fn bucket_id(&self) -> &str {
            &self.bucket_id
        }

        /// When the bucket last rotated, verbatim: UTC `YYYY-MM-DDTHH:MM:SS.mmm`, no offset.
        #[must_use]
        pub fn last_updated(&self) -> &str {
            &self.last_updated
        }

        /// [`last_updated`](Self::last_updated) as a [`Timestamp`], or `None` when the operator
        /// sent another format.
        #[must_use]
        pub fn last_updated_timestamp(&self) -> Option<Timestamp> {
            parse_utc_date_time(&self.last_updated)
        }
    }

    impl SaltBucketsRequest {
        /// Reads the decrypted response document: a `body` array of buckets, in the operator's
        /// order.
        ///
        /// To send the request and read its reply in one typed step, use
        /// [`OperatorCall::seal`](crate::operator::OperatorCall::seal) and open the reply with the
        /// [`PendingReply`](crate::operator::PendingReply) it returns.
        ///
        /// # Errors
        /// * [`ResponseError::UnexpectedStatus`] when `status` is not `success`.
        /// * [`ResponseError::MalformedResponse`] when the document is not JSON or `body` is missing or
        ///   not an array of `{"bucket_id", "last_updated"}` strings.
        pub fn parse_response(&self, document: &[u8]) -> Result<Vec<SaltBucket>, ResponseError> {
            parse_success_body(document)
        }
    }
}

#[cfg(feature = "alloc")]
pub use response::SaltBucket;

#[cfg(feature = "alloc")]
impl crate::operator::OperatorCall for SaltBucketsRequest {
    type Response = alloc::vec::Vec<SaltBucket>;
    const PATH: &'static str = "/v2/identity/buckets";
    const ENCODING: crate::envelope::BodyEncoding = crate::envelope::BodyEncoding::Text;

    fn payload(&self) -> &[u8] {
        self.body()
    }

    fn read_reply(
        &self,
        document: &[u8],
    ) -> Result<Self::Response, crate::envelope::ResponseError> {
        self.parse_response(document)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(m: i64, want: Option<&str>) {
        let got = SaltBucketsRequest::since_micros(m).ok();
        assert_eq!(
            got.as_ref().map(SaltBucketsRequest::since_timestamp),
            want,
            "{m}"
        );
    }

    #[test]
    fn formats() {
        check(0, Some("1970-01-01T00:00:00"));
        check(-1, Some("1969-12-31T23:59:59.999999"));
        check(951_782_400_000_001, Some("2000-02-29T00:00:00.000001"));
        check(MIN_SECS * 1_000_000, Some("0001-01-01T00:00:00"));
        check(
            MAX_SECS * 1_000_000 + 999_999,
            Some("9999-12-31T23:59:59.999999"),
        );
        check(MIN_SECS * 1_000_000 - 1, None);
        check((MAX_SECS + 1) * 1_000_000, None);
        assert_eq!(
            SaltBucketsRequest::since(Timestamp::from_millis(i64::MAX)),
            Err(SinceOutOfRange)
        );
    }

    #[test]
    fn parses_and_round_trips() {
        assert_eq!(
            parse_utc_date_time("2024-07-02T20:20:17.152"),
            Some(Timestamp::from_millis(1_719_951_617_152))
        );
        assert_eq!(
            parse_utc_date_time("2024-07-02T20:20:17"),
            Some(Timestamp::from_millis(1_719_951_617_000))
        );
        assert_eq!(
            parse_utc_date_time("2024-07-02T20:20:17.1"),
            Some(Timestamp::from_millis(1_719_951_617_100))
        );
        for bad in [
            "",
            "2024-07-02 20:20:17",
            "2023-02-29T00:00:00",
            "2024-07-02T20:20:17.",
            "2024-07-02T20:20:17Z",
        ] {
            assert_eq!(parse_utc_date_time(bad), None, "{bad}");
        }
        for secs in [MIN_SECS, -1, 0, 951_782_400, 1_719_951_617, MAX_SECS] {
            let r = SaltBucketsRequest::since_micros(secs * 1_000_000).unwrap();
            assert_eq!(
                parse_utc_date_time(r.since_timestamp()),
                Some(Timestamp::from_millis(secs * 1000))
            );
        }
    }
}
