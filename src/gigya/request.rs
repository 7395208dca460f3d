//! Building a request for any Gigya API method.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;
use core::fmt::Write as _;
use zeroize::{Zeroize as _, Zeroizing};

use super::endpoint::DEFAULT_API_DOMAIN;
use super::signature::{base_string, calc_signature};
use super::{Endpoint, GigyaError, GigyaSecret, ParamValue, Params, Scheme};
use crate::{SecureRandom, Timestamp};

/// The `sdk` value this crate sends: `rust_<crate version>`.
pub const SDK_ID: &str = concat!("rust_", env!("CARGO_PKG_VERSION"));

/// Parameter names the builder sets itself; a caller parameter with one of these names is
/// rejected with [`GigyaError::ReservedParam`].
pub const RESERVED_PARAMS: [&str; 10] = [
    "apiKey",
    "userKey",
    "timestamp",
    "nonce",
    "sig",
    "secret",
    "oauth_token",
    "httpStatusCodes",
    "format",
    "sdk",
];

/// How a request proves who sends it.
#[derive(Clone)]
enum Mode {
    PartnerSecret {
        api_key: String,
        secret: GigyaSecret,
    },
    UserKey {
        api_key: Option<String>,
        user_key: String,
        secret: GigyaSecret,
    },
    SecretInClear {
        api_key: Option<String>,
        user_key: Option<String>,
        secret: GigyaSecret,
    },
    #[cfg(feature = "gigya-rsa")]
    Bearer {
        api_key: Option<String>,
        user_key: String,
        key: alloc::boxed::Box<super::jwt::GigyaRsaKey>,
    },
    AccessToken {
        token: Zeroizing<String>,
    },
    Anonymous {
        api_key: String,
    },
    Mtls {
        api_key: String,
    },
}

/// The credentials of a request: one of the authentication modes Gigya accepts.
///
/// | constructor | sends | scheme |
/// | --- | --- | --- |
/// | [`partner_secret`](Self::partner_secret) | `apiKey`, `timestamp`, `nonce`, `sig` (HMAC-SHA1 with the partner secret) | https or http |
/// | [`user_key`](Self::user_key) | the same plus `userKey`, signed with the user key's secret | https or http |
/// | [`secret_in_clear`](Self::secret_in_clear) | `apiKey`/`userKey` and `secret` in clear, no signature | https only |
/// | `bearer` (feature `gigya-rsa`) | `apiKey` and an `Authorization: Bearer` RS256 JWT | https only |
/// | [`access_token`](Self::access_token) | `oauth_token` | https only |
/// | [`anonymous`](Self::anonymous) | `apiKey` | https only |
/// | [`mtls`](Self::mtls) | `apiKey`, to `mtls.<dc>.gigya.com`; the adapter presents the client certificate | https only |
///
/// `Debug` never shows secrets or tokens.
#[derive(Clone)]
pub struct Credentials(Mode);

impl Credentials {
    /// Sign with the site's partner secret.
    #[must_use]
    pub fn partner_secret(api_key: &str, secret: GigyaSecret) -> Self {
        Self(Mode::PartnerSecret {
            api_key: api_key.to_string(),
            secret,
        })
    }

    /// Sign with a user key (or application key) and its secret. `api_key` may be `None` for
    /// calls that take no API key (e.g. `admin.*` / `permissions.*`).
    #[must_use]
    pub fn user_key(api_key: Option<&str>, user_key: &str, secret: GigyaSecret) -> Self {
        Self(Mode::UserKey {
            api_key: api_key.map(ToString::to_string),
            user_key: user_key.to_string(),
            secret,
        })
    }

    /// Send the secret itself in the `secret` parameter, unsigned. A documented REST option that
    /// no official server SDK uses by default; only over HTTPS.
    #[must_use]
    pub fn secret_in_clear(
        api_key: Option<&str>,
        user_key: Option<&str>,
        secret: GigyaSecret,
    ) -> Self {
        Self(Mode::SecretInClear {
            api_key: api_key.map(ToString::to_string),
            user_key: user_key.map(ToString::to_string),
            secret,
        })
    }

