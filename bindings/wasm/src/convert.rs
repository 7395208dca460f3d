//! Numbers as JavaScript passes them: times in milliseconds since the Unix epoch, and ids.

use uid2::Timestamp;
use wasm_bindgen::JsValue;

use crate::error;

/// The largest integer a JavaScript number holds exactly (2^53 - 1).
const MAX_SAFE: f64 = 9_007_199_254_740_991.0;

/// An integer from JavaScript: a finite number within ±(2^53 - 1); fractions are dropped.
pub(crate) fn int(v: f64, what: &str) -> Result<i64, JsValue> {
    if !v.is_finite() || v.abs() > MAX_SAFE {
        return Err(error::misuse(&format!(
            "{what} must be a finite number within ±(2^53 - 1)"
        )));
    }
    #[expect(
        clippy::as_conversions,
        clippy::cast_possible_truncation,
        reason = "a finite f64 within ±2^53, truncated, converts to i64 exactly"
    )]
    let v = v.trunc() as i64;
    Ok(v)
}

/// `now` (or any time) from JavaScript: milliseconds since the Unix epoch.
pub(crate) fn time(ms: f64) -> Result<Timestamp, JsValue> {
    int(ms, "time (milliseconds since the Unix epoch)").map(Timestamp::from_millis)
}

/// A timestamp as a JavaScript number of milliseconds.
pub(crate) fn time_to_js(t: Timestamp) -> f64 {
    int_to_js(t.as_millis())
}

/// An integer as a JavaScript number (exact up to 2^53, which every time and id here is).
pub(crate) fn int_to_js(v: i64) -> f64 {
    #[expect(
        clippy::as_conversions,
        clippy::cast_precision_loss,
        reason = "times in ms and ids stay far below 2^53, where i64 to f64 is exact"
    )]
    let v = v as f64;
    v
}

/// A duration in milliseconds from JavaScript (NaN: `default`); negative values are refused.
#[cfg(feature = "operator")]
pub(crate) fn millis_or(
    v: f64,
    default: core::time::Duration,
    what: &str,
) -> Result<core::time::Duration, JsValue> {
    if v.is_nan() {
        return Ok(default);
    }
    let ms = int(v, what)?;
    u64::try_from(ms)
        .map(core::time::Duration::from_millis)
        .map_err(|_| error::misuse(&format!("{what} must not be negative")))
}
