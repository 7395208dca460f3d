//! Every role end to end against an embedded local operator, with no credentials:
//!
//! ```sh
//! cargo run --example quickstart
//! ```
//!
//! A publisher generates and refreshes an identity, an advertiser maps emails and phone numbers
//! (and sees an opt-out), a DSP decrypts the publisher's token, and a sharer encrypts and
//! decrypts a raw UID2. Everything goes over HTTP to 127.0.0.1.

use uid2::operator::TokenGenerateRequest;
use uid2::operator::identity_map_v3::IdentityMapV3Input;
use uid2::operator::optout_status::OptoutStatusRequest;
use uid2_local_operator::{LocalOperator, LocalOperatorConfig};
use uid2_tokio::{
    BidstreamClient, ClientConfig, IdentityMapV3Client, OptOutStatusClient, PublisherClient,
    SharingClient,
};

/// An identity the local operator always reports as opted out.
const OPTOUT_EMAIL: &str = "optout@example.com";
/// A domain of the local operator's default site.
const SITE_DOMAIN: &str = "example.com";

#[tokio::main]
async fn main() -> Result<(), Box<dyn core::error::Error>> {
    // A local operator on 127.0.0.1 with public test credentials (uid2-local-operator).
    let operator = LocalOperator::start(LocalOperatorConfig::default()).await?;
    println!("local operator listening on {}\n", operator.base_url());
    let config = ClientConfig::new(
        &operator.base_url(),
        operator.api_key(),
        operator.client_secret(),
    )?;

    // Publisher: generate an identity for a signed-in user, then refresh it.
    println!("== publisher");
    let publisher = PublisherClient::new(config.clone())?;
    let generated = publisher
        .generate_token(TokenGenerateRequest::from_email("jane.doe@example.com")?)
        .await?;
    let identity = generated
        .identity()
        .ok_or("the user was expected to have an identity")?
        .clone();
    let now = operator.now();
    println!(
        "generated: advertising token {}... (expires in {}, refresh due in {})",
        identity.advertising_token().get(..24).unwrap_or_default(),
        until(now, identity.identity_expires()),
        until(now, identity.refresh_from())
    );
    let refreshed = publisher.refresh_token(&identity).await?;
    let identity = refreshed
        .into_identity()
        .ok_or("refresh lost the identity")?;
    println!(
        "refreshed: new refresh token ...{}",
        identity
            .refresh_token()
            .get(identity.refresh_token().len().saturating_sub(8)..)
            .unwrap_or_default()
    );
    let optout = publisher
        .generate_token(TokenGenerateRequest::from_email(OPTOUT_EMAIL)?)
        .await?;
    println!(
        "{}: opted out = {} (no identity to store)\n",
        OPTOUT_EMAIL,
        optout.is_optout()
    );

    // Advertiser: map emails and phone numbers to raw UID2s.
    println!("== advertiser (identity map v3)");
    operator.opt_out(OPTOUT_EMAIL); // the user also opts out of mapping
    let mapper = IdentityMapV3Client::new(config.clone())?;
    let mut input = IdentityMapV3Input::new();
    input.add_email("jane.doe@example.com")?;
    input.add_phone("+12345678901")?;
    input.add_email(OPTOUT_EMAIL)?;
    let mapped = mapper.map_bulk(input).await?;
    for (input, identity) in mapped.mapped() {
        println!(
            "{input:>24} -> raw UID2 {} (re-map in {})",
            identity.current_raw_uid(),
            until(operator.now(), identity.refresh_from())
        );
    }
    for (input, unmapped) in mapped.unmapped() {
        println!("{input:>24} -> not mapped: {}", unmapped.reason().as_str());
    }
    let jane = mapped
        .get_mapped("jane.doe@example.com")
        .ok_or("jane was expected to map")?
        .current_raw_uid()
        .to_owned();
    let optouts = OptOutStatusClient::new(config.clone())?
        .get_optout_status(OptoutStatusRequest::new([jane.as_str()])?)
        .await?;
    println!(
        "opt-out status of jane's raw UID2: {}\n",
        match optouts.opted_out_since(&jane) {
            Some(t) => format!("opted out since {t}"),
            None => "not opted out".to_owned(),
        }
    );

    // DSP: keys refreshed in the background, tokens decrypted in the bid path.
    println!("== DSP (bidstream)");
    let dsp = BidstreamClient::new(config.clone())?;
    dsp.refresh().await?;
    let decrypted =
        dsp.decrypt_token_into_raw_uid(identity.advertising_token(), Some(SITE_DOMAIN))?;
    println!(
        "bid request from {}: raw UID2 {} (site {}, established {} ago), same as the advertiser's: {}",
        SITE_DOMAIN,
        decrypted.uid().as_str(),
        decrypted.site_id(),
        until(decrypted.established(), operator.now()),
        decrypted.uid().as_str() == jane
    );
    match dsp.decrypt_token_into_raw_uid("not-a-token", None) {
        Ok(_) => println!("unexpected success"),
        Err(e) => println!("garbage token: {e}"),
    }
    println!(
        "key set age: {} ms, failures in a row: {}\n",
        dsp.key_set_age().unwrap_or_default().as_millis(),
        dsp.consecutive_refresh_failures()
    );

    // Sharer: encrypt a raw UID2 for another participant, who decrypts it.
    println!("== sharing");
    let sharer = SharingClient::new(config)?;
    sharer.refresh().await?;
    let token = sharer.encrypt_raw_uid_into_token(&jane)?;
    println!(
        "sharing token: {}...",
        token.as_str().get(..32).unwrap_or_default()
    );
    let received = sharer.decrypt_token_into_raw_uid(token.as_str())?;
    println!(
        "receiver decrypted raw UID2 {} (matches: {})",
        received.uid().as_str(),
        received.uid().as_str() == jane
    );

    println!(
        "\ndone: {} requests served by the local operator",
        operator.total_requests()
    );
    Ok(())
}

/// `to - from` in words: "3 h 0 min", "12 d".
fn until(from: uid2::Timestamp, to: uid2::Timestamp) -> String {
    let minutes = to.saturating_millis_since(from).max(0) / 60_000;
    match minutes {
        m if m >= 2 * 24 * 60 => format!("{} d", m / (24 * 60)),
        m if m >= 60 => format!("{} h {} min", m / 60, m % 60),
        m => format!("{m} min"),
    }
}
