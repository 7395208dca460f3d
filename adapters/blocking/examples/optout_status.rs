//! Opt-out monitoring: which raw UID2s opted out.
//!
//! `UID2_BASE_URL=... UID2_API_KEY=... UID2_SECRET_KEY=... cargo run -p uid2-blocking --example optout_status -- <raw uid>...`

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
    let mut ids: Vec<String> = std::env::args().skip(1).collect();
    if ids.is_empty() {
        ids.push("AdbtX79x6hPf3bppOU0ItRZF9ngIF9YMBCNdetwfqhj7".to_owned());
    }
    let request = match uid2::operator::optout_status::OptoutStatusRequest::new(&ids) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let Ok(client) = uid2_blocking::OptOutStatusClient::new(config) else {
        return ExitCode::FAILURE;
    };
    match client.get_optout_status(request) {
        Ok(response) => {
            for id in &ids {
                match response.opted_out_since(id) {
                    Some(t) => println!("{id}: opted out since {t}"),
                    None => println!("{id}: not opted out"),
                }
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("opt-out status failed: {e}");
            ExitCode::FAILURE
        }
    }
}
