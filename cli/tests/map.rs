//! `uid2 map` / `uid2 remap` against the local operator: results and order, malformed lines,
//! 401, a 429 storm, the operator killed mid-map, `kill -9` of the CLI then `--resume`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    clippy::disallowed_methods,
    missing_docs,
    reason = "tests"
)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{
    TempDir, assert_code, crm_csv, csv_rows, free_port, operator, run, run_with_stdin, stderr,
    stdout, uid2, uid2_at, wait_until,
};
use uid2_local_operator::{Fault, LocalOperator};

/// Options that keep the tests quick: small batches, fast retries.
const FAST: [&str; 4] = ["--batch-size", "50", "--retry-backoff-ms", "20"];

fn map_cmd(base_url: &str, input: &Path, output: &Path, extra: &[&str]) -> Command {
    let mut cmd = uid2_at(base_url);
    cmd.arg("map").arg(input).arg("-o").arg(output).args(extra);
    cmd
}

/// The result columns the operator gives `value` (email or phone), as `map` writes them.
fn expected_uid(op: &LocalOperator, value: &str) -> String {
    op.raw_uid(value).unwrap_or_default()
}

#[test]
fn maps_every_row_in_order_and_reports_malformed_lines() {
    let op = operator();
    let dir = TempDir::new("map");
    let input = dir.path("in.csv");
    let mut csv = crm_csv(300);
    csv.push_str("300,too,many,fields\n301,user301@example.com,\"last\"\n");
    std::fs::write(&input, &csv).unwrap();
    let output = dir.path("out.csv");
    let out = run(&mut map_cmd(
        &op.base_url(),
        &input,
        &output,
        &["--json", "--batch-size", "64"],
    ));
    // Partial: one line is not CSV and three values are not valid identities.
    assert_code(&out, 4);
    // With --json each rejected line is a JSON object on standard error.
    let err = stderr(&out);
    assert!(
        err.contains(r#"{"line":302,"error":"malformed_record","reason":"not a valid CSV record: 4 fields where the header has 3"#),
        "{err}"
    );
    assert!(
        err.contains(r#"{"line":43,"error":"invalid","reason":"invalid phone number"#),
        "{err}"
    );
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["rows"], 301);
    assert_eq!(summary["rejected_lines"], 1);
    assert_eq!(summary["invalid"], 3);
    assert_eq!(summary["requests"], 5);

    let rows = csv_rows(&output);
    assert_eq!(
        rows[0],
        [
            "id",
            "email",
            "note",
            "uid",
            "previous_uid",
            "refresh_from",
            "unmapped_reason"
        ]
    );
    assert_eq!(rows.len(), 302);
    for (i, row) in rows[1..].iter().enumerate() {
        let id = if i == 300 { 301 } else { i };
        assert_eq!(row[0], id.to_string(), "order");
        if row[1] == "not-an-email" {
            assert_eq!(row[3..], ["", "", "", "invalid identifier"]);
        } else {
            assert_eq!(row[3], expected_uid(&op, &row[1]), "row {id}");
            assert!(row[5].ends_with('Z') && row[6].is_empty(), "{row:?}");
        }
    }
    // Done: no checkpoint is left.
    assert!(!dir.path("out.csv.checkpoint").exists());
}

#[test]
fn a_401_stops_at_once_with_the_credentials_exit_code() {
    let op = operator();
    let dir = TempDir::new("map401");
    let input = dir.path("in.csv");
    std::fs::write(&input, crm_csv(20)).unwrap();
    op.set_fault(Fault::Unauthorized);
    let out = run(&mut map_cmd(
        &op.base_url(),
        &input,
        &dir.path("out.csv"),
        &FAST,
    ));
    assert_code(&out, 3);
    let err = stderr(&out);
    assert!(
        err.contains("401") && err.contains("hint: check UID2_API_KEY"),
        "{err}"
    );
    assert!(
        err.lines().last().unwrap().starts_with("uid2: error: "),
        "{err}"
    );
    // Not retried: one request.
    assert_eq!(op.request_count("/v3/identity/map"), 1);
}

#[test]
fn a_429_storm_is_ridden_out_with_backoff() {
    let op = operator();
    let dir = TempDir::new("map429");
    let (input, baseline) = mapped_once(&op, &dir, 500, "baseline.csv");
    let before = op.request_count("/v3/identity/map");
    assert_eq!(before, 10);

    // Every request is rate limited for 300 ms: the batches in flight back off and retry
    // until the storm passes.
    op.set_fault(Fault::RateLimited);
    let stormy = dir.path("stormy.csv");
    let mut child = map_cmd(
        &op.base_url(),
        &input,
        &stormy,
        &[
            "--batch-size",
            "50",
            "--retry-backoff-ms",
            "10",
            "--attempts",
            "30",
            "--max-in-flight",
            "4",
        ],
    )
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .spawn()
    .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let refused = op.request_count("/v3/identity/map") - before;
    op.clear_faults();
    assert_eq!(child.wait().unwrap().code(), Some(4));
    assert!(
        refused >= 4,
        "the 4 batches in flight were refused: {refused}"
    );
    let sent = op.request_count("/v3/identity/map") - before;
    assert!(
        sent >= 10 + refused,
        "every batch sent once more after its refusals: {sent}"
    );
    assert_eq!(csv_rows(&stormy), csv_rows(&baseline));

    // A storm longer than the retries: exit 6, and the checkpoint to resume from.
    op.set_fault(Fault::RateLimited);
    let out = run(&mut map_cmd(
        &op.base_url(),
        &input,
        &dir.path("failed.csv"),
        &[
            "--batch-size",
            "50",
            "--retry-backoff-ms",
            "5",
            "--attempts",
            "3",
        ],
    ));
    assert_code(&out, 6);
    assert!(
        stderr(&out).contains("429") && stderr(&out).contains("--resume"),
        "{}",
        stderr(&out)
    );
    assert!(dir.path("failed.csv.checkpoint").exists());
    op.clear_faults();
    let out = run(&mut map_cmd(
        &op.base_url(),
        &input,
        &dir.path("failed.csv"),
        &["--resume"],
    ));
    assert_code(&out, 4);
    assert_eq!(csv_rows(&dir.path("failed.csv")), csv_rows(&baseline));
}

/// Spawns `uid2 map` in the background.
fn spawn(cmd: &mut Command) -> Child {
    cmd.stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Rows written so far (header excluded), from the checkpoint.
/// Writes a CRM file of `rows` rows to `in.csv` and maps it once, uninterrupted, into `name`
/// (exit 4: the file holds invalid rows on purpose); returns both paths.
fn mapped_once(op: &LocalOperator, dir: &TempDir, rows: usize, name: &str) -> (PathBuf, PathBuf) {
    let input = dir.path("in.csv");
    std::fs::write(&input, crm_csv(rows)).unwrap();
    let mapped = dir.path(name);
    assert_code(
        &run(&mut map_cmd(&op.base_url(), &input, &mapped, &FAST)),
        4,
    );
    (input, mapped)
}

fn checkpointed_rows(output: &Path) -> u64 {
    let mut path = output.as_os_str().to_owned();
    path.push(".checkpoint");
    std::fs::read(path)
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .and_then(|v| v["counts"]["rows"].as_u64())
        .unwrap_or(0)
}

#[test]
fn kill_9_mid_map_then_resume_loses_and_repeats_no_row() {
    let op = operator();
    let dir = TempDir::new("kill9");
    let (input, baseline) = mapped_once(&op, &dir, 3000, "baseline.csv");

    // Slow the operator down so that the run is caught in the middle, twice.
    op.set_latency(Duration::from_millis(50));
    let output = dir.path("out.csv");
    let args = ["--batch-size", "40", "--max-in-flight", "2"];
    let mut killed_at = Vec::new();
    for (round, threshold) in [(0, 200u64), (1, 1200)] {
        let mut cmd = map_cmd(&op.base_url(), &input, &output, &args);
        if round > 0 {
            cmd.arg("--resume");
        }
        let mut child = spawn(&mut cmd);
        assert!(
            wait_until(Duration::from_secs(20), || checkpointed_rows(&output)
                >= threshold),
            "no progress"
        );
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        killed_at.push(checkpointed_rows(&output));
    }
    assert!(killed_at[0] < 3000 && killed_at[1] < 3000, "{killed_at:?}");
    op.set_latency(Duration::ZERO);
    let out = run(&mut map_cmd(
        &op.base_url(),
        &input,
        &output,
        &["--resume", "--json"],
    ));
    assert_code(&out, 4);
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(summary["resumed_after_rows"].as_u64().unwrap() >= killed_at[1]);
    assert_eq!(summary["rows"], 3000);
    // Row for row the same as the uninterrupted run: nothing lost, nothing twice.
    assert_eq!(csv_rows(&output), csv_rows(&baseline));
    assert!(!dir.path("out.csv.checkpoint").exists());
}

/// `uid2 operator serve` as a child process on `port`; returns once it listens.
fn serve(port: u16) -> Child {
    let mut child = Command::new(common::BIN)
        .args(["operator", "serve", "--port", &port.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.as_mut().unwrap()),
        &mut first,
    )
    .unwrap();
    assert!(first.contains("listening"), "{first}");
    child
}

#[test]
fn operator_killed_mid_map_then_restarted() {
    let dir = TempDir::new("opkill");
    let input = dir.path("in.csv");
    std::fs::write(&input, crm_csv(4000)).unwrap();
    let port = free_port();
    let base_url = format!("http://127.0.0.1:{port}");
    let mut server = serve(port);
    let baseline = dir.path("baseline.csv");
    assert_code(&run(&mut map_cmd(&base_url, &input, &baseline, &FAST)), 4);

    // 1. Killed and not back in time: the run stops with exit 6 and a checkpoint.
    let output = dir.path("out.csv");
    let mut child = spawn(&mut map_cmd(
        &base_url,
        &input,
        &output,
        &[
            "--batch-size",
            "10",
            "--max-in-flight",
            "1",
            "--attempts",
            "3",
            "--retry-backoff-ms",
            "20",
        ],
    ));
    assert!(wait_until(Duration::from_secs(20), || checkpointed_rows(
        &output
    ) >= 100));
    server.kill().unwrap();
    server.wait().unwrap();
    let status = child.wait().unwrap();
    let mut err = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
    assert_eq!(status.code(), Some(6), "{err}");
    assert!(err.contains("is an operator listening at"), "{err}");
    let stopped_at = checkpointed_rows(&output);
    assert!((100..4000).contains(&stopped_at), "{stopped_at}");

    // 2. Back on the same port (same seed, same raw UIDs): --resume completes the file.
    server = serve(port);
    let mut child = spawn(&mut map_cmd(
        &base_url,
        &input,
        &output,
        &[
            "--resume",
            "--batch-size",
            "10",
            "--max-in-flight",
            "1",
            "--attempts",
            "40",
            "--retry-backoff-ms",
            "20",
        ],
    ));
    // 3. Killed again mid-run and restarted while the run retries: it rides through.
    assert!(wait_until(Duration::from_secs(20), || checkpointed_rows(
        &output
    ) >= stopped_at
        + 300));
    server.kill().unwrap();
    server.wait().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    server = serve(port);
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(4));
    server.kill().unwrap();
    server.wait().unwrap();
    assert_eq!(csv_rows(&output), csv_rows(&baseline));
}

#[test]
fn remap_due_rows_only_and_in_place() {
    let op = operator();
    let dir = TempDir::new("remap");
    let (_, mapped) = mapped_once(&op, &dir, 120, "mapped.csv");
    let before = op.request_count("/v3/identity/map");
    let original = csv_rows(&mapped);

    // Nothing is due yet: every row kept, no request.
    let out = run(uid2(&op)
        .args(["--json", "remap", "--due", "-o"])
        .arg(dir.path("same.csv"))
        .arg(&mapped));
    assert_code(&out, 0);
    let s: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (s["kept"].as_u64(), s["requests"].as_u64()),
        (Some(120), Some(0))
    );
    assert_eq!(csv_rows(&dir.path("same.csv")), original);
    assert_eq!(op.request_count("/v3/identity/map"), before);

    // Far in the future everything mapped is due (the invalid rows have no refresh_from).
    let out = run(uid2(&op)
        .args(["--json", "remap", "--due", "--at", "2999-01-01T00:00:00Z"])
        .arg(&mapped));
    assert_code(&out, 0);
    let s: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(s["kept"].as_u64(), Some(1));
    assert_eq!(s["mapped"].as_u64(), Some(119));
    // Replaced in place, the same mapping (the operator's salts have not rotated).
    assert_eq!(csv_rows(&mapped), original);
    assert!(!dir.path("mapped.csv.remap-tmp").exists());
}

