//! A local UID2/EUID operator: a real HTTP server on 127.0.0.1 that speaks the operator API,
//! built on the `uid2` core's own envelope, token and key code.
//!
//! It exists to test clients (the Rust adapters, the official SDKs) without network access:
//!
//! * **Endpoints**: `/v2/token/generate`, `/v2/token/refresh`, `/v2/token/validate`,
//!   `/v3/identity/map`, `/v2/identity/map`, `/v2/identity/buckets`, `/v2/key/sharing`,
//!   `/v2/key/bidstream` and `/v2/optout/status`, with the operator's authentication
//!   (`Authorization: Bearer`, roles, 401 `unauthorized`), envelope checks (400
//!   `client_error`) and error statuses.
//! * **Client-side token generation**: `/v2/token/client-generate` with key pairs derived from
//!   the seed ([`LocalOperatorConfig::client_side_keypairs`]), the origin or app-name check
//!   against the site's names (403 `invalid_http_origin` / `invalid_app_name`), and tokens
//!   flagged client-side generated, so that bidstream decryption applies its domain check.
//! * **Gigya**: a stand-in for SAP Customer Data Cloud's `accounts.getAccountInfo` on the same
//!   address (`/accounts.getAccountInfo`, plain HTTP), which checks the partner-secret signature
//!   (HMAC-SHA1, with the core's Gigya module) and the timestamp window, and answers as Gigya
//!   does: 400093 for another API key, 403003 "Invalid request signature", 403002 "Request has
//!   expired", otherwise the account of the `UID` asked for. Point a Gigya client at
//!   [`LocalOperator::gigya_host`] with [`LocalOperator::gigya_api_key`] and
//!   [`LocalOperator::gigya_secret`].
//! * **Deterministic data**: raw UIDs are derived from a seed and the hashed identity (and the
//!   identity's salt bucket, which rotates on a schedule); keys are derived from the seed and
//!   rotate every [`LocalOperatorConfig::key_rotation`]. The same seed gives the same raw UIDs
//!   and keys on every run.
//! * **Opt-out**: configured identities (and the documented test identities
//!   `optout@example.com` / `+00000000002`, and `refresh-optout@example.com` / `+00000000000` on
//!   refresh) get `optout`; [`LocalOperator::opt_out`] adds more while it runs.
//! * **Fault injection** at run time: latency, 401, 429, 500, any status, garbage bodies, replies
//!   sealed with the wrong key or nonce, requests that hang, and outages (connections refused).
//!   See [`Fault`].
//! * **Clock control**: [`LocalOperator::set_clock_offset`] and [`LocalOperator::set_time`].
//!
//! Out of scope: TLS, EUID consent evaluation, persistence, the public-suffix list (the origin
//! check accepts a host equal to or below a registered name), fault injection of sealing faults
//! on `/v2/token/client-generate`. It is a test server: the credentials are public test values.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use uid2_local_operator::{Fault, LocalOperator, LocalOperatorConfig};
//!
//! let operator = LocalOperator::start(LocalOperatorConfig::default()).await?;
//! let base_url = operator.base_url(); // http://127.0.0.1:<port>
//! let (api_key, secret) = (operator.api_key().to_owned(), operator.client_secret().to_owned());
//! // ... point a client at base_url with these credentials ...
//! operator.set_fault(Fault::RateLimited); // every request now gets 429
//! operator.clear_faults();
//! operator.shutdown().await;
//! # let _ = (base_url, api_key, secret);
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]
#![allow(
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing,
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    clippy::as_conversions,
    reason = "a std-only test server: these core lints do not fit it; client input is never indexed unchecked"
)]

mod config;
mod derive;
mod fault;
mod gigya;
mod http;
mod keys;
mod operator;
mod random;
mod record;

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use uid2::Timestamp;
use uid2::identity::IdentityKind;

