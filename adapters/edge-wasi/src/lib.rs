//! An edge handler for `wasm32-wasip1` runtimes that run a module per request with CGI
//! conventions (WAGI: Fermyon Spin's `wagi` executor, and any CGI host): it reads a UID2/EUID
//! advertising token from the request and answers with the raw UID it decrypts.
//!
//! This file is the handler, free of I/O and clock: [`handle`] takes the request, the key set
//! (or `None` when none is loaded) and `now`, and returns the response. `main.rs` is the CGI
//! shell around it: the request from `QUERY_STRING` and standard input, the key set from the
//! file named by `UID2_KEYS_FILE`, the time from the WASI clock, the response on standard
//! output.
//!
//! | request | response |
//! | --- | --- |
//! | token in the `token` query parameter, or the whole body; `domain` parameter: the bid request's site domain or app name | `200` with the raw UID (`text/plain`) |
//! | a token that does not decrypt | `422` with the official status (`EXPIRED_TOKEN`, `INVALID_PAYLOAD`, …) |
//! | no key set loaded | `503` with `NOT_INITIALIZED` |
//! | no token, or a query that is not valid UTF-8 once decoded | `400` |
//!
//! Tokens are decrypted with the bidstream checks (a DSP at the edge).

use percent_encoding::percent_decode_str;
use uid2::token::ClientType;
use uid2::{KeySet, Timestamp};

/// The parts of a request the handler reads.
#[derive(Debug, Clone, Copy, Default)]
pub struct Request<'a> {
    /// The query string (after `?`), still form-encoded.
    pub query: &'a str,
    /// The body.
    pub body: &'a [u8],
}

/// A response: status code, reason phrase and a `text/plain` body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The HTTP status code.
    pub status: u16,
    /// The reason phrase of the status.
    pub reason: &'static str,
    /// The body.
    pub body: String,
}

impl Response {
    fn new(status: u16, reason: &'static str, body: impl Into<String>) -> Self {
        Self {
            status,
            reason,
            body: body.into(),
        }
    }

    /// The response as CGI output: `Status` and `Content-Type` headers, a blank line, the body.
    #[must_use]
    pub fn to_cgi(&self) -> String {
        format!(
            "Status: {} {}\r\nContent-Type: text/plain; charset=utf-8\r\nCache-Control: no-store\r\n\r\n{}",
            self.status, self.reason, self.body
        )
    }
}

/// The value of the first `name` parameter of a form-encoded query (`+` is a space), or
/// `None`; `Some(Err(()))` when it is not UTF-8 once decoded.
fn query_param(query: &str, name: &str) -> Option<Result<String, ()>> {
    query.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (key == name).then(|| {
            percent_decode_str(&value.replace('+', " "))
                .decode_utf8()
                .map(|v| v.into_owned())
                .map_err(|_| ())
        })
    })
}

