//! The key-refresh state machine against a simulated operator and a simulated clock: ten days
//! with outages, HTTP errors, garbage, replayed nonces, bad key sets and hung requests. No
//! sleeps; time jumps to each `poll_timeout()`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    clippy::panic,
    reason = "test code: a failed expectation panics"
)]

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use uid2::envelope::{Credentials, ResponseError};
use uid2::operator::key_refresh::{
    KeyEndpoint, KeyRefreshConfig, KeyRefresher, RefreshError, RefreshEvent,
};
use uid2::random::ReplayRandom;
use uid2::token::{ClientType, DecryptStatus, TokenBuilder, TokenVersion};
use uid2::{KeySet, RandomError, SecureRandom, Timestamp};

const SECRET_B64: &str = "ioG3wKxAokmp+rERx6A4kM/13qhyolUXIu14WN16Spo=";
const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;
const T0: i64 = 1_700_000_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    None,
    Down,
    Http500,
    Garbage,
    WrongNonce,
    BadKeySet,
    Hang,
}

/// What the simulated operator does at each hour since `T0`.
fn fault_at(now: i64) -> Fault {
    match (now - T0) / HOUR {
        30..40 => Fault::Down,
        40..44 => Fault::Http500,
        44..46 => Fault::Garbage,
        46..48 => Fault::WrongNonce,
        48..49 => Fault::BadKeySet,
        49..50 => Fault::Hang,
        100..180 => Fault::Down,
        _ => Fault::None,
    }
}

/// A deterministic byte stream (not secure; simulation only).
struct Counter(u64);

impl SecureRandom for Counter {
    fn fill(&mut self, dest: &mut [u8]) -> Result<(), RandomError> {
        for b in dest {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            *b = self.0.to_be_bytes()[0];
        }
        Ok(())
    }
}

fn day_key_secret(day: i64) -> String {
    STANDARD.encode([u8::try_from(day.rem_euclid(251)).unwrap(); 32])
}

