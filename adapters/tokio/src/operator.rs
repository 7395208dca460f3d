//! What every operator client shares: the configuration, the transport and one bounded call.

use std::sync::Arc;

use uid2::envelope::OperatorRequest;
use uid2_http::telemetry::OperatorCall;

use crate::config::ClientConfig;
use crate::error::Error;
use crate::transport::{Header, HttpResponse, HyperTransport, Transport};

/// Configuration and transport, shared by a client's clones and its background task.
#[derive(Debug)]
pub(crate) struct Operator<T> {
    pub(crate) config: ClientConfig,
    pub(crate) transport: T,
}

impl Operator<HyperTransport> {
    pub(crate) fn with_default_transport(config: ClientConfig) -> Result<Arc<Self>, Error> {
        let transport = HyperTransport::for_config(&config)?;
        Ok(Arc::new(Self { config, transport }))
    }
}

impl<T: Transport> Operator<T> {
    pub(crate) fn new(config: ClientConfig, transport: T) -> Arc<Self> {
        Arc::new(Self { config, transport })
    }

    /// Sends what the core built: `request`'s path, headers and body (or `body` when given,
    /// to avoid a copy), bounded by the configured timeout.
    pub(crate) async fn send(
        &self,
        request: &OperatorRequest<'_>,
        body: Option<Vec<u8>>,
    ) -> Result<HttpResponse, Error> {
        let url = request.url(&self.config.base_url);
        let mut headers: Vec<Header<'_>> = request
            .headers()
            .map(|h| Header::new(h.name(), h.value(), h.is_sensitive()))
            .collect();
        headers.push(Header::new("User-Agent", &self.config.user_agent, false));
        let body = body.unwrap_or_else(|| request.body().to_vec());
        let limit = uid2_http::effective_reply_limit(
            request.max_response_len(),
            self.config.max_response_bytes,
        );
        let call = OperatorCall::start(request.path());
        let result = bounded(
            self.config.timeout,
            limit,
            self.transport.post(&url, &headers, body, limit),
        )
        .await;
        call.finish(&result);
        result
    }
}

/// Runs a transport call within `timeout`, whose reply body is bounded by `limit`; a connect
/// timeout also counts as [`Error::Timeout`], a body past `limit` is
/// [`Error::ResponseTooLarge`].
pub(crate) async fn bounded(
    timeout: std::time::Duration,
    limit: usize,
    call: impl Future<Output = Result<HttpResponse, crate::TransportError>>,
) -> Result<HttpResponse, Error> {
    match tokio::time::timeout(timeout, call).await {
        Err(_) => Err(Error::Timeout),
        Ok(result) => uid2_http::bounded_reply(result, limit),
    }
}
