//! The advertiser / data provider role: `POST /v3/identity/map`.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use uid2::operator::identity_map_v3::{
    BatchLimits, IdentityMapV3Input, IdentityMapV3Request, IdentityMapV3Response,
};

use crate::error::Error;
use crate::operator::Operator;
use crate::retry::{Cancel, with_retries};

/// Maps emails, phone numbers and their hashes to raw UID2s with `POST /v3/identity/map`.
///
/// [`map`](Self::map) sends one request; [`map_bulk`](Self::map_bulk) splits any number of
/// identities into batches within the operator's limits, sends up to
/// [`RetryConfig::max_in_flight`](crate::RetryConfig::max_in_flight) of them at once, retries
/// rate-limited or failed batches with backoff, and merges the results.
///
/// ```no_run
/// use uid2::operator::identity_map_v3::IdentityMapV3Input;
/// use uid2_blocking::{ClientConfig, IdentityMapV3Client};
///
/// let client = IdentityMapV3Client::new(ClientConfig::new("https://operator-integ.uidapi.com", "key", "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI=")?)?;
/// let mut input = IdentityMapV3Input::new();
/// input.add_email("user@example.com")?;
/// let response = client.map_bulk(input)?;
/// if let Some(mapped) = response.get_mapped("user@example.com") {
///     println!("raw uid {}", mapped.current_raw_uid());
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct IdentityMapV3Client {
    operator: Operator,
}

impl IdentityMapV3Client {
    crate::operator::operator_client_constructors!();

    /// Maps every identity of `input` in one request (no retry).
    ///
    /// # Errors
    /// [`Error::Transport`], [`Error::Timeout`], [`Error::Http`] (429 when rate limited, 413
    /// when the body is too large: use [`map_bulk`](Self::map_bulk)), or [`Error::Core`] when the
    /// reply is rejected.
    pub fn map(&self, input: IdentityMapV3Input) -> Result<IdentityMapV3Response, Error> {
        self.send(&input.into_request())
    }

    /// Maps any number of identities: splits them with the core's batcher
    /// ([`BatchLimits::DEFAULT`]), sends the batches in parallel (at most
    /// [`max_in_flight`](crate::RetryConfig::max_in_flight) at once), retries HTTP 429, 5xx and
    /// connection failures with jittered exponential backoff, and merges the results in input
    /// order. Every attempt is a new envelope.
    ///
    /// # Errors
    /// The error of the first batch (in input order) that failed for good; the other batches
    /// are then abandoned. [`Error::Core`] with a batch error when one identity alone exceeds
    /// the body limit.
    pub fn map_bulk(&self, input: IdentityMapV3Input) -> Result<IdentityMapV3Response, Error> {
        let batches = input.into_batches(BatchLimits::DEFAULT)?;
        let mut merged = IdentityMapV3Response::default();
        let mut failure = None;
        // A batch is missing only when a failure cancelled the run before it was sent.
        for outcome in self.send_all(&batches).into_iter().flatten() {
            match outcome {
                Ok(response) => merged.merge(response),
                Err(e) => {
                    failure.get_or_insert(e);
                }
            }
        }
        match failure {
            Some(e) => Err(e),
            None => Ok(merged),
        }
    }

    /// Sends every batch, `max_in_flight` at a time, and returns the outcomes in batch order
    /// (`None` for batches abandoned after a failure).
    fn send_all(
        &self,
        batches: &[IdentityMapV3Request],
    ) -> Vec<Option<Result<IdentityMapV3Response, Error>>> {
        let retry = self.operator.retry;
        let workers = retry.max_in_flight.clamp(1, batches.len().max(1));
        let next = AtomicUsize::new(0);
        let cancel = Cancel::default();
        let slots: Vec<Mutex<Option<Result<IdentityMapV3Response, Error>>>> =
            batches.iter().map(|_| Mutex::new(None)).collect();
        let work = || {
            loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                let (Some(batch), Some(slot)) = (batches.get(index), slots.get(index)) else {
                    return;
                };
                if cancel.is_cancelled() {
                    return;
                }
                let result = with_retries(&retry, &cancel, || self.send(batch));
                if result.is_err() {
                    cancel.cancel();
                }
                if let Ok(mut slot) = slot.lock() {
                    *slot = Some(result);
                }
            }
        };
        std::thread::scope(|scope| {
            for _ in 1..workers {
                scope.spawn(work);
            }
            work();
        });
        slots
            .into_iter()
            .map(|slot| slot.into_inner().ok().flatten())
            .collect()
    }

    fn send(&self, request: &IdentityMapV3Request) -> Result<IdentityMapV3Response, Error> {
        self.operator.call(request)
    }
}