    /// Authenticate with a user key and its RSA private key: the request carries an
    /// `Authorization: Bearer` RS256 JWT with `kid` = `user_key`.
    #[cfg(feature = "gigya-rsa")]
    #[must_use]
    pub fn bearer(api_key: Option<&str>, user_key: &str, key: super::jwt::GigyaRsaKey) -> Self {
        Self(Mode::Bearer {
            api_key: api_key.map(ToString::to_string),
            user_key: user_key.to_string(),
            key: alloc::boxed::Box::new(key),
        })
    }

    /// Authenticate with an OAuth2 access token (`oauth_token`).
    #[must_use]
    pub fn access_token(token: &str) -> Self {
        Self(Mode::AccessToken {
            token: Zeroizing::new(token.to_string()),
        })
    }

    /// No authentication, only the API key (e.g. `accounts.getJWTPublicKey`).
    #[must_use]
    pub fn anonymous(api_key: &str) -> Self {
        Self(Mode::Anonymous {
            api_key: api_key.to_string(),
        })
    }

    /// Mutual TLS: only the API key travels; the adapter presents the client certificate.
    /// Requests go to [`mtls_host`](super::mtls_host) unless a host override is set.
    #[must_use]
    pub fn mtls(api_key: &str) -> Self {
        Self(Mode::Mtls {
            api_key: api_key.to_string(),
        })
    }

    const fn mode_name(&self) -> &'static str {
        match self.0 {
            Mode::PartnerSecret { .. } => "PartnerSecret",
            Mode::UserKey { .. } => "UserKey",
            Mode::SecretInClear { .. } => "SecretInClear",
            #[cfg(feature = "gigya-rsa")]
            Mode::Bearer { .. } => "Bearer",
            Mode::AccessToken { .. } => "AccessToken",
            Mode::Anonymous { .. } => "Anonymous",
            Mode::Mtls { .. } => "Mtls",
        }
    }

    const fn allows_http(&self) -> bool {
        matches!(self.0, Mode::PartnerSecret { .. } | Mode::UserKey { .. })
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Credentials::{}(<redacted>)", self.mode_name())
    }
}

/// One HTTP header of a [`HttpRequest`].
#[derive(Clone, PartialEq, Eq)]
pub struct Header {
    name: &'static str,
    value: String,
    sensitive: bool,
}

impl Header {
    /// The header name.
    #[must_use]
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The header value.
    #[must_use]
    pub fn value(&self) -> &str {
        &self.value
    }

    /// Whether the value is a credential (never log it).
    #[must_use]
    pub const fn is_sensitive(&self) -> bool {
        self.sensitive
    }
}

/// A sensitive value (a bearer token) is wiped.
impl Drop for Header {
    fn drop(&mut self) {
        if self.sensitive {
            self.value.zeroize();
        }
    }
}

impl fmt::Debug for Header {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.sensitive {
            write!(f, "{}: <redacted>", self.name)
        } else {
            write!(f, "{}: {}", self.name, self.value)
        }
    }
}

/// A request ready for an adapter to send: method, URL, headers and body.
///
/// `Debug` shows the method, URL and non-sensitive headers, and only the length of the body
/// (which can hold user data and, in the secret-in-clear mode, the secret).
#[derive(Clone)]
pub struct HttpRequest {
    url: String,
    headers: Vec<Header>,
    body: Vec<u8>,
    base_string: Option<String>,
    signature: Option<String>,
}

