//! A sharing participant: encrypt raw UID2s into sharing tokens and decrypt tokens received.
//!
//! Runs against a real operator when `UID2_BASE_URL`, `UID2_API_KEY` and `UID2_SECRET_KEY` are
//! set (optionally `UID2_RAW_UID`), otherwise against an embedded local operator:
//!
//! ```sh
//! cargo run --example tokio_sharing
//! ```

mod common;

use std::process::ExitCode;

use uid2_tokio::SharingClient;

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(code) => code,
    }
}

async fn run() -> Result<(), ExitCode> {
    let operator = common::operator().await?;
    let raw_uid = common::var("UID2_RAW_UID")
        .unwrap_or_else(|| "ywsvDNINiZOVSsfkHpLpSJzXzhr6Jx9Z/4Q0+lsEUvM=".into());

    let client = SharingClient::new(operator.config.clone())
        .map_err(|e| operator.fail("creating the sharing client", &e))?;
    client
        .refresh()
        .await
        .map_err(|e| operator.fail("key refresh", &e))?;

    // Sender.
    let token = client
        .encrypt_raw_uid_into_token(&raw_uid)
        .map_err(|e| operator.fail("encrypting the raw UID2", &e))?;
    println!("sharing token: {}", token.as_str());

    // Receiver (here the same participant).
    let decrypted = client
        .decrypt_token_into_raw_uid(token.as_str())
        .map_err(|e| operator.fail("decrypting the sharing token", &e))?;
    println!(
        "decrypted raw UID2 {} (round trip ok: {})",
        decrypted.uid().as_str(),
        decrypted.uid().as_str() == raw_uid
    );
    Ok(())
}
