//! The durable checkpoint of `uid2 map` / `uid2 remap`.
//!
//! The output file is only ever appended to, in input order. After some rows are written and
//! synced, the checkpoint records how long the output is and where in the input the next row
//! starts; it is replaced atomically (written to a temporary file, synced, renamed, directory
//! synced). A resumed run truncates the output to the recorded length (dropping rows written
//! after the last checkpoint, which it writes again) and continues reading at the recorded
//! input position. So whatever moment a run is killed at, no row is lost and none is written
//! twice.

use std::fs::{self, File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::CliError;

/// What a run has done so far (carried over by `--resume`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Counts {
    /// Data rows read and written (the header excluded).
    pub(crate) rows: u64,
    /// Rows the operator mapped.
    pub(crate) mapped: u64,
    /// Rows the operator did not map (opt-out, invalid hash, ...).
    pub(crate) unmapped: u64,
    /// Rows whose value was rejected locally (written with reason `invalid identifier`).
    pub(crate) invalid: u64,
    /// Rows copied unchanged (remap: not due).
    pub(crate) kept: u64,
    /// Input lines that are not valid CSV records (reported, not written).
    pub(crate) rejected_lines: u64,
    /// Requests sent (each retried as often as needed).
    pub(crate) requests: u64,
}

impl Counts {
    pub(crate) fn add(&mut self, other: &Self) {
        self.rows = self.rows.saturating_add(other.rows);
        self.mapped = self.mapped.saturating_add(other.mapped);
        self.unmapped = self.unmapped.saturating_add(other.unmapped);
        self.invalid = self.invalid.saturating_add(other.invalid);
        self.kept = self.kept.saturating_add(other.kept);
        self.rejected_lines = self.rejected_lines.saturating_add(other.rejected_lines);
        self.requests = self.requests.saturating_add(other.requests);
    }
}

/// Where the next input record starts (a `csv::Position`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct InputPosition {
    pub(crate) byte: u64,
    pub(crate) line: u64,
    pub(crate) record: u64,
}

impl InputPosition {
    pub(crate) fn of(p: &csv::Position) -> Self {
        Self {
            byte: p.byte(),
            line: p.line(),
            record: p.record(),
        }
    }

    pub(crate) fn to_csv(self) -> csv::Position {
        let mut p = csv::Position::new();
        p.set_byte(self.byte)
            .set_line(self.line)
            .set_record(self.record);
        p
    }
}

/// Identifies the run a checkpoint belongs to: the same input file (path, size, modification
/// time) and the same options.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct RunKey {
    pub(crate) command: String,
    pub(crate) input: PathBuf,
    pub(crate) input_len: u64,
    pub(crate) input_modified_ns: u128,
    pub(crate) column: String,
    pub(crate) kind: String,
    pub(crate) due_before_ms: Option<i64>,
}

/// The checkpoint file's content.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Checkpoint {
    pub(crate) format: u32,
    pub(crate) run: RunKey,
    /// Bytes of the output that are complete rows.
    pub(crate) output_len: u64,
    /// Where the first row not yet written starts.
    pub(crate) next: InputPosition,
    pub(crate) counts: Counts,
}

const FORMAT: u32 = 1;

/// The checkpoint file of an output file: `OUT.checkpoint` next to it.
pub(crate) fn path_for(output: &Path) -> PathBuf {
    let mut name = output.as_os_str().to_owned();
    name.push(".checkpoint");
    PathBuf::from(name)
}

impl Checkpoint {
    pub(crate) const fn new(
        run: RunKey,
        output_len: u64,
        next: InputPosition,
        counts: Counts,
    ) -> Self {
        Self {
            format: FORMAT,
            run,
            output_len,
            next,
            counts,
        }
    }

    /// Reads the checkpoint at `path`.
    pub(crate) fn load(path: &Path) -> Result<Self, CliError> {
        let text = fs::read(path).map_err(|e| CliError::io("read the checkpoint", path, &e))?;
        let checkpoint: Self = serde_json::from_slice(&text).map_err(|e| {
            CliError::failure(format!("the checkpoint {} is damaged: {e}", path.display()))
                .hint("start over with --force")
        })?;
        if checkpoint.format != FORMAT {
            return Err(CliError::failure(format!(
                "the checkpoint {} was written by another version of uid2",
                path.display()
            ))
            .hint("start over with --force"));
        }
        Ok(checkpoint)
    }

    /// Replaces the checkpoint at `path` atomically and durably.
    pub(crate) fn store(&self, path: &Path) -> Result<(), CliError> {
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        let tmp = PathBuf::from(tmp);
        let bytes = serde_json::to_vec(self)
            .map_err(|e| CliError::failure(format!("cannot encode the checkpoint: {e}")))?;
        let write = || -> std::io::Result<()> {
            let mut file = OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .open(&tmp)?;
            file.write_all(&bytes)?;
            file.sync_all()?;
            fs::rename(&tmp, path)?;
            sync_dir(path)
        };
        write().map_err(|e| CliError::io("write the checkpoint", path, &e))
    }
}

/// Syncs the directory holding `path`, so that a rename in it is durable.
pub(crate) fn sync_dir(path: &Path) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    #[cfg(unix)]
    File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_and_loads_atomically() {
        let dir = std::env::temp_dir().join(format!("uid2-cli-ckpt-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let path = path_for(&dir.join("out.csv"));
        assert!(path.ends_with("out.csv.checkpoint"));
        let run = RunKey {
            command: "map".into(),
            input: "in.csv".into(),
            input_len: 10,
            input_modified_ns: 5,
            column: "email".into(),
            kind: "auto".into(),
            due_before_ms: None,
        };
        let counts = Counts {
            rows: 3,
            ..Counts::default()
        };
        let next = InputPosition {
            byte: 100,
            line: 4,
            record: 3,
        };
        Checkpoint::new(run.clone(), 42, next, counts)
            .store(&path)
            .unwrap();
        let back = Checkpoint::load(&path).unwrap();
        assert_eq!(
            (back.run, back.output_len, back.next, back.counts),
            (run, 42, next, counts)
        );
        assert_eq!(back.next.to_csv().byte(), 100);
        fs::write(&path, b"{").unwrap();
        assert!(Checkpoint::load(&path).is_err());
        fs::remove_dir_all(&dir).unwrap();
    }
}
