//! [`IdentityTokens`]: the identity a publisher stores in the user's session.

use alloc::string::String;
use core::fmt;
use core::fmt::Write as _;

use serde_json::{Map, Value};
use zeroize::{Zeroize as _, Zeroizing};

use crate::envelope::RefreshResponseKey;
use crate::time::Timestamp;

/// A UID2/EUID identity: the advertising token, the refresh token, their lifetimes (epoch
/// milliseconds) and the key that protects the next refresh reply.
///
/// This is the `body` of a successful token generate or refresh reply. Store
/// [`json_string`](Self::json_string) in the user's session (or hand it to the JavaScript SDK as
/// its `identity`) and read it back with [`from_json_str`](Self::from_json_str). The JSON text is
/// kept exactly as received, unknown members included.
///
/// Every time decision takes `now`; "after" means strictly later.
///
/// `Debug` shows the lifetimes only: tokens and the key are redacted. The tokens, the key and
/// the JSON text (which holds them all) are wiped when the value is dropped, and so are the
/// intermediate copies made while parsing or building it.
#[derive(Clone)]
pub struct IdentityTokens {
    advertising_token: Zeroizing<String>,
    refresh_token: Zeroizing<String>,
    identity_expires: Timestamp,
    refresh_expires: Timestamp,
    refresh_from: Timestamp,
    refresh_response_key: Option<RefreshResponseKey>,
    json: Zeroizing<String>,
}

/// A parsed JSON object whose string values (tokens, the base64 refresh response key, unknown
/// members) are wiped when it is dropped.
struct WipedOnDrop(Map<String, Value>);

impl Drop for WipedOnDrop {
    fn drop(&mut self) {
        for value in self.0.values_mut() {
            wipe_strings(value);
        }
    }
}

