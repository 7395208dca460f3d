//! A publisher: generate an identity for a signed-in user, store it, refresh it when due.
//!
//! Runs against a real operator when `UID2_BASE_URL`, `UID2_API_KEY` and `UID2_SECRET_KEY` are
//! set (optionally `UID2_EMAIL`), otherwise against an embedded local operator:
//!
//! ```sh
//! cargo run --example tokio_publisher
//! ```

mod common;

use std::process::ExitCode;

use uid2::operator::{IdentityTokens, TokenGenerateRequest};
use uid2_tokio::PublisherClient;

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(code) => code,
    }
}

async fn run() -> Result<(), ExitCode> {
    let operator = common::operator().await?;
    let client = PublisherClient::new(operator.config.clone())
        .map_err(|e| operator.fail("creating the publisher client", &e))?;
    let email = common::var("UID2_EMAIL").unwrap_or_else(|| "jane.doe@example.com".into());

    // 1. At sign-in: generate (only the hash of the email leaves the process).
    let request = TokenGenerateRequest::from_email(&email)
        .map_err(|e| operator.fail("reading UID2_EMAIL", &e.into()))?;
    let Some(identity) = client
        .generate_token(request)
        .await
        .map_err(|e| operator.fail("token generate", &e))?
        .into_identity()
    else {
        println!("{email} opted out: serve no targeted ads, store no identity");
        return Ok(());
    };
    println!(
        "generated: advertising token {}... for {email}",
        identity.advertising_token().get(..24).unwrap_or_default()
    );
    println!("  expires      {}", common::at(identity.identity_expires()));
    println!("  refresh from {}", common::at(identity.refresh_from()));
    let session_json = identity.json_string().to_owned();
    println!(
        "stored in the session: {} bytes of JSON",
        session_json.len()
    );

    // 2. On a later page view: read it back and refresh (forced here to show the call; an
    //    application refreshes once `refresh from` has passed).
    let identity = IdentityTokens::from_json_str(&session_json)
        .map_err(|e| operator.fail("reading the stored identity", &e.into()))?;
    match client.refresh_token(&identity).await {
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
        Err(e) => return Err(operator.fail("token refresh", &e)),
    }
    Ok(())
}
