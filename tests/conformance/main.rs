//! Runs every conformance vector: the imported official-SDK set under
//! `test-vectors/uid2-client-python-2.9.0/`, the project's own vectors under `test-vectors/`,
//! and, when `UID2_EXTRA_VECTORS` names a directory, every `*.json` file there.
//!
//! Each case is routed by its shape to the runner of its schema (see `test-vectors/README.md`).
//! The run ends with the line `conformance: N passed, N failed`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    unreachable_pub,
    reason = "test and bench code: a failed expectation panics; the core's no-panic and no_std lints do not apply"
)]

mod cstg;
mod gigya;
mod identity;
mod operator;
mod refresh;
mod report;
mod tokens;

use report::{Report, VectorFile};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// A schema runner: does this case belong to it, and does it pass.
struct Runner {
    name: &'static str,
    applies: fn(&Value) -> bool,
    run: fn(&Value) -> Result<(), String>,
}

/// Every schema the suite knows. Modules add themselves here.
const RUNNERS: &[Runner] = &[
    Runner {
        name: "keysets",
        applies: tokens::keysets::applies,
        run: tokens::keysets::run,
    },
    Runner {
        name: "tokens",
        applies: tokens::decryption::applies,
        run: tokens::decryption::run,
    },
    Runner {
        name: "sharing",
        applies: tokens::sharing::applies,
        run: tokens::sharing::run,
    },
    Runner {
        name: "identity",
        applies: identity::applies,
        run: identity::run,
    },
    Runner {
        name: "gigya",
        applies: gigya::applies,
        run: gigya::run,
    },
    Runner {
        name: "key_refresh",
        applies: refresh::applies,
        run: refresh::run,
    },
    Runner {
        name: "cstg",
        applies: cstg::applies,
        run: cstg::run,
    },
    Runner {
        name: "operator",
        applies: operator::applies,
        run: operator::run,
    },
];

fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .filter(|p| p.file_name().is_some_and(|n| n != "known-divergences.json"))
        .collect();
    files.sort();
    files
}

fn run_file(report: &mut Report, file: &VectorFile, file_key: &str) {
    for case in file.cases() {
        let name = case["name"].as_str().unwrap_or("<unnamed>");
        let outcome = match RUNNERS.iter().find(|r| (r.applies)(case)) {
            Some(runner) => std::panic::catch_unwind(|| (runner.run)(case))
                .unwrap_or_else(|_| Err(format!("the {} runner panicked", runner.name))),
            None => Err("no runner understands this case".to_owned()),
        };
        report.record(file_key, name, outcome);
    }
}

fn main() {
    let mut report = Report::new();
    let root = report::vectors_dir();
    let imported = root.join("uid2-client-python-2.9.0");
    for path in json_files(&imported) {
        let file = report::load(&path);
        let key = format!(
            "uid2-client-python-2.9.0/{}",
            path.file_name().unwrap().to_string_lossy()
        );
        run_file(&mut report, &file, &key);
    }
    for path in json_files(&root) {
        let file = report::load(&path);
        let key = path.file_name().unwrap().to_string_lossy().into_owned();
        run_file(&mut report, &file, &key);
    }
    if let Some(dir) = std::env::var_os("UID2_EXTRA_VECTORS") {
        for path in json_files(Path::new(&dir)) {
            let file = report::load(&path);
            let key = format!("extra/{}", path.file_name().unwrap().to_string_lossy());
            run_file(&mut report, &file, &key);
        }
    }
    report.finish();
}
