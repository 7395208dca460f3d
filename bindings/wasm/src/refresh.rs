//! Key refresh: the core's state machine, driven from JavaScript (which owns `fetch` and the
//! timers). See the core's `operator::key_refresh` for the schedule and the driving loop.

use uid2::operator::key_refresh::{
    KeyEndpoint, KeyRefreshConfig, KeyRefresher as CoreRefresher, RefreshError, RefreshEvent,
};
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

use crate::convert::{self, int_to_js, time_to_js};
use crate::envelope::{Credentials, request_object};
use crate::error;
use crate::keys::KeySet;
use crate::random::HostRandom;

/// Polls `/v2/key/bidstream` or `/v2/key/sharing` on the core's schedule (hourly plus jitter,
/// exponential backoff after failures). Holds a copy of the credentials; `free()` zeroizes
/// them.
///
/// Drive it: wait until `pollTimeout()`, call `handleTimeout(now)`, send what
/// `pollTransmit(now)` returns and feed the outcome to `handleResponse` or
/// `handleTransportError`, then drain `pollEvent()`.
#[wasm_bindgen]
pub struct KeyRefresher {
    inner: Box<CoreRefresher>,
}

fn endpoint(name: &str) -> Result<KeyEndpoint, JsValue> {
    match name {
        "bidstream" => Ok(KeyEndpoint::Bidstream),
        "sharing" => Ok(KeyEndpoint::Sharing),
        _ => Err(error::misuse("endpoint must be 'bidstream' or 'sharing'")),
    }
}

fn set(object: &js_sys::Object, name: &str, value: &JsValue) {
    // Defining a property on a fresh plain object cannot fail.
    let _ = js_sys::Reflect::set(object, &JsValue::from_str(name), value);
}

fn refresh_error(e: &RefreshError) -> JsValue {
    match e {
        RefreshError::Response(r) => error::response(r),
        RefreshError::KeySet(k) => error::new("INVALID_KEY_SET", k),
        RefreshError::Envelope(v) => error::envelope(v),
        _ => error::new("KEY_REFRESH", e),
    }
}

