//! Parsing the operator's key-set documents (`/v2/key/sharing`, `/v2/key/bidstream`).
//!
//! Every field is read leniently first (any JSON value is accepted and classified), then
//! validated, so that a bad document is reported with the name of the offending field.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::marker::PhantomData;

use serde::Deserialize;
use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::{
    DEFAULT_ALLOW_CLOCK_SKEW_SECONDS, DEFAULT_TOKEN_EXPIRY_SECONDS, Key, KeyParams, KeySet,
    KeySetBuilder, KeySetConfig, KeySetError,
};
use crate::{IdentityScope, Secret, Timestamp};

/// A JSON value as a field sees it: absent or null, of an unusable type, or usable.
#[derive(Debug, Default)]
enum Lenient<T> {
    #[default]
    Absent,
    Invalid,
    Valid(T),
}

/// How a type accepts JSON values; every method's default rejects the value.
trait FromJson<'de>: Sized {
    fn from_i64(_: i64) -> Option<Self> {
        None
    }
    fn from_u64(v: u64) -> Option<Self> {
        i64::try_from(v).ok().and_then(Self::from_i64)
    }
    fn from_str(_: &str) -> Option<Self> {
        None
    }
    fn from_seq<A: SeqAccess<'de>>(mut seq: A) -> Result<Option<Self>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }
    fn from_map<A: MapAccess<'de>>(mut map: A) -> Result<Option<Self>, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(None)
    }
}

impl<'de, T: FromJson<'de>> Deserialize<'de> for Lenient<T> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        fn wrap<T>(v: Option<T>) -> Lenient<T> {
            v.map_or(Lenient::Invalid, Lenient::Valid)
        }
        impl<'de, T: FromJson<'de>> Visitor<'de> for V<T> {
            type Value = Lenient<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(Lenient::Absent)
            }
            fn visit_none<E>(self) -> Result<Self::Value, E> {
                Ok(Lenient::Absent)
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(Lenient::Invalid)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok(Lenient::Invalid)
            }
            fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
                Ok(wrap(T::from_i64(v)))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
                Ok(wrap(T::from_u64(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(wrap(T::from_str(v)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                T::from_seq(seq).map(wrap)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::from_map(map).map(wrap)
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// An integer given as a JSON number or as a string holding a base-10 integer.
impl FromJson<'_> for i64 {
    fn from_i64(v: i64) -> Option<Self> {
        Some(v)
    }
    fn from_str(v: &str) -> Option<Self> {
        v.parse().ok()
    }
}

impl FromJson<'_> for String {
    fn from_str(v: &str) -> Option<Self> {
        Some(String::from(v))
    }
}

impl<'de, T: FromJson<'de>> FromJson<'de> for Vec<Lenient<T>> {
    fn from_seq<A: SeqAccess<'de>>(mut seq: A) -> Result<Option<Self>, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element::<Lenient<T>>()? {
            out.push(item);
        }
        Ok(Some(out))
    }
}

macro_rules! json_object {
    ($t:ty) => {
        impl<'de> FromJson<'de> for $t {
            fn from_map<A: MapAccess<'de>>(map: A) -> Result<Option<Self>, A::Error> {
                <$t>::deserialize(de::value::MapAccessDeserializer::new(map)).map(Some)
            }
        }
    };
}

#[derive(Deserialize)]
struct Document {
    #[serde(default)]
    body: Lenient<BodyShape>,
}

enum BodyShape {
    Object(Body),
    LegacyArray,
}

impl<'de> FromJson<'de> for BodyShape {
    fn from_map<A: MapAccess<'de>>(map: A) -> Result<Option<Self>, A::Error> {
        Body::deserialize(de::value::MapAccessDeserializer::new(map)).map(|b| Some(Self::Object(b)))
    }
    fn from_seq<A: SeqAccess<'de>>(mut seq: A) -> Result<Option<Self>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Some(Self::LegacyArray))
    }
}

