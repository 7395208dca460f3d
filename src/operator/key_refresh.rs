//! Key refresh for bidstream and sharing clients, as a state machine driven by the caller.
//!
//! [`KeyRefresher`] decides when to fetch `/v2/key/bidstream` or `/v2/key/sharing`, builds the
//! sealed request, reads the reply into a [`KeySet`], and schedules the next attempt: hourly
//! (plus jitter) after a success, with capped exponential backoff after failures. It never
//! sleeps, reads a clock or touches the network; the caller drives it.
//!
//! # How to drive it
//!
//! ```text
//! loop {
//!     // 1. Wait until `poll_timeout()` (or until shutdown), then:
//!     refresher.handle_timeout(now);
//!     // 2. Send whatever is due.
//!     if let Some(request) = refresher.poll_transmit(now, &mut rng)? {
//!         match http.post(request.path(), request.headers(), request.body()) {
//!             Ok(reply) => refresher.handle_response(now, reply.status, reply.content_type, &mut reply.body),
//!             Err(_) => refresher.handle_transport_error(now),
//!         }
//!     }
//!     // 3. Drain the events: install new key sets, log failures.
//!     while let Some(event) = refresher.poll_event() {
//!         match event {
//!             RefreshEvent::KeysUpdated(keys) => current.store(Arc::new(keys)),
//!             RefreshEvent::RefreshFailed { .. } => { /* keep using the current key set */ }
//!             _ => {}
//!         }
//!     }
//! }
//! ```
//!
//! The schedule is exact: after a success the next refresh is due
//! `refresh_interval + max_jitter × j / 2^32` later, where `j` is a `u32` drawn from the random
//! source with each request (little-endian, before the envelope's IV and nonce); after the n-th
//! failure in a row it is due `b + (b / 10) × j / 2^32` later, with
//! `b = min(initial_backoff × 2^(n-1), max_backoff)`. `test-vectors/key_refresh.json` holds
//! traces of it.
//!
//! [`KeyRefresher::request_refresh`] moves the next attempt forward only while no failure is
//! pending; after a failure the backoff holds, so callers that ask for a refresh on every
//! decryption failure cannot make the client hammer an operator that is down.
//!
//! After every `handle_*` call, drain `poll_transmit` and then `poll_event` before waiting
//! again. A failed refresh never produces a key set: keep using the last good one (it stays
//! usable until its keys expire; decryption then reports `KEYS_NOT_SYNCED`).
//!
//! ```
//! use uid2::envelope::Credentials;
//! use uid2::operator::key_refresh::{KeyEndpoint, KeyRefreshConfig, KeyRefresher};
//! use uid2::random::OsRandom; // the `getrandom` feature
//! use uid2::Timestamp;
//!
//! let credentials = Credentials::from_strings("my-api-key", "ioG3wKxAokmp+rERx6A4kM/13qhyolUXIu14WN16Spo=")?;
//! let now = Timestamp::from_millis(1_700_000_000_000);
//! let mut refresher = KeyRefresher::new(KeyEndpoint::Bidstream, credentials, KeyRefreshConfig::default(), now);
//! assert_eq!(refresher.poll_timeout(), Some(now)); // the first refresh is due at once
//!
//! let mut rng = OsRandom;
//! let request = refresher.poll_transmit(now, &mut rng)?.expect("a refresh is due");
//! assert_eq!(request.path(), "/v2/key/bidstream");
//!
//! // The operator did not answer: the refresher backs off and says so.
//! refresher.handle_transport_error(now);
//! assert!(refresher.poll_event().is_some());
//! assert!(refresher.poll_timeout() > Some(now));
//! # Ok::<(), Box<dyn core::error::Error>>(())
//! ```

use alloc::collections::VecDeque;
use alloc::vec::Vec;
use core::fmt;
use core::time::Duration;

use zeroize::Zeroize as _;

use crate::envelope::{
    self, BodyEncoding, Credentials, EnvelopeError, OperatorRequest, PendingResponse, ResponseError,
};
use crate::{KeySet, KeySetError, SecureRandom, Timestamp};

/// Which key endpoint a refresher polls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyEndpoint {
    /// `POST /v2/key/bidstream`: keys for decrypting bid requests (DSPs).
    Bidstream,
    /// `POST /v2/key/sharing`: keys for encrypting and decrypting sharing tokens.
    Sharing,
}

impl KeyEndpoint {
    /// The endpoint's path.
    #[must_use]
    pub const fn path(self) -> &'static str {
        match self {
            Self::Bidstream => "/v2/key/bidstream",
            Self::Sharing => "/v2/key/sharing",
        }
    }
}

