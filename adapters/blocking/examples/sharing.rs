//! Sharer: encrypt a raw UID2 into a sharing token for another participant, and decrypt a
//! sharing token received.
//!
//! Runs against a real operator when `UID2_BASE_URL`, `UID2_API_KEY` and `UID2_SECRET_KEY` are
//! set, otherwise against an embedded local operator on 127.0.0.1:
//!
//! ```sh
//! cargo run -p uid2-blocking --example sharing [-- <raw uid>]
//! ```

#![allow(
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    reason = "examples are std programs"
)]

mod common;

use std::process::ExitCode;

use uid2_blocking::SharingClient;

fn main() -> ExitCode {
    let operator = match common::operator() {
        Ok(o) => o,
        Err(code) => return code,
    };
    let raw_uid = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "ywsvDNINiZOVSsfkHpLpSJzXzhr6Jx9Z/4Q0+lsEUvM=".to_owned());
    let client = match SharingClient::new(operator.config.clone()) {
        Ok(c) => c,
        Err(e) => return operator.fail("creating the sharing client", &e),
    };
    if let Err(e) = client.refresh() {
        return operator.fail("key refresh", &e);
    }
    if let Some(keys) = client.key_set() {
        println!(
            "sharing key set: {} keys, tokens last {}, the last key expires {}",
            keys.keys().len(),
            common::span(
                u64::try_from(keys.config().token_expiry_seconds)
                    .unwrap_or_default()
                    .saturating_mul(1000)
            ),
            keys.latest_expiry()
                .map_or_else(|| "never".to_owned(), common::at)
        );
    }

    // Sender.
    let token = match client.encrypt_raw_uid_into_token(&raw_uid) {
        Ok(t) => t,
        Err(e) => return operator.fail("encrypting the raw UID2", &e),
    };
    println!("sharing token: {}", token.as_str());

    // Receiver (here the same participant).
    match client.decrypt_token_into_raw_uid(token.as_str()) {
        Ok(decrypted) => {
            println!(
                "decrypted raw UID2 {} (round trip ok: {})",
                decrypted.uid().as_str(),
                decrypted.uid().as_str() == raw_uid
            );
            ExitCode::SUCCESS
        }
        Err(e) => operator.fail("decrypting the sharing token", &e),
    }
}
