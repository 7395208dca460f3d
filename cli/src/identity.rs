//! `uid2 normalize` and `uid2 hash`: the operator's normalization and hashing, offline, one
//! value per line or one CSV column, streamed.

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::path::Path;

use uid2::identity::{self, IdentityError};

use crate::args::{IdentityFileArgs, IdentityTypeArg};
use crate::config::Settings;
use crate::error::{CliError, Exit};
use crate::output::write_json_line;

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
    /// `--json`: each invalid value is an error object in the output, not a line on stderr.
    json: bool,
}

impl Rejects {
    pub(crate) const fn new(quiet: bool, json: bool) -> Self {
        Self {
            count: 0,
            quiet,
            json,
        }
    }

    pub(crate) fn report(&mut self, line: u64, what: &str) {
        self.count = self.count.saturating_add(1);
        if self.quiet || self.json {
            return;
        }
        if self.count <= MAX_PRINTED {
            eprintln!("line {line}: {what}");
        } else if self.count == MAX_PRINTED.saturating_add(1) {
            eprintln!("(further invalid lines are counted, not printed)");
        }
    }

    /// Exit status 4 when a value was invalid. `what` follows the count in the message.
    pub(crate) fn finish(&self, what: &str) -> Result<(), CliError> {
        if self.count == 0 {
            Ok(())
        } else {
            let hint = if self.json {
                "each has an object with \"line\" and \"error\" in the output"
            } else {
                "each is reported above with its line number"
            };
            Err(CliError::new(Exit::Partial, format!("{} {what}", self.count)).hint(hint))
        }
    }
}

/// Why a row has no result: the `error` of its `--json` object, and the reason text (the
/// same text the line on standard error has without `--json`).
pub(crate) enum RowError {
    /// An empty line or value.
    Empty(&'static str),
    /// Bytes that are not UTF-8.
    NotUtf8,
    /// Not a valid email, phone number or hash.
    Invalid(String),
    /// A CSV line with the wrong number of fields (left out of the output).
    Malformed(String),
}

impl RowError {
    /// The `error` field of the JSON object.
    pub(crate) const fn code(&self) -> &'static str {
        match self {
            Self::Empty(_) => "empty",
            Self::NotUtf8 => "not_utf8",
            Self::Invalid(_) => "invalid",
            Self::Malformed(_) => "malformed_record",
        }
    }

    /// The reason, as the text output reports it.
    pub(crate) fn reason(&self) -> &str {
        match self {
            Self::Empty(what) => what,
            Self::NotUtf8 => "not UTF-8 text",
            Self::Invalid(what) | Self::Malformed(what) => what,
        }
    }

    fn malformed(expected_len: u64, len: u64) -> Self {
        Self::Malformed(format!(
            "not a valid CSV record: {len} fields where the header has {expected_len} (left out)"
        ))
    }
}

/// One input row of `--json` output (JSON Lines). Fields that are `None` are left out.
#[derive(serde::Serialize)]
struct JsonRow<'a> {
    line: u64,
    /// CSV mode: the column's value (the text output copies it too).
    #[serde(skip_serializing_if = "Option::is_none")]
    input: Option<String>,
    /// CSV mode: every field of the record, by column name.
    #[serde(skip_serializing_if = "Option::is_none")]
    record: Option<JsonRecord<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    normalized: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hash: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
}

impl<'a> JsonRow<'a> {
    fn new(line: u64, op: Op, result: Result<&'a [u8], &'a RowError>) -> Self {
        let mut row = Self {
            line,
            input: None,
            record: None,
            normalized: None,
            hash: None,
            error: None,
            reason: None,
        };
        match result {
            Ok(value) => {
                // The core's output is UTF-8 (base64, or a normalized UTF-8 value).
                let value = std::str::from_utf8(value).unwrap_or_default();
                match op {
                    Op::Normalize => row.normalized = Some(value),
                    Op::Hash => row.hash = Some(value),
                }
            }
            Err(e) => {
                row.error = Some(e.code());
                row.reason = Some(e.reason());
            }
        }
        row
    }
}

/// A CSV record as a JSON object keyed by the (trimmed) header; a repeated column name keeps
/// its first field. Bytes that are not UTF-8 become U+FFFD.
struct JsonRecord<'a> {
    names: &'a [Option<String>],
    record: &'a csv::ByteRecord,
}

impl serde::Serialize for JsonRecord<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap as _;
        let mut map = serializer.serialize_map(None)?;
        for (name, field) in self.names.iter().zip(self.record.iter()) {
            if let Some(name) = name {
                map.serialize_entry(name, &String::from_utf8_lossy(field))?;
            }
        }
        map.end()
    }
}

/// The header's column names for [`JsonRecord`]: trimmed, `None` for a repeated name.
fn json_names(header: &csv::ByteRecord) -> Vec<Option<String>> {
    let mut names: Vec<Option<String>> = Vec::with_capacity(header.len());
    for h in header {
        let name = String::from_utf8_lossy(h.trim_ascii()).into_owned();
        let repeated = names.iter().flatten().any(|n| *n == name);
        names.push((!repeated).then_some(name));
    }
    names
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
    let json = settings.global.json;
    let mut rejects = Rejects::new(settings.global.quiet, json);
    let transform = Transform {
        op,
        kind: args.kind,
        scratch: Vec::new(),
    };
    let written = match &args.column {
        None => lines(input, output, transform, json, &mut rejects),
        Some(column) => csv_column(input, output, transform, column, json, &mut rejects)?,
    };
    written.map_err(|e| CliError::failure(format!("cannot copy the values: {e}")))?;
    rejects.finish(if json {
        "values were not valid"
    } else {
        "values were not valid (their output is empty)"
    })
}

