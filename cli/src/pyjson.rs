//! JSON printed as Python's `json.dumps(json.loads(text), indent=4)` prints it, so that
//! `uid2 envelope decrypt-response` gives the same bytes as the v2 docs' `decrypt_response.py`.
//!
//! What Python does and this reproduces: object members keep their order (a repeated name keeps
//! its first position and takes its last value); four-space indentation with `", "`-free
//! separators (`,` at line ends, `": "` between name and value); empty objects and arrays as
//! `{}` and `[]`; every character outside printable ASCII escaped as `\uXXXX` (surrogate pairs
//! above U+FFFF); integers in full; other numbers as Python's shortest `repr` of the double
//! (`1e+16`, `1.5e-05`, `0.0001`, `2.0`).
//!
//! Known differences: integers beyond 64 bits are read as doubles, and Python's extensions
//! `NaN` and `Infinity` are not accepted (operator replies contain neither).

use std::fmt::Write as _;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// A JSON value with Python's distinctions: integers apart from floats, members in order.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum PyValue {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    Array(Vec<PyValue>),
    Object(Vec<(String, PyValue)>),
}

impl<'de> Deserialize<'de> for PyValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(PyVisitor)
    }
}

struct PyVisitor;

impl<'de> Visitor<'de> for PyVisitor {
    type Value = PyValue;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_unit<E>(self) -> Result<PyValue, E> {
        Ok(PyValue::Null)
    }

