//! Opt-out monitoring: which raw UID2s have opted out, and since when.
//!
//! Runs against a real operator when `UID2_BASE_URL`, `UID2_API_KEY` and `UID2_SECRET_KEY` are
//! set (pass raw UID2s as arguments), otherwise against an embedded local operator on
//! 127.0.0.1, where one user is mapped and then opts out:
//!
//! ```sh
//! cargo run -p uid2-blocking --example optout_status [-- <raw uid>...]
//! ```

#![allow(
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    reason = "examples are std programs"
)]

mod common;

use std::process::ExitCode;

use uid2::operator::optout_status::OptoutStatusRequest;
use uid2_blocking::OptOutStatusClient;

fn main() -> ExitCode {
    let operator = match common::operator() {
        Ok(o) => o,
        Err(code) => return code,
    };
    let mut ids: Vec<String> = std::env::args().skip(1).collect();
    if ids.is_empty() {
        match &operator.local {
            Some(local) => {
                // Two users of the local operator; the second opts out.
                for email in ["jane.doe@example.com", "leaving@example.com"] {
                    ids.extend(local.raw_uid(email));
                }
                local.opt_out("leaving@example.com");
            }
            None => {
                eprintln!("error: no raw UID2 to look up");
                eprintln!("hint: pass raw UID2s as arguments (from identity map)");
                return ExitCode::FAILURE;
            }
        }
    }
    let request = match OptoutStatusRequest::new(&ids) {
        Ok(r) => r,
        Err(e) => return operator.fail("reading the raw UID2s", &e.into()),
    };
    let client = match OptOutStatusClient::new(operator.config.clone()) {
        Ok(c) => c,
        Err(e) => return operator.fail("creating the opt-out status client", &e),
    };
    let response = match client.get_optout_status(request) {
        Ok(r) => r,
        Err(e) => return operator.fail("opt-out status", &e),
    };
    for id in &ids {
        match response.opted_out_since(id) {
            Some(t) => println!("{id}: opted out {}", common::at(t)),
            None => println!("{id}: not opted out"),
        }
    }
    ExitCode::SUCCESS
}
