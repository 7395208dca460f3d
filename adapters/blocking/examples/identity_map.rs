//! Advertiser / data provider: map emails and phone numbers to raw UID2s with identity map v3,
//! and re-map each one when its `refresh_from` has passed.
//!
//! Runs against a real operator when `UID2_BASE_URL`, `UID2_API_KEY` and `UID2_SECRET_KEY` are
//! set, otherwise against an embedded local operator on 127.0.0.1. Arguments are emails, or
//! phone numbers starting with `+`:
//!
//! ```sh
//! cargo run -p uid2-blocking --example identity_map [-- a@example.com +12345678901 ...]
//! ```

#![allow(
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    reason = "examples are std programs"
)]

mod common;

use std::process::ExitCode;

use uid2::operator::identity_map_v3::IdentityMapV3Input;
use uid2_blocking::IdentityMapV3Client;

fn main() -> ExitCode {
    let operator = match common::operator() {
        Ok(o) => o,
        Err(code) => return code,
    };
    let mut entries: Vec<String> = std::env::args().skip(1).collect();
    if entries.is_empty() {
        entries = ["jane.doe@example.com", "+12345678901", "optout@example.com"]
            .map(str::to_owned)
            .to_vec();
        if let Some(local) = &operator.local {
            local.opt_out("optout@example.com"); // so that the local run shows an opt-out
        }
    }
    let mut input = IdentityMapV3Input::new();
    for entry in &entries {
        // `+` and digits: a phone number; anything else: an email address.
        let added = if entry.starts_with('+') {
            input.add_phone(entry).map(|_| ())
        } else {
            input.add_email(entry).map(|_| ())
        };
        if let Err(e) = added {
            return operator.fail(&format!("reading '{entry}'"), &e.into());
        }
    }
    let client = match IdentityMapV3Client::new(operator.config.clone()) {
        Ok(c) => c,
        Err(e) => return operator.fail("creating the identity map client", &e),
    };
    let response = match client.map_bulk(input) {
        Ok(r) => r,
        Err(e) => return operator.fail("identity map", &e),
    };
    for entry in &entries {
        if let Some(mapped) = response.get_mapped(entry) {
            println!(
                "{entry:>22} -> {} (re-map {})",
                mapped.current_raw_uid(),
                common::relative(mapped.refresh_from())
            );
        } else if let Some(unmapped) = response.get_unmapped(entry) {
            println!("{entry:>22} -> not mapped: {}", unmapped.reason());
        } else {
            println!("{entry:>22} -> missing from the response");
        }
    }
    ExitCode::SUCCESS
}
