//! Reading a Gigya response body.

use alloc::string::{String, ToString};
use core::fmt;
use serde_json::{Map, Value};

use super::clock::{ClockSkewRetry, clock_skew_retry};
use super::{GigyaError, JsonValue, codes};
use crate::Timestamp;

/// A parsed Gigya response.
///
/// Gigya answers every call with a JSON object. `errorCode` 0 means success (codes 2000xx mean
/// "success with information" and carry data too). With `httpStatusCodes=false`, which every
/// request from this crate sends, the HTTP status is 200 even for errors, so the body is parsed
/// whatever the HTTP status was.
///
/// `Debug` shows the error code, status, call id and message, not the data.
#[derive(Clone)]
pub struct Response {
    error_code: i64,
    data: Map<String, Value>,
}

fn parse_error_code(value: Option<&Value>) -> Result<i64, GigyaError> {
    match value {
        None | Some(Value::Null) => Ok(codes::OK),
        Some(Value::Number(n)) => n.as_i64().ok_or(GigyaError::InvalidResponse),
        Some(Value::String(s)) => s.trim().parse().map_err(|_| GigyaError::InvalidResponse),
        Some(_) => Err(GigyaError::InvalidResponse),
    }
}

impl Response {
    /// Parses a response body.
    ///
    /// The body, after trimming whitespace, must be a JSON object. A missing `errorCode` counts
    /// as 0; an `errorCode` given as a numeric string is read as a number.
    ///
    /// # Errors
    /// [`GigyaError::InvalidResponse`] for an empty body, an HTML page, invalid JSON, JSON that is
    /// not an object, or an `errorCode` that is not an integer. Such a body is never treated as
    /// a success.
    pub fn parse(body: &[u8]) -> Result<Self, GigyaError> {
        let body = body.trim_ascii();
        if body.first() != Some(&b'{') {
            return Err(GigyaError::InvalidResponse);
        }
        let data: Map<String, Value> =
            serde_json::from_slice(body).map_err(|_| GigyaError::InvalidResponse)?;
        let error_code = parse_error_code(data.get("errorCode"))?;
        Ok(Self { error_code, data })
    }

    /// `errorCode`: 0 on success (see [`codes`](super::codes)).
    #[must_use]
    pub const fn error_code(&self) -> i64 {
        self.error_code
    }

    /// Whether `errorCode` is 0.
    #[must_use]
    pub const fn is_success(&self) -> bool {
        self.error_code == codes::OK
    }

    fn str_member(&self, key: &str) -> Option<&str> {
        self.data.get(key).and_then(Value::as_str)
    }

    /// `errorMessage`, if present.
    #[must_use]
    pub fn error_message(&self) -> Option<&str> {
        self.str_member("errorMessage")
    }

    /// `errorDetails`, if present.
    #[must_use]
    pub fn error_details(&self) -> Option<&str> {
        self.str_member("errorDetails")
    }

    /// `statusCode` (an HTTP-like status such as 200 or 403), if present.
    #[must_use]
    pub fn status_code(&self) -> Option<i64> {
        self.data.get("statusCode").and_then(Value::as_i64)
    }

    /// `statusReason` (`OK`, `Forbidden`, ...), if present.
    #[must_use]
    pub fn status_reason(&self) -> Option<&str> {
        self.str_member("statusReason")
    }

    /// `callId`, the id to quote in support requests, if present.
    #[must_use]
    pub fn call_id(&self) -> Option<&str> {
        self.str_member("callId")
    }

