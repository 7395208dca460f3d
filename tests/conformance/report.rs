//! Bookkeeping for the conformance run: passes, known divergences, unexpected results.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One vector file as loaded from disk.
pub struct VectorFile {
    /// The parsed JSON document.
    pub doc: serde_json::Value,
}

impl VectorFile {
    /// The `cases` array.
    pub fn cases(&self) -> &[serde_json::Value] {
        self.doc["cases"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }
}

/// Loads a vector file and checks its `format_version`.
pub fn load(path: &Path) -> VectorFile {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let doc: serde_json::Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()));
    assert_eq!(
        doc["format_version"],
        1,
        "{}: format_version must be 1",
        path.display()
    );
    VectorFile { doc }
}

/// The repository's `test-vectors/` directory.
pub fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("test-vectors")
}

/// Collected outcomes.
#[derive(Default)]
pub struct Report {
    passed: usize,
    known: usize,
    failures: Vec<String>,
    /// `file name -> case name -> reason` from `test-vectors/known-divergences.json`.
    divergences: BTreeMap<String, BTreeMap<String, String>>,
}

impl Report {
    /// A report that knows the project's documented divergences.
    pub fn new() -> Self {
        let mut report = Self::default();
        let path = vectors_dir().join("known-divergences.json");
        if let Ok(text) = std::fs::read_to_string(&path) {
            let doc: serde_json::Value =
                serde_json::from_str(&text).expect("known-divergences.json");
            for d in doc["divergences"].as_array().into_iter().flatten() {
                let file = d["file"].as_str().expect("divergence file").to_owned();
                let case = d["case"].as_str().expect("divergence case").to_owned();
                let reason = d["reason"].as_str().expect("divergence reason").to_owned();
                assert!(
                    !reason.is_empty(),
                    "divergence {file}/{case} needs a reason"
                );
                report
                    .divergences
                    .entry(file)
                    .or_default()
                    .insert(case, reason);
            }
        }
        report
    }

    /// Records the outcome of one case. `file` is the vector file's name (e.g. `tokens.json`).
    pub fn record(&mut self, file: &str, case: &str, outcome: Result<(), String>) {
        let known = self
            .divergences
            .get(file)
            .and_then(|m| m.get(case))
            .is_some();
        match (outcome, known) {
            (Ok(()), false) => self.passed += 1,
            (Err(_), true) => self.known += 1,
            (Ok(()), true) => self.failures.push(format!(
                "{file} / {case}: unexpected success (listed as a known divergence)"
            )),
            (Err(why), false) => self.failures.push(format!("{file} / {case}: {why}")),
        }
    }

    /// Prints every failure and the closing line; exits with status 1 when anything failed.
    pub fn finish(self) {
        for f in &self.failures {
            eprintln!("FAILED {f}");
        }
        if self.known > 0 {
            println!(
                "conformance: {} known divergences (see test-vectors/known-divergences.json)",
                self.known
            );
        }
        println!(
            "conformance: {} passed, {} failed",
            self.passed,
            self.failures.len()
        );
        if !self.failures.is_empty() {
            std::process::exit(1);
        }
    }
}

/// Compares `expected[key]` with `actual` when `expected` has that member.
pub fn check_member(
    expected: &serde_json::Value,
    key: &str,
    actual: &serde_json::Value,
) -> Result<(), String> {
    match expected.get(key) {
        Some(want) if want != actual => Err(format!("{key}: expected {want}, got {actual}")),
        _ => Ok(()),
    }
}
