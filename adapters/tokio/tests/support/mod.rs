//! Shared by the integration tests: the local operator and a client configuration for it.
#![allow(dead_code, reason = "each test file uses part of it")]

pub mod gigya_mock;

use std::time::Duration;

use uid2_local_operator::{LocalOperator, LocalOperatorConfig};
use uid2_tokio::ClientConfig;

/// A local operator on 127.0.0.1 with the default configuration.
pub(crate) async fn operator() -> LocalOperator {
    LocalOperator::start(LocalOperatorConfig::default())
        .await
        .unwrap()
}

/// A configuration for `op` with short bounds (5 s per call, 2 s to connect).
pub(crate) fn config(op: &LocalOperator) -> ClientConfig {
    ClientConfig::new(&op.base_url(), op.api_key(), op.client_secret())
        .unwrap()
        .with_timeout(Duration::from_secs(5))
        .with_connect_timeout(Duration::from_secs(2))
}
