//! Async UID2 / EUID clients on tokio, hyper 1 and rustls, over the sans-IO [`uid2`] core.
//!
//! The core builds every request and reads every reply; this crate moves the bytes, keeps the
//! time and draws the entropy. It adds no protocol logic of its own beyond the bulk
//! identity-map retry policy ([`RetryConfig`]).
//!
//! | role | client | operator endpoints |
//! | --- | --- | --- |
//! | publisher | [`PublisherClient`] | `/v2/token/generate`, `/v2/token/refresh`, `/v2/token/validate` |
//! | publisher without an API key (CTV, mobile back ends, edge) | [`CstgClient`] | `/v2/token/client-generate`, `/v2/token/refresh` |
//! | advertiser / data provider | [`IdentityMapV3Client`], [`IdentityMapClient`] (legacy), [`OptOutStatusClient`] | `/v3/identity/map`, `/v2/identity/map`, `/v2/identity/buckets`, `/v2/optout/status` |
//! | DSP | [`BidstreamClient`] | `/v2/key/bidstream` (refreshed in the background) |
//! | sharer | [`SharingClient`] | `/v2/key/sharing` (refreshed in the background) |
//! | Gigya | [`GigyaClient`] | any Gigya API method |
//!
//! # In scope / out of scope
//!
//! In scope: connection pooling, TLS (rustls with the AWS-LC provider and the webpki roots),
//! connect and whole-call timeouts, the background key refresh task, bounded concurrency and
//! retries for bulk identity mapping, and proxies when asked for:
//! [`ClientConfig::with_proxy_from_env`] reads `HTTPS_PROXY` / `ALL_PROXY` / `NO_PROXY` for
//! `https://` requests (never `HTTP_PROXY`, nothing under CGI; see [`EnvProxy`]), and
//! [`HyperTransport::with_proxy`] tunnels through a given proxy. Out of scope: redirects (never
//! followed), automatic retries of token generate and refresh.
//!
//! # Operations visibility
//!
//! `refresh_status()` on the bidstream and sharing clients returns a [`RefreshStatus`]: last
//! success, key-set age, failures in a row, last error, next attempt and whether the background
//! task is alive ([`RefreshWorker`]). The optional `metrics` feature sends counters (per official
//! decryption and encryption status, per refresh outcome, per operator endpoint and HTTP status
//! class), latency histograms and gauges to the `metrics` facade; the optional `tracing` feature
//! emits spans and events under the target `uid2`. The README lists the names and labels.
//!
//! # Example: a DSP
//!
//! ```no_run
//! # async fn run() -> Result<(), uid2_tokio::Error> {
//! use uid2::envelope::Environment;
//! use uid2_tokio::{BidstreamClient, ClientConfig};
//!
//! let config = ClientConfig::for_environment(Environment::UID2_PRODUCTION, "my-api-key", "bXktc2VjcmV0LWJhc2U2NC0zMi1ieXRlcy1sb25nLi4=")?;
//! let client = BidstreamClient::new(config)?; // refreshes hourly in the background
//! client.refresh().await?;                    // wait for the first key set
//! let decrypted = client.decrypt_token_into_raw_uid("A4AAA...", Some("example.com"));
//! # let _ = decrypted;
//! # Ok(()) }
//! ```
//!
//! # Time and randomness
//!
//! Only this crate reads `SystemTime::now()` (converted with `Timestamp::from`) and the OS
//! generator ([`OsRandom`], over getrandom). The `*_at` methods take `now` explicitly.
//!
//! # Errors
//!
//! Every call returns [`Error`]: [`Error::Transport`], [`Error::Timeout`], [`Error::Http`]
//! (with the operator's `status` and `message`), or [`Error::Core`] (what the core rejected),
//! with `source()` chains. Decryption and encryption return the core's `DecryptError` and
//! `EncryptError`, whose `as_status()` gives the official status names.
#![forbid(unsafe_code)]
#![allow(
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    clippy::alloc_instead_of_core,
    reason = "an std adapter: the no_std import lints only make sense in the core"
)]

mod bidstream;
mod clock;
mod config;
mod cstg;
mod error;
mod gigya;
mod identity_map;
mod operator;
mod publisher;
mod refresher;
mod sharing;
mod transport;

pub use bidstream::BidstreamClient;
pub use clock::OsRandom;
pub use config::{ClientConfig, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT};
pub use cstg::CstgClient;
pub use error::{CoreError, Error, TransportError, TransportErrorKind};
pub use gigya::{GigyaClient, GigyaConfig};
pub use identity_map::{IdentityMapClient, IdentityMapV3Client, OptOutStatusClient};
pub use publisher::PublisherClient;
pub use refresher::{RefreshStatus, RefreshWorker};
pub use sharing::SharingClient;
pub use transport::{DEFAULT_MAX_RESPONSE_BYTES, Header, HttpResponse, HyperTransport, Transport};
pub use uid2_http::{
    BaseUrl, CstgConfig, EnvProxy, ErrorChain, RetryConfig, bounded_reply, effective_reply_limit,
};

/// The core crate, re-exported so that callers use the same version.
pub use uid2;
