//! Operator calls for publishers and advertisers: token generate and refresh, identity map v3,
//! and the retry schedule that bulk mapping follows.

use alloc::rc::Rc;

use uid2::envelope::PendingResponse;
use uid2::operator::identity_map_v3::{
    BatchLimits, IdentityMapV3Input as CoreInput, IdentityMapV3Request as CoreRequest,
    IdentityMapV3Response as CoreResponse,
};
use uid2::operator::retry::{self, RetryPolicy};
use uid2::operator::{
    IdentityTokens as CoreIdentity, OperatorCall as _, PendingTokenGenerate, PendingTokenRefresh,
    TokenGenerateRequest as CoreGenerate, TokenResponse,
};
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

use crate::convert::{self, time_to_js};
use crate::envelope::{Body, Credentials, request_object, take};
use crate::error;
use crate::random::HostRandom;

fn set(object: &js_sys::Object, name: &str, value: &JsValue) {
    // Defining a property on a fresh plain object cannot fail.
    let _ = js_sys::Reflect::set(object, &JsValue::from_str(name), value);
}

fn identity_object(identity: &CoreIdentity) -> JsValue {
    let object = js_sys::Object::new();
    set(
        &object,
        "advertisingToken",
        &JsValue::from_str(identity.advertising_token()),
    );
    set(
        &object,
        "refreshToken",
        &JsValue::from_str(identity.refresh_token()),
    );
    set(
        &object,
        "identityExpires",
        &time_to_js(identity.identity_expires()).into(),
    );
    set(
        &object,
        "refreshExpires",
        &time_to_js(identity.refresh_expires()).into(),
    );
    set(
        &object,
        "refreshFrom",
        &time_to_js(identity.refresh_from()).into(),
    );
    object.into()
}

/// `{ status, identity, identityJsonString }` for a token generate or refresh outcome.
fn token_response_object(response: &TokenResponse) -> JsValue {
    let object = js_sys::Object::new();
    set(&object, "status", &JsValue::from_str(response.status()));
    let (identity, json) = match response.identity() {
        Some(id) => (identity_object(id), JsValue::from_str(id.json_string())),
        None => (JsValue::NULL, JsValue::NULL),
    };
    set(&object, "identity", &identity);
    set(&object, "identityJsonString", &json);
    object.into()
}

/// A `/v2/token/generate` request: an email or phone number (normalized and hashed here), or
/// its hash. Inputs are wiped from WebAssembly memory once read.
#[wasm_bindgen]
pub struct TokenGenerateRequest {
    inner: CoreGenerate,
}

#[wasm_bindgen]
impl TokenGenerateRequest {
    /// From an email address; only its hash is sent.
    ///
    /// # Errors
    /// `INVALID_EMAIL`.
    #[wasm_bindgen(js_name = fromEmail)]
    pub fn from_email(email: String) -> Result<Self, JsValue> {
        let email = Zeroizing::new(email);
        crate::scrub::dii_call(|| CoreGenerate::from_email(&email))
            .map(|inner| Self { inner })
            .map_err(|e| error::identity(&e))
    }

    /// From a phone number (`+` and 10 to 15 digits); only its hash is sent.
    ///
    /// # Errors
    /// `INVALID_PHONE`.
    #[wasm_bindgen(js_name = fromPhone)]
    pub fn from_phone(phone: String) -> Result<Self, JsValue> {
        let phone = Zeroizing::new(phone);
        crate::scrub::dii_call(|| CoreGenerate::from_phone(&phone))
            .map(|inner| Self { inner })
            .map_err(|e| error::identity(&e))
    }

    /// From the base64 SHA-256 of a normalized email (44 characters; 64 hex digits are sent as
    /// base64). Throws when the text is not such a hash, so a raw email is never sent.
    ///
    /// # Errors
    /// An `Error` when the text is not a SHA-256 hash.
    #[wasm_bindgen(js_name = fromHashedEmail)]
    pub fn from_hashed_email(hash: String) -> Result<Self, JsValue> {
        let hash = Zeroizing::new(hash);
        CoreGenerate::from_hashed_email(&hash)
            .map(|inner| Self { inner })
            .map_err(|e| error::identity(&e))
    }

    /// From the base64 SHA-256 of a phone number; checked as
    /// [`from_hashed_email`](Self::from_hashed_email) is.
    ///
    /// # Errors
    /// An `Error` when the text is not a SHA-256 hash.
    #[wasm_bindgen(js_name = fromHashedPhone)]
    pub fn from_hashed_phone(hash: String) -> Result<Self, JsValue> {
        let hash = Zeroizing::new(hash);
        CoreGenerate::from_hashed_phone(&hash)
            .map(|inner| Self { inner })
            .map_err(|e| error::identity(&e))
    }

