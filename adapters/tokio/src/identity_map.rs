//! Identity map clients: v3 (with a bulk helper), legacy v2 with salt buckets, and opt-out
//! status.

use std::sync::Arc;

use futures_util::stream::{self, StreamExt as _};
use uid2::Timestamp;
use uid2::operator::OperatorCall;
use uid2::operator::identity_map_v2::{IdentityMapV2Request, IdentityMapV2Response};
use uid2::operator::identity_map_v3::{
    BatchLimits, IdentityMapV3Input, IdentityMapV3Request, IdentityMapV3Response,
};
use uid2::operator::optout_status::{OptoutStatusRequest, OptoutStatusResponse};
use uid2::operator::salt_buckets::{SaltBucket, SaltBucketsRequest};

use crate::clock::{self, OsRandom};
use crate::config::ClientConfig;
use crate::error::Error;
use crate::operator::Operator;
use crate::transport::{HyperTransport, Transport};

impl<T: Transport> Operator<T> {
    /// One sealed call: the core seals `request` for its endpoint, the reply is sent back to
    /// the core's pending value, which opens and reads it.
    pub(crate) async fn call<R: OperatorCall>(&self, request: &R) -> Result<R::Response, Error> {
        let credentials = &self.config.credentials;
        let (sealed, pending) = request.seal(credentials, clock::now(), &mut OsRandom)?;
        let http = sealed.request();
        let reply = self.send(&http, None).await?;
        let mut body = reply.body;
        Ok(pending.open(reply.status, reply.content_type.as_deref(), &mut body)?)
    }
}

macro_rules! client_common {
    ($name:ident) => {
        impl<T> Clone for $name<T> {
            fn clone(&self) -> Self {
                Self {
                    operator: Arc::clone(&self.operator),
                }
            }
        }

        impl $name<HyperTransport> {
            /// A client over the default transport.
            ///
            /// # Errors
            /// [`Error::InvalidConfig`] when the TLS configuration cannot be built.
            pub fn new(config: ClientConfig) -> Result<Self, Error> {
                Ok(Self {
                    operator: Operator::with_default_transport(config)?,
                })
            }
        }

        impl<T: Transport> $name<T> {
            /// A client over a caller-supplied transport.
            #[must_use]
            pub fn with_transport(config: ClientConfig, transport: T) -> Self {
                Self {
                    operator: Operator::new(config, transport),
                }
            }
        }
    };
}

/// Maps emails, phone numbers and their hashes to raw UID2s (`POST /v3/identity/map`).
/// Cheap to clone.
///
/// [`map`](Self::map) sends one request, as the official SDKs do;
/// [`map_bulk`](Self::map_bulk) splits any number of identities into batches within the
/// operator's limits, keeps up to [`RetryConfig::max_in_flight`](crate::RetryConfig) of them
/// in flight, retries rate-limited and failed batches with backoff, and merges the results.
#[derive(Debug)]
pub struct IdentityMapV3Client<T = HyperTransport> {
    operator: Arc<Operator<T>>,
}

client_common!(IdentityMapV3Client);

impl<T: Transport> IdentityMapV3Client<T> {
    /// Maps every identity of `input` in one request (no retry).
    ///
    /// # Errors
    /// [`Error::Http`] (e.g. 413 for a body over the operator's limit: use
    /// [`map_bulk`](Self::map_bulk)), [`Error::Core`] for a reply that does not open or
    /// parse, [`Error::Transport`], [`Error::Timeout`].
    pub async fn map(&self, input: IdentityMapV3Input) -> Result<IdentityMapV3Response, Error> {
        self.send_batch(&input.into_request()).await
    }

    /// Maps any number of identities: batches of at most 5,000 identities and 1 MiB each,
    /// at most `retry.max_in_flight` in flight, each retried per
    /// [`ClientConfig::retry`] on transport errors, timeouts, HTTP 429 and 5xx. Results are
    /// merged in input order (a later duplicate of an input wins, as within one request).
    ///
    /// # Errors
    /// [`Error::Core`] when one identity alone exceeds the body limit (nothing is sent);
    /// otherwise the first error of a batch that failed for good (the other batches in flight
    /// are cancelled).
    pub async fn map_bulk(
        &self,
        input: IdentityMapV3Input,
    ) -> Result<IdentityMapV3Response, Error> {
        let batches = input.into_batches(BatchLimits::default())?;
        let in_flight = self.operator.config.retry.max_in_flight.max(1);
        // Collected first: a lazy `map` closure inside the stream would make this future !Send.
        let calls: Vec<_> = batches.iter().map(|b| self.send_with_retry(b)).collect();
        let mut results = stream::iter(calls).buffered(in_flight);
        let mut merged = IdentityMapV3Response::default();
        while let Some(result) = results.next().await {
            merged.merge(result?);
        }
        Ok(merged)
    }

    async fn send_with_retry(
        &self,
        request: &IdentityMapV3Request,
    ) -> Result<IdentityMapV3Response, Error> {
        let policy = self.operator.config.retry;
        let mut attempt = 1u32;
        loop {
            match self.send_batch(request).await {
                Err(e) if e.is_retryable() && attempt < policy.max_attempts.max(1) => {
                    tokio::time::sleep(policy.backoff(attempt, clock::random_u32())).await;
                    attempt = attempt.saturating_add(1);
                }
                other => return other,
            }
        }
    }

    async fn send_batch(
        &self,
        request: &IdentityMapV3Request,
    ) -> Result<IdentityMapV3Response, Error> {
        self.operator.call(request).await
    }
}

/// The legacy identity map (`POST /v2/identity/map`, retired 2026-09-30) and the rotated salt
/// buckets (`POST /v2/identity/buckets`). Prefer [`IdentityMapV3Client`]. Cheap to clone.
#[derive(Debug)]
pub struct IdentityMapClient<T = HyperTransport> {
    operator: Arc<Operator<T>>,
}

client_common!(IdentityMapClient);

impl<T: Transport> IdentityMapClient<T> {
    /// Maps the identities of `request` (one kind per request).
    ///
    /// # Errors
    /// As [`IdentityMapV3Client::map`].
    pub async fn generate_identity_map(
        &self,
        request: IdentityMapV2Request,
    ) -> Result<IdentityMapV2Response, Error> {
        self.operator.call(&request).await
    }

    /// The salt buckets that rotated since `since`, in the operator's order.
    ///
    /// # Errors
    /// [`Error::Core`] when `since` cannot be expressed; otherwise as
    /// [`IdentityMapV3Client::map`].
    pub async fn get_identity_buckets(&self, since: Timestamp) -> Result<Vec<SaltBucket>, Error> {
        let request = SaltBucketsRequest::since(since)?;
        self.operator.call(&request).await
    }
}

/// Which raw UID2s opted out, and since when (`POST /v2/optout/status`). Cheap to clone.
#[derive(Debug)]
pub struct OptOutStatusClient<T = HyperTransport> {
    operator: Arc<Operator<T>>,
}

client_common!(OptOutStatusClient);

impl<T: Transport> OptOutStatusClient<T> {
    /// Asks about the raw UID2s of `request` (at most 5,000).
    ///
    /// # Errors
    /// As [`IdentityMapV3Client::map`].
    pub async fn get_optout_status(
        &self,
        request: OptoutStatusRequest,
    ) -> Result<OptoutStatusResponse, Error> {
        self.operator.call(&request).await
    }
}
