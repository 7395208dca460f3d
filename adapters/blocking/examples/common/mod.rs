//! Shared by the examples: where the operator is (a real one from the environment, or an
//! embedded local one), how a failure is reported (the error with its causes, and what to do),
//! and times shown relative to now. No protocol logic: that is the SDK's.
#![allow(dead_code, reason = "each example uses part of it")]

use std::process::ExitCode;

use uid2::Timestamp;
use uid2::gigya::{Credentials, GigyaSecret, Response, Scheme, codes};
use uid2::token::DecryptStatus;
use uid2_blocking::{ClientConfig, CoreError, Error, GigyaConfig, TransportErrorKind};
use uid2_local_operator::{LocalOperator, LocalOperatorConfig};

/// A domain of the local operator's default site (for the bidstream domain check).
pub(crate) const LOCAL_SITE_DOMAIN: &str = "example.com";

/// Where the example runs: a real operator, or the embedded loopback one (kept alive here).
pub(crate) struct Operator {
    pub(crate) config: ClientConfig,
    pub(crate) base_url: String,
    pub(crate) local: Option<LocalOperator>,
}

impl Operator {
    pub(crate) fn is_local(&self) -> bool {
        self.local.is_some()
    }

    /// Prints `error: <what> failed: <error: cause: ...>` and a hint on stderr, and returns the
    /// exit code to end with.
    pub(crate) fn fail(&self, what: &str, error: &Error) -> ExitCode {
        if self.is_local() && error.decrypt_error().is_none() {
            let hint = format!(
                "the embedded local operator at {} should not fail this way: please report it, with the output above",
                self.base_url
            );
            return report(what, error, Some(hint));
        }
        fail(what, error, &self.base_url)
    }
}

/// `UID2_BASE_URL`, `UID2_API_KEY` and `UID2_SECRET_KEY` when all are set; otherwise an
/// embedded operator on 127.0.0.1. On failure the reason is printed and the exit code returned.
pub(crate) fn operator() -> Result<Operator, ExitCode> {
    if let (Some(url), Some(key), Some(secret)) = (
        var("UID2_BASE_URL"),
        var("UID2_API_KEY"),
        var("UID2_SECRET_KEY"),
    ) {
        println!("operator: {url} (from UID2_BASE_URL)");
        let config = ClientConfig::new(&url, &key, &secret).map_err(|e| {
            fail(
                "reading UID2_BASE_URL, UID2_API_KEY and UID2_SECRET_KEY",
                &e,
                &url,
            )
        })?;
        return Ok(Operator {
            config,
            base_url: url,
            local: None,
        });
    }
    let local = start_local()?;
    let base_url = local.base_url();
    println!(
        "operator: embedded local operator at {base_url} (set UID2_BASE_URL, UID2_API_KEY and UID2_SECRET_KEY to use a real one)"
    );
    let config = ClientConfig::new(&base_url, local.api_key(), local.client_secret())
        .map_err(|e| fail("configuring the client", &e, &base_url))?;
    Ok(Operator {
        config,
        base_url,
        local: Some(local),
    })
}

/// The embedded local operator, on a runtime thread of its own.
pub(crate) fn start_local() -> Result<LocalOperator, ExitCode> {
    LocalOperator::start_blocking(LocalOperatorConfig::default()).map_err(|e| {
        eprintln!("error: starting the embedded local operator failed: {e}");
        eprintln!(
            "hint: it listens on 127.0.0.1 on a free port; or set UID2_BASE_URL, UID2_API_KEY and UID2_SECRET_KEY to use a real operator"
        );
        ExitCode::FAILURE
    })
}

/// Where Gigya calls go: `GIGYA_API_KEY` and `GIGYA_SECRET` (and optionally `GIGYA_API_DOMAIN`)
/// when set, otherwise the local operator's Gigya endpoint (started here if `local` is `None`).
pub(crate) struct Gigya {
    pub(crate) config: GigyaConfig,
    pub(crate) local: Option<LocalOperator>,
}

