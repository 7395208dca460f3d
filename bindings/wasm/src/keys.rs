//! Key sets: parse an operator document, decrypt tokens, encrypt sharing tokens.

use uid2::token::{ClientType, DecryptError, DecryptStatus, EncryptStatus};
use uid2::{IdentityScope, IdentityType};
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

use crate::convert::{self, int_to_js, time_to_js};
use crate::error;
use crate::random::HostRandom;

/// A parsed key set (`/v2/key/bidstream` or `/v2/key/sharing` body). Its keys stay in
/// WebAssembly memory; `free()` zeroizes them.
#[wasm_bindgen]
pub struct KeySet {
    inner: uid2::KeySet,
}

impl KeySet {
    pub(crate) const fn from_core(inner: uid2::KeySet) -> Self {
        Self { inner }
    }
}

/// The official decryption statuses, in the order of the status index `__decrypt` reports.
const DECRYPT_STATUSES: [DecryptStatus; 11] = [
    DecryptStatus::Success,
    DecryptStatus::NotInitialized,
    DecryptStatus::KeysNotSynced,
    DecryptStatus::InvalidPayload,
    DecryptStatus::VersionNotSupported,
    DecryptStatus::InvalidIdentityScope,
    DecryptStatus::NotAuthorizedForMasterKey,
    DecryptStatus::NotAuthorizedForKey,
    DecryptStatus::ExpiredToken,
    DecryptStatus::InvalidTokenLifetime,
    DecryptStatus::DomainOrAppNameCheckFailed,
];

/// The official encryption statuses, in the order of the status index `__encrypt` reports.
const ENCRYPT_STATUSES: [EncryptStatus; 6] = [
    EncryptStatus::Success,
    EncryptStatus::NotInitialized,
    EncryptStatus::KeysNotSynced,
    EncryptStatus::NotAuthorizedForMasterKey,
    EncryptStatus::NotAuthorizedForKey,
    EncryptStatus::EncryptionFailure,
];

/// Slots of the `out` array of `__decrypt`.
const OUT_LEN: usize = 11;

/// The official names of the decryption statuses, by status index.
#[wasm_bindgen(js_name = __decryptStatusNames)]
#[must_use]
pub fn decrypt_status_names() -> Vec<String> {
    DECRYPT_STATUSES.iter().map(|s| s.as_str().into()).collect()
}

/// The official names of the encryption statuses, by status index.
#[wasm_bindgen(js_name = __encryptStatusNames)]
#[must_use]
pub fn encrypt_status_names() -> Vec<String> {
    ENCRYPT_STATUSES.iter().map(|s| s.as_str().into()).collect()
}

fn status_index<T: PartialEq>(table: &[T], status: &T) -> f64 {
    let i = table
        .iter()
        .position(|s| s == status)
        .unwrap_or(table.len());
    u32::try_from(i).map_or(f64::NAN, f64::from)
}

fn client_type(code: u8) -> Result<ClientType, JsValue> {
    match code {
        0 => Ok(ClientType::Bidstream),
        1 => Ok(ClientType::Sharing),
        #[allow(
            deprecated,
            reason = "the package still accepts the deprecated client type"
        )]
        2 => Ok(ClientType::Legacy),
        _ => Err(error::misuse(
            "client must be 'bidstream', 'sharing' or 'legacy'",
        )),
    }
}

const fn scope_code(scope: IdentityScope) -> f64 {
    match scope {
        IdentityScope::Euid => 1.0,
        _ => 0.0,
    }
}

#[wasm_bindgen]
impl KeySet {
    /// Parses a decrypted key-set document (`{"body": {...}, "status": "success"}`). The
    /// document's bytes are wiped from WebAssembly memory once read.
    ///
    /// # Errors
    /// `INVALID_KEY_SET` when the core rejects the document.
    #[wasm_bindgen(js_name = __parse)]
    pub fn parse(document: Vec<u8>) -> Result<Self, JsValue> {
        let document = Zeroizing::new(document);
        // The keys live on the heap: moving a KeySet copies no secret.
        crate::scrub::secret_call(|| uid2::KeySet::parse(&document))
            .map(Self::from_core)
            .map_err(|e| error::new("INVALID_KEY_SET", &e))
    }