#[wasm_bindgen]
impl KeyRefresher {
    /// A refresher for `endpoint` (`'bidstream'` or `'sharing'`) whose first refresh is due
    /// at `now`. Durations are in ms; NaN keeps the core's default (refresh interval 1 h,
    /// jitter up to 5 min, backoff 1 s doubling to 5 min, response timeout 30 s).
    ///
    /// # Errors
    /// `INVALID_ARGUMENT` for an unknown endpoint, a bad time or a negative duration.
    #[wasm_bindgen(constructor)]
    #[expect(
        clippy::too_many_arguments,
        reason = "flat numbers keep the JS glue cheap"
    )]
    pub fn new(
        endpoint_name: &str,
        credentials: &Credentials,
        now: f64,
        refresh_interval: f64,
        max_jitter: f64,
        initial_backoff: f64,
        max_backoff: f64,
        response_timeout: f64,
    ) -> Result<Self, JsValue> {
        let endpoint = endpoint(endpoint_name)?;
        let now = convert::time(now)?;
        let mut config = KeyRefreshConfig::default();
        config.refresh_interval =
            convert::millis_or(refresh_interval, config.refresh_interval, "refreshInterval")?;
        config.max_jitter = convert::millis_or(max_jitter, config.max_jitter, "maxJitter")?;
        config.initial_backoff =
            convert::millis_or(initial_backoff, config.initial_backoff, "initialBackoff")?;
        config.max_backoff = convert::millis_or(max_backoff, config.max_backoff, "maxBackoff")?;
        config.response_timeout =
            convert::millis_or(response_timeout, config.response_timeout, "responseTimeout")?;
        let inner = crate::scrub::secret_call(|| {
            Box::new(CoreRefresher::new(
                endpoint,
                credentials.core().clone(),
                config,
                now,
            ))
        });
        Ok(Self { inner })
    }

    /// `'bidstream'` or `'sharing'`.
    #[wasm_bindgen(getter)]
    #[must_use]
    pub fn endpoint(&self) -> String {
        match self.inner.endpoint() {
            KeyEndpoint::Bidstream => "bidstream",
            _ => "sharing",
        }
        .into()
    }

    /// When to call `handleTimeout` next (ms).
    #[wasm_bindgen(js_name = pollTimeout)]
    #[must_use]
    pub fn poll_timeout(&self) -> Option<f64> {
        self.inner.poll_timeout().map(time_to_js)
    }

    /// Advances time: a request unanswered past its deadline fails.
    ///
    /// # Errors
    /// `INVALID_ARGUMENT` for a bad time.
    #[wasm_bindgen(js_name = handleTimeout)]
    pub fn handle_timeout(&mut self, now: f64) -> Result<(), JsValue> {
        self.inner.handle_timeout(convert::time(now)?);
        Ok(())
    }

    /// The request to send (`{ method, path, headers, body }`) when an attempt is due at
    /// `now`, else `undefined`. Draws the jitter, IV and nonce from `crypto.getRandomValues`.
    ///
    /// # Errors
    /// `ENVELOPE` when sealing fails (the attempt then counts as failed and an event says so);
    /// `INVALID_ARGUMENT` for a bad time.
    #[wasm_bindgen(js_name = pollTransmit, unchecked_return_type = "OperatorRequest | undefined")]
    pub fn poll_transmit(&mut self, now: f64) -> Result<JsValue, JsValue> {
        let now = convert::time(now)?;
        let inner = &mut self.inner;
        crate::scrub::secret_call(|| match inner.poll_transmit(now, &mut HostRandom) {
            Ok(Some(request)) => Ok(request_object(&request)),
            Ok(None) => Ok(JsValue::UNDEFINED),
            Err(e) => Err(error::envelope(&e)),
        })
    }

    /// Feeds the reply to the request in flight (`status`, `Content-Type` or null, body). The
    /// body, which holds the key set once opened, is wiped from WebAssembly memory afterwards.
    ///
    /// # Errors
    /// `INVALID_ARGUMENT` for a bad time.
    #[wasm_bindgen(js_name = handleResponse)]
    pub fn handle_response(
        &mut self,
        now: f64,
        status: u16,
        content_type: Option<String>,
        body: Vec<u8>,
    ) -> Result<(), JsValue> {
        let mut body = Zeroizing::new(body);
        let now = convert::time(now)?;
        let inner = &mut self.inner;
        crate::scrub::secret_call(|| {
            inner.handle_response(now, status, content_type.as_deref(), &mut body);
        });
        Ok(())
    }

    /// The request in flight could not be completed (connection refused, reset, aborted).
    ///
    /// # Errors
    /// `INVALID_ARGUMENT` for a bad time.
    #[wasm_bindgen(js_name = handleTransportError)]
    pub fn handle_transport_error(&mut self, now: f64) -> Result<(), JsValue> {
        self.inner.handle_transport_error(convert::time(now)?);
        Ok(())
    }

    /// Asks for an attempt at `now`, ahead of the schedule; returns whether one is now due
    /// (false while a request is in flight: its reply is the answer; false too while a failure
    /// is pending and its retry time has not come: the backoff holds).
    ///
    /// # Errors
    /// `INVALID_ARGUMENT` for a bad time.
    #[wasm_bindgen(js_name = requestRefresh)]
    pub fn request_refresh(&mut self, now: f64) -> Result<bool, JsValue> {
        Ok(self.inner.request_refresh(convert::time(now)?))
    }

    /// The next event, oldest first: `{ type: 'keysUpdated', keySet }` (the new `KeySet`,
    /// now the caller's to keep and free) or `{ type: 'refreshFailed', error,
    /// consecutiveFailures, retryAt }`; `undefined` when there is none.
    #[wasm_bindgen(js_name = pollEvent, unchecked_return_type = "RefreshEvent | undefined")]
    #[must_use]
    pub fn poll_event(&mut self) -> JsValue {
        let object = js_sys::Object::new();
        match self.inner.poll_event() {
            None => return JsValue::UNDEFINED,
            Some(RefreshEvent::KeysUpdated(keys)) => {
                set(&object, "type", &JsValue::from_str("keysUpdated"));
                set(&object, "keySet", &KeySet::from_core(keys).into());
            }
            Some(RefreshEvent::RefreshFailed {
                error,
                consecutive_failures,
                retry_at,
            }) => {
                set(&object, "type", &JsValue::from_str("refreshFailed"));
                set(&object, "error", &refresh_error(&error));
                set(
                    &object,
                    "consecutiveFailures",
                    &JsValue::from(consecutive_failures),
                );
                set(&object, "retryAt", &time_to_js(retry_at).into());
            }
            Some(_) => set(&object, "type", &JsValue::from_str("other")),
        }
        object.into()
    }

    /// Whether a request is waiting for its reply.
    #[wasm_bindgen(getter, js_name = isInFlight)]
    #[must_use]
    pub fn is_in_flight(&self) -> bool {
        self.inner.is_in_flight()
    }

    /// When the last successful refresh completed (ms).
    #[wasm_bindgen(getter, js_name = lastSuccess)]
    #[must_use]
    pub fn last_success(&self) -> Option<f64> {
        self.inner.last_success().map(time_to_js)
    }

    /// Failed attempts since the last success.
    #[wasm_bindgen(getter, js_name = consecutiveFailures)]
    #[must_use]
    pub fn consecutive_failures(&self) -> u32 {
        self.inner.consecutive_failures()
    }

    /// When every key of the last key set received expires (ms).
    #[wasm_bindgen(getter, js_name = keysExpireAt)]
    #[must_use]
    pub fn keys_expire_at(&self) -> Option<f64> {
        self.inner.keys_expire_at().map(time_to_js)
    }

    /// How old the current key set is at `now`, in ms (`undefined` before the first success).
    ///
    /// # Errors
    /// `INVALID_ARGUMENT` for a bad time.
    #[wasm_bindgen(js_name = keySetAgeMillis)]
    pub fn key_set_age_millis(&self, now: f64) -> Result<Option<f64>, JsValue> {
        Ok(self
            .inner
            .key_set_age_millis(convert::time(now)?)
            .map(int_to_js))
    }
}
