//! Operations visibility for both adapters: counters, gauges and histograms through the
//! [`metrics`](https://docs.rs/metrics) facade (feature `metrics`), spans and events through
//! [`tracing`](https://docs.rs/tracing) (feature `tracing`). Without the features every item
//! here compiles to nothing.
//!
//! The adapters call these; their READMEs list the metric names and labels. No field, label
//! or message carries a secret, an API key, DII, a token or a raw UID: only endpoint paths,
//! roles, official status names, HTTP status codes, counts and durations.
//!
//! # The decryption hot path
//!
//! [`TokenMetrics`] counts a decryption or an encryption with a relaxed atomic add on a
//! counter striped by thread: no allocation, no lock, no registry lookup and no cache line
//! shared between threads. The counts reach the recorder when the adapter publishes them
//! (when its refresh worker wakes, at least every 10 seconds, and when `refresh_status()` is
//! read), through counter handles resolved when the client was built. Install the recorder
//! (exporter) before building the clients; handles taken earlier stay no-ops.

use uid2::envelope::ResponseError;
use uid2::operator::key_refresh::{KeyEndpoint, RefreshError, RefreshEvent};
use uid2::token::{DecryptError, EncryptError};

#[cfg(any(feature = "metrics", feature = "tracing"))]
use crate::schedule::{Clock as _, SystemClock};
use crate::{Error, HttpResponse, RefreshStatus, RefreshWorker};

/// Counter: token decryptions, by `role` (`bidstream`, `sharing`) and `status` (the official
/// status: `SUCCESS`, `EXPIRED_TOKEN`, `NOT_INITIALIZED`, ...). Published periodically (see
/// [`TokenMetrics`]).
pub const TOKEN_DECRYPT_TOTAL: &str = "uid2_token_decrypt_total";
/// Counter: sharing-token encryptions, by `role` (`sharing`) and `status` (the official
/// status: `SUCCESS`, `KEYS_NOT_SYNCED`, ...). Published periodically (see [`TokenMetrics`]).
pub const TOKEN_ENCRYPT_TOTAL: &str = "uid2_token_encrypt_total";
/// Counter: key-refresh attempts, by `role` and `outcome` (see [`refresh_outcome`]).
pub const KEY_REFRESH_TOTAL: &str = "uid2_key_refresh_total";
/// Counter: operator calls, by `endpoint` (the path, e.g. `/v2/token/generate`) and
/// `status_class` (`2xx`, `4xx`, `5xx`, ..., `transport_error`, `timeout`).
pub const OPERATOR_REQUESTS_TOTAL: &str = "uid2_operator_requests_total";
/// Histogram: operator call latency in seconds, by `endpoint` and `status_class`.
pub const OPERATOR_REQUEST_DURATION_SECONDS: &str = "uid2_operator_request_duration_seconds";
/// Gauge: seconds since the current key set was fetched, by `role` (set by the refresh worker
/// each time it wakes, at least every 10 seconds in `uid2-tokio` and in `uid2-blocking`'s
/// refresh thread).
pub const KEY_SET_AGE_SECONDS: &str = "uid2_key_set_age_seconds";
/// Gauge: failed refresh attempts since the last success, by `role`.
pub const KEY_REFRESH_CONSECUTIVE_FAILURES: &str = "uid2_key_refresh_consecutive_failures";
/// Gauge: 1 while the refresh worker runs, 0 once it stopped or panicked, by `role`.
pub const KEY_REFRESH_WORKER_ALIVE: &str = "uid2_key_refresh_worker_alive";
/// Gauge: Unix time (seconds) of the last successful refresh, by `role`.
pub const KEY_REFRESH_LAST_SUCCESS_TIMESTAMP_SECONDS: &str =
    "uid2_key_refresh_last_success_timestamp_seconds";
/// Gauge: Unix time (seconds) when every key of the current key set has expired, by `role`.
pub const KEY_SET_EXPIRY_TIMESTAMP_SECONDS: &str = "uid2_key_set_expiry_timestamp_seconds";

