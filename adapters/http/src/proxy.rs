//! Which proxy the environment asks for, by the rules both adapters apply.

use std::fmt;

/// A proxy named by the environment, for `https://` requests only.
///
/// Both adapters read it the same way when `proxy_from_env` is on:
///
/// * `HTTPS_PROXY` (or `https_proxy`), else `ALL_PROXY` (or `all_proxy`), names the proxy;
///   `HTTP_PROXY` is never read: operator traffic is `https://`, and plain `http://` requests
///   (a local operator) always go direct;
/// * `NO_PROXY` (or `no_proxy`) lists hosts that go direct;
/// * nothing is read when `REQUEST_METHOD` is set: under CGI, request headers become
///   environment variables, so a client's `Proxy:` header would otherwise choose the proxy
///   ("httpoxy").
///
/// `Debug` hides the proxy URL, which may carry a user name and password.
#[derive(Clone, PartialEq, Eq)]
pub struct EnvProxy {
    url: String,
    no_proxy: Option<String>,
}

impl EnvProxy {
    /// The proxy the process environment names, if any.
    #[must_use]
    pub fn from_env() -> Option<Self> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// The proxy that `get` (a variable lookup, such as `std::env::var`) names, if any.
    #[must_use]
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Option<Self> {
        if get("REQUEST_METHOD").is_some() {
            return None;
        }
        let first = |names: &[&str]| {
            names
                .iter()
                .filter_map(|name| get(name))
                .map(|value| value.trim().to_owned())
                .find(|value| !value.is_empty())
        };
        let url = first(&["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"])?;
        Some(Self {
            url,
            no_proxy: first(&["NO_PROXY", "no_proxy"]),
        })
    }

    /// The proxy URL (may contain credentials: do not log it).
    #[must_use]
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The `NO_PROXY` list, as given.
    #[must_use]
    pub fn no_proxy(&self) -> Option<&str> {
        self.no_proxy.as_deref()
    }

    /// Whether `NO_PROXY` sends requests to `host` (a name or an IP address, without port or
    /// brackets) direct.
    ///
    /// The list is split at commas; `*` matches every host; an entry `example.com`,
    /// `.example.com` or `*.example.com` matches `example.com` and every name under it, compared
    /// without regard to ASCII case (as curl reads it). IP addresses match only when written
    /// the same way; CIDR ranges are not read.
    #[must_use]
    pub fn bypasses(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.');
        self.no_proxy.as_deref().is_some_and(|list| {
            list.split(',').map(str::trim).any(|entry| {
                if entry == "*" {
                    return true;
                }
                let domain = entry.trim_start_matches("*.").trim_start_matches('.');
                let domain = domain.trim_end_matches('.');
                if domain.is_empty() {
                    return false;
                }
                let under = host
                    .len()
                    .checked_sub(domain.len())
                    .and_then(|at| host.get(..at)?.strip_suffix('.').zip(host.get(at..)))
                    .is_some_and(|(_, tail)| tail.eq_ignore_ascii_case(domain));
                host.eq_ignore_ascii_case(domain) || under
            })
        })
    }
}

impl fmt::Debug for EnvProxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnvProxy")
            .field("url", &"<redacted>")
            .field("no_proxy", &self.no_proxy)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &[(&str, &str)]) -> Option<EnvProxy> {
        EnvProxy::from_lookup(|name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        })
    }

    #[test]
    fn https_proxy_then_all_proxy() {
        let p = env(&[
            ("HTTPS_PROXY", "http://proxy:3128"),
            ("ALL_PROXY", "http://all:1"),
        ])
        .unwrap();
        assert_eq!(p.url(), "http://proxy:3128");
        assert_eq!(
            env(&[("https_proxy", "http://lower:1")]).unwrap().url(),
            "http://lower:1"
        );
        assert_eq!(
            env(&[("ALL_PROXY", "http://all:1")]).unwrap().url(),
            "http://all:1"
        );
        let p = env(&[
            ("ALL_PROXY", "http://all:1"),
            ("NO_PROXY", "internal,.corp"),
        ])
        .unwrap();
        assert_eq!(p.no_proxy(), Some("internal,.corp"));
    }

    #[test]
    fn http_proxy_is_never_read() {
        assert_eq!(env(&[("HTTP_PROXY", "http://proxy:3128")]), None);
        assert_eq!(env(&[("http_proxy", "http://proxy:3128")]), None);
        assert_eq!(env(&[("HTTPS_PROXY", "  ")]), None);
    }

    #[test]
    fn nothing_under_cgi() {
        assert_eq!(
            env(&[
                ("REQUEST_METHOD", "GET"),
                ("HTTPS_PROXY", "http://proxy:3128"),
                ("ALL_PROXY", "http://all:1"),
            ]),
            None
        );
    }

    #[test]
    fn no_proxy_matches_names_and_their_subdomains() {
        let p = env(&[
            ("HTTPS_PROXY", "http://proxy:3128"),
            ("NO_PROXY", "internal, .corp.example,*.svc ,10.0.0.1"),
        ])
        .unwrap();
        for host in [
            "internal",
            "a.internal",
            "INTERNAL.",
            "corp.example",
            "x.corp.example",
        ] {
            assert!(p.bypasses(host), "{host}");
        }
        for host in ["a.svc", "svc", "10.0.0.1"] {
            assert!(p.bypasses(host), "{host}");
        }
        for host in [
            "xinternal",
            "operator-integ.uidapi.com",
            "10.0.0.10",
            "example",
        ] {
            assert!(!p.bypasses(host), "{host}");
        }
        let all = env(&[("HTTPS_PROXY", "http://p:1"), ("no_proxy", "*")]).unwrap();
        assert!(all.bypasses("anything.example"));
        let none = env(&[("HTTPS_PROXY", "http://p:1")]).unwrap();
        assert!(!none.bypasses("internal"));
        let empty = env(&[("HTTPS_PROXY", "http://p:1"), ("NO_PROXY", " , .")]).unwrap();
        assert!(!empty.bypasses("internal"));
    }

    #[test]
    fn debug_hides_the_url() {
        let p = env(&[("HTTPS_PROXY", "http://user:pa55word@proxy:3128")]).unwrap();
        let text = format!("{p:?}");
        assert!(
            !text.contains("pa55word") && !text.contains("user"),
            "{text}"
        );
    }
}