    /// Adds a TCF consent string (EUID).
    #[wasm_bindgen(js_name = withTcfConsentString)]
    #[must_use]
    pub fn with_tcf_consent_string(self, consent: &str) -> Self {
        Self {
            inner: self.inner.with_tcf_consent_string(consent),
        }
    }

    /// Seals the request at `now`; the call opens its one reply.
    ///
    /// # Errors
    /// `ENVELOPE` when sealing fails; `INVALID_ARGUMENT` for a bad time.
    pub fn seal(&self, credentials: &Credentials, now: f64) -> Result<TokenGenerateCall, JsValue> {
        let now = convert::time(now)?;
        let (request, pending) = crate::scrub::secret_call(|| {
            self.inner
                .seal(credentials.core(), now, &mut HostRandom)
                .map(|(sealed, pending)| (request_object(&sealed.request()), Box::new(pending)))
        })
        .map_err(|e| error::envelope(&e))?;
        Ok(TokenGenerateCall {
            request,
            pending: Some(pending),
        })
    }
}

/// A sealed `/v2/token/generate` request and the pending value that reads its reply.
#[wasm_bindgen]
pub struct TokenGenerateCall {
    request: JsValue,
    pending: Option<Box<PendingTokenGenerate>>,
}

#[wasm_bindgen]
impl TokenGenerateCall {
    /// What to send: `{ method, path, headers, body }`.
    #[wasm_bindgen(getter, unchecked_return_type = "OperatorRequest")]
    #[must_use]
    pub fn request(&self) -> JsValue {
        self.request.clone()
    }

    /// Opens and reads the reply: `{ status: 'success' | 'optout', identity,
    /// identityJsonString }`. A reply can be opened once.
    ///
    /// # Errors
    /// The core's reply errors; `INVALID_ARGUMENT` when already opened.
    #[wasm_bindgen(js_name = openResponse, unchecked_return_type = "TokenResponse")]
    pub fn open_response(
        &mut self,
        status: u16,
        content_type: Option<String>,
        body: Vec<u8>,
    ) -> Result<JsValue, JsValue> {
        let mut body: Body = Zeroizing::new(body);
        let pending = take(&mut self.pending)?;
        crate::scrub::secret_call(|| {
            pending
                .open(status, content_type.as_deref(), &mut body)
                .map(|r| token_response_object(&r))
        })
        .map_err(|e| error::response(&e))
    }
}

/// An identity (advertising and refresh tokens) as stored in a session. Its refresh
/// response key stays in WebAssembly memory; `free()` zeroizes it.
#[wasm_bindgen]
pub struct IdentityTokens {
    inner: Box<CoreIdentity>,
}

#[wasm_bindgen]
impl IdentityTokens {
    /// Parses the identity JSON (as `identityJsonString` returns it); the text is wiped from
    /// WebAssembly memory once read.
    ///
    /// # Errors
    /// `INVALID_IDENTITY` when the core rejects it.
    #[wasm_bindgen(js_name = fromJson)]
    pub fn from_json(json: String) -> Result<Self, JsValue> {
        let json = Zeroizing::new(json);
        crate::scrub::secret_call(|| CoreIdentity::from_json_str(&json).map(Box::new))
            .map(|inner| Self { inner })
            .map_err(|e| error::new("INVALID_IDENTITY", &e))
    }

    /// The advertising token.
    #[wasm_bindgen(getter, js_name = advertisingToken)]
    #[must_use]
    pub fn advertising_token(&self) -> String {
        self.inner.advertising_token().into()
    }

    /// When the advertising token expires (ms).
    #[wasm_bindgen(getter, js_name = identityExpires)]
    #[must_use]
    pub fn identity_expires(&self) -> f64 {
        time_to_js(self.inner.identity_expires())
    }

    /// When the refresh token expires (ms).
    #[wasm_bindgen(getter, js_name = refreshExpires)]
    #[must_use]
    pub fn refresh_expires(&self) -> f64 {
        time_to_js(self.inner.refresh_expires())
    }

    /// When a refresh becomes due (ms).
    #[wasm_bindgen(getter, js_name = refreshFrom)]
    #[must_use]
    pub fn refresh_from(&self) -> f64 {
        time_to_js(self.inner.refresh_from())
    }

    /// Whether the refresh token is still usable at `now`.
    ///
    /// # Errors
    /// `INVALID_ARGUMENT` for a bad time.
    #[wasm_bindgen(js_name = isRefreshable)]
    pub fn is_refreshable(&self, now: f64) -> Result<bool, JsValue> {
        Ok(self.inner.is_refreshable(convert::time(now)?))
    }

