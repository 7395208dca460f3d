//! Wall-clock time as the core sees it: a value the caller passes in.

use core::fmt;

/// A point in time: milliseconds since the Unix epoch (UTC).
///
/// Every core operation that depends on time takes a `now: Timestamp` argument; the core never
/// reads a clock. The value is signed because the UID2 wire formats carry signed 64-bit
/// millisecond times, so every time a token or key set can hold is representable.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(i64);

impl Timestamp {
    /// The Unix epoch.
    pub const UNIX_EPOCH: Self = Self(0);

    /// A timestamp from milliseconds since the Unix epoch.
    #[must_use]
    pub const fn from_millis(ms: i64) -> Self {
        Self(ms)
    }

    /// A timestamp from whole seconds since the Unix epoch, or `None` if the result does not fit.
    #[must_use]
    pub const fn from_secs(secs: i64) -> Option<Self> {
        match secs.checked_mul(1000) {
            Some(ms) => Some(Self(ms)),
            None => None,
        }
    }

    /// Milliseconds since the Unix epoch.
    #[must_use]
    pub const fn as_millis(self) -> i64 {
        self.0
    }

    /// Whole seconds since the Unix epoch, rounded toward negative infinity.
    #[must_use]
    pub const fn as_secs_floor(self) -> i64 {
        self.0.div_euclid(1000)
    }

    /// This timestamp truncated to whole seconds (toward negative infinity).
    #[must_use]
    pub const fn floor_to_secs(self) -> Self {
        Self(self.as_secs_floor().saturating_mul(1000))
    }

    /// `self + ms`, saturating at the bounds of the type.
    #[must_use]
    pub const fn saturating_add_millis(self, ms: i64) -> Self {
        Self(self.0.saturating_add(ms))
    }

    /// `self - ms`, saturating at the bounds of the type.
    #[must_use]
    pub const fn saturating_sub_millis(self, ms: i64) -> Self {
        Self(self.0.saturating_sub(ms))
    }

    /// Milliseconds from `earlier` to `self` (negative when `earlier` is later), saturating.
    #[must_use]
    pub const fn saturating_millis_since(self, earlier: Self) -> i64 {
        self.0.saturating_sub(earlier.0)
    }

    /// Whole seconds from `earlier` to `self`, rounded toward negative infinity. Exact for any
    /// two timestamps: the difference is taken in 128 bits, and any difference of two `i64`
    /// millisecond values, in seconds, fits an `i64`.
    #[must_use]
    pub(crate) fn whole_secs_since(self, earlier: Self) -> i64 {
        let secs = i128::from(self.0)
            .saturating_sub(i128::from(earlier.0))
            .div_euclid(1000);
        // Always fits (|secs| < 2^64 / 1000); saturate rather than panic all the same.
        i64::try_from(secs).unwrap_or(if secs < 0 { i64::MIN } else { i64::MAX })
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({}ms)", self.0)
    }
}

/// RFC 3339 in UTC with milliseconds, such as `2026-12-05T09:10:32.123Z`. Years outside
/// 0000–9999 (only reachable with made-up times) are written with a sign and at least six
/// digits, as ISO 8601's expanded years are (`+292278994-08-17T07:12:55.807Z`).
impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some(((year, month, day), (hour, minute, second, milli))) = self.civil() else {
            return write!(f, "{}ms", self.0);
        };
        if (0..=9999).contains(&year) {
            write!(f, "{year:04}")?;
        } else {
            write!(f, "{year:+07}")?;
        }
        write!(
            f,
            "-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}.{milli:03}Z"
        )
    }
}

/// A civil date: year, month (1–12), day (1–31).
type Date = (i64, i64, i64);
/// A time of day: hour, minute, second, millisecond.
type TimeOfDay = (i64, i64, i64, i64);

impl Timestamp {
    /// The UTC calendar date and time of day.
    fn civil(self) -> Option<(Date, TimeOfDay)> {
        let days = self.0.div_euclid(86_400_000);
        let in_day = self.0.rem_euclid(86_400_000);
        let time = (
            in_day.checked_div(3_600_000)?,
            in_day.checked_div(60_000)?.checked_rem(60)?,
            in_day.checked_div(1000)?.checked_rem(60)?,
            in_day.checked_rem(1000)?,
        );
        Some((civil_from_days(days)?, time))
    }
}

/// The civil date (proleptic Gregorian calendar) `days` after 1970-01-01: the inverse of
/// [`days_from_civil`].
fn civil_from_days(days: i64) -> Option<Date> {
    let z = days.checked_add(719_468)?;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = doe
        .checked_sub(doe.checked_div(1460)?)?
        .checked_add(doe.checked_div(36_524)?)?
        .checked_sub(doe.checked_div(146_096)?)?
        .checked_div(365)?;
    let doy = doe.checked_sub(
        yoe.checked_mul(365)?
            .checked_add(yoe.checked_div(4)?)?
            .checked_sub(yoe.checked_div(100)?)?,
    )?;
    let mp = doy.checked_mul(5)?.checked_add(2)?.checked_div(153)?;
    let day = doy
        .checked_sub(mp.checked_mul(153)?.checked_add(2)?.checked_div(5)?)?
        .checked_add(1)?;
    let month = if mp < 10 {
        mp.checked_add(3)?
    } else {
        mp.checked_sub(9)?
    };
    let year = yoe
        .checked_add(era.checked_mul(400)?)?
        .checked_add(i64::from(month <= 2))?;
    Some((year, month, day))
}