pub(crate) fn gigya() -> Result<Gigya, ExitCode> {
    if let (Some(api_key), Some(secret)) = (var("GIGYA_API_KEY"), var("GIGYA_SECRET")) {
        let secret = GigyaSecret::from_base64(&secret).map_err(|e| {
            eprintln!("error: reading GIGYA_SECRET failed: {e}");
            eprintln!("hint: GIGYA_SECRET is the partner secret as the console shows it (base64)");
            ExitCode::FAILURE
        })?;
        let mut config = GigyaConfig::new(Credentials::partner_secret(&api_key, secret));
        if let Some(domain) = var("GIGYA_API_DOMAIN") {
            config = config.with_api_domain(&domain);
        }
        println!(
            "gigya: data center {} (from GIGYA_API_KEY)",
            config.api_domain
        );
        return Ok(Gigya {
            config,
            local: None,
        });
    }
    let local = start_local()?;
    println!(
        "gigya: the embedded local operator's Gigya endpoint at http://{} (set GIGYA_API_KEY and GIGYA_SECRET to call Gigya)",
        local.gigya_host()
    );
    Ok(Gigya {
        config: local_gigya_config(&local, local.gigya_secret())?,
        local: Some(local),
    })
}

/// A Gigya configuration for the local operator's endpoint, signing with `secret` (base64).
pub(crate) fn local_gigya_config(
    local: &LocalOperator,
    secret: &str,
) -> Result<GigyaConfig, ExitCode> {
    let secret = GigyaSecret::from_base64(secret).map_err(|e| {
        eprintln!("error: reading the local Gigya secret failed: {e}");
        ExitCode::FAILURE
    })?;
    Ok(
        GigyaConfig::new(Credentials::partner_secret(local.gigya_api_key(), secret))
            .with_host_override(&local.gigya_host())
            .with_scheme(Scheme::Http),
    )
}

/// What to do about a Gigya reply that is not a success, if there is something to say.
pub(crate) fn gigya_hint(response: &Response) -> Option<&'static str> {
    Some(match response.error_code() {
        codes::INVALID_REQUEST_SIGNATURE => {
            "check GIGYA_SECRET: it must be the partner secret of GIGYA_API_KEY (and the clock must be right)"
        }
        codes::INVALID_API_KEY => "check GIGYA_API_KEY, and GIGYA_API_DOMAIN for its data center",
        codes::INVALID_DATA_CENTER => {
            "set GIGYA_API_DOMAIN to the site's data center (e.g. eu1.gigya.com)"
        }
        codes::REQUEST_EXPIRED => "this machine's clock is more than two minutes off: fix it (NTP)",
        codes::RATE_LIMIT_EXCEEDED => "rate limited: wait and retry",
        codes::MISSING_PARAMETER | codes::INVALID_PARAMETER_VALUE => {
            "check the method's parameters (name=value arguments)"
        }
        _ => return None,
    })
}

/// Prints `error: <what> failed: <error: cause: ...>` and, when there is one, a hint about what
/// to do, on stderr; returns [`ExitCode::FAILURE`].
pub(crate) fn fail(what: &str, error: &Error, base_url: &str) -> ExitCode {
    report(what, error, hint(error, base_url))
}

/// As [`fail`], for a Gigya call to `target`.
pub(crate) fn gigya_fail(what: &str, error: &Error, target: &str) -> ExitCode {
    let hint = match (error.transport_kind(), error.is_timeout()) {
        (Some(TransportErrorKind::Connect), _) | (_, true) => Some(format!(
            "is {target} reachable? Check GIGYA_API_DOMAIN, or unset GIGYA_API_KEY and GIGYA_SECRET to call the embedded local endpoint"
        )),
        (Some(_), _) => Some(format!(
            "could not talk to {target}: check GIGYA_API_DOMAIN and the network path (DNS, proxy, firewall), or unset GIGYA_API_KEY and GIGYA_SECRET to call the embedded local endpoint"
        )),
        _ => None,
    };
    report(what, error, hint)
}

fn report(what: &str, error: &Error, hint: Option<String>) -> ExitCode {
    eprintln!("error: {what} failed: {}", error.chain());
    if let Some(hint) = hint {
        eprintln!("hint: {hint}");
    }
    ExitCode::FAILURE
}

