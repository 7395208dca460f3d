//! DSP: keep the bidstream key set fresh in the background and decrypt tokens from bid
//! requests.
//!
//! Runs against a real operator when `UID2_BASE_URL`, `UID2_API_KEY` and `UID2_SECRET_KEY` are
//! set (pass a token and optionally its domain or app name), otherwise against an embedded
//! local operator on 127.0.0.1 that also issues the token:
//!
//! ```sh
//! cargo run -p uid2-blocking --example bidstream [-- <token> [domain]]
//! ```

#![allow(
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    reason = "examples are std programs"
)]

mod common;

use std::process::ExitCode;

use uid2::operator::TokenGenerateRequest;
use uid2_blocking::{BidstreamClient, PublisherClient};

fn main() -> ExitCode {
    let operator = match common::operator() {
        Ok(o) => o,
        Err(code) => return code,
    };
    let (token, domain) = match (std::env::args().nth(1), operator.is_local()) {
        (Some(token), _) => (token, std::env::args().nth(2)),
        (None, true) => {
            // A publisher on the same local operator issues a token to bid on.
            let issued = PublisherClient::new(operator.config.clone()).and_then(|p| {
                p.generate_token(TokenGenerateRequest::from_email("bidder@example.com")?)
            });
            match issued.map(uid2::operator::TokenResponse::into_identity) {
                Ok(Some(identity)) => (
                    identity.advertising_token().to_owned(),
                    Some(common::LOCAL_SITE_DOMAIN.to_owned()),
                ),
                Ok(None) => {
                    eprintln!("error: the local operator issued no identity (opted out)");
                    return ExitCode::FAILURE;
                }
                Err(e) => return operator.fail("issuing a token to bid on", &e),
            }
        }
        (None, false) => {
            eprintln!("error: no token to decrypt");
            eprintln!(
                "hint: pass a token from a bid request (and its domain or app name) as arguments"
            );
            return ExitCode::FAILURE;
        }
    };

    let client = match BidstreamClient::new(operator.config.clone()) {
        Ok(c) => c,
        Err(e) => return operator.fail("creating the bidstream client", &e),
    };
    if let Err(e) = client.refresh() {
        return operator.fail("key refresh", &e);
    }
    // From here on a thread refreshes the keys hourly; dropping the guard stops it.
    let _refresher = match client.start_refresh_thread() {
        Ok(guard) => guard,
        Err(e) => return operator.fail("starting the key refresh thread", &e),
    };
    if let Some(keys) = client.key_set() {
        println!(
            "key set: {} keys, the last one expires {}",
            keys.keys().len(),
            keys.latest_expiry()
                .map_or_else(|| "never".to_owned(), common::at)
        );
    }

    // The bid path: synchronous, lock-free, no allocation.
    match client.decrypt_token_into_raw_uid(&token, domain.as_deref()) {
        Ok(decrypted) => {
            println!(
                "bid: raw UID2 {} from site {} (identity established {})",
                decrypted.uid().as_str(),
                decrypted.site_id(),
                common::relative(decrypted.established())
            );
            ExitCode::SUCCESS
        }
        Err(e) => operator.fail("decrypting the token", &e),
    }
}
