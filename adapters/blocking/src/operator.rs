//! What every operator role client shares: the connection settings and the send step.

use std::sync::Arc;
use std::time::Duration;

use uid2::envelope::{BodyEncoding, Credentials, OperatorRequest};

use crate::clock;
use crate::config::{ClientConfig, RetryConfig};
use crate::error::Error;
use crate::random::OsRandom;
use crate::transport::{Header, HttpResponse, Transport};

/// One operator: base URL, credentials, transport and timeout.
#[derive(Clone)]
pub(crate) struct Operator {
    base_url: String,
    credentials: Credentials,
    transport: Arc<dyn Transport>,
    timeout: Duration,
    pub(crate) retry: RetryConfig,
}

impl std::fmt::Debug for Operator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Operator")
            .field("base_url", &self.base_url)
            .field("credentials", &self.credentials)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl Operator {
    pub(crate) fn new(config: &ClientConfig) -> Self {
        Self {
            base_url: config.base_url.clone(),
            credentials: config.credentials.clone(),
            transport: config.build_transport(),
            timeout: config.timeout,
            retry: config.retry,
        }
    }

    pub(crate) const fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// Sends a request the core built and returns the raw reply.
    pub(crate) fn send(&self, request: &OperatorRequest<'_>) -> Result<HttpResponse, Error> {
        let url = request.url(&self.base_url);
        let headers: Vec<Header<'_>> = request
            .headers()
            .map(|h| Header::new(h.name(), h.value(), h.is_sensitive()))
            .collect();
        Ok(self
            .transport
            .post(&url, &headers, request.body(), self.timeout)?)
    }

    /// Seals `payload` for `path`, sends it, opens the reply and returns the response
    /// document. A new envelope (time, IV, nonce) is made on every call.
    pub(crate) fn call(
        &self,
        path: &'static str,
        payload: &[u8],
        encoding: BodyEncoding,
    ) -> Result<Vec<u8>, Error> {
        let (sealed, pending) =
            self.credentials
                .seal(path, payload, encoding, clock::now(), &mut OsRandom)?;
        let mut reply = self.send(&sealed.request())?;
        let opened = pending.open(reply.status, reply.content_type.as_deref(), &mut reply.body)?;
        Ok(opened.document().to_vec())
    }
}
