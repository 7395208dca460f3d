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
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({}ms)", self.0)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}ms", self.0)
    }
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
