//! Where a request goes: scheme, host, optional port and path.

use alloc::format;
use alloc::string::{String, ToString};
use core::fmt::Write as _;

use super::GigyaError;

/// The default data-center domain.
pub const DEFAULT_API_DOMAIN: &str = "us1.gigya.com";

/// The URL scheme of a request.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scheme {
    /// `https` (the default).
    #[default]
    Https,
    /// Plain `http`. Only the signing modes allow it; the secret itself never travels.
    Http,
}

impl Scheme {
    /// `"https"` or `"http"`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Https => "https",
            Self::Http => "http",
        }
    }

    /// The scheme's default port: 443 or 80.
    #[must_use]
    pub const fn default_port(self) -> u16 {
        match self {
            Self::Https => 443,
            Self::Http => 80,
        }
    }
}

/// A request target: scheme, host, optional port and path.
///
/// The host and path keep the caller's case in [`Endpoint::url`]; the signature uses
/// [`Endpoint::normalized_url`], which lower-cases the scheme and host and drops a default port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    scheme: Scheme,
    host: String,
    port: Option<u16>,
    path: String,
}

fn is_valid_method(method: &str) -> bool {
    method
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

fn is_valid_host(host: &str) -> bool {
    !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-'))
}

/// A port as written in a URL: 1 to 5 ASCII digits, no sign, no leading zero (so `:+80` and
/// `:0443` are refused rather than read as 80 and 443), at most 65535.
fn parse_port(text: &str) -> Result<u16, GigyaError> {
    let digits_only =
        !text.is_empty() && text.len() <= 5 && text.bytes().all(|b| b.is_ascii_digit());
    let leading_zero = text.len() > 1 && text.starts_with('0');
    if !digits_only || leading_zero {
        return Err(GigyaError::InvalidUrl);
    }
    text.parse::<u16>().map_err(|_| GigyaError::InvalidUrl)
}

/// Splits an API method into its namespace and path.
///
/// One leading `/` is dropped. A method without a `.` belongs to `socialize`
/// (`getUserInfo` → `socialize`, `/socialize.getUserInfo`); otherwise the namespace is the text
/// before the first `.` and the path is the whole method (`accounts.otp.sendCode` →
/// `accounts`, `/accounts.otp.sendCode`).
fn namespace_and_path(method: &str) -> Result<(String, String), GigyaError> {
    let method = method.strip_prefix('/').unwrap_or(method);
    if method.is_empty() {
        return Err(GigyaError::MissingMethod);
    }
    if !is_valid_method(method) {
        return Err(GigyaError::InvalidMethod);
    }
    match method.split_once('.') {
        Some((namespace, _)) if !namespace.is_empty() => {
            Ok((namespace.to_string(), format!("/{method}")))
        }
        Some(_) => Err(GigyaError::InvalidMethod),
        None => Ok(("socialize".to_string(), format!("/socialize.{method}"))),
    }
}

/// The mTLS host for a data-center domain: `mtls.<dc>.gigya.com`, where `<dc>` is the first
/// label of `api_domain` (`us1` when that label is empty).
///
/// Every official SDK maps `cn1.gigya-api.cn` to `mtls.cn1.gigya.com` too.
#[must_use]
pub fn mtls_host(api_domain: &str) -> String {
    let dc = api_domain.split('.').next().unwrap_or_default();
    let dc = if dc.is_empty() { "us1" } else { dc };
    format!("mtls.{dc}.gigya.com")
}

impl Endpoint {
    /// The endpoint of API `method` on data center `api_domain` (e.g. `eu1.gigya.com`):
    /// `<scheme>://<namespace>.<api_domain>/<method>`.
    ///
    /// The domain is not checked against a list; any DNS suffix works.
    ///
    /// # Errors
    /// [`GigyaError::MissingMethod`] for an empty method, [`GigyaError::InvalidMethod`] for a
    /// method with a character outside `A-Z a-z 0-9 . _ -`, [`GigyaError::InvalidHost`] for an
    /// empty domain or one with a character outside `A-Z a-z 0-9 . -`.
    pub fn for_method(method: &str, api_domain: &str, scheme: Scheme) -> Result<Self, GigyaError> {
        let (namespace, path) = namespace_and_path(method)?;
        if !is_valid_host(api_domain) {
            return Err(GigyaError::InvalidHost);
        }
        Ok(Self {
            scheme,
            host: format!("{namespace}.{api_domain}"),
            port: None,
            path,
        })
    }

    /// The endpoint of API `method` on an explicit `host` (a host override): the path is built
    /// as in [`Endpoint::for_method`], the host is used as given. The host may carry a port,
    /// `host:port` (for example `127.0.0.1:8080` for a gateway or a local test server); the port
    /// then enters the URL and, unless it is the scheme's default, the signed base string.
    ///
    /// # Errors
    /// As [`Endpoint::for_method`], with [`GigyaError::InvalidHost`] for the host or a port that
    /// is not plain decimal digits from 0 to 65535 without a leading zero.
    pub fn on_host(method: &str, host: &str, scheme: Scheme) -> Result<Self, GigyaError> {
        let (_, path) = namespace_and_path(method)?;
        let (host, port) = match host.rsplit_once(':') {
            Some((host, port)) => (
                host,
                Some(parse_port(port).map_err(|_| GigyaError::InvalidHost)?),
            ),
            None => (host, None),
        };
        if !is_valid_host(host) {
            return Err(GigyaError::InvalidHost);
        }
        Ok(Self {
            scheme,
            host: host.to_string(),
            port,
            path,
        })
    }

    /// The mTLS endpoint of API `method`: `https://mtls.<dc>.gigya.com/<path>` (see
    /// [`mtls_host`]).
    ///
    /// # Errors
    /// As [`Endpoint::for_method`].
    pub fn mtls(method: &str, api_domain: &str) -> Result<Self, GigyaError> {
        if !is_valid_host(api_domain) {
            return Err(GigyaError::InvalidHost);
        }
        Self::on_host(method, &mtls_host(api_domain), Scheme::Https)
    }

    /// Parses an absolute `http` or `https` URL without query or fragment, such as
    /// `HTTP://Photos.Example.NET:8080/photos`. Used to compute base strings for arbitrary URLs.
    /// A URL without a path keeps an empty path (`http://photos.example.net` enters the base
    /// string as `http%3A%2F%2Fphotos.example.net`, as in the official SDKs).
    ///
    /// # Errors
    /// [`GigyaError::InvalidUrl`] when the scheme is not http(s), the host is empty or invalid,
    /// the port is not written as plain decimal digits without a leading zero (from 0 to 65535),
    /// or the URL has user info, a query or a fragment.
    pub fn parse(url: &str) -> Result<Self, GigyaError> {
        let (scheme, rest) = url.split_once("://").ok_or(GigyaError::InvalidUrl)?;
        let scheme = if scheme.eq_ignore_ascii_case("https") {
            Scheme::Https
        } else if scheme.eq_ignore_ascii_case("http") {
            Scheme::Http
        } else {
            return Err(GigyaError::InvalidUrl);
        };
        if rest.contains(['?', '#']) {
            return Err(GigyaError::InvalidUrl);
        }
        // A URL without a path keeps the empty path: the official SDKs sign
        // `http://photos.example.net`, not `http://photos.example.net/`.
        let (authority, path) = match rest.find('/') {
            Some(i) => rest.split_at(i),
            None => (rest, ""),
        };
        let (host, port) = match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(parse_port(port)?)),
            None => (authority, None),
        };
        if !is_valid_host(host) {
            return Err(GigyaError::InvalidUrl);
        }
        Ok(Self {
            scheme,
            host: host.to_string(),
            port,
            path: path.to_string(),
        })
    }

    /// The scheme.
    #[must_use]
    pub const fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The host, as given.
    #[must_use]
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The explicit port, if any.
    #[must_use]
    pub const fn port(&self) -> Option<u16> {
        self.port
    }

    /// The path: starts with `/`, or is empty for a parsed URL that has none.
    #[must_use]
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The URL to send the request to, host and path in the caller's case.
    #[must_use]
    pub fn url(&self) -> String {
        let mut out = format!("{}://{}", self.scheme.as_str(), self.host);
        if let Some(port) = self.port {
            let _ = write!(out, ":{port}");
        }
        out.push_str(&self.path);
        out
    }

    /// The URL as it enters the base string: lower-case scheme and host, `:port` only when a
    /// port is given and is not the scheme's default, then the path unchanged.
    #[must_use]
    pub fn normalized_url(&self) -> String {
        let mut out = format!(
            "{}://{}",
            self.scheme.as_str(),
            self.host.to_ascii_lowercase()
        );
        if let Some(port) = self.port.filter(|p| *p != self.scheme.default_port()) {
            let _ = write!(out, ":{port}");
        }
        out.push_str(&self.path);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces() {
        let e = Endpoint::for_method("accounts.getAccountInfo", "eu1.gigya.com", Scheme::Https)
            .unwrap();
        assert_eq!(
            e.url(),
            "https://accounts.eu1.gigya.com/accounts.getAccountInfo"
        );
        let e = Endpoint::for_method("/getUserInfo", "us1.gigya.com", Scheme::Https).unwrap();
        assert_eq!(
            e.url(),
            "https://socialize.us1.gigya.com/socialize.getUserInfo"
        );
        let e =
            Endpoint::for_method("accounts.otp.sendCode", "au1.gigya.com", Scheme::Http).unwrap();
        assert_eq!(
            e.url(),
            "http://accounts.au1.gigya.com/accounts.otp.sendCode"
        );
        assert_eq!(
            Endpoint::for_method("/", "us1.gigya.com", Scheme::Https),
            Err(GigyaError::MissingMethod)
        );
        assert_eq!(
            Endpoint::for_method(".x", "us1.gigya.com", Scheme::Https),
            Err(GigyaError::InvalidMethod)
        );
        assert_eq!(
            Endpoint::for_method("a.b", "us1.gigya.com/x", Scheme::Https),
            Err(GigyaError::InvalidHost)
        );
    }

    #[test]
    fn host_override_with_a_port() {
        let e =
            Endpoint::on_host("accounts.getAccountInfo", "127.0.0.1:8080", Scheme::Http).unwrap();
        assert_eq!(e.host(), "127.0.0.1");
        assert_eq!(e.port(), Some(8080));
        assert_eq!(e.url(), "http://127.0.0.1:8080/accounts.getAccountInfo");
        assert_eq!(
            e.normalized_url(),
            "http://127.0.0.1:8080/accounts.getAccountInfo"
        );
        let e = Endpoint::on_host(
            "accounts.getAccountInfo",
            "Gw.Example.com:443",
            Scheme::Https,
        )
        .unwrap();
        assert_eq!(
            e.url(),
            "https://Gw.Example.com:443/accounts.getAccountInfo"
        );
        assert_eq!(
            e.normalized_url(),
            "https://gw.example.com/accounts.getAccountInfo"
        );
        for bad in [
            "gw.example.com:",
            "gw.example.com:08",
            "gw.example.com:65536",
            ":80",
            "a:b:80",
        ] {
            assert_eq!(
                Endpoint::on_host("accounts.getAccountInfo", bad, Scheme::Https),
                Err(GigyaError::InvalidHost),
                "{bad}"
            );
        }
    }

    #[test]
    fn mtls() {
        assert_eq!(mtls_host("eu1.gigya.com"), "mtls.eu1.gigya.com");
        assert_eq!(mtls_host("cn1.gigya-api.cn"), "mtls.cn1.gigya.com");
        assert_eq!(mtls_host(""), "mtls.us1.gigya.com");
        let e = Endpoint::mtls("accounts.getAccountInfo", "au1.gigya.com").unwrap();
        assert_eq!(
            e.url(),
            "https://mtls.au1.gigya.com/accounts.getAccountInfo"
        );
    }

    #[test]
    fn normalisation() {
        let e = Endpoint::parse("HTTP://Photos.Example.NET:80/photos").unwrap();
        assert_eq!(e.normalized_url(), "http://photos.example.net/photos");
        let e = Endpoint::parse("https://photos.example.net:4433/photos").unwrap();
        assert_eq!(e.normalized_url(), "https://photos.example.net:4433/photos");
        assert!(Endpoint::parse("ftp://x/y").is_err());
        assert!(Endpoint::parse("http://x:99999/y").is_err());
        assert!(Endpoint::parse("http://u@x/y").is_err());
        assert!(Endpoint::parse("http://x/y?q=1").is_err());
    }

    #[test]
    fn url_without_path_keeps_the_empty_path() {
        let e = Endpoint::parse("http://photos.example.net").unwrap();
        assert_eq!(e.path(), "");
        assert_eq!(e.normalized_url(), "http://photos.example.net");
        let e = Endpoint::parse("HTTPS://Example.COM:443").unwrap();
        assert_eq!(e.normalized_url(), "https://example.com");
        assert_eq!(e.url(), "https://Example.COM:443");
        let e = Endpoint::parse("http://example.com:8080").unwrap();
        assert_eq!(e.normalized_url(), "http://example.com:8080");
    }

    #[test]
    fn ports_are_plain_digits() {
        for bad in [
            ":+80", ":0443", ":", ":-1", ": 80", ":80 ", ":123456", ":0x50", ":65536",
        ] {
            let url = format!("http://example.com{bad}/p");
            assert_eq!(Endpoint::parse(&url), Err(GigyaError::InvalidUrl), "{url}");
        }
        assert_eq!(
            Endpoint::parse("http://example.com:0/p").unwrap().port(),
            Some(0)
        );
        assert_eq!(
            Endpoint::parse("http://example.com:65535/p")
                .unwrap()
                .port(),
            Some(65535)
        );
    }
}
