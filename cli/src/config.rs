//! Where the operator is and which credentials to use: flags, environment variables and files.

use std::path::Path;
use std::time::{Duration, SystemTime};

use uid2::Timestamp;
use uid2::envelope::{Credentials, Environment};
use uid2::operator::OperatorCall;
use uid2_blocking::{
    BaseUrl, ClientConfig, Error as ClientError, Header, OsRandom, RetryConfig, Transport as _,
    UreqTransport,
};
use zeroize::Zeroizing;

use crate::args::{EnvironmentArg, Global, SendArgs};
use crate::error::{CliError, Exit};

/// The variable naming the operator's base URL.
pub(crate) const ENV_BASE_URL: &str = "UID2_BASE_URL";
/// The variable holding the API key.
pub(crate) const ENV_API_KEY: &str = "UID2_API_KEY";
/// The variable holding the client secret.
pub(crate) const ENV_SECRET_KEY: &str = "UID2_SECRET_KEY";

/// The wall clock, read here and nowhere else.
#[allow(
    clippy::disallowed_methods,
    reason = "the command line is where time comes from; the core takes it as a parameter"
)]
pub(crate) fn now() -> Timestamp {
    Timestamp::from(SystemTime::now())
}

impl EnvironmentArg {
    pub(crate) const fn environment(self) -> Environment {
        match self {
            Self::Uid2Integ => Environment::UID2_INTEGRATION,
            Self::Uid2Prod => Environment::UID2_PRODUCTION,
            Self::EuidInteg => Environment::EUID_INTEGRATION,
            Self::EuidProd => Environment::EUID_PRODUCTION,
        }
    }
}

/// The monotonic clock, for elapsed times, rates and checkpoint intervals.
#[allow(
    clippy::disallowed_methods,
    reason = "the command line measures its own progress; the core never sees this clock"
)]
pub(crate) fn instant() -> std::time::Instant {
    std::time::Instant::now()
}

/// Reads a variable; an empty one counts as unset.
fn var(name: &str) -> Option<Zeroizing<String>> {
    std::env::var(name)
        .ok()
        .map(Zeroizing::new)
        .filter(|v| !v.trim().is_empty())
}

/// Reads a secret from a file: the first line, trimmed. Warns when others may read the file.
pub(crate) fn read_secret_file(path: &Path, quiet: bool) -> Result<Zeroizing<String>, CliError> {
    let text =
        Zeroizing::new(std::fs::read_to_string(path).map_err(|e| CliError::io("read", path, &e))?);
    #[cfg(unix)]
    if !quiet {
        use std::os::unix::fs::PermissionsExt as _;
        if let Ok(meta) = std::fs::metadata(path)
            && meta.permissions().mode() & 0o077 != 0
        {
            eprintln!(
                "warning: {} can be read by other users; chmod 600 it",
                path.display()
            );
        }
    }
    #[cfg(not(unix))]
    let _ = quiet;
    let line = text.lines().next().unwrap_or_default().trim();
    if line.is_empty() {
        return Err(CliError::usage(format!("{} is empty", path.display())));
    }
    Ok(Zeroizing::new(line.to_owned()))
}

/// Everything a command that talks to an operator needs.
pub(crate) struct Settings<'a> {
    pub(crate) global: &'a Global,
}

impl<'a> Settings<'a> {
    pub(crate) const fn new(global: &'a Global) -> Self {
        Self { global }
    }

    /// The base URL: --base-url, then --environment, then UID2_BASE_URL.
    ///
    /// # Errors
    /// Usage when none is given, or an http:// URL to a host that is not loopback without
    /// --allow-insecure-http.
    pub(crate) fn base_url(&self) -> Result<BaseUrl, CliError> {
        let url = if let Some(url) = &self.global.base_url {
            url.clone()
        } else if let Some(env) = self.global.environment {
            env.environment().base_url().to_owned()
        } else if let Some(url) = var(ENV_BASE_URL) {
            url.trim().to_owned()
        } else {
            return Err(CliError::usage("no operator given").hint(
                "pass --base-url URL or --environment uid2-integ|uid2-prod|euid-integ|euid-prod, or set UID2_BASE_URL (`uid2 operator serve` runs one locally)",
            ));
        };
        check_url(&url, self.global.allow_insecure_http)
    }

    /// The client secret for the envelope commands: `flag`, then --secret-file, then
    /// UID2_SECRET_KEY.
    pub(crate) fn secret(&self, flag: Option<&str>) -> Result<Zeroizing<String>, CliError> {
        if let Some(s) = flag {
            return Ok(Zeroizing::new(s.trim().to_owned()));
        }
        if let Some(path) = &self.global.secret_file {
            return read_secret_file(path, self.global.quiet);
        }
        var(ENV_SECRET_KEY).ok_or_else(|| {
            CliError::usage("no client secret given")
                .hint("set UID2_SECRET_KEY or pass --secret-file FILE")
        })
    }

