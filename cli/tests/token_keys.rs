//! `uid2 token …` and `uid2 keys …` against the local operator.

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

use common::{TempDir, assert_code, operator, run, run_with_stdin, stderr, stdout, uid2};
use serde_json::Value;
use uid2::KeySet;

fn json(o: &std::process::Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(o)))
}

#[test]
fn generate_inspect_decrypt_and_refresh() {
    let op = operator();
    let generated = run(uid2(&op).args(["token", "generate", "--email", "Jane.Doe@example.com"]));
    assert_code(&generated, 0);
    let identity: Value = json(&generated);
    let token = identity["advertising_token"].as_str().unwrap().to_owned();

    // inspect: the clear header, compared with the operator's bidstream key set.
    let inspected = run(uid2(&op).args(["--json", "token", "inspect", &token]));
    assert_code(&inspected, 0);
    let header = json(&inspected);
    assert_eq!(header["version"], 4);
    assert_eq!(header["identity_scope"], "UID2");
    assert_eq!(header["raw_uid_len"], 33);
    assert_eq!(header["master_iv"].as_str().unwrap().len(), 24);
    let keys = KeySet::parse(op.bidstream_key_set_json().as_bytes()).unwrap();
    let master = header["master_key_id"].as_i64().unwrap();
    assert!(
        keys.key(master).is_some(),
        "master key {master} is the operator's"
    );
    let text = stdout(&run(uid2(&op).args(["token", "inspect", &token])));
    let raw_uid = op.raw_uid("Jane.Doe@example.com").unwrap();
    assert!(
        text.contains("raw UID") && !text.contains(&raw_uid),
        "{text}"
    );

    // decrypt with a fresh download: the raw UID the operator maps the email to.
    let decrypted = run(uid2(&op).args(["--json", "token", "decrypt", &token, "--fetch"]));
    assert_code(&decrypted, 0);
    let d = json(&decrypted);
    assert_eq!(d["status"], "SUCCESS");
    assert_eq!(d["uid"], raw_uid.as_str());
    assert_eq!(d["site_id"], op.site_id());

    // refresh from the identity JSON on stdin.
    let refreshed = run_with_stdin(uid2(&op).args(["token", "refresh"]), &generated.stdout);
    assert_code(&refreshed, 0);
    let again = json(&refreshed);
    assert_ne!(again["advertising_token"], identity["advertising_token"]);

    // generate for the documented opt-out identity: no identity, exit 0.
    let optout = run(uid2(&op).args([
        "--json",
        "token",
        "generate",
        "--email",
        "optout@example.com",
    ]));
    assert_code(&optout, 0);
    assert_eq!(json(&optout)["status"], "optout");
}

#[test]
fn failed_decryption_says_which_check_and_when() {
    let op = operator();
    let dir = TempDir::new("token");
    let keys = dir.path("keys.json");
    assert_code(
        &run(uid2(&op)
            .args(["keys", "fetch", "--role", "bidstream", "-o"])
            .arg(&keys)),
        0,
    );
    let token = op
        .advertising_token("user@example.com", op.site_id(), false)
        .unwrap();
    let decrypt = |extra: &[&str]| {
        let mut cmd = uid2(&op);
        cmd.args(["--json", "token", "decrypt", &token, "--keys"])
            .arg(&keys)
            .args(extra);
        run(&mut cmd)
    };
    let ok = decrypt(&[]);
    assert_code(&ok, 0);

    // Four hours later the token (3 h lifetime) has expired; the keys have not.
    let expires = json(&ok)["expires"].as_i64().unwrap();
    let at = (expires + 3_600_000).to_string();
    let expired = decrypt(&["--at", &at]);
    assert_code(&expired, 5);
    let e = json(&expired);
    assert_eq!(e["status"], "EXPIRED_TOKEN");
    assert_eq!(e["check"]["check"], "expiry");
    assert!(
        e["reason"].as_str().unwrap().contains("1 h 0 min before"),
        "{e}"
    );

    // Generated an hour ahead of the check: more than the 30 min of clock skew allowed.
    let generated = json(&ok)["generated"].as_i64().unwrap();
    let at = (generated - 3_600_000).to_string();
    let early = decrypt(&["--at", &at]);
    assert_code(&early, 5);
    let e = json(&early);
    assert_eq!(e["status"], "INVALID_TOKEN_LIFETIME");
    assert_eq!(e["check"]["check"], "clock_skew");
    assert_eq!(e["check"]["ahead_seconds"], 3600);
    assert_eq!(e["check"]["allowed_seconds"], 1800);

    // Client-side generated: the domain check names the site's allowed names.
    let cstg = op
        .advertising_token("user@example.com", op.site_id(), true)
        .unwrap();
    let mut cmd = uid2(&op);
    cmd.args([
        "token",
        "decrypt",
        &cstg,
        "--domain",
        "evil.example",
        "--keys",
    ])
    .arg(&keys);
    let denied = run(&mut cmd);
    assert_code(&denied, 5);
    let text = stdout(&denied);
    assert!(text.contains("DOMAIN_OR_APP_NAME_CHECK_FAILED"), "{text}");
    assert!(
        text.contains("example.com") && text.contains("\"evil.example\" is not one of them"),
        "{text}"
    );

    // Key sets that lack the master key, or every key but the master key: the missing key id.
    let inspected = run(uid2(&op).args(["--json", "token", "inspect", &token]));
    let master = json(&inspected)["master_key_id"].as_i64().unwrap();
    for (keep_master, status, check) in [
        (false, "NOT_AUTHORIZED_FOR_MASTER_KEY", "master_key"),
        (true, "NOT_AUTHORIZED_FOR_KEY", "site_key"),
    ] {
        let mut doc: Value = serde_json::from_str(&op.bidstream_key_set_json()).unwrap();
        doc["body"]["keys"]
            .as_array_mut()
            .unwrap()
            .retain(|k| (k["id"].as_i64() == Some(master)) == keep_master);
        let partial = dir.path("partial.json");
        std::fs::write(&partial, doc.to_string()).unwrap();
        let mut cmd = uid2(&op);
        cmd.args(["--json", "token", "decrypt", &token, "--keys"])
            .arg(&partial);
        let missing = run(&mut cmd);
        assert_code(&missing, 5);
        let e = json(&missing);
        assert_eq!(e["status"], status);
        assert_eq!(e["check"]["check"], check);
        if !keep_master {
            assert_eq!(e["check"]["key_id"], master);
        }
    }

    // Not a token at all.
    let junk = run(uid2(&op).args(["token", "inspect", "hello"]));
    assert_code(&junk, 5);
    assert!(
        stderr(&junk).contains("not a UID2/EUID token"),
        "{}",
        stderr(&junk)
    );
}

