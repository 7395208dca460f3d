//! `uid2 map` and `uid2 remap`: CSV files through `/v3/identity/map`, streamed, in order,
//! with a durable checkpoint.
//!
//! Three kinds of threads:
//! * the reader parses the CSV file into chunks of at most `--batch-size` rows (one request
//!   each) and reports lines that are not valid CSV;
//! * `--max-in-flight` workers validate and hash the values (the core's normalization), send
//!   each chunk with [`IdentityMapV3Client::map_bulk`] (which retries 429, 5xx and connection
//!   failures with jittered backoff) and format the output rows;
//! * the calling thread writes finished chunks in input order, checkpoints (see
//!   [`crate::checkpoint`]) and draws the progress bar.
//!
//! Memory is bounded: at most `max_in_flight + 4` chunks exist at any time, whatever the file
//! size.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek as _, SeekFrom, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use uid2::Timestamp;
use uid2::identity::{self, HashedIdentity, IdentityError};
use uid2::operator::identity_map_v3::{IdentityMapV3Input, IdentityMapV3Response};
use uid2_blocking::IdentityMapV3Client;

use crate::args::{MapArgs, MapTypeArg, RemapArgs, SendArgs};
use crate::checkpoint::{self, Checkpoint, Counts, InputPosition, RunKey};
use crate::config::{self, Settings};
use crate::error::{CliError, Exit};
use crate::identity::RowError;
use crate::interrupt::{self, Interrupt};
use crate::output::{self, parse_rfc3339, rfc3339};

/// The columns `uid2 map` adds, in order.
pub(crate) const RESULT_COLUMNS: [&str; 4] =
    ["uid", "previous_uid", "refresh_from", "unmapped_reason"];
/// The reason written for values rejected before sending.
const INVALID_REASON: &str = "invalid identifier";
/// Rejected lines printed on standard error per run; the rest are only counted.
const MAX_PRINTED_NOTES: u64 = 50;
/// Least time between two checkpoints (the last one is always written).
const CHECKPOINT_INTERVAL: Duration = Duration::from_millis(200);

/// What a run does with each row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Map every row; add the result columns.
    Map,
    /// Re-map rows (all, or those due before the time) of a map output; keep the columns.
    Remap { due_before: Option<Timestamp> },
}

/// One run, as the options describe it.
struct Job {
    mode: Mode,
    /// `None` for standard input.
    input: Option<PathBuf>,
    /// The file written.
    output: PathBuf,
    /// Remap in place: the file that the output replaces when the run completes.
    replace: Option<PathBuf>,
    column: String,
    kind: MapTypeArg,
    resume: bool,
    force: bool,
    send: SendArgs,
}

/// What a row's value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SendKind {
    Email,
    Phone,
    EmailHash,
    PhoneHash,
}

/// What a worker does with one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Plan {
    /// Validate (and hash) the identity column as this kind, then send it.
    Send(SendKind),
    /// Copy the row unchanged (remap: not due).
    Keep,
}

/// How a worker found a row.
enum Lookup {
    /// Not sent: copied unchanged.
    Keep,
    /// Rejected before sending.
    Invalid,
    /// Sent as itself (an email or phone number): its result is under its own text.
    Value,
    /// Sent as this hash: its result is under the hash text.
    Hash(HashedIdentity),
}

/// The rows of a chunk, stored flat (all fields in one buffer, one end offset per field), so
/// that a row costs its bytes and a few words, not several allocations.
struct RowStore {
    width: usize,
    data: Vec<u8>,
    ends: Vec<usize>,
    lines: Vec<u64>,
    plans: Vec<Plan>,
}

impl RowStore {
    fn new(width: usize, rows: usize) -> Self {
        Self {
            width: width.max(1),
            data: Vec::with_capacity(rows.saturating_mul(48)),
            ends: Vec::with_capacity(rows.saturating_mul(width)),
            lines: Vec::with_capacity(rows),
            plans: Vec::with_capacity(rows),
        }
    }

    fn len(&self) -> usize {
        self.plans.len()
    }

    fn push(&mut self, record: &csv::ByteRecord, line: u64, plan: Plan) {
        for field in record.iter() {
            self.data.extend_from_slice(field);
            self.ends.push(self.data.len());
        }
        self.lines.push(line);
        self.plans.push(plan);
    }

    /// The fields of row `row`.
    fn fields(&self, row: usize) -> impl Iterator<Item = &[u8]> + '_ {
        let first = row.saturating_mul(self.width);
        let start = first
            .checked_sub(1)
            .and_then(|i| self.ends.get(i).copied())
            .unwrap_or(0);
        let ends = self
            .ends
            .get(first..first.saturating_add(self.width))
            .unwrap_or_default();
        ends.iter().scan(start, |from, &end| {
            let field = self.data.get(*from..end).unwrap_or_default();
            *from = end;
            Some(field)
        })
    }

    fn field(&self, row: usize, index: usize) -> &[u8] {
        self.fields(row).nth(index).unwrap_or_default()
    }
}