    fn visit_bool<E>(self, v: bool) -> Result<PyValue, E> {
        Ok(PyValue::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<PyValue, E> {
        Ok(PyValue::Int(i128::from(v)))
    }

    fn visit_u64<E>(self, v: u64) -> Result<PyValue, E> {
        Ok(PyValue::Int(i128::from(v)))
    }

    fn visit_f64<E>(self, v: f64) -> Result<PyValue, E> {
        Ok(PyValue::Float(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<PyValue, E> {
        Ok(PyValue::Str(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<PyValue, E> {
        Ok(PyValue::Str(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<PyValue, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(PyValue::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<PyValue, A::Error> {
        let mut members: Vec<(String, PyValue)> = Vec::new();
        while let Some((name, value)) = map.next_entry::<String, PyValue>()? {
            // A dict keeps a repeated key where it first appeared, with the last value.
            if let Some(slot) = members.iter_mut().find(|(n, _)| *n == name) {
                slot.1 = value;
            } else {
                members.push((name, value));
            }
        }
        Ok(PyValue::Object(members))
    }
}

/// Parses `text` as Python's `json.loads` would (surrounding whitespace allowed).
pub(crate) fn parse(text: &[u8]) -> Result<PyValue, serde_json::Error> {
    serde_json::from_slice(text)
}

/// `json.dumps(value, indent=4)`.
pub(crate) fn dumps(value: &PyValue) -> String {
    let mut out = String::new();
    write_value(&mut out, value, 0);
    out
}

fn indent(out: &mut String, level: usize) {
    for _ in 0..level {
        out.push_str("    ");
    }
}

fn write_value(out: &mut String, value: &PyValue, level: usize) {
    match value {
        PyValue::Null => out.push_str("null"),
        PyValue::Bool(true) => out.push_str("true"),
        PyValue::Bool(false) => out.push_str("false"),
        PyValue::Int(i) => {
            let _ = write!(out, "{i}");
        }
        PyValue::Float(f) => out.push_str(&float_repr(*f)),
        PyValue::Str(s) => write_string(out, s),
        PyValue::Array(items) if items.is_empty() => out.push_str("[]"),
        PyValue::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                out.push_str(if i == 0 { "\n" } else { ",\n" });
                indent(out, level.saturating_add(1));
                write_value(out, item, level.saturating_add(1));
            }
            out.push('\n');
            indent(out, level);
            out.push(']');
        }
        PyValue::Object(members) if members.is_empty() => out.push_str("{}"),
        PyValue::Object(members) => {
            out.push('{');
            for (i, (name, item)) in members.iter().enumerate() {
                out.push_str(if i == 0 { "\n" } else { ",\n" });
                indent(out, level.saturating_add(1));
                write_string(out, name);
                out.push_str(": ");
                write_value(out, item, level.saturating_add(1));
            }
            out.push('\n');
            indent(out, level);
            out.push('}');
        }
    }
}

/// A string with `ensure_ascii=True` escaping.
fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
        }
    }
    out.push('"');
}

/// Python's `repr(float)`: the shortest digits that read back to the same double, in fixed
/// notation when the decimal exponent is in `-4..16`, in scientific notation otherwise.
fn float_repr(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    // Rust's `{:e}` gives the shortest round-trip digits: `-1.2345e-5`.
    let sci = format!("{f:e}");
    let (sign, unsigned) = sci
        .strip_prefix('-')
        .map_or(("", sci.as_str()), |rest| ("-", rest));
    let (mantissa, exponent) = unsigned.split_once('e').unwrap_or((unsigned, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let point = exponent.saturating_add(1); // digits = 0.d1d2... × 10^point
    if (-3..=16).contains(&point) {
        let len = i32::try_from(digits.len()).unwrap_or(i32::MAX);
        let body = if point <= 0 {
            let zeros = usize::try_from(point.unsigned_abs()).unwrap_or(0);
            format!("0.{}{digits}", "0".repeat(zeros))
        } else if point >= len {
            let zeros = usize::try_from(point.saturating_sub(len)).unwrap_or(0);
            format!("{digits}{}.0", "0".repeat(zeros))
        } else {
            let split = usize::try_from(point).unwrap_or(0);
            let (int, frac) = digits.split_at(split.min(digits.len()));
            format!("{int}.{frac}")
        };
        format!("{sign}{body}")
    } else {
        let (first, rest) = digits.split_at(1.min(digits.len()));
        let mant = if rest.is_empty() {
            first.to_owned()
        } else {
            format!("{first}.{rest}")
        };
        let exp_sign = if exponent < 0 { '-' } else { '+' };
        format!("{sign}{mant}e{exp_sign}{:02}", exponent.unsigned_abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn py(text: &str) -> String {
        dumps(&parse(text.as_bytes()).unwrap())
    }

    #[test]
    fn matches_python_json_dumps_indent_4() {
        // Expected outputs are what CPython 3 prints for json.dumps(json.loads(text), indent=4).
        assert_eq!(
            py(r#"{"body":{"b":1,"a":[true,null,{}],"e":[]},"status":"success"}"#),
            "{\n    \"body\": {\n        \"b\": 1,\n        \"a\": [\n            true,\n            null,\n            {}\n        ],\n        \"e\": []\n    },\n    \"status\": \"success\"\n}"
        );
        assert_eq!(
            py(r#" "caf\u00e9 \ud83d\ude00 \u007f\/" "#),
            r#""caf\u00e9 \ud83d\ude00 \u007f/""#
        );
        assert_eq!(
            py(r#"{"a":1,"b":2,"a":3}"#),
            "{\n    \"a\": 3,\n    \"b\": 2\n}"
        );
        assert_eq!(
            py("[1.0, -0.5, 1e16, 1e15, 0.0001, 0.00001, 123456789012345678, 1.5e300, -0.0]"),
            "[\n    1.0,\n    -0.5,\n    1e+16,\n    1000000000000000.0,\n    0.0001,\n    1e-05,\n    123456789012345678,\n    1.5e+300,\n    -0.0\n]"
        );
        assert_eq!(py("\"tab\\tnl\\n\\u0001\""), "\"tab\\tnl\\n\\u0001\"");
        assert!(parse(b"QUJD").is_err());
    }

    #[test]
    fn float_repr_matches_python() {
        for (f, s) in [
            (0.1, "0.1"),
            (1.0 / 3.0, "0.3333333333333333"),
            (1234.5, "1234.5"),
            (1e22, "1e+22"),
            (2.5e-7, "2.5e-07"),
            (0.001, "0.001"),
            (123456789.0, "123456789.0"),
        ] {
            assert_eq!(float_repr(f), s);
        }
    }
}
