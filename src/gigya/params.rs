//! Request parameters: names, values and the sorted, encoded parameter string.

use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};
use core::fmt;

use zeroize::Zeroize as _;

use super::GigyaError;
use super::encode::{percent_encoded_len, push_percent_encoded};

/// One parameter value, already rendered to the text that goes on the wire.
///
/// Strings are sent as they are, integers in decimal and booleans as `true` / `false`.
/// Nested objects and arrays go through [`ParamValue::json`]. An absent value
/// (`None`, or [`ParamValue::absent`]) means "do not send this parameter". Floating-point
/// numbers are not accepted: render them to the exact text you want and pass a string.
#[derive(Clone, PartialEq, Eq)]
pub struct ParamValue(Option<String>);

impl ParamValue {
    /// A value that is not sent at all.
    #[must_use]
    pub const fn absent() -> Self {
        Self(None)
    }

    /// A JSON value given as text, re-serialised in compact form (no insignificant whitespace,
    /// non-ASCII characters kept as UTF-8, object members in sorted order).
    ///
    /// # Errors
    /// [`GigyaError::InvalidJson`] when `json` is not valid JSON.
    pub fn json(json: &str) -> Result<Self, GigyaError> {
        let value: serde_json::Value =
            serde_json::from_str(json).map_err(|_| GigyaError::InvalidJson)?;
        serde_json::to_string(&value)
            .map(|text| Self(Some(text)))
            .map_err(|_| GigyaError::InvalidJson)
    }

    /// The wire text, or `None` when the value is absent.
    #[must_use]
    pub fn as_str(&self) -> Option<&str> {
        self.0.as_deref()
    }
}

impl fmt::Debug for ParamValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(_) => f.write_str("ParamValue(<redacted>)"),
            None => f.write_str("ParamValue(absent)"),
        }
    }
}

impl From<&str> for ParamValue {
    fn from(value: &str) -> Self {
        Self(Some(value.to_string()))
    }
}

impl From<String> for ParamValue {
    fn from(value: String) -> Self {
        Self(Some(value))
    }
}

impl From<&String> for ParamValue {
    fn from(value: &String) -> Self {
        Self(Some(value.clone()))
    }
}

impl From<bool> for ParamValue {
    fn from(value: bool) -> Self {
        Self(Some(if value { "true" } else { "false" }.to_string()))
    }
}

macro_rules! int_param {
    ($($t:ty),*) => {$(
        impl From<$t> for ParamValue {
            fn from(value: $t) -> Self {
                Self(Some(value.to_string()))
            }
        }
    )*};
}
int_param!(
    i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize
);

impl<T: Into<Self>> From<Option<T>> for ParamValue {
    fn from(value: Option<T>) -> Self {
        value.map_or(Self(None), Into::into)
    }
}

/// Whether `name` is a valid parameter name: non-empty, only `A-Z a-z 0-9 _ . -`.
pub(crate) fn is_valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

/// A set of request parameters, kept sorted by name in byte order.
///
/// Names are ASCII identifiers (`A-Z a-z 0-9 _ . -`); they are compared case-sensitively, so
/// `UID` sorts before `_x`, which sorts before `a`. `Debug` shows the names only.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Params {
    map: BTreeMap<String, String>,
}

impl Params {
    /// An empty parameter set.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            map: BTreeMap::new(),
        }
    }

    /// Sets `name` to `value`, replacing any earlier value. An absent value removes `name`.
    ///
    /// # Errors
    /// [`GigyaError::InvalidParamName`] when `name` is empty or has a character outside
    /// `A-Z a-z 0-9 _ . -`.
    pub fn insert(&mut self, name: &str, value: impl Into<ParamValue>) -> Result<(), GigyaError> {
        if !is_valid_name(name) {
            return Err(GigyaError::InvalidParamName);
        }
        match value.into().0 {
            Some(text) => {
                self.map.insert(name.to_string(), text);
            }
            None => {
                self.map.remove(name);
            }
        }
        Ok(())
    }

    /// Reads a parameter string or POST body (`application/x-www-form-urlencoded`), as the
    /// server receiving a request does: `name=value` pairs joined with `&`, values
    /// percent-decoded (`+` is a space). Every name is kept, reserved ones (`apiKey`, `sig`,
    /// ...) included, so that [`verify_request_signature`](super::verify_request_signature)
    /// can check the request.
    ///
    /// # Errors
    /// [`GigyaError::InvalidForm`] for a pair without `=`, an invalid name, a name given twice
    /// or a value that does not decode to UTF-8.
    pub fn parse(body: &str) -> Result<Self, GigyaError> {
        let mut params = Self::new();
        for pair in body.split('&').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').ok_or(GigyaError::InvalidForm)?;
            if !is_valid_name(name) || params.contains(name) {
                return Err(GigyaError::InvalidForm);
            }
            let value = value.replace('+', " ");
            let value = percent_encoding::percent_decode_str(&value)
                .decode_utf8()
                .map_err(|_| GigyaError::InvalidForm)?;
            params.set_internal(name, &value);
        }
        Ok(params)
    }

    /// Sets a parameter the builder itself owns; `name` is a known-good constant.
    pub(crate) fn set_internal(&mut self, name: &str, value: &str) {
        self.map.insert(name.to_string(), value.to_string());
    }

    /// The value of `name`, if present.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&str> {
        self.map.get(name).map(String::as_str)
    }

    /// Removes `name` and returns its value, if it was present.
    pub fn remove(&mut self, name: &str) -> Option<String> {
        self.map.remove(name)
    }

    /// Whether `name` is present.
    #[must_use]
    pub fn contains(&self, name: &str) -> bool {
        self.map.contains_key(name)
    }

    /// The number of parameters.
    #[must_use]
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether there are no parameters.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The parameters in sorted order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.map.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The parameter string: `name=value` pairs in sorted order joined with `&`, each value
    /// percent-encoded with [`percent_encode`](super::percent_encode). Names are written as they
    /// are. This is both the signed parameter string and the POST body.
    #[must_use]
    pub fn to_parameter_string(&self) -> String {
        // Sized exactly, so that no partial copy of a value is left behind by a reallocation.
        let len = self
            .map
            .iter()
            .map(|(name, value)| {
                name.len()
                    .saturating_add(2)
                    .saturating_add(percent_encoded_len(value))
            })
            .fold(0usize, usize::saturating_add)
            // One `&` fewer than parameters.
            .saturating_sub(1);
        let mut out = String::with_capacity(len);
        for (i, (name, value)) in self.map.iter().enumerate() {
            if i != 0 {
                out.push('&');
            }
            out.push_str(name);
            out.push('=');
            push_percent_encoded(&mut out, value);
        }
        out
    }
}

