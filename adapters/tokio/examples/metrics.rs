//! Operations visibility: a DSP's client exports its metrics in the Prometheus text format,
//! and the key-set age gauge rises while the operator is down.
//!
//! The `metrics` feature sends the client's counters, gauges and histograms to whichever
//! recorder the application installs; here it is `metrics-exporter-prometheus`, rendered to
//! text in process (a real service would serve `handle.render()` on its `/metrics` endpoint).
//! The example starts an embedded local operator, refreshes every second, stops the operator
//! for five seconds (its listening socket is closed, as when it is down) and brings it back:
//!
//! ```sh
//! cargo run -p uid2-tokio --features metrics --example tokio_metrics
//! ```

use core::time::Duration;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use uid2::operator::TokenGenerateRequest;
use uid2::operator::key_refresh::KeyRefreshConfig;
use uid2_local_operator::{Fault, LocalOperator, LocalOperatorConfig};
use uid2_tokio::{BidstreamClient, ClientConfig, PublisherClient};

/// The value of the first sample of `metric` whose labels contain `labels`.
fn sample(scrape: &str, metric: &str, labels: &str) -> Option<f64> {
    scrape
        .lines()
        .filter(|line| line.starts_with(metric) && line.contains(labels))
        .find_map(|line| line.rsplit(' ').next()?.parse().ok())
}

fn show(handle: &PrometheusHandle, moment: &str) {
    let scrape = handle.render();
    let role = r#"role="bidstream""#;
    println!(
        "{moment:<32} key-set age {:>5.1} s, failures in a row {}, worker alive {}",
        sample(&scrape, "uid2_key_set_age_seconds", role).unwrap_or(f64::NAN),
        sample(&scrape, "uid2_key_refresh_consecutive_failures", role).unwrap_or(f64::NAN),
        sample(&scrape, "uid2_key_refresh_worker_alive", role).unwrap_or(f64::NAN),
    );
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn core::error::Error>> {
    // 1. Install the recorder before building clients: they take their handles when built.
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(
            Matcher::Full("uid2_operator_request_duration_seconds".to_owned()),
            &[0.001, 0.005, 0.025, 0.1, 0.5, 2.5],
        )?
        .install_recorder()?;

    // 2. An operator and a DSP client that refreshes every second (1 s backoff at most).
    let operator = LocalOperator::start(LocalOperatorConfig::default()).await?;
    let mut schedule = KeyRefreshConfig::default();
    schedule.refresh_interval = Duration::from_secs(1);
    schedule.max_jitter = Duration::ZERO;
    schedule.initial_backoff = Duration::from_millis(250);
    schedule.max_backoff = Duration::from_secs(1);
    let config = ClientConfig::new(
        &operator.base_url(),
        operator.api_key(),
        operator.client_secret(),
    )?
    .with_key_refresh(schedule);
    let token = PublisherClient::new(config.clone())?
        .generate_token(TokenGenerateRequest::from_email("metrics@example.com")?)
        .await?
        .into_identity()
        .ok_or("no identity")?
        .advertising_token()
        .to_owned();
    let client = BidstreamClient::new(config)?;
    client.refresh().await?;

    // 3. Some bids: counted by official status, without a lock or an allocation.
    for _ in 0..1000 {
        let _ = client.decrypt_token_into_raw_uid(&token, Some("example.com"));
    }
    let _ = client.decrypt_token_into_raw_uid("not a token", None);
    show(&handle, "operator up");

    // 4. The operator goes down: the refresh fails and backs off; the key-set age rises while
    //    the last good key set stays in use.
    operator.set_fault(Fault::Outage);
    for second in 1..=5 {
        tokio::time::sleep(Duration::from_secs(1)).await;
        show(&handle, &format!("operator down for {second} s"));
    }
    let status = client.refresh_status();
    println!(
        "refresh status: {} failures in a row, last error: {}",
        status.consecutive_failures,
        status
            .last_error
            .as_ref()
            .map_or_else(|| "none".to_owned(), ToString::to_string)
    );

    // 5. It comes back: the next retry succeeds and the age drops.
    operator.clear_faults();
    tokio::time::sleep(Duration::from_secs(2)).await;
    show(&handle, "operator back for 2 s");

    // 6. What a Prometheus scrape of the process returns.
    println!("\n--- scrape ---\n{}", handle.render());
    Ok(())
}