impl HttpRequest {
    /// The HTTP method: always `POST`.
    #[must_use]
    pub const fn method(&self) -> &'static str {
        "POST"
    }

    /// The full URL (no query string; every parameter is in the body).
    #[must_use]
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The headers to send, `Content-Type` first.
    #[must_use]
    pub fn headers(&self) -> &[Header] {
        &self.headers
    }

    /// The `application/x-www-form-urlencoded` body.
    #[must_use]
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The signed base string, for the signing modes (for diagnostics; it holds the parameters).
    #[must_use]
    pub fn base_string(&self) -> Option<&str> {
        self.base_string.as_deref()
    }

    /// The `sig` parameter, for the signing modes.
    #[must_use]
    pub fn signature(&self) -> Option<&str> {
        self.signature.as_deref()
    }

    /// Splits the request into URL, headers and body. Sensitive header values are still wiped
    /// when the headers are dropped; the body is the caller's to wipe.
    #[must_use]
    pub fn into_parts(mut self) -> (String, Vec<Header>, Vec<u8>) {
        (
            core::mem::take(&mut self.url),
            core::mem::take(&mut self.headers),
            core::mem::take(&mut self.body),
        )
    }
}

/// The body can hold user data or, in the secret-in-clear mode, the secret; the base string
/// holds the signed parameters: both are wiped.
impl Drop for HttpRequest {
    fn drop(&mut self) {
        self.body.zeroize();
        if let Some(base) = &mut self.base_string {
            base.zeroize();
        }
    }
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpRequest")
            .field("method", &self.method())
            .field("url", &self.url)
            .field("headers", &self.headers)
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// Builds a request for any Gigya API method.
///
/// Set the method and credentials, optionally the data center, scheme, host override and
/// parameters, then call [`build`](Self::build) with the current time and a random source, or
/// [`build_with_nonce`](Self::build_with_nonce) with an explicit nonce. The builder never reads
/// a clock or draws entropy itself, and can be built again (for a retry) with a new time.
///
/// Every request carries `format=json`, `httpStatusCodes=false` and `sdk`, plus what the
/// credentials add. Those names are reserved: [`param`](Self::param) rejects them.
#[derive(Clone, Debug)]
pub struct RequestBuilder {
    method: String,
    credentials: Credentials,
    api_domain: String,
    scheme: Scheme,
    host_override: Option<String>,
    sdk: String,
    params: Params,
}

fn check_not_reserved(params: &Params) -> Result<(), GigyaError> {
    match RESERVED_PARAMS.iter().find(|name| params.contains(name)) {
        Some(name) => Err(GigyaError::ReservedParam { name }),
        None => Ok(()),
    }
}

fn non_empty(value: &str) -> Result<&str, GigyaError> {
    if value.is_empty() {
        Err(GigyaError::MissingCredentials)
    } else {
        Ok(value)
    }
}

impl RequestBuilder {
    /// A builder for API `method` (e.g. `accounts.getAccountInfo`, or `getUserInfo` for
    /// `socialize.getUserInfo`) with the given credentials, on `us1.gigya.com` over HTTPS.
    #[must_use]
    pub fn new(method: &str, credentials: Credentials) -> Self {
        Self {
            method: method.to_string(),
            credentials,
            api_domain: DEFAULT_API_DOMAIN.to_string(),
            scheme: Scheme::Https,
            host_override: None,
            sdk: SDK_ID.to_string(),
            params: Params::new(),
        }
    }

    /// The data-center domain, e.g. `eu1.gigya.com`, `au1.gigya.com`, `cn1.gigya-api.cn`.
    #[must_use]
    pub fn api_domain(mut self, api_domain: &str) -> Self {
        self.api_domain = api_domain.to_string();
        self
    }

    /// The scheme. Plain HTTP is only accepted for the two signing modes.
    #[must_use]
    pub const fn scheme(mut self, scheme: Scheme) -> Self {
        self.scheme = scheme;
        self
    }

    /// Sends to this exact host (optionally `host:port`) instead of `<namespace>.<api_domain>`.
    /// A `_host` parameter has no special meaning; use this instead.
    #[must_use]
    pub fn host_override(mut self, host: &str) -> Self {
        self.host_override = Some(host.to_string());
        self
    }

