//! Publisher: generate an identity for an email, then refresh it.
//!
//! `UID2_BASE_URL=... UID2_API_KEY=... UID2_SECRET_KEY=... cargo run -p uid2-blocking --example publisher -- user@example.com`

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
    let email = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "test@example.com".to_owned());
    let Ok(client) = uid2_blocking::PublisherClient::new(config) else {
        return ExitCode::FAILURE;
    };
    let request = match uid2::operator::TokenGenerateRequest::from_email(&email) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let identity = match client.generate_token(request) {
        Ok(response) => match response.into_identity() {
            Some(identity) => identity,
            None => {
                println!("the user opted out: no identity");
                return ExitCode::SUCCESS;
            }
        },
        Err(e) => {
            eprintln!("token generate failed: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "identity (store it in the session): {}",
        identity.json_string()
    );
    match client.refresh_token(&identity) {
        Ok(response) => {
            println!("refreshed: status {}", response.status());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("token refresh failed: {e}");
            ExitCode::FAILURE
        }
    }
}
