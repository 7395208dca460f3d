//! `uid2 normalize` and `uid2 hash`: the operator's normalization and hashing, offline, one
//! value per line or one CSV column, streamed.

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::path::Path;

use uid2::identity::{self, IdentityError};

use crate::args::{IdentityFileArgs, IdentityTypeArg};
use crate::config::Settings;
use crate::error::{CliError, Exit};

/// Invalid values printed on standard error per run; the rest are only counted.
const MAX_PRINTED: u64 = 50;
/// Buffer size for reading and writing.
const BUFFER: usize = 1 << 20;

/// Which transformation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Normalize,
    Hash,
}

/// Opens the input: a file, or standard input for `-`.
pub(crate) fn open_input(input: &str) -> Result<Box<dyn Read + Send>, CliError> {
    if input == "-" {
        Ok(Box::new(io::stdin()))
    } else {
        let path = Path::new(input);
        Ok(Box::new(
            File::open(path).map_err(|e| CliError::io("read", path, &e))?,
        ))
    }
}

/// Opens the output: a file, or standard output.
pub(crate) fn open_output(output: Option<&Path>) -> Result<Box<dyn Write>, CliError> {
    match output {
        Some(path) => Ok(Box::new(
            File::create(path).map_err(|e| CliError::io("write", path, &e))?,
        )),
        None => Ok(Box::new(io::stdout())),
    }
}

/// Counts and reports invalid values.
pub(crate) struct Rejects {
    count: u64,
    quiet: bool,
}

impl Rejects {
    pub(crate) const fn new(quiet: bool) -> Self {
        Self { count: 0, quiet }
    }

    pub(crate) fn report(&mut self, line: u64, what: &str) {
        self.count = self.count.saturating_add(1);
        if self.quiet {
            return;
        }
        if self.count <= MAX_PRINTED {
            eprintln!("line {line}: {what}");
        } else if self.count == MAX_PRINTED.saturating_add(1) {
            eprintln!("(further invalid lines are counted, not printed)");
        }
    }

    pub(crate) fn finish(&self, what: &str) -> Result<(), CliError> {
        if self.count == 0 {
            Ok(())
        } else {
            Err(
                CliError::new(Exit::Partial, format!("{} {what}", self.count))
                    .hint("each is reported above with its line number"),
            )
        }
    }
}

/// One value in, its normalized form or hash out (into `out`).
struct Transform {
    op: Op,
    kind: IdentityTypeArg,
    scratch: Vec<u8>,
}

impl Transform {
    fn apply(
        &mut self,
        value: &str,
        out: &mut impl Write,
    ) -> Result<Result<(), IdentityError>, io::Error> {
        let email = match self.kind {
            IdentityTypeArg::Email => true,
            IdentityTypeArg::Phone => false,
            IdentityTypeArg::Auto => value.contains('@'),
        };
        let result = match (self.op, email) {
            (Op::Hash, true) => {
                identity::hash_email(value).map(|h| out.write_all(h.as_str().as_bytes()))
            }
            (Op::Hash, false) => identity::hash_phone(value.trim_ascii())
                .map(|h| out.write_all(h.as_str().as_bytes())),
            (Op::Normalize, true) => {
                self.scratch
                    .resize(identity::max_normalized_email_len(value.len()), 0);
                identity::normalize_email(value, &mut self.scratch)
                    .map(|n| out.write_all(self.scratch.get(..n).unwrap_or_default()))
            }
            (Op::Normalize, false) => {
                let phone = value.trim_ascii();
                identity::validate_phone(phone).map(|()| out.write_all(phone.as_bytes()))
            }
        };
        match result {
            Ok(written) => written.map(Ok),
            Err(e) => Ok(Err(e)),
        }
    }
}

