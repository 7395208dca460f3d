//! Blocking UID2 and EUID clients: the sans-IO [`uid2`] core driven over ureq and OS threads.
//!
//! # What this crate does, and what it leaves to the core
//!
//! Every protocol decision lives in the [`uid2`] core: it builds each operator request (the
//! envelope, the JSON, the headers), reads each reply (the nonce check, the status mapping, the
//! key-set parsing) and schedules key refreshes. This crate only moves bytes and keeps time: it
//! reads the system clock, draws OS entropy, sends what the core built through a [`Transport`]
//! (ureq by default), sleeps on threads and shares key sets between threads.
//!
//! # Role clients
//!
//! | role | client | operator endpoints |
//! | --- | --- | --- |
//! | publisher | [`PublisherClient`] | `/v2/token/generate`, `/v2/token/refresh`, `/v2/token/validate` |
//! | publisher without an API key (CTV, mobile back ends, edge) | [`CstgClient`] | `/v2/token/client-generate`, `/v2/token/refresh` |
//! | advertiser, data provider | [`IdentityMapV3Client`] | `/v3/identity/map` |
//! | advertiser (legacy) | [`IdentityMapClient`] | `/v2/identity/map`, `/v2/identity/buckets` |
//! | opt-out monitoring | [`OptOutStatusClient`] | `/v2/optout/status` |
//! | DSP | [`BidstreamClient`] | `/v2/key/bidstream`, then local decryption |
//! | sharer | [`SharingClient`] | `/v2/key/sharing`, then local encryption and decryption |
//! | SAP Customer Data Cloud | [`GigyaClient`] | any Gigya API method |
//!
//! Every client is built from a [`ClientConfig`] (or a [`GigyaConfig`]), is `Send + Sync`, and
//! reports failures as one [`Error`] type.
//!
//! # Example
//!
//! ```no_run
//! use uid2::envelope::Environment;
//! use uid2_blocking::{BidstreamClient, ClientConfig};
//!
//! let config = ClientConfig::for_environment(Environment::UID2_INTEGRATION, "my-api-key", "my-base64-secret")?;
//! let client = BidstreamClient::new(config)?;
//! client.refresh()?; // fetch the key set once
//! let _refresher = client.start_refresh_thread()?; // then keep it fresh in the background
//! match client.decrypt_token_into_raw_uid("A4AAA...", Some("example.com")) {
//!     Ok(token) => println!("raw uid {}", token.uid().as_str()),
//!     Err(e) => println!("no bid: {e}"),
//! }
//! # Ok::<(), uid2_blocking::Error>(())
//! ```
//!
//! # Threads
//!
//! Decryption and encryption never lock and never allocate: they read an immutable
//! `Arc<KeySet>` snapshot that a refresh replaces atomically. A background refresh thread
//! ([`BidstreamClient::start_refresh_thread`]) follows the core's
//! [`KeyRefresher`](uid2::operator::key_refresh::KeyRefresher) schedule and stops when its
//! guard is dropped.
//!
//! # Operations visibility
//!
//! `refresh_status()` on the bidstream and sharing clients returns a [`RefreshStatus`]: last
//! success, key-set age, failures in a row, last error, next attempt and whether the refresh
//! thread runs ([`RefreshWorker`]). The optional `metrics` feature sends counters (per official
//! decryption and encryption status, per refresh outcome, per operator endpoint and HTTP status
//! class), latency histograms and gauges to the `metrics` facade; the optional `tracing` feature
//! emits spans and events under the target `uid2`. The README lists the names and labels.

#![forbid(unsafe_code)]
#![allow(
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    reason = "an adapter is std-only by design: threads, sockets and the system clock live here"
)]

mod clock;
mod config;
mod cstg;
mod error;
mod gigya;
mod identity_map;
mod identity_map_v3;
mod keys;
mod operator;
mod optout;
mod publisher;
mod random;
mod retry;
mod transport;

pub use config::{
    ClientConfig, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT, RetryConfig,
};
pub use cstg::CstgClient;
pub use error::{CoreError, Error};
pub use gigya::{GigyaClient, GigyaConfig};
pub use identity_map::IdentityMapClient;
pub use identity_map_v3::IdentityMapV3Client;
pub use keys::{BidstreamClient, RefreshGuard, RefreshStatus, RefreshWorker, SharingClient};
pub use optout::OptOutStatusClient;
pub use publisher::PublisherClient;
pub use random::OsRandom;
pub use transport::{
    Header, HttpResponse, Transport, TransportError, TransportErrorKind, UreqTransport,
};

/// The core crate, re-exported so that its request, response and key types are at hand.
pub use uid2;
/// The configuration of a [`CstgClient`].
pub use uid2_http::{
    BaseUrl, CstgConfig, EnvProxy, ErrorChain, bounded_reply, effective_reply_limit,
};

/// The README's code, compiled as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