/// Timing of a [`KeyRefresher`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct KeyRefreshConfig {
    /// Time between successful refreshes (default 1 hour).
    pub refresh_interval: Duration,
    /// Random delay added to each scheduled refresh, up to this much (default 5 minutes), so that
    /// many clients do not refresh in step.
    pub max_jitter: Duration,
    /// Delay before the first retry after a failure (default 1 second); it doubles with every
    /// further consecutive failure.
    pub initial_backoff: Duration,
    /// The longest delay between retries (default 5 minutes).
    pub max_backoff: Duration,
    /// How long a request may stay unanswered before it counts as failed (default 30 seconds).
    pub response_timeout: Duration,
}

impl Default for KeyRefreshConfig {
    fn default() -> Self {
        Self {
            refresh_interval: Duration::from_secs(3600),
            max_jitter: Duration::from_secs(300),
            initial_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(300),
            response_timeout: Duration::from_secs(30),
        }
    }
}

/// Why a refresh attempt failed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RefreshError {
    /// The reply was not a valid envelope for this request, or an HTTP or operator error
    /// (check the API key, client secret and environment).
    Response(ResponseError),
    /// The reply opened, but its key set was rejected.
    KeySet(KeySetError),
    /// The request could not be sent or its reply not received.
    Transport,
    /// No reply within [`KeyRefreshConfig::response_timeout`].
    Timeout,
    /// The request could not be sealed (the random source failed).
    Envelope(EnvelopeError),
}

impl fmt::Display for RefreshError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Response(e) => write!(f, "key refresh reply rejected: {e}"),
            Self::KeySet(e) => write!(f, "key refresh returned a bad key set: {e}"),
            Self::Transport => f.write_str("key refresh request could not be completed"),
            Self::Timeout => f.write_str("key refresh request timed out"),
            Self::Envelope(e) => write!(f, "key refresh request could not be built: {e}"),
        }
    }
}

impl core::error::Error for RefreshError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Response(e) => Some(e),
            Self::KeySet(e) => Some(e),
            Self::Envelope(e) => Some(e),
            Self::Transport | Self::Timeout => None,
        }
    }
}

/// What happened, for the caller to act on. Events hand over ownership.
#[derive(Debug)]
#[non_exhaustive]
pub enum RefreshEvent {
    /// A new key set arrived: install it (e.g. swap an `Arc<KeySet>`).
    KeysUpdated(KeySet),
    /// An attempt failed; the current key set stays in use and the next attempt is at
    /// `retry_at`.
    RefreshFailed {
        /// Why it failed.
        error: RefreshError,
        /// Failures in a row, this one included.
        consecutive_failures: u32,
        /// When the next attempt is due.
        retry_at: Timestamp,
    },
}

enum State {
    /// The next attempt is due at this time.
    Waiting(Timestamp),
    /// A request is out; it fails if unanswered by the deadline.
    InFlight {
        pending: PendingResponse,
        deadline: Timestamp,
    },
}

/// The key-refresh state machine; see the [module docs](self) for how to drive it.
pub struct KeyRefresher {
    endpoint: KeyEndpoint,
    credentials: Credentials,
    config: KeyRefreshConfig,
    state: State,
    body: Vec<u8>,
    /// A random value in [0, 1) × 2^32, drawn when a request is sealed, spreads the next delay.
    jitter: u32,
    failures: u32,
    last_success: Option<Timestamp>,
    keys_expire: Option<Timestamp>,
    events: VecDeque<RefreshEvent>,
}

impl fmt::Debug for KeyRefresher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyRefresher")
            .field("endpoint", &self.endpoint)
            .field("credentials", &self.credentials)
            .field("in_flight", &self.is_in_flight())
            .field("next", &self.poll_timeout())
            .field("consecutive_failures", &self.failures)
            .field("last_success", &self.last_success)
            .finish_non_exhaustive()
    }
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

impl KeyRefresher {
    /// A refresher whose first refresh is due at `now`.
    #[must_use]
    pub fn new(
        endpoint: KeyEndpoint,
        credentials: Credentials,
        config: KeyRefreshConfig,
        now: Timestamp,
    ) -> Self {
        Self {
            endpoint,
            credentials,
            config,
            state: State::Waiting(now),
            body: Vec::new(),
            jitter: 0,
            failures: 0,
            last_success: None,
            keys_expire: None,
            events: VecDeque::new(),
        }
    }

    /// The endpoint this refresher polls.
    #[must_use]
    pub const fn endpoint(&self) -> KeyEndpoint {
        self.endpoint
    }

