//! The operator's state and endpoint logic, independent of HTTP plumbing.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use serde_json::{Map, Value, json};
use uid2::envelope::{BodyEncoding, RefreshResponseKey};
use uid2::identity::{IdentityKind, hash_email, hash_phone, hashed_email, hashed_phone};
use uid2::server::{OpenedRequest, open_request};
use uid2::token::{TokenBuilder, TokenVersion};
use uid2::{IdentityScope, IdentityType, Secret, SecureRandom, Timestamp};

use crate::config::{LocalOperatorConfig, Role};
use crate::derive::{Mapping, RefreshClaims, Salt, Subject, digest, format_utc_millis};
use crate::fault::{Fault, FaultRule};
use crate::keys::{self, KeySchedule, KeySetHeader, MASTER_KEYSET_ID};
use crate::random::OsRandom;

/// Paths the operator answers.
pub(crate) mod paths {
    pub(crate) const TOKEN_GENERATE: &str = "/v2/token/generate";
    pub(crate) const TOKEN_REFRESH: &str = "/v2/token/refresh";
    pub(crate) const IDENTITY_MAP_V2: &str = "/v2/identity/map";
    pub(crate) const IDENTITY_MAP_V3: &str = "/v3/identity/map";
    pub(crate) const IDENTITY_BUCKETS: &str = "/v2/identity/buckets";
    pub(crate) const KEY_SHARING: &str = "/v2/key/sharing";
    pub(crate) const KEY_BIDSTREAM: &str = "/v2/key/bidstream";
    pub(crate) const OPTOUT_STATUS: &str = "/v2/optout/status";
    pub(crate) const CLIENT_GENERATE: &str = "/v2/token/client-generate";
    pub(crate) const TOKEN_VALIDATE: &str = "/v2/token/validate";
}

mod client_side;

/// Privacy bits of tokens issued by `/v2/token/generate`: the legacy bit.
const PRIVACY_BITS_SERVER_SIDE: u32 = 0b01;
/// Privacy bits of tokens issued by `/v2/token/client-generate`: legacy and client-side bits.
const PRIVACY_BITS_CLIENT_SIDE: u32 = 0b11;

/// Documented test identities: token generate always answers `optout`.
const GENERATE_OPTOUT: [&str; 2] = ["optout@example.com", "+00000000002"];
/// Documented test identities: generate succeeds, refresh answers `optout`.
const REFRESH_OPTOUT: [&str; 2] = ["refresh-optout@example.com", "+00000000000"];
/// Most advertising ids one `/v2/optout/status` request may carry.
const MAX_OPTOUT_IDS: usize = 5_000;

/// An HTTP request as the operator sees it.
pub(crate) struct Request<'a> {
    pub(crate) path: &'a str,
    pub(crate) authorization: Option<&'a str>,
    pub(crate) content_type: Option<&'a str>,
    /// The `Origin` header (checked by `/v2/token/client-generate`).
    pub(crate) origin: Option<&'a str>,
    pub(crate) body: &'a [u8],
}

/// An HTTP reply.
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) content_type: &'static str,
    pub(crate) body: Vec<u8>,
}

impl Reply {
    pub(crate) fn json(status: u16, value: &Value) -> Self {
        Self {
            status,
            content_type: "application/json",
            body: value.to_string().into_bytes(),
        }
    }

    pub(crate) fn error(status: u16, operator_status: &str, message: &str) -> Self {
        Self::json(
            status,
            &json!({"status": operator_status, "message": message}),
        )
    }

    pub(crate) fn unauthorized() -> Self {
        Self::json(401, &json!({"status": "unauthorized"}))
    }

    pub(crate) fn empty(status: u16) -> Self {
        Self {
            status,
            content_type: "text/plain",
            body: Vec::new(),
        }
    }

    fn client_error(message: &str) -> Self {
        Self::error(400, "client_error", message)
    }
}

/// How to seal a 200 reply (fault injection can spoil it).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Seal {
    Normal,
    WrongNonce,
    WrongKey,
}

/// A configured API client.
struct Client {
    api_key: String,
    secret: Secret<32>,
    site_id: i32,
    roles: Vec<Role>,
}