/// The bidstream key set the operator serves at `now`: one key per day, each valid two days.
fn keyset_json(now: i64, broken: bool) -> String {
    let today = now.div_euclid(DAY);
    let keys: Vec<String> = (today - 1..=today + 1)
        .map(|d| {
            let secret = if broken {
                String::new()
            } else {
                format!(r#","secret":"{}""#, day_key_secret(d))
            };
            format!(
                r#"{{"id":{},"created":{},"activates":{},"expires":{}{secret}}}"#,
                1000 + d,
                d * DAY / 1000,
                d * DAY / 1000,
                (d + 2) * DAY / 1000
            )
        })
        .collect();
    format!(
        r#"{{"body":{{"identity_scope":"UID2","max_bidstream_lifetime_seconds":259200,"keys":[{}]}},"status":"success"}}"#,
        keys.join(",")
    )
}

/// Answers a sealed request body as the operator would; `None` means no answer at all.
fn operator(now: i64, body: &[u8]) -> Option<(u16, Vec<u8>)> {
    let secret = uid2::Secret::<32>::from_base64(SECRET_B64).unwrap();
    let fault = fault_at(now);
    match fault {
        Fault::Down | Fault::Hang => return None,
        Fault::Http500 => {
            return Some((500, br#"{"status":"error","message":"internal"}"#.to_vec()));
        }
        Fault::Garbage => return Some((200, b"<html>gateway</html>".to_vec())),
        _ => {}
    }
    let opened = uid2::server::open_request(&secret, Some("text/plain"), body)
        .expect("the request is sealed with the client secret");
    let mut nonce = opened.nonce();
    if fault == Fault::WrongNonce {
        nonce[0] ^= 0xff;
    }
    let document = keyset_json(now, fault == Fault::BadKeySet);
    let reply = uid2::server::seal_response(
        &secret,
        Timestamp::from_millis(now),
        &nonce,
        document.as_bytes(),
        opened.encoding(),
        &mut ReplayRandom::new(&[0x42; 12]),
    )
    .unwrap();
    Some((200, reply))
}

/// A token as a publisher would hold it at `now`, sealed with that day's key.
fn todays_token(keys: &KeySet, now: i64) -> Option<String> {
    let key = keys.key(1000 + now.div_euclid(DAY))?;
    let t = Timestamp::from_millis(now);
    Some(
        TokenBuilder::new(
            TokenVersion::V4,
            "ywsvDNINiZOVSsfkHpLpSJzXzhr6Jx9Z/4Q0+lsEUvM=",
            key,
            key,
            t,
        )
        .build(&mut ReplayRandom::new(&[3; 24]))
        .unwrap()
        .as_str()
        .to_owned(),
    )
}

#[test]
fn ten_days_of_outages_and_recoveries() {
    let config = KeyRefreshConfig::default();
    let credentials = Credentials::from_strings("sim-api-key", SECRET_B64).unwrap();
    let mut r = KeyRefresher::new(
        KeyEndpoint::Bidstream,
        credentials,
        config,
        Timestamp::from_millis(T0),
    );
    let mut rng = Counter(1);
    let mut current: Option<KeySet> = None;
    let mut last_good_keys: Option<KeySet> = None;
    let mut successes: Vec<i64> = Vec::new();
    let mut errors: Vec<(i64, RefreshError, u32, i64)> = Vec::new();
    let mut requests_per_hour = std::collections::BTreeMap::<i64, u32>::new();
    let mut keys_not_synced_seen = false;
    let mut steps = 0;
    let mut now = T0;

    while now < T0 + 10 * DAY {
        steps += 1;
        assert!(steps < 100_000, "the refresher is looping");
        let t = Timestamp::from_millis(now);
        r.handle_timeout(t);
        if let Some(request) = r.poll_transmit(t, &mut rng).unwrap() {
            assert_eq!(request.path(), "/v2/key/bidstream");
            *requests_per_hour.entry((now - T0) / HOUR).or_default() += 1;
            let body = request.body().to_vec();
            match operator(now, &body) {
                Some((status, mut reply)) => {
                    r.handle_response(t, status, Some("text/plain"), &mut reply)
                }
                None if fault_at(now) == Fault::Hang => {} // never answered: the deadline fires
                None => r.handle_transport_error(t),
            }
        }
        while let Some(event) = r.poll_event() {
            match event {
                RefreshEvent::KeysUpdated(keys) => {
                    successes.push(now);
                    last_good_keys = Some(keys.clone());
                    current = Some(keys);
                }
                RefreshEvent::RefreshFailed {
                    error,
                    consecutive_failures,
                    retry_at,
                } => {
                    errors.push((now, error, consecutive_failures, retry_at.as_millis()));
                }
                _ => panic!("unexpected event"),
            }
        }

        // The key set in use decrypts what publishers issue today, as long as it is recent.
        if let (Some(keys), Some(last)) = (&current, r.last_success()) {
            assert_eq!(r.key_set_age_millis(t), Some(now - last.as_millis()));
            let server_keys = last_good_keys.as_ref().unwrap();
            if now - last.as_millis() < DAY {
                let token =
                    todays_token(server_keys, now).expect("today's key is in a recent key set");
                let d = keys.decrypt(&token, ClientType::Bidstream, None, t);
                assert!(d.is_ok(), "at hour {}: {:?}", (now - T0) / HOUR, d.err());
            }
            if !keys.is_valid(t) {
                let token = "A4AAAABkAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
                let status = keys
                    .decrypt(token, ClientType::Bidstream, None, t)
                    .unwrap_err()
                    .as_status();
                assert_eq!(status, DecryptStatus::KeysNotSynced);
                keys_not_synced_seen = true;
            }
        }

        let next = r.poll_timeout().unwrap().as_millis();
        assert!(next >= now, "time never goes back");
        now = next.max(now + 1);
    }

    // About 140 healthy hours give about 135 refreshes; 90 hours of outage give about a
    // thousand capped retries.
    assert!(
        successes.len() >= 120,
        "{} successful refreshes",
        successes.len()
    );
    assert!(
        (900..1400).contains(&errors.len()),
        "{} failed attempts",
        errors.len()
    );
    // Healthy periods: one refresh an hour, plus at most five minutes of jitter.
    for pair in successes.windows(2) {
        let gap = pair[1] - pair[0];
        let failed_between = errors.iter().any(|e| e.0 > pair[0] && e.0 < pair[1]);
        if !failed_between {
            assert!(
                (HOUR..=HOUR + 300_000).contains(&gap),
                "gap {gap} ms between refreshes"
            );
        }
    }
    // Backoff doubles from 1 s and is capped at 300 s (plus up to 10% spread).
    for (at, _, n, retry_at) in &errors {
        let base = (1000i64 << (n - 1).min(30)).min(300_000);
        let delay = retry_at - at;
        assert!(
            delay >= base && delay <= base + base / 10,
            "failure {n}: delay {delay} ms, base {base} ms"
        );
    }
    // During the 80-hour outage the retry rate stays bounded by the cap.
    for hour in 101..180 {
        let n = requests_per_hour.get(&hour).copied().unwrap_or(0);
        assert!(n <= 13, "{n} requests in hour {hour}");
    }
    // Every kind of fault was seen and reported as what it is.
    let seen = |f: &dyn Fn(&RefreshError) -> bool| errors.iter().any(|e| f(&e.1));
    assert!(seen(&|e| matches!(e, RefreshError::Transport)));
    assert!(seen(
        &|e| matches!(e, RefreshError::Response(ResponseError::HttpStatus(h)) if h.status() == 500)
    ));
    assert!(seen(&|e| matches!(
        e,
        RefreshError::Response(
            ResponseError::InvalidBase64
                | ResponseError::TooShort { .. }
                | ResponseError::DecryptFailed
        )
    )));
    assert!(seen(&|e| matches!(
        e,
        RefreshError::Response(ResponseError::NonceMismatch)
    )));
    assert!(seen(&|e| matches!(e, RefreshError::KeySet(_))));
    assert!(seen(&|e| matches!(e, RefreshError::Timeout)));
    // Recovery: after each outage ends, the next success comes within the backoff cap.
    for end_hour in [50i64, 180] {
        let end = T0 + end_hour * HOUR;
        let first = successes.iter().find(|&&s| s >= end).expect("recovered");
        assert!(
            first - end <= 330_000,
            "recovered {} ms after hour {end_hour}",
            first - end
        );
    }
    // The long outage outlived the keys; refresh brought them back.
    assert!(keys_not_synced_seen);
    assert!(current.unwrap().is_valid(Timestamp::from_millis(now)));
    assert_eq!(r.consecutive_failures(), 0);
}

#[test]
fn response_without_request_is_ignored() {
    let credentials = Credentials::from_strings("k", SECRET_B64).unwrap();
    let now = Timestamp::from_millis(T0);
    let mut r = KeyRefresher::new(
        KeyEndpoint::Sharing,
        credentials,
        KeyRefreshConfig::default(),
        now,
    );
    r.handle_response(now, 200, None, &mut b"xyz".to_vec());
    r.handle_transport_error(now);
    assert!(r.poll_event().is_none());
    assert_eq!(r.poll_timeout(), Some(now));
    assert!(r.poll_transmit(now, &mut Counter(5)).unwrap().is_some());
    assert!(
        r.poll_transmit(now, &mut Counter(6)).unwrap().is_none(),
        "one request at a time"
    );
}

#[test]
fn requested_refresh_is_due_at_once_and_keeps_the_backoff() {
    let credentials = Credentials::from_strings("k", SECRET_B64).unwrap();
    let config = KeyRefreshConfig::default();
    let t0 = Timestamp::from_millis(T0);
    let mut r = KeyRefresher::new(KeyEndpoint::Bidstream, credentials, config, t0);

    // A success schedules the next refresh about an hour later.
    let request = r.poll_transmit(t0, &mut Counter(1)).unwrap().unwrap();
    let body = request.body().to_vec();
    let (status, mut reply) = operator(T0, &body).unwrap();
    r.handle_response(t0, status, None, &mut reply);
    assert!(matches!(r.poll_event(), Some(RefreshEvent::KeysUpdated(_))));
    let scheduled = r.poll_timeout().unwrap();
    assert!(scheduled.saturating_millis_since(t0) >= HOUR);

    // Asked for a refresh ten minutes later: due at once, nothing else changes.
    let t1 = Timestamp::from_millis(T0 + 600_000);
    assert!(r.poll_transmit(t1, &mut Counter(2)).unwrap().is_none());
    assert!(r.request_refresh(t1));
    assert_eq!(r.poll_timeout(), Some(t1));
    assert_eq!(r.last_success(), Some(t0));

    // It fails: the forced attempt counts as the first failure in a row.
    r.poll_transmit(t1, &mut Counter(3)).unwrap().unwrap();
    assert!(
        !r.request_refresh(t1),
        "a request is in flight: its reply answers"
    );
    r.handle_transport_error(t1);
    let Some(RefreshEvent::RefreshFailed {
        consecutive_failures: 1,
        retry_at: first_retry,
        ..
    }) = r.poll_event()
    else {
        panic!("expected the first failure");
    };
    assert!(first_retry > t1);

    // While the failure is pending, asking again does not move the retry forward.
    assert!(!r.request_refresh(t1), "the backoff holds");
    assert_eq!(r.poll_timeout(), Some(first_retry));
    assert!(r.poll_transmit(t1, &mut Counter(4)).unwrap().is_none());
    assert!(
        r.request_refresh(first_retry),
        "due once the backoff is over"
    );

    // The retry fails too: the second failure backs off further than the first.
    r.poll_transmit(first_retry, &mut Counter(5))
        .unwrap()
        .unwrap();
    r.handle_transport_error(first_retry);
    let Some(RefreshEvent::RefreshFailed {
        consecutive_failures: 2,
        retry_at: second_retry,
        ..
    }) = r.poll_event()
    else {
        panic!("expected the second failure, counted after the first");
    };
    assert!(
        second_retry.saturating_millis_since(first_retry) > first_retry.saturating_millis_since(t1)
    );
    assert_eq!(r.consecutive_failures(), 2);
    assert_eq!(
        r.last_success(),
        Some(t0),
        "the last good key set is still the one in use"
    );

    // A request for a time past the due one leaves the earlier due time.
    let due = r.poll_timeout().unwrap();
    assert!(r.request_refresh(due.saturating_add_millis(5)));
    assert_eq!(r.poll_timeout(), Some(due));

    // After a success, a request moves the next refresh forward again.
    let request = r.poll_transmit(due, &mut Counter(6)).unwrap().unwrap();
    let body = request.body().to_vec();
    let (status, mut reply) = operator(T0, &body).unwrap();
    r.handle_response(due, status, None, &mut reply);
    assert!(matches!(r.poll_event(), Some(RefreshEvent::KeysUpdated(_))));
    let later = due.saturating_add_millis(1000);
    assert!(r.request_refresh(later));
    assert_eq!(r.poll_timeout(), Some(later));
}

/// A caller that asks for a refresh on every failed decryption (here: every 10 ms of simulated
/// time, for an hour, while the operator is down) sends no more requests than the backoff
/// schedule alone would.
#[test]
fn refresh_requested_on_every_bid_does_not_hammer_a_down_operator() {
    let credentials = Credentials::from_strings("k", SECRET_B64).unwrap();
    let config = KeyRefreshConfig::default();
    let mut r = KeyRefresher::new(
        KeyEndpoint::Bidstream,
        credentials,
        config,
        Timestamp::from_millis(T0),
    );
    let mut rng = Counter(7);
    let mut attempts: Vec<(i64, i64)> = Vec::new(); // (sent at, retry_at after it failed)
    let mut now = T0;
    while now < T0 + HOUR {
        let t = Timestamp::from_millis(now);
        // The bid handler saw NOT_INITIALIZED and asks for a refresh.
        r.request_refresh(t);
        r.handle_timeout(t);
        if r.poll_transmit(t, &mut rng).unwrap().is_some() {
            r.handle_transport_error(t); // the operator is down
            let Some(RefreshEvent::RefreshFailed { retry_at, .. }) = r.poll_event() else {
                panic!("expected a failure");
            };
            attempts.push((now, retry_at.as_millis()));
        }
        assert!(r.poll_event().is_none());
        now += 10;
    }
    // 1, 2, 4, ... 256 s, then every 300 s (+ up to 10 %): about 20 attempts in an hour.
    assert!(
        (10..=25).contains(&attempts.len()),
        "{} attempts in an hour",
        attempts.len()
    );
    for pair in attempts.windows(2) {
        let ((_, retry_at), (sent, _)) = (pair[0], pair[1]);
        assert!(
            sent >= retry_at,
            "an attempt at {sent} came before the retry time {retry_at}"
        );
    }
    assert_eq!(
        r.consecutive_failures(),
        u32::try_from(attempts.len()).unwrap()
    );
}

/// A caller that schedules on a monotonic clock gives the wall-clock time apart: the schedule
/// follows `now`, the envelope carries `request_time` (what the operator checks).
#[test]
fn request_time_is_apart_from_the_schedule() {
    let credentials = Credentials::from_strings("k", SECRET_B64).unwrap();
    let schedule_t0 = Timestamp::from_millis(T0);
    let mut r = KeyRefresher::new(
        KeyEndpoint::Bidstream,
        credentials,
        KeyRefreshConfig::default(),
        schedule_t0,
    );
    // The wall clock was stepped back an hour; the schedule clock was not.
    let wall = Timestamp::from_millis(T0 - HOUR);
    assert!(
        r.poll_transmit_with_request_time(wall, wall, &mut Counter(1))
            .unwrap()
            .is_none(),
        "the schedule decides what is due, not the request time"
    );
    let request = r
        .poll_transmit_with_request_time(schedule_t0, wall, &mut Counter(1))
        .unwrap()
        .expect("due at the schedule's start");
    let secret = uid2::Secret::<32>::from_base64(SECRET_B64).unwrap();
    let opened = uid2::server::open_request(&secret, Some("text/plain"), request.body()).unwrap();
    assert_eq!(opened.timestamp(), wall);
    assert_eq!(
        r.poll_timeout(),
        Some(schedule_t0.saturating_add_millis(30_000)),
        "the response deadline is on the schedule clock"
    );
}

#[test]
fn the_opened_key_set_is_wiped_from_the_callers_buffer() {
    let credentials = Credentials::from_strings("k", SECRET_B64).unwrap();
    let t0 = Timestamp::from_millis(T0);
    let mut r = KeyRefresher::new(
        KeyEndpoint::Bidstream,
        credentials,
        KeyRefreshConfig::default(),
        t0,
    );
    // A good key set, then one the parser rejects (hour 48 of the simulation): in both cases
    // the buffer that held the decrypted document (key secrets in clear) is all zeros after.
    for (now, updated) in [(T0, true), (T0 + 48 * HOUR, false)] {
        let at = Timestamp::from_millis(now);
        r.request_refresh(at);
        let request = r.poll_transmit(at, &mut Counter(9)).unwrap().unwrap();
        let body = request.body().to_vec();
        let (status, mut reply) = operator(now, &body).unwrap();
        assert!(reply.iter().any(|&b| b != 0));
        r.handle_response(at, status, None, &mut reply);
        assert!(
            reply.iter().all(|&b| b == 0),
            "the reply buffer was not wiped"
        );
        let event = r.poll_event();
        assert_eq!(
            matches!(event, Some(RefreshEvent::KeysUpdated(_))),
            updated,
            "{event:?}"
        );
    }
}
