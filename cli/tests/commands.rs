//! `uid2 normalize`, `hash`, `optout-status`, `operator serve`, the help texts and the
//! configuration errors.

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

use std::io::BufRead as _;
use std::process::{Command, Stdio};

use common::{
    BIN, TempDir, assert_code, csv_rows, operator, run, run_with_stdin, stderr, stdout, uid2,
    uid2_at, uid2_offline,
};
use uid2::identity::{hash_email, hash_phone, normalized_email};

#[test]
fn hash_and_normalize_lines_as_the_core_does() {
    let input = "Jane.Doe+news@GMAIL.com\n+12345678901\r\n\nnobody-here\n user@example.com \n";
    let hashed = run_with_stdin(uid2_offline().arg("hash"), input.as_bytes());
    assert_code(&hashed, 4);
    let expected = [
        hash_email("Jane.Doe+news@GMAIL.com")
            .unwrap()
            .as_str()
            .to_owned(),
        hash_phone("+12345678901").unwrap().as_str().to_owned(),
        String::new(),
        String::new(),
        hash_email(" user@example.com ")
            .unwrap()
            .as_str()
            .to_owned(),
    ];
    assert_eq!(stdout(&hashed), expected.join("\n") + "\n");
    let err = stderr(&hashed);
    assert!(
        err.contains("line 3: empty line") && err.contains("line 4: invalid phone number"),
        "{err}"
    );
    assert!(
        !err.contains("nobody-here"),
        "no input value in messages: {err}"
    );

    let normalized = run_with_stdin(
        uid2_offline().args(["normalize", "--type", "email"]),
        b"Jane.Doe+news@GMAIL.com\n",
    );
    assert_code(&normalized, 0);
    assert_eq!(
        stdout(&normalized),
        normalized_email("Jane.Doe+news@GMAIL.com").unwrap() + "\n"
    );
}

#[test]
fn hash_a_csv_column() {
    let dir = TempDir::new("hashcsv");
    let input = dir.path("in.csv");
    std::fs::write(&input, "id,phone\n1,+12345678901\n2,+1,extra\n3,12345\n").unwrap();
    let output = dir.path("out.csv");
    let out = run(uid2_offline()
        .args(["hash", "--type", "phone", "--column", "phone", "-o"])
        .arg(&output)
        .arg(&input));
    assert_code(&out, 4);
    assert!(
        stderr(&out).contains("line 3: not a valid CSV record"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("line 4: invalid phone number"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        csv_rows(&output),
        [
            vec!["id", "phone", "phone_hash"],
            vec![
                "1",
                "+12345678901",
                hash_phone("+12345678901").unwrap().as_str()
            ],
            vec!["3", "12345", ""],
        ]
    );
}

#[test]
fn optout_status_of_a_file() {
    let op = operator();
    assert!(op.opt_out("gone@example.com"));
    let gone = op.raw_uid("gone@example.com").unwrap();
    let here = op.raw_uid("here@example.com").unwrap();
    let out = run_with_stdin(
        uid2(&op).arg("optout-status"),
        format!("{gone}\n{here}\n").as_bytes(),
    );
    assert_code(&out, 0);
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "raw_uid,opted_out_since");
    assert!(
        lines[1].starts_with(&format!("{gone},20")) && lines[1].ends_with('Z'),
        "{text}"
    );
    assert_eq!(lines[2], format!("{here},"));
}

/// Each line of standard output, parsed as one JSON object.
fn json_lines(out: &std::process::Output) -> Vec<serde_json::Value> {
    stdout(out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[test]
fn hash_and_normalize_print_json_lines_with_json() {
    let input = "Jane.Doe+news@GMAIL.com\n+12345678901\r\n\nnobody-here\n user@example.com \n";
    let hashed = run_with_stdin(uid2_offline().args(["--json", "hash"]), input.as_bytes());
    assert_code(&hashed, 4);
    let rows = json_lines(&hashed);
    assert_eq!(rows.len(), 5, "one object per input line");
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row["line"], i + 1);
        assert!(row.get("input").is_none(), "no input echoed: {row}");
    }
    assert_eq!(
        rows[0]["hash"],
        hash_email("Jane.Doe+news@GMAIL.com").unwrap().as_str()
    );
    assert_eq!(
        rows[1]["hash"],
        hash_phone("+12345678901").unwrap().as_str()
    );
    assert_eq!(
        (&rows[2]["error"], &rows[2]["reason"]),
        (&"empty".into(), &"empty line".into())
    );
    assert_eq!(rows[3]["error"], "invalid");
    assert!(
        rows[3]["reason"]
            .as_str()
            .unwrap()
            .starts_with("invalid phone number")
    );
    assert!(rows[3].get("hash").is_none());
    assert_eq!(
        rows[4]["hash"],
        hash_email(" user@example.com ").unwrap().as_str()
    );
    // Per-line reports are in the objects: standard error has only the closing warning.
    let err = stderr(&hashed);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("uid2: warning: 2 values were not valid"),
        "{err}"
    );
    assert!(!format!("{}{err}", stdout(&hashed)).contains("nobody-here"));

    let normalized = run_with_stdin(
        uid2_offline().args(["--json", "normalize", "--type", "email"]),
        b"Jane.Doe+news@GMAIL.com\n\xff\n",
    );
    assert_code(&normalized, 4);
    let rows = json_lines(&normalized);
    assert_eq!(
        rows[0],
        serde_json::json!({
            "line": 1,
            "normalized": normalized_email("Jane.Doe+news@GMAIL.com").unwrap(),
        })
    );
    assert_eq!(
        rows[1],
        serde_json::json!({"line": 2, "error": "not_utf8", "reason": "not UTF-8 text"})
    );
}