    /// The whole response object.
    #[must_use]
    pub fn data(&self) -> JsonObject<'_> {
        JsonObject(&self.data)
    }

    /// The value at `path` (`UID`, `profile.email`, `results[0].UID`; see [`JsonValue::path`]).
    #[must_use]
    pub fn get(&self, path: &str) -> Option<JsonValue<'_>> {
        super::json::lookup(&self.data, path)
    }

    /// The string at `path`, if there is one.
    #[must_use]
    pub fn get_str(&self, path: &str) -> Option<&str> {
        self.get(path)?.as_str()
    }

    /// The integer at `path`, if there is one that fits in `i64`.
    #[must_use]
    pub fn get_i64(&self, path: &str) -> Option<i64> {
        self.get(path)?.as_i64()
    }

    /// The number at `path` as `f64`, if there is one.
    #[must_use]
    pub fn get_f64(&self, path: &str) -> Option<f64> {
        self.get(path)?.as_f64()
    }

    /// The boolean at `path`, if there is one.
    #[must_use]
    pub fn get_bool(&self, path: &str) -> Option<bool> {
        self.get(path)?.as_bool()
    }

    /// The response as compact JSON text.
    #[must_use]
    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.data).unwrap_or_else(|_| "{}".to_string())
    }

    /// Whether to resend after a clock-skew rejection, and with which clock offset.
    ///
    /// See [`clock_skew_retry`](super::clock_skew_retry): `Some` only for error 403002, when no
    /// retry was made yet and the server's `Date` header parses.
    #[must_use]
    pub fn clock_skew_retry(
        &self,
        date_header: Option<&str>,
        now: Timestamp,
        retries_done: u32,
    ) -> Option<ClockSkewRetry> {
        clock_skew_retry(self.error_code, date_header, now, retries_done)
    }
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("error_code", &self.error_code)
            .field("status_code", &self.status_code())
            .field("call_id", &self.call_id())
            .field("error_message", &self.error_message())
            .finish_non_exhaustive()
    }
}

/// A borrowed JSON object: a response's top level.
#[derive(Clone, Copy)]
pub struct JsonObject<'a>(&'a Map<String, Value>);

impl<'a> JsonObject<'a> {
    /// The member `key`.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<JsonValue<'a>> {
        self.0.get(key).map(JsonValue::new)
    }

    /// The member names, in sorted order.
    pub fn keys(&self) -> impl Iterator<Item = &'a str> + 'a {
        self.0.keys().map(String::as_str)
    }

    /// The number of members.
    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the object has no members.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for JsonObject<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "JsonObject({} members)", self.0.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_response() {
        let r = Response::parse(
            br#" {"callId":"31ba039fb8d340ceb2f43d52c89bf187","errorCode":403003,"errorDetails":"Invalid request signature","errorMessage":"Invalid request signature","apiVersion":2,"statusCode":403,"statusReason":"Forbidden","time":"2023-11-14T22:13:20.000Z"}
"#,
        )
        .unwrap();
        assert_eq!(r.error_code(), 403_003);
        assert!(!r.is_success());
        assert_eq!(r.status_code(), Some(403));
        assert_eq!(r.call_id(), Some("31ba039fb8d340ceb2f43d52c89bf187"));
        assert_eq!(r.error_details(), Some("Invalid request signature"));
    }

    #[test]
    fn parsing_rules() {
        assert_eq!(Response::parse(b"{}").unwrap().error_code(), 0);
        assert_eq!(
            Response::parse(br#"{"errorCode":"400006"}"#)
                .unwrap()
                .error_code(),
            400_006
        );
        for bad in [
            &b""[..],
            b"   ",
            b"<html>error</html>",
            b"{not json",
            b"[1]",
            br#"{"errorCode":1.5}"#,
            br#"{"errorCode":"x"}"#,
            br#"{"errorCode":true}"#,
        ] {
            assert_eq!(
                Response::parse(bad).map(|_| ()),
                Err(GigyaError::InvalidResponse)
            );
        }
    }

    #[test]
    fn paths() {
        let r = Response::parse(
            br#"{"errorCode":0,"UID":"u","profile":{"age":30,"ok":true},"results":[{"UID":"a"}]}"#,
        )
        .unwrap();
        assert_eq!(r.get_str("UID"), Some("u"));
        assert_eq!(r.get_i64("profile.age"), Some(30));
        assert_eq!(r.get_bool("profile.ok"), Some(true));
        assert_eq!(r.get_str("results[0].UID"), Some("a"));
        assert!(r.get("results[1]").is_none());
        assert!(r.get("nope").is_none());
        assert!(!std::format!("{r:?}").contains("profile"));
    }
}