#[test]
fn resume_and_overwrite_rules() {
    let op = operator();
    let dir = TempDir::new("rules");
    let input = dir.path("in.csv");
    std::fs::write(&input, crm_csv(10)).unwrap();
    let output = dir.path("out.csv");
    let nothing = run(&mut map_cmd(&op.base_url(), &input, &output, &["--resume"]));
    assert_code(&nothing, 2);
    assert!(
        stderr(&nothing).contains("nothing to resume"),
        "{}",
        stderr(&nothing)
    );
    assert_code(&run(&mut map_cmd(&op.base_url(), &input, &output, &[])), 0);
    let exists = run(&mut map_cmd(&op.base_url(), &input, &output, &[]));
    assert_code(&exists, 2);
    assert!(stderr(&exists).contains("--force"), "{}", stderr(&exists));
    assert_code(
        &run(&mut map_cmd(&op.base_url(), &input, &output, &["--force"])),
        0,
    );
    // A checkpoint for another input is refused.
    op.set_fault(Fault::ServerError);
    assert_code(
        &run(&mut map_cmd(
            &op.base_url(),
            &input,
            &output,
            &["--force", "--attempts", "1"],
        )),
        6,
    );
    op.clear_faults();
    std::fs::write(&input, crm_csv(11)).unwrap();
    let changed = run(&mut map_cmd(&op.base_url(), &input, &output, &["--resume"]));
    assert_code(&changed, 2);
    assert!(
        stderr(&changed).contains("has changed"),
        "{}",
        stderr(&changed)
    );
    // Never over the input.
    let before = std::fs::read(&input).unwrap();
    let over = run(&mut map_cmd(&op.base_url(), &input, &input, &["--force"]));
    assert_code(&over, 2);
    assert_eq!(std::fs::read(&input).unwrap(), before);
    // Unknown column: the available ones are listed.
    let col = run(&mut map_cmd(
        &op.base_url(),
        &input,
        &dir.path("x.csv"),
        &["--column", "mail"],
    ));
    assert_code(&col, 2);
    assert!(stderr(&col).contains("id, email, note"), "{}", stderr(&col));
}

