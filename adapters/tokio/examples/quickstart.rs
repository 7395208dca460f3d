//! Every role end to end against an embedded local operator, with no credentials:
//!
//! ```sh
//! cargo run --example quickstart
//! ```
//!
//! A publisher generates and refreshes an identity, an advertiser maps emails and phone numbers
//! (and sees an opt-out), a DSP decrypts the publisher's token, a sharer encrypts and decrypts a
//! raw UID2, and a Gigya (SAP Customer Data Cloud) call is signed and checked. Everything goes
//! over HTTP to 127.0.0.1.

mod common;

use std::process::ExitCode;

use uid2::gigya::Params;
use uid2::operator::TokenGenerateRequest;
use uid2::operator::identity_map_v3::IdentityMapV3Input;
use uid2::operator::optout_status::OptoutStatusRequest;
use uid2_tokio::{
    BidstreamClient, Error, GigyaClient, IdentityMapV3Client, OptOutStatusClient, PublisherClient,
    SharingClient,
};

/// An identity the local operator always reports as opted out.
const OPTOUT_EMAIL: &str = "optout@example.com";

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(code) => code,
    }
}

/// Fails the run: something the local operator should have accepted was not.
fn unexpected(what: &str) -> ExitCode {
    eprintln!("error: {what}");
    eprintln!("hint: the embedded local operator should not answer this way: please report it");
    ExitCode::FAILURE
}

