//! A DSP: keep the bidstream keys fresh in the background and decrypt tokens from bid requests.
//!
//! Runs against a real operator when `UID2_BASE_URL`, `UID2_API_KEY` and `UID2_SECRET_KEY` are
//! set (then pass a token in `UID2_TOKEN` and its domain or app name in `UID2_DOMAIN`),
//! otherwise against an embedded local operator that also issues the token:
//!
//! ```sh
//! cargo run --example tokio_bidstream
//! ```

mod common;

use std::process::ExitCode;

use uid2::operator::TokenGenerateRequest;
use uid2_tokio::{BidstreamClient, PublisherClient};

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(code) => code,
    }
}

async fn run() -> Result<(), ExitCode> {
    let operator = common::operator().await?;
    let (token, domain) = if operator.is_local() {
        // A publisher on the same local operator issues a token to bid on.
        let publisher = PublisherClient::new(operator.config.clone())
            .map_err(|e| operator.fail("creating the publisher client", &e))?;
        let request = TokenGenerateRequest::from_email("bidder@example.com")
            .map_err(|e| operator.fail("reading the email address", &e.into()))?;
        let Some(identity) = publisher
            .generate_token(request)
            .await
            .map_err(|e| operator.fail("issuing a token to bid on", &e))?
            .into_identity()
        else {
            eprintln!("error: the local operator issued no identity (opted out)");
            return Err(ExitCode::FAILURE);
        };
        (
            identity.advertising_token().to_owned(),
            Some(common::LOCAL_SITE_DOMAIN.to_owned()),
        )
    } else {
        let Some(token) = common::var("UID2_TOKEN") else {
            eprintln!("error: no token to decrypt");
            eprintln!(
                "hint: set UID2_TOKEN to a token from a bid request, and UID2_DOMAIN to its domain or app name"
            );
            return Err(ExitCode::FAILURE);
        };
        (token, common::var("UID2_DOMAIN"))
    };

    // Refreshes hourly from now on.
    let client = BidstreamClient::new(operator.config.clone())
        .map_err(|e| operator.fail("creating the bidstream client", &e))?;
    client
        .refresh()
        .await
        .map_err(|e| operator.fail("key refresh", &e))?;
    if let Some(keys) = client.key_set() {
        println!(
            "keys loaded {}: {} keys, the last one expires {}",
            client
                .last_refresh_success()
                .map_or_else(|| "never".to_owned(), common::relative),
            keys.keys().len(),
            keys.latest_expiry()
                .map_or_else(|| "never".to_owned(), common::at)
        );
    }

    // The bid path: synchronous, lock-free, no allocation.
    match client.decrypt_token_into_raw_uid(&token, domain.as_deref()) {
        Ok(decrypted) => println!(
            "bid: raw UID2 {} from site {} (identity established {})",
            decrypted.uid().as_str(),
            decrypted.site_id(),
            common::relative(decrypted.established())
        ),
        Err(e) => return Err(operator.fail("decrypting the token", &e)),
    }
    Ok(())
}