#[test]
fn maps_standard_input_and_hash_columns() {
    let op = operator();
    let dir = TempDir::new("stdin");
    let hash = uid2::identity::hash_email("a@example.com").unwrap();
    let csv = format!("h\n{}\nnot-a-hash\n", hash.as_str());
    let output = dir.path("out.csv");
    let out = run_with_stdin(
        uid2(&op)
            .args(["map", "-", "--column", "h", "--type", "email_hash", "-o"])
            .arg(&output),
        csv.as_bytes(),
    );
    assert_code(&out, 4);
    let rows = csv_rows(&output);
    assert_eq!(rows[1][1], expected_uid(&op, "a@example.com"));
    assert_eq!(rows[2][4], "invalid identifier");
    assert!(stdout(&out).is_empty());
}

#[test]
fn with_json_rejected_lines_are_json_lines_on_standard_error() {
    let op = operator();
    let dir = TempDir::new("mapjson");
    let input = dir.path("in.csv");
    let mut csv = crm_csv(120);
    csv.push_str("120,too,many,fields\n121,,empty\n");
    std::fs::write(&input, &csv).unwrap();
    let out = run(&mut map_cmd(
        &op.base_url(),
        &input,
        &dir.path("out.csv"),
        &["--json", "--batch-size", "50"],
    ));
    assert_code(&out, 4);
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["rows"], 121);
    let err = stderr(&out);
    let mut lines: Vec<&str> = err.lines().collect();
    let last = lines.pop().unwrap();
    assert!(last.starts_with("uid2: warning: "), "{err}");
    let notes: Vec<serde_json::Value> = lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let at: Vec<u64> = notes.iter().map(|n| n["line"].as_u64().unwrap()).collect();
    // crm_csv: row 41 is "not-an-email" (line = row + 2), then the two lines added.
    assert_eq!(at, [43, 122, 123], "{err}");
    assert_eq!(notes[0]["error"], "invalid");
    assert!(
        notes[0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("invalid phone number")
    );
    assert_eq!(notes[0]["unmapped_reason"], "invalid identifier");
    assert_eq!(notes[1]["error"], "malformed_record");
    assert!(notes[1].get("unmapped_reason").is_none());
    assert_eq!(
        notes[2],
        serde_json::json!({
            "line": 123,
            "error": "empty",
            "reason": "empty value",
            "unmapped_reason": "invalid identifier",
        })
    );
    assert!(!err.contains("not-an-email"), "no value echoed: {err}");
}

