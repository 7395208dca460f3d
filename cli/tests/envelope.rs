//! `uid2 envelope`: the v2 docs' pipe against the local operator (with the real `curl` when it
//! is installed), exact output bytes, --is-refresh, error replies, bad secrets.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    missing_docs,
    reason = "tests"
)]

mod common;

use common::{assert_code, operator, post, run_with_stdin, stderr, stdout, uid2, uid2_offline};
use uid2::Timestamp;
use uid2::envelope::BodyEncoding;
use uid2_blocking::OsRandom;

/// The members of the JSON object printed after "Response JSON:".
fn printed_json(output: &str) -> serde_json::Value {
    let json = output.split("Response JSON:\n").nth(1).unwrap();
    serde_json::from_str(json.trim_end()).unwrap()
}

#[test]
fn the_docs_pipe_generates_a_token_and_refreshes_it() {
    let op = operator();
    let request = b"{\"email\": \"test@example.com\"}\n";
    let sealed = run_with_stdin(uid2(&op).args(["envelope", "encrypt-request"]), request);
    assert_code(&sealed, 0);
    // As encrypt_request.py: the base64 envelope and an empty line; timestamp and nonce on stderr.
    let text = stdout(&sealed);
    assert!(
        text.ends_with("\n\n") && !text.trim_end().contains('\n'),
        "{text:?}"
    );
    let err = stderr(&sealed);
    let mut lines = err.lines();
    assert!(
        lines.next().unwrap().starts_with("Request timestamp: 20"),
        "{err}"
    );
    let nonce: u64 = lines
        .next()
        .unwrap()
        .strip_prefix("Request nonce: ")
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(lines.next(), Some(""));

    let reply = post(
        &op.base_url(),
        "/v2/token/generate",
        op.api_key(),
        &sealed.stdout,
    );
    let opened = run_with_stdin(uid2(&op).args(["envelope", "decrypt-response"]), &reply);
    assert_code(&opened, 0);
    let text = stdout(&opened);
    assert!(text.starts_with("\nResponse timestamp: 20"), "{text}");
    // The operator echoes the request nonce.
    assert!(
        text.contains(&format!(
            "\nResponse nonce: {nonce}\nResponse JSON:\n{{\n    \"body\": {{\n"
        )),
        "{text}"
    );
    assert!(text.ends_with("\n}\n\n"), "{text:?}");
    let doc = printed_json(&text);
    assert_eq!(doc["status"], "success");
    let token = doc["body"]["advertising_token"].as_str().unwrap();
    assert!(token.starts_with('A'), "{token}");

    // --is-refresh: the refresh token goes in clear, the reply opens with refresh_response_key.
    let refresh_token = doc["body"]["refresh_token"].as_str().unwrap();
    let key = doc["body"]["refresh_response_key"].as_str().unwrap();
    let reply = post(
        &op.base_url(),
        "/v2/token/refresh",
        op.api_key(),
        refresh_token.as_bytes(),
    );
    let refreshed = run_with_stdin(
        uid2(&op).args([
            "envelope",
            "decrypt-response",
            "--is-refresh",
            "--secret",
            key,
        ]),
        &reply,
    );
    assert_code(&refreshed, 0);
    let text = stdout(&refreshed);
    assert!(text.starts_with("\nResponse JSON:\n{\n"), "{text}");
    assert!(!text.contains("Response timestamp"), "{text}");
    assert_eq!(printed_json(&text)["status"], "success");

    // The same refresh reply without --is-refresh: an authentication failure and a hint.
    let wrong = run_with_stdin(uid2(&op).args(["envelope", "decrypt-response"]), &reply);
    assert_code(&wrong, 3);
    assert!(
        stderr(&wrong).contains("--is-refresh"),
        "{}",
        stderr(&wrong)
    );
}

#[test]
fn output_bytes_match_decrypt_response_py() {
    // A reply sealed with a known time, nonce and document; the expected text is what the docs'
    // decrypt_response.py prints for it under TZ=UTC (CPython json.dumps(..., indent=4): order
    // kept, non-ASCII escaped, floats as repr).
    let secret = uid2::Secret::new({
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD
            .decode(uid2_local_operator::DEFAULT_CLIENT_SECRET)
            .unwrap()
            .try_into()
            .unwrap()
    });
    let document = "{\"status\":\"success\",\"body\":{\"z\":1,\"a\":[1.5,1e16,null,{}],\"name\":\"Z\u{fc}rich \u{1f600}\",\"e\":[]}}";
    let nonce = 1_234_567_890_123u64.to_be_bytes();
    let body = uid2::server::seal_response(
        &secret,
        Timestamp::from_millis(1_667_885_597_644),
        &nonce,
        document.as_bytes(),
        BodyEncoding::Text,
        &mut OsRandom,
    )
    .unwrap();
    let out = run_with_stdin(
        uid2_offline()
            .env(
                "UID2_SECRET_KEY",
                uid2_local_operator::DEFAULT_CLIENT_SECRET,
            )
            .args(["envelope", "decrypt-response"]),
        &body,
    );
    assert_code(&out, 0);
    let expected = "\nResponse timestamp: 2022-11-08 05:33:17.644000\nResponse nonce: 1234567890123\nResponse JSON:\n{\n    \"status\": \"success\",\n    \"body\": {\n        \"z\": 1,\n        \"a\": [\n            1.5,\n            1e+16,\n            null,\n            {}\n        ],\n        \"name\": \"Z\\u00fcrich \\ud83d\\ude00\",\n        \"e\": []\n    }\n}\n\n";
    assert_eq!(stdout(&out), expected);
}

#[test]
fn error_replies_are_printed_as_the_script_does() {
    let op = operator();
    let reply = post(&op.base_url(), "/v2/token/generate", "not-a-key", b"AAAA");
    let out = run_with_stdin(uid2(&op).args(["envelope", "decrypt-response"]), &reply);
    assert_code(&out, 3);
    assert_eq!(
        stdout(&out),
        "\nError response:\n{\n    \"status\": \"unauthorized\"\n}\n"
    );
}

#[test]
fn the_secret_comes_from_a_file_and_a_bad_one_is_refused() {
    let op = operator();
    let dir = common::TempDir::new("envelope");
    let file = dir.path("secret");
    std::fs::write(&file, format!("{}\n", op.client_secret())).unwrap();
    let out = run_with_stdin(
        uid2_offline()
            .args(["envelope", "encrypt-request", "--secret-file"])
            .arg(&file),
        b"{}",
    );
    assert_code(&out, 0);
    let out = run_with_stdin(
        uid2_offline().args(["envelope", "encrypt-request", "--secret", "not base64"]),
        b"{}",
    );
    assert_code(&out, 3);
    assert!(stderr(&out).contains("base64"), "{}", stderr(&out));
    let out = run_with_stdin(uid2_offline().args(["envelope", "encrypt-request"]), b"{}");
    assert_code(&out, 2);
    assert!(stderr(&out).contains("UID2_SECRET_KEY"), "{}", stderr(&out));
    // The help warns that the command line is visible.
    let help = common::run(uid2_offline().args(["envelope", "encrypt-request", "--help"]));
    assert!(
        stdout(&help).contains("visible to other"),
        "{}",
        stdout(&help)
    );
}
