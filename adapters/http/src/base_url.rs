//! The operator's base URL, checked once when a configuration is built.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::ops::Deref;

use crate::Error;

/// An operator base URL such as `https://prod.uidapi.com`: `https://` with a host, optionally a
/// port and a path prefix, no user info, query or fragment. One trailing `/` is dropped.
///
/// Every request carries the API key (`Authorization`) and, for publishers, refresh tokens and
/// identities, so plain `http://` is refused unless the host is loopback (`localhost`,
/// `127.0.0.0/8`, `[::1]`: a local operator) or the caller opts in with
/// [`BaseUrl::parse_allowing_insecure_http`]. The check happens when the configuration is
/// built, not at the first call.
#[derive(Clone, PartialEq, Eq)]
pub struct BaseUrl {
    text: String,
}

impl BaseUrl {
    /// An `https://` URL, or an `http://` URL whose host is loopback.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] when the URL is not `https://` (or loopback `http://`), has no
    /// host, or carries user info, a query or a fragment.
    pub fn parse(url: &str) -> Result<Self, Error> {
        Self::check(url, false)
    }

    /// Like [`BaseUrl::parse`], but also accepts `http://` to any host. **Insecure**: the API
    /// key, the client secret's envelopes, refresh tokens and response keys then cross the
    /// network in clear to anyone on the path. Only for test operators on a trusted network.
    ///
    /// # Errors
    /// As [`BaseUrl::parse`], except for the scheme rule.
    pub fn parse_allowing_insecure_http(url: &str) -> Result<Self, Error> {
        Self::check(url, true)
    }

    fn check(url: &str, allow_insecure_http: bool) -> Result<Self, Error> {
        let invalid = |reason| Err(Error::InvalidConfig { reason });
        let url = url.trim();
        let (secure, rest) = if let Some(rest) = strip_prefix_ignore_case(url, "https://") {
            (true, rest)
        } else if let Some(rest) = strip_prefix_ignore_case(url, "http://") {
            (false, rest)
        } else {
            return invalid("the base URL must start with https://");
        };
        if rest.contains(['?', '#']) {
            return invalid("the base URL must not have a query or fragment");
        }
        let authority = rest.split('/').next().unwrap_or_default();
        if authority.contains('@') {
            return invalid("the base URL must not carry user info (credentials go in headers)");
        }
        let Some(host) = host_of(authority) else {
            return invalid("the base URL has no valid host");
        };
        if !secure && !allow_insecure_http && !is_loopback(host) {
            return invalid(
                "plain http:// is refused for a non-loopback host: the API key and tokens would travel in clear (use https://, or BaseUrl::parse_allowing_insecure_http for a test operator)",
            );
        }
        let text = url.strip_suffix('/').unwrap_or(url);
        Ok(Self {
            text: text.to_owned(),
        })
    }

    /// The URL text, without a trailing `/`.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether requests to this URL are encrypted in transit (`https://`).
    #[must_use]
    pub fn is_https(&self) -> bool {
        strip_prefix_ignore_case(&self.text, "https://").is_some()
    }
}

impl Deref for BaseUrl {
    type Target = str;

    fn deref(&self) -> &str {
        &self.text
    }
}

impl AsRef<str> for BaseUrl {
    fn as_ref(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.text, f)
    }
}

impl TryFrom<&str> for BaseUrl {
    type Error = Error;

    fn try_from(url: &str) -> Result<Self, Error> {
        Self::parse(url)
    }
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| text.get(prefix.len()..))
        .flatten()
}

/// The host of `host[:port]` or `[v6][:port]`, or `None` when it is empty or malformed.
fn host_of(authority: &str) -> Option<&str> {
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let (v6, after) = rest.split_once(']')?;
        v6.parse::<Ipv6Addr>().ok()?;
        match after {
            "" => (v6, None),
            _ => (v6, Some(after.strip_prefix(':')?)),
        }
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    if let Some(port) = port
        && (port.is_empty() || port.len() > 5 || !port.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let valid_name = host
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b':'));
    (!host.is_empty() && valid_name).then_some(host)
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
        || host.parse::<Ipv6Addr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_and_loopback_http_are_accepted() {
        for url in [
            "https://prod.uidapi.com",
            "https://prod.uidapi.com/",
            "HTTPS://Operator.Example:8443/prefix",
            "http://127.0.0.1:8080",
            "http://127.1.2.3",
            "http://localhost:1/x",
            "http://LOCALHOST",
            "http://[::1]:80",
        ] {
            let parsed = BaseUrl::parse(url).unwrap_or_else(|e| panic!("{url}: {e}"));
            assert!(!parsed.as_str().ends_with('/'), "{url}");
        }
        assert_eq!(
            BaseUrl::parse("https://prod.uidapi.com/").unwrap().as_str(),
            "https://prod.uidapi.com"
        );
        assert!(BaseUrl::parse("https://a.example").unwrap().is_https());
        assert!(!BaseUrl::parse("http://127.0.0.1").unwrap().is_https());
    }

    #[test]
    fn plain_http_to_other_hosts_needs_the_opt_in() {
        for url in [
            "http://prod.uidapi.com",
            "http://10.0.0.1:8080",
            "http://localhost.example.com",
            "http://[::2]",
            "http://127.0.0.1.nip.io",
        ] {
            assert!(
                matches!(BaseUrl::parse(url), Err(Error::InvalidConfig { .. })),
                "{url}"
            );
            assert!(BaseUrl::parse_allowing_insecure_http(url).is_ok(), "{url}");
        }
    }

    #[test]
    fn malformed_urls_are_refused() {
        for url in [
            "",
            "prod.uidapi.com",
            "ftp://prod.uidapi.com",
            "https://",
            "https:///path",
            "https://user:pw@prod.uidapi.com",
            "https://prod.uidapi.com?x=1",
            "https://prod.uidapi.com/#f",
            "https://prod.uidapi.com:",
            "https://prod.uidapi.com:+80",
            "https://prod uidapi.com",
            "https://[::1",
        ] {
            assert!(
                matches!(
                    BaseUrl::parse_allowing_insecure_http(url),
                    Err(Error::InvalidConfig { .. })
                ),
                "{url}"
            );
        }
    }
}