#[derive(Deserialize)]
struct Body {
    #[serde(default)]
    caller_site_id: Lenient<i64>,
    #[serde(default)]
    master_keyset_id: Lenient<i64>,
    #[serde(default)]
    default_keyset_id: Lenient<i64>,
    #[serde(default)]
    token_expiry_seconds: Lenient<i64>,
    #[serde(default)]
    max_sharing_lifetime_seconds: Lenient<i64>,
    #[serde(default)]
    max_bidstream_lifetime_seconds: Lenient<i64>,
    #[serde(default)]
    allow_clock_skew_seconds: Lenient<i64>,
    #[serde(default)]
    identity_scope: Lenient<String>,
    #[serde(default)]
    keys: Lenient<Vec<Lenient<RawKey>>>,
    #[serde(default)]
    site_data: Lenient<Vec<Lenient<RawSite>>>,
}
json_object!(Body);

#[derive(Deserialize)]
struct RawKey {
    #[serde(default)]
    id: Lenient<i64>,
    #[serde(default)]
    keyset_id: Lenient<i64>,
    #[serde(default)]
    site_id: Lenient<i64>,
    #[serde(default)]
    created: Lenient<i64>,
    #[serde(default)]
    activates: Lenient<i64>,
    #[serde(default)]
    expires: Lenient<i64>,
    #[serde(default)]
    // Text, not a decoded `Secret`: the keys array grows by reallocation, and a `Secret` held
    // inline would leave unwiped copies of its bytes in every buffer the array outgrows. The
    // text is wiped as soon as it is decoded.
    secret: Lenient<String>,
}
json_object!(RawKey);

#[derive(Deserialize)]
struct RawSite {
    #[serde(default)]
    id: Lenient<i64>,
    #[serde(default)]
    domain_names: Lenient<Vec<Lenient<String>>>,
}
json_object!(RawSite);

fn optional<T>(
    v: Lenient<T>,
    field: &'static str,
    index: Option<usize>,
) -> Result<Option<T>, KeySetError> {
    match v {
        Lenient::Absent => Ok(None),
        Lenient::Invalid => Err(KeySetError::InvalidField { field, index }),
        Lenient::Valid(v) => Ok(Some(v)),
    }
}

fn required<T>(v: Lenient<T>, field: &'static str, index: Option<usize>) -> Result<T, KeySetError> {
    optional(v, field, index)?.ok_or(KeySetError::MissingField { field, index })
}

fn non_negative(v: Option<i64>, field: &'static str) -> Result<Option<i64>, KeySetError> {
    match v {
        Some(n) if n < 0 => Err(KeySetError::InvalidField { field, index: None }),
        other => Ok(other),
    }
}

fn seconds(v: Lenient<i64>, field: &'static str, index: usize) -> Result<Timestamp, KeySetError> {
    Timestamp::from_secs(required(v, field, Some(index))?).ok_or(KeySetError::InvalidField {
        field,
        index: Some(index),
    })
}

impl KeySet {
    /// Parses a decrypted key-set response document, `{"body": {...}, "status": "success"}`.
    ///
    /// Integer fields may be JSON numbers or strings holding a decimal integer; unknown fields
    /// are ignored at every level; `token_expiry_seconds` absent, null or 0 means 30 days;
    /// `allow_clock_skew_seconds` absent means 1800; `identity_scope` is EUID only when it is
    /// exactly `"EUID"`. Every key secret must be standard base64 of 32 bytes. AES key
    /// schedules are expanded here, once.
    ///
    /// # Errors
    /// A [`KeySetError`] naming the offending field; nothing of the document is kept.
    pub fn parse(document: &[u8]) -> Result<Self, KeySetError> {
        let doc: Document = serde_json::from_slice(document).map_err(|e| KeySetError::Json {
            line: e.line(),
            column: e.column(),
        })?;
        let body = match doc.body {
            Lenient::Absent => return Err(KeySetError::MissingBody),
            Lenient::Invalid => return Err(KeySetError::MissingBody),
            Lenient::Valid(BodyShape::LegacyArray) => return Err(KeySetError::LegacyArrayBody),
            Lenient::Valid(BodyShape::Object(body)) => body,
        };
        build(body)
    }
}

