//! What the operator messages in this module share: the response document
//! (`{"status": …, "body": …}`) and compact JSON writing.

use alloc::string::String;
use alloc::vec::Vec;

use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::envelope::{OperatorStatus, ResponseError};

pub(crate) const fn malformed(reason: &'static str) -> ResponseError {
    ResponseError::MalformedResponse { reason }
}

/// The `status` member alone; every other member is skipped without being interpreted.
#[derive(Deserialize)]
struct StatusOnly {
    status: Option<String>,
}

/// The `body` member, typed; other members (`status`, `message`) are skipped.
#[derive(Deserialize)]
#[serde(bound = "T: DeserializeOwned")]
struct WithBody<T> {
    body: Option<T>,
}

/// Reads a response document: checks that `status` is `success`, then parses `body` as `T`.
///
/// The status is read first, so an error document whose `body` does not have the success shape
/// still reports its status.
pub(crate) fn parse_success_body<T: DeserializeOwned>(document: &[u8]) -> Result<T, ResponseError> {
    let head: StatusOnly = serde_json::from_slice(document)
        .map_err(|_| malformed("not a JSON object with a string `status`"))?;
    match head.status {
        Some(status) if status == "success" => {}
        Some(status) => {
            return Err(ResponseError::UnexpectedStatus(OperatorStatus::parse(
                &status,
            )));
        }
        None => return Err(malformed("`status` is missing")),
    }
    let full: WithBody<T> = serde_json::from_slice(document)
        .map_err(|_| malformed("`body` does not have the expected shape"))?;
    full.body.ok_or(malformed("`body` is missing"))
}

/// The number of bytes [`push_json_str`] writes for `s` (quotes included).
pub(crate) fn json_str_len(s: &str) -> usize {
    s.bytes()
        .fold(2usize, |n, b| n.saturating_add(escaped_len(b)))
}

const fn escaped_len(b: u8) -> usize {
    match b {
        b'"' | b'\\' | b'\n' | b'\r' | b'\t' | 0x08 | 0x0c => 2,
        0x00..=0x1f => 6,
        _ => 1,
    }
}

/// Appends `s` as a JSON string literal (RFC 8259 escaping; non-ASCII is written as UTF-8).
pub(crate) fn push_json_str(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    let bytes = s.as_bytes();
    if bytes.iter().all(|&b| escaped_len(b) == 1) {
        out.extend_from_slice(bytes);
    } else {
        for &b in bytes {
            match b {
                b'"' => out.extend_from_slice(b"\\\""),
                b'\\' => out.extend_from_slice(b"\\\\"),
                b'\n' => out.extend_from_slice(b"\\n"),
                b'\r' => out.extend_from_slice(b"\\r"),
                b'\t' => out.extend_from_slice(b"\\t"),
                0x08 => out.extend_from_slice(b"\\b"),
                0x0c => out.extend_from_slice(b"\\f"),
                0x00..=0x1f => {
                    const HEX: &[u8; 16] = b"0123456789abcdef";
                    let hi = HEX.get(usize::from(b >> 4)).copied().unwrap_or(b'0');
                    let lo = HEX.get(usize::from(b & 0x0f)).copied().unwrap_or(b'0');
                    out.extend_from_slice(&[b'\\', b'u', b'0', b'0', hi, lo]);
                }
                _ => out.push(b),
            }
        }
    }
    out.push(b'"');
}

/// Appends `"name":[` + the strings, comma-separated + `]`.
pub(crate) fn push_json_str_array<'a>(
    out: &mut Vec<u8>,
    name: &str,
    items: impl IntoIterator<Item = &'a str>,
) {
    push_json_str(out, name);
    out.extend_from_slice(b":[");
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        push_json_str(out, item);
    }
    out.push(b']');
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn status_before_body() {
        let doc = br#"{"status":"client_error","body":7}"#;
        assert_eq!(
            parse_success_body::<Vec<u8>>(doc),
            Err(ResponseError::UnexpectedStatus(OperatorStatus::ClientError))
        );
        assert_eq!(
            parse_success_body::<Vec<u8>>(br#"{"status":"success","body":[1,2]}"#),
            Ok(vec![1, 2])
        );
        for bad in [
            &b"{"[..],
            b"[]",
            br#"{"status":1}"#,
            br#"{"body":[]}"#,
            br#"{"status":"success"}"#,
        ] {
            assert!(matches!(
                parse_success_body::<Vec<u8>>(bad),
                Err(ResponseError::MalformedResponse { .. })
            ));
        }
    }

    #[test]
    fn escaping_round_trips() {
        let s = "a\"b\\c\n\u{1}\u{7f}é/";
        let mut out = Vec::new();
        push_json_str(&mut out, s);
        assert_eq!(out.len(), json_str_len(s));
        let back: String = serde_json::from_slice(&out).unwrap();
        assert_eq!(back, s);
    }
}