/// A line that could not be read as a record, or a value that is not valid.
struct Note {
    line: u64,
    error: RowError,
}

impl Note {
    /// The line on standard error, without `--json`.
    fn text(&self) -> String {
        match &self.error {
            RowError::Malformed(_) => self.error.reason().to_owned(),
            _ => format!(
                "{} (written with unmapped_reason '{INVALID_REASON}')",
                self.error.reason()
            ),
        }
    }
}

/// `--json`: a rejected line on standard error (JSON Lines).
#[derive(serde::Serialize)]
struct JsonNote<'a> {
    line: u64,
    error: &'static str,
    reason: &'a str,
    /// Set when the row was written with this reason; absent when it was left out.
    #[serde(skip_serializing_if = "Option::is_none")]
    unmapped_reason: Option<&'static str>,
}

struct Chunk {
    seq: u64,
    rows: RowStore,
    notes: Vec<Note>,
    rejected_lines: u64,
    next: InputPosition,
}

struct Done {
    seq: u64,
    bytes: Vec<u8>,
    counts: Counts,
    notes: Vec<Note>,
    next: InputPosition,
}

/// Where the columns are.
#[derive(Clone)]
struct Layout {
    /// Fields per row.
    width: usize,
    identity: usize,
    /// Remap: the result columns' positions in the input.
    results: Option<[usize; 4]>,
    refresh_from: Option<usize>,
}

pub(crate) fn map(settings: &Settings<'_>, args: MapArgs) -> Result<(), CliError> {
    let input = (args.input != "-").then(|| PathBuf::from(&args.input));
    if input.is_none() && args.resume {
        return Err(CliError::usage(
            "--resume needs an input file, not standard input",
        ));
    }
    if input.as_deref().is_some_and(|i| same_file(i, &args.output)) {
        return Err(CliError::usage("the output is the input").hint(
            "write the mapped file elsewhere; `uid2 remap` refreshes a mapped file in place",
        ));
    }
    run(
        settings,
        Job {
            mode: Mode::Map,
            input,
            output: args.output,
            replace: None,
            column: args.column,
            kind: args.kind,
            resume: args.resume,
            force: args.force,
            send: args.send,
        },
    )
}

pub(crate) fn remap(settings: &Settings<'_>, args: RemapArgs) -> Result<(), CliError> {
    let due_before = if args.due {
        Some(match &args.at {
            Some(t) => output::parse_time(t)?,
            None => config::now(),
        })
    } else {
        None
    };
    let (output, replace) = match args.output {
        Some(o) => (o, None),
        None => {
            let mut tmp = args.input.as_os_str().to_owned();
            tmp.push(".remap-tmp");
            (PathBuf::from(tmp), Some(args.input.clone()))
        }
    };
    if replace.is_none() && same_file(&args.input, &output) {
        return Err(
            CliError::usage("the output is the input").hint("leave out -o to replace the input")
        );
    }
    run(
        settings,
        Job {
            mode: Mode::Remap { due_before },
            input: Some(args.input),
            output,
            replace,
            column: args.column,
            kind: args.kind,
            resume: args.resume,
            // In place, a leftover temporary file is ours to overwrite.
            force: args.force,
            send: args.send,
        },
    )
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

fn kind_name(kind: MapTypeArg) -> &'static str {
    match kind {
        MapTypeArg::Email => "email",
        MapTypeArg::Phone => "phone",
        MapTypeArg::EmailHash => "email_hash",
        MapTypeArg::PhoneHash => "phone_hash",
        MapTypeArg::Auto => "auto",
    }
}

/// The run key of `job` for its input file.
fn run_key(job: &Job, input: &Path) -> Result<RunKey, CliError> {
    let meta = std::fs::metadata(input).map_err(|e| CliError::io("read", input, &e))?;
    let modified = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    Ok(RunKey {
        command: match job.mode {
            Mode::Map => "map".into(),
            Mode::Remap { .. } => "remap".into(),
        },
        input: input.canonicalize().unwrap_or_else(|_| input.to_path_buf()),
        input_len: meta.len(),
        input_modified_ns: modified,
        column: job.column.clone(),
        kind: kind_name(job.kind).into(),
        due_before_ms: match job.mode {
            Mode::Remap { due_before } => due_before.map(Timestamp::as_millis),
            Mode::Map => None,
        },
    })
}