fn lines(
    input: Box<dyn Read + Send>,
    output: Box<dyn Write>,
    mut transform: Transform,
    json: bool,
    rejects: &mut Rejects,
) -> io::Result<()> {
    let mut reader = BufReader::with_capacity(BUFFER, input);
    let mut out = BufWriter::with_capacity(BUFFER, output);
    let mut line = Vec::with_capacity(256);
    let mut value_out = Vec::with_capacity(128);
    let mut number = 0u64;
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        number = number.saturating_add(1);
        let text = line.strip_suffix(b"\n").unwrap_or(&line);
        let text = text.strip_suffix(b"\r").unwrap_or(text);
        value_out.clear();
        let result = match std::str::from_utf8(text) {
            Ok("") => Err(RowError::Empty("empty line")),
            Ok(value) => transform
                .apply(value, &mut value_out)?
                .map_err(|e| RowError::Invalid(e.to_string())),
            Err(_) => Err(RowError::NotUtf8),
        };
        if let Err(e) = &result {
            rejects.report(number, e.reason());
        }
        if json {
            let row = JsonRow::new(
                number,
                transform.op,
                result.as_ref().map(|()| value_out.as_slice()),
            );
            write_json_line(&mut out, &row)?;
        } else {
            // An invalid value's output line is empty.
            out.write_all(&value_out)?;
            out.write_all(b"\n")?;
        }
    }
    out.flush()
}

fn csv_column(
    input: Box<dyn Read + Send>,
    output: Box<dyn Write>,
    mut transform: Transform,
    column: &str,
    json: bool,
    rejects: &mut Rejects,
) -> Result<io::Result<()>, CliError> {
    let op = transform.op;
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
    if json {
        return csv_column_json(rdr, &header, index, output, transform, rejects);
    }
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
        let line = match next_record(&mut rdr, &mut record)? {
            Next::Record(line) => line,
            Next::Malformed(line, e) => {
                rejects.report(line, e.reason());
                continue;
            }
            Next::End => break,
        };
        value_out.clear();
        match transform_field(&mut transform, record.get(index), &mut value_out) {
            Ok(Ok(())) => {}
            Ok(Err(e)) => rejects.report(line, e.reason()),
            Err(e) => return Ok(Err(e)),
        }
        if let Err(e) = w.write_record(record.iter().chain([value_out.as_slice()])) {
            return Ok(Err(write(&mut w, e)));
        }
    }
    Ok(w.flush())
}

/// `--column` with `--json`: one object per record, in input order.
fn csv_column_json(
    mut rdr: csv::Reader<Box<dyn Read + Send>>,
    header: &csv::ByteRecord,
    index: usize,
    output: Box<dyn Write>,
    mut transform: Transform,
    rejects: &mut Rejects,
) -> Result<io::Result<()>, CliError> {
    let names = json_names(header);
    let mut out = BufWriter::with_capacity(BUFFER, output);
    let mut record = csv::ByteRecord::new();
    let mut value_out = Vec::with_capacity(128);
    loop {
        let (line, result) = match next_record(&mut rdr, &mut record)? {
            Next::Record(line) => {
                value_out.clear();
                match transform_field(&mut transform, record.get(index), &mut value_out) {
                    Ok(result) => (line, result),
                    Err(e) => return Ok(Err(e)),
                }
            }
            Next::Malformed(line, e) => (line, Err(e)),
            Next::End => break,
        };
        if let Err(e) = &result {
            rejects.report(line, e.reason());
        }
        let mut row = JsonRow::new(
            line,
            transform.op,
            result.as_ref().map(|()| value_out.as_slice()),
        );
        if !matches!(result, Err(RowError::Malformed(_))) {
            row.input =
                Some(String::from_utf8_lossy(record.get(index).unwrap_or_default()).into_owned());
            row.record = Some(JsonRecord {
                names: &names,
                record: &record,
            });
        }
        if let Err(e) = write_json_line(&mut out, &row) {
            return Ok(Err(e));
        }
    }
    Ok(out.flush())
}

/// What the CSV reader gave.
enum Next {
    /// A record, read into the caller's buffer; its line number.
    Record(u64),
    /// A line with the wrong number of fields; its line number.
    Malformed(u64, RowError),
    End,
}

fn next_record(
    rdr: &mut csv::Reader<Box<dyn Read + Send>>,
    record: &mut csv::ByteRecord,
) -> Result<Next, CliError> {
    match rdr.read_byte_record(record) {
        Ok(true) => Ok(Next::Record(
            record.position().map_or(0, csv::Position::line),
        )),
        Ok(false) => Ok(Next::End),
        Err(e) => {
            if let csv::ErrorKind::UnequalLengths {
                pos,
                expected_len,
                len,
            } = e.kind()
            {
                return Ok(Next::Malformed(
                    pos.as_ref().map_or(0, csv::Position::line),
                    RowError::malformed(*expected_len, *len),
                ));
            }
            Err(CliError::failure(format!("cannot read the input: {e}")))
        }
    }
}

/// Transforms one CSV field into `out`.
fn transform_field(
    transform: &mut Transform,
    field: Option<&[u8]>,
    out: &mut Vec<u8>,
) -> io::Result<Result<(), RowError>> {
    match std::str::from_utf8(field.unwrap_or_default()) {
        Ok("") => Ok(Err(RowError::Empty("empty value"))),
        Ok(v) => Ok(transform
            .apply(v, out)?
            .map_err(|e| RowError::Invalid(e.to_string()))),
        Err(_) => Ok(Err(RowError::NotUtf8)),
    }
}
