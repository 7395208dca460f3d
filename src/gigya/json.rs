//! A read-only view of JSON data from a response or a token, with path lookup.

use alloc::string::String;
use core::fmt;
use serde_json::Value;

/// The type of a [`JsonValue`].
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonKind {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool,
    /// A number.
    Number,
    /// A string.
    String,
    /// An array.
    Array,
    /// An object.
    Object,
}

/// A borrowed JSON value from a [`Response`](super::Response) or a token's claims.
///
/// `Debug` shows only the kind, since values can hold user data.
#[derive(Clone, Copy)]
pub struct JsonValue<'a>(&'a Value);

impl<'a> JsonValue<'a> {
    pub(crate) const fn new(value: &'a Value) -> Self {
        Self(value)
    }

    /// The kind of value.
    #[must_use]
    pub const fn kind(&self) -> JsonKind {
        match self.0 {
            Value::Null => JsonKind::Null,
            Value::Bool(_) => JsonKind::Bool,
            Value::Number(_) => JsonKind::Number,
            Value::String(_) => JsonKind::String,
            Value::Array(_) => JsonKind::Array,
            Value::Object(_) => JsonKind::Object,
        }
    }

    /// The string, if this is a string.
    #[must_use]
    pub fn as_str(&self) -> Option<&'a str> {
        self.0.as_str()
    }

    /// The number, if this is an integer that fits in `i64`.
    #[must_use]
    pub fn as_i64(&self) -> Option<i64> {
        self.0.as_i64()
    }

    /// The number, if this is a non-negative integer that fits in `u64`.
    #[must_use]
    pub fn as_u64(&self) -> Option<u64> {
        self.0.as_u64()
    }

    /// The number as `f64`, if this is a number.
    #[must_use]
    pub fn as_f64(&self) -> Option<f64> {
        self.0.as_f64()
    }

    /// The boolean, if this is `true` or `false`.
    #[must_use]
    pub fn as_bool(&self) -> Option<bool> {
        self.0.as_bool()
    }

    /// Whether this is `null`.
    #[must_use]
    pub fn is_null(&self) -> bool {
        self.0.is_null()
    }

    /// The member `key` of an object.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<Self> {
        self.0.as_object()?.get(key).map(Self)
    }

    /// Element `index` of an array.
    #[must_use]
    pub fn at(&self, index: usize) -> Option<Self> {
        self.0.as_array()?.get(index).map(Self)
    }

    /// The number of elements of an array or members of an object; `None` for other kinds.
    #[must_use]
    pub fn len(&self) -> Option<usize> {
        match self.0 {
            Value::Array(a) => Some(a.len()),
            Value::Object(o) => Some(o.len()),
            _ => None,
        }
    }

    /// Whether an array or object is empty; `None` for other kinds.
    #[must_use]
    pub fn is_empty(&self) -> Option<bool> {
        self.len().map(|n| n == 0)
    }

    /// The member names of an object, in sorted order.
    pub fn keys(&self) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .as_object()
            .into_iter()
            .flat_map(|o| o.keys().map(String::as_str))
    }

    /// The elements of an array.
    pub fn elements(&self) -> impl Iterator<Item = JsonValue<'a>> + 'a {
        self.0
            .as_array()
            .into_iter()
            .flat_map(|a| a.iter().map(JsonValue))
    }

    /// Follows a path such as `profile.email`, `users[0].identities[1].provider` or `[2]`.
    ///
    /// Segments are separated by `.`; `[n]` indexes an array. A malformed path or a missing
    /// member gives `None`. Member names containing `.` or `[` cannot be reached this way; use
    /// [`get`](Self::get).
    #[must_use]
    pub fn path(&self, path: &str) -> Option<Self> {
        let mut current = *self;
        for segment in path.split('.') {
            let (name, mut rest) = match segment.find('[') {
                Some(i) => segment.split_at(i),
                None => (segment, ""),
            };
            if !name.is_empty() {
                current = current.get(name)?;
            } else if rest.is_empty() {
                return None;
            }
            while !rest.is_empty() {
                let inner = rest.strip_prefix('[')?;
                let (index, after) = inner.split_once(']')?;
                if index.is_empty() || !index.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                current = current.at(index.parse().ok()?)?;
                rest = after;
            }
        }
        Some(current)
    }

    /// The value serialised as compact JSON text.
    #[must_use]
    pub fn to_json(&self) -> String {
        serde_json::to_string(self.0).unwrap_or_default()
    }
}

/// The value at `path` in an object: its first segment names a member of `map`, the rest is
/// resolved by [`JsonValue::path`].
pub(crate) fn lookup<'a>(
    map: &'a serde_json::Map<String, Value>,
    path: &str,
) -> Option<JsonValue<'a>> {
    let (first, rest) = match path.find(['.', '[']) {
        Some(i) => path.split_at(i),
        None => (path, ""),
    };
    let head = JsonValue::new(map.get(first)?);
    match rest.strip_prefix('.') {
        Some(rest) => head.path(rest),
        None if rest.is_empty() => Some(head),
        None => head.path(rest),
    }
}

impl fmt::Debug for JsonValue<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "JsonValue({:?})", self.kind())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        let v: Value = serde_json::from_str(
            r#"{"users":[{"identities":[{"provider":"x"},{"provider":"y"}]}],"a.b":1,"n":[[5]]}"#,
        )
        .unwrap();
        let j = JsonValue::new(&v);
        assert_eq!(
            j.path("users[0].identities[1].provider")
                .and_then(|v| v.as_str()),
            Some("y")
        );
        assert_eq!(j.path("n[0][0]").and_then(|v| v.as_i64()), Some(5));
        assert!(j.path("a.b").is_none());
        assert_eq!(j.get("a.b").and_then(|v| v.as_i64()), Some(1));
        for bad in [
            "",
            ".",
            "users[",
            "users[x]",
            "users[0]x",
            "users..a",
            "users[-1]",
        ] {
            assert!(j.path(bad).is_none(), "{bad}");
        }
        assert_eq!(j.path("users").unwrap().len(), Some(1));
        assert_eq!(std::format!("{j:?}"), "JsonValue(Object)");
    }
}