/// Values can be user data or, in the secret-in-clear mode, the secret: they are wiped.
impl Drop for Params {
    fn drop(&mut self) {
        for value in self.map.values_mut() {
            value.zeroize();
        }
    }
}

impl fmt::Debug for Params {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.map.keys()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_reads_a_form_body() {
        let p = Params::parse("b=x%20y+z&a=%E2%82%AC&sig=ab%2Fc%3D&empty=").unwrap();
        assert_eq!(p.get("a"), Some("\u{20ac}"));
        assert_eq!(p.get("b"), Some("x y z"));
        assert_eq!(p.get("sig"), Some("ab/c="));
        assert_eq!(p.get("empty"), Some(""));
        assert_eq!(p.len(), 4);
        assert!(Params::parse("").unwrap().is_empty());
        // Written back, a parsed body is the same string (sorted, encoded the builder's way).
        let body = "UID=a%20b&apiKey=3_key&timestamp=1700000000";
        assert_eq!(Params::parse(body).unwrap().to_parameter_string(), body);
        for bad in ["a", "a=1&a=2", "a b=1", "=1", "a=%FF"] {
            assert_eq!(Params::parse(bad), Err(GigyaError::InvalidForm), "{bad}");
        }
    }

    #[test]
    fn parameter_string_is_built_in_one_exactly_sized_buffer() {
        let mut p = Params::new();
        p.insert("secret", "s3cr3t/+= é😀").unwrap();
        p.insert("UID", "_gid_Zoë 123").unwrap();
        p.insert("a", "").unwrap();
        let text = p.to_parameter_string();
        assert_eq!(
            text,
            "UID=_gid_Zo%C3%AB%20123&a=&secret=s3cr3t%2F%2B%3D%20%C3%A9%F0%9F%98%80"
        );
        assert_eq!(
            text.capacity(),
            text.len(),
            "no reallocation left a partial copy"
        );
        assert_eq!(Params::new().to_parameter_string().capacity(), 0);
    }

    #[test]
    fn values_render_like_the_java_sdk() {
        let mut p = Params::new();
        p.insert("b", true).unwrap();
        p.insert("n", -12i64).unwrap();
        p.insert(
            "j",
            ParamValue::json(r#"{ "b": [1, "x"], "a": "Zoë" }"#).unwrap(),
        )
        .unwrap();
        p.insert("gone", Option::<&str>::None).unwrap();
        p.insert("empty", "").unwrap();
        assert_eq!(p.get("b"), Some("true"));
        assert_eq!(p.get("n"), Some("-12"));
        assert_eq!(p.get("j"), Some(r#"{"a":"Zoë","b":[1,"x"]}"#));
        assert!(!p.contains("gone"));
        assert_eq!(p.to_parameter_string().split('&').next(), Some("b=true"));
    }

    #[test]
    fn names_are_checked_and_sorted_by_byte() {
        let mut p = Params::new();
        assert_eq!(p.insert("", "x"), Err(GigyaError::InvalidParamName));
        assert_eq!(p.insert("a b", "x"), Err(GigyaError::InvalidParamName));
        for k in ["alpha", "a", "_x", "Zeta", "UID", "a_b"] {
            p.insert(k, "1").unwrap();
        }
        let keys: alloc::vec::Vec<&str> = p.iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["UID", "Zeta", "_x", "a", "a_b", "alpha"]);
        assert!(!alloc::format!("{p:?}").contains('1'));
    }
}
