//! The `metrics` and `tracing` features: every outcome is counted under its official name, and
//! no span, event or metric carries a secret, an API key, DII, a token or a raw UID.
//!
//! One test (a process has one global recorder and one global subscriber), installed before
//! any client is built, against the local operator on 127.0.0.1.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    reason = "test code: a panic is a test failure"
)]

#[path = "../../http/tests/support/capture.rs"]
mod capture;
mod local;

use std::time::Duration;

use capture::{Capture, assert_no_secret, json_strings, sample};
use local::Local;
use metrics_exporter_prometheus::PrometheusBuilder;
use uid2::operator::TokenGenerateRequest;
use uid2::operator::identity_map_v3::IdentityMapV3Input;
use uid2::operator::key_refresh::KeyRefreshConfig;
use uid2_blocking::{
    BidstreamClient, IdentityMapV3Client, PublisherClient, RefreshWorker, SharingClient,
};
use uid2_local_operator::Fault;

const EMAIL: &str = "telemetry.user@example.com";
const PHONE: &str = "+12345678901";
const KEY_PATH: &str = "/v2/key/bidstream";

#[test]
fn outcomes_are_counted_and_nothing_secret_is_recorded() {
    let capture = Capture::default();
    tracing::subscriber::set_global_default(capture.clone()).unwrap();
    let prometheus = PrometheusBuilder::new().install_recorder().unwrap();

    let local = Local::start();
    let op = local.op();
    let config = local.config();

    // A publisher: generate (DII in), refresh (tokens out and in).
    let publisher = PublisherClient::new(config.clone()).unwrap();
    let identity = publisher
        .generate_token(TokenGenerateRequest::from_email(EMAIL).unwrap())
        .unwrap()
        .into_identity()
        .unwrap();
    let refreshed = publisher
        .refresh_token(&identity)
        .unwrap()
        .into_identity()
        .unwrap();
    // An advertiser maps an email and a phone number.
    let mut input = IdentityMapV3Input::new();
    input.add_email(EMAIL).unwrap().add_phone(PHONE).unwrap();
    IdentityMapV3Client::new(config.clone())
        .unwrap()
        .map(input)
        .unwrap();

    // A DSP with a refresh thread: three good bids, two altered tokens.
    let mut schedule = KeyRefreshConfig::default();
    schedule.initial_backoff = Duration::from_secs(30);
    let bidstream = BidstreamClient::new(config.clone().with_key_refresh(schedule)).unwrap();
    bidstream.refresh().unwrap();
    let guard = bidstream.start_refresh_thread().unwrap();
    assert_eq!(bidstream.refresh_status().worker, RefreshWorker::Running);
    let token = identity.advertising_token();
    for _ in 0..3 {
        bidstream
            .decrypt_token_into_raw_uid(token, Some("example.com"))
            .unwrap();
    }
    let mut altered = token.to_owned().into_bytes();
    let middle = altered.len() / 2;
    altered[middle] = if altered[middle] == b'A' { b'B' } else { b'A' };
    let altered = String::from_utf8(altered).unwrap();
    for _ in 0..2 {
        let err = bidstream
            .decrypt_token_into_raw_uid(&altered, None)
            .unwrap_err();
        assert_eq!(
            err.decrypt_error().unwrap().as_status().as_str(),
            "INVALID_PAYLOAD"
        );
    }
    // A sharer: two tokens out, one back in.
    let sharing = SharingClient::new(config).unwrap();
    sharing.refresh().unwrap();
    let raw_uid = op.raw_uid(EMAIL).unwrap();
    let shared = sharing.encrypt_raw_uid_into_token(&raw_uid).unwrap();
    sharing.encrypt_raw_uid_into_token(&raw_uid).unwrap();
    sharing.decrypt_token_into_raw_uid(shared.as_str()).unwrap();
    // The key endpoint fails with 503 once.
    op.set_path_fault(KEY_PATH, Fault::Status(503));
    assert_eq!(bidstream.refresh().unwrap_err().http_status(), Some(503));
    op.clear_faults();
    guard.stop();
    assert_eq!(bidstream.refresh_status().worker, RefreshWorker::Stopped);

    // --- metrics --- (reading the status publishes the decryption counts)
    let _ = (bidstream.refresh_status(), sharing.refresh_status());
    let scrape = prometheus.render();
    let decrypts = |role: &str, status: &str| {
        sample(
            &scrape,
            "uid2_token_decrypt_total",
            &format!("role=\"{role}\",status=\"{status}\""),
        )
    };
    assert_eq!(decrypts("bidstream", "SUCCESS"), Some(3.0), "{scrape}");
    assert_eq!(decrypts("bidstream", "INVALID_PAYLOAD"), Some(2.0));
    assert_eq!(decrypts("bidstream", "KEYS_NOT_SYNCED"), Some(0.0));
    assert_eq!(decrypts("sharing", "SUCCESS"), Some(1.0));
    assert_eq!(
        sample(
            &scrape,
            "uid2_token_encrypt_total",
            "role=\"sharing\",status=\"SUCCESS\""
        ),
        Some(2.0)
    );
    let calls = |endpoint: &str, class: &str| {
        sample(
            &scrape,
            "uid2_operator_requests_total",
            &format!("endpoint=\"{endpoint}\",status_class=\"{class}\""),
        )
    };
    assert_eq!(calls("/v2/token/generate", "2xx"), Some(1.0));
    assert_eq!(calls("/v2/token/refresh", "2xx"), Some(1.0));
    assert_eq!(calls("/v3/identity/map", "2xx"), Some(1.0));
    assert_eq!(calls(KEY_PATH, "5xx"), Some(1.0));
    assert!(
        sample(
            &scrape,
            "uid2_operator_request_duration_seconds_count",
            "endpoint=\"/v2/key/sharing\",status_class=\"2xx\""
        )
        .is_some(),
        "{scrape}"
    );
    let refreshes = |outcome: &str| {
        sample(
            &scrape,
            "uid2_key_refresh_total",
            &format!("role=\"bidstream\",outcome=\"{outcome}\""),
        )
    };
    assert!(refreshes("success").unwrap() >= 1.0);
    assert_eq!(refreshes("http_status"), Some(1.0));
    let gauge = |name: &str| sample(&scrape, name, "role=\"bidstream\"");
    assert_eq!(gauge("uid2_key_refresh_consecutive_failures"), Some(1.0));
    assert_eq!(gauge("uid2_key_refresh_worker_alive"), Some(0.0), "stopped");
    assert!(gauge("uid2_key_set_age_seconds").unwrap() < 60.0);

    // --- traces ---
    let lines = capture.lines();
    let has = |needle: &[&str]| lines.iter().any(|l| needle.iter().all(|n| l.contains(n)));
    assert!(has(&[
        "span",
        "uid2.operator_call",
        "endpoint=/v2/token/generate"
    ]));
    assert!(has(&[
        "operator call completed",
        "endpoint=/v3/identity/map",
        "http_status=200"
    ]));
    assert!(has(&["INFO", "key set refreshed", "role=sharing"]));
    assert!(has(&[
        "WARN",
        "key refresh failed",
        "outcome=http_status",
        "http_status=503"
    ]));
    assert!(has(&["worker=running"]) && has(&["worker=stopped"]));

    // --- nothing secret anywhere ---
    let mut secrets = vec![
        op.api_key().to_owned(),
        op.client_secret().to_owned(),
        EMAIL.to_owned(),
        PHONE.to_owned(),
        identity.advertising_token().to_owned(),
        identity.refresh_token().to_owned(),
        refreshed.advertising_token().to_owned(),
        refreshed.refresh_token().to_owned(),
        raw_uid.clone(),
        shared.as_str().to_owned(),
    ];
    secrets.extend(json_strings(identity.json_string(), "refresh_response_key"));
    secrets.extend(json_strings(&op.bidstream_key_set_json(), "secret"));
    secrets.extend(json_strings(
        &op.sharing_key_set_json(op.site_id()),
        "secret",
    ));
    assert!(secrets.len() > 12, "key secrets found: {secrets:?}");
    assert!(lines.len() > 10, "{lines:?}");
    for line in &lines {
        assert_no_secret(line, &secrets, "a trace");
    }
    assert_no_secret(&scrape, &secrets, "the metrics");
}