/// What the user can do about `error` from a call to the operator at `base_url`.
fn hint(error: &Error, base_url: &str) -> Option<String> {
    let unset = "or unset UID2_BASE_URL, UID2_API_KEY and UID2_SECRET_KEY to run against the embedded local operator";
    if let Some(kind) = error.transport_kind() {
        return Some(match kind {
            TransportErrorKind::Connect => format!(
                "is the operator at {base_url} reachable from here (DNS, proxy, firewall)? Check UID2_BASE_URL (https://operator-integ.uidapi.com is the integration environment), {unset}"
            ),
            TransportErrorKind::InvalidRequest => {
                format!("check UID2_BASE_URL ({base_url}): an http(s) URL without a path, {unset}")
            }
            _ => format!(
                "could not talk to {base_url}: check the host name in UID2_BASE_URL and the network path (DNS, proxy, firewall), {unset}"
            ),
        });
    }
    if error.is_timeout() {
        return Some(format!(
            "{base_url} did not answer in time: check that it is reachable, or allow more time (ClientConfig::with_timeout)"
        ));
    }
    if let Some(status) = error.http_status() {
        return Some(match status {
            401 => "the operator refused the credentials: check UID2_API_KEY and UID2_SECRET_KEY (both from the same key, for this environment)".to_owned(),
            403 => "the API key may not make this call: check that it has the role this example needs (publisher: GENERATOR, identity map and opt-out: MAPPER, bidstream: ID_READER, sharing: SHARER)".to_owned(),
            404 => format!("{base_url} has no such endpoint: UID2_BASE_URL must be an operator's base URL, without a path"),
            429 => "rate limited: wait and retry, or send fewer requests at once".to_owned(),
            400 => "the operator rejected the request: check that UID2_SECRET_KEY belongs to UID2_API_KEY, the input, and that this machine's clock is within two minutes of the operator's".to_owned(),
            s if s >= 500 => "the operator failed: retry later".to_owned(),
            _ => return None,
        });
    }
    if error.response_error().is_some() {
        return Some(
            "the operator's reply could not be read: check that UID2_SECRET_KEY belongs to UID2_API_KEY and that UID2_BASE_URL is an operator".to_owned(),
        );
    }
    if let Some(decrypt) = error.decrypt_error() {
        return Some(
            match decrypt.as_status() {
                DecryptStatus::ExpiredToken => "the token has expired: treat the user as unidentified",
                DecryptStatus::NotAuthorizedForKey | DecryptStatus::NotAuthorizedForMasterKey => {
                    "this participant's key set cannot decrypt that token: is it from a site you may read?"
                }
                DecryptStatus::DomainOrAppNameCheckFailed => {
                    "the token was generated client side for another site: pass the bid request's domain or app name"
                }
                DecryptStatus::NotInitialized | DecryptStatus::KeysNotSynced => {
                    "no usable key set yet: refresh the keys first"
                }
                DecryptStatus::InvalidPayload | DecryptStatus::VersionNotSupported => {
                    "that is not a UID2 or EUID token"
                }
                _ => return None,
            }
            .to_owned(),
        );
    }
    match error {
        Error::Core(CoreError::Envelope(_)) => Some(
            "check UID2_SECRET_KEY: the client secret as the portal shows it (base64 of 32 bytes)".to_owned(),
        ),
        Error::InvalidConfig { .. } => Some(
            "check UID2_BASE_URL (an http(s) URL), UID2_API_KEY and UID2_SECRET_KEY (base64 of 32 bytes)".to_owned(),
        ),
        _ => None,
    }
}

/// A non-empty environment variable.
pub(crate) fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The system clock, as the SDK's time type.
pub(crate) fn now() -> Timestamp {
    #[expect(
        clippy::disallowed_methods,
        reason = "an example is an application: it reads the clock and hands it to the SDK"
    )]
    let now = std::time::SystemTime::now();
    Timestamp::from(now)
}

/// `t` and how far it is from now: `2026-12-05T10:10:32.123Z (in 59 min)`.
pub(crate) fn at(t: Timestamp) -> String {
    format!("{t} ({})", relative(t))
}

/// How far `t` is from now, in words: `in 59 min`, `354 d ago`, `now`.
pub(crate) fn relative(t: Timestamp) -> String {
    let ms = t.saturating_millis_since(now());
    let span = span(ms.unsigned_abs());
    if ms.unsigned_abs() < 1000 {
        "now".to_owned()
    } else if ms > 0 {
        format!("in {span}")
    } else {
        format!("{span} ago")
    }
}

/// A duration in milliseconds, in the largest unit that keeps it readable: `42 s`, `59 min`,
/// `3 h 5 min`, `354 d`.
pub(crate) fn span(ms: u64) -> String {
    let secs = ms / 1000;
    match secs {
        s if s < 90 => format!("{s} s"),
        s if s < 3600 => format!("{} min", s / 60),
        s if s < 2 * 86_400 => match (s / 3600, s % 3600 / 60) {
            (h, 0) => format!("{h} h"),
            (h, m) => format!("{h} h {m} min"),
        },
        s => format!("{} d", s / 86_400),
    }
}