/// The `role` label of a key client.
#[must_use]
pub const fn role(endpoint: KeyEndpoint) -> &'static str {
    match endpoint {
        KeyEndpoint::Bidstream => "bidstream",
        KeyEndpoint::Sharing => "sharing",
        _ => "other",
    }
}

/// The `outcome` label of a refresh event: `success`, or why it failed (`transport`,
/// `timeout`, `http_status`, `decrypt_failed`, `nonce_mismatch`, `response_malformed`,
/// `response_status`, `bad_key_set`, `envelope`, `other`).
#[must_use]
pub const fn refresh_outcome(event: &RefreshEvent) -> &'static str {
    match event {
        RefreshEvent::KeysUpdated(_) => "success",
        RefreshEvent::RefreshFailed { error, .. } => match error {
            RefreshError::Transport => "transport",
            RefreshError::Timeout => "timeout",
            RefreshError::KeySet(_) => "bad_key_set",
            RefreshError::Envelope(_) => "envelope",
            RefreshError::Response(r) => match r {
                ResponseError::HttpStatus(_) => "http_status",
                ResponseError::InvalidBase64
                | ResponseError::TooShort { .. }
                | ResponseError::DecryptFailed
                | ResponseError::RefreshDecryptFailed => "decrypt_failed",
                ResponseError::NonceMismatch => "nonce_mismatch",
                ResponseError::MalformedResponse { .. } => "response_malformed",
                ResponseError::UnexpectedStatus(_) | ResponseError::InsufficientUserConsent => {
                    "response_status"
                }
                _ => "other",
            },
            _ => "other",
        },
        _ => "other",
    }
}

/// The `status_class` label of an operator call's result.
#[must_use]
pub const fn status_class(result: &Result<HttpResponse, Error>) -> &'static str {
    match result {
        Ok(reply) => match reply.status {
            100..=199 => "1xx",
            200..=299 => "2xx",
            300..=399 => "3xx",
            400..=499 => "4xx",
            500..=599 => "5xx",
            _ => "other",
        },
        Err(Error::Timeout) => "timeout",
        Err(_) => "transport_error",
    }
}

/// Registers the descriptions (help text and units) of every metric with the installed
/// recorder. The adapters call it when a client is built; calling it again is harmless.
pub fn describe() {
    #[cfg(feature = "metrics")]
    {
        use metrics::Unit;
        metrics::describe_counter!(
            TOKEN_DECRYPT_TOTAL,
            Unit::Count,
            "UID2/EUID token decryptions by official status"
        );
        metrics::describe_counter!(
            TOKEN_ENCRYPT_TOTAL,
            Unit::Count,
            "UID2/EUID sharing-token encryptions by official status"
        );
        metrics::describe_counter!(
            KEY_REFRESH_TOTAL,
            Unit::Count,
            "key-set refresh attempts by outcome"
        );
        metrics::describe_counter!(
            OPERATOR_REQUESTS_TOTAL,
            Unit::Count,
            "operator calls by endpoint and HTTP status class"
        );
        metrics::describe_histogram!(
            OPERATOR_REQUEST_DURATION_SECONDS,
            Unit::Seconds,
            "operator call latency"
        );
        metrics::describe_gauge!(
            KEY_SET_AGE_SECONDS,
            Unit::Seconds,
            "time since the key set in use was fetched"
        );
        metrics::describe_gauge!(
            KEY_REFRESH_CONSECUTIVE_FAILURES,
            Unit::Count,
            "failed key-set refreshes since the last success"
        );
        metrics::describe_gauge!(
            KEY_REFRESH_WORKER_ALIVE,
            "1 while the key refresh worker runs, 0 once it stopped or panicked"
        );
        metrics::describe_gauge!(
            KEY_REFRESH_LAST_SUCCESS_TIMESTAMP_SECONDS,
            Unit::Seconds,
            "Unix time of the last successful key-set refresh"
        );
        metrics::describe_gauge!(
            KEY_SET_EXPIRY_TIMESTAMP_SECONDS,
            Unit::Seconds,
            "Unix time when every key of the key set in use has expired"
        );
    }
}