/// The clock: the system time, shifted, or a fixed time.
#[derive(Clone, Copy, Default)]
pub(crate) struct Clock {
    pub(crate) offset_ms: i64,
    pub(crate) fixed: Option<Timestamp>,
}

/// What can change while the operator runs.
#[derive(Default)]
pub(crate) struct Runtime {
    pub(crate) faults: Vec<FaultRule>,
    pub(crate) latency: Duration,
    pub(crate) clock: Clock,
    /// Opted-out subjects and since when.
    pub(crate) opt_out: HashMap<Subject, Timestamp>,
    pub(crate) requests: HashMap<String, u64>,
    pub(crate) log: VecDeque<crate::record::RecordedRequest>,
}

/// Everything the endpoints need.
pub(crate) struct Operator {
    pub(crate) config: LocalOperatorConfig,
    clients: Vec<Client>,
    schedule: KeySchedule,
    salt: Salt,
    refresh_key: RefreshResponseKey,
    /// `(site id, keyset id, names)`.
    sites: Vec<(i64, i64, Vec<String>)>,
    refresh_optout: HashSet<Subject>,
    generate_optout: HashSet<Subject>,
    /// Client-side key pairs, in configuration order.
    client_side: Vec<client_side::Keypair>,
    pub(crate) runtime: Mutex<Runtime>,
}

/// A configuration problem found at start.
#[derive(Debug)]
pub(crate) struct ConfigError(pub(crate) String);

