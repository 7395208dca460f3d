//! Ctrl-C during `uid2 map` / `uid2 remap`.
//!
//! The first SIGINT (or SIGTERM, or SIGHUP: the `termination` feature of `ctrlc`) only raises
//! a flag. The run then sends no new batch, lets the batches in flight finish, writes the rows
//! that are complete in input order, stores the checkpoint and exits with status 130, naming
//! the command that resumes. A second signal ends the process at once, also with 130: the
//! checkpoint on disk is then the last one stored, which `--resume` reads as after `kill -9`.

use std::ffi::OsString;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use uid2::Timestamp;

use crate::error::Exit;
use crate::output::rfc3339;

/// Whether a stop was asked for.
pub(crate) struct Interrupt {
    flag: Arc<AtomicBool>,
}

impl Interrupt {
    /// Catches the signals from now on. `hint` is printed if a second signal ends the process.
    /// If the handler cannot be installed (one already is), signals keep their default action,
    /// which the checkpoint survives too.
    pub(crate) fn install(hint: String) -> Self {
        let flag = Arc::new(AtomicBool::new(false));
        let seen = Arc::clone(&flag);
        let _ = ctrlc::set_handler(move || {
            if seen.swap(true, Ordering::SeqCst) {
                eprintln!("\nuid2: interrupted: stopped at once (hint: {hint})");
                std::process::exit(i32::from(Exit::Interrupted.code()));
            }
        });
        Self { flag }
    }

    pub(crate) fn is_set(&self) -> bool {
        self.flag.load(Ordering::SeqCst)
    }
}

/// The command that resumes this run, for a shell: its arguments without `--force` (which
/// `--resume` conflicts with), with `--resume`, and for `remap --due` without `--at` the due
/// time this run used (`--at`), so that the resumed run re-maps the same rows.
pub(crate) fn resume_command(args: &[OsString], due_before: Option<Timestamp>) -> String {
    let mut words: Vec<String> = vec!["uid2".into()];
    let mut resume = false;
    let mut at = false;
    for arg in args {
        let arg = arg.to_string_lossy();
        match arg.as_ref() {
            "--force" => continue,
            "--resume" => resume = true,
            a if a == "--at" || a.starts_with("--at=") => at = true,
            _ => {}
        }
        words.push(shell_quote(&arg));
    }
    if !resume {
        words.push("--resume".into());
    }
    if let (Some(t), false) = (due_before, at) {
        words.push("--at".into());
        words.push(rfc3339(t));
    }
    words.join(" ")
}

/// `word` as one shell word: unchanged when it needs no quoting, else in single quotes.
fn shell_quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'-' | b'_' | b'.' | b'/' | b':' | b'=' | b'@' | b'+' | b',' | b'%'
                )
        });
    if plain {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(words: &[&str]) -> Vec<OsString> {
        words.iter().map(OsString::from).collect()
    }

    #[test]
    fn the_resume_command_drops_force_and_adds_resume() {
        assert_eq!(
            resume_command(&args(&["map", "in.csv", "-o", "out.csv", "--force"]), None),
            "uid2 map in.csv -o out.csv --resume"
        );
        assert_eq!(
            resume_command(
                &args(&["--json", "map", "my file.csv", "-o", "it's.csv", "--resume"]),
                None
            ),
            r"uid2 --json map 'my file.csv' -o 'it'\''s.csv' --resume"
        );
        assert_eq!(
            resume_command(&args(&["map", ""]), None),
            "uid2 map '' --resume"
        );
    }

    #[test]
    fn remap_due_resumes_with_the_same_due_time() {
        let t = Timestamp::from_millis(1_767_225_600_123);
        assert_eq!(
            resume_command(&args(&["remap", "m.csv", "--due"]), Some(t)),
            "uid2 remap m.csv --due --resume --at 2026-01-01T00:00:00.123Z"
        );
        assert_eq!(
            resume_command(&args(&["remap", "m.csv", "--due", "--at=5"]), Some(t)),
            "uid2 remap m.csv --due --at=5 --resume"
        );
    }
}
