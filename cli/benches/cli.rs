//! Throughput of the `uid2` binary on generated files (a benchmark program, `harness = false`):
//!
//! * `uid2 hash` on 1,000,000 generated emails, one per line (single-threaded: rows/s is
//!   rows/s per core);
//! * `uid2 map` of a 1,000,000-row CSV against `uid2 operator serve` running as a separate
//!   process on this machine (rows/s, and the peak RSS of the `uid2 map` process, VmHWM).
//!
//! Run with `cargo bench -p uid2-cli --bench cli`. `UID2_CLI_BENCH_ROWS` changes the row count;
//! `UID2_CLI_BENCH_RUNS` the number of runs of each (default 3; the report gives each run).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::as_conversions,
    clippy::cast_precision_loss,
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    clippy::disallowed_methods,
    reason = "a benchmark program: it measures wall time and fails loudly"
)]

use std::fmt::Write as _;
use std::io::{BufRead as _, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

const BIN: &str = env!("CARGO_BIN_EXE_uid2");

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Emails with the variety of a CRM export: case, dots and plus tags (gmail), spaces.
fn email(i: usize) -> String {
    match i % 4 {
        0 => format!("user.{i}+news@gmail.com"),
        1 => format!("First.Last{i}@Example{}.COM", i % 97),
        2 => format!("  customer_{i}@shop{}.example.org ", i % 13),
        _ => format!("u{i}@e.io"),
    }
}

fn write_file(path: &Path, header: Option<&str>, rows: usize, line: impl Fn(usize) -> String) {
    let mut out = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path).unwrap());
    if let Some(h) = header {
        writeln!(out, "{h}").unwrap();
    }
    for i in 0..rows {
        writeln!(out, "{}", line(i)).unwrap();
    }
    out.flush().unwrap();
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
    format!("{cpu}, {cores} cores")
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn bench_hash(dir: &Path, rows: usize, runs: usize, report: &mut String) {
    let input = dir.join("emails.txt");
    write_file(&input, None, rows, email);
    let size = std::fs::metadata(&input).unwrap().len();
    let mut rates = Vec::new();
    for run in 0..runs {
        let start = Instant::now();
        let status = Command::new(BIN)
            .arg("hash")
            .arg(&input)
            .args(["-o", "/dev/null"])
            .status()
            .unwrap();
        let secs = start.elapsed().as_secs_f64();
        assert!(status.success(), "uid2 hash failed: {status}");
        let rate = rows as f64 / secs;
        rates.push(rate);
        let _ = writeln!(
            report,
            "hash run {}: {rows} emails ({size} bytes) in {secs:.3} s = {:.2} M rows/s",
            run + 1,
            rate / 1e6
        );
    }
    let _ = writeln!(
        report,
        "hash median: {:.2} M rows/s (one thread)",
        median(rates) / 1e6
    );
}

/// User plus system CPU time of a running process, in milliseconds (USER_HZ = 100).
fn cpu_millis(stat_path: &str) -> Option<u64> {
    let stat = std::fs::read_to_string(stat_path).ok()?;
    let rest = stat.rsplit_once(')')?.1;
    let mut fields = rest.split_ascii_whitespace();
    let utime: u64 = fields.nth(11)?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some((utime + stime) * 10)
}

/// VmHWM of a running process, in MiB.
fn peak_rss_mib(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .trim_start_matches("VmHWM:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

fn bench_map(dir: &Path, rows: usize, runs: usize, report: &mut String) {
    let input = dir.join("crm.csv");
    write_file(&input, Some("id,email,segment"), rows, |i| {
        format!("{i},{},s{}", email(i).trim(), i % 7)
    });
    let mut operator = Command::new(BIN)
        .args(["--json", "operator", "serve", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(operator.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    let info: serde_json::Value = serde_json::from_str(&line).unwrap();
    let base_url = info["base_url"].as_str().unwrap().to_owned();
    let mut rates = Vec::new();
    let op_stat = format!("/proc/{}/stat", operator.id());
    for run in 0..runs {
        let op_cpu_before = cpu_millis(&op_stat);
        let output: PathBuf = dir.join(format!("mapped-{run}.csv"));
        let start = Instant::now();
        let out = Command::new(BIN)
            .env("UID2_BASE_URL", &base_url)
            .env("UID2_API_KEY", info["api_key"].as_str().unwrap())
            .env("UID2_SECRET_KEY", info["client_secret"].as_str().unwrap())
            .args(["--json", "map"])
            .arg(&input)
            .arg("-o")
            .arg(&output)
            .output()
            .unwrap();
        let secs = start.elapsed().as_secs_f64();
        assert!(
            out.status.success(),
            "uid2 map failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(summary["rows"].as_u64(), Some(rows as u64));
        let rss = summary["peak_rss_bytes"].as_f64().unwrap_or(0.0) / (1024.0 * 1024.0);
        let rate = rows as f64 / secs;
        rates.push(rate);
        let cli_cpu = summary["cpu_ms"].as_f64().unwrap_or(0.0) / 1000.0;
        let op_cpu = match (op_cpu_before, cpu_millis(&op_stat)) {
            (Some(a), Some(b)) => (b - a) as f64 / 1000.0,
            _ => 0.0,
        };
        let _ = writeln!(
            report,
            "map run {}: {rows} rows in {secs:.2} s = {:.0} rows/s, {} requests, peak RSS of uid2 map {rss:.1} MiB; CPU: uid2 map {cli_cpu:.2} s, operator {op_cpu:.2} s",
            run + 1,
            rate,
            summary["requests"],
        );
        std::fs::remove_file(&output).unwrap();
    }
    let op_rss = peak_rss_mib(operator.id());
    operator.kill().unwrap();
    operator.wait().unwrap();
    let _ = writeln!(report, "map median: {:.0} rows/s", median(rates));
    if let Some(mib) = op_rss {
        let _ = writeln!(
            report,
            "local operator (separate process) peak RSS: {mib:.1} MiB"
        );
    }
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing and wants a quick run.
    let benching = std::env::args().any(|a| a == "--bench");
    let rows = env_usize(
        "UID2_CLI_BENCH_ROWS",
        if benching { 1_000_000 } else { 1_000 },
    );
    let runs = env_usize("UID2_CLI_BENCH_RUNS", if benching { 3 } else { 1 }).max(1);
    let dir = std::env::temp_dir().join(format!("uid2-cli-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut report = format!("uid2 CLI benchmark on {} (release build)\n", machine());
    bench_hash(&dir, rows, runs, &mut report);
    bench_map(&dir, rows, runs, &mut report);
    std::fs::remove_dir_all(&dir).unwrap();
    print!("{report}");
}