/// Finds the identity column (and for remap the result columns) in the header.
fn layout(job: &Job, header: &csv::ByteRecord) -> Result<Layout, CliError> {
    let find = |name: &str| header.iter().position(|h| trim(h) == name.as_bytes());
    let names = || {
        header
            .iter()
            .map(|h| String::from_utf8_lossy(h).into_owned())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let identity = find(&job.column).ok_or_else(|| {
        CliError::usage(format!("the input has no column {:?}", job.column))
            .hint(format!("pass --column with one of: {}", names()))
    })?;
    let (results, refresh_from) = match job.mode {
        Mode::Map => {
            if let Some(clash) = RESULT_COLUMNS.iter().find(|c| find(c).is_some()) {
                return Err(CliError::usage(format!(
                    "the input already has a {clash:?} column: it looks like a map output"
                ))
                .hint("use `uid2 remap` to refresh a map output"));
            }
            (None, None)
        }
        Mode::Remap { .. } => {
            let mut at = [0usize; 4];
            for (slot, name) in at.iter_mut().zip(RESULT_COLUMNS) {
                *slot = find(name).ok_or_else(|| {
                    CliError::usage(format!("the input has no {name:?} column"))
                        .hint("remap reads files written by `uid2 map`")
                })?;
            }
            (Some(at), at.get(2).copied())
        }
    };
    Ok(Layout {
        width: header.len(),
        identity,
        results,
        refresh_from,
    })
}

fn trim(bytes: &[u8]) -> &[u8] {
    bytes.trim_ascii()
}

/// The output file, positioned at its end: new (header written), or resumed (truncated to the
/// checkpoint).
fn open_output(job: &Job, header: &[u8], resume_len: Option<u64>) -> Result<File, CliError> {
    let path = &job.output;
    let result = (|| -> io::Result<File> {
        match resume_len {
            Some(len) => {
                let mut file = OpenOptions::new().read(true).write(true).open(path)?;
                let actual = file.metadata()?.len();
                if actual < len {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!(
                            "it is {actual} bytes long, shorter than the {len} bytes the checkpoint recorded"
                        ),
                    ));
                }
                file.set_len(len)?;
                file.seek(SeekFrom::Start(len))?;
                Ok(file)
            }
            None => {
                let mut file = OpenOptions::new()
                    .write(true)
                    .create(true)
                    .truncate(true)
                    .open(path)?;
                file.write_all(header)?;
                Ok(file)
            }
        }
    })();
    result.map_err(|e| CliError::io("write", path, &e))
}

/// Encodes one CSV record.
fn encode<'a, I>(fields: I) -> Result<Vec<u8>, CliError>
where
    I: IntoIterator<Item = &'a [u8]>,
{
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    w.write_record(fields)
        .map_err(|e| CliError::failure(format!("cannot encode a row: {e}")))?;
    w.into_inner()
        .map_err(|e| CliError::failure(format!("cannot encode a row: {}", e.error())))
}

fn run(settings: &Settings<'_>, job: Job) -> Result<(), CliError> {
    let started = config::instant();
    // The progress bar is hidden with --json too; rejected lines are still reported.
    let quiet = settings.global.quiet;
    let ckpt_path = checkpoint::path_for(&job.output);
    // Decide between a new run and a resumed one before touching anything.
    let resumed = if job.resume {
        if !ckpt_path.exists() {
            return Err(CliError::usage(format!(
                "nothing to resume: {} does not exist",
                ckpt_path.display()
            ))
            .hint("the last run completed, or never started; run without --resume"));
        }
        Some(Checkpoint::load(&ckpt_path)?)
    } else {
        if ckpt_path.exists() && !job.force {
            return Err(CliError::usage(format!(
                "an interrupted run left {}",
                ckpt_path.display()
            ))
            .hint("pass --resume to continue it, or --force to start over"));
        }
        if job.output.exists() && !job.force && job.replace.is_none() {
            return Err(CliError::usage(format!("{} exists", job.output.display()))
                .hint("pass --force to overwrite it"));
        }
        None
    };
    let run_key = match &job.input {
        Some(path) => Some(run_key(&job, path)?),
        None => None,
    };
    if let (Some(ck), Some(key)) = (&resumed, &run_key)
        && ck.run != *key
    {
        let what = if ck.run.input != key.input {
            "another input file"
        } else if ck.run.input_len != key.input_len
            || ck.run.input_modified_ns != key.input_modified_ns
        {
            "the input as it was (it has changed since)"
        } else {
            "other options (command, --column, --type or --due time)"
        };
        return Err(CliError::usage(format!(
            "the checkpoint {} belongs to {what}",
            ckpt_path.display()
        ))
        .hint("resume with the same command and options, or start over with --force"));
    }

    let config = settings.client_config()?.with_retry(job.send.retry());
    let base_url = config.base_url.clone();
    let client = IdentityMapV3Client::new(config)
        .map_err(|e| CliError::client("cannot create the client", &e, &base_url))?;

    let input_len = run_key.as_ref().map(|k| k.input_len);
    let resume_hint = if job.input.is_some() {
        let due_before = match job.mode {
            Mode::Remap { due_before } => due_before,
            Mode::Map => None,
        };
        let args: Vec<_> = std::env::args_os().skip(1).collect();
        format!(
            "continue with `{}`",
            interrupt::resume_command(&args, due_before)
        )
    } else {
        "standard input cannot be resumed: run again with the input in a file".to_owned()
    };
    let interrupt = Interrupt::install(resume_hint.clone());
    let stopping = Stopping {
        interrupt: &interrupt,
        resume_hint,
    };
    match &job.input {
        Some(path) => {
            let file = File::open(path).map_err(|e| CliError::io("read", path, &e))?;
            let mut rdr = reader_builder().from_reader(file);
            let header = rdr.byte_headers().map_err(|e| csv_fatal(path, &e))?.clone();
            if let Some(ck) = &resumed {
                rdr.seek(ck.next.to_csv())
                    .map_err(|e| csv_fatal(path, &e))?;
            }
            let start = InputPosition::of(rdr.position());
            pipeline(
                settings, &job, &client, &base_url, rdr, &header, start, resumed, run_key,
                input_len, quiet, started, &stopping,
            )
        }
        None => {
            let mut rdr = reader_builder().from_reader(io::stdin());
            let header = rdr
                .byte_headers()
                .map_err(|e| csv_fatal(Path::new("standard input"), &e))?
                .clone();
            let start = InputPosition::of(rdr.position());
            pipeline(
                settings, &job, &client, &base_url, rdr, &header, start, None, None, None, quiet,
                started, &stopping,
            )
        }
    }
}