/// Answers one request at `now` with the key set loaded (if any).
#[must_use]
pub fn handle(request: &Request<'_>, keys: Option<&KeySet>, now: Timestamp) -> Response {
    let token = match query_param(request.query, "token") {
        Some(Ok(t)) => t,
        Some(Err(())) => return Response::new(400, "Bad Request", "token is not valid UTF-8"),
        None => match core::str::from_utf8(request.body) {
            Ok(body) => body.trim().to_owned(),
            Err(_) => return Response::new(400, "Bad Request", "body is not valid UTF-8"),
        },
    };
    if token.is_empty() {
        return Response::new(400, "Bad Request", "no token: pass ?token= or a body");
    }
    let domain = match query_param(request.query, "domain") {
        Some(Ok(d)) => Some(d),
        Some(Err(())) => return Response::new(400, "Bad Request", "domain is not valid UTF-8"),
        None => None,
    };
    match uid2::token::decrypt(keys, &token, ClientType::Bidstream, domain.as_deref(), now) {
        Ok(decrypted) => Response::new(200, "OK", decrypted.uid().as_str()),
        Err(e) => {
            let status = e.as_status().as_str();
            if keys.is_none() {
                Response::new(503, "Service Unavailable", status)
            } else {
                Response::new(422, "Unprocessable Content", status)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        reason = "tests: a failed expectation panics"
    )]

    use super::*;
    use uid2::random::ReplayRandom;
    use uid2::token::{TokenBuilder, TokenVersion};

    const NOW: Timestamp = Timestamp::from_millis(1_700_000_000_000);
    const RAW_UID: &str = "ywsvDNINiZOVSsfkHpLpSJzXzhr6Jx9Z/4Q0+lsEUvM=";

    fn keys() -> KeySet {
        KeySet::parse(
            br#"{"body":{"identity_scope":"UID2","keys":[
              {"id":164,"created":1600000000,"activates":1600000000,"expires":2000000000,
               "secret":"iyXxrRJcJOilqBcSJsN7XKCIuShbraXdqBCppCaLCJs="},
              {"id":165,"created":1600000000,"activates":1600000000,"expires":2000000000,
               "secret":"IPsHwoSa+lbKdGgdg8CL1zCkC0HibqcObDP+fUEYF4U="}],
              "site_data":[{"id":9000,"domain_names":["example.com"]}]},"status":"success"}"#,
        )
        .unwrap()
    }

    fn token(version: TokenVersion, client_side: bool) -> String {
        let keys = keys();
        let (master, site) = (keys.key(164).unwrap(), keys.key(165).unwrap());
        TokenBuilder::new(version, RAW_UID, master, site, NOW)
            .privacy_bits(if client_side { 0b10 } else { 0 })
            .build(&mut ReplayRandom::new(&[9; 64]))
            .unwrap()
            .as_str()
            .to_owned()
    }

    #[test]
    fn answers_the_raw_uid_of_a_token_in_the_query_or_the_body() {
        let keys = keys();
        let t = token(TokenVersion::V4, false);
        let query = format!("domain=example.org&token={t}");
        let from_query = handle(
            &Request {
                query: &query,
                body: b"",
            },
            Some(&keys),
            NOW,
        );
        assert_eq!(
            (from_query.status, from_query.body.as_str()),
            (200, RAW_UID)
        );
        let body = format!("{t}\n");
        let from_body = handle(
            &Request {
                query: "",
                body: body.as_bytes(),
            },
            Some(&keys),
            NOW,
        );
        assert_eq!(from_body, from_query);
        assert!(from_query.to_cgi().starts_with("Status: 200 OK\r\n"));
        assert!(from_query.to_cgi().ends_with(&format!("\r\n\r\n{RAW_UID}")));
    }

    #[test]
    fn a_v3_token_in_the_query_is_percent_decoded() {
        let keys = keys();
        let t = token(TokenVersion::V3, false);
        let encoded: String =
            percent_encoding::utf8_percent_encode(&t, percent_encoding::NON_ALPHANUMERIC)
                .to_string();
        let r = handle(
            &Request {
                query: &format!("token={encoded}"),
                body: b"",
            },
            Some(&keys),
            NOW,
        );
        assert_eq!((r.status, r.body.as_str()), (200, RAW_UID));
    }

    #[test]
    fn failures_carry_the_official_status() {
        let keys = keys();
        let t = token(TokenVersion::V4, true);
        let query = format!("token={t}&domain=other.example");
        let r = handle(
            &Request {
                query: &query,
                body: b"",
            },
            Some(&keys),
            NOW,
        );
        assert_eq!(
            (r.status, r.body.as_str()),
            (422, "DOMAIN_OR_APP_NAME_CHECK_FAILED")
        );
        let query = format!("token={t}&domain=example.com");
        let allowed = handle(
            &Request {
                query: &query,
                body: b"",
            },
            Some(&keys),
            NOW,
        );
        assert_eq!(allowed.status, 200);
        let later = NOW.saturating_add_millis(3_600_001);
        let expired = handle(
            &Request {
                query: &query,
                body: b"",
            },
            Some(&keys),
            later,
        );
        assert_eq!(
            (expired.status, expired.body.as_str()),
            (422, "EXPIRED_TOKEN")
        );
        let none = handle(
            &Request {
                query: &query,
                body: b"",
            },
            None,
            NOW,
        );
        assert_eq!((none.status, none.body.as_str()), (503, "NOT_INITIALIZED"));
    }

    #[test]
    fn requests_without_a_usable_token_are_refused() {
        let keys = keys();
        assert_eq!(handle(&Request::default(), Some(&keys), NOW).status, 400);
        let bad = Request {
            query: "token=%FF",
            body: b"",
        };
        assert_eq!(handle(&bad, Some(&keys), NOW).status, 400);
        let binary = Request {
            query: "",
            body: &[0xff, 0xfe],
        };
        assert_eq!(handle(&binary, Some(&keys), NOW).status, 400);
        let garbage = Request {
            query: "token=AAAA",
            body: b"",
        };
        assert_eq!(handle(&garbage, Some(&keys), NOW).status, 422);
    }
}
