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
mod support;

use std::time::Duration;

use capture::{Capture, assert_no_secret, json_strings, sample};
use metrics_exporter_prometheus::PrometheusBuilder;
use support::{config, operator};
use uid2::operator::TokenGenerateRequest;
use uid2::operator::identity_map_v3::IdentityMapV3Input;
use uid2_local_operator::Fault;
use uid2_tokio::{BidstreamClient, IdentityMapV3Client, PublisherClient, SharingClient};

const EMAIL: &str = "telemetry.user@example.com";
const PHONE: &str = "+12345678901";
const KEY_PATH: &str = "/v2/key/bidstream";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outcomes_are_counted_and_nothing_secret_is_recorded() {
    let capture = Capture::default();
    tracing::subscriber::set_global_default(capture.clone()).unwrap();
    let prometheus = PrometheusBuilder::new().install_recorder().unwrap();

    tokio::time::timeout(Duration::from_secs(60), async {
        let op = operator().await;
        let config = config(&op);

        // A publisher: generate (DII in), refresh (tokens out and in).
        let publisher = PublisherClient::new(config.clone()).unwrap();
        let identity = publisher
            .generate_token(TokenGenerateRequest::from_email(EMAIL).unwrap())
            .await
            .unwrap()
            .into_identity()
            .unwrap();
        let refreshed = publisher
            .refresh_token(&identity)
            .await
            .unwrap()
            .into_identity()
            .unwrap();
        // An advertiser maps an email and a phone number.
        let mut input = IdentityMapV3Input::new();
        input.add_email(EMAIL).unwrap().add_phone(PHONE).unwrap();
        IdentityMapV3Client::new(config.clone())
            .unwrap()
            .map(input)
            .await
            .unwrap();

        // A DSP: three good bids, two bad tokens, one from a domain the site does not list.
        let bidstream = BidstreamClient::new(config.clone()).unwrap();
        bidstream.refresh().await.unwrap();
        let token = identity.advertising_token();
        for _ in 0..3 {
            bidstream
                .decrypt_token_into_raw_uid(token, Some("example.com"))
                .unwrap();
        }
        // A token altered in its middle fails authentication: INVALID_PAYLOAD.
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
        let sharing = SharingClient::new(config.clone()).unwrap();
        sharing.refresh().await.unwrap();
        let raw_uid = op.raw_uid(EMAIL).unwrap();
        let shared = sharing.encrypt_raw_uid_into_token(&raw_uid).unwrap();
        sharing.encrypt_raw_uid_into_token(&raw_uid).unwrap();
        sharing.decrypt_token_into_raw_uid(shared.as_str()).unwrap();
        // The key endpoint fails with 503 once.
        op.set_path_fault(KEY_PATH, Fault::Status(503));
        assert_eq!(
            bidstream.refresh().await.unwrap_err().http_status(),
            Some(503)
        );
        op.clear_faults();

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
        assert_eq!(
            decrypts("bidstream", "EXPIRED_TOKEN"),
            Some(0.0),
            "every status is exported"
        );
        assert_eq!(decrypts("sharing", "SUCCESS"), Some(1.0));
        assert_eq!(
            sample(
                &scrape,
                "uid2_token_encrypt_total",
                "role=\"sharing\",status=\"SUCCESS\""
            ),
            Some(2.0)
        );
        assert!(
            !scrape.contains("uid2_token_encrypt_total{role=\"bidstream\""),
            "a bidstream client does not encrypt"
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
        assert!(calls(KEY_PATH, "2xx").unwrap() >= 1.0);
        assert_eq!(
            sample(
                &scrape,
                "uid2_operator_request_duration_seconds_count",
                "endpoint=\"/v2/token/generate\",status_class=\"2xx\""
            ),
            Some(1.0),
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
        assert_eq!(gauge("uid2_key_refresh_worker_alive"), Some(1.0));
        assert!(gauge("uid2_key_set_age_seconds").unwrap() < 60.0);
        assert!(gauge("uid2_key_refresh_last_success_timestamp_seconds").unwrap() > 1.6e9);
        assert!(gauge("uid2_key_set_expiry_timestamp_seconds").unwrap() > 1.6e9);

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
        assert!(has(&["WARN", "operator call failed", "http_status=503"]));
        assert!(has(&["INFO", "key set refreshed", "role=bidstream"]));
        assert!(has(&[
            "WARN",
            "key refresh failed",
            "outcome=http_status",
            "http_status=503"
        ]));

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
    })
    .await
    .expect("test took too long");
}