    /// Decrypts `token` for `client` (0 bidstream, 1 sharing, 2 legacy), with the domain or app
    /// name when `has_domain`, at `now`. Writes the status index and the token's fields into
    /// `out` and returns the raw UID (`""` unless the status is `SUCCESS`).
    ///
    /// `out`: status index, version, scope (0 UID2, 1 EUID), identity type (0 email, 1 phone,
    /// NaN unknown), established, generated (NaN unknown), expiry, site id, site key site id
    /// (NaN unknown), client-side generated (0/1), opted out (0/1). Fields after the status
    /// are NaN when the token was not opened.
    ///
    /// # Errors
    /// `INVALID_ARGUMENT` for a bad client code, time or `out` length.
    #[wasm_bindgen(js_name = __decrypt, unchecked_return_type = "string")]
    pub fn decrypt(
        &self,
        token: &str,
        client: u8,
        has_domain: bool,
        domain: &str,
        now: f64,
        out: &mut [f64],
    ) -> Result<JsValue, JsValue> {
        let client = client_type(client)?;
        let now = convert::time(now)?;
        let result = self
            .inner
            .decrypt(token, client, has_domain.then_some(domain), now);
        write_decrypted(result, out)
    }

    /// Encrypts `raw_uid` into a v4 sharing token at `now`, with the site layer under the
    /// active key of `keyset_id` (NaN: the key set's default keyset). Nonces come from
    /// `crypto.getRandomValues`. Writes the status index into `status[0]` and returns the token
    /// (`""` unless the status is `SUCCESS`). The raw UID is wiped once read.
    ///
    /// # Errors
    /// `INVALID_ARGUMENT` for a bad time, keyset id or `status` length.
    #[wasm_bindgen(js_name = __encrypt, unchecked_return_type = "string")]
    pub fn encrypt(
        &self,
        raw_uid: String,
        now: f64,
        keyset_id: f64,
        status: &mut [f64],
    ) -> Result<JsValue, JsValue> {
        let raw_uid = Zeroizing::new(raw_uid);
        let now = convert::time(now)?;
        let keyset_id = if keyset_id.is_nan() {
            None
        } else {
            Some(convert::int(keyset_id, "keyset id")?)
        };
        let result = self
            .inner
            .encrypt_with_keyset(&raw_uid, keyset_id, now, &mut HostRandom);
        write_encrypted(result, status)
    }

    /// Whether some key is unexpired at `now` (decryption reports `KEYS_NOT_SYNCED` otherwise).
    ///
    /// # Errors
    /// `INVALID_ARGUMENT` for a bad time.
    #[wasm_bindgen(js_name = isValid)]
    pub fn is_valid(&self, now: f64) -> Result<bool, JsValue> {
        Ok(self.inner.is_valid(convert::time(now)?))
    }

    /// `"UID2"` or `"EUID"`.
    #[wasm_bindgen(getter, js_name = identityScope)]
    #[must_use]
    pub fn identity_scope(&self) -> String {
        self.inner.identity_scope().as_str().into()
    }

    /// The number of keys.
    #[wasm_bindgen(getter, js_name = keyCount)]
    #[must_use]
    pub fn key_count(&self) -> usize {
        self.inner.keys().len()
    }

    /// The caller's site id, when the document names one.
    #[wasm_bindgen(getter, js_name = callerSiteId)]
    #[must_use]
    pub fn caller_site_id(&self) -> Option<f64> {
        self.inner.config().caller_site_id.map(int_to_js)
    }