/// Wipes every string inside `value` (object keys excepted: they are member names).
fn wipe_strings(value: &mut Value) {
    match value {
        Value::String(s) => s.zeroize(),
        Value::Array(items) => items.iter_mut().for_each(wipe_strings),
        Value::Object(map) => map.values_mut().for_each(wipe_strings),
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

impl IdentityTokens {
    /// Parses an identity from its JSON text, as stored in a session or received in a reply.
    ///
    /// `advertising_token` and `refresh_token` must be strings; `identity_expires`,
    /// `refresh_expires` and `refresh_from` integers (epoch milliseconds; a string holding a
    /// base-10 integer is accepted too); `refresh_response_key`, when present and not null, must
    /// be base64 of 32 bytes. Other members are ignored but kept in the JSON text.
    ///
    /// # Errors
    /// [`IdentityTokensError`] when the text is not a JSON object or a required member is
    /// missing, `null` or of the wrong type.
    pub fn from_json_str(json: &str) -> Result<Self, IdentityTokensError> {
        let mut value: Value =
            serde_json::from_str(json).map_err(|_| IdentityTokensError::InvalidJson)?;
        let map = match &mut value {
            Value::Object(map) => WipedOnDrop(core::mem::take(map)),
            other => {
                wipe_strings(other);
                return Err(IdentityTokensError::NotAnObject);
            }
        };
        let mut map = map;
        let refresh_response_key = match map.0.get("refresh_response_key") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(
                RefreshResponseKey::from_base64(s)
                    .map_err(|_| IdentityTokensError::InvalidRefreshResponseKey)?,
            ),
            Some(_) => {
                return Err(IdentityTokensError::WrongType {
                    member: "refresh_response_key",
                });
            }
        };
        Ok(Self {
            advertising_token: string_member(&mut map, "advertising_token")?,
            refresh_token: string_member(&mut map, "refresh_token")?,
            identity_expires: time_member(&map.0, "identity_expires")?,
            refresh_expires: time_member(&map.0, "refresh_expires")?,
            refresh_from: time_member(&map.0, "refresh_from")?,
            refresh_response_key,
            json: Zeroizing::new(String::from(json)),
        })
    }

    /// Parses an identity from JSON bytes. See [`from_json_str`](Self::from_json_str).
    ///
    /// # Errors
    /// As [`from_json_str`](Self::from_json_str); bytes that are not UTF-8 are invalid JSON.
    pub fn from_json_slice(json: &[u8]) -> Result<Self, IdentityTokensError> {
        let text = core::str::from_utf8(json).map_err(|_| IdentityTokensError::InvalidJson)?;
        Self::from_json_str(text)
    }

    /// Builds an identity from its parts, with a compact JSON text holding exactly these members
    /// (in the order `advertising_token`, `identity_expires`, `refresh_expires`, `refresh_from`,
    /// `refresh_response_key` when there is one, `refresh_token`).
    #[must_use]
    pub fn new(
        advertising_token: &str,
        refresh_token: &str,
        identity_expires: Timestamp,
        refresh_expires: Timestamp,
        refresh_from: Timestamp,
        refresh_response_key: Option<RefreshResponseKey>,
    ) -> Self {
        let json = build_json(
            advertising_token,
            refresh_token,
            [identity_expires, refresh_expires, refresh_from],
            refresh_response_key.as_ref(),
        );
        Self {
            advertising_token: Zeroizing::new(advertising_token.into()),
            refresh_token: Zeroizing::new(refresh_token.into()),
            identity_expires,
            refresh_expires,
            refresh_from,
            refresh_response_key,
            json,
        }
    }

    /// The identity as JSON text, to store in the session: the text this value was parsed from.
    #[must_use]
    pub fn json_string(&self) -> &str {
        &self.json
    }

    /// The advertising token to send to SSPs and bidders.
    #[must_use]
    pub fn advertising_token(&self) -> &str {
        &self.advertising_token
    }

    /// The refresh token: the body of the next `/v2/token/refresh` request. Keep it server-side
    /// or in the session; do not log it.
    #[must_use]
    pub fn refresh_token(&self) -> &str {
        &self.refresh_token
    }

    /// When the advertising token expires.
    #[must_use]
    pub const fn identity_expires(&self) -> Timestamp {
        self.identity_expires
    }

    /// When the refresh token expires; no refresh is possible after it.
    #[must_use]
    pub const fn refresh_expires(&self) -> Timestamp {
        self.refresh_expires
    }

    /// From when a refresh is due.
    #[must_use]
    pub const fn refresh_from(&self) -> Timestamp {
        self.refresh_from
    }

    /// The key of the next refresh reply; `None` for legacy identities, whose refresh replies are
    /// plain JSON.
    #[must_use]
    pub const fn refresh_response_key(&self) -> Option<&RefreshResponseKey> {
        self.refresh_response_key.as_ref()
    }

    /// Whether the identity can still be refreshed: `now` is not after `refresh_expires`.
    /// When this is false, drop the identity from the session.
    #[must_use]
    pub fn is_refreshable(&self, now: Timestamp) -> bool {
        now <= self.refresh_expires
    }

    /// Whether a refresh is due: `now` is after `refresh_from` or after `identity_expires`.
    #[must_use]
    pub fn is_due_for_refresh(&self, now: Timestamp) -> bool {
        now > self.refresh_from || self.has_identity_expired(now)
    }

    /// Whether the advertising token has expired: `now` is after `identity_expires`.
    #[must_use]
    pub fn has_identity_expired(&self, now: Timestamp) -> bool {
        now > self.identity_expires
    }
}

impl fmt::Debug for IdentityTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdentityTokens")
            .field("advertising_token", &"<redacted>")
            .field("refresh_token", &"<redacted>")
            .field("identity_expires", &self.identity_expires)
            .field("refresh_expires", &self.refresh_expires)
            .field("refresh_from", &self.refresh_from)
            .field(
                "has_refresh_response_key",
                &self.refresh_response_key.is_some(),
            )
            .finish()
    }
}