async fn run() -> Result<(), ExitCode> {
    // A local operator on 127.0.0.1 with public test credentials (uid2-local-operator).
    let operator = common::local_operator().await?;
    let Some(local) = operator.local.as_ref() else {
        return Err(unexpected("no local operator"));
    };
    let fail = |what: &str, e: Error| operator.fail(what, &e);
    println!("local operator listening on {}\n", operator.base_url);
    let config = operator.config.clone();

    // Publisher: generate an identity for a signed-in user, then refresh it.
    println!("== publisher");
    let publisher =
        PublisherClient::new(config.clone()).map_err(|e| fail("creating the publisher", e))?;
    let request = TokenGenerateRequest::from_email("jane.doe@example.com")
        .map_err(|e| fail("reading the email", e.into()))?;
    let identity = publisher
        .generate_token(request)
        .await
        .map_err(|e| fail("token generate", e))?
        .into_identity()
        .ok_or_else(|| unexpected("jane.doe@example.com was expected to have an identity"))?;
    println!(
        "generated: advertising token {}...",
        identity.advertising_token().get(..24).unwrap_or_default()
    );
    println!("  expires      {}", common::at(identity.identity_expires()));
    println!("  refresh from {}", common::at(identity.refresh_from()));
    let identity = publisher
        .refresh_token(&identity)
        .await
        .map_err(|e| fail("token refresh", e))?
        .into_identity()
        .ok_or_else(|| unexpected("the refresh lost the identity"))?;
    println!(
        "refreshed: new refresh token ...{}, next refresh from {}",
        identity
            .refresh_token()
            .get(identity.refresh_token().len().saturating_sub(8)..)
            .unwrap_or_default(),
        common::at(identity.refresh_from())
    );
    let request = TokenGenerateRequest::from_email(OPTOUT_EMAIL)
        .map_err(|e| fail("reading the email", e.into()))?;
    let optout = publisher
        .generate_token(request)
        .await
        .map_err(|e| fail("token generate", e))?;
    println!(
        "{OPTOUT_EMAIL}: opted out = {} (no identity to store)\n",
        optout.is_optout()
    );

    // Advertiser: map emails and phone numbers to raw UID2s.
    println!("== advertiser (identity map v3)");
    local.opt_out(OPTOUT_EMAIL); // the user also opts out of mapping
    let mapper =
        IdentityMapV3Client::new(config.clone()).map_err(|e| fail("creating the mapper", e))?;
    let mut input = IdentityMapV3Input::new();
    let added = (|| {
        input.add_email("jane.doe@example.com")?;
        input.add_phone("+12345678901")?;
        input.add_email(OPTOUT_EMAIL)?;
        Ok::<_, uid2::IdentityError>(())
    })();
    added.map_err(|e| fail("reading the identities", e.into()))?;
    let mapped = mapper
        .map_bulk(input)
        .await
        .map_err(|e| fail("identity map", e))?;
    for (input, identity) in mapped.mapped() {
        println!(
            "{input:>24} -> raw UID2 {} (re-map {})",
            identity.current_raw_uid(),
            common::relative(identity.refresh_from())
        );
    }
    for (input, unmapped) in mapped.unmapped() {
        println!("{input:>24} -> not mapped: {}", unmapped.reason().as_str());
    }
    let jane = mapped
        .get_mapped("jane.doe@example.com")
        .ok_or_else(|| unexpected("jane.doe@example.com was expected to map"))?
        .current_raw_uid()
        .to_owned();
    let request = OptoutStatusRequest::new([jane.as_str()])
        .map_err(|e| fail("reading the raw UID2", e.into()))?;
    let optouts = OptOutStatusClient::new(config.clone())
        .map_err(|e| fail("creating the opt-out client", e))?
        .get_optout_status(request)
        .await
        .map_err(|e| fail("opt-out status", e))?;
    println!(
        "opt-out status of jane's raw UID2: {}\n",
        optouts.opted_out_since(&jane).map_or_else(
            || "not opted out".to_owned(),
            |t| format!("opted out {}", common::at(t))
        )
    );

    // DSP: keys refreshed in the background, tokens decrypted in the bid path.
    println!("== DSP (bidstream)");
    let dsp = BidstreamClient::new(config.clone()).map_err(|e| fail("creating the DSP", e))?;
    dsp.refresh().await.map_err(|e| fail("key refresh", e))?;
    let decrypted = dsp
        .decrypt_token_into_raw_uid(
            identity.advertising_token(),
            Some(common::LOCAL_SITE_DOMAIN),
        )
        .map_err(|e| fail("decrypting the publisher's token", e))?;
    println!(
        "bid request from {}: raw UID2 {} (site {}, established {}), same as the advertiser's: {}",
        common::LOCAL_SITE_DOMAIN,
        decrypted.uid().as_str(),
        decrypted.site_id(),
        common::relative(decrypted.established()),
        decrypted.uid().as_str() == jane
    );
    match dsp.decrypt_token_into_raw_uid("not-a-token", None) {
        Ok(_) => return Err(unexpected("a garbage token decrypted")),
        Err(e) => println!("garbage token: no bid ({})", e.chain()),
    }
    if let Some(keys) = dsp.key_set() {
        println!(
            "key set: {} keys, loaded {}, the last one expires {}\n",
            keys.keys().len(),
            dsp.last_refresh_success()
                .map_or_else(|| "never".to_owned(), common::relative),
            keys.latest_expiry()
                .map_or_else(|| "never".to_owned(), common::at)
        );
    }

    // Sharer: encrypt a raw UID2 for another participant, who decrypts it.
    println!("== sharing");
    let sharer = SharingClient::new(config).map_err(|e| fail("creating the sharer", e))?;
    sharer.refresh().await.map_err(|e| fail("key refresh", e))?;
    let token = sharer
        .encrypt_raw_uid_into_token(&jane)
        .map_err(|e| fail("encrypting jane's raw UID2", e))?;
    println!(
        "sharing token: {}...",
        token.as_str().get(..32).unwrap_or_default()
    );
    let received = sharer
        .decrypt_token_into_raw_uid(token.as_str())
        .map_err(|e| fail("decrypting the sharing token", e))?;
    println!(
        "receiver decrypted raw UID2 {} (matches: {})\n",
        received.uid().as_str(),
        received.uid().as_str() == jane
    );

    // Gigya: a signed server call, checked by the local stand-in for accounts.getAccountInfo.
    println!("== Gigya (SAP Customer Data Cloud)");
    let mut params = Params::new();
    params
        .insert("UID", "jane-gigya-uid")
        .map_err(|e| fail("setting the UID parameter", e.into()))?;
    let gigya = GigyaClient::new(common::local_gigya_config(local, local.gigya_secret())?)
        .map_err(|e| fail("creating the Gigya client", e))?;
    let account = gigya
        .send("accounts.getAccountInfo", &params)
        .await
        .map_err(|e| fail("accounts.getAccountInfo", e))?;
    if !account.is_success() {
        return Err(unexpected(&format!(
            "accounts.getAccountInfo: Gigya error {} {:?}",
            account.error_code(),
            account.error_message()
        )));
    }
    println!(
        "accounts.getAccountInfo at http://{}: UID {}, {} {} (signature accepted)",
        local.gigya_host(),
        account.get_str("UID").unwrap_or_default(),
        account.get_str("profile.firstName").unwrap_or_default(),
        account.get_str("profile.lastName").unwrap_or_default()
    );
    let forged = GigyaClient::new(common::local_gigya_config(local, "b3RoZXItc2VjcmV0")?)
        .map_err(|e| fail("creating the Gigya client", e))?
        .send("accounts.getAccountInfo", &params)
        .await
        .map_err(|e| fail("accounts.getAccountInfo", e))?;
    println!(
        "the same call signed with another secret: Gigya error {} \"{}\"",
        forged.error_code(),
        forged.error_message().unwrap_or_default()
    );

    println!(
        "\ndone: {} requests served by the local operator",
        local.total_requests()
    );
    Ok(())
}
