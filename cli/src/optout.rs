//! `uid2 optout-status`: which raw UID2s of a file have opted out, in requests of at most
//! 5,000 ids, streamed.

use std::io::{BufRead as _, BufReader};
use std::time::Duration;

use uid2::SecureRandom as _;
use uid2::operator::optout_status::{MAX_IDS_PER_REQUEST, OptoutStatusRequest};
use uid2_blocking::{Error as ClientError, OptOutStatusClient, OsRandom, RetryConfig};

use crate::args::OptoutArgs;
use crate::config::Settings;
use crate::error::CliError;
use crate::identity::{Rejects, open_input, open_output};
use crate::output::rfc3339;

/// Calls `attempt` until it succeeds, fails for good, or runs out of attempts; waits between
/// attempts as the retry policy says (jittered exponential backoff, the core's schedule).
pub(crate) fn with_retries<T>(
    policy: &RetryConfig,
    mut attempt: impl FnMut() -> Result<T, ClientError>,
) -> Result<T, ClientError> {
    let mut done = 0u32;
    loop {
        let result = attempt();
        done = done.saturating_add(1);
        match result {
            Err(e) if e.is_retryable() && done < policy.max_attempts => {
                let mut random = [0u8; 4];
                let jitter = OsRandom
                    .fill(&mut random)
                    .map_or(0, |()| u32::from_le_bytes(random));
                std::thread::sleep(policy.backoff(done, jitter));
            }
            other => return other,
        }
    }
}

pub(crate) fn run(settings: &Settings<'_>, args: &OptoutArgs) -> Result<(), CliError> {
    let config = settings.client_config()?;
    let base_url = config.base_url.clone();
    let client = OptOutStatusClient::new(config)
        .map_err(|e| CliError::client("cannot create the client", &e, &base_url))?;
    let policy =
        RetryConfig::default().with_backoff(Duration::from_millis(500), Duration::from_secs(30));
    let input = open_input(&args.input)?;
    let mut rejects = Rejects::new(settings.global.quiet);
    let mut w = csv::Writer::from_writer(open_output(args.output.as_deref())?);
    let io_error = |e: csv::Error| CliError::failure(format!("cannot write the output: {e}"));
    w.write_record(["raw_uid", "opted_out_since"])
        .map_err(io_error)?;

    let mut batch: Vec<String> = Vec::with_capacity(MAX_IDS_PER_REQUEST);
    let flush = |batch: &mut Vec<String>, w: &mut csv::Writer<_>| -> Result<(), CliError> {
        if batch.is_empty() {
            return Ok(());
        }
        let request = OptoutStatusRequest::new(batch.iter())
            .map_err(|e| CliError::failure(format!("cannot build the request: {e}")))?;
        let response = with_retries(&policy, || client.get_optout_status(request.clone()))
            .map_err(|e| CliError::client("opt-out status failed", &e, &base_url))?;
        for id in batch.drain(..) {
            let since = response
                .opted_out_since(&id)
                .map(rfc3339)
                .unwrap_or_default();
            w.write_record([id.as_str(), since.as_str()])
                .map_err(io_error)?;
        }
        Ok(())
    };

    match &args.column {
        None => {
            let reader = BufReader::new(input);
            for (n, line) in reader.lines().enumerate() {
                let line =
                    line.map_err(|e| CliError::failure(format!("cannot read the input: {e}")))?;
                let id = line.trim();
                if id.is_empty() {
                    rejects.report(
                        u64::try_from(n).unwrap_or(u64::MAX).saturating_add(1),
                        "empty line (left out)",
                    );
                    continue;
                }
                batch.push(id.to_owned());
                if batch.len() >= MAX_IDS_PER_REQUEST {
                    flush(&mut batch, &mut w)?;
                }
            }
        }
        Some(column) => {
            let mut rdr = csv::ReaderBuilder::new().flexible(false).from_reader(input);
            let index = rdr
                .headers()
                .map_err(|e| CliError::failure(format!("cannot read the header: {e}")))?
                .iter()
                .position(|h| h.trim() == column)
                .ok_or_else(|| CliError::usage(format!("the input has no column {column:?}")))?;
            for record in rdr.records() {
                match record {
                    Ok(r) => {
                        let id = r.get(index).unwrap_or_default().trim();
                        if id.is_empty() {
                            let line = r.position().map_or(0, csv::Position::line);
                            rejects.report(line, "empty value (left out)");
                            continue;
                        }
                        batch.push(id.to_owned());
                    }
                    Err(e) => match e.kind() {
                        csv::ErrorKind::UnequalLengths { pos, .. } => {
                            rejects.report(
                                pos.as_ref().map_or(0, csv::Position::line),
                                "not a valid CSV record (left out)",
                            );
                        }
                        _ => return Err(CliError::failure(format!("cannot read the input: {e}"))),
                    },
                }
                if batch.len() >= MAX_IDS_PER_REQUEST {
                    flush(&mut batch, &mut w)?;
                }
            }
        }
    }
    flush(&mut batch, &mut w)?;
    w.flush()
        .map_err(|e| CliError::failure(format!("cannot write the output: {e}")))?;
    rejects.finish("input lines were left out")
}