/// Takes a string member out of the object (no copy is left behind in it).
fn string_member(
    map: &mut WipedOnDrop,
    member: &'static str,
) -> Result<Zeroizing<String>, IdentityTokensError> {
    match map.0.get_mut(member) {
        None | Some(Value::Null) => Err(IdentityTokensError::MissingMember { member }),
        Some(Value::String(s)) => Ok(Zeroizing::new(core::mem::take(s))),
        Some(_) => Err(IdentityTokensError::WrongType { member }),
    }
}

/// Upper bound of the JSON text [`build_json`] writes: the members' fixed text, three times of
/// at most 20 characters, the key's 44 and each token escaped at worst 6 characters a byte.
fn json_capacity(advertising_token: &str, refresh_token: &str) -> usize {
    const FIXED: usize = 256;
    advertising_token
        .len()
        .saturating_add(refresh_token.len())
        .saturating_mul(6)
        .saturating_add(FIXED)
}

/// Writes the identity's JSON text into a buffer allocated once at its final capacity, so no
/// partial copy (tokens, key) is left behind in a buffer freed on growth.
fn build_json(
    advertising_token: &str,
    refresh_token: &str,
    [identity_expires, refresh_expires, refresh_from]: [Timestamp; 3],
    refresh_response_key: Option<&RefreshResponseKey>,
) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(json_capacity(
        advertising_token,
        refresh_token,
    )));
    out.push_str("{\"advertising_token\":");
    push_json_string(&mut out, advertising_token);
    // Writing to a `String` cannot fail.
    let _ = write!(
        out,
        ",\"identity_expires\":{},\"refresh_expires\":{},\"refresh_from\":{}",
        identity_expires.as_millis(),
        refresh_expires.as_millis(),
        refresh_from.as_millis()
    );
    if let Some(key) = refresh_response_key {
        let mut text = [0u8; 44];
        out.push_str(",\"refresh_response_key\":\"");
        if let Ok(b64) = <base64ct::Base64 as base64ct::Encoding>::encode(key.expose(), &mut text) {
            out.push_str(b64);
        }
        text.zeroize();
        out.push('"');
    }
    out.push_str(",\"refresh_token\":");
    push_json_string(&mut out, refresh_token);
    out.push('}');
    out
}

/// Appends `s` as a JSON string literal.
fn push_json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn time_member(
    map: &Map<String, Value>,
    member: &'static str,
) -> Result<Timestamp, IdentityTokensError> {
    let ms = match map.get(member) {
        None | Some(Value::Null) => return Err(IdentityTokensError::MissingMember { member }),
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.parse::<i64>().ok(),
        Some(_) => None,
    };
    ms.map(Timestamp::from_millis)
        .ok_or(IdentityTokensError::WrongType { member })
}

/// Why an identity JSON text was rejected. Never contains token or key material.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum IdentityTokensError {
    /// The text is not JSON.
    InvalidJson,
    /// The JSON is not an object.
    NotAnObject,
    /// A required member is missing or `null`.
    MissingMember {
        /// The member name.
        member: &'static str,
    },
    /// A member has the wrong JSON type (or a time is not an integer in range).
    WrongType {
        /// The member name.
        member: &'static str,
    },
    /// `refresh_response_key` is not base64 of 32 bytes.
    InvalidRefreshResponseKey,
}

impl fmt::Display for IdentityTokensError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidJson => f.write_str("identity is not valid json"),
            Self::NotAnObject => f.write_str("identity json is not an object"),
            Self::MissingMember { member } => write!(f, "identity json lacks {member:?}"),
            Self::WrongType { member } => {
                write!(f, "identity json member {member:?} has the wrong type")
            }
            Self::InvalidRefreshResponseKey => f.write_str(
                "identity json member \"refresh_response_key\" is not base64 of 32 bytes",
            ),
        }
    }
}