/// What a run needs to stop early on a signal.
struct Stopping<'a> {
    interrupt: &'a Interrupt,
    /// How to continue: the `--resume` command (or why there is none).
    resume_hint: String,
}

fn reader_builder() -> csv::ReaderBuilder {
    let mut b = csv::ReaderBuilder::new();
    b.has_headers(true).flexible(false).buffer_capacity(1 << 16);
    b
}

fn csv_fatal(path: &Path, e: &csv::Error) -> CliError {
    CliError::failure(format!("cannot read {}: {e}", path.display()))
}

/// Everything the writer tracks.
struct Progress {
    bar: ProgressBar,
    counts: Counts,
    printed_notes: u64,
    quiet: bool,
    /// `--json`: rejected lines as JSON Lines.
    json: bool,
    /// A signal asked the run to stop: the bar says so instead of the rate.
    interrupted: bool,
    started: Instant,
    resumed_rows: u64,
}

impl Progress {
    fn note(&mut self, note: &Note) {
        if self.quiet {
            return;
        }
        if self.json {
            // Every rejected line, one object each: no "further lines" text to break a parser.
            let object = JsonNote {
                line: note.line,
                error: note.error.code(),
                reason: note.error.reason(),
                unmapped_reason: (!matches!(note.error, RowError::Malformed(_)))
                    .then_some(INVALID_REASON),
            };
            self.bar.suspend(|| {
                let mut err = io::stderr().lock();
                // Standard error is where failures are reported: nowhere else to say it failed.
                let _ = output::write_json_line(&mut err, &object).and_then(|()| err.flush());
            });
            return;
        }
        self.printed_notes = self.printed_notes.saturating_add(1);
        if self.printed_notes <= MAX_PRINTED_NOTES {
            self.bar
                .suspend(|| eprintln!("line {}: {}", note.line, note.text()));
        } else if self.printed_notes == MAX_PRINTED_NOTES.saturating_add(1) {
            self.bar.suspend(|| {
                eprintln!("(further rejected lines are counted, not printed)");
            });
        }
    }

    fn update(&self, input_pos: u64) {
        let rows = self.counts.rows.saturating_sub(self.resumed_rows);
        let secs = self.started.elapsed().as_secs_f64().max(1e-3);
        #[expect(
            clippy::cast_precision_loss,
            clippy::as_conversions,
            reason = "a rate for display"
        )]
        let rate = rows as f64 / secs;
        self.bar.set_position(input_pos);
        if !self.interrupted {
            self.bar
                .set_message(format!("{} rows, {rate:.0} rows/s", self.counts.rows));
        }
    }
}