fn build(body: Body) -> Result<KeySet, KeySetError> {
    let caller_site_id = optional(body.caller_site_id, "caller_site_id", None)?;
    if caller_site_id.is_some_and(|id| i32::try_from(id).is_err()) {
        return Err(KeySetError::InvalidField {
            field: "caller_site_id",
            index: None,
        });
    }
    let token_expiry_seconds = match non_negative(
        optional(body.token_expiry_seconds, "token_expiry_seconds", None)?,
        "token_expiry_seconds",
    )? {
        None | Some(0) => DEFAULT_TOKEN_EXPIRY_SECONDS,
        Some(s) => s,
    };
    let config = KeySetConfig {
        identity_scope: match body.identity_scope {
            Lenient::Valid(s) if s == "EUID" => IdentityScope::Euid,
            _ => IdentityScope::Uid2,
        },
        caller_site_id,
        master_keyset_id: optional(body.master_keyset_id, "master_keyset_id", None)?,
        default_keyset_id: optional(body.default_keyset_id, "default_keyset_id", None)?,
        token_expiry_seconds,
        max_bidstream_lifetime_seconds: non_negative(
            optional(
                body.max_bidstream_lifetime_seconds,
                "max_bidstream_lifetime_seconds",
                None,
            )?,
            "max_bidstream_lifetime_seconds",
        )?,
        max_sharing_lifetime_seconds: non_negative(
            optional(
                body.max_sharing_lifetime_seconds,
                "max_sharing_lifetime_seconds",
                None,
            )?,
            "max_sharing_lifetime_seconds",
        )?,
        allow_clock_skew_seconds: non_negative(
            optional(
                body.allow_clock_skew_seconds,
                "allow_clock_skew_seconds",
                None,
            )?,
            "allow_clock_skew_seconds",
        )?
        .unwrap_or(DEFAULT_ALLOW_CLOCK_SKEW_SECONDS),
    };

    let mut builder = KeySetBuilder::new(config);
    let keys = optional(body.keys, "keys", None)?.unwrap_or_default();
    builder.reserve_keys(keys.len());
    for (i, raw) in keys.into_iter().enumerate() {
        let raw = match raw {
            Lenient::Valid(k) => k,
            _ => {
                return Err(KeySetError::InvalidField {
                    field: "keys",
                    index: Some(i),
                });
            }
        };
        let params = KeyParams {
            id: required(raw.id, "id", Some(i))?,
            keyset_id: optional(raw.keyset_id, "keyset_id", Some(i))?,
            site_id: optional(raw.site_id, "site_id", Some(i))?,
            created: seconds(raw.created, "created", i)?,
            activates: seconds(raw.activates, "activates", i)?,
            expires: seconds(raw.expires, "expires", i)?,
        };
        let text = zeroize::Zeroizing::new(required(raw.secret, "secret", Some(i))?);
        let secret = Secret::from_base64(&text).map_err(|_| KeySetError::InvalidField {
            field: "secret",
            index: Some(i),
        })?;
        builder.key(Key::new(params, secret)?)?;
    }

    for (i, raw) in optional(body.site_data, "site_data", None)?
        .unwrap_or_default()
        .into_iter()
        .enumerate()
    {
        let raw = match raw {
            Lenient::Valid(s) => s,
            _ => {
                return Err(KeySetError::InvalidField {
                    field: "site_data",
                    index: Some(i),
                });
            }
        };
        let id = optional(raw.id, "id", Some(i))?.unwrap_or(0);
        let names = required(raw.domain_names, "domain_names", Some(i))?;
        let mut texts = Vec::with_capacity(names.len());
        for n in names {
            match n {
                Lenient::Valid(s) => texts.push(s),
                _ => {
                    return Err(KeySetError::InvalidField {
                        field: "domain_names",
                        index: Some(i),
                    });
                }
            }
        }
        builder.site(id, texts.iter().map(String::as_str))?;
    }
    Ok(builder.build())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC_DOC: &str = r#"{"body":{"caller_site_id":9000,"master_keyset_id":1,"default_keyset_id":99999,
 "token_expiry_seconds":"2592000","identity_scope":"UID2","allow_clock_skew_seconds":1800,
 "max_sharing_lifetime_seconds":2592010,
 "keys":[{"id":164,"keyset_id":1,"created":1600000000,"activates":1600000000,"expires":2000000000,
          "secret":"iyXxrRJcJOilqBcSJsN7XKCIuShbraXdqBCppCaLCJs="},
         {"id":165,"keyset_id":99999,"created":1600000000,"activates":1600000000,"expires":2000000000,
          "secret":"IPsHwoSa+lbKdGgdg8CL1zCkC0HibqcObDP+fUEYF4U="}],
 "site_data":[{"id":9000,"domain_names":["example.com"]}]},"status":"success"}"#;

    #[test]
    fn parses_the_spec_document() {
        let set = KeySet::parse(SPEC_DOC.as_bytes()).unwrap();
        assert_eq!(set.config().token_expiry_seconds, 2_592_000);
        assert_eq!(set.config().max_sharing_lifetime_seconds, Some(2_592_010));
        let now = Timestamp::from_secs(1_700_000_000).unwrap();
        assert_eq!(set.master_key(now).map(Key::id), Some(164));
        assert_eq!(set.default_key(now).map(Key::id), Some(165));
        assert!(set.is_domain_or_app_name_allowed(9000, Some("EXAMPLE.com")));
    }

    #[test]
    fn names_the_offending_field() {
        let bad = SPEC_DOC.replace(
            "\"activates\":1600000000,\"expires\":2000000000,\n          \"secret\":\"IPs",
            "\"activates\":true,\"expires\":2000000000,\n          \"secret\":\"IPs",
        );
        assert_eq!(
            KeySet::parse(bad.as_bytes()).unwrap_err(),
            KeySetError::InvalidField {
                field: "activates",
                index: Some(1)
            }
        );
        assert_eq!(
            KeySet::parse(br#"{"body":{"keys":[{"id":5}]}}"#).unwrap_err(),
            KeySetError::MissingField {
                field: "created",
                index: Some(0)
            }
        );
        for (secret, err) in [
            ("\"AAAA\"", "InvalidField"),
            ("5", "InvalidField"),
            ("null", "MissingField"),
        ] {
            let bad = SPEC_DOC.replace("\"IPsHwoSa+lbKdGgdg8CL1zCkC0HibqcObDP+fUEYF4U=\"", secret);
            let got = KeySet::parse(bad.as_bytes()).unwrap_err();
            assert_eq!(
                alloc::format!("{got:?}").split(' ').next(),
                Some(err),
                "{got:?}"
            );
            assert!(matches!(
                got,
                KeySetError::InvalidField {
                    field: "secret",
                    index: Some(1)
                } | KeySetError::MissingField {
                    field: "secret",
                    index: Some(1)
                }
            ));
        }
        assert_eq!(
            KeySet::parse(b"{\"body\":[]}").unwrap_err(),
            KeySetError::LegacyArrayBody
        );
        assert_eq!(
            KeySet::parse(b"{\"status\":\"error\"}").unwrap_err(),
            KeySetError::MissingBody
        );
        assert!(matches!(
            KeySet::parse(b"nope").unwrap_err(),
            KeySetError::Json { .. }
        ));
        assert_eq!(
            KeySet::parse(br#"{"body":{"token_expiry_seconds":"12x"}}"#).unwrap_err(),
            KeySetError::InvalidField {
                field: "token_expiry_seconds",
                index: None
            }
        );
    }
}