/// Reads an opt-out entry: an email, a phone number, or a hash (then both kinds).
pub(crate) fn subjects_of(entry: &str) -> Vec<Subject> {
    let hashed =
        |kind, h: uid2::identity::HashedIdentity| Subject::from_hash_text(kind, h.as_str());
    if let Ok(h) = hash_phone(entry) {
        return hashed(IdentityKind::Phone, h).into_iter().collect();
    }
    if entry.contains('@') {
        return hash_email(entry)
            .ok()
            .and_then(|h| hashed(IdentityKind::Email, h))
            .into_iter()
            .collect();
    }
    let mut out = Vec::new();
    if let Ok(h) = hashed_email(entry) {
        out.extend(hashed(IdentityKind::Email, h));
    }
    if let Ok(h) = hashed_phone(entry) {
        out.extend(hashed(IdentityKind::Phone, h));
    }
    out
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

fn lock(m: &Mutex<Runtime>) -> MutexGuard<'_, Runtime> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Operator {
    pub(crate) fn new(config: LocalOperatorConfig, now: Timestamp) -> Result<Self, ConfigError> {
        let mut clients = Vec::new();
        for c in &config.clients {
            let secret = Secret::from_base64(c.client_secret.trim()).map_err(|_| {
                ConfigError("a client secret is not standard base64 of 32 bytes".into())
            })?;
            clients.push(Client {
                api_key: c.api_key.trim().into(),
                secret,
                site_id: c.site_id,
                roles: c.roles.clone(),
            });
        }
        let mut sites = Vec::new();
        for (i, s) in config.sites.iter().enumerate() {
            let keyset = i64::try_from(i).unwrap_or(i64::MAX).saturating_add(2);
            sites.push((i64::from(s.id), keyset, s.domain_names.clone()));
        }
        for c in &clients {
            if !sites.iter().any(|&(id, _, _)| id == i64::from(c.site_id)) {
                let keyset = i64::try_from(sites.len())
                    .unwrap_or(i64::MAX)
                    .saturating_add(2);
                sites.push((i64::from(c.site_id), keyset, Vec::new()));
            }
        }
        if sites.len() > 2000 {
            return Err(ConfigError("too many sites".into()));
        }
        let mut opt_out = HashMap::new();
        for entry in &config.opt_out {
            for s in subjects_of(entry) {
                opt_out.insert(s, now);
            }
        }
        let of = |list: [&str; 2]| list.iter().flat_map(|e| subjects_of(e)).collect();
        let client_side = client_side::keypairs(&config)?;
        let seed = config.seed;
        Ok(Self {
            schedule: KeySchedule::new(seed, millis(config.key_rotation)),
            salt: Salt::new(
                seed,
                config.scope,
                config.salt_buckets,
                millis(config.salt_rotation),
            ),
            refresh_key: RefreshResponseKey::new(digest(&seed, &[b"refresh-token-key"])),
            refresh_optout: of(REFRESH_OPTOUT),
            generate_optout: of(GENERATE_OPTOUT),
            client_side,
            sites,
            clients,
            runtime: Mutex::new(Runtime {
                opt_out,
                ..Runtime::default()
            }),
            config,
        })
    }

    pub(crate) fn runtime(&self) -> MutexGuard<'_, Runtime> {
        lock(&self.runtime)
    }

    /// The operator's clock.
    pub(crate) fn now(&self) -> Timestamp {
        let clock = self.runtime().clock;
        if let Some(t) = clock.fixed {
            return t;
        }
        #[expect(
            clippy::disallowed_methods,
            reason = "the local operator is an adapter: it reads the system clock for the core"
        )]
        let system = Timestamp::from(std::time::SystemTime::now());
        system.saturating_add_millis(clock.offset_ms)
    }

    fn scope_name(&self) -> &'static str {
        self.config.scope.as_str()
    }

    fn keyset_of_site(&self, site_id: i32) -> Option<i64> {
        self.sites
            .iter()
            .find(|&&(id, _, _)| id == i64::from(site_id))
            .map(|&(_, ks, _)| ks)
    }

    fn client(&self, authorization: Option<&str>) -> Option<&Client> {
        let value = authorization?.trim();
        let (scheme, key) = value.split_at_checked(7)?;
        if !scheme.eq_ignore_ascii_case("bearer ") {
            return None;
        }
        let key = key.trim();
        self.clients.iter().find(|c| c.api_key == key)
    }

    fn is_opted_out(&self, s: Subject) -> Option<Timestamp> {
        self.runtime().opt_out.get(&s).copied()
    }

    /// Answers one request. `seal` spoils the sealing of a 200 reply for fault injection.
    pub(crate) fn handle(&self, req: &Request<'_>, seal: Seal) -> Reply {
        let now = self.now();
        if req.path == paths::TOKEN_REFRESH {
            return self.token_refresh(req, seal, now);
        }
        if req.path == paths::CLIENT_GENERATE {
            return self.client_generate(req, now);
        }
        let roles: &[Role] = match req.path {
            paths::TOKEN_GENERATE | paths::TOKEN_VALIDATE => &[Role::Generator],
            paths::IDENTITY_MAP_V2 | paths::IDENTITY_MAP_V3 | paths::IDENTITY_BUCKETS => {
                &[Role::Mapper]
            }
            paths::KEY_SHARING => &[Role::Sharer, Role::IdReader],
            paths::KEY_BIDSTREAM => &[Role::IdReader],
            paths::OPTOUT_STATUS => &[Role::Mapper, Role::Sharer, Role::IdReader],
            _ => return Reply::error(404, "unknown", "no such endpoint"),
        };
        let Some(client) = self.client(req.authorization) else {
            return Reply::unauthorized();
        };
        if !client.roles.iter().any(|r| roles.contains(r)) {
            return Reply::unauthorized();
        }
        let opened = match open_request(&client.secret, req.content_type, req.body) {
            Ok(o) => o,
            Err(e) => return Reply::client_error(e.message()),
        };
        if let Err(e) = opened.check_timestamp(now) {
            return Reply::client_error(e.message());
        }
        let payload = if opened.payload().is_empty() {
            Map::new()
        } else {
            match serde_json::from_slice::<Map<String, Value>>(opened.payload()) {
                Ok(m) => m,
                Err(_) => return Reply::client_error("Invalid payload in body"),
            }
        };
        let result = match req.path {
            paths::TOKEN_GENERATE => self.token_generate(client, &payload, now),
            paths::TOKEN_VALIDATE => self.token_validate(client, &payload, now),
            paths::IDENTITY_MAP_V2 => self.identity_map_v2(&payload, now),
            paths::IDENTITY_MAP_V3 => self.identity_map_v3(&payload, now),
            paths::IDENTITY_BUCKETS => self.identity_buckets(&payload, now),
            paths::KEY_SHARING => Ok(success(self.sharing_body(client, now))),
            paths::KEY_BIDSTREAM => Ok(success(self.bidstream_body(now))),
            _ => self.optout_status(&payload),
        };
        match result {
            Ok(document) => self.seal(client, &opened, &document, seal, now),
            Err(reply) => reply,
        }
    }

    fn seal(
        &self,
        client: &Client,
        opened: &OpenedRequest,
        document: &Value,
        seal: Seal,
        now: Timestamp,
    ) -> Reply {
        let doc = document.to_string().into_bytes();
        let mut rng = OsRandom;
        let sealed = match seal {
            Seal::Normal => opened.seal_response(&client.secret, now, &doc, &mut rng),
            Seal::WrongNonce => {
                let mut nonce = opened.nonce();
                for b in &mut nonce {
                    *b ^= 0xa5;
                }
                uid2::server::seal_response(
                    &client.secret,
                    now,
                    &nonce,
                    &doc,
                    opened.encoding(),
                    &mut rng,
                )
            }
            Seal::WrongKey => {
                let other = Secret::new(digest(&self.config.seed, &[b"wrong key"]));
                opened.seal_response(&other, now, &doc, &mut rng)
            }
        };
        match sealed {
            Ok(body) => Reply {
                status: 200,
                content_type: opened.encoding().content_type(),
                body,
            },
            Err(_) => Reply::error(500, "unknown", "failed to seal the response"),
        }
    }

    // -----------------------------------------------------------------------------------------
    // Tokens
    // -----------------------------------------------------------------------------------------

    /// Reads the one identity of a token generate request.
    fn generate_subject(payload: &Map<String, Value>) -> Result<(Subject, Option<String>), Reply> {
        let fields = ["email", "email_hash", "phone", "phone_hash"];
        let present: Vec<(&str, &Value)> = fields
            .iter()
            .filter_map(|&f| payload.get(f).filter(|v| !v.is_null()).map(|v| (f, v)))
            .collect();
        let [(field, value)] = present.as_slice() else {
            return Err(Reply::client_error(
                "Required Parameter Missing: exactly one of [email, email_hash, phone, phone_hash] must be specified",
            ));
        };
        let invalid = || Reply::client_error("Invalid Identifier");
        let text = value.as_str().ok_or_else(invalid)?;
        let (kind, hash) = match *field {
            "email" => (IdentityKind::Email, hash_email(text)),
            "phone" => (IdentityKind::Phone, hash_phone(text)),
            "email_hash" => (IdentityKind::Email, hashed_email(text)),
            _ => (IdentityKind::Phone, hashed_phone(text)),
        };
        let hash = hash.map_err(|_| invalid())?;
        let subject = Subject::from_hash_text(kind, hash.as_str()).ok_or_else(invalid)?;
        let raw = matches!(*field, "email" | "phone").then(|| text.to_owned());
        Ok((subject, raw))
    }

    fn token_generate(
        &self,
        client: &Client,
        payload: &Map<String, Value>,
        now: Timestamp,
    ) -> Result<Value, Reply> {
        let (subject, _) = Self::generate_subject(payload)?;
        if let Some(tcf) = payload.get("tcf_consent_string")
            && self.config.scope == IdentityScope::Euid
            && tcf.as_str().is_none_or(|t| t.trim().is_empty())
        {
            return Err(Reply::client_error("User consent is invalid"));
        }
        if self.generate_optout.contains(&subject) || self.is_opted_out(subject).is_some() {
            return Ok(json!({"status": "optout"}));
        }
        let identity =
            self.issue_identity(subject, client.site_id, now, now, PRIVACY_BITS_SERVER_SIDE)?;
        Ok(success(identity))
    }

    /// A new identity for `subject`: advertising token, refresh token and their times.
    fn issue_identity(
        &self,
        subject: Subject,
        site_id: i32,
        established: Timestamp,
        now: Timestamp,
        privacy_bits: u32,
    ) -> Result<Value, Reply> {
        use base64::Engine as _;
        let internal = || Reply::error(500, "unknown", "failed to issue the identity");
        let mapping = self.salt.map(subject, now);
        let identity_expires = now.saturating_add_millis(millis(self.config.identity_ttl));
        let token = self
            .advertising_token(
                &mapping.raw_uid,
                subject.kind,
                site_id,
                established,
                now,
                privacy_bits,
            )
            .map_err(|()| internal())?;
        let mut rng = OsRandom;
        let mut response_key = [0u8; 32];
        rng.fill(&mut response_key).map_err(|_| internal())?;
        let refresh_expires = now.saturating_add_millis(millis(self.config.refresh_ttl));
        let claims = RefreshClaims {
            subject,
            site_id,
            established,
            refresh_expires,
            response_key,
            client_side: privacy_bits & 0b10 != 0,
        };
        let refresh_token = claims
            .seal(&self.refresh_key, &mut rng)
            .map_err(|_| internal())?;
        Ok(json!({
            "advertising_token": token,
            "refresh_token": refresh_token,
            "identity_expires": identity_expires.as_millis(),
            "refresh_expires": refresh_expires.as_millis(),
            "refresh_from": now.saturating_add_millis(millis(self.config.refresh_after)).as_millis(),
            "refresh_response_key": base64::engine::general_purpose::STANDARD.encode(response_key),
        }))
    }

    /// A v4 advertising token for `raw_uid`, sealed with the current master key and the
    /// current key of the site's keyset.
    pub(crate) fn advertising_token(
        &self,
        raw_uid: &str,
        kind: IdentityKind,
        site_id: i32,
        established: Timestamp,
        now: Timestamp,
        privacy_bits: u32,
    ) -> Result<String, ()> {
        let keyset = self.keyset_of_site(site_id).ok_or(())?;
        let master = self
            .schedule
            .active(MASTER_KEYSET_ID, now)
            .to_core()
            .ok_or(())?;
        let site = self.schedule.active(keyset, now).to_core().ok_or(())?;
        let identity_type = match kind {
            IdentityKind::Phone => IdentityType::Phone,
            _ => IdentityType::Email,
        };
        let token = TokenBuilder::new(TokenVersion::V4, raw_uid, &master, &site, now)
            .scope(self.config.scope)
            .identity_type(identity_type)
            .site_id(site_id)
            .privacy_bits(privacy_bits)
            .established(established)
            .expires(now.saturating_add_millis(millis(self.config.identity_ttl)))
            .build(&mut OsRandom)
            .map_err(|_| ())?;
        Ok(token.as_str().to_owned())
    }

    fn token_refresh(&self, req: &Request<'_>, seal: Seal, now: Timestamp) -> Reply {
        let authenticated = self.client(req.authorization).is_some();
        let fail = |status: &str, message: &str| {
            if authenticated {
                Reply::error(400, status, message)
            } else {
                Reply::error(400, "error", "Error refreshing token")
            }
        };
        let token = std::str::from_utf8(req.body).unwrap_or("").trim();
        if token.is_empty() {
            return fail("client_error", "Required Parameter Missing: refresh_token");
        }
        let Some(claims) = RefreshClaims::open(&self.refresh_key, token) else {
            return fail("invalid_token", "Invalid Token");
        };
        if now > claims.refresh_expires {
            return fail("expired_token", "Expired Token");
        }
        let document = if self.refresh_optout.contains(&claims.subject)
            || self.is_opted_out(claims.subject).is_some()
        {
            json!({"status": "optout"})
        } else {
            let bits = if claims.client_side {
                PRIVACY_BITS_CLIENT_SIDE
            } else {
                PRIVACY_BITS_SERVER_SIDE
            };
            match self.issue_identity(
                claims.subject,
                claims.site_id,
                claims.established,
                now,
                bits,
            ) {
                Ok(identity) => success(identity),
                Err(reply) => return reply,
            }
        };
        let key = match seal {
            Seal::Normal => RefreshResponseKey::new(claims.response_key),
            Seal::WrongNonce | Seal::WrongKey => {
                RefreshResponseKey::new(digest(&self.config.seed, &[b"wrong key"]))
            }
        };
        let doc = document.to_string().into_bytes();
        match uid2::server::seal_refresh_response(&key, &doc, &mut OsRandom) {
            Ok(body) => Reply {
                status: 200,
                content_type: "text/plain",
                body,
            },
            Err(_) => Reply::error(500, "unknown", "failed to seal the response"),
        }
    }

    // -----------------------------------------------------------------------------------------
    // Identity map
    // -----------------------------------------------------------------------------------------

    /// Maps one request element: `Ok(mapping)`, or `Err(reason)` for unmapped.
    fn map_one(&self, field: &str, value: &str, now: Timestamp) -> Result<Mapping, &'static str> {
        let (kind, hash) = match field {
            "email" => (IdentityKind::Email, hash_email(value)),
            "phone" => (IdentityKind::Phone, hash_phone(value)),
            "email_hash" => (IdentityKind::Email, hashed_email(value)),
            _ => (IdentityKind::Phone, hashed_phone(value)),
        };
        let subject = hash
            .ok()
            .and_then(|h| Subject::from_hash_text(kind, h.as_str()))
            .ok_or("invalid identifier")?;
        if self.is_opted_out(subject).is_some() {
            return Err("optout");
        }
        Ok(self.salt.map(subject, now))
    }

    /// The string elements of `payload[field]` (missing = empty).
    fn string_list<'p>(
        payload: &'p Map<String, Value>,
        field: &str,
    ) -> Result<Vec<&'p str>, Reply> {
        match payload.get(field) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| {
                    v.as_str()
                        .ok_or_else(|| Reply::client_error("Incorrect request format"))
                })
                .collect(),
            Some(_) => Err(Reply::client_error("Incorrect request format")),
        }
    }

    fn identity_map_v2(
        &self,
        payload: &Map<String, Value>,
        now: Timestamp,
    ) -> Result<Value, Reply> {
        let fields = ["email", "email_hash", "phone", "phone_hash"];
        let mut lists = Vec::new();
        for f in fields {
            if payload.contains_key(f) {
                lists.push((f, Self::string_list(payload, f)?));
            }
        }
        if lists.is_empty() || lists.iter().filter(|(_, l)| !l.is_empty()).count() > 1 {
            return Err(Reply::client_error(
                "Required Parameter Missing: exactly one of email, email_hash, phone, phone_hash must be specified",
            ));
        }
        let (field, items) = lists
            .into_iter()
            .find(|(_, l)| !l.is_empty())
            .unwrap_or(("email", Vec::new()));
        let mut mapped = Vec::new();
        let mut unmapped = Vec::new();
        for item in items {
            match self.map_one(field, item, now) {
                Ok(m) => mapped.push(json!({
                    "identifier": item,
                    "advertising_id": m.raw_uid,
                    "bucket_id": m.bucket_id,
                })),
                Err(reason) => unmapped.push(json!({"identifier": item, "reason": reason})),
            }
        }
        let mut body = Map::new();
        body.insert("mapped".into(), Value::Array(mapped));
        if !unmapped.is_empty() {
            body.insert("unmapped".into(), Value::Array(unmapped));
        }
        Ok(success(Value::Object(body)))
    }

    fn identity_map_v3(
        &self,
        payload: &Map<String, Value>,
        now: Timestamp,
    ) -> Result<Value, Reply> {
        let fields = ["email", "email_hash", "phone", "phone_hash"];
        if !fields.iter().any(|f| payload.contains_key(*f)) {
            return Err(Reply::client_error("Incorrect request format"));
        }
        let mut body = Map::new();
        for f in fields {
            let entries: Vec<Value> = Self::string_list(payload, f)?
                .into_iter()
                .map(|item| match self.map_one(f, item, now) {
                    Ok(m) => json!({
                        "u": m.raw_uid,
                        "p": m.previous_raw_uid,
                        "r": m.refresh_from.as_secs_floor(),
                    }),
                    Err(reason) => json!({"e": reason}),
                })
                .collect();
            body.insert(f.into(), Value::Array(entries));
        }
        Ok(success(Value::Object(body)))
    }

    fn identity_buckets(
        &self,
        payload: &Map<String, Value>,
        now: Timestamp,
    ) -> Result<Value, Reply> {
        let bad = || Reply::client_error("invalid date, must conform to ISO 8601");
        let since = payload
            .get("since_timestamp")
            .and_then(Value::as_str)
            .and_then(uid2::operator::salt_buckets::parse_utc_date_time)
            .ok_or_else(bad)?;
        let mut buckets = Vec::new();
        for b in 0..self.salt.bucket_count() {
            let last = self.salt.last_rotation(b, now);
            if last >= since {
                buckets.push(json!({
                    "bucket_id": Salt::bucket_id(b),
                    "last_updated": format_utc_millis(last),
                }));
            }
        }
        Ok(success(Value::Array(buckets)))
    }

    fn optout_status(&self, payload: &Map<String, Value>) -> Result<Value, Reply> {
        let ids = Self::string_list(payload, "advertising_ids")?;
        if ids.len() > MAX_OPTOUT_IDS {
            return Err(Reply::client_error("Request payload is too large"));
        }
        let now = self.now();
        let opted: Vec<(String, Timestamp)> = {
            let rt = self.runtime();
            rt.opt_out
                .iter()
                .map(|(s, t)| (self.salt.map(*s, now), *t))
                .flat_map(|(m, t)| {
                    std::iter::once((m.raw_uid, t)).chain(m.previous_raw_uid.map(|p| (p, t)))
                })
                .collect()
        };
        let list: Vec<Value> = ids
            .iter()
            .filter_map(|id| {
                opted.iter().find(|(uid, _)| uid == id).map(
                    |(uid, t)| json!({"advertising_id": uid, "opted_out_since": t.as_millis()}),
                )
            })
            .collect();
        Ok(success(json!({ "opted_out": list })))
    }

    // -----------------------------------------------------------------------------------------
    // Key sets
    // -----------------------------------------------------------------------------------------

    fn header(&self, caller_site_id: i32) -> KeySetHeader<'_> {
        let secs = |d: Duration| d.as_secs();
        KeySetHeader {
            scope: self.scope_name(),
            caller_site_id: i64::from(caller_site_id),
            default_keyset_id: self.keyset_of_site(caller_site_id),
            token_expiry_seconds: secs(self.config.sharing_token_expiry),
            max_sharing_lifetime_seconds: secs(self.config.max_sharing_lifetime),
            max_bidstream_lifetime_seconds: secs(self.config.max_bidstream_lifetime),
            allow_clock_skew_seconds: secs(self.config.allow_clock_skew),
            sites: &self.sites,
        }
    }

    fn sharing_body(&self, client: &Client, now: Timestamp) -> Value {
        keys::sharing_body(&self.schedule, &self.header(client.site_id), now)
    }

    pub(crate) fn sharing_body_for_site(&self, site_id: i32, now: Timestamp) -> Value {
        keys::sharing_body(&self.schedule, &self.header(site_id), now)
    }

    pub(crate) fn bidstream_body(&self, now: Timestamp) -> Value {
        let site = self.clients.first().map_or(0, |c| c.site_id);
        keys::bidstream_body(&self.schedule, &self.header(site), now)
    }

    pub(crate) fn map_subject(&self, s: Subject, now: Timestamp) -> Mapping {
        self.salt.map(s, now)
    }

    /// The first client's credentials.
    pub(crate) fn first_client(&self) -> Option<(&str, i32)> {
        self.clients
            .first()
            .map(|c| (c.api_key.as_str(), c.site_id))
    }
}

/// `{"status":"success","body":…}`.
fn success(body: Value) -> Value {
    json!({"status": "success", "body": body})
}

/// Which encoding a reply to this request would use (for fault replies).
pub(crate) fn reply_encoding(content_type: Option<&str>) -> BodyEncoding {
    BodyEncoding::of_response(content_type)
}

/// Fault replies that need no operator logic.
pub(crate) fn fault_reply(fault: Fault, content_type: Option<&str>) -> Option<Reply> {
    Some(match fault {
        Fault::Unauthorized => Reply::unauthorized(),
        Fault::RateLimited => Reply::empty(429),
        Fault::ServerError => Reply::error(500, "unknown", "injected failure"),
        Fault::Status(s) => Reply::empty(s),
        Fault::Garbage => Reply {
            status: 200,
            content_type: reply_encoding(content_type).content_type(),
            body: b"<html><body>this is not an operator response</body></html>".to_vec(),
        },
        _ => return None,
    })
}