/// Sends SIGINT to `child`, as Ctrl-C in a terminal does.
fn interrupt(child: &Child) {
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// Waits for `child` and returns its exit code and standard error.
fn finish(mut child: Child) -> (Option<i32>, String) {
    let mut err = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
    (child.wait().unwrap().code(), err)
}

/// The resume command of an interruption message (between backquotes), as arguments of `uid2`.
fn resume_args(message: &str) -> Vec<String> {
    let command = message
        .split('`')
        .nth(1)
        .unwrap_or_else(|| panic!("{message}"));
    let words: Vec<String> = command.split_whitespace().map(str::to_owned).collect();
    assert_eq!(words[0], "uid2", "{message}");
    words[1..].to_vec()
}

/// The checkpoint's record of the output length.
fn checkpointed_len(output: &Path) -> u64 {
    let mut path = output.as_os_str().to_owned();
    path.push(".checkpoint");
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    v["output_len"].as_u64().unwrap()
}

#[test]
fn ctrl_c_mid_map_checkpoints_and_resume_loses_and_repeats_no_row() {
    let op = operator();
    let dir = TempDir::new("sigint");
    let (input, baseline) = mapped_once(&op, &dir, 3000, "baseline.csv");

    // Slow enough that the run is caught in the middle (75 batches, 2 at a time).
    op.set_latency(Duration::from_millis(100));
    let output = dir.path("out.csv");
    let child = spawn(&mut map_cmd(
        &op.base_url(),
        &input,
        &output,
        &[
            "--json",
            "--batch-size",
            "40",
            "--max-in-flight",
            "2",
            "--force",
        ],
    ));
    assert!(
        wait_until(Duration::from_secs(20), || checkpointed_rows(&output)
            >= 200),
        "no progress"
    );
    interrupt(&child);
    let (code, err) = finish(child);
    assert_eq!(code, Some(130), "{err}");
    // One line says what was written and how to resume; the others are the rejected lines.
    let mut lines: Vec<&str> = err.lines().collect();
    let message = lines.pop().unwrap();
    for line in lines {
        serde_json::from_str::<serde_json::Value>(line).unwrap_or_else(|e| panic!("{e}: {line}"));
    }
    let stopped = checkpointed_rows(&output);
    assert!((200..3000).contains(&stopped), "{stopped}");
    assert!(
        message.starts_with(&format!(
            "uid2: interrupted: {stopped} rows written to {}",
            output.display()
        )),
        "{message}"
    );
    // Every row counted is in the file, and nothing after it.
    assert_eq!(
        std::fs::metadata(&output).unwrap().len(),
        checkpointed_len(&output)
    );
    assert_eq!(
        csv_rows(&output)[..],
        csv_rows(&baseline)[..=usize::try_from(stopped).unwrap()]
    );
    let args = resume_args(message);
    assert!(args.contains(&"--resume".to_owned()), "{message}");
    assert!(!args.contains(&"--force".to_owned()), "{message}");

    // The printed command continues: row for row the uninterrupted run.
    op.set_latency(Duration::ZERO);
    let out = run(uid2(&op).args(&args));
    assert_code(&out, 4);
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["resumed_after_rows"], stopped);
    assert_eq!(summary["rows"], 3000);
    assert_eq!(csv_rows(&output), csv_rows(&baseline));
    assert!(!dir.path("out.csv.checkpoint").exists());
}

