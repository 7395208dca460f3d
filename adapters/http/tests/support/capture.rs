//! Shared by both adapters' telemetry tests (included with `#[path]`): a `tracing` subscriber
//! that keeps every span and event as one line of text (name, level, target and every field),
//! and helpers to read a Prometheus scrape and to find secrets in JSON.
#![allow(
    unreachable_pub,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    reason = "test support code: a failed expectation panics"
)]

use std::fmt::{self, Write as _};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// Every span and event seen, as text.
#[derive(Clone, Default)]
pub struct Capture {
    lines: Arc<Mutex<Vec<String>>>,
    next_id: Arc<AtomicU64>,
}

impl Capture {
    /// What was captured so far.
    pub fn lines(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }

    fn push(&self, line: String) {
        self.lines.lock().unwrap().push(line);
    }
}

struct Fields(String);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let _ = write!(self.0, " {}={value:?}", field.name());
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        let _ = write!(self.0, " {}={value}", field.name());
    }
}

impl Subscriber for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let meta = span.metadata();
        let mut fields = Fields(format!(
            "span {} {} {}",
            meta.level(),
            meta.target(),
            meta.name()
        ));
        span.record(&mut fields);
        self.push(fields.0);
        Id::from_u64(self.next_id.fetch_add(1, Ordering::SeqCst) + 1)
    }

    fn record(&self, _: &Id, values: &Record<'_>) {
        let mut fields = Fields("span record".to_owned());
        values.record(&mut fields);
        self.push(fields.0);
    }

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let meta = event.metadata();
        let mut fields = Fields(format!("event {} {}", meta.level(), meta.target()));
        event.record(&mut fields);
        self.push(fields.0);
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

/// The value of the sample of `metric` whose labels are exactly `labels` (e.g.
/// `role="bidstream",status="SUCCESS"`), in a Prometheus text scrape.
pub fn sample(scrape: &str, metric: &str, labels: &str) -> Option<f64> {
    let prefix = format!("{metric}{{{labels}}} ");
    scrape
        .lines()
        .find_map(|line| line.strip_prefix(&prefix)?.trim().parse().ok())
}

/// Every string value of `"key":"..."` in `json`.
pub fn json_strings(json: &str, key: &str) -> Vec<String> {
    let marker = format!("\"{key}\":\"");
    json.match_indices(&marker)
        .filter_map(|(at, _)| {
            let rest = &json[at + marker.len()..];
            Some(rest[..rest.find('"')?].replace("\\/", "/"))
        })
        .collect()
}

/// Fails when any of `secrets` (longer than 3 characters) shows in `text`.
pub fn assert_no_secret(text: &str, secrets: &[String], what: &str) {
    for secret in secrets.iter().filter(|s| s.len() > 3) {
        assert!(
            !text.contains(secret.as_str()),
            "{what} shows a secret: {text}"
        );
    }
}
