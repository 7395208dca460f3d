//! `uid2-local-operator`: runs a local UID2/EUID operator on 127.0.0.1 until Ctrl-C.
//!
//! Options: `--port N` (default: any free port), `--euid` (EUID scope), `--opt-out ENTRY`
//! (repeatable: an email, phone number or hash that has opted out).

use std::process::ExitCode;

use uid2::IdentityScope;
use uid2_local_operator::{LocalOperator, LocalOperatorConfig};

const USAGE: &str = "\
Runs a local UID2/EUID operator on 127.0.0.1 with test credentials, until Ctrl-C.

Usage: uid2-local-operator [OPTIONS]

Options:
  --port N          listen on port N (default: any free port)
  --euid            EUID scope (default: UID2)
  --opt-out ENTRY   an email, phone number or hash that has opted out (repeatable)
  -h, --help        print this help
";

/// The configuration the command line asks for, or `None` for `--help`.
fn parse_args(
    args: impl IntoIterator<Item = String>,
) -> Result<Option<LocalOperatorConfig>, String> {
    let mut config = LocalOperatorConfig::default();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => {
                let value = args.next().ok_or("--port needs a value")?;
                config.port = value
                    .parse()
                    .map_err(|_| format!("--port: not a port number: '{value}'"))?;
            }
            "--euid" => config.scope = IdentityScope::Euid,
            "--opt-out" => config
                .opt_out
                .push(args.next().ok_or("--opt-out needs a value")?),
            "-h" | "--help" => return Ok(None),
            other => return Err(format!("unknown argument '{other}'")),
        }
    }
    Ok(Some(config))
}

#[tokio::main]
async fn main() -> ExitCode {
    let config = match parse_args(std::env::args().skip(1)) {
        Ok(Some(c)) => c,
        Ok(None) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("error: {message} (see uid2-local-operator --help)");
            return ExitCode::from(2);
        }
    };
    let operator = match LocalOperator::start(config).await {
        Ok(o) => o,
        Err(e) => {
            eprintln!("cannot start the local operator: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("UID2 local operator listening on {}", operator.base_url());
    println!("scope:         {}", operator.config().scope);
    println!("api key:       {}", operator.api_key());
    println!("client secret: {}", operator.client_secret());
    println!("site id:       {}", operator.site_id());
    println!(
        "cstg subscription id: {}",
        operator.client_side_subscription_id()
    );
    println!(
        "cstg public key:      {}",
        operator.client_side_public_key()
    );
    println!("(test credentials; press Ctrl-C to stop)");
    if tokio::signal::ctrl_c().await.is_err() {
        eprintln!("cannot listen for Ctrl-C; stopping");
    }
    operator.shutdown().await;
    ExitCode::SUCCESS
}
