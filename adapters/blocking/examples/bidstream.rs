//! DSP: keep the bidstream key set fresh in the background and decrypt a token.
//!
//! `UID2_BASE_URL=... UID2_API_KEY=... UID2_SECRET_KEY=... cargo run -p uid2-blocking --example bidstream -- <token> [domain]`

#![allow(
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    reason = "examples are std programs"
)]

use std::process::ExitCode;

use uid2_blocking::ClientConfig;

/// The operator configuration from `UID2_BASE_URL`, `UID2_API_KEY` and `UID2_SECRET_KEY`.
fn config_from_env() -> Option<ClientConfig> {
    let var = |name| std::env::var(name).ok().filter(|v: &String| !v.is_empty());
    let (Some(base_url), Some(api_key), Some(secret)) = (
        var("UID2_BASE_URL"),
        var("UID2_API_KEY"),
        var("UID2_SECRET_KEY"),
    ) else {
        eprintln!(
            "set UID2_BASE_URL (e.g. https://operator-integ.uidapi.com), UID2_API_KEY and UID2_SECRET_KEY to run this example against an operator"
        );
        return None;
    };
    match ClientConfig::new(&base_url, &api_key, &secret) {
        Ok(config) => Some(config),
        Err(e) => {
            eprintln!("unusable credentials: {e}");
            None
        }
    }
}

fn main() -> ExitCode {
    let Some(config) = config_from_env() else {
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
