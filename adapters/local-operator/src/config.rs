//! Configuration of a [`LocalOperator`](crate::LocalOperator).

use std::fmt;
use std::time::Duration;

use uid2::IdentityScope;

/// The API key of the default test client.
pub const DEFAULT_API_KEY: &str =
    "UID2-C-L-999-LocalOperatorTestKey.6oIqUoPEoQIK6ZLp/W/hI9yKofOV16sYJwL7o9zbo9E=";
/// The client secret (standard base64 of 32 bytes) of the default test client.
pub const DEFAULT_CLIENT_SECRET: &str = "52PqDTUGwTK8btK+QsyC1/HeaUd/huvJCtsnU3+FM84=";
/// The site id of the default test client.
pub const DEFAULT_SITE_ID: i32 = 999;
/// The subscription id of the default client-side key pair (site [`DEFAULT_SITE_ID`]).
pub const DEFAULT_SUBSCRIPTION_ID: &str = "LocalSub999";
/// The API key of the stand-in Gigya endpoint.
pub const DEFAULT_GIGYA_API_KEY: &str = "3_LocalOperatorGigyaTestApiKey";
/// The partner secret (standard base64) of the stand-in Gigya endpoint.
pub const DEFAULT_GIGYA_SECRET: &str = "dWlkMi1sb2NhbC1vcGVyYXRvciBnaWd5YSBzZWNyZXQh";

/// What an API key may call, as the operator's roles.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Role {
    /// `/v2/token/generate` (publishers).
    Generator,
    /// `/v2/identity/map`, `/v3/identity/map`, `/v2/identity/buckets`, `/v2/optout/status`.
    Mapper,
    /// `/v2/key/sharing`, `/v2/optout/status`.
    Sharer,
    /// `/v2/key/bidstream`, `/v2/key/sharing`, `/v2/optout/status` (DSPs).
    IdReader,
}

impl Role {
    /// Every role.
    pub const ALL: [Self; 4] = [Self::Generator, Self::Mapper, Self::Sharer, Self::IdReader];
}

/// One API client: its credentials, its site and its roles.
///
/// `Debug` redacts the API key and the client secret.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClientConfig {
    /// The API key, sent as `Authorization: Bearer <key>`.
    pub api_key: String,
    /// The client secret: standard base64 of 32 bytes.
    pub client_secret: String,
    /// The site the client belongs to: tokens it generates carry this site id, and its key set's
    /// default keyset is this site's.
    pub site_id: i32,
    /// The roles the key has.
    pub roles: Vec<Role>,
}

impl ClientConfig {
    /// A client with these credentials, site and roles.
    #[must_use]
    pub fn new(api_key: &str, client_secret: &str, site_id: i32, roles: &[Role]) -> Self {
        Self {
            api_key: api_key.into(),
            client_secret: client_secret.into(),
            site_id,
            roles: roles.to_vec(),
        }
    }
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfig")
            .field("api_key", &"<redacted>")
            .field("client_secret", &"<redacted>")
            .field("site_id", &self.site_id)
            .field("roles", &self.roles)
            .finish()
    }
}

/// A site: its id and the domain and app names it allows for client-side generated tokens.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SiteConfig {
    /// The site id.
    pub id: i32,
    /// Domain names and app identifiers, sent in `site_data` (sorted).
    pub domain_names: Vec<String>,
}

impl SiteConfig {
    /// A site with these names.
    #[must_use]
    pub fn new(id: i32, domain_names: &[&str]) -> Self {
        Self {
            id,
            domain_names: domain_names.iter().map(|&d| d.into()).collect(),
        }
    }
}

/// A client-side key pair: the subscription id publishers send to
/// `/v2/token/client-generate`, the site its tokens are issued for, and whether it is disabled
/// (401 `unauthorized`). The key pair itself is derived from the seed and the subscription id;
/// [`LocalOperator::client_side_public_key`](crate::LocalOperator::client_side_public_key)
/// gives its public key.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClientSideKeypairConfig {
    /// The subscription id.
    pub subscription_id: String,
    /// The site tokens are issued for; origins and app names are checked against its names.
    pub site_id: i32,
    /// A disabled key pair is refused with 401.
    pub disabled: bool,
}

impl ClientSideKeypairConfig {
    /// An enabled key pair for `site_id`.
    #[must_use]
    pub fn new(subscription_id: &str, site_id: i32) -> Self {
        Self {
            subscription_id: subscription_id.into(),
            site_id,
            disabled: false,
        }
    }
}

