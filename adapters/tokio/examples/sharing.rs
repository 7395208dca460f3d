//! A sharing participant: encrypt raw UID2s into sharing tokens and decrypt tokens received.
//!
//! Runs against a real operator when `UID2_BASE_URL`, `UID2_API_KEY` and `UID2_SECRET_KEY` are
//! set (optionally `UID2_RAW_UID`), otherwise against an embedded local operator:
//!
//! ```sh
//! cargo run --example tokio_sharing
//! ```

mod common;

use uid2_tokio::SharingClient;

#[tokio::main]
async fn main() -> Result<(), Box<dyn core::error::Error>> {
    let operator = common::operator().await?;
    let raw_uid = std::env::var("UID2_RAW_UID")
        .unwrap_or_else(|_| "ywsvDNINiZOVSsfkHpLpSJzXzhr6Jx9Z/4Q0+lsEUvM=".into());

    let client = SharingClient::new(operator.config.clone())?;
    client.refresh().await?;

    // Sender.
    let token = client.encrypt_raw_uid_into_token(&raw_uid)?;
    println!("sharing token: {}", token.as_str());

    // Receiver (here the same participant).
    let decrypted = client.decrypt_token_into_raw_uid(token.as_str())?;
    println!(
        "decrypted raw UID2 {} (round trip ok: {})",
        decrypted.uid().as_str(),
        decrypted.uid().as_str() == raw_uid
    );
    Ok(())
}
