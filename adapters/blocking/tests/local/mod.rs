//! The loopback local operator (`uid2-local-operator`), started with its own runtime thread
//! (`LocalOperator::start_blocking`), for the blocking clients to talk to.

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

/// A running local operator; dropping it stops the server (closing hung connections).
pub struct Local {
    operator: LocalOperator,
}

impl Local {
    pub fn start() -> Self {
        Self {
            operator: LocalOperator::start_blocking(LocalOperatorConfig::default()).unwrap(),
        }
    }

    pub fn op(&self) -> &LocalOperator {
        &self.operator
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