#[test]
fn sharing_encrypt_then_decrypt() {
    let op = operator();
    let dir = TempDir::new("sharing");
    let keys = dir.path("sharing.json");
    assert_code(
        &run(uid2(&op)
            .args(["keys", "fetch", "--role", "sharing", "-o"])
            .arg(&keys)),
        0,
    );
    let raw_uid = op.raw_uid("share@example.com").unwrap();
    let mut cmd = uid2(&op);
    cmd.args(["token", "encrypt", "-", "--keys"]).arg(&keys);
    let encrypted = run_with_stdin(&mut cmd, raw_uid.as_bytes());
    assert_code(&encrypted, 0);
    let token = stdout(&encrypted).trim().to_owned();
    assert!(
        token.starts_with('A') && !token.contains(&raw_uid),
        "{token}"
    );
    let mut cmd = uid2(&op);
    cmd.args([
        "--json", "token", "decrypt", &token, "--client", "sharing", "--keys",
    ])
    .arg(&keys);
    let decrypted = run(&mut cmd);
    assert_code(&decrypted, 0);
    assert_eq!(json(&decrypted)["uid"], raw_uid.as_str());
}

#[test]
fn keys_fetch_writes_an_owner_only_snapshot_and_show_describes_it() {
    let op = operator();
    let dir = TempDir::new("keys");
    let file = dir.path("bidstream.json");
    let fetched = run(uid2(&op)
        .args(["keys", "fetch", "--role", "bidstream", "-o"])
        .arg(&file));
    assert_code(&fetched, 0);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    // The snapshot is still a key-set document for the core.
    let saved = KeySet::parse(&std::fs::read(&file).unwrap()).unwrap();
    let expected = KeySet::parse(op.bidstream_key_set_json().as_bytes()).unwrap();
    assert_eq!(saved.keys().len(), expected.keys().len());

    let shown = run(uid2(&op).args(["--json", "keys", "show"]).arg(&file));
    assert_code(&shown, 0);
    let s = json(&shown);
    assert_eq!(s["keys"], expected.keys().len());
    assert_eq!(s["sites"], expected.sites().len());
    assert_eq!(s["endpoint"], "/v2/key/bidstream");
    assert_eq!(s["valid_now"], true);
    assert!(s["age_seconds"].as_i64().unwrap() < 60);
    let latest = expected.latest_expiry().unwrap();
    assert_eq!(
        s["latest_expiry"],
        jiff::Timestamp::from_millisecond(latest.as_millis())
            .unwrap()
            .to_string()
    );
    // No key secret is printed.
    let text = stdout(&run(uid2(&op).args(["keys", "show"]).arg(&file)));
    let snapshot = std::fs::read_to_string(&file).unwrap();
    let secret = snapshot
        .split("\"secret\":\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    assert!(!text.contains(secret) && text.contains("keys "), "{text}");
}