    /// When the last key expires (ms), if there is a key.
    #[wasm_bindgen(getter, js_name = latestExpiry)]
    #[must_use]
    pub fn latest_expiry(&self) -> Option<f64> {
        self.inner.latest_expiry().map(time_to_js)
    }
}

/// Decrypts with no key set loaded yet (the core answers `NOT_INITIALIZED`): for clients
/// whose first key refresh has not completed. Same `out` layout as `KeySet.__decrypt`.
///
/// # Errors
/// `INVALID_ARGUMENT` for a bad client code, time or `out` length.
#[wasm_bindgen(js_name = __decryptWithoutKeys, unchecked_return_type = "string")]
pub fn decrypt_without_keys(
    token: &str,
    client: u8,
    has_domain: bool,
    domain: &str,
    now: f64,
    out: &mut [f64],
) -> Result<JsValue, JsValue> {
    let client = client_type(client)?;
    let now = convert::time(now)?;
    let result = uid2::token::decrypt(None, token, client, has_domain.then_some(domain), now);
    write_decrypted(result, out)
}

/// Encrypts with no key set loaded yet (the core answers `NOT_INITIALIZED`). Same
/// arguments as `KeySet.__encrypt`.
///
/// # Errors
/// `INVALID_ARGUMENT` for a bad time or `status` length.
#[wasm_bindgen(js_name = __encryptWithoutKeys, unchecked_return_type = "string")]
pub fn encrypt_without_keys(
    raw_uid: String,
    now: f64,
    status: &mut [f64],
) -> Result<JsValue, JsValue> {
    let raw_uid = Zeroizing::new(raw_uid);
    let now = convert::time(now)?;
    let result = uid2::token::encrypt(None, &raw_uid, now, &mut HostRandom);
    write_encrypted(result, status)
}

fn write_decrypted(
    result: Result<uid2::DecryptedToken, DecryptError>,
    out: &mut [f64],
) -> Result<JsValue, JsValue> {
    let out: &mut [f64; OUT_LEN] = out
        .try_into()
        .map_err(|_| error::misuse("the result array has the wrong length"))?;
    let (status, info, uid) = match result {
        Ok(t) => (DecryptStatus::Success, Some(*t.info()), Some(*t.uid())),
        Err(e) => (e.as_status(), e.token_info().copied(), None),
    };
    out.fill(f64::NAN);
    let [
        s,
        version,
        scope,
        kind,
        established,
        generated,
        expiry,
        site,
        site_key,
        csg,
        optout,
    ] = out;
    *s = status_index(&DECRYPT_STATUSES, &status);
    if let Some(info) = info {
        *version = f64::from(info.version.number());
        *scope = scope_code(info.identity_scope);
        *kind = match info.identity_type {
            Some(IdentityType::Email) => 0.0,
            Some(IdentityType::Phone) => 1.0,
            _ => f64::NAN,
        };
        *established = time_to_js(info.established);
        *generated = info.generated.map_or(f64::NAN, time_to_js);
        *expiry = time_to_js(info.expiry);
        *site = f64::from(info.site_id);
        *site_key = info.site_key_site_id.map_or(f64::NAN, int_to_js);
        *csg = f64::from(u8::from(info.is_client_side_generated()));
        *optout = f64::from(u8::from(info.is_opted_out()));
    }
    Ok(uid.map_or_else(|| JsValue::from_str(""), |u| JsValue::from_str(u.as_str())))
}

fn write_encrypted(
    result: Result<uid2::SharingToken, uid2::EncryptError>,
    status: &mut [f64],
) -> Result<JsValue, JsValue> {
    let slot = status
        .first_mut()
        .ok_or_else(|| error::misuse("the status array is empty"))?;
    let (code, token) = match result {
        Ok(token) => (EncryptStatus::Success, JsValue::from_str(token.as_str())),
        Err(e) => (e.as_status(), JsValue::from_str("")),
    };
    *slot = status_index(&ENCRYPT_STATUSES, &code);
    Ok(token)
}