    /// Replaces the `sdk` value (default [`SDK_ID`]), to reproduce other SDKs' signed requests
    /// byte for byte in conformance tests. Not part of the supported API: the SDK always
    /// identifies itself.
    #[cfg(feature = "__testing")]
    #[doc(hidden)]
    #[must_use]
    pub fn sdk_id(mut self, sdk: &str) -> Self {
        self.sdk = sdk.to_string();
        self
    }

    /// Adds one parameter (see [`ParamValue`] for how values are rendered).
    ///
    /// # Errors
    /// [`GigyaError::InvalidParamName`] for a malformed name, [`GigyaError::ReservedParam`] for
    /// a name the builder sets itself.
    pub fn param(mut self, name: &str, value: impl Into<ParamValue>) -> Result<Self, GigyaError> {
        if let Some(reserved) = RESERVED_PARAMS.iter().find(|r| **r == name) {
            return Err(GigyaError::ReservedParam { name: reserved });
        }
        self.params.insert(name, value)?;
        Ok(self)
    }

    /// Adds every parameter of `params`, replacing earlier values with the same names.
    ///
    /// # Errors
    /// [`GigyaError::ReservedParam`] when `params` uses a reserved name.
    pub fn params(mut self, params: &Params) -> Result<Self, GigyaError> {
        check_not_reserved(params)?;
        for (name, value) in params.iter() {
            self.params.set_internal(name, value);
        }
        Ok(self)
    }

    /// The endpoint this request goes to.
    ///
    /// # Errors
    /// As [`Endpoint::for_method`].
    pub fn endpoint(&self) -> Result<Endpoint, GigyaError> {
        match (&self.host_override, &self.credentials.0) {
            (Some(host), _) => Endpoint::on_host(&self.method, host, self.scheme),
            (None, Mode::Mtls { .. }) => Endpoint::mtls(&self.method, &self.api_domain),
            (None, _) => Endpoint::for_method(&self.method, &self.api_domain, self.scheme),
        }
    }

    /// Builds the request at time `now`, drawing the nonce from `rng`: `<now ms>_<16 hex
    /// digits>` (for the bearer mode, the JWT's `jti` is a random UUID and `rng` also blinds the
    /// RSA operation).
    ///
    /// # Errors
    /// [`GigyaError::Random`] when `rng` fails, otherwise as [`build_with_nonce`](Self::build_with_nonce).
    pub fn build(
        &self,
        now: Timestamp,
        rng: &mut impl SecureRandom,
    ) -> Result<HttpRequest, GigyaError> {
        #[cfg(feature = "gigya-rsa")]
        if let Mode::Bearer { .. } = self.credentials.0 {
            let mut bytes = [0u8; 16];
            rng.fill(&mut bytes).map_err(|_| GigyaError::Random)?;
            let jti = super::jwt::uuid_v4(bytes);
            return self.build_inner(now, &jti, Some(rng));
        }
        let mut bytes = [0u8; 8];
        rng.fill(&mut bytes).map_err(|_| GigyaError::Random)?;
        let mut nonce = format!("{}_", now.as_millis());
        for b in bytes {
            let _ = write!(nonce, "{b:02x}");
        }
        self.build_inner(now, &nonce, None)
    }

    /// Builds the request at time `now` with an explicit nonce (any non-empty string unique per
    /// request; in the bearer mode it becomes the JWT's `jti`).
    ///
    /// The output depends only on the inputs, which makes it the entry point for reproducible
    /// tests. In the bearer mode the RSA operation is then not blinded; prefer
    /// [`build`](Self::build) there.
    ///
    /// # Errors
    /// [`GigyaError::InvalidNonce`] for an empty nonce; [`GigyaError::TimeOutOfRange`] when
    /// `now` is before the epoch; [`GigyaError::MissingCredentials`] for an empty API key, user
    /// key or token; [`GigyaError::InsecureScheme`] for plain HTTP outside the signing modes;
    /// endpoint errors as [`Endpoint::for_method`].
    pub fn build_with_nonce(&self, now: Timestamp, nonce: &str) -> Result<HttpRequest, GigyaError> {
        self.build_inner(now, nonce, None)
    }

