//! The official Python SDK (uid2-client 2.9.0) against the local operator, and sharing tokens
//! exchanged between the official `SharingClient` and the Rust core in both directions.
//!
//! Ignored by default: it needs `python3 -m venv` and PyPI. Run it with
//!
//! ```text
//! UID2_PYTHON_INTEROP=1 cargo test -p uid2-local-operator --test python_interop -- --ignored --nocapture
//! ```
//!
//! The virtualenv is created once under the cargo target directory (`UID2_PYTHON_VENV` picks
//! another place). The Python side is `interop/python_interop.py`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    reason = "test code driving a subprocess: a failed expectation panics"
)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::call;
use serde_json::{Value, json};
use uid2::envelope::BodyEncoding;
use uid2::token::ClientType;
use uid2::{KeySet, Timestamp};
use uid2_local_operator::{LocalOperator, LocalOperatorConfig, OsRandom};

const SDK: &str = "uid2-client==2.9.0";
const OPTED_OUT_EMAIL: &str = "python.optout@example.com";
const OPTED_OUT_PHONE: &str = "+15550001234";

fn venv_dir() -> PathBuf {
    std::env::var_os("UID2_PYTHON_VENV").map_or_else(
        || Path::new(env!("CARGO_TARGET_TMPDIR")).join("uid2-python-venv"),
        PathBuf::from,
    )
}

fn run(cmd: &mut Command) -> bool {
    cmd.status().is_ok_and(|s| s.success())
}

/// Creates the virtualenv and installs the SDK unless that was done already.
fn prepare_venv() -> PathBuf {
    let venv = venv_dir();
    let python = venv.join("bin").join("python");
    let installed = python.exists()
        && run(Command::new(&python).args([
            "-c",
            "import importlib.metadata as m, sys; sys.exit(m.version('uid2_client') != '2.9.0')",
        ]));
    if !installed {
        assert!(
            run(Command::new("python3").args(["-m", "venv"]).arg(&venv)),
            "python3 -m venv failed"
        );
        assert!(
            run(Command::new(&python).args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                SDK
            ])),
            "pip install {SDK} failed"
        );
    }
    python
}

async fn key_set(op: &LocalOperator, path: &'static str) -> KeySet {
    KeySet::parse(&call(op, path, b"", BodyEncoding::Text).await.unwrap()).unwrap()
}

fn now() -> Timestamp {
    common::now()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs python3 -m venv and PyPI: set UID2_PYTHON_INTEROP=1 and pass --ignored"]
async fn official_python_sdk_interoperates() {
    if std::env::var("UID2_PYTHON_INTEROP").as_deref() != Ok("1") {
        eprintln!("python interop skipped: UID2_PYTHON_INTEROP is not 1");
        return;
    }
    let python = tokio::task::spawn_blocking(prepare_venv).await.unwrap();

    let mut config = LocalOperatorConfig::default();
    config.opt_out.push(OPTED_OUT_EMAIL.into());
    config.opt_out.push(OPTED_OUT_PHONE.into());
    let salt_buckets = config.salt_buckets;
    let op = LocalOperator::start(config).await.unwrap();

    // What the Rust side produces for Python.
    let sharing = key_set(&op, "/v2/key/sharing").await;
    let bidstream = key_set(&op, "/v2/key/bidstream").await;
    let rust_uid = op.raw_uid("rust.shared@example.com").unwrap();
    let rust_token = sharing.encrypt(&rust_uid, now(), &mut OsRandom).unwrap();
    let python_uid = op.raw_uid("+447700900123").unwrap();
    let mut raw_uids = serde_json::Map::new();
    for dii in [
        "bidstream@example.com",
        "publisher@example.com",
        "mapped@example.com",
        "+12345678901",
    ] {
        raw_uids.insert(dii.into(), op.raw_uid(dii).unwrap().into());
    }
    let input = json!({
        "base_url": op.base_url(),
        "api_key": op.api_key(),
        "client_secret": op.client_secret(),
        "site_id": op.site_id(),
        "advertising_token": op.advertising_token("bidstream@example.com", op.site_id(), false).unwrap(),
        "rust_sharing_token": rust_token.as_str(),
        "rust_sharing_raw_uid": rust_uid,
        "python_sharing_raw_uid": python_uid,
        "raw_uids": raw_uids,
        "opted_out_email": OPTED_OUT_EMAIL,
        "opted_out_phone": OPTED_OUT_PHONE,
        "salt_buckets": salt_buckets,
    });
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("uid2-python-interop");
    std::fs::create_dir_all(&dir).unwrap();
    let (input_path, output_path) = (dir.join("input.json"), dir.join("output.json"));
    std::fs::write(&input_path, input.to_string()).unwrap();
    let _ = std::fs::remove_file(&output_path);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("interop/python_interop.py");

    let status = {
        let (input_path, output_path) = (input_path.clone(), output_path.clone());
        tokio::task::spawn_blocking(move || {
            Command::new(python)
                .arg(script)
                .arg(input_path)
                .arg(output_path)
                .status()
                .unwrap()
        })
        .await
        .unwrap()
    };

    // What Python produced for Rust.
    let mut rust_results = Vec::new();
    let output: Value = std::fs::read(&output_path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(Value::Null);
    let now = now();
    let from_python = output["python_sharing_token"].as_str().map(|token| {
        sharing
            .decrypt(token, ClientType::Sharing, None, now)
            .map(|d| d.uid().as_str().to_owned())
    });
    rust_results.push((
        "rust decrypts a token the official SharingClient encrypted",
        matches!(&from_python, Some(Ok(uid)) if *uid == python_uid),
    ));
    let python_ad_token = output["python_advertising_token"].as_str().map(|token| {
        bidstream
            .decrypt(token, ClientType::Bidstream, Some("example.com"), now)
            .map(|d| d.uid().as_str().to_owned())
    });
    rust_results.push((
        "rust decrypts the advertising token the official publisher client obtained",
        matches!(&python_ad_token, Some(Ok(uid)) if *uid == op.raw_uid("publisher@example.com").unwrap()),
    ));
    for (name, ok) in &rust_results {
        println!("{} {name}", if *ok { "PASS" } else { "FAIL" });
    }
    let rust_failed = rust_results.iter().filter(|(_, ok)| !ok).count();
    println!(
        "rust side: {} passed, {rust_failed} failed",
        rust_results.len() - rust_failed
    );
    assert!(
        status.success(),
        "the Python SDK checks failed (see the FAIL lines above)"
    );
    assert_eq!(rust_failed, 0, "the Rust-side checks failed");
}
