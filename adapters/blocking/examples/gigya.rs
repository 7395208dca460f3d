//! SAP Customer Data Cloud (Gigya): call an API method signed with a partner secret.
//!
//! Calls Gigya when `GIGYA_API_KEY` and `GIGYA_SECRET` are set (and optionally
//! `GIGYA_API_DOMAIN`, e.g. `eu1.gigya.com`); otherwise the embedded local operator's Gigya
//! endpoint on 127.0.0.1, which checks the signature as Gigya does (and, to show it, rejects a
//! call signed with another secret):
//!
//! ```sh
//! cargo run -p uid2-blocking --example gigya [-- accounts.getAccountInfo UID=<uid> ...]
//! ```

#![allow(
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    reason = "examples are std programs"
)]

mod common;

use std::process::ExitCode;

use uid2::gigya::Params;
use uid2_blocking::GigyaClient;

fn main() -> ExitCode {
    let gigya = match common::gigya() {
        Ok(g) => g,
        Err(code) => return code,
    };
    let target = gigya.local.as_ref().map_or_else(
        || format!("Gigya ({})", gigya.config.api_domain),
        |l| format!("http://{}", l.gigya_host()),
    );
    let mut args = std::env::args().skip(1);
    let method = args
        .next()
        .unwrap_or_else(|| "accounts.getAccountInfo".to_owned());
    let mut params = Params::new();
    for arg in args {
        let Some((name, value)) = arg.split_once('=') else {
            eprintln!("error: argument '{arg}' is not name=value");
            return ExitCode::from(2);
        };
        if let Err(e) = params.insert(name, value) {
            eprintln!("error: parameter '{name}': {e}");
            return ExitCode::from(2);
        }
    }
    if params.is_empty()
        && method == "accounts.getAccountInfo"
        && let Err(e) = params.insert("UID", "local-user-1")
    {
        eprintln!("error: parameter 'UID': {e}");
        return ExitCode::FAILURE;
    }
    let client = match GigyaClient::new(gigya.config.clone()) {
        Ok(c) => c,
        Err(e) => return common::gigya_fail("creating the Gigya client", &e, &target),
    };
    let response = match client.send(&method, &params) {
        Ok(r) => r,
        Err(e) => return common::gigya_fail(&format!("{method} at {target}"), &e, &target),
    };
    if !response.is_success() {
        eprintln!(
            "error: {method} failed: Gigya error {}: {} (call id {})",
            response.error_code(),
            response.error_message().unwrap_or("no message"),
            response.call_id().unwrap_or("none")
        );
        if let Some(hint) = common::gigya_hint(&response) {
            eprintln!("hint: {hint}");
        }
        return ExitCode::FAILURE;
    }
    println!(
        "{method}: ok (call id {}), {} members: {}",
        response.call_id().unwrap_or("none"),
        response.data().len(),
        response.data().keys().collect::<Vec<_>>().join(", ")
    );
    if let Some(uid) = response.get_str("UID") {
        println!(
            "  UID {uid}, name {} {}",
            response.get_str("profile.firstName").unwrap_or("?"),
            response.get_str("profile.lastName").unwrap_or("?")
        );
    }

    // Locally: the same call signed with another secret is refused, as Gigya refuses it.
    if let Some(local) = &gigya.local {
        let forged = common::local_gigya_config(local, "b3RoZXItc2VjcmV0").and_then(|config| {
            GigyaClient::new(config)
                .map_err(|e| common::gigya_fail("creating the Gigya client", &e, &target))
        });
        let forged = match forged {
            Ok(c) => c,
            Err(code) => return code,
        };
        match forged.send(&method, &params) {
            Ok(r) => println!(
                "signed with another secret: Gigya error {} \"{}\"",
                r.error_code(),
                r.error_message().unwrap_or_default()
            ),
            Err(e) => return common::gigya_fail(&format!("{method} at {target}"), &e, &target),
        }
    }
    ExitCode::SUCCESS
}