#[expect(
    clippy::too_many_arguments,
    reason = "one call site per input kind; a struct would only rename the arguments"
)]
fn pipeline<R: Read + Send>(
    settings: &Settings<'_>,
    job: &Job,
    client: &IdentityMapV3Client,
    base_url: &str,
    rdr: csv::Reader<R>,
    header: &csv::ByteRecord,
    start: InputPosition,
    resumed: Option<Checkpoint>,
    run_key: Option<RunKey>,
    input_len: Option<u64>,
    quiet: bool,
    started: Instant,
    stopping: &Stopping<'_>,
) -> Result<(), CliError> {
    let layout = layout(job, header)?;
    let header_bytes = match job.mode {
        Mode::Map => encode(
            header
                .iter()
                .chain(RESULT_COLUMNS.iter().map(|c| c.as_bytes())),
        )?,
        Mode::Remap { .. } => encode(header.iter())?,
    };
    let mut out = open_output(job, &header_bytes, resumed.as_ref().map(|c| c.output_len))?;
    let mut output_len = match &resumed {
        Some(ck) => ck.output_len,
        None => u64::try_from(header_bytes.len()).unwrap_or(u64::MAX),
    };
    let ckpt_path = checkpoint::path_for(&job.output);
    let counts = resumed.as_ref().map(|c| c.counts).unwrap_or_default();
    if let Some(key) = &run_key
        && resumed.is_none()
    {
        // The header is in place: a run killed from here on resumes after it.
        out.sync_data()
            .map_err(|e| CliError::io("write", &job.output, &e))?;
        Checkpoint::new(key.clone(), output_len, start, counts).store(&ckpt_path)?;
    }

    let bar = if quiet || settings.global.json {
        ProgressBar::hidden()
    } else {
        let bar = match input_len {
            Some(len) => ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr()),
            None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()),
        };
        let template = if input_len.is_some() {
            "{spinner} [{elapsed_precise}] {wide_bar} {percent:>3}% {msg} (ETA {eta})"
        } else {
            "{spinner} [{elapsed_precise}] {msg}"
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style);
        }
        bar.enable_steady_tick(Duration::from_millis(200));
        bar
    };
    let mut progress = Progress {
        bar,
        counts,
        printed_notes: 0,
        quiet,
        json: settings.global.json,
        interrupted: false,
        started,
        resumed_rows: counts.rows,
    };
    progress.update(start.byte);

    let workers = usize::try_from(job.send.max_in_flight).unwrap_or(1).max(1);
    // Chunks in memory at once: those being sent, a few read ahead, and those waiting for an
    // earlier one to finish so that the output stays in order.
    let window = workers.saturating_add(4);
    let batch = usize::try_from(job.send.batch_size).unwrap_or(5000).max(1);
    let stop = AtomicBool::new(false);
    let (chunk_tx, chunk_rx) = mpsc::sync_channel::<Chunk>(2);
    let chunk_rx = Arc::new(Mutex::new(chunk_rx));
    let (done_tx, done_rx) = mpsc::channel::<Result<Done, (u64, CliError)>>();
    let (token_tx, token_rx) = mpsc::sync_channel::<()>(window);
    for _ in 0..window {
        let _ = token_tx.try_send(());
    }

    let mut failure: Option<(u64, CliError)> = None;
    // Chunks written, and (once the reader reaches the end) chunks read.
    let mut next_seq = 0u64;
    let chunks_read = AtomicU64::new(u64::MAX);
    let mut next_position = start;
    let mut last_checkpoint = config::instant();
    std::thread::scope(|scope| {
        {
            let done_tx = done_tx.clone();
            let stop = &stop;
            let chunks_read = &chunks_read;
            let layout = layout.clone();
            scope.spawn(move || {
                let read = read_chunks(
                    rdr, job, &layout, batch, &chunk_tx, &token_rx, &done_tx, stop,
                );
                if let Some(n) = read {
                    chunks_read.store(n, Ordering::SeqCst);
                }
            });
        }
        for _ in 0..workers {
            let chunk_rx = Arc::clone(&chunk_rx);
            let done_tx = done_tx.clone();
            let stop = &stop;
            let layout = layout.clone();
            scope.spawn(move || {
                loop {
                    let chunk = match chunk_rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => return,
                    };
                    let Ok(chunk) = chunk else { return };
                    if stop.load(Ordering::Relaxed) {
                        continue; // drain: the run is ending
                    }
                    let seq = chunk.seq;
                    let result =
                        process(chunk, job, &layout, client, base_url).map_err(|e| (seq, e));
                    if result.is_err() {
                        stop.store(true, Ordering::Relaxed);
                    }
                    if done_tx.send(result).is_err() {
                        return;
                    }
                }
            });
        }
        drop(done_tx);

        // The writer: finished chunks in order.
        let mut pending: BTreeMap<u64, Done> = BTreeMap::new();
        loop {
            if stopping.interrupt.is_set() && !progress.interrupted {
                // No new batch: the reader stops, queued chunks are dropped, the batches in
                // flight finish and are written if every earlier one was.
                stop.store(true, Ordering::Relaxed);
                progress.interrupted = true;
                progress.bar.set_message(
                    "interrupted: finishing the requests in flight (Ctrl-C again to stop at once)",
                );
            }
            let result = match done_rx.recv_timeout(Duration::from_millis(100)) {
                Ok(result) => result,
                Err(RecvTimeoutError::Timeout) => continue,
                Err(RecvTimeoutError::Disconnected) => break,
            };
            match result {
                Ok(done) => {
                    pending.insert(done.seq, done);
                }
                Err((seq, e)) => {
                    stop.store(true, Ordering::Relaxed);
                    if failure.as_ref().is_none_or(|(s, _)| seq < *s) {
                        failure = Some((seq, e));
                    }
                }
            }
            let mut wrote = false;
            while let Some(done) = pending.remove(&next_seq) {
                if let Err(e) = out.write_all(&done.bytes) {
                    stop.store(true, Ordering::Relaxed);
                    failure = Some((next_seq, CliError::io("write", &job.output, &e)));
                    break;
                }
                output_len =
                    output_len.saturating_add(u64::try_from(done.bytes.len()).unwrap_or(u64::MAX));
                for note in &done.notes {
                    progress.note(note);
                }
                progress.counts.add(&done.counts);
                next_position = done.next;
                next_seq = next_seq.saturating_add(1);
                wrote = true;
                let _ = token_tx.try_send(());
            }
            if wrote {
                progress.update(next_position.byte);
                if let Some(key) = &run_key
                    && last_checkpoint.elapsed() >= CHECKPOINT_INTERVAL
                {
                    let stored = out
                        .sync_data()
                        .map_err(|e| CliError::io("write", &job.output, &e))
                        .and_then(|()| {
                            Checkpoint::new(key.clone(), output_len, next_position, progress.counts)
                                .store(&ckpt_path)
                        });
                    if let Err(e) = stored {
                        stop.store(true, Ordering::Relaxed);
                        failure = Some((next_seq, e));
                    }
                    last_checkpoint = config::instant();
                }
            }
        }
    });
    progress.bar.finish_and_clear();

    // Whatever happened, make what was written durable and say where the next row starts.
    out.sync_data()
        .map_err(|e| CliError::io("write", &job.output, &e))?;
    drop(out);
    if let Some((_, e)) = failure {
        if let Some(key) = &run_key {
            Checkpoint::new(key.clone(), output_len, next_position, progress.counts)
                .store(&ckpt_path)?;
            if settings.global.json {
                let mut err = io::stderr().lock();
                let _ = output::write_json_line(
                    &mut err,
                    &serde_json::json!({
                        "stopped": "failure",
                        "rows_written": progress.counts.rows,
                        "output": job.output.display().to_string(),
                    }),
                );
            } else if !settings.global.quiet {
                eprintln!(
                    "{} rows written to {}; run the same command with --resume to continue",
                    progress.counts.rows,
                    job.output.display()
                );
            }
        }
        return Err(e);
    }
    // Interrupted before the end (a signal after the last row changes nothing).
    if progress.interrupted && next_seq != chunks_read.load(Ordering::SeqCst) {
        if let Some(key) = &run_key {
            Checkpoint::new(key.clone(), output_len, next_position, progress.counts)
                .store(&ckpt_path)?;
        }
        return Err(CliError::new(
            Exit::Interrupted,
            format!(
                "{} rows written to {}",
                progress.counts.rows,
                job.output.display()
            ),
        )
        .hint(stopping.resume_hint.clone()));
    }
    if let Some(target) = &job.replace {
        std::fs::rename(&job.output, target)
            .and_then(|()| checkpoint::sync_dir(target))
            .map_err(|e| CliError::io("replace", target, &e))?;
    }
    if run_key.is_some() {
        std::fs::remove_file(&ckpt_path).map_err(|e| CliError::io("remove", &ckpt_path, &e))?;
    }
    summarize(settings, job, &progress, started)
}