/// How [`LocalOperator::start`](crate::LocalOperator::start) sets up the operator.
///
/// Start from [`Default`] and change fields:
///
/// ```
/// use uid2_local_operator::LocalOperatorConfig;
/// let mut config = LocalOperatorConfig::default();
/// config.opt_out.push("optout.user@example.com".into());
/// ```
///
/// `Debug` redacts the seed and the clients' credentials.
#[derive(Clone)]
#[non_exhaustive]
pub struct LocalOperatorConfig {
    /// TCP port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// UID2 or EUID: written into key sets, tokens and raw UIDs.
    pub scope: IdentityScope,
    /// The API clients. The first one is the "test client" the handle reports.
    pub clients: Vec<ClientConfig>,
    /// The sites; each gets its own keyset. Every client's site should be listed.
    pub sites: Vec<SiteConfig>,
    /// Client-side key pairs (`/v2/token/client-generate`). The first one is the one the handle
    /// reports.
    pub client_side_keypairs: Vec<ClientSideKeypairConfig>,
    /// Whether `/v2/token/client-generate` checks the `Origin` header or `app_name` against the
    /// site's names (as production operators do). On by default.
    pub check_client_side_origin: bool,
    /// Emails and phone numbers (raw, normalized by the operator's rules) and email/phone
    /// hashes (standard base64) that have opted out.
    pub opt_out: Vec<String>,
    /// Seed for keys, raw UIDs, salt buckets and refresh-token protection. The same seed gives
    /// the same keys and raw UIDs on every run.
    pub seed: [u8; 32],
    /// How often a keyset gets a new key. Each key is active for two periods, and the next key
    /// is published one period before it activates.
    pub key_rotation: Duration,
    /// Lifetime of advertising tokens (`identity_expires` − now).
    pub identity_ttl: Duration,
    /// Time after which a refresh is due (`refresh_from` − now).
    pub refresh_after: Duration,
    /// Lifetime of refresh tokens (`refresh_expires` − now).
    pub refresh_ttl: Duration,
    /// `token_expiry_seconds` of the sharing key set.
    pub sharing_token_expiry: Duration,
    /// `max_sharing_lifetime_seconds` of the sharing key set.
    pub max_sharing_lifetime: Duration,
    /// `max_bidstream_lifetime_seconds` of the bidstream key set.
    pub max_bidstream_lifetime: Duration,
    /// `allow_clock_skew_seconds` of both key sets.
    pub allow_clock_skew: Duration,
    /// Number of salt buckets.
    pub salt_buckets: u32,
    /// How often each salt bucket rotates (buckets are spread evenly over the period).
    pub salt_rotation: Duration,
    /// The API key the stand-in Gigya endpoint (`/accounts.getAccountInfo`) accepts.
    pub gigya_api_key: String,
    /// The partner secret (standard base64) Gigya requests must be signed with.
    pub gigya_secret: String,
}

impl fmt::Debug for LocalOperatorConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalOperatorConfig")
            .field("port", &self.port)
            .field("scope", &self.scope)
            .field("clients", &self.clients)
            .field("sites", &self.sites)
            .field("client_side_keypairs", &self.client_side_keypairs)
            .field("check_client_side_origin", &self.check_client_side_origin)
            .field("opt_out", &self.opt_out.len())
            .field("seed", &"<redacted>")
            .field("key_rotation", &self.key_rotation)
            .field("identity_ttl", &self.identity_ttl)
            .field("refresh_after", &self.refresh_after)
            .field("refresh_ttl", &self.refresh_ttl)
            .field("sharing_token_expiry", &self.sharing_token_expiry)
            .field("max_sharing_lifetime", &self.max_sharing_lifetime)
            .field("max_bidstream_lifetime", &self.max_bidstream_lifetime)
            .field("allow_clock_skew", &self.allow_clock_skew)
            .field("salt_buckets", &self.salt_buckets)
            .field("salt_rotation", &self.salt_rotation)
            .field("gigya_api_key", &self.gigya_api_key)
            .field("gigya_secret", &"<redacted>")
            .finish()
    }
}

impl Default for LocalOperatorConfig {
    fn default() -> Self {
        const DAY: u64 = 86_400;
        Self {
            port: 0,
            scope: IdentityScope::Uid2,
            clients: vec![ClientConfig::new(
                DEFAULT_API_KEY,
                DEFAULT_CLIENT_SECRET,
                DEFAULT_SITE_ID,
                &Role::ALL,
            )],
            sites: vec![
                SiteConfig::new(
                    DEFAULT_SITE_ID,
                    &["example.com", "example.org", "com.example.app"],
                ),
                SiteConfig::new(1000, &["example.net", "example.edu"]),
            ],
            client_side_keypairs: vec![ClientSideKeypairConfig::new(
                DEFAULT_SUBSCRIPTION_ID,
                DEFAULT_SITE_ID,
            )],
            check_client_side_origin: true,
            opt_out: Vec::new(),
            seed: *b"uid2-local-operator default seed",
            key_rotation: Duration::from_secs(DAY),
            identity_ttl: Duration::from_secs(3 * 3600),
            refresh_after: Duration::from_secs(3600),
            refresh_ttl: Duration::from_secs(30 * DAY),
            sharing_token_expiry: Duration::from_secs(30 * DAY),
            max_sharing_lifetime: Duration::from_secs(30 * DAY + 10),
            max_bidstream_lifetime: Duration::from_secs(3 * DAY + 10),
            allow_clock_skew: Duration::from_secs(1800),
            salt_buckets: 16,
            salt_rotation: Duration::from_secs(365 * DAY),
            gigya_api_key: DEFAULT_GIGYA_API_KEY.into(),
            gigya_secret: DEFAULT_GIGYA_SECRET.into(),
        }
    }
}
