//! Shared by the examples: a real operator from the environment, or an embedded local one.
#![allow(dead_code, reason = "each example uses part of it")]

use uid2_local_operator::{LocalOperator, LocalOperatorConfig};
use uid2_tokio::ClientConfig;

/// A domain of the local operator's default site (for the bidstream domain check).
pub(crate) const LOCAL_SITE_DOMAIN: &str = "example.com";

/// Where the example runs: a real operator, or the embedded loopback one (kept alive here).
pub(crate) struct Operator {
    pub(crate) config: ClientConfig,
    pub(crate) local: Option<LocalOperator>,
}

impl Operator {
    pub(crate) fn is_local(&self) -> bool {
        self.local.is_some()
    }
}

/// `UID2_BASE_URL`, `UID2_API_KEY` and `UID2_SECRET_KEY` when all are set; otherwise an
/// embedded operator on 127.0.0.1.
pub(crate) async fn operator() -> Result<Operator, Box<dyn core::error::Error>> {
    let var = |name| std::env::var(name).ok().filter(|v: &String| !v.is_empty());
    if let (Some(url), Some(key), Some(secret)) = (
        var("UID2_BASE_URL"),
        var("UID2_API_KEY"),
        var("UID2_SECRET_KEY"),
    ) {
        println!("operator: {url} (from UID2_BASE_URL)");
        return Ok(Operator {
            config: ClientConfig::new(&url, &key, &secret)?,
            local: None,
        });
    }
    let local = LocalOperator::start(LocalOperatorConfig::default()).await?;
    println!(
        "operator: embedded local operator at {} (set UID2_BASE_URL, UID2_API_KEY and UID2_SECRET_KEY to use a real one)",
        local.base_url()
    );
    Ok(Operator {
        config: ClientConfig::new(&local.base_url(), local.api_key(), local.client_secret())?,
        local: Some(local),
    })
}
