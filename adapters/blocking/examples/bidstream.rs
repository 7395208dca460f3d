//! DSP: keep the bidstream key set fresh in the background and decrypt a token.
//!
//! `UID2_BASE_URL=... UID2_API_KEY=... UID2_SECRET_KEY=... cargo run -p uid2-blocking --example bidstream -- <token> [domain]`

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
    let Ok(client) = uid2_blocking::BidstreamClient::new(config) else {
        return ExitCode::FAILURE;
    };
    if let Err(e) = client.refresh() {
        eprintln!("key refresh failed: {e}");
        return ExitCode::FAILURE;
    }
    let _refresher = match client.start_refresh_thread() {
        Ok(guard) => guard,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let keys = client.key_set().map_or(0, |k| k.keys().len());
    println!("key set with {keys} keys");
    let Some(token) = std::env::args().nth(1) else {
        println!("pass a token (and optionally a domain or app name) to decrypt it");
        return ExitCode::SUCCESS;
    };
    let domain = std::env::args().nth(2);
    match client.decrypt_token_into_raw_uid(&token, domain.as_deref()) {
        Ok(decrypted) => {
            println!(
                "raw uid {} (site {}, established {})",
                decrypted.uid().as_str(),
                decrypted.site_id(),
                decrypted.established()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            let status = e.decrypt_error().map(|d| d.as_status().as_str());
            eprintln!("not decrypted: {e} ({status:?})");
            ExitCode::FAILURE
        }
    }
}
