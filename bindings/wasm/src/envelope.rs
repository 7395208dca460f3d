//! The operator envelope: credentials, sealing a request, opening its reply, and the shape
//! of a request as JavaScript sends it.

use uid2::envelope::{BodyEncoding, OperatorRequest, PendingResponse};
use uid2::operator::key_refresh::KeyEndpoint;
use uid2::operator::token_generate;
use uid2::operator::{identity_map_v2, identity_map_v3, optout_status, salt_buckets};
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

use crate::random::HostRandom;
use crate::{convert, error};

/// An operator account's API key and client secret. Both stay in WebAssembly memory;
/// `free()` zeroizes them.
#[wasm_bindgen]
pub struct Credentials {
    inner: Box<uid2::envelope::Credentials>,
}

impl Credentials {
    pub(crate) const fn core(&self) -> &uid2::envelope::Credentials {
        &self.inner
    }
}

#[wasm_bindgen]
impl Credentials {
    /// Parses an API key and a base64 client secret; both strings are wiped from
    /// WebAssembly memory once read.
    ///
    /// # Errors
    /// `INVALID_CREDENTIALS` when the core rejects either.
    #[wasm_bindgen(constructor)]
    pub fn new(api_key: String, secret_base64: String) -> Result<Self, JsValue> {
        let api_key = Zeroizing::new(api_key);
        let secret = Zeroizing::new(secret_base64);
        crate::scrub::secret_call(|| {
            uid2::envelope::Credentials::from_strings(&api_key, &secret).map(Box::new)
        })
        .map(|inner| Self { inner })
        .map_err(|e| error::envelope(&e))
    }
}

/// The operator paths that take an enveloped request, by the core's own constants.
fn enveloped_path(path: &str) -> Option<&'static str> {
    [
        token_generate::TOKEN_GENERATE_PATH,
        identity_map_v3::PATH,
        identity_map_v2::PATH,
        salt_buckets::PATH,
        optout_status::PATH,
        KeyEndpoint::Bidstream.path(),
        KeyEndpoint::Sharing.path(),
    ]
    .into_iter()
    .find(|p| *p == path)
}

fn encoding(name: &str) -> Result<BodyEncoding, JsValue> {
    match name {
        "text" => Ok(BodyEncoding::Text),
        "binary" => Ok(BodyEncoding::Binary),
        _ => Err(error::misuse("encoding must be 'text' or 'binary'")),
    }
}

/// A request as JavaScript sends it: `{ method, path, headers: [[name, value], ...], body }`.
pub(crate) fn request_object(request: &OperatorRequest<'_>) -> JsValue {
    let object = js_sys::Object::new();
    let headers = js_sys::Array::new();
    for h in request.headers() {
        let pair = js_sys::Array::of2(&JsValue::from_str(h.name()), &JsValue::from_str(h.value()));
        headers.push(&pair);
    }
    let entries: [(&str, JsValue); 4] = [
        ("method", JsValue::from_str(request.method().as_str())),
        ("path", JsValue::from_str(request.path())),
        ("headers", headers.into()),
        ("body", js_sys::Uint8Array::from(request.body()).into()),
    ];
    for (name, value) in entries {
        // Defining a property on a fresh plain object cannot fail.
        let _ = js_sys::Reflect::set(&object, &JsValue::from_str(name), &value);
    }
    object.into()
}

/// The reply body as the glue copied it in: opened in place, then wiped when dropped.
pub(crate) type Body = Zeroizing<Vec<u8>>;

/// A sealed request and the pending value that opens its one reply.
#[wasm_bindgen]
pub struct SealedRequest {
    request: JsValue,
    pending: Option<Box<PendingResponse>>,
}

/// Seals `payload` for the operator endpoint `path` at `now` (IV and nonce from
/// `crypto.getRandomValues`). The payload is wiped from WebAssembly memory once sealed.
///
/// # Errors
/// `INVALID_ARGUMENT` for a path that takes no envelope, a bad encoding or time; `ENVELOPE`
/// when sealing fails.
#[wasm_bindgen(js_name = sealRequest)]
pub fn seal_request(
    credentials: &Credentials,
    path: &str,
    payload: Vec<u8>,
    now: f64,
    body_encoding: &str,
) -> Result<SealedRequest, JsValue> {
    let payload = Zeroizing::new(payload);
    let path = enveloped_path(path)
        .ok_or_else(|| error::misuse("path is not an operator endpoint that takes an envelope"))?;
    let encoding = encoding(body_encoding)?;
    let now = convert::time(now)?;
    let (request, pending) = crate::scrub::secret_call(|| {
        credentials
            .inner
            .seal(path, &payload, encoding, now, &mut HostRandom)
            .map(|(sealed, pending)| (request_object(&sealed.request()), Box::new(pending)))
    })
    .map_err(|e| error::envelope(&e))?;
    Ok(SealedRequest {
        request,
        pending: Some(pending),
    })
}

#[wasm_bindgen]
impl SealedRequest {
    /// What to send: `{ method, path, headers, body }`.
    #[wasm_bindgen(getter, unchecked_return_type = "OperatorRequest")]
    #[must_use]
    pub fn request(&self) -> JsValue {
        self.request.clone()
    }

    /// Opens the reply (`status` the HTTP status, `contentType` its `Content-Type` or null):
    /// returns `{ serverTime, document }`. A reply can be opened once.
    ///
    /// # Errors
    /// The core's reply errors (`HTTP_STATUS`, `DECRYPT_FAILED`, `NONCE_MISMATCH`, ...);
    /// `INVALID_ARGUMENT` when a reply was already opened.
    #[wasm_bindgen(js_name = openResponse, unchecked_return_type = "OpenedResponse")]
    pub fn open_response(
        &mut self,
        status: u16,
        content_type: Option<String>,
        body: Vec<u8>,
    ) -> Result<JsValue, JsValue> {
        let mut body: Body = Zeroizing::new(body);
        let pending = take(&mut self.pending)?;
        let opened = crate::scrub::secret_call(|| {
            pending
                .open(status, content_type.as_deref(), &mut body)
                .map(|o| (o.server_time(), js_sys::Uint8Array::from(o.document())))
        })
        .map_err(|e| error::response(&e))?;
        let (server_time, document) = opened;
        let object = js_sys::Object::new();
        let _ = js_sys::Reflect::set(
            &object,
            &JsValue::from_str("serverTime"),
            &JsValue::from(convert::time_to_js(server_time)),
        );
        let _ = js_sys::Reflect::set(&object, &JsValue::from_str("document"), &document.into());
        Ok(object.into())
    }
}

/// Takes the pending value of a call whose reply may be opened once.
pub(crate) fn take<T>(pending: &mut Option<Box<T>>) -> Result<Box<T>, JsValue> {
    pending
        .take()
        .ok_or_else(|| error::misuse("this reply was already opened; seal a new request"))
}