    /// When the caller should next call [`handle_timeout`](Self::handle_timeout): the next
    /// attempt, or the deadline of the request in flight.
    #[must_use]
    pub const fn poll_timeout(&self) -> Option<Timestamp> {
        match &self.state {
            State::Waiting(due) => Some(*due),
            State::InFlight { deadline, .. } => Some(*deadline),
        }
    }

    /// Advances time: a request unanswered past its deadline fails with
    /// [`RefreshError::Timeout`]. A due attempt is then returned by
    /// [`poll_transmit`](Self::poll_transmit).
    pub fn handle_timeout(&mut self, now: Timestamp) {
        if let State::InFlight { deadline, .. } = &self.state
            && now >= *deadline
        {
            self.fail(now, RefreshError::Timeout);
        }
    }

    /// The request to send, when an attempt is due at `now` and none is in flight. Draws the
    /// envelope's IV and nonce and a jitter value from `rng`. The envelope carries `now` as its
    /// timestamp; a caller that schedules on another clock than the wall clock uses
    /// [`poll_transmit_with_request_time`](Self::poll_transmit_with_request_time).
    ///
    /// # Errors
    /// [`EnvelopeError`] when the request cannot be sealed (the random source failed); the
    /// attempt then counts as failed and is retried after backoff.
    pub fn poll_transmit(
        &mut self,
        now: Timestamp,
        rng: &mut impl SecureRandom,
    ) -> Result<Option<OperatorRequest<'_>>, EnvelopeError> {
        self.poll_transmit_with_request_time(now, now, rng)
    }

    /// [`poll_transmit`](Self::poll_transmit) with the envelope's timestamp given apart from
    /// the schedule's `now`.
    ///
    /// The refresher only compares the `now` values of its `handle_*` and `poll_*` calls with
    /// one another and adds delays to them, so a caller may drive the schedule with a monotonic
    /// clock expressed as [`Timestamp`]s (one that a step of the wall clock cannot move back).
    /// The operator, however, checks the request's timestamp against its own wall clock (it
    /// refuses a request more than about a minute off): `request_time` is that wall-clock time,
    /// and is used for nothing else. `poll_timeout`, `retry_at`, `last_success` and
    /// `key_set_age_millis` are then on the caller's schedule clock.
    ///
    /// # Errors
    /// As [`poll_transmit`](Self::poll_transmit).
    pub fn poll_transmit_with_request_time(
        &mut self,
        now: Timestamp,
        request_time: Timestamp,
        rng: &mut impl SecureRandom,
    ) -> Result<Option<OperatorRequest<'_>>, EnvelopeError> {
        match self.state {
            State::Waiting(due) if now >= due => {}
            _ => return Ok(None),
        }
        let sealed = self.seal(request_time, rng);
        match sealed {
            Ok(pending) => {
                let deadline = now.saturating_add_millis(millis(self.config.response_timeout));
                self.state = State::InFlight { pending, deadline };
                Ok(Some(OperatorRequest::new(
                    self.endpoint.path(),
                    Some(self.credentials.api_key()),
                    BodyEncoding::Text,
                    &self.body,
                )))
            }
            Err(e) => {
                self.fail(now, RefreshError::Envelope(e));
                Err(e)
            }
        }
    }

    fn seal(
        &mut self,
        request_time: Timestamp,
        rng: &mut impl SecureRandom,
    ) -> Result<PendingResponse, EnvelopeError> {
        let mut jitter = [0u8; 4];
        rng.fill(&mut jitter).map_err(EnvelopeError::Random)?;
        self.jitter = u32::from_le_bytes(jitter);
        let len = envelope::sealed_body_len(0, BodyEncoding::Text)
            .ok_or(EnvelopeError::PayloadTooLarge { len: 0 })?;
        self.body.clear();
        self.body.resize(len, 0);
        let (written, pending) = envelope::seal_request(
            self.credentials.secret(),
            request_time,
            rng,
            &[],
            BodyEncoding::Text,
            &mut self.body,
        )?;
        self.body.truncate(written);
        Ok(pending)
    }

    /// Feeds the reply to the request in flight: `status` is the HTTP status, `content_type`
    /// the `Content-Type` header, `body` the bytes (opened in place). A reply while nothing is in
    /// flight (for example after a timeout) is ignored. Otherwise `body` is wiped (all zeros)
    /// once read, whatever the outcome: the opened document holds every key secret in clear.
    pub fn handle_response(
        &mut self,
        now: Timestamp,
        status: u16,
        content_type: Option<&str>,
        body: &mut [u8],
    ) {
        let State::InFlight { .. } = self.state else {
            return;
        };
        let State::InFlight { pending, .. } =
            core::mem::replace(&mut self.state, State::Waiting(now))
        else {
            return;
        };
        let parsed = pending
            .open(status, content_type, body)
            .map_err(RefreshError::Response)
            .and_then(|opened| KeySet::parse(opened.document()).map_err(RefreshError::KeySet));
        // The opened document holds every key secret in clear: wipe it, whatever the outcome.
        body.zeroize();
        match parsed {
            Ok(keys) => {
                self.failures = 0;
                self.last_success = Some(now);
                self.keys_expire = keys.latest_expiry();
                let delay = millis(self.config.refresh_interval)
                    .saturating_add(self.jittered(self.config.max_jitter));
                self.state = State::Waiting(now.saturating_add_millis(delay));
                self.events.push_back(RefreshEvent::KeysUpdated(keys));
            }
            Err(error) => self.fail(now, error),
        }
    }

    /// The request in flight could not be completed (connection refused, reset, the caller's own
    /// timeout, ...). Nothing happens when no request is in flight.
    pub fn handle_transport_error(&mut self, now: Timestamp) {
        if matches!(self.state, State::InFlight { .. }) {
            self.fail(now, RefreshError::Transport);
        }
    }

    /// Asks for an attempt at `now`, ahead of the schedule (a caller's "refresh now").
    ///
    /// - While the last attempt succeeded (or before the first attempt), the next attempt is
    ///   moved to `now`.
    /// - While failures are pending (the last attempt failed), the backoff holds: the next
    ///   attempt stays at its retry time. A caller that asks on every `NOT_INITIALIZED` or
    ///   `KEYS_NOT_SYNCED` therefore never sends more requests to an operator that is down
    ///   than the backoff schedule does.
    /// - When a request is already in flight nothing changes: its reply is the answer.
    ///
    /// The failure count, the last success and the key expiry carry on, so a forced attempt
    /// that fails backs off from where the schedule was, not from the start.
    ///
    /// Returns whether an attempt is due at `now`: follow with
    /// [`poll_transmit`](Self::poll_transmit). When it is `false`, [`poll_timeout`](Self::poll_timeout)
    /// says when the next attempt (or the request in flight's deadline) is.
    pub fn request_refresh(&mut self, now: Timestamp) -> bool {
        match self.state {
            State::Waiting(due) if self.failures > 0 => due <= now,
            State::Waiting(due) => {
                if due > now {
                    self.state = State::Waiting(now);
                }
                true
            }
            State::InFlight { .. } => false,
        }
    }

    /// The next event, oldest first.
    pub fn poll_event(&mut self) -> Option<RefreshEvent> {
        self.events.pop_front()
    }

    /// Whether a request is waiting for its reply.
    #[must_use]
    pub const fn is_in_flight(&self) -> bool {
        matches!(self.state, State::InFlight { .. })
    }

    /// When the last successful refresh completed.
    #[must_use]
    pub const fn last_success(&self) -> Option<Timestamp> {
        self.last_success
    }

    /// How old the current key set is at `now`, in milliseconds (`None` before the first
    /// success).
    #[must_use]
    pub fn key_set_age_millis(&self, now: Timestamp) -> Option<i64> {
        self.last_success.map(|t| now.saturating_millis_since(t))
    }

    /// When every key of the last key set received expires; from then on decryption reports
    /// `KEYS_NOT_SYNCED` until a refresh succeeds.
    #[must_use]
    pub const fn keys_expire_at(&self) -> Option<Timestamp> {
        self.keys_expire
    }

    /// Failed attempts since the last success.
    #[must_use]
    pub const fn consecutive_failures(&self) -> u32 {
        self.failures
    }

    /// `max × jitter / 2^32`, in milliseconds.
    fn jittered(&self, max: Duration) -> i64 {
        let scaled = u128::from(self.jitter).saturating_mul(max.as_millis()) >> 32;
        i64::try_from(scaled).unwrap_or(i64::MAX)
    }

    fn fail(&mut self, now: Timestamp, error: RefreshError) {
        self.failures = self.failures.saturating_add(1);
        let exponent = self.failures.saturating_sub(1).min(62);
        let backoff = millis(self.config.initial_backoff)
            .saturating_mul(1i64 << exponent)
            .min(millis(self.config.max_backoff));
        // Up to 10% more, so that clients that failed together do not retry together.
        let spread = self.jittered(Duration::from_millis(
            u64::try_from(backoff / 10).unwrap_or(0),
        ));
        let retry_at = now.saturating_add_millis(backoff.saturating_add(spread));
        self.state = State::Waiting(retry_at);
        self.events.push_back(RefreshEvent::RefreshFailed {
            error,
            consecutive_failures: self.failures,
            retry_at,
        });
    }
}
