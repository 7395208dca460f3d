//! Sharer: encrypt a raw UID2 into a sharing token and decrypt it back.
//!
//! `UID2_BASE_URL=... UID2_API_KEY=... UID2_SECRET_KEY=... cargo run -p uid2-blocking --example sharing -- <raw uid>`

#![allow(
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    reason = "examples are std programs"
)]

mod common;

use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(config) = common::config_from_env() else {
        return ExitCode::FAILURE;
    };
    let Ok(client) = uid2_blocking::SharingClient::new(config) else {
        return ExitCode::FAILURE;
    };
    if let Err(e) = client.refresh() {
        eprintln!("key refresh failed: {e}");
        return ExitCode::FAILURE;
    }
    let raw_uid = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "ywsvDNINiZOVSsfkHpLpSJzXzhr6Jx9Z/4Q0+lsEUvM=".to_owned());
    let token = match client.encrypt_raw_uid_into_token(&raw_uid) {
        Ok(token) => token,
        Err(e) => {
            eprintln!("not encrypted: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("sharing token {}", token.as_str());
    match client.decrypt_token_into_raw_uid(token.as_str()) {
        Ok(decrypted) => {
            println!("decrypted back to {}", decrypted.uid().as_str());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("not decrypted: {e}");
            ExitCode::FAILURE
        }
    }
}