pub(crate) fn run(
    settings: &Settings<'_>,
    args: &IdentityFileArgs,
    op: Op,
) -> Result<(), CliError> {
    let input = open_input(&args.input)?;
    let output = open_output(args.output.as_deref())?;
    let mut rejects = Rejects::new(settings.global.quiet);
    let transform = Transform {
        op,
        kind: args.kind,
        scratch: Vec::new(),
    };
    let written = match &args.column {
        None => lines(input, output, transform, &mut rejects),
        Some(column) => csv_column(input, output, transform, column, op, &mut rejects)?,
    };
    written.map_err(|e| CliError::failure(format!("cannot copy the values: {e}")))?;
    rejects.finish("values were not valid (their output is empty)")
}

fn lines(
    input: Box<dyn Read + Send>,
    output: Box<dyn Write>,
    mut transform: Transform,
    rejects: &mut Rejects,
) -> io::Result<()> {
    let mut reader = BufReader::with_capacity(BUFFER, input);
    let mut out = BufWriter::with_capacity(BUFFER, output);
    let mut line = Vec::with_capacity(256);
    let mut number = 0u64;
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        number = number.saturating_add(1);
        let text = line.strip_suffix(b"\n").unwrap_or(&line);
        let text = text.strip_suffix(b"\r").unwrap_or(text);
        match std::str::from_utf8(text) {
            Ok("") => rejects.report(number, "empty line"),
            Ok(value) => {
                if let Err(e) = transform.apply(value, &mut out)? {
                    rejects.report(number, &e.to_string());
                }
            }
            Err(_) => rejects.report(number, "not UTF-8 text"),
        }
        out.write_all(b"\n")?;
    }
    out.flush()
}

fn csv_column(
    input: Box<dyn Read + Send>,
    output: Box<dyn Write>,
    mut transform: Transform,
    column: &str,
    op: Op,
    rejects: &mut Rejects,
) -> Result<io::Result<()>, CliError> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(false)
        .buffer_capacity(BUFFER)
        .from_reader(input);
    let header = rdr
        .byte_headers()
        .map_err(|e| CliError::failure(format!("cannot read the header: {e}")))?
        .clone();
    let index = header
        .iter()
        .position(|h| h.trim_ascii() == column.as_bytes())
        .ok_or_else(|| CliError::usage(format!("the input has no column {column:?}")))?;
    let mut w = csv::WriterBuilder::new()
        .buffer_capacity(BUFFER)
        .from_writer(output);
    let added = format!(
        "{column}_{}",
        match op {
            Op::Normalize => "normalized",
            Op::Hash => "hash",
        }
    );
    let write = |w: &mut csv::Writer<Box<dyn Write>>, e: csv::Error| -> io::Error {
        let _ = w.flush();
        io::Error::other(e)
    };
    if let Err(e) = w.write_record(header.iter().chain([added.as_bytes()])) {
        return Ok(Err(write(&mut w, e)));
    }
    let mut record = csv::ByteRecord::new();
    let mut value_out = Vec::with_capacity(128);
    loop {
        match rdr.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                if let csv::ErrorKind::UnequalLengths {
                    pos,
                    expected_len,
                    len,
                } = e.kind()
                {
                    rejects.report(
                        pos.as_ref().map_or(0, csv::Position::line),
                        &format!("not a valid CSV record: {len} fields where the header has {expected_len} (left out)"),
                    );
                    continue;
                }
                return Err(CliError::failure(format!("cannot read the input: {e}")));
            }
        }
        let line = record.position().map_or(0, csv::Position::line);
        value_out.clear();
        let value = record.get(index).unwrap_or_default();
        match std::str::from_utf8(value) {
            Ok("") => rejects.report(line, "empty value"),
            Ok(v) => match transform.apply(v, &mut value_out) {
                Ok(Ok(())) => {}
                Ok(Err(e)) => rejects.report(line, &e.to_string()),
                Err(e) => return Ok(Err(e)),
            },
            Err(_) => rejects.report(line, "not UTF-8 text"),
        }
        if let Err(e) = w.write_record(record.iter().chain([value_out.as_slice()])) {
            return Ok(Err(write(&mut w, e)));
        }
    }
    Ok(w.flush())
}