/// How many stripes of local counters a [`TokenMetrics`] keeps (a power of two).
#[cfg(feature = "metrics")]
const STRIPES: usize = 8;

/// One thread's share of a client's decryption and encryption counts, on cache lines of its
/// own so that threads counting at once do not contend.
#[cfg(feature = "metrics")]
#[derive(Debug, Default)]
#[repr(align(128))]
struct Stripe {
    decrypt: [core::sync::atomic::AtomicU64; uid2::token::DecryptStatus::ALL.len()],
    encrypt: [core::sync::atomic::AtomicU64; uid2::token::EncryptStatus::ALL.len()],
}

/// The stripe of the calling thread: threads are dealt stripes in turn, on first use.
#[cfg(feature = "metrics")]
#[inline]
fn stripe_index() -> usize {
    use core::cell::Cell;
    use core::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    std::thread_local! {
        static STRIPE: Cell<usize> = const { Cell::new(usize::MAX) };
    }
    STRIPE.with(|stripe| {
        let mut index = stripe.get();
        if index == usize::MAX {
            index = NEXT.fetch_add(1, Ordering::Relaxed) & (STRIPES - 1);
            stripe.set(index);
        }
        index
    })
}

/// Counts decryptions and encryptions by official status. Zero-sized without the `metrics`
/// feature.
///
/// Counting is a relaxed atomic add on a counter striped by thread (no allocation, no lock, no
/// registry lookup, no cache line shared between two threads that count at once);
/// [`publish`](Self::publish) sums the stripes into the recorder's counters, whose handles
/// were resolved when the client was built. The adapters publish every time their refresh
/// worker wakes (at least every 10 seconds) and whenever `refresh_status()` is read.
#[derive(Debug)]
pub struct TokenMetrics {
    #[cfg(feature = "metrics")]
    stripes: Box<[Stripe; STRIPES]>,
    #[cfg(feature = "metrics")]
    decrypt: [metrics::Counter; uid2::token::DecryptStatus::ALL.len()],
    #[cfg(feature = "metrics")]
    encrypt: Option<[metrics::Counter; uid2::token::EncryptStatus::ALL.len()]>,
}

impl TokenMetrics {
    /// The counters of a key client with `role`; `encrypts` says whether it encrypts (sharing)
    /// too, so that a bidstream client exports no encryption series.
    #[must_use]
    #[cfg_attr(
        not(feature = "metrics"),
        expect(unused_variables, reason = "nothing to record without the feature")
    )]
    pub fn new(role: &'static str, encrypts: bool) -> Self {
        describe();
        Self {
            #[cfg(feature = "metrics")]
            stripes: Box::default(),
            #[cfg(feature = "metrics")]
            decrypt: uid2::token::DecryptStatus::ALL.map(
                |s| metrics::counter!(TOKEN_DECRYPT_TOTAL, "role" => role, "status" => s.as_str()),
            ),
            #[cfg(feature = "metrics")]
            encrypt: encrypts.then(|| {
                uid2::token::EncryptStatus::ALL.map(|s| {
                    metrics::counter!(TOKEN_ENCRYPT_TOTAL, "role" => role, "status" => s.as_str())
                })
            }),
        }
    }

    /// Counts one decryption.
    #[inline]
    #[cfg_attr(
        not(feature = "metrics"),
        expect(unused_variables, reason = "nothing to record without the feature")
    )]
    pub fn decrypted<T>(&self, result: &Result<T, DecryptError>) {
        #[cfg(feature = "metrics")]
        {
            let status = match result {
                Ok(_) => uid2::token::DecryptStatus::Success,
                Err(e) => e.as_status(),
            };
            if let Some(count) = self
                .stripes
                .get(stripe_index())
                .and_then(|s| s.decrypt.get(status.index()))
            {
                count.fetch_add(1, core::sync::atomic::Ordering::Relaxed);
            }
        }
    }

    /// Counts one encryption.
    #[inline]
    #[cfg_attr(
        not(feature = "metrics"),
        expect(unused_variables, reason = "nothing to record without the feature")
    )]
    pub fn encrypted<T>(&self, result: &Result<T, EncryptError>) {
        #[cfg(feature = "metrics")]
        {
            let status = match result {
                Ok(_) => uid2::token::EncryptStatus::Success,
                Err(e) => e.as_status(),
            };
            if let Some(count) = self
                .stripes
                .get(stripe_index())
                .and_then(|s| s.encrypt.get(status.index()))
            {
                count.fetch_add(1, core::sync::atomic::Ordering::Relaxed);
            }
        }
    }

    /// Hands the counts to the recorder (each counter set to its running total, so publishing
    /// twice, or from two threads, counts nothing twice).
    pub fn publish(&self) {
        #[cfg(feature = "metrics")]
        {
            use core::sync::atomic::Ordering;
            let total = |pick: &dyn Fn(&Stripe) -> u64| {
                self.stripes
                    .iter()
                    .fold(0u64, |sum, stripe| sum.saturating_add(pick(stripe)))
            };
            for (i, counter) in self.decrypt.iter().enumerate() {
                counter.absolute(total(&|s| {
                    s.decrypt.get(i).map_or(0, |c| c.load(Ordering::Relaxed))
                }));
            }
            if let Some(counters) = &self.encrypt {
                for (i, counter) in counters.iter().enumerate() {
                    counter.absolute(total(&|s| {
                        s.encrypt.get(i).map_or(0, |c| c.load(Ordering::Relaxed))
                    }));
                }
            }
        }
    }
}