    fn api_key(&self) -> Result<Zeroizing<String>, CliError> {
        if let Some(path) = &self.global.api_key_file {
            return read_secret_file(path, self.global.quiet);
        }
        var(ENV_API_KEY).ok_or_else(|| {
            CliError::usage("no API key given").hint("set UID2_API_KEY or pass --api-key-file FILE")
        })
    }

    /// The API key and client secret.
    pub(crate) fn credentials(&self) -> Result<Credentials, CliError> {
        let key = self.api_key()?;
        let secret = self.secret(None)?;
        Credentials::from_strings(key.trim(), secret.trim()).map_err(|e| {
            CliError::new(
                Exit::Credentials,
                format!("the credentials cannot be used: {e}"),
            )
            .hint(
                "UID2_API_KEY is the key as issued; UID2_SECRET_KEY is standard base64 of 32 bytes",
            )
        })
    }

    /// A client configuration for the role clients of `uid2-blocking`.
    pub(crate) fn client_config(&self) -> Result<ClientConfig, CliError> {
        let base_url = self.base_url()?;
        let timeout = Duration::from_secs(self.global.timeout.max(1));
        Ok(
            ClientConfig::with_credentials(base_url, self.credentials()?)
                .with_timeout(timeout)
                .with_connect_timeout(timeout.min(Duration::from_secs(10)))
                .with_user_agent(concat!("uid2-cli/", env!("CARGO_PKG_VERSION"))),
        )
    }

    /// Sends one operator call the core describes (path, headers, sealed body) through the
    /// adapter's default transport, and has the core open and read the reply. Used for calls the
    /// role clients do not offer (the one-shot key-set download).
    pub(crate) fn call<R: OperatorCall>(&self, request: &R) -> Result<R::Response, CliError> {
        let config = self.client_config()?;
        let transport = UreqTransport::from_config(&config);
        let (sealed, pending) = request
            .seal(&config.credentials, now(), &mut OsRandom)
            .map_err(|e| {
                CliError::client("cannot seal the request", &e.into(), &config.base_url)
            })?;
        let http = sealed.request();
        let headers: Vec<Header<'_>> = http
            .headers()
            .map(|h| Header::new(h.name(), h.value(), h.is_sensitive()))
            .collect();
        let action = format!("{} failed", R::PATH);
        let limit = uid2_blocking::effective_reply_limit(
            http.max_response_len(),
            config.max_response_bytes,
        );
        let mut reply = uid2_blocking::bounded_reply(
            transport.post(
                &http.url(&config.base_url),
                &headers,
                http.body(),
                config.timeout,
                limit,
            ),
            limit,
        )
        .map_err(|e| CliError::client(&action, &e, &config.base_url))?;
        pending
            .open(reply.status, reply.content_type.as_deref(), &mut reply.body)
            .map_err(|e| CliError::client(&action, &ClientError::from(e), &config.base_url))
    }
}

impl SendArgs {
    /// The bulk retry policy these options describe.
    pub(crate) fn retry(&self) -> RetryConfig {
        RetryConfig::default()
            .with_max_attempts(self.attempts)
            .with_backoff(
                Duration::from_millis(self.retry_backoff_ms),
                Duration::from_secs(30).max(Duration::from_millis(self.retry_backoff_ms)),
            )
            .with_max_in_flight(1)
    }
}

/// The base URL as the adapters check it (`BaseUrl`): https, or plain http to loopback only,
/// unless --allow-insecure-http.
fn check_url(url: &str, allow_insecure: bool) -> Result<BaseUrl, CliError> {
    let parsed = if allow_insecure {
        BaseUrl::parse_allowing_insecure_http(url)
    } else {
        BaseUrl::parse(url)
    };
    parsed.map_err(|e| {
        CliError::usage(format!("unusable base URL {url:?}: {e}")).hint(
            "use https:// (http:// only to 127.0.0.1, [::1] or localhost), or pass --allow-insecure-http if this really is a test operator",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_only_to_loopback() {
        for ok in [
            "https://prod.uidapi.com",
            "http://127.0.0.1:8080",
            "http://localhost:1/x",
            "http://[::1]:80",
            "HTTP://127.0.0.2",
        ] {
            assert!(check_url(ok, false).is_ok(), "{ok}");
        }
        for bad in [
            "http://10.0.0.1:8080",
            "http://example.com",
            "ftp://x",
            "127.0.0.1",
        ] {
            assert!(check_url(bad, false).is_err(), "{bad}");
        }
        assert!(check_url("http://example.com", true).is_ok());
    }
}