pub use config::{
    ClientConfig, ClientSideKeypairConfig, DEFAULT_API_KEY, DEFAULT_CLIENT_SECRET,
    DEFAULT_GIGYA_API_KEY, DEFAULT_GIGYA_SECRET, DEFAULT_SITE_ID, DEFAULT_SUBSCRIPTION_ID,
    LocalOperatorConfig, Role, SiteConfig,
};
pub use fault::Fault;
pub use random::OsRandom;
pub use record::{MAX_RECORDED_REQUESTS, RecordedRequest};

use crate::fault::{FaultRule, outage};
use crate::http::Shared;
use crate::operator::{Operator, subjects_of};

/// A running local operator. Dropping it (or calling [`shutdown`](Self::shutdown)) stops the
/// server and closes every connection.
///
/// `Debug` shows the address only, never the credentials.
pub struct LocalOperator {
    shared: Arc<Shared>,
    addr: SocketAddr,
    shutdown: Option<watch::Sender<bool>>,
    task: Option<JoinHandle<()>>,
    /// The runtime [`start_blocking`](Self::start_blocking) made, if any.
    runtime: Option<tokio::runtime::Runtime>,
}

impl std::fmt::Debug for LocalOperator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalOperator")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl LocalOperator {
    /// Binds `127.0.0.1:<config.port>` (0 = any free port) and starts serving on the current
    /// tokio runtime.
    ///
    /// # Errors
    /// The bind error, or [`io::ErrorKind::InvalidInput`] when the configuration is unusable (a
    /// client secret that is not base64 of 32 bytes, a Gigya secret that is not base64, no
    /// clients, too many sites).
    pub async fn start(config: LocalOperatorConfig) -> io::Result<Self> {
        if config.clients.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "the configuration has no clients",
            ));
        }
        if uid2::gigya::GigyaSecret::from_base64(&config.gigya_secret).is_err() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "the gigya secret is not padded standard base64",
            ));
        }
        #[expect(
            clippy::disallowed_methods,
            reason = "the local operator is an adapter: it reads the system clock for the core"
        )]
        let now = Timestamp::from(std::time::SystemTime::now());
        let operator = Operator::new(config, now)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e.0))?;
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, operator.config.port)).await?;
        let addr = listener.local_addr()?;
        let (outage_tx, _) = watch::channel(false);
        let shared = Arc::new(Shared {
            operator,
            outage: outage_tx,
        });
        let (shutdown_tx, shutdown_rx) = watch::channel(false);
        let task = tokio::spawn(http::serve(
            listener,
            addr,
            Arc::clone(&shared),
            shutdown_rx,
        ));
        Ok(Self {
            shared,
            addr,
            shutdown: Some(shutdown_tx),
            task: Some(task),
            runtime: None,
        })
    }

    /// Starts the operator on a runtime of its own (one worker thread), for synchronous code
    /// and tests that have no tokio runtime. Dropping the handle stops the server and that
    /// runtime.
    ///
    /// # Errors
    /// As [`start`](Self::start), plus [`io::ErrorKind::Other`] when called from within a tokio
    /// runtime (use [`start`](Self::start) there) or when the runtime cannot be built.
    pub fn start_blocking(config: LocalOperatorConfig) -> io::Result<Self> {
        if tokio::runtime::Handle::try_current().is_ok() {
            return Err(io::Error::other(
                "start_blocking was called inside a tokio runtime; use LocalOperator::start",
            ));
        }
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("uid2-local-operator")
            .enable_all()
            .build()?;
        let mut operator = runtime.block_on(Self::start(config))?;
        operator.runtime = Some(runtime);
        Ok(operator)
    }

    /// The base URL to give clients: `http://127.0.0.1:<port>` (no trailing slash).
    #[must_use]
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The socket address the server listens on.
    #[must_use]
    pub const fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The configuration the operator runs with.
    #[must_use]
    pub fn config(&self) -> &LocalOperatorConfig {
        &self.shared.operator.config
    }

    /// The API key of the first configured client (the test client).
    #[must_use]
    pub fn api_key(&self) -> &str {
        self.config()
            .clients
            .first()
            .map_or("", |c| c.api_key.as_str())
    }

    /// The client secret (standard base64) of the first configured client.
    #[must_use]
    pub fn client_secret(&self) -> &str {
        self.config()
            .clients
            .first()
            .map_or("", |c| c.client_secret.as_str())
    }

    /// The subscription id of the first client-side key pair (empty when there is none).
    #[must_use]
    pub fn client_side_subscription_id(&self) -> &str {
        self.shared
            .operator
            .first_client_side()
            .map_or("", |(id, _)| id)
    }

    /// The public key of the first client-side key pair, in the published text form
    /// (`UID2-X-L-…`, or `EUID-X-L-…`; empty when there is none).
    #[must_use]
    pub fn client_side_public_key(&self) -> &str {
        self.shared
            .operator
            .first_client_side()
            .map_or("", |(_, key)| key)
    }

    /// The host (`127.0.0.1:<port>`) to send Gigya calls to instead of Gigya's
    /// (`GigyaConfig::with_host_override`, over plain HTTP): it serves `accounts.getAccountInfo`.
    #[must_use]
    pub fn gigya_host(&self) -> String {
        self.addr.to_string()
    }

    /// The API key the Gigya endpoint accepts.
    #[must_use]
    pub fn gigya_api_key(&self) -> &str {
        &self.config().gigya_api_key
    }

    /// The partner secret (standard base64) Gigya calls must be signed with.
    #[must_use]
    pub fn gigya_secret(&self) -> &str {
        &self.config().gigya_secret
    }

    /// The site id of the first configured client.
    #[must_use]
    pub fn site_id(&self) -> i32 {
        self.shared.operator.first_client().map_or(0, |(_, s)| s)
    }

    // -----------------------------------------------------------------------------------------
    // Fault injection
    // -----------------------------------------------------------------------------------------

    fn update_faults(&self, f: impl FnOnce(&mut Vec<FaultRule>)) {
        let down = {
            let mut rt = self.shared.operator.runtime();
            f(&mut rt.faults);
            outage(&rt.faults)
        };
        self.shared.outage.send_replace(down);
    }

    /// Applies `fault` to every request until changed. [`Fault::None`] clears the global fault
    /// (path and counted faults stay).
    pub fn set_fault(&self, fault: Fault) {
        self.update_faults(|rules| {
            rules.retain(|r| r.path.is_some() || r.remaining.is_some());
            if fault != Fault::None {
                rules.push(FaultRule {
                    fault,
                    path: None,
                    remaining: None,
                });
            }
        });
    }

    /// Applies `fault` to requests to `path` (for example `/v2/key/sharing`) until changed; it
    /// takes precedence over the global fault. [`Fault::None`] removes the path's fault.
    pub fn set_path_fault(&self, path: &str, fault: Fault) {
        self.update_faults(|rules| {
            rules.retain(|r| r.remaining.is_some() || r.path.as_deref() != Some(path));
            if fault != Fault::None {
                rules.push(FaultRule {
                    fault,
                    path: Some(path.into()),
                    remaining: None,
                });
            }
        });
    }

    /// Applies `fault` to the next `requests` requests (any path), then answers as before.
    /// Counted faults come first (in the order they were set), before path and global faults.
    /// With [`Fault::Outage`] the affected connections are closed but new ones are accepted.
    pub fn fault_next(&self, requests: u32, fault: Fault) {
        if requests == 0 {
            return;
        }
        self.update_faults(|rules| {
            rules.push(FaultRule {
                fault,
                path: None,
                remaining: Some(requests),
            });
        });
    }

    /// Removes every fault: all requests are answered normally (latency is kept).
    pub fn clear_faults(&self) {
        self.update_faults(Vec::clear);
    }

    /// Delays every answer by `latency` (after the request body is read). Zero removes it.
    pub fn set_latency(&self, latency: Duration) {
        self.shared.operator.runtime().latency = latency;
    }

    // -----------------------------------------------------------------------------------------
    // Clock
    // -----------------------------------------------------------------------------------------

    /// The operator's current time (system time plus offset, or the fixed time).
    #[must_use]
    pub fn now(&self) -> Timestamp {
        self.shared.operator.now()
    }

    /// Shifts the operator's clock by `offset_ms` milliseconds from the system clock (negative =
    /// behind). Requests more than two minutes away from the operator's clock are rejected.
    pub fn set_clock_offset(&self, offset_ms: i64) {
        self.shared.operator.runtime().clock.offset_ms = offset_ms;
    }

    /// Fixes the operator's clock at `time`; `None` returns to the (offset) system clock.
    pub fn set_time(&self, time: Option<Timestamp>) {
        self.shared.operator.runtime().clock.fixed = time;
    }

    // -----------------------------------------------------------------------------------------
    // Data
    // -----------------------------------------------------------------------------------------

    /// Opts out an email, a phone number or an email/phone hash, from now on. Returns `false`
    /// when the entry is none of those.
    pub fn opt_out(&self, entry: &str) -> bool {
        let subjects = subjects_of(entry);
        let now = self.now();
        let mut rt = self.shared.operator.runtime();
        for s in &subjects {
            rt.opt_out.entry(*s).or_insert(now);
        }
        !subjects.is_empty()
    }

    /// The number of requests received for `path` (faulted ones included).
    #[must_use]
    pub fn request_count(&self, path: &str) -> u64 {
        self.shared
            .operator
            .runtime()
            .requests
            .get(path)
            .copied()
            .unwrap_or(0)
    }

    /// The last requests received (at most [`MAX_RECORDED_REQUESTS`]), oldest first: method,
    /// path, `Content-Type`, `X-UID2-Client-Version`, `User-Agent`, whether `Authorization` was
    /// sent, and the body length.
    #[must_use]
    pub fn recorded_requests(&self) -> Vec<RecordedRequest> {
        self.shared.operator.runtime().log.iter().cloned().collect()
    }

    /// The number of requests received on every path.
    #[must_use]
    pub fn total_requests(&self) -> u64 {
        self.shared.operator.runtime().requests.values().sum()
    }

    fn subject(entry: &str) -> Option<derive::Subject> {
        subjects_of(entry).into_iter().next()
    }

    /// The raw UID the operator maps an email or phone number (or a hash, read as an email
    /// hash) to right now, as identity map v3 reports it in `u`.
    #[must_use]
    pub fn raw_uid(&self, email_or_phone: &str) -> Option<String> {
        let s = Self::subject(email_or_phone)?;
        Some(self.shared.operator.map_subject(s, self.now()).raw_uid)
    }

    /// A v4 advertising token for an email or phone number, as token generate would issue it for
    /// `site_id`, but with `client_side_generated` choosing the CSTG privacy bit (so that the
    /// bidstream domain check applies). `None` for an invalid identity or an unknown site.
    #[must_use]
    pub fn advertising_token(
        &self,
        email_or_phone: &str,
        site_id: i32,
        client_side_generated: bool,
    ) -> Option<String> {
        let s = Self::subject(email_or_phone)?;
        let now = self.now();
        let uid = self.shared.operator.map_subject(s, now).raw_uid;
        let bits = if client_side_generated { 0b11 } else { 0b01 };
        let kind = if s.kind == IdentityKind::Phone {
            IdentityKind::Phone
        } else {
            IdentityKind::Email
        };
        self.shared
            .operator
            .advertising_token(&uid, kind, site_id, now, now, bits)
            .ok()
    }

    /// The decrypted `/v2/key/sharing` document a client of `site_id` would receive now.
    #[must_use]
    pub fn sharing_key_set_json(&self, site_id: i32) -> String {
        let body = self
            .shared
            .operator
            .sharing_body_for_site(site_id, self.now());
        serde_json::json!({"body": body, "status": "success"}).to_string()
    }

    /// The decrypted `/v2/key/bidstream` document a client would receive now.
    #[must_use]
    pub fn bidstream_key_set_json(&self) -> String {
        let body = self.shared.operator.bidstream_body(self.now());
        serde_json::json!({"body": body, "status": "success"}).to_string()
    }

    /// Stops accepting, closes every connection and waits for the server task to end.
    pub async fn shutdown(mut self) {
        self.shutdown.take();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for LocalOperator {
    fn drop(&mut self) {
        self.shutdown.take();
        if let Some(task) = self.task.take() {
            task.abort();
        }
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}