/// One operator call being measured: a `uid2.operator_call` span, then a counter, a latency
/// sample and an event when it finishes.
#[derive(Debug)]
#[must_use = "finish the call to record it"]
pub struct OperatorCall {
    #[cfg(any(feature = "metrics", feature = "tracing"))]
    endpoint: &'static str,
    #[cfg(any(feature = "metrics", feature = "tracing"))]
    started: std::time::Instant,
    #[cfg(feature = "tracing")]
    span: tracing::Span,
}

impl OperatorCall {
    /// Starts measuring a call to `endpoint` (the request's path).
    #[cfg_attr(
        not(any(feature = "metrics", feature = "tracing")),
        expect(unused_variables, reason = "nothing to record without the features")
    )]
    pub fn start(endpoint: &'static str) -> Self {
        Self {
            #[cfg(any(feature = "metrics", feature = "tracing"))]
            endpoint,
            #[cfg(any(feature = "metrics", feature = "tracing"))]
            started: SystemClock.monotonic(),
            #[cfg(feature = "tracing")]
            span: tracing::debug_span!(target: "uid2", "uid2.operator_call", endpoint),
        }
    }

    /// Records the call's outcome.
    #[cfg_attr(
        not(any(feature = "metrics", feature = "tracing")),
        expect(unused_variables, reason = "nothing to record without the features")
    )]
    pub fn finish(self, result: &Result<HttpResponse, Error>) {
        #[cfg(any(feature = "metrics", feature = "tracing"))]
        {
            let elapsed = SystemClock
                .monotonic()
                .saturating_duration_since(self.started);
            let class = status_class(result);
            #[cfg(feature = "metrics")]
            {
                let endpoint = self.endpoint;
                metrics::counter!(OPERATOR_REQUESTS_TOTAL, "endpoint" => endpoint, "status_class" => class)
                    .increment(1);
                metrics::histogram!(
                    OPERATOR_REQUEST_DURATION_SECONDS,
                    "endpoint" => endpoint,
                    "status_class" => class
                )
                .record(elapsed.as_secs_f64());
            }
            #[cfg(feature = "tracing")]
            {
                let duration_ms = u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX);
                let http_status = result.as_ref().ok().map(|r| r.status);
                if class == "2xx" {
                    tracing::debug!(
                        target: "uid2",
                        parent: &self.span,
                        endpoint = self.endpoint,
                        status_class = class,
                        http_status,
                        duration_ms,
                        "operator call completed"
                    );
                } else {
                    tracing::warn!(
                        target: "uid2",
                        parent: &self.span,
                        endpoint = self.endpoint,
                        status_class = class,
                        http_status,
                        duration_ms,
                        "operator call failed"
                    );
                }
            }
        }
    }
}