#[test]
fn csv_columns_print_json_lines_with_json() {
    let dir = TempDir::new("jsoncsv");
    let input = dir.path("in.csv");
    std::fs::write(
        &input,
        "id,phone\n1,+12345678901\n2,+1,extra\n3,12345\n4,\n",
    )
    .unwrap();
    // -o takes the JSON Lines as it takes the CSV.
    let output = dir.path("out.jsonl");
    let out = run(uid2_offline()
        .args([
            "--json", "hash", "--type", "phone", "--column", "phone", "-o",
        ])
        .arg(&output)
        .arg(&input));
    assert_code(&out, 4);
    assert!(stdout(&out).is_empty());
    let text = std::fs::read_to_string(&output).unwrap();
    let rows: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 4, "{text}");
    assert_eq!(
        rows[0],
        serde_json::json!({
            "line": 2,
            "input": "+12345678901",
            "record": {"id": "1", "phone": "+12345678901"},
            "hash": hash_phone("+12345678901").unwrap().as_str(),
        })
    );
    assert_eq!(rows[1]["line"], 3);
    assert_eq!(rows[1]["error"], "malformed_record");
    assert!(
        rows[1]["reason"]
            .as_str()
            .unwrap()
            .contains("3 fields where the header has 2"),
        "{}",
        rows[1]
    );
    assert!(rows[1].get("record").is_none());
    assert_eq!(
        (rows[2]["line"].as_u64(), rows[2]["error"].as_str()),
        (Some(4), Some("invalid"))
    );
    assert_eq!(rows[2]["record"]["id"], "3");
    assert_eq!(
        (rows[3]["line"].as_u64(), rows[3]["error"].as_str()),
        (Some(5), Some("empty"))
    );

    let out = run_with_stdin(
        uid2_offline().args(["--json", "normalize", "--column", "email"]),
        b"email,email\nA@Example.com,second\n",
    );
    assert_code(&out, 0);
    let rows = json_lines(&out);
    // A repeated column name keeps its first field.
    assert_eq!(
        rows,
        [serde_json::json!({
            "line": 2,
            "input": "A@Example.com",
            "record": {"email": "A@Example.com"},
            "normalized": normalized_email("A@Example.com").unwrap(),
        })]
    );
}

#[test]
fn optout_status_prints_json_lines_with_json() {
    let op = operator();
    assert!(op.opt_out("gone@example.com"));
    let gone = op.raw_uid("gone@example.com").unwrap();
    let here = op.raw_uid("here@example.com").unwrap();
    let out = run_with_stdin(
        uid2(&op).args(["--json", "optout-status"]),
        format!("{gone}\n\n{here}\n").as_bytes(),
    );
    assert_code(&out, 4);
    let rows = json_lines(&out);
    assert_eq!(rows.len(), 3, "{}", stdout(&out));
    assert_eq!(rows[0]["line"], 1);
    assert_eq!(rows[0]["raw_uid"], gone.as_str());
    assert_eq!(rows[0]["opted_out"], true);
    let since = rows[0]["opted_out_since"].as_str().unwrap();
    assert!(since.starts_with("20") && since.ends_with('Z'), "{since}");
    assert_eq!(
        rows[1],
        serde_json::json!({"line": 2, "error": "empty", "reason": "empty line (left out)"})
    );
    assert_eq!(
        rows[2],
        serde_json::json!({
            "line": 3,
            "raw_uid": here,
            "opted_out": false,
            "opted_out_since": null,
        })
    );
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));

    // A CSV column: the malformed record keeps its place and line number.
    let out = run_with_stdin(
        uid2(&op).args(["--json", "optout-status", "--column", "uid"]),
        format!("n,uid\n1,{gone}\n2,x,y\n3,{here}\n").as_bytes(),
    );
    assert_code(&out, 4);
    let rows = json_lines(&out);
    let lines: Vec<u64> = rows.iter().map(|r| r["line"].as_u64().unwrap()).collect();
    assert_eq!(lines, [2, 3, 4]);
    assert_eq!(rows[1]["error"], "malformed_record");
    assert_eq!(rows[2]["raw_uid"], here.as_str());
}