    /// Whether a refresh is due at `now`.
    ///
    /// # Errors
    /// `INVALID_ARGUMENT` for a bad time.
    #[wasm_bindgen(js_name = isDueForRefresh)]
    pub fn is_due_for_refresh(&self, now: f64) -> Result<bool, JsValue> {
        Ok(self.inner.is_due_for_refresh(convert::time(now)?))
    }

    /// Whether the advertising token has expired at `now`.
    ///
    /// # Errors
    /// `INVALID_ARGUMENT` for a bad time.
    #[wasm_bindgen(js_name = hasIdentityExpired)]
    pub fn has_identity_expired(&self, now: f64) -> Result<bool, JsValue> {
        Ok(self.inner.has_identity_expired(convert::time(now)?))
    }

    /// The `/v2/token/refresh` request for this identity, with the API key of `credentials`
    /// (so the operator names its errors: `expired_token`, `invalid_token`), and the call that
    /// reads its reply.
    #[wasm_bindgen(js_name = refreshRequest)]
    #[must_use]
    pub fn refresh_request(&self, credentials: &Credentials) -> TokenRefreshCall {
        self.refresh_call(Some(credentials))
    }

    /// The `/v2/token/refresh` request without an API key (the endpoint does not need one).
    #[wasm_bindgen(js_name = refreshRequestWithoutApiKey)]
    #[must_use]
    pub fn refresh_request_without_api_key(&self) -> TokenRefreshCall {
        self.refresh_call(None)
    }
}

impl IdentityTokens {
    fn refresh_call(&self, credentials: Option<&Credentials>) -> TokenRefreshCall {
        let (request, pending) = crate::scrub::secret_call(|| {
            let api_key = credentials.map(|c| c.core().api_key());
            let (request, pending) = self.inner.refresh_request(api_key);
            (request_object(&request), Box::new(pending))
        });
        TokenRefreshCall {
            request,
            pending: Some(pending),
        }
    }
}

/// A `/v2/token/refresh` request and the pending value that reads its reply.
#[wasm_bindgen]
pub struct TokenRefreshCall {
    request: JsValue,
    pending: Option<Box<PendingTokenRefresh>>,
}

#[wasm_bindgen]
impl TokenRefreshCall {
    /// What to send: `{ method, path, headers, body }`.
    #[wasm_bindgen(getter, unchecked_return_type = "OperatorRequest")]
    #[must_use]
    pub fn request(&self) -> JsValue {
        self.request.clone()
    }

    /// Opens and reads the reply at `now`. A reply can be opened once.
    ///
    /// # Errors
    /// The core's reply errors (`HTTP_STATUS` with `operatorStatus` `expired_token` or
    /// `invalid_token` when the identity must be dropped); `INVALID_ARGUMENT` when already
    /// opened or for a bad time.
    #[wasm_bindgen(js_name = openResponse, unchecked_return_type = "TokenResponse")]
    pub fn open_response(
        &mut self,
        status: u16,
        content_type: Option<String>,
        body: Vec<u8>,
        now: f64,
    ) -> Result<JsValue, JsValue> {
        let mut body: Body = Zeroizing::new(body);
        let now = convert::time(now)?;
        let pending = take(&mut self.pending)?;
        crate::scrub::secret_call(|| {
            pending
                .open(status, content_type.as_deref(), &mut body, now)
                .map(|r| token_response_object(&r))
        })
        .map_err(|e| error::response(&e))
    }
}

/// Emails, phone numbers and hashes to map, in order. Inputs are wiped from WebAssembly
/// memory once read; `free()` wipes the ones held.
#[wasm_bindgen]
pub struct IdentityMapV3Input {
    inner: CoreInput,
}

#[wasm_bindgen]
impl IdentityMapV3Input {
    /// No identities yet.
    #[wasm_bindgen(constructor)]
    #[must_use]
    pub fn new() -> Self {
        Self {
            inner: CoreInput::new(),
        }
    }

    /// Adds an email (normalized and hashed; the result is keyed by the text given).
    ///
    /// # Errors
    /// `INVALID_EMAIL`.
    #[wasm_bindgen(js_name = addEmail)]
    pub fn add_email(&mut self, email: String) -> Result<(), JsValue> {
        let email = Zeroizing::new(email);
        crate::scrub::dii_call(|| self.inner.add_email(&email).map(|_| ()))
            .map_err(|e| error::identity(&e))
    }