/// What a key client's refresh worker records: outcome counters, gauges and events, under its
/// `role` label.
#[derive(Debug, Clone, Copy)]
pub struct RefreshTelemetry {
    #[cfg_attr(
        not(any(feature = "metrics", feature = "tracing")),
        expect(dead_code, reason = "read only by the features")
    )]
    role: &'static str,
}

impl RefreshTelemetry {
    /// The telemetry of a key client polling `endpoint`.
    #[must_use]
    pub fn new(endpoint: KeyEndpoint) -> Self {
        describe();
        Self {
            role: role(endpoint),
        }
    }

    /// Records one refresh event (before it is handed to [`RefreshStatus::record`]).
    /// `retry_in_ms` is how long until the next attempt.
    #[cfg_attr(
        not(feature = "tracing"),
        expect(unused_variables, reason = "only the events read everything")
    )]
    pub fn event(&self, event: &RefreshEvent, retry_in_ms: i64) {
        #[cfg(any(feature = "metrics", feature = "tracing"))]
        let outcome = refresh_outcome(event);
        #[cfg(feature = "metrics")]
        metrics::counter!(KEY_REFRESH_TOTAL, "role" => self.role, "outcome" => outcome)
            .increment(1);
        #[cfg(feature = "tracing")]
        match event {
            RefreshEvent::KeysUpdated(keys) => tracing::info!(
                target: "uid2",
                role = self.role,
                outcome,
                keys = keys.keys().len(),
                keys_expire_ms = keys.latest_expiry().map(uid2::Timestamp::as_millis),
                next_refresh_in_ms = retry_in_ms,
                "key set refreshed"
            ),
            RefreshEvent::RefreshFailed {
                error,
                consecutive_failures,
                ..
            } => tracing::warn!(
                target: "uid2",
                role = self.role,
                outcome,
                http_status = match error {
                    RefreshError::Response(r) => r.http().map(|h| h.status()),
                    _ => None,
                },
                consecutive_failures,
                retry_in_ms,
                "key refresh failed; the current key set stays in use"
            ),
            _ => {}
        }
    }

    /// Sets the gauges from a status read with [`RefreshStatus::as_of`].
    #[cfg_attr(
        not(feature = "metrics"),
        expect(unused_variables, reason = "nothing to record without the feature")
    )]
    pub fn gauges(&self, status: &RefreshStatus) {
        #[cfg(feature = "metrics")]
        {
            let role = self.role;
            if let Some(age) = status.key_set_age {
                metrics::gauge!(KEY_SET_AGE_SECONDS, "role" => role).set(age.as_secs_f64());
            }
            metrics::gauge!(KEY_REFRESH_CONSECUTIVE_FAILURES, "role" => role)
                .set(f64::from(status.consecutive_failures));
            metrics::gauge!(KEY_REFRESH_WORKER_ALIVE, "role" => role)
                .set(if status.is_worker_alive() { 1.0 } else { 0.0 });
            if let Some(t) = status.last_success {
                metrics::gauge!(KEY_REFRESH_LAST_SUCCESS_TIMESTAMP_SECONDS, "role" => role)
                    .set(seconds(t));
            }
            if let Some(t) = status.keys_expire_at {
                metrics::gauge!(KEY_SET_EXPIRY_TIMESTAMP_SECONDS, "role" => role).set(seconds(t));
            }
        }
    }

    /// Records that the worker changed state (started, stopped or panicked).
    #[cfg_attr(
        not(any(feature = "metrics", feature = "tracing")),
        expect(unused_variables, reason = "nothing to record without the features")
    )]
    pub fn worker(&self, state: RefreshWorker) {
        #[cfg(feature = "metrics")]
        metrics::gauge!(KEY_REFRESH_WORKER_ALIVE, "role" => self.role).set(
            if state == RefreshWorker::Running {
                1.0
            } else {
                0.0
            },
        );
        #[cfg(feature = "tracing")]
        match state {
            RefreshWorker::Panicked => tracing::error!(
                target: "uid2",
                role = self.role,
                worker = state.as_str(),
                "key refresh worker panicked; keys will no longer be refreshed"
            ),
            _ => tracing::info!(
                target: "uid2",
                role = self.role,
                worker = state.as_str(),
                "key refresh worker state changed"
            ),
        }
    }
}

