//! What every end-to-end test of the `uid2` binary shares: the binary, an in-process local
//! operator, temporary directories, and a bounded wait.

#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    clippy::disallowed_methods,
    clippy::missing_panics_doc,
    reason = "test support code: a failed expectation panics, and waits read the clock"
)]

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use uid2_local_operator::{LocalOperator, LocalOperatorConfig};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_uid2");

/// A local operator with the default (deterministic) configuration.
pub fn operator() -> LocalOperator {
    LocalOperator::start_blocking(LocalOperatorConfig::default()).expect("local operator")
}

/// `uid2` with a clean environment pointing at `base_url` with the test credentials.
pub fn uid2_at(base_url: &str) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("TZ", "UTC")
        .env("UID2_BASE_URL", base_url)
        .env("UID2_API_KEY", uid2_local_operator::DEFAULT_API_KEY)
        .env(
            "UID2_SECRET_KEY",
            uid2_local_operator::DEFAULT_CLIENT_SECRET,
        )
        .stdin(Stdio::null());
    cmd
}

/// `uid2` for `operator`.
pub fn uid2(operator: &LocalOperator) -> Command {
    uid2_at(&operator.base_url())
}

/// `uid2` with no operator configured.
pub fn uid2_offline() -> Command {
    let mut cmd = Command::new(BIN);
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("TZ", "UTC")
        .stdin(Stdio::null());
    cmd
}

/// Runs with `stdin` as standard input.
pub fn run_with_stdin(cmd: &mut Command, stdin: &[u8]) -> Output {
    use std::io::Write as _;
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn uid2");
    let mut input = child.stdin.take().expect("stdin");
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&data);
    });
    let out = child.wait_with_output().expect("wait for uid2");
    writer.join().expect("stdin writer");
    out
}

/// Runs to completion.
pub fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("run uid2")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts the exit code, showing the output when it differs.
#[track_caller]
pub fn assert_code(o: &Output, code: i32) {
    assert_eq!(
        o.status.code(),
        Some(code),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status,
        stdout(o),
        stderr(o)
    );
}

/// A directory removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(name: &str) -> Self {
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "uid2-cli-{name}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Polls `condition` every 10 ms until it holds or `limit` passes; returns whether it held.
pub fn wait_until(limit: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if condition() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    condition()
}

/// A CSV of `n` rows: id, email (a few phones and invalid values mixed in), note.
pub fn crm_csv(n: usize) -> String {
    let mut s = String::from("id,email,note\n");
    for i in 0..n {
        let value = match i % 97 {
            13 => format!("+1{:010}", 2_000_000_000u64 + u64::try_from(i).unwrap()),
            41 => "not-an-email".to_owned(),
            _ => format!("user{i}@example.com"),
        };
        s.push_str(&format!("{i},{value},\"row {i}, quoted\"\n"));
    }
    s
}

/// A free TCP port on 127.0.0.1 (bound, then released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The rows of a CSV file (header included), as strings.
pub fn csv_rows(path: &Path) -> Vec<Vec<String>> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(path)
        .unwrap();
    rdr.records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

/// POSTs `body` as curl -d @- would (form content type), with curl when it is installed and
/// over a plain socket otherwise. Returns the response body.
pub fn post(base_url: &str, path: &str, bearer: &str, body: &[u8]) -> Vec<u8> {
    if Command::new("curl").arg("--version").output().is_ok() {
        let mut child = Command::new("curl")
            .args(["-s", "-X", "POST", &format!("{base_url}{path}")])
            .args(["-H", &format!("Authorization: Bearer {bearer}"), "-d", "@-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(body).unwrap();
        return child.wait_with_output().unwrap().stdout;
    }
    // curl -d strips newlines from the data it reads.
    let data: Vec<u8> = body
        .iter()
        .copied()
        .filter(|&b| b != b'\n' && b != b'\r')
        .collect();
    let host = base_url.trim_start_matches("http://");
    let mut s = TcpStream::connect(host).unwrap();
    write!(
        s,
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {bearer}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        data.len()
    )
    .unwrap();
    s.write_all(&data).unwrap();
    let mut reply = Vec::new();
    s.read_to_end(&mut reply).unwrap();
    let split = reply.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    reply[split..].to_vec()
}