#[cfg(feature = "std")]
impl From<std::time::SystemTime> for Timestamp {
    /// Converts a system time; times before the epoch become negative, and times outside the
    /// `i64` millisecond range saturate.
    fn from(t: std::time::SystemTime) -> Self {
        match t.duration_since(std::time::UNIX_EPOCH) {
            Ok(d) => Self(i64::try_from(d.as_millis()).unwrap_or(i64::MAX)),
            Err(e) => Self(
                i64::try_from(e.duration().as_millis())
                    .map(|ms| ms.saturating_neg())
                    .unwrap_or(i64::MIN),
            ),
        }
    }
}

/// Days from 1970-01-01 to the given civil date (proleptic Gregorian calendar).
pub(crate) fn days_from_civil(year: i64, month: i64, day: i64) -> Option<i64> {
    let y = if month <= 2 {
        year.checked_sub(1)?
    } else {
        year
    };
    let era = y.div_euclid(400);
    let yoe = y.checked_sub(era.checked_mul(400)?)?;
    let mp = if month > 2 {
        month.checked_sub(3)?
    } else {
        month.checked_add(9)?
    };
    let doy = mp
        .checked_mul(153)?
        .checked_add(2)?
        .checked_div(5)?
        .checked_add(day)?
        .checked_sub(1)?;
    let doe = yoe
        .checked_mul(365)?
        .checked_add(yoe.checked_div(4)?)?
        .checked_sub(yoe.checked_div(100)?)?
        .checked_add(doy)?;
    era.checked_mul(146_097)?
        .checked_add(doe)?
        .checked_sub(719_468)
}

#[cfg(test)]
mod tests {
    use super::*;

    extern crate alloc;
    use alloc::string::ToString as _;

    #[test]
    fn display_is_rfc_3339_utc_with_milliseconds() {
        let cases = [
            (0, "1970-01-01T00:00:00.000Z"),
            (-1, "1969-12-31T23:59:59.999Z"),
            (1_796_461_832_123, "2026-12-05T09:10:32.123Z"),
            (951_782_400_000, "2000-02-29T00:00:00.000Z"),
            (253_402_300_799_999, "9999-12-31T23:59:59.999Z"),
            (253_402_300_800_000, "+010000-01-01T00:00:00.000Z"),
            (-62_167_219_200_000, "0000-01-01T00:00:00.000Z"),
            (-62_167_219_200_001, "-000001-12-31T23:59:59.999Z"),
            (i64::MAX, "+292278994-08-17T07:12:55.807Z"),
            (i64::MIN, "-292275055-05-16T16:47:04.192Z"),
        ];
        for (ms, text) in cases {
            assert_eq!(Timestamp::from_millis(ms).to_string(), text, "{ms}");
        }
    }

    proptest::proptest! {
        #[test]
        fn civil_dates_round_trip(days in -106_751_991_167_300_i64..106_751_991_167_300) {
            let (y, m, d) = civil_from_days(days).unwrap();
            proptest::prop_assert!((1..=12).contains(&m) && (1..=31).contains(&d));
            proptest::prop_assert_eq!(days_from_civil(y, m, d), Some(days));
        }
    }

    #[test]
    fn whole_secs_since_is_exact_at_the_extremes() {
        let t = Timestamp::from_millis;
        assert_eq!(t(1999).whole_secs_since(t(0)), 1);
        assert_eq!(t(0).whole_secs_since(t(1)), -1);
        assert_eq!(
            t(i64::MAX).whole_secs_since(t(i64::MIN)),
            18_446_744_073_709_551
        );
        assert_eq!(
            t(i64::MIN).whole_secs_since(t(i64::MAX)),
            -18_446_744_073_709_552
        );
    }

    #[test]
    fn floor_rounds_toward_negative_infinity() {
        assert_eq!(Timestamp::from_millis(1999).as_secs_floor(), 1);
        assert_eq!(Timestamp::from_millis(-1).as_secs_floor(), -1);
        assert_eq!(
            Timestamp::from_millis(1_717_243_200_999).floor_to_secs(),
            Timestamp::from_millis(1_717_243_200_000)
        );
    }

    #[test]
    fn from_secs_checks_overflow() {
        assert_eq!(Timestamp::from_secs(2), Some(Timestamp::from_millis(2000)));
        assert_eq!(Timestamp::from_secs(i64::MAX), None);
    }
}