fn summarize(
    settings: &Settings<'_>,
    job: &Job,
    progress: &Progress,
    started: Instant,
) -> Result<(), CliError> {
    let c = progress.counts;
    let elapsed = started.elapsed();
    let this_run = c.rows.saturating_sub(progress.resumed_rows);
    #[expect(
        clippy::cast_precision_loss,
        clippy::as_conversions,
        reason = "a rate for display"
    )]
    let rate = this_run as f64 / elapsed.as_secs_f64().max(1e-3);
    let written = job.replace.as_ref().unwrap_or(&job.output);
    if settings.global.json {
        output::print_json(&serde_json::json!({
            "output": written.display().to_string(),
            "rows": c.rows,
            "mapped": c.mapped,
            "unmapped": c.unmapped,
            "invalid": c.invalid,
            "kept": c.kept,
            "rejected_lines": c.rejected_lines,
            "requests": c.requests,
            "resumed_after_rows": progress.resumed_rows,
            "elapsed_ms": u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
            "rows_per_second": rate.round(),
            "peak_rss_bytes": peak_rss_bytes(),
            "cpu_ms": cpu_millis("/proc/self/stat"),
        }))?;
    } else if !settings.global.quiet {
        eprintln!(
            "{} rows to {} in {:.1} s ({rate:.0} rows/s): {} mapped, {} unmapped, {} invalid{}{}",
            c.rows,
            written.display(),
            elapsed.as_secs_f64(),
            c.mapped,
            c.unmapped,
            c.invalid,
            if c.kept > 0 {
                format!(", {} kept (not due)", c.kept)
            } else {
                String::new()
            },
            if c.rejected_lines > 0 {
                format!("; {} lines rejected", c.rejected_lines)
            } else {
                String::new()
            },
        );
    }
    if c.rejected_lines > 0 || c.invalid > 0 {
        return Err(CliError::new(
            Exit::Partial,
            format!(
                "{} lines were not valid CSV and {} values were not valid identities",
                c.rejected_lines, c.invalid
            ),
        )
        .hint("each is reported above with its line number; the other rows were mapped"));
    }
    Ok(())
}

