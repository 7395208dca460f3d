//! `uid2 optout-status`: which raw UID2s of a file have opted out, in requests of at most
//! 5,000 ids, streamed.

use std::io::{BufRead as _, BufReader, BufWriter, Write};
use std::time::Duration;

use uid2::operator::optout_status::{MAX_IDS_PER_REQUEST, OptoutStatusRequest};
use uid2::{SecureRandom as _, Timestamp};
use uid2_blocking::{Error as ClientError, OptOutStatusClient, OsRandom, RetryConfig};

use crate::args::OptoutArgs;
use crate::config::Settings;
use crate::error::CliError;
use crate::identity::{Rejects, RowError, open_input, open_output};
use crate::output::{rfc3339, write_json_line};

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

/// One input row, kept in input order until its batch is answered.
enum Entry {
    /// A raw UID2 to ask about.
    Id { line: u64, id: String },
    /// `--json` only: a row left out, written in its place among the answers.
    Rejected { line: u64, error: RowError },
}

/// `--json`: the answer for one raw UID2.
#[derive(serde::Serialize)]
struct JsonStatus<'a> {
    line: u64,
    raw_uid: &'a str,
    opted_out: bool,
    /// RFC 3339, or `null` when not opted out.
    opted_out_since: Option<String>,
}

/// `--json`: a row left out.
#[derive(serde::Serialize)]
struct JsonRejected<'a> {
    line: u64,
    error: &'static str,
    reason: &'a str,
}

/// Where the answers go: CSV, or JSON Lines with `--json`.
#[expect(clippy::large_enum_variant, reason = "one value per run")]
enum Out {
    Csv(csv::Writer<Box<dyn Write>>),
    Json(BufWriter<Box<dyn Write>>),
}

fn write_error(e: impl std::fmt::Display) -> CliError {
    CliError::failure(format!("cannot write the output: {e}"))
}

impl Out {
    fn new(output: Box<dyn Write>, json: bool) -> Result<Self, CliError> {
        if json {
            return Ok(Self::Json(BufWriter::new(output)));
        }
        let mut w = csv::Writer::from_writer(output);
        w.write_record(["raw_uid", "opted_out_since"])
            .map_err(write_error)?;
        Ok(Self::Csv(w))
    }

    fn entry(&mut self, entry: &Entry, since: Option<Timestamp>) -> Result<(), CliError> {
        match (self, entry) {
            (Self::Csv(w), Entry::Id { id, .. }) => {
                let since = since.map(rfc3339).unwrap_or_default();
                w.write_record([id.as_str(), since.as_str()])
                    .map_err(write_error)
            }
            // Left-out rows are reported on standard error only.
            (Self::Csv(_), Entry::Rejected { .. }) => Ok(()),
            (Self::Json(w), Entry::Id { line, id }) => write_json_line(
                w,
                &JsonStatus {
                    line: *line,
                    raw_uid: id,
                    opted_out: since.is_some(),
                    opted_out_since: since.map(rfc3339),
                },
            )
            .map_err(write_error),
            (Self::Json(w), Entry::Rejected { line, error }) => write_json_line(
                w,
                &JsonRejected {
                    line: *line,
                    error: error.code(),
                    reason: error.reason(),
                },
            )
            .map_err(write_error),
        }
    }

    fn flush(&mut self) -> Result<(), CliError> {
        match self {
            Self::Csv(w) => w.flush(),
            Self::Json(w) => w.flush(),
        }
        .map_err(write_error)
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
    let json = settings.global.json;
    let mut rejects = Rejects::new(settings.global.quiet, json);
    let mut w = Out::new(open_output(args.output.as_deref())?, json)?;

    // At most MAX_IDS_PER_REQUEST entries: one request's ids and (--json) the rows left out
    // between them.
    let mut batch: Vec<Entry> = Vec::with_capacity(MAX_IDS_PER_REQUEST);
    let flush = |batch: &mut Vec<Entry>, w: &mut Out| -> Result<(), CliError> {
        let ids = || {
            batch.iter().filter_map(|e| match e {
                Entry::Id { id, .. } => Some(id.as_str()),
                Entry::Rejected { .. } => None,
            })
        };
        let response = if ids().next().is_some() {
            let request = OptoutStatusRequest::new(ids())
                .map_err(|e| CliError::failure(format!("cannot build the request: {e}")))?;
            Some(
                with_retries(&policy, || client.get_optout_status(request.clone()))
                    .map_err(|e| CliError::client("opt-out status failed", &e, &base_url))?,
            )
        } else {
            None
        };
        for entry in batch.drain(..) {
            let since = match (&entry, &response) {
                (Entry::Id { id, .. }, Some(r)) => r.opted_out_since(id),
                _ => None,
            };
            w.entry(&entry, since)?;
        }
        Ok(())
    };
    // A row left out: reported, and with --json written in its place.
    let mut reject = |batch: &mut Vec<Entry>, line: u64, error: RowError| {
        rejects.report(line, error.reason());
        if json {
            batch.push(Entry::Rejected { line, error });
        }
    };

    match &args.column {
        None => {
            let reader = BufReader::new(input);
            for (n, line) in reader.lines().enumerate() {
                let line =
                    line.map_err(|e| CliError::failure(format!("cannot read the input: {e}")))?;
                let number = u64::try_from(n).unwrap_or(u64::MAX).saturating_add(1);
                let id = line.trim();
                if id.is_empty() {
                    reject(&mut batch, number, RowError::Empty("empty line (left out)"));
                } else {
                    batch.push(Entry::Id {
                        line: number,
                        id: id.to_owned(),
                    });
                }
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
                        let line = r.position().map_or(0, csv::Position::line);
                        if id.is_empty() {
                            reject(&mut batch, line, RowError::Empty("empty value (left out)"));
                        } else {
                            batch.push(Entry::Id {
                                line,
                                id: id.to_owned(),
                            });
                        }
                    }
                    Err(e) => match e.kind() {
                        csv::ErrorKind::UnequalLengths { pos, .. } => {
                            reject(
                                &mut batch,
                                pos.as_ref().map_or(0, csv::Position::line),
                                RowError::Malformed("not a valid CSV record (left out)".into()),
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
    w.flush()?;
    rejects.finish("input lines were left out")
}