    /// Adds a phone number (`+` and 10 to 15 digits).
    ///
    /// # Errors
    /// `INVALID_PHONE`.
    #[wasm_bindgen(js_name = addPhone)]
    pub fn add_phone(&mut self, phone: String) -> Result<(), JsValue> {
        let phone = Zeroizing::new(phone);
        crate::scrub::dii_call(|| self.inner.add_phone(&phone).map(|_| ()))
            .map_err(|e| error::identity(&e))
    }

    /// Adds the base64 SHA-256 of a normalized email (44 characters; 64 hex digits are sent as
    /// base64). Throws when the text is not such a hash, so a raw email is never sent.
    ///
    /// # Errors
    /// An `Error` when the text is not a SHA-256 hash; nothing is added.
    #[wasm_bindgen(js_name = addEmailHash)]
    pub fn add_email_hash(&mut self, hash: String) -> Result<(), JsValue> {
        let hash = Zeroizing::new(hash);
        self.inner
            .add_email_hash(&hash)
            .map(|_| ())
            .map_err(|e| error::identity(&e))
    }

    /// Adds the base64 SHA-256 of a phone number; checked as
    /// [`add_email_hash`](Self::add_email_hash) is.
    ///
    /// # Errors
    /// An `Error` when the text is not a SHA-256 hash; nothing is added.
    #[wasm_bindgen(js_name = addPhoneHash)]
    pub fn add_phone_hash(&mut self, hash: String) -> Result<(), JsValue> {
        let hash = Zeroizing::new(hash);
        self.inner
            .add_phone_hash(&hash)
            .map(|_| ())
            .map_err(|e| error::identity(&e))
    }

    /// The number of identities added.
    #[wasm_bindgen(getter)]
    #[must_use]
    pub fn length(&self) -> usize {
        self.inner.len()
    }

    /// Takes every identity added so far into one request (this input is empty afterwards).
    #[wasm_bindgen(js_name = intoRequest)]
    #[must_use]
    pub fn into_request(&mut self) -> IdentityMapV3Request {
        IdentityMapV3Request::from_core(core::mem::take(&mut self.inner).into_request())
    }

    /// Takes every identity added so far and splits them, in order, into requests within the
    /// operator's limits (`maxItems`, `maxBodyBytes`: NaN for the operator's own). This input
    /// is empty afterwards.
    ///
    /// # Errors
    /// `BATCH` when one identity alone exceeds the body limit; `INVALID_ARGUMENT` for a bad
    /// limit.
    #[wasm_bindgen(js_name = intoBatches)]
    pub fn into_batches(
        &mut self,
        max_items: f64,
        max_body_bytes: f64,
    ) -> Result<Vec<IdentityMapV3Request>, JsValue> {
        let default = BatchLimits::DEFAULT;
        let limit = |v: f64, d: usize, what: &str| -> Result<usize, JsValue> {
            if v.is_nan() {
                return Ok(d);
            }
            usize::try_from(convert::int(v, what)?)
                .map_err(|_| error::misuse("batch limits must not be negative"))
        };
        let limits = BatchLimits::new(
            limit(max_items, default.max_items(), "maxItems")?,
            limit(max_body_bytes, default.max_body_bytes(), "maxBodyBytes")?,
        );
        let batches = core::mem::take(&mut self.inner)
            .into_batches(limits)
            .map_err(|e| error::new("BATCH", &e))?;
        Ok(batches
            .into_iter()
            .map(IdentityMapV3Request::from_core)
            .collect())
    }
}

impl Default for IdentityMapV3Input {
    fn default() -> Self {
        Self::new()
    }
}

/// One `/v3/identity/map` request. It may be sealed again (a new envelope) to retry.
#[wasm_bindgen]
pub struct IdentityMapV3Request {
    inner: Rc<CoreRequest>,
}

impl IdentityMapV3Request {
    fn from_core(inner: CoreRequest) -> Self {
        Self {
            inner: Rc::new(inner),
        }
    }
}

#[wasm_bindgen]
impl IdentityMapV3Request {
    /// The number of identities in this request.
    #[wasm_bindgen(getter)]
    #[must_use]
    pub fn length(&self) -> usize {
        self.inner.len()
    }

    /// Seals the request at `now` (a fresh IV and nonce each time); the call opens its one
    /// reply.
    ///
    /// # Errors
    /// `ENVELOPE` when sealing fails; `INVALID_ARGUMENT` for a bad time.
    pub fn seal(&self, credentials: &Credentials, now: f64) -> Result<IdentityMapV3Call, JsValue> {
        let now = convert::time(now)?;
        let (request, pending) = crate::scrub::secret_call(|| {
            credentials
                .core()
                .seal(
                    CoreRequest::PATH,
                    self.inner.payload(),
                    CoreRequest::ENCODING,
                    now,
                    &mut HostRandom,
                )
                .map(|(sealed, pending)| (request_object(&sealed.request()), Box::new(pending)))
        })
        .map_err(|e| error::envelope(&e))?;
        Ok(IdentityMapV3Call {
            request,
            pending: Some(pending),
            call: Rc::clone(&self.inner),
        })
    }

