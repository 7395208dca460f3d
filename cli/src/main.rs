//! `uid2`: the UID2 / EUID command-line tool.
//!
//! A shell around the `uid2` core and the `uid2-blocking` adapter: argument parsing, files,
//! terminals and output formats live here; every protocol decision (envelopes, token layouts,
//! normalization, batching, retries) is the core's or the adapter's. Run `uid2 --help`.

#![forbid(unsafe_code)]
#![allow(
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    reason = "a std-only binary: files, threads, terminals"
)]

mod args;
mod checkpoint;
mod config;
mod envelope;
mod error;
mod identity;
mod interrupt;
mod keys;
mod map;
mod operator;
mod optout;
mod output;
mod pyjson;
mod token;

use std::process::ExitCode;

use clap::Parser as _;

use crate::args::{Cli, Command, EnvelopeCommand, OperatorCommand};
use crate::config::Settings;
use crate::error::{CliError, Exit};

fn run(cli: Cli) -> Result<(), CliError> {
    let settings = Settings::new(&cli.global);
    match cli.command {
        Command::Envelope(EnvelopeCommand::EncryptRequest(args)) => {
            envelope::encrypt_request(&settings, &args)
        }
        Command::Envelope(EnvelopeCommand::DecryptResponse(args)) => {
            envelope::decrypt_response(&settings, &args)
        }
        Command::Token(command) => token::run(&settings, command),
        Command::Keys(command) => keys::run(&settings, command),
        Command::Normalize(args) => identity::run(&settings, &args, identity::Op::Normalize),
        Command::Hash(args) => identity::run(&settings, &args, identity::Op::Hash),
        Command::Map(args) => map::map(&settings, args),
        Command::Remap(args) => map::remap(&settings, args),
        Command::OptoutStatus(args) => optout::run(&settings, &args),
        Command::Operator(OperatorCommand::Serve {
            port,
            euid,
            opt_out,
        }) => operator::serve(&settings, port, euid, opt_out),
    }
}

/// `map` and `remap` keep up to 20 requests in flight, one thread each. glibc's allocator gives
/// each of those threads a heap of its own (up to 8 per core) and keeps each heap at its peak,
/// which adds tens of megabytes to the resident size for nothing. Unless `MALLOC_ARENA_MAX` is
/// already set, these two commands restart themselves (exec, same process id) with it set to 4,
/// which keeps the peak resident size of a 1,000,000-row map well under 100 MB at the same
/// speed. Anything that goes wrong here just leaves the process as it is.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn limit_allocator_heaps(cli: &Cli) {
    use std::os::unix::process::CommandExt as _;
    const VAR: &str = "MALLOC_ARENA_MAX";
    if !matches!(cli.command, Command::Map(_) | Command::Remap(_))
        || std::env::var_os(VAR).is_some()
    {
        return;
    }
    if let Ok(exe) = std::env::current_exe() {
        // Returns only when the exec failed.
        let _ = std::process::Command::new(exe)
            .args(std::env::args_os().skip(1))
            .env(VAR, "4")
            .exec();
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn limit_allocator_heaps(_: &Cli) {}

fn main() -> ExitCode {
    let cli = Cli::parse();
    limit_allocator_heaps(&cli);
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let label = match e.exit() {
                Exit::Partial => "warning",
                Exit::Interrupted => "interrupted",
                _ => "error",
            };
            eprintln!("uid2: {label}: {e}");
            ExitCode::from(e.exit().code())
        }
    }
}
