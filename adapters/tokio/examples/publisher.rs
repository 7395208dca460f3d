//! A publisher: generate an identity for a signed-in user, store it, refresh it when due.
//!
//! Runs against a real operator when `UID2_BASE_URL`, `UID2_API_KEY` and `UID2_SECRET_KEY` are
//! set (optionally `UID2_EMAIL`), otherwise against an embedded local operator:
//!
//! ```sh
//! cargo run --example tokio_publisher
//! ```

mod common;

use uid2::operator::{IdentityTokens, TokenGenerateRequest, TokenResponse};
use uid2_tokio::PublisherClient;

#[tokio::main]
async fn main() -> Result<(), Box<dyn core::error::Error>> {
    let operator = common::operator().await?;
    let client = PublisherClient::new(operator.config.clone())?;
    let email = std::env::var("UID2_EMAIL").unwrap_or_else(|_| "jane.doe@example.com".into());

    // 1. At sign-in: generate (only the hash of the email leaves the process).
    let session_json = match client
        .generate_token(TokenGenerateRequest::from_email(&email)?)
        .await?
    {
        TokenResponse::Success(identity) => identity.json_string().to_owned(),
        TokenResponse::OptOut => {
            println!("the user opted out: serve no targeted ads");
            return Ok(());
        }
        _ => return Err("unexpected response".into()),
    };
    println!(
        "identity stored in the session ({} bytes of JSON)",
        session_json.len()
    );

    // 2. On a later page view: read it back and refresh if due (forced here to show the call).
    let identity = IdentityTokens::from_json_str(&session_json)?;
    println!(
        "advertising token: {}...",
        identity.advertising_token().get(..24).unwrap_or_default()
    );
    match client.refresh_token(&identity).await {
        Ok(response) => match response.identity_json_string() {
            Some(json) => println!("refreshed; new identity JSON is {} bytes", json.len()),
            None => println!("the user opted out: remove the identity from the session"),
        },
        Err(e)
            if e.http_error()
                .is_some_and(|h| h.is_expired_token() || h.is_invalid_token()) =>
        {
            println!("refresh token no longer valid: remove the identity ({e})");
        }
        Err(e) => return Err(e.into()),
    }
    Ok(())
}