/// A timestamp as Unix seconds, for gauges.
#[cfg(feature = "metrics")]
#[expect(
    clippy::cast_precision_loss,
    clippy::as_conversions,
    reason = "a gauge is an f64; millisecond precision up to 2^53 ms is far beyond any date"
)]
fn seconds(t: uid2::Timestamp) -> f64 {
    t.as_millis() as f64 / 1000.0
}

#[cfg(all(test, feature = "metrics"))]
#[allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "test code: a failed expectation panics"
)]
mod tests {
    use std::collections::HashMap;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::{Arc, Mutex};

    use metrics::{
        Counter, Gauge, Histogram, Key, KeyName, Metadata, Recorder, SharedString, Unit,
    };
    use uid2::token::{DecryptError, EncryptError};

    use super::TokenMetrics;

    /// Counters as plain atomics, by name and labels.
    #[derive(Default)]
    struct Counters(Mutex<HashMap<String, Arc<AtomicU64>>>);

    impl Counters {
        fn get(&self, key: &str) -> u64 {
            self.0
                .lock()
                .unwrap()
                .get(key)
                .map_or(0, |c| c.load(Ordering::SeqCst))
        }
    }

    impl Recorder for Counters {
        fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
        fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
        fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
        fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
            let labels: Vec<String> = key.labels().map(|l| l.value().to_owned()).collect();
            let name = format!("{}{labels:?}", key.name());
            Counter::from_arc(Arc::clone(self.0.lock().unwrap().entry(name).or_default()))
        }
        fn register_gauge(&self, _: &Key, _: &Metadata<'_>) -> Gauge {
            Gauge::noop()
        }
        fn register_histogram(&self, _: &Key, _: &Metadata<'_>) -> Histogram {
            Histogram::noop()
        }
    }

    #[test]
    fn striped_counts_are_published_once_each() {
        let recorder = Counters::default();
        let metrics =
            metrics::with_local_recorder(&recorder, || TokenMetrics::new("sharing", true));
        let ok: Result<(), DecryptError> = Ok(());
        let not_synced: Result<(), DecryptError> = Err(DecryptError::KeysNotSynced);
        let sealed: Result<(), EncryptError> = Ok(());
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    for _ in 0..1000 {
                        metrics.decrypted(&ok);
                    }
                    metrics.decrypted(&not_synced);
                    metrics.encrypted(&sealed);
                });
            }
        });
        assert_eq!(
            recorder.get(r#"uid2_token_decrypt_total["sharing", "SUCCESS"]"#),
            0,
            "nothing reaches the recorder before publishing"
        );
        metrics.publish();
        metrics.publish();
        assert_eq!(
            recorder.get(r#"uid2_token_decrypt_total["sharing", "SUCCESS"]"#),
            4000
        );
        assert_eq!(
            recorder.get(r#"uid2_token_decrypt_total["sharing", "KEYS_NOT_SYNCED"]"#),
            4
        );
        assert_eq!(
            recorder.get(r#"uid2_token_encrypt_total["sharing", "SUCCESS"]"#),
            4
        );
        metrics.decrypted(&ok);
        metrics.publish();
        assert_eq!(
            recorder.get(r#"uid2_token_decrypt_total["sharing", "SUCCESS"]"#),
            4001
        );
    }
}
