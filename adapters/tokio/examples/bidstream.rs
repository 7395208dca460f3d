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

use uid2::operator::TokenGenerateRequest;
use uid2_tokio::{BidstreamClient, PublisherClient};

#[tokio::main]
async fn main() -> Result<(), Box<dyn core::error::Error>> {
    let operator = common::operator().await?;
    let (token, domain) = if operator.is_local() {
        // A publisher on the same local operator issues a token to bid on.
        let identity = PublisherClient::new(operator.config.clone())?
            .generate_token(TokenGenerateRequest::from_email("bidder@example.com")?)
            .await?
            .into_identity()
            .ok_or("no identity")?;
        (
            identity.advertising_token().to_owned(),
            Some(common::LOCAL_SITE_DOMAIN.to_owned()),
        )
    } else {
        (
            std::env::var("UID2_TOKEN").map_err(|_| "set UID2_TOKEN to a token to decrypt")?,
            std::env::var("UID2_DOMAIN").ok(),
        )
    };

    let client = BidstreamClient::new(operator.config.clone())?; // refreshes hourly from now on
    client.refresh().await?;
    println!(
        "keys loaded (last refresh {:?})",
        client.last_refresh_success()
    );

    // The bid path: synchronous, lock-free, no allocation.
    match client.decrypt_token_into_raw_uid(&token, domain.as_deref()) {
        Ok(decrypted) => println!(
            "bid: raw UID2 {} from site {} (established {})",
            decrypted.uid().as_str(),
            decrypted.site_id(),
            decrypted.established()
        ),
        Err(e) => match e.decrypt_error() {
            Some(d) => println!("no bid: {}", d.as_status()),
            None => return Err(e.into()),
        },
    }
    Ok(())
}
