//! Printing: times, JSON on standard output, reading one value from an argument or stdin.

use std::io::{self, Read as _, Write as _};

use uid2::Timestamp;
use zeroize::Zeroizing;

use crate::error::CliError;

/// A time as RFC 3339 in UTC (`2025-01-01T00:00:00Z`, milliseconds when not zero); the raw
/// milliseconds when out of range.
pub(crate) fn rfc3339(t: Timestamp) -> String {
    jiff::Timestamp::from_millisecond(t.as_millis())
        .map_or_else(|_| format!("{}ms", t.as_millis()), |ts| ts.to_string())
}

/// A time as Python's `str(datetime.fromtimestamp(ms / 1000))` prints it: local time,
/// `YYYY-MM-DD HH:MM:SS`, then `.ffffff` when the fraction is not zero.
pub(crate) fn python_local(t: Timestamp) -> String {
    let Ok(ts) = jiff::Timestamp::from_millisecond(t.as_millis()) else {
        return format!("{}ms", t.as_millis());
    };
    let local = ts.to_zoned(jiff::tz::TimeZone::system()).datetime();
    let micros = t.as_millis().rem_euclid(1000).saturating_mul(1000);
    let base = local.strftime("%Y-%m-%d %H:%M:%S").to_string();
    if micros == 0 {
        base
    } else {
        format!("{base}.{micros:06}")
    }
}

/// Parses `--at`: RFC 3339, or milliseconds since the epoch.
pub(crate) fn parse_time(text: &str) -> Result<Timestamp, CliError> {
    if let Ok(ms) = text.trim().parse::<i64>() {
        return Ok(Timestamp::from_millis(ms));
    }
    text.trim()
        .parse::<jiff::Timestamp>()
        .map(|t| Timestamp::from_millis(t.as_millisecond()))
        .map_err(|e| {
            CliError::usage(format!("cannot read the time {text:?}: {e}"))
                .hint("use RFC 3339 (2025-01-31T12:00:00Z) or milliseconds since the epoch")
        })
}

/// Parses RFC 3339 as written by [`rfc3339`].
pub(crate) fn parse_rfc3339(text: &str) -> Option<Timestamp> {
    text.trim()
        .parse::<jiff::Timestamp>()
        .ok()
        .map(|t| Timestamp::from_millis(t.as_millisecond()))
}

/// A value given as an argument, or read from standard input when it is `-` (trimmed). Held
/// in zeroizing memory: it may be a token, a raw UID or an email.
pub(crate) fn arg_or_stdin(value: &str, what: &str) -> Result<Zeroizing<String>, CliError> {
    if value != "-" {
        return Ok(Zeroizing::new(value.to_owned()));
    }
    let mut text = Zeroizing::new(String::new());
    io::stdin().read_to_string(&mut text).map_err(|e| {
        CliError::failure(format!("cannot read the {what} from standard input: {e}"))
    })?;
    let trimmed = Zeroizing::new(text.trim().to_owned());
    if trimmed.is_empty() {
        return Err(CliError::usage(format!("no {what} on standard input")));
    }
    Ok(trimmed)
}

/// Writes a JSON value and a newline to standard output.
pub(crate) fn print_json(value: &serde_json::Value) -> Result<(), CliError> {
    let mut out = io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value)
        .map_err(io::Error::from)
        .and_then(|()| writeln!(out))
        .and_then(|()| out.flush())
        .map_err(|e| CliError::failure(format!("cannot write to standard output: {e}")))
}

/// Writes `value` as one line of JSON Lines: compact JSON, then a newline.
pub(crate) fn write_json_line(
    out: &mut impl io::Write,
    value: &impl serde::Serialize,
) -> io::Result<()> {
    serde_json::to_writer(&mut *out, value).map_err(io::Error::from)?;
    out.write_all(b"\n")
}

/// Writes text to standard output.
pub(crate) fn print_text(text: &str) -> Result<(), CliError> {
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| CliError::failure(format!("cannot write to standard output: {e}")))
}

/// A big-endian nonce as the unsigned integer the docs' scripts print.
pub(crate) fn nonce_number(nonce: [u8; 8]) -> u64 {
    u64::from_be_bytes(nonce)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_print_as_rfc3339_and_python() {
        assert_eq!(rfc3339(Timestamp::from_millis(0)), "1970-01-01T00:00:00Z");
        assert_eq!(
            rfc3339(Timestamp::from_millis(1_667_885_597_644)),
            "2022-11-08T05:33:17.644Z"
        );
        assert_eq!(
            parse_time("2022-11-08T05:33:17.644Z").unwrap(),
            Timestamp::from_millis(1_667_885_597_644)
        );
        assert_eq!(parse_time("12").unwrap(), Timestamp::from_millis(12));
        assert!(parse_time("yesterday").is_err());
        // The fraction is printed only when not zero, in microseconds, as Python does.
        assert!(python_local(Timestamp::from_millis(1_667_885_597_644)).ends_with(":17.644000"));
        assert!(python_local(Timestamp::from_millis(1_667_885_597_000)).ends_with(":17"));
        assert_eq!(nonce_number([0, 0, 0, 0, 0, 0, 1, 2]), 258);
    }
}
