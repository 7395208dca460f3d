//! Email and phone normalization and hashing, as the operator does them.
//!
//! Inputs are DII: they are wiped from WebAssembly memory once read, and so are the
//! normalized copies made here. Results go to JavaScript without a heap copy in WebAssembly.

use uid2::identity;
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

use crate::error;

/// The normalized form of an email address (the text the operator hashes).
///
/// # Errors
/// `INVALID_EMAIL` when it is not a valid email address.
#[wasm_bindgen(js_name = normalizeEmail, unchecked_return_type = "string")]
pub fn normalize_email(email: String) -> Result<JsValue, JsValue> {
    let email = Zeroizing::new(email);
    let len = identity::normalized_email_len(&email).map_err(|e| error::identity(&e))?;
    let mut out = Zeroizing::new(vec![0u8; len]);
    let written = crate::scrub::dii_call(|| identity::normalize_email(&email, &mut out))
        .map_err(|e| error::identity(&e))?;
    let text = out
        .get(..written)
        .and_then(|b| core::str::from_utf8(b).ok())
        .ok_or_else(|| error::identity(&identity::IdentityError::InvalidEmail))?;
    Ok(JsValue::from_str(text))
}

/// The SHA-256 of the normalized email, as standard base64 (`email_hash` on the wire).
///
/// # Errors
/// `INVALID_EMAIL` when it is not a valid email address.
#[wasm_bindgen(js_name = hashEmail, unchecked_return_type = "string")]
pub fn hash_email(email: String) -> Result<JsValue, JsValue> {
    let email = Zeroizing::new(email);
    crate::scrub::dii_call(|| identity::hash_email(&email).map(|h| JsValue::from_str(h.as_str())))
        .map_err(|e| error::identity(&e))
}

/// The normalized form of a phone number: the number itself, once checked to be `+`
/// followed by 10 to 15 digits (phone numbers are never rewritten).
///
/// # Errors
/// `INVALID_PHONE` when it does not have that shape.
#[wasm_bindgen(js_name = normalizePhone, unchecked_return_type = "string")]
pub fn normalize_phone(phone: String) -> Result<JsValue, JsValue> {
    let phone = Zeroizing::new(phone);
    identity::validate_phone(&phone).map_err(|e| error::identity(&e))?;
    Ok(JsValue::from_str(&phone))
}

/// The SHA-256 of the phone number, as standard base64 (`phone_hash` on the wire).
///
/// # Errors
/// `INVALID_PHONE` when it is not `+` followed by 10 to 15 digits.
#[wasm_bindgen(js_name = hashPhone, unchecked_return_type = "string")]
pub fn hash_phone(phone: String) -> Result<JsValue, JsValue> {
    let phone = Zeroizing::new(phone);
    crate::scrub::dii_call(|| identity::hash_phone(&phone).map(|h| JsValue::from_str(h.as_str())))
        .map_err(|e| error::identity(&e))
}
