//! An advertiser or data provider: map emails and phone numbers to raw UID2s (identity map v3),
//! in bulk, check opt-outs, and re-map each one when its `refresh_from` has passed.
//!
//! Runs against a real operator when `UID2_BASE_URL`, `UID2_API_KEY` and `UID2_SECRET_KEY` are
//! set, otherwise against an embedded local operator:
//!
//! ```sh
//! cargo run --example tokio_identity_map
//! ```

mod common;

use std::process::ExitCode;

use uid2::operator::identity_map_v3::IdentityMapV3Input;
use uid2_tokio::IdentityMapV3Client;

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(code) => code,
    }
}

async fn run() -> Result<(), ExitCode> {
    let operator = common::operator().await?;
    let client = IdentityMapV3Client::new(operator.config.clone())
        .map_err(|e| operator.fail("creating the identity map client", &e))?;
    if let Some(local) = &operator.local {
        local.opt_out("optout@example.com"); // so that the local run shows an opt-out
    }

    let mut input = IdentityMapV3Input::new();
    let added = (|| {
        input.add_email("user@example.com")?;
        input.add_email("optout@example.com")?;
        input.add_phone("+12345678901")?;
        // Any number of inputs: batches of 5,000, at most 20 in flight, 429/5xx retried.
        for i in 0..12_000 {
            input.add_email(&format!("customer{i}@example.com"))?;
        }
        Ok::<_, uid2::IdentityError>(())
    })();
    added.map_err(|e| operator.fail("reading the emails and phone numbers", &e.into()))?;
    let response = client
        .map_bulk(input)
        .await
        .map_err(|e| operator.fail("identity map", &e))?;
    println!(
        "{} mapped, {} not mapped",
        response.mapped().len(),
        response.unmapped().len()
    );
    for name in ["user@example.com", "optout@example.com", "+12345678901"] {
        match (response.get_mapped(name), response.get_unmapped(name)) {
            (Some(m), _) => println!(
                "{name:>20}: {} (re-map {})",
                m.current_raw_uid(),
                common::relative(m.refresh_from())
            ),
            (None, Some(u)) => println!("{name:>20}: not mapped ({})", u.reason().as_str()),
            (None, None) => println!("{name:>20}: missing from the response"),
        }
    }
    Ok(())
}
