//! The clock-skew retry decision (error 403002) and HTTP `Date` parsing.

use super::codes;
use crate::Timestamp;

/// What to do after a 403002 "Request has expired": resend once, with `now` shifted by
/// [`offset_ms`](Self::offset_ms).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockSkewRetry {
    offset_ms: i64,
}

impl ClockSkewRetry {
    /// Server time minus local time, in milliseconds.
    #[must_use]
    pub const fn offset_ms(&self) -> i64 {
        self.offset_ms
    }

    /// `now` corrected by the offset: the time to pass to the next
    /// [`build`](super::RequestBuilder::build).
    #[must_use]
    pub const fn adjusted(&self, now: Timestamp) -> Timestamp {
        now.saturating_add_millis(self.offset_ms)
    }
}

/// Decides whether to resend a request that the server rejected for clock skew.
///
/// Returns `Some` only when `error_code` is 403002, no retry was made yet (`retries_done == 0`)
/// and `date_header` (the HTTP `Date` header of the rejection) parses; the offset is then the
/// server's time minus `now`. The adapter keeps the offset for later requests too.
#[must_use]
pub fn clock_skew_retry(
    error_code: i64,
    date_header: Option<&str>,
    now: Timestamp,
    retries_done: u32,
) -> Option<ClockSkewRetry> {
    if error_code != codes::REQUEST_EXPIRED || retries_done != 0 {
        return None;
    }
    clock_offset_from_date_header(date_header?, now).map(|offset_ms| ClockSkewRetry { offset_ms })
}

/// Server time (from an HTTP `Date` header value) minus `now`, in milliseconds, or `None` when
/// the value does not parse (see [`parse_http_date`]).
#[must_use]
pub fn clock_offset_from_date_header(date: &str, now: Timestamp) -> Option<i64> {
    Some(parse_http_date(date)?.saturating_millis_since(now))
}

const MONTHS: [&[u8; 3]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];
const WEEKDAYS: [&[u8; 3]; 7] = [b"Mon", b"Tue", b"Wed", b"Thu", b"Fri", b"Sat", b"Sun"];

fn digits(bytes: &[u8]) -> Option<i64> {
    if bytes.is_empty() || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    bytes.iter().try_fold(0i64, |acc, d| {
        acc.checked_mul(10)?
            .checked_add(i64::from(d.checked_sub(b'0')?))
    })
}

const fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        _ => 31,
    }
}

/// Parses an HTTP date in the preferred RFC 7231 (IMF-fixdate) form,
/// `Sun, 06 Nov 1994 08:49:37 GMT`.
///
/// The obsolete RFC 850 and asctime forms are not accepted (Gigya's servers send IMF-fixdate).
#[must_use]
pub fn parse_http_date(value: &str) -> Option<Timestamp> {
    let b = value.trim().as_bytes();
    // "Sun, 06 Nov 1994 08:49:37 GMT" is exactly 29 bytes.
    let b: &[u8; 29] = b.try_into().ok()?;
    let [
        w0,
        w1,
        w2,
        b',',
        b' ',
        d0,
        d1,
        b' ',
        m0,
        m1,
        m2,
        b' ',
        y0,
        y1,
        y2,
        y3,
        b' ',
        h0,
        h1,
        b':',
        n0,
        n1,
        b':',
        s0,
        s1,
        b' ',
        b'G',
        b'M',
        b'T',
    ] = *b
    else {
        return None;
    };
    if !WEEKDAYS.contains(&&[w0, w1, w2]) {
        return None;
    }
    let month = MONTHS.iter().position(|m| **m == [m0, m1, m2])?;
    let month = i64::try_from(month).ok()?.checked_add(1)?;
    let year = digits(&[y0, y1, y2, y3])?;
    let day = digits(&[d0, d1])?;
    let (hour, minute, second) = (digits(&[h0, h1])?, digits(&[n0, n1])?, digits(&[s0, s1])?);
    if day < 1 || day > days_in_month(year, month) || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let secs = crate::time::days_from_civil(year, month, day)?
        .checked_mul(86_400)?
        .checked_add(hour.checked_mul(3600)?)?
        .checked_add(minute.checked_mul(60)?)?
        .checked_add(second)?;
    Timestamp::from_secs(secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(
            parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Timestamp::from_secs(784_111_777)
        );
        assert_eq!(
            parse_http_date("Tue, 14 Nov 2023 22:13:20 GMT"),
            Timestamp::from_secs(1_700_000_000)
        );
        assert_eq!(
            parse_http_date("Thu, 29 Feb 2024 00:00:00 GMT"),
            Timestamp::from_secs(1_709_164_800)
        );
        for bad in [
            "",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sun, 31 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nox 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 24:49:37 GMT",
        ] {
            assert_eq!(parse_http_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn retry_decision() {
        let now = Timestamp::from_secs(1_700_000_000).unwrap();
        let date = Some("Tue, 14 Nov 2023 22:18:20 GMT");
        let retry = clock_skew_retry(403_002, date, now, 0).unwrap();
        assert_eq!(retry.offset_ms(), 300_000);
        assert_eq!(
            retry.adjusted(now),
            Timestamp::from_secs(1_700_000_300).unwrap()
        );
        assert_eq!(clock_skew_retry(403_002, date, now, 1), None);
        assert_eq!(clock_skew_retry(403_003, date, now, 0), None);
        assert_eq!(clock_skew_retry(403_002, None, now, 0), None);
    }
}
