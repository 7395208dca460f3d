//! Signatures Gigya puts on user data, and the session-expiration cookie signature.

use alloc::format;
use alloc::string::String;

use super::signature::{calc_signature, verify_signature};
use super::{GigyaError, GigyaSecret};
use crate::Timestamp;

/// The time window the `_at` validators are usually given, in seconds (180, as in the PHP SDK).
///
/// Gigya's documentation speaks of five minutes (300 s); pass 300 to follow it.
pub const DEFAULT_SIGNATURE_WINDOW_SECS: u64 = 180;

/// Whether `timestamp` (decimal Unix seconds, digits only) is at most `window_secs` away from
/// `now`, in either direction. The boundary is inside the window.
fn within_window(timestamp: &str, now: Timestamp, window_secs: u64) -> bool {
    if timestamp.is_empty() || !timestamp.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let Ok(ts) = timestamp.parse::<u64>() else {
        return false;
    };
    let now = i128::from(now.as_secs_floor());
    match now.checked_sub(i128::from(ts)) {
        Some(diff) => diff.unsigned_abs() <= u128::from(window_secs),
        None => false,
    }
}

/// Checks the `UIDSignature` Gigya attaches to a user (e.g. in `socialize.getUserInfo` or
/// `accounts.getAccountInfo` answers handed over by a client): the signature of
/// `signatureTimestamp + "_" + UID` under the partner secret.
///
/// The timestamp is used exactly as received. This variant does not look at the time; prefer
/// [`validate_user_signature_at`]. The comparison is constant-time.
#[must_use]
pub fn validate_user_signature(
    uid: &str,
    timestamp: &str,
    secret: &GigyaSecret,
    signature: &str,
) -> bool {
    verify_signature(&format!("{timestamp}_{uid}"), secret, signature)
}

/// As [`validate_user_signature`], and also requires `timestamp` to be within `window_secs`
/// of `now` (see [`DEFAULT_SIGNATURE_WINDOW_SECS`]). A timestamp that is not a plain decimal
/// number is invalid.
#[must_use]
pub fn validate_user_signature_at(
    uid: &str,
    timestamp: &str,
    secret: &GigyaSecret,
    signature: &str,
    now: Timestamp,
    window_secs: u64,
) -> bool {
    let fresh = within_window(timestamp, now, window_secs);
    validate_user_signature(uid, timestamp, secret, signature) & fresh
}

/// Checks a friend's `friendshipSignature`: the signature of
/// `signatureTimestamp + "_" + friendUID + "_" + UID` (the friend first) under the partner
/// secret.
///
/// This variant does not look at the time; prefer [`validate_friend_signature_at`].
#[must_use]
pub fn validate_friend_signature(
    uid: &str,
    timestamp: &str,
    friend_uid: &str,
    secret: &GigyaSecret,
    signature: &str,
) -> bool {
    verify_signature(
        &format!("{timestamp}_{friend_uid}_{uid}"),
        secret,
        signature,
    )
}

/// As [`validate_friend_signature`], and also requires `timestamp` to be within
/// `window_secs` of `now`.
#[must_use]
pub fn validate_friend_signature_at(
    uid: &str,
    timestamp: &str,
    friend_uid: &str,
    secret: &GigyaSecret,
    signature: &str,
    now: Timestamp,
    window_secs: u64,
) -> bool {
    let fresh = within_window(timestamp, now, window_secs);
    validate_friend_signature(uid, timestamp, friend_uid, secret, signature) & fresh
}

fn expiry_secs(now: Timestamp, timeout_secs: u64) -> Result<i64, GigyaError> {
    let timeout = i64::try_from(timeout_secs).map_err(|_| GigyaError::TimeOutOfRange)?;
    now.as_secs_floor()
        .checked_add(timeout)
        .filter(|exp| *exp >= 0)
        .ok_or(GigyaError::TimeOutOfRange)
}

/// The value of the `gltexp_<apiKey>` cookie that extends a session to `now + timeout_secs`:
/// `<exp>_<signature of "<glt>_<exp>">`, signed with the partner secret. `glt` is the whole
/// value of the `glt_<apiKey>` cookie.
///
/// # Errors
/// [`GigyaError::TimeOutOfRange`] when the expiry is before the epoch or overflows.
pub fn dynamic_session_signature(
    glt: &str,
    timeout_secs: u64,
    secret: &GigyaSecret,
    now: Timestamp,
) -> Result<String, GigyaError> {
    let exp = expiry_secs(now, timeout_secs)?;
    let sig = calc_signature(&format!("{glt}_{exp}"), secret);
    Ok(format!("{exp}_{sig}"))
}

/// As [`dynamic_session_signature`], signed with a user key's secret:
/// `<exp>_<userKey>_<signature of "<glt>_<exp>_<userKey>">`.
///
/// # Errors
/// [`GigyaError::TimeOutOfRange`] when the expiry is before the epoch or overflows;
/// [`GigyaError::MissingCredentials`] for an empty user key.
pub fn dynamic_session_signature_user_signed(
    glt: &str,
    timeout_secs: u64,
    user_key: &str,
    secret: &GigyaSecret,
    now: Timestamp,
) -> Result<String, GigyaError> {
    if user_key.is_empty() {
        return Err(GigyaError::MissingCredentials);
    }
    let exp = expiry_secs(now, timeout_secs)?;
    let sig = calc_signature(&format!("{glt}_{exp}_{user_key}"), secret);
    Ok(format!("{exp}_{user_key}_{sig}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const UID: &str = "9d0b4a6b2f2b4d0e8f6f1a2b3c4d5e6f";

    fn s1() -> GigyaSecret {
        GigyaSecret::from_base64("UnVzdC1HaWd5YS1wYXJ0bmVyLXNlY3JldC0wMDAx").unwrap()
    }

    #[test]
    fn user_signature_and_window() {
        let sig = "wg7p40H3VUb6JTfQIA2IY0dsCnA=";
        assert!(validate_user_signature(UID, "1700000000", &s1(), sig));
        assert!(!validate_user_signature(UID, "01700000000", &s1(), sig));
        let at = |now: i64, w: u64| {
            validate_user_signature_at(
                UID,
                "1700000000",
                &s1(),
                sig,
                Timestamp::from_secs(now).unwrap(),
                w,
            )
        };
        assert!(at(1_700_000_180, 180));
        assert!(!at(1_700_000_181, 180));
        assert!(at(1_699_999_820, 180));
        assert!(!at(1_699_999_819, 180));
        assert!(!validate_user_signature_at(
            UID,
            "-1",
            &s1(),
            sig,
            Timestamp::UNIX_EPOCH,
            u64::MAX
        ));
    }

    #[test]
    fn session_signature() {
        let now = Timestamp::from_secs(1_700_000_000).unwrap();
        assert_eq!(
            dynamic_session_signature("st2.s.AcbHxyz.Abc-123_def|UUID=9d0b4a6b", 300, &s1(), now)
                .unwrap(),
            "1700000300_h8bTRf3HC0zCJTVZGmn7s0bDQMo="
        );
        assert_eq!(
            dynamic_session_signature("g", u64::MAX, &s1(), now),
            Err(GigyaError::TimeOutOfRange)
        );
    }
}
