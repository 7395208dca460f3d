//! `uid2 envelope` against the v2 documentation's own Python scripts, byte for byte.
//!
//! The scripts (`encrypt_request.py`, `decrypt_response.py`) are read at run time from the
//! documentation page (not copied into this repository), and run with a Python that has
//! pycryptodome. Ignored by default; `.ci/cli` runs it when it can set up such a Python:
//!
//! ```sh
//! UID2_CLI_PYTHON=/path/to/venv/bin/python UID2_CLI_DOCS_PAGE=/path/to/encryption-page.md \
//!   cargo test -p uid2-cli --test docs_scripts -- --ignored
//! ```

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    missing_docs,
    reason = "tests"
)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{TempDir, assert_code, operator, post, run_with_stdin, stdout, uid2};

/// The code block that follows `heading` in the page.
fn script(page: &str, heading: &str) -> String {
    let after = page
        .split(heading)
        .nth(1)
        .unwrap_or_else(|| panic!("{heading} not in the page"));
    let code = after.split("```py\n").nth(1).unwrap();
    code.split("```").next().unwrap().to_owned()
}

struct Scripts {
    python: PathBuf,
    encrypt: PathBuf,
    decrypt: PathBuf,
}

impl Scripts {
    fn load(dir: &TempDir) -> Self {
        let python = PathBuf::from(std::env::var("UID2_CLI_PYTHON").expect("set UID2_CLI_PYTHON"));
        let page = std::fs::read_to_string(
            std::env::var("UID2_CLI_DOCS_PAGE").expect("set UID2_CLI_DOCS_PAGE"),
        )
        .unwrap();
        let encrypt = dir.path("encrypt_request.py");
        let decrypt = dir.path("decrypt_response.py");
        std::fs::write(&encrypt, script(&page, "### Example Encryption Script")).unwrap();
        std::fs::write(&decrypt, script(&page, "### Example Decryption Script")).unwrap();
        Self {
            python,
            encrypt,
            decrypt,
        }
    }

    fn run(&self, script: &Path, args: &[&str], stdin: &[u8]) -> Output {
        let mut cmd = Command::new(&self.python);
        cmd.env("TZ", "UTC").arg(script).args(args);
        run_with_stdin(&mut cmd, stdin)
    }
}

#[test]
#[ignore = "needs a Python with pycryptodome and the documentation page (see the module docs)"]
fn same_bytes_as_the_docs_scripts() {
    let op = operator();
    let dir = TempDir::new("docs");
    let scripts = Scripts::load(&dir);
    let secret = op.client_secret().to_owned();
    let request = "{\"email\": \"test@example.com\"}\n".as_bytes();

    // Sealed by the script, then by uid2; each reply opened by both.
    let by_python = scripts.run(&scripts.encrypt, &[&secret], request);
    assert!(
        by_python.status.success(),
        "{}",
        String::from_utf8_lossy(&by_python.stderr)
    );
    let by_uid2 = run_with_stdin(uid2(&op).args(["envelope", "encrypt-request"]), request);
    assert_code(&by_uid2, 0);
    // The same shape on stdout: base64 then an empty line.
    for sealed in [&by_python.stdout, &by_uid2.stdout] {
        assert!(
            sealed.ends_with(b"\n\n"),
            "{:?}",
            String::from_utf8_lossy(sealed)
        );
    }
    let mut identity = None;
    for sealed in [by_python.stdout, by_uid2.stdout] {
        let reply = post(&op.base_url(), "/v2/token/generate", op.api_key(), &sealed);
        let python = scripts.run(&scripts.decrypt, &[&secret], &reply);
        assert!(
            python.status.success(),
            "{}",
            String::from_utf8_lossy(&python.stderr)
        );
        let ours = run_with_stdin(uid2(&op).args(["envelope", "decrypt-response"]), &reply);
        assert_code(&ours, 0);
        assert_eq!(stdout(&ours), String::from_utf8(python.stdout).unwrap());
        identity = Some(stdout(&ours));
    }

    // --is-refresh with the refresh_response_key.
    let text = identity.unwrap();
    let doc: serde_json::Value =
        serde_json::from_str(text.split("Response JSON:\n").nth(1).unwrap().trim_end()).unwrap();
    let key = doc["body"]["refresh_response_key"].as_str().unwrap();
    let refresh = doc["body"]["refresh_token"].as_str().unwrap();
    let reply = post(
        &op.base_url(),
        "/v2/token/refresh",
        op.api_key(),
        refresh.as_bytes(),
    );
    let python = scripts.run(&scripts.decrypt, &[key, "--is-refresh"], &reply);
    assert!(
        python.status.success(),
        "{}",
        String::from_utf8_lossy(&python.stderr)
    );
    let ours = run_with_stdin(
        uid2(&op).args([
            "envelope",
            "decrypt-response",
            "--is-refresh",
            "--secret",
            key,
        ]),
        &reply,
    );
    assert_code(&ours, 0);
    assert_eq!(stdout(&ours), String::from_utf8(python.stdout).unwrap());

    // An error reply (HTTP 401).
    let reply = post(&op.base_url(), "/v2/token/generate", "wrong-key", b"AAAA");
    let python = scripts.run(&scripts.decrypt, &[&secret], &reply);
    let ours = run_with_stdin(uid2(&op).args(["envelope", "decrypt-response"]), &reply);
    assert_eq!(stdout(&ours), String::from_utf8(python.stdout).unwrap());
}