    /// Reads a decrypted response document (for a reply opened with `sealRequest`).
    ///
    /// # Errors
    /// `RESPONSE_STATUS` or `RESPONSE_MALFORMED`.
    #[wasm_bindgen(js_name = parseResponse, unchecked_return_type = "IdentityMapV3Response")]
    pub fn parse_response(&self, document: Vec<u8>) -> Result<JsValue, JsValue> {
        let document = Zeroizing::new(document);
        self.inner
            .parse_response(&document)
            .map(|r| map_response_object(&r))
            .map_err(|e| error::response(&e))
    }
}

/// A sealed `/v3/identity/map` request and the pending value that reads its reply.
#[wasm_bindgen]
pub struct IdentityMapV3Call {
    request: JsValue,
    pending: Option<Box<PendingResponse>>,
    call: Rc<CoreRequest>,
}

#[wasm_bindgen]
impl IdentityMapV3Call {
    /// What to send: `{ method, path, headers, body }` (a binary body).
    #[wasm_bindgen(getter, unchecked_return_type = "OperatorRequest")]
    #[must_use]
    pub fn request(&self) -> JsValue {
        self.request.clone()
    }

    /// Opens and reads the reply: `{ mapped, unmapped }`, two `Map`s keyed by the inputs as
    /// given. A reply can be opened once.
    ///
    /// # Errors
    /// The core's reply errors; `INVALID_ARGUMENT` when already opened.
    #[wasm_bindgen(js_name = openResponse, unchecked_return_type = "IdentityMapV3Response")]
    pub fn open_response(
        &mut self,
        status: u16,
        content_type: Option<String>,
        body: Vec<u8>,
    ) -> Result<JsValue, JsValue> {
        let mut body: Body = Zeroizing::new(body);
        let pending = take(&mut self.pending)?;
        let call = &self.call;
        crate::scrub::secret_call(|| {
            let opened = pending.open(status, content_type.as_deref(), &mut body)?;
            call.read_reply(opened.document())
                .map(|r| map_response_object(&r))
        })
        .map_err(|e| error::response(&e))
    }
}

fn map_response_object(response: &CoreResponse) -> JsValue {
    let mapped = js_sys::Map::new();
    for (input, m) in response.mapped() {
        let entry = js_sys::Object::new();
        set(
            &entry,
            "currentRawUid",
            &JsValue::from_str(m.current_raw_uid()),
        );
        let previous = m
            .previous_raw_uid()
            .map_or(JsValue::NULL, JsValue::from_str);
        set(&entry, "previousRawUid", &previous);
        set(&entry, "refreshFrom", &time_to_js(m.refresh_from()).into());
        mapped.set(&JsValue::from_str(input), &entry);
    }
    let unmapped = js_sys::Map::new();
    for (input, u) in response.unmapped() {
        let entry = js_sys::Object::new();
        set(&entry, "reason", &JsValue::from_str(u.reason().as_str()));
        set(&entry, "rawReason", &JsValue::from_str(u.raw_reason()));
        unmapped.set(&JsValue::from_str(input), &entry);
    }
    let object = js_sys::Object::new();
    set(&object, "mapped", &mapped);
    set(&object, "unmapped", &unmapped);
    object.into()
}

/// Whether an operator reply's HTTP status is worth retrying (429 and 5xx).
#[wasm_bindgen(js_name = isRetryableStatus)]
#[must_use]
pub fn is_retryable_status(status: u16) -> bool {
    retry::is_retryable_status(status)
}

/// Attempts in all (the first included) under the default retry policy.
#[wasm_bindgen(js_name = retryMaxAttempts)]
#[must_use]
pub fn retry_max_attempts() -> u32 {
    RetryPolicy::DEFAULT.max_attempts
}

/// The delay in ms before retry number `retry` (1 for the first) under the default retry
/// policy, given a uniformly random 32-bit `random`.
#[wasm_bindgen(js_name = retryBackoffMillis)]
#[must_use]
pub fn retry_backoff_millis(retry: u32, random: u32) -> f64 {
    let ms = RetryPolicy::DEFAULT.backoff(retry, random).as_millis();
    u32::try_from(ms).map_or(f64::MAX, f64::from)
}