#[test]
fn operator_serve_answers_every_command() {
    let mut child = Command::new(BIN)
        .args(["--json", "operator", "serve", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    let info: serde_json::Value = serde_json::from_str(&line).unwrap();
    let base_url = info["base_url"].as_str().unwrap();
    assert_eq!(info["api_key"], uid2_local_operator::DEFAULT_API_KEY);
    let generated = run(uid2_at(base_url).args(["token", "generate", "--phone", "+12345678901"]));
    child.kill().unwrap();
    child.wait().unwrap();
    assert_code(&generated, 0);
    assert!(stdout(&generated).contains("advertising_token"));
}

#[test]
fn every_help_is_complete() {
    let top = run(uid2_offline().arg("--help"));
    assert_code(&top, 0);
    let text = stdout(&top);
    for needle in [
        "Exit codes:",
        "UID2_SECRET_KEY",
        "visible",
        "--environment",
        "--json",
    ] {
        assert!(text.contains(needle), "{needle} missing from --help");
    }
    let commands: &[&[&str]] = &[
        &["envelope", "encrypt-request"],
        &["envelope", "decrypt-response"],
        &["token", "inspect"],
        &["token", "decrypt"],
        &["token", "encrypt"],
        &["token", "generate"],
        &["token", "refresh"],
        &["keys", "fetch"],
        &["keys", "show"],
        &["normalize"],
        &["hash"],
        &["map"],
        &["remap"],
        &["optout-status"],
        &["operator", "serve"],
    ];
    for command in commands {
        let out = run(uid2_offline().args(*command).arg("--help"));
        assert_code(&out, 0);
        let help = stdout(&out);
        assert!(help.contains("Usage: uid2 "), "{command:?}: {help}");
        assert!(help.lines().count() > 8, "{command:?}: {help}");
    }
}

#[test]
fn configuration_errors_are_one_line_with_a_hint() {
    // No operator configured.
    let out = run(uid2_offline().args(["token", "generate", "--email", "a@example.com"]));
    assert_code(&out, 2);
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("no operator given") && err.contains("hint: pass --base-url"),
        "{err}"
    );
    // Plain http to a non-loopback host.
    let out =
        run(uid2_at("http://192.0.2.1:8080")
            .args(["keys", "fetch", "--role", "sharing", "-o", "x"]));
    assert_code(&out, 2);
    assert!(
        stderr(&out).contains("--allow-insecure-http"),
        "{}",
        stderr(&out)
    );
    // Nothing listening: unavailable.
    let port = common::free_port();
    let out = run(uid2_at(&format!("http://127.0.0.1:{port}")).args([
        "token",
        "generate",
        "--email",
        "a@example.com",
    ]));
    assert_code(&out, 6);
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("is an operator listening at"), "{err}");
    // A wrong client secret: the reply does not open.
    let op = operator();
    let out = run(uid2(&op)
        .env(
            "UID2_SECRET_KEY",
            "ioG3wKxAokmp+rERx6A4kM/13qhyolUXIu14WN16Spo=",
        )
        .args(["token", "generate", "--email", "a@example.com"]));
    // The operator cannot open the request: 400, or the reply fails authentication.
    assert!(matches!(out.status.code(), Some(1 | 3)), "{}", stderr(&out));
    assert!(!stderr(&out).contains("a@example.com"), "no DII in errors");
    // Usage errors from the parser.
    assert_code(&run(uid2_offline().args(["map"])), 2);
}

#[test]
fn no_secret_dii_or_token_in_any_message() {
    let op = operator();
    let secret_like = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3I="; // not this API key's secret
    let email = "private.person@example.com";
    let token = op.advertising_token(email, op.site_id(), false).unwrap();
    let raw_uid = op.raw_uid(email).unwrap();
    let dead = format!("http://127.0.0.1:{}", common::free_port());
    let runs = [
        run(uid2_at(&dead).args(["token", "generate", "--email", email])),
        run(uid2(&op)
            .env("UID2_SECRET_KEY", secret_like)
            .args(["token", "generate", "--email", email])),
        run(uid2(&op)
            .env("UID2_API_KEY", "UID2-C-L-999-not.the.key")
            .args(["token", "generate", "--email", email])),
        run_with_stdin(
            uid2_offline().args(["envelope", "decrypt-response", "--secret", secret_like]),
            b"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        ),
        run(uid2_offline().args(["token", "decrypt", &token, "--keys", "/nonexistent"])),
        run(uid2(&op).args(["token", "encrypt", &raw_uid, "--keys", "/nonexistent"])),
        run_with_stdin(
            uid2_offline().arg("hash"),
            format!("{email}x@\n").as_bytes(),
        ),
    ];
    for (i, out) in runs.iter().enumerate() {
        assert_ne!(out.status.code(), Some(0), "run {i}");
        let text = format!("{}{}", stdout(out), stderr(out));
        for needle in [secret_like, email, &token, &raw_uid, "not.the.key"] {
            assert!(
                !text.contains(needle),
                "run {i} printed a secret or DII: {text}"
            );
        }
        assert!(stderr(out).contains("uid2: "), "run {i}: {text}");
    }
}
