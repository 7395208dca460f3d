//! SAP Customer Data Cloud (Gigya): call an API method with a partner secret.
//!
//! `GIGYA_API_KEY=... GIGYA_SECRET=... [GIGYA_API_DOMAIN=eu1.gigya.com] cargo run -p uid2-blocking --example gigya -- accounts.getAccountInfo UID=<uid>`

#![allow(
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    reason = "examples are std programs"
)]

use std::process::ExitCode;

use uid2::gigya::{Credentials, GigyaSecret, Params};
use uid2_blocking::{GigyaClient, GigyaConfig};

fn main() -> ExitCode {
    let var = |name| std::env::var(name).ok().filter(|v: &String| !v.is_empty());
    let (Some(api_key), Some(secret)) = (var("GIGYA_API_KEY"), var("GIGYA_SECRET")) else {
        eprintln!(
            "set GIGYA_API_KEY and GIGYA_SECRET (and optionally GIGYA_API_DOMAIN) to run this example against Gigya"
        );
        return ExitCode::FAILURE;
    };
    let secret = match GigyaSecret::from_base64(&secret) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("unusable secret: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut config = GigyaConfig::new(Credentials::partner_secret(&api_key, secret));
    if let Some(domain) = var("GIGYA_API_DOMAIN") {
        config = config.with_api_domain(&domain);
    }
    let mut args = std::env::args().skip(1);
    let method = args
        .next()
        .unwrap_or_else(|| "accounts.getSchema".to_owned());
    let mut params = Params::new();
    for arg in args {
        if let Some((name, value)) = arg.split_once('=')
            && let Err(e) = params.insert(name, value)
        {
            eprintln!("parameter {name}: {e}");
            return ExitCode::FAILURE;
        }
    }
    let Ok(client) = GigyaClient::new(config) else {
        return ExitCode::FAILURE;
    };
    match client.send(&method, &params) {
        Ok(response) => {
            println!("{}", response.to_json());
            if response.is_success() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("call failed: {e}");
            ExitCode::FAILURE
        }
    }
}
