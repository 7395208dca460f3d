//! What every operator role client shares: the connection settings and the send step.

use std::sync::Arc;
use std::time::Duration;

use uid2::envelope::{Credentials, OperatorRequest};
use uid2::operator::OperatorCall;
use uid2_http::telemetry::OperatorCall as CallTelemetry;

use crate::clock;
use crate::config::{ClientConfig, RetryConfig};
use crate::error::Error;
use crate::random::OsRandom;
use crate::transport::{Header, HttpResponse, Transport, UreqTransport};

/// One operator: base URL, credentials, transport and timeout.
#[derive(Clone)]
pub(crate) struct Operator {
    base_url: uid2_http::BaseUrl,
    credentials: Credentials,
    transport: Arc<dyn Transport>,
    timeout: Duration,
    max_response_bytes: usize,
    pub(crate) allow_plain_json_refresh: bool,
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
    /// An operator reached through the default ureq transport.
    pub(crate) fn new(config: &ClientConfig) -> Self {
        Self::with_transport(config, Arc::new(UreqTransport::from_config(config)))
    }

    pub(crate) fn with_transport(config: &ClientConfig, transport: Arc<dyn Transport>) -> Self {
        Self {
            base_url: config.base_url.clone(),
            credentials: config.credentials.clone(),
            transport,
            timeout: config.timeout,
            max_response_bytes: config.max_response_bytes,
            allow_plain_json_refresh: config.allow_plain_json_refresh,
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
        let limit =
            uid2_http::effective_reply_limit(request.max_response_len(), self.max_response_bytes);
        let call = CallTelemetry::start(request.path());
        let result = uid2_http::bounded_reply(
            self.transport
                .post(&url, &headers, request.body(), self.timeout, limit),
            limit,
        );
        call.finish(&result);
        result
    }

    /// Seals a request for the endpoint the core assigns it (path and body encoding are the
    /// core's), sends it, and has the core open and read the reply. A new envelope (time, IV,
    /// nonce) is made on every call.
    pub(crate) fn call<R: OperatorCall>(&self, request: &R) -> Result<R::Response, Error> {
        let (sealed, pending) = request.seal(&self.credentials, clock::now(), &mut OsRandom)?;
        let mut reply = self.send(&sealed.request())?;
        Ok(pending.open(reply.status, reply.content_type.as_deref(), &mut reply.body)?)
    }
}

/// The constructors every operator role client shares.
macro_rules! operator_client_constructors {
    () => {
        /// A client for `config` over the default ureq transport.
        ///
        /// # Errors
        /// None today; the `Result` keeps the signature of the async adapter.
        pub fn new(config: $crate::ClientConfig) -> Result<Self, $crate::Error> {
            Ok(Self {
                operator: $crate::operator::Operator::new(&config),
            })
        }

        /// A client for `config` that sends through `transport`.
        #[must_use]
        pub fn with_transport<T: $crate::Transport>(
            config: $crate::ClientConfig,
            transport: T,
        ) -> Self {
            Self {
                operator: $crate::operator::Operator::with_transport(
                    &config,
                    ::std::sync::Arc::new(transport),
                ),
            }
        }
    };
}
pub(crate) use operator_client_constructors;