#[test]
fn ctrl_c_mid_remap_in_place_then_resume() {
    let op = operator();
    let dir = TempDir::new("sigintremap");
    let (_, mapped) = mapped_once(&op, &dir, 2000, "mapped.csv");
    let original = csv_rows(&mapped);

    op.set_latency(Duration::from_millis(100));
    let mut cmd = uid2(&op);
    cmd.args(["-q", "remap", "--batch-size", "40", "--max-in-flight", "2"])
        .arg(&mapped);
    let child = spawn(&mut cmd);
    let tmp = dir.path("mapped.csv.remap-tmp");
    assert!(
        wait_until(Duration::from_secs(20), || checkpointed_rows(&tmp) >= 200),
        "no progress"
    );
    interrupt(&child);
    let (code, err) = finish(child);
    assert_eq!(code, Some(130), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    let args = resume_args(&err);
    assert_eq!(args[..2], ["-q", "remap"], "{err}");
    // The input is untouched until the run completes.
    assert_eq!(csv_rows(&mapped), original);

    op.set_latency(Duration::ZERO);
    // Exit 4: the invalid values are sent again and reported again.
    assert_code(&run(uid2(&op).args(&args)), 4);
    assert_eq!(csv_rows(&mapped), original);
    assert!(!tmp.exists());
}
