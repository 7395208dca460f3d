//! Publisher: generate an identity for a signed-in user, store it, refresh it when due.
//!
//! Runs against a real operator when `UID2_BASE_URL`, `UID2_API_KEY` and `UID2_SECRET_KEY` are
//! set, otherwise against an embedded local operator on 127.0.0.1:
//!
//! ```sh
//! cargo run -p uid2-blocking --example publisher [-- user@example.com]
//! ```

#![allow(
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    reason = "examples are std programs"
)]

mod common;

use std::process::ExitCode;

use uid2::operator::{IdentityTokens, TokenGenerateRequest};
use uid2_blocking::PublisherClient;

fn main() -> ExitCode {
    let operator = match common::operator() {
        Ok(o) => o,
        Err(code) => return code,
    };
    let email = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "jane.doe@example.com".to_owned());
    let client = match PublisherClient::new(operator.config.clone()) {
        Ok(c) => c,
        Err(e) => return operator.fail("creating the publisher client", &e),
    };

    // 1. At sign-in: generate (only the hash of the email leaves the process).
    let request = match TokenGenerateRequest::from_email(&email) {
        Ok(r) => r,
        Err(e) => return operator.fail("reading the email address", &e.into()),
    };
    let identity = match client.generate_token(request) {
        Ok(response) => match response.into_identity() {
            Some(identity) => identity,
            None => {
                println!("{email} opted out: serve no targeted ads, store no identity");
                return ExitCode::SUCCESS;
            }
        },
        Err(e) => return operator.fail("token generate", &e),
    };
    println!(
        "generated: advertising token {}... for {email}",
        identity.advertising_token().get(..24).unwrap_or_default()
    );
    println!("  expires      {}", common::at(identity.identity_expires()));
    println!("  refresh from {}", common::at(identity.refresh_from()));
    println!(
        "  refreshable until {}",
        common::at(identity.refresh_expires())
    );
    let session_json = identity.json_string().to_owned();
    println!(
        "stored in the session: {} bytes of JSON",
        session_json.len()
    );

    // 2. On a later page view: read it back and refresh (forced here to show the call; an
    //    application refreshes once `refresh from` has passed).
    let identity = match IdentityTokens::from_json_str(&session_json) {
        Ok(i) => i,
        Err(e) => return operator.fail("reading the stored identity", &e.into()),
    };
    match client.refresh_token(&identity) {
        Ok(response) => match response.into_identity() {
            Some(refreshed) => println!(
                "refreshed: next refresh from {}",
                common::at(refreshed.refresh_from())
            ),
            None => println!("the user opted out since: remove the identity from the session"),
        },
        Err(e)
            if e.http_error()
                .is_some_and(|h| h.is_expired_token() || h.is_invalid_token()) =>
        {
            println!(
                "the refresh token is no longer valid ({}): remove the identity from the session",
                e.chain()
            );
        }
        Err(e) => return operator.fail("token refresh", &e),
    }
    ExitCode::SUCCESS
}
