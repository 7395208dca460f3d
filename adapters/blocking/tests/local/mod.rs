//! The loopback local operator (`uid2-local-operator`) on its own tokio runtime thread, for
//! the blocking clients to talk to.

#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    reason = "test support code: a failed expectation panics"
)]

use std::time::Duration;

use uid2_blocking::ClientConfig;
use uid2_local_operator::{LocalOperator, LocalOperatorConfig};

/// A running local operator; stops it (closing hung connections) on drop.
pub struct Local {
    runtime: tokio::runtime::Runtime,
    operator: Option<LocalOperator>,
}

impl Local {
    pub fn start() -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let operator = runtime
            .block_on(LocalOperator::start(LocalOperatorConfig::default()))
            .unwrap();
        Self {
            runtime,
            operator: Some(operator),
        }
    }

    pub fn op(&self) -> &LocalOperator {
        self.operator.as_ref().unwrap()
    }

    /// A client configuration for the test client, with short timeouts.
    pub fn config(&self) -> ClientConfig {
        let op = self.op();
        ClientConfig::new(&op.base_url(), op.api_key(), op.client_secret())
            .unwrap()
            .with_connect_timeout(Duration::from_secs(2))
            .with_timeout(Duration::from_secs(5))
    }
}

impl Drop for Local {
    fn drop(&mut self) {
        if let Some(op) = self.operator.take() {
            self.runtime.block_on(op.shutdown());
        }
    }
}
