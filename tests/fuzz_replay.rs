//! Corpus replay: every committed fuzz input (`fuzz/seeds/<target>/`, the minimized corpus of
//! the last campaign, and `fuzz/regressions/<target>/`, the inputs that once failed) runs
//! through the same checks as the cargo-fuzz targets, on stable Rust, so that `cargo test` keeps
//! every fixed failure fixed and every property holding on the corpus.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::as_conversions,
    clippy::cast_possible_truncation,
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    unreachable_pub,
    missing_docs,
    reason = "test code and the fuzz targets' checks: a failed property panics by design"
)]

#[allow(
    dead_code,
    reason = "the fuzz crate's helpers that only its binaries use"
)]
#[path = "../fuzz/src/lib.rs"]
mod checks;

use std::path::Path;

/// Runs every file under `fuzz/<dir>/<target>/` through the target's check; returns how many.
fn replay(dir: &str) -> usize {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz").join(dir);
    let mut total = 0;
    for (name, check) in checks::TARGETS {
        let Ok(entries) = std::fs::read_dir(root.join(name)) else {
            continue;
        };
        let mut files: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
        files.sort();
        for path in files {
            let data = std::fs::read(&path).unwrap();
            let outcome = std::panic::catch_unwind(|| check(&data));
            assert!(
                outcome.is_ok(),
                "{name}: {} fails its check",
                path.display()
            );
            total += 1;
        }
    }
    total
}

#[test]
fn every_committed_fuzz_input_passes_its_target() {
    let seeds = replay("seeds");
    let regressions = replay("regressions");
    println!("replayed {seeds} corpus inputs and {regressions} regression inputs");
    // The corpus is committed with the targets: an empty replay means it went missing.
    assert!(
        seeds >= checks::TARGETS.len(),
        "only {seeds} corpus inputs found"
    );
}

/// The checks also run on inputs no campaign kept: empty, short and patterned inputs.
#[test]
fn every_target_accepts_small_inputs() {
    for (_, check) in checks::TARGETS {
        check(&[]);
        for len in [1usize, 2, 7, 64, 300] {
            for fill in [0u8, 1, 0x7f, 0xff] {
                check(&vec![fill; len]);
            }
            let counting: Vec<u8> = (0..len).map(|i| (i * 37 % 256) as u8).collect();
            check(&counting);
        }
    }
}

/// The committed `token_plaintext` corpus gets past authentication: its tokens reach the
/// checks that read the decrypted bytes (a success, an expired token, a payload that does not
/// parse, a domain or lifetime refusal), not only the failures before the key is found.
#[test]
fn the_plaintext_corpus_reaches_the_checks_after_authentication() {
    use std::collections::BTreeMap;
    use uid2::token::DecryptStatus;

    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/token_plaintext");
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let data = std::fs::read(entry.unwrap().path()).unwrap();
        if let Some(status) = checks::token_plaintext_status(&data) {
            *seen.entry(format!("{status:?}")).or_default() += 1;
        }
    }
    println!("token_plaintext corpus statuses: {seen:?}");
    for status in [
        DecryptStatus::Success,
        DecryptStatus::ExpiredToken,
        DecryptStatus::InvalidPayload,
        DecryptStatus::InvalidTokenLifetime,
        DecryptStatus::DomainOrAppNameCheckFailed,
    ] {
        assert!(
            seen.contains_key(&format!("{status:?}")),
            "no corpus input reaches {status:?}: {seen:?}"
        );
    }
}
