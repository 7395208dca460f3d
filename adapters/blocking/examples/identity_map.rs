//! Advertiser / data provider: map emails and phone numbers to raw UID2s with identity map v3.
//!
//! `UID2_BASE_URL=... UID2_API_KEY=... UID2_SECRET_KEY=... cargo run -p uid2-blocking --example identity_map -- a@example.com b@example.com`

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
    let mut emails: Vec<String> = std::env::args().skip(1).collect();
    if emails.is_empty() {
        emails.push("test@example.com".to_owned());
    }
    let mut input = uid2::operator::identity_map_v3::IdentityMapV3Input::new();
    for (i, entry) in emails.iter().enumerate() {
        // `+` and digits: a phone number; anything else: an email address.
        let added = if entry.starts_with('+') {
            input.add_phone(entry).map(|_| ())
        } else {
            input.add_email(entry).map(|_| ())
        };
        if let Err(e) = added {
            eprintln!("argument {}: {e}", i.saturating_add(1));
            return ExitCode::FAILURE;
        }
    }
    let Ok(client) = uid2_blocking::IdentityMapV3Client::new(config) else {
        return ExitCode::FAILURE;
    };
    match client.map_bulk(input) {
        Ok(response) => {
            for email in &emails {
                if let Some(mapped) = response.get_mapped(email) {
                    println!("{email}: {}", mapped.current_raw_uid());
                } else if let Some(unmapped) = response.get_unmapped(email) {
                    println!("{email}: not mapped ({})", unmapped.reason());
                }
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("identity map failed: {e}");
            ExitCode::FAILURE
        }
    }
}