    fn build_inner(
        &self,
        now: Timestamp,
        nonce: &str,
        rng: Option<&mut dyn SecureRandom>,
    ) -> Result<HttpRequest, GigyaError> {
        #[cfg(not(feature = "gigya-rsa"))]
        let _ = rng; // only the bearer mode uses the random source here
        if nonce.is_empty() {
            return Err(GigyaError::InvalidNonce);
        }
        let secs = now.as_secs_floor();
        if secs < 0 {
            return Err(GigyaError::TimeOutOfRange);
        }
        if self.scheme == Scheme::Http && !self.credentials.allows_http() {
            return Err(GigyaError::InsecureScheme);
        }
        let endpoint = self.endpoint()?;
        let mut params = self.params.clone();
        params.set_internal("format", "json");
        params.set_internal("httpStatusCodes", "false");
        params.set_internal("sdk", &self.sdk);
        let mut headers = Vec::with_capacity(2);
        headers.push(Header {
            name: "Content-Type",
            value: "application/x-www-form-urlencoded".to_string(),
            sensitive: false,
        });
        let mut signed = None;
        match &self.credentials.0 {
            Mode::PartnerSecret { api_key, secret } => {
                params.set_internal("apiKey", non_empty(api_key)?);
                signed = Some(secret);
            }
            Mode::UserKey {
                api_key,
                user_key,
                secret,
            } => {
                if let Some(api_key) = api_key {
                    params.set_internal("apiKey", non_empty(api_key)?);
                }
                params.set_internal("userKey", non_empty(user_key)?);
                signed = Some(secret);
            }
            Mode::SecretInClear {
                api_key,
                user_key,
                secret,
            } => {
                if api_key.is_none() && user_key.is_none() {
                    return Err(GigyaError::MissingCredentials);
                }
                if let Some(api_key) = api_key {
                    params.set_internal("apiKey", non_empty(api_key)?);
                }
                if let Some(user_key) = user_key {
                    params.set_internal("userKey", non_empty(user_key)?);
                }
                params.set_internal("secret", secret.text());
            }
            #[cfg(feature = "gigya-rsa")]
            Mode::Bearer {
                api_key,
                user_key,
                key,
            } => {
                if let Some(api_key) = api_key {
                    params.set_internal("apiKey", non_empty(api_key)?);
                }
                let token =
                    Zeroizing::new(key.bearer_token(non_empty(user_key)?, secs, nonce, rng)?);
                let mut value = String::with_capacity(token.len().saturating_add(7));
                value.push_str("Bearer ");
                value.push_str(&token);
                headers.push(Header {
                    name: "Authorization",
                    value,
                    sensitive: true,
                });
            }
            Mode::AccessToken { token } => {
                params.set_internal("oauth_token", non_empty(token)?);
            }
            Mode::Anonymous { api_key } | Mode::Mtls { api_key } => {
                params.set_internal("apiKey", non_empty(api_key)?);
            }
        }
        let (base, signature) = match signed {
            Some(secret) => {
                params.set_internal("timestamp", &secs.to_string());
                params.set_internal("nonce", nonce);
                let base = base_string("POST", &endpoint, &params);
                let sig = calc_signature(&base, secret);
                params.set_internal("sig", &sig);
                (Some(base), Some(sig))
            }
            None => (None, None),
        };
        Ok(HttpRequest {
            url: endpoint.url(),
            headers,
            body: params.to_parameter_string().into_bytes(),
            base_string: base,
            signature,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::ReplayRandom;

    const API_KEY: &str = "3_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789";
    const S1: &str = "UnVzdC1HaWd5YS1wYXJ0bmVyLXNlY3JldC0wMDAx";

    fn s1() -> GigyaSecret {
        GigyaSecret::from_base64(S1).unwrap()
    }

    #[test]
    fn r1() {
        let req = RequestBuilder::new(
            "accounts.getAccountInfo",
            Credentials::partner_secret(API_KEY, s1()),
        )
        .sdk_id("python_3.6.0")
        .param("UID", "9d0b4a6b2f2b4d0e8f6f1a2b3c4d5e6f")
        .unwrap()
        .build_with_nonce(
            Timestamp::from_millis(1_700_000_000_999),
            "1700000000123456",
        )
        .unwrap();
        assert_eq!(req.signature(), Some("U5oTMxX5IIHhB7KrFw4iI5pDL9A="));
        assert_eq!(
            req.url(),
            "https://accounts.us1.gigya.com/accounts.getAccountInfo"
        );
        let dbg = std::format!("{req:?}");
        assert!(!dbg.contains("9d0b4a6b"), "{dbg}");
    }

    #[test]
    fn reserved_and_scheme_rules() {
        let b = RequestBuilder::new("x.y", Credentials::partner_secret(API_KEY, s1()));
        assert_eq!(
            b.clone().param("sig", "x").map(|_| ()),
            Err(GigyaError::ReservedParam { name: "sig" })
        );
        let clear = RequestBuilder::new(
            "x.y",
            Credentials::secret_in_clear(Some(API_KEY), None, s1()),
        );
        let now = Timestamp::from_millis(1_700_000_000_000);
        assert_eq!(
            clear
                .clone()
                .scheme(Scheme::Http)
                .build_with_nonce(now, "n")
                .map(|_| ()),
            Err(GigyaError::InsecureScheme)
        );
        let req = clear.build_with_nonce(now, "n").unwrap();
        let body = core::str::from_utf8(req.body()).unwrap();
        assert!(body.contains("secret=UnVzdC1"));
        assert!(!body.contains("sig="));
        assert!(!std::format!("{req:?}").contains("UnVzdC1"));
        assert_eq!(
            b.build_with_nonce(now, "").map(|_| ()),
            Err(GigyaError::InvalidNonce)
        );
    }

    #[test]
    fn nonce_from_rng() {
        let mut rng = ReplayRandom::new(&[0xde, 0xad, 0xbe, 0xef, 0, 1, 2, 3]);
        let req = RequestBuilder::new("x.y", Credentials::partner_secret(API_KEY, s1()))
            .build(Timestamp::from_millis(1_700_000_000_123), &mut rng)
            .unwrap();
        let body = core::str::from_utf8(req.body()).unwrap();
        assert!(
            body.contains("nonce=1700000000123_deadbeef00010203"),
            "{body}"
        );
        assert!(body.contains("sdk=rust_"));
    }

    #[test]
    fn other_modes() {
        let now = Timestamp::from_millis(1_700_000_000_000);
        let req = RequestBuilder::new("accounts.getJWTPublicKey", Credentials::anonymous(API_KEY))
            .param("V2", true)
            .unwrap()
            .build_with_nonce(now, "n")
            .unwrap();
        assert_eq!(
            core::str::from_utf8(req.body()).unwrap(),
            std::format!("V2=true&apiKey={API_KEY}&format=json&httpStatusCodes=false&sdk={SDK_ID}")
        );
        let req = RequestBuilder::new("accounts.getAccountInfo", Credentials::mtls(API_KEY))
            .api_domain("eu1.gigya.com")
            .build_with_nonce(now, "n")
            .unwrap();
        assert_eq!(
            req.url(),
            "https://mtls.eu1.gigya.com/accounts.getAccountInfo"
        );
        let req = RequestBuilder::new("a.b", Credentials::access_token("tok en"))
            .build_with_nonce(now, "n")
            .unwrap();
        assert!(
            core::str::from_utf8(req.body())
                .unwrap()
                .contains("oauth_token=tok%20en")
        );
        assert_eq!(
            RequestBuilder::new("a.b", Credentials::anonymous(""))
                .build_with_nonce(now, "n")
                .map(|_| ()),
            Err(GigyaError::MissingCredentials)
        );
    }
}
