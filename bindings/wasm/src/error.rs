//! Errors as JavaScript sees them: an `Error` named `Uid2Error` with a stable `code`.
//!
//! Messages are the core's `Display` text, which never holds a secret or DII. Codes:
//!
//! | code | raised by |
//! | --- | --- |
//! | `INVALID_KEY_SET` | a key-set document the core rejects |
//! | `INVALID_CREDENTIALS` | an API key or client secret the core rejects |
//! | `INVALID_EMAIL`, `INVALID_PHONE`, `INVALID_HASH` | normalization and hashing |
//! | `INVALID_IDENTITY` | identity JSON the core rejects |
//! | `HTTP_STATUS`, `DECRYPT_FAILED`, `NONCE_MISMATCH`, `RESPONSE_STATUS`, `RESPONSE_MALFORMED`, `INVALID_REFRESHED_IDENTITY` | an operator reply (the core's `ResponseError::class`) |
//! | `ENVELOPE` | a request that cannot be sealed (too large, the random source failed) |
//! | `BATCH` | an identity that does not fit an identity-map request |
//! | `KEY_REFRESH` | a failed key refresh (in a `refreshFailed` event) |
//! | `INVALID_ARGUMENT` | a misuse: a bad time, an unknown name, a reply opened twice |
//!
//! `HTTP_STATUS` errors also carry `httpStatus`, and `operatorStatus` when the operator said.

use core::fmt::Display;

#[cfg(feature = "operator")]
use uid2::envelope::{EnvelopeError, ResponseError};
#[cfg(feature = "operator")]
use uid2::identity::IdentityError;
use wasm_bindgen::JsValue;

/// A `Uid2Error` with `code` and the message.
pub(crate) fn new(code: &str, message: &dyn Display) -> JsValue {
    let error = js_sys::Error::new(&message.to_string());
    error.set_name("Uid2Error");
    set(&error, "code", &JsValue::from_str(code));
    error.into()
}

fn set(target: &JsValue, name: &str, value: &JsValue) {
    // Setting a property on a fresh `Error` cannot fail.
    let _ = js_sys::Reflect::set(target, &JsValue::from_str(name), value);
}

/// A caller mistake (bad time, unknown name, wrong state).
pub(crate) fn misuse(message: &str) -> JsValue {
    new("INVALID_ARGUMENT", &message)
}

/// An operator reply that was refused.
#[cfg(feature = "operator")]
pub(crate) fn response(e: &ResponseError) -> JsValue {
    let error = new(e.class(), e);
    if let Some(http) = e.http() {
        set(&error, "httpStatus", &JsValue::from(http.status()));
        if let Some(status) = http.operator_status() {
            set(
                &error,
                "operatorStatus",
                &JsValue::from_str(status.as_str()),
            );
        }
    }
    error
}

/// A request that could not be built or sealed.
#[cfg(feature = "operator")]
pub(crate) fn envelope(e: &EnvelopeError) -> JsValue {
    let code = match e {
        EnvelopeError::InvalidApiKey { .. } | EnvelopeError::InvalidClientSecret => {
            "INVALID_CREDENTIALS"
        }
        _ => "ENVELOPE",
    };
    new(code, e)
}

/// An email, phone number or hash that was rejected.
#[cfg(feature = "operator")]
pub(crate) fn identity(e: &IdentityError) -> JsValue {
    let code = match e {
        IdentityError::InvalidEmail => "INVALID_EMAIL",
        IdentityError::InvalidPhone => "INVALID_PHONE",
        IdentityError::InvalidHash { .. } => "INVALID_HASH",
        _ => "INVALID_ARGUMENT",
    };
    new(code, e)
}
