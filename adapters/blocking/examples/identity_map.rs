//! Advertiser / data provider: map emails and phone numbers to raw UID2s with identity map v3.
//!
//! `UID2_BASE_URL=... UID2_API_KEY=... UID2_SECRET_KEY=... cargo run -p uid2-blocking --example identity_map -- a@example.com b@example.com`

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