/// The peak resident set size of this process, from `/proc/self/status` (Linux).
pub(crate) fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line
        .trim_start_matches("VmHWM:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    kb.checked_mul(1024)
}

/// User plus system CPU time of a process, in milliseconds, from its `/proc/<pid>/stat`
/// (Linux; the clock tick there is USER_HZ, 100 per second).
pub(crate) fn cpu_millis(stat_path: &str) -> Option<u64> {
    let stat = std::fs::read_to_string(stat_path).ok()?;
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let rest = stat.rsplit_once(')')?.1;
    let mut fields = rest.split_ascii_whitespace();
    let utime: u64 = fields.nth(11)?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    utime.checked_add(stime)?.checked_mul(10)
}

/// Waits for a window token (bounded memory), giving up when the run stops.
fn acquire(tokens: &Receiver<()>, stop: &AtomicBool) -> bool {
    loop {
        if stop.load(Ordering::Relaxed) {
            return false;
        }
        match tokens.recv_timeout(Duration::from_millis(50)) {
            Ok(()) => return true,
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return false,
        }
    }
}

/// The reader thread: records into chunks. Returns how many chunks it sent when it reached
/// the end of the input, `None` when it stopped before.
#[expect(
    clippy::too_many_arguments,
    reason = "the thread's whole environment, passed once"
)]
fn read_chunks<R: Read>(
    mut rdr: csv::Reader<R>,
    job: &Job,
    layout: &Layout,
    batch: usize,
    chunks: &SyncSender<Chunk>,
    tokens: &Receiver<()>,
    done: &mpsc::Sender<Result<Done, (u64, CliError)>>,
    stop: &AtomicBool,
) -> Option<u64> {
    let mut seq = 0u64;
    let mut record = csv::ByteRecord::new();
    let mut eof = false;
    while !eof {
        if !acquire(tokens, stop) {
            return None;
        }
        let mut chunk = Chunk {
            seq,
            rows: RowStore::new(layout.width, batch),
            notes: Vec::new(),
            rejected_lines: 0,
            next: InputPosition::of(rdr.position()),
        };
        while chunk.rows.len() < batch {
            match rdr.read_byte_record(&mut record) {
                Ok(true) => {
                    let line = record.position().map_or(0, csv::Position::line);
                    chunk.rows.push(&record, line, plan(job, layout, &record));
                }
                Ok(false) => {
                    eof = true;
                    break;
                }
                Err(e) => match e.kind() {
                    csv::ErrorKind::UnequalLengths {
                        pos,
                        expected_len,
                        len,
                    } => {
                        chunk.rejected_lines = chunk.rejected_lines.saturating_add(1);
                        chunk.notes.push(Note {
                            line: pos.as_ref().map_or(0, csv::Position::line),
                            error: RowError::Malformed(format!(
                                "not a valid CSV record: {len} fields where the header has {expected_len} (left out)"
                            )),
                        });
                    }
                    _ => {
                        let _ = done.send(Err((
                            seq,
                            CliError::failure(format!("cannot read the input: {e}")),
                        )));
                        stop.store(true, Ordering::Relaxed);
                        return None;
                    }
                },
            }
            if stop.load(Ordering::Relaxed) {
                return None;
            }
        }
        chunk.next = InputPosition::of(rdr.position());
        if chunk.rows.len() == 0 && chunk.notes.is_empty() && eof {
            return Some(seq);
        }
        if chunks.send(chunk).is_err() {
            return None;
        }
        seq = seq.saturating_add(1);
    }
    // Every chunk is sent: how many.
    Some(seq)
}

/// Decides what to do with a row (cheap: the validation and hashing happen in the workers).
fn plan(job: &Job, layout: &Layout, record: &csv::ByteRecord) -> Plan {
    if let Mode::Remap {
        due_before: Some(now),
    } = job.mode
    {
        let due = layout
            .refresh_from
            .and_then(|i| record.get(i))
            .and_then(|b| std::str::from_utf8(b).ok())
            .and_then(parse_rfc3339)
            .is_some_and(|t| t <= now);
        if !due {
            return Plan::Keep;
        }
    }
    Plan::Send(match job.kind {
        MapTypeArg::Email => SendKind::Email,
        MapTypeArg::Phone => SendKind::Phone,
        MapTypeArg::EmailHash => SendKind::EmailHash,
        MapTypeArg::PhoneHash => SendKind::PhoneHash,
        MapTypeArg::Auto => {
            let value = record.get(layout.identity).unwrap_or_default();
            if value.contains(&b'@') {
                SendKind::Email
            } else {
                SendKind::Phone
            }
        }
    })
}

/// The four result fields of one row.
type Results = [String; 4];

fn invalid() -> Results {
    [
        String::new(),
        String::new(),
        String::new(),
        INVALID_REASON.into(),
    ]
}

/// The identity value of a row: its column, trimmed, as text.
fn value_of<'r>(rows: &'r RowStore, row: usize, layout: &Layout) -> Option<&'r str> {
    std::str::from_utf8(trim(rows.field(row, layout.identity))).ok()
}