impl core::error::Error for IdentityTokensError {}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;

    const JSON: &str = r#"{"advertising_token":"AT","refresh_token":"RT","identity_expires":1717246800000,"refresh_expires":1719835200000,"refresh_from":1717243800000,"refresh_response_key":"+IsAVJ0tZ26AJ+gXDYzyPtoW7suXBxI+c9htT1bf4U0=","user_token":"x"}"#;

    #[test]
    fn boundaries_are_millisecond_exact() {
        let id = IdentityTokens::from_json_str(JSON).unwrap();
        let t = Timestamp::from_millis;
        assert!(id.is_refreshable(t(1_719_835_200_000)));
        assert!(!id.is_refreshable(t(1_719_835_200_001)));
        assert!(!id.is_due_for_refresh(t(1_717_243_800_000)));
        assert!(id.is_due_for_refresh(t(1_717_243_800_001)));
        assert!(!id.has_identity_expired(t(1_717_246_800_000)));
        assert!(id.has_identity_expired(t(1_717_246_800_001)));
        assert_eq!(id.json_string(), JSON);
    }

    #[test]
    fn new_round_trips() {
        let id = IdentityTokens::from_json_str(JSON).unwrap();
        let built = IdentityTokens::new(
            id.advertising_token(),
            id.refresh_token(),
            id.identity_expires(),
            id.refresh_expires(),
            id.refresh_from(),
            id.refresh_response_key().cloned(),
        );
        let again = IdentityTokens::from_json_str(built.json_string()).unwrap();
        assert_eq!(again.refresh_response_key(), id.refresh_response_key());
        assert_eq!(again.refresh_from(), id.refresh_from());
    }

    #[test]
    fn new_writes_its_json_into_one_buffer_of_final_size() {
        let key = RefreshResponseKey::from_base64("+IsAVJ0tZ26AJ+gXDYzyPtoW7suXBxI+c9htT1bf4U0=")
            .unwrap();
        let (at, rt) = ("A\"T\\\u{1}\té", "R".repeat(300));
        let t = Timestamp::from_millis(i64::MIN);
        let built = IdentityTokens::new(at, &rt, t, t, t, Some(key.clone()));
        // The buffer never grew: no partial copy of the tokens or the key was freed unwiped.
        assert_eq!(built.json.capacity(), json_capacity(at, &rt));
        let again = IdentityTokens::from_json_str(built.json_string()).unwrap();
        assert_eq!(again.advertising_token(), at);
        assert_eq!(again.refresh_token(), rt);
        assert_eq!(again.refresh_response_key(), Some(&key));
        assert_eq!(again.refresh_from(), t);
    }

    #[test]
    fn parsed_strings_are_wiped() {
        let mut value: Value =
            serde_json::from_str(r#"{"a":"secret","b":["x",{"c":"key"}],"d":1,"e":null}"#).unwrap();
        wipe_strings(&mut value);
        assert_eq!(
            value,
            serde_json::json!({"a":"","b":["",{"c":""}],"d":1,"e":null})
        );
    }

    #[test]
    fn rejects_bad_shapes_and_redacts() {
        assert_eq!(
            IdentityTokens::from_json_str("[]").unwrap_err(),
            IdentityTokensError::NotAnObject
        );
        assert_eq!(
            IdentityTokens::from_json_str("{").unwrap_err(),
            IdentityTokensError::InvalidJson
        );
        let bad = JSON.replace("\"RT\"", "null");
        assert_eq!(
            IdentityTokens::from_json_str(&bad).unwrap_err(),
            IdentityTokensError::MissingMember {
                member: "refresh_token"
            }
        );
        let id = IdentityTokens::from_json_str(JSON).unwrap();
        let dbg = format!("{id:?}");
        assert!(!dbg.contains("+IsAV") && !dbg.contains("\"RT\""), "{dbg}");
    }
}