/// A worker's job: validate, send, format.
fn process(
    chunk: Chunk,
    job: &Job,
    layout: &Layout,
    client: &IdentityMapV3Client,
    base_url: &str,
) -> Result<Done, CliError> {
    let rows = &chunk.rows;
    let mut counts = Counts::default();
    let mut notes = chunk.notes;
    counts.rejected_lines = chunk.rejected_lines;
    let mut input = IdentityMapV3Input::with_capacity(rows.len());
    let mut lookups: Vec<Lookup> = Vec::with_capacity(rows.len());
    for (row, (&plan, &line)) in rows.plans.iter().zip(&rows.lines).enumerate() {
        let Plan::Send(kind) = plan else {
            lookups.push(Lookup::Keep);
            continue;
        };
        let value = value_of(rows, row, layout);
        let invalid = |e: IdentityError| RowError::Invalid(e.to_string());
        let added = match (kind, value) {
            (_, None) => Err(RowError::NotUtf8),
            (_, Some("")) => Err(RowError::Empty("empty value")),
            (SendKind::Email, Some(v)) => {
                input.add_email(v).map(|_| Lookup::Value).map_err(invalid)
            }
            (SendKind::Phone, Some(v)) => {
                input.add_phone(v).map(|_| Lookup::Value).map_err(invalid)
            }
            (SendKind::EmailHash, Some(v)) => identity::hashed_email(v)
                .map(|h| add_hash(&mut input, h))
                .map_err(invalid),
            (SendKind::PhoneHash, Some(v)) => identity::hashed_phone(v)
                .map(|h| add_hash(&mut input, h))
                .map_err(invalid),
        };
        match added {
            Ok(lookup) => lookups.push(lookup),
            Err(error) => {
                notes.push(Note { line, error });
                lookups.push(Lookup::Invalid);
            }
        }
    }
    let response = if input.is_empty() {
        IdentityMapV3Response::default()
    } else {
        counts.requests = 1;
        client
            .map_bulk(input)
            .map_err(|e| CliError::client("identity map failed", &e, base_url))?
    };
    notes.sort_by_key(|n| n.line);

    let mut bytes = Vec::with_capacity(
        rows.data
            .len()
            .saturating_add(rows.len().saturating_mul(100)),
    );
    let mut w = csv::WriterBuilder::new().from_writer(&mut bytes);
    for (row, lookup) in lookups.iter().enumerate() {
        counts.rows = counts.rows.saturating_add(1);
        let key = match lookup {
            Lookup::Value => value_of(rows, row, layout),
            Lookup::Hash(h) => Some(h.as_str()),
            Lookup::Keep | Lookup::Invalid => None,
        };
        let results: Option<Results> = match (lookup, key) {
            (Lookup::Keep, _) => {
                counts.kept = counts.kept.saturating_add(1);
                None
            }
            (Lookup::Invalid, _) | (_, None) => {
                counts.invalid = counts.invalid.saturating_add(1);
                Some(invalid())
            }
            (_, Some(k)) => Some(if let Some(m) = response.get_mapped(k) {
                counts.mapped = counts.mapped.saturating_add(1);
                [
                    m.current_raw_uid().to_owned(),
                    m.previous_raw_uid().unwrap_or_default().to_owned(),
                    rfc3339(m.refresh_from()),
                    String::new(),
                ]
            } else if let Some(u) = response.get_unmapped(k) {
                counts.unmapped = counts.unmapped.saturating_add(1);
                [
                    String::new(),
                    String::new(),
                    String::new(),
                    u.raw_reason().to_owned(),
                ]
            } else {
                counts.unmapped = counts.unmapped.saturating_add(1);
                [
                    String::new(),
                    String::new(),
                    String::new(),
                    "unknown".into(),
                ]
            }),
        };
        let fields = rows.fields(row);
        let written = match (results, job.mode, layout.results) {
            (None, _, _) | (Some(_), Mode::Remap { .. }, None) => w.write_record(fields),
            (Some(r), Mode::Map, _) => w.write_record(fields.chain(r.iter().map(String::as_bytes))),
            (Some(r), Mode::Remap { .. }, Some(at)) => {
                w.write_record(fields.enumerate().map(|(i, field)| {
                    at.iter()
                        .position(|&a| a == i)
                        .and_then(|j| r.get(j))
                        .map_or(field, String::as_bytes)
                }))
            }
        };
        written.map_err(|e| CliError::failure(format!("cannot encode a row: {e}")))?;
    }
    w.flush()
        .map_err(|e| CliError::failure(format!("cannot encode a row: {e}")))?;
    drop(w);
    Ok(Done {
        seq: chunk.seq,
        bytes,
        counts,
        notes,
        next: chunk.next,
    })
}

fn add_hash(input: &mut IdentityMapV3Input, hash: HashedIdentity) -> Lookup {
    input.add_hashed(hash);
    Lookup::Hash(hash)
}
