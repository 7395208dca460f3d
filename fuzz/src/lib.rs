//! The fuzz targets' bodies, shared with the corpus-replay test (`tests/fuzz_replay.rs`), which
//! runs every committed input through the same functions on stable Rust.
//!
//! Each check takes the raw fuzz input and panics only when a property fails: a status that
//! contradicts the input, a round trip that changes a value, a value that differs from the one
//! the input was built to produce. Inputs that are merely invalid get typed errors, which the
//! checks accept.
//!
//! The fixtures: a key set with a master (164), a default-keyset (165) and a site key (166, site
//! 77), a fixed `now`, a client secret, and an RSA key with its JWKS for the id_token checks.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, OnceLock};

use arbitrary::{Arbitrary, Unstructured};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};
use rsa::sha2::Sha256;
use uid2::envelope::{BodyEncoding, ClientSecret, open_refresh_response, seal_request};
use uid2::gigya::{self, Endpoint, GigyaError, Jwks, Response};
use uid2::identity::{self, IdentityError};
use uid2::key::{KeyParams, KeySetBuilder, KeySetConfig};
use uid2::operator::identity_map_v2::IdentityMapV2Request;
use uid2::operator::identity_map_v3::IdentityMapV3Input;
use uid2::operator::optout_status::OptoutStatusRequest;
use uid2::operator::salt_buckets::{SaltBucketsRequest, parse_utc_date_time};
use uid2::operator::{IdentityTokens, TokenResponse};
use uid2::random::ReplayRandom;
use uid2::token::{
    ClientType, DecryptError, DecryptStatus, RawLayers, TokenBuilder, TokenVersion, seal_layers,
};
use uid2::{IdentityScope, IdentityType, Key, KeySet, Secret, Timestamp};

/// The time every target decrypts at.
pub const NOW: Timestamp = Timestamp::from_millis(1_700_000_000_000);

const DAY: i64 = 86_400_000;

/// The client secret of the envelope targets.
pub const SECRET: &str = "ioG3wKxAokmp+rERx6A4kM/13qhyolUXIu14WN16Spo=";

/// A target's body: takes the raw fuzz input, panics only when a property fails.
pub type Check = fn(&[u8]);

/// Every target, by name: the fuzz binaries and the replay test call these.
pub const TARGETS: &[(&str, Check)] = &[
    ("decrypt", decrypt),
    ("decrypt_built", decrypt_built),
    ("token_plaintext", token_plaintext),
    ("keyset_parse", keyset_parse),
    ("keyset_tokens", keyset_tokens),
    ("envelope_open", envelope_open),
    ("envelope_request", envelope_request),
    ("operator_documents", operator_documents),
    ("identity", identity),
    ("identity_tokens", identity_tokens),
    ("identity_map_v3", identity_map_v3),
    ("id_token", id_token),
];

/// The secret byte of each fixture key.
const fn fill(id: i64) -> u8 {
    match id {
        164 => 0x5a,
        165 => 0xa5,
        _ => 0x3c,
    }
}

/// A key valid from a day before [`NOW`] until 400 days after.
#[must_use]
pub fn key(id: i64, keyset: i64, site_id: Option<i64>) -> Key {
    let params = KeyParams {
        id,
        keyset_id: Some(keyset),
        site_id,
        created: NOW,
        activates: NOW.saturating_sub_millis(DAY),
        expires: NOW.saturating_add_millis(400 * DAY),
    };
    match Key::new(params, Secret::new([fill(id); 32])) {
        Ok(k) => k,
        Err(e) => unreachable!("the fixture key is valid: {e:?}"),
    }
}

/// Master key 164 (keyset 1), default-keyset key 165 (keyset 2) and site key 166 (site 77);
/// site 77 serves `example.com` and the app `com.example.app`.
#[must_use]
pub fn keys(scope: IdentityScope) -> KeySet {
    let mut config = KeySetConfig::default();
    config.identity_scope = scope;
    config.master_keyset_id = Some(1);
    config.default_keyset_id = Some(2);
    config.caller_site_id = Some(77);
    let mut b = KeySetBuilder::new(config);
    for k in [key(164, 1, None), key(165, 2, None), key(166, 3, Some(77))] {
        if b.key(k).is_err() {
            unreachable!("three keys fit any key set");
        }
    }
    if b.site(77, ["example.com", "com.example.app"]).is_err() {
        unreachable!("one site fits any key set");
    }
    b.build()
}

fn scope_of(bit: bool) -> IdentityScope {
    if bit {
        IdentityScope::Euid
    } else {
        IdentityScope::Uid2
    }
}

#[allow(deprecated, reason = "the deprecated client type is still fuzzed")]
fn client_of(b: u8) -> ClientType {
    match b % 3 {
        0 => ClientType::Bidstream,
        1 => ClientType::Sharing,
        _ => ClientType::Legacy,
    }
}

fn version_of(b: u8) -> TokenVersion {
    match b % 3 {
        0 => TokenVersion::V2,
        1 => TokenVersion::V3,
        _ => TokenVersion::V4,
    }
}

fn domain_of(b: u8) -> Option<&'static str> {
    match b % 5 {
        0 => None,
        1 => Some("example.com"),
        2 => Some("EXAMPLE.com"),
        3 => Some("com.example.app"),
        _ => Some("other.org"),
    }
}

fn be_i64(bytes: &[u8], at: usize) -> Option<i64> {
    let b = bytes.get(at..at.checked_add(8)?)?;
    Some(i64::from_be_bytes(b.try_into().ok()?))
}

fn be_i32(bytes: &[u8], at: usize) -> Option<i32> {
    let b = bytes.get(at..at.checked_add(4)?)?;
    Some(i32::from_be_bytes(b.try_into().ok()?))
}

/// Decrypts `token` and checks what must hold whatever the token: an error is never the
/// success status, the diagnosis repeats the same error, the header reads when decryption
/// succeeds, and without a key set every input is `NOT_INITIALIZED`.
fn decrypt_and_check(
    keys: &KeySet,
    token: &str,
    client: ClientType,
    domain: Option<&str>,
) -> Result<uid2::token::DecryptedToken, DecryptError> {
    let result = keys.decrypt(token, client, domain, NOW);
    match (
        &result,
        uid2::token::diagnose(Some(keys), token, client, domain, NOW),
    ) {
        (Ok(a), Ok(b)) => {
            assert_eq!(a.uid().as_str(), b.uid().as_str());
            assert_eq!(a.expiry(), b.expiry());
            let header = uid2::token::inspect(token);
            assert!(header.is_ok(), "a decrypted token has a readable header");
            if let Ok(h) = header {
                assert_eq!(h.version, a.version());
            }
        }
        (Err(a), Err(b)) => {
            assert_ne!(a.as_status(), DecryptStatus::Success, "{a:?}");
            assert_eq!(a.as_status(), b.error().as_status());
        }
        (a, b) => panic!(
            "decrypt and diagnose disagree: {:?} / {:?}",
            a.is_ok(),
            b.is_ok()
        ),
    }
    let none = uid2::token::decrypt(None, token, client, domain, NOW);
    assert_eq!(
        none.map_err(|e| e.as_status()).err(),
        Some(DecryptStatus::NotInitialized)
    );
    result
}

/// Any text as a token, for every client kind, scope and domain (the first byte picks them).
pub fn decrypt(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let token = String::from_utf8_lossy(rest);
    let keys = keys(scope_of(selector & 1 == 1));
    let _ = decrypt_and_check(
        &keys,
        &token,
        client_of(selector >> 1),
        domain_of(selector >> 3),
    );
}

#[derive(Debug, Arbitrary)]
struct BuiltInput {
    version: u8,
    raw_uid: Vec<u8>,
    euid: bool,
    token_euid: bool,
    phone: Option<bool>,
    site_id: i32,
    privacy_bits: u32,
    established: i64,
    generated: i64,
    refreshed: Option<i64>,
    expires: i64,
    prefix: Option<u8>,
    version_byte: Option<u8>,
    site_key: bool,
    client: u8,
    domain: u8,
    nonce: [u8; 32],
}

/// Tokens built with `TokenBuilder` from any field values, sealed with the key set's own keys:
/// a success carries back exactly what was built, and never an expired token.
pub fn decrypt_built(data: &[u8]) {
    let Ok(input) = BuiltInput::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    let keys = keys(scope_of(input.euid));
    let (Some(master), Some(site)) = (
        keys.key(164),
        keys.key(if input.site_key { 166 } else { 165 }),
    ) else {
        unreachable!("the fixture key set has its keys");
    };
    let version = version_of(input.version);
    let raw_uid = STANDARD.encode(&input.raw_uid);
    let mut builder = TokenBuilder::new(version, &raw_uid, master, site, NOW)
        .scope(scope_of(input.token_euid))
        .site_id(input.site_id)
        .privacy_bits(input.privacy_bits)
        .established(Timestamp::from_millis(input.established))
        .generated(Timestamp::from_millis(input.generated))
        .expires(Timestamp::from_millis(input.expires));
    if let Some(phone) = input.phone {
        builder = builder.identity_type(if phone {
            IdentityType::Phone
        } else {
            IdentityType::Email
        });
    }
    if let Some(t) = input.refreshed {
        builder = builder.refreshed(Timestamp::from_millis(t));
    }
    if let Some(b) = input.prefix {
        builder = builder.prefix_byte(b);
    }
    if let Some(b) = input.version_byte {
        builder = builder.version_byte(b);
    }
    let Ok(token) = builder.build(&mut ReplayRandom::new(&input.nonce)) else {
        return;
    };
    let client = client_of(input.client);
    if let Ok(decrypted) = decrypt_and_check(&keys, token.as_str(), client, domain_of(input.domain))
    {
        assert_eq!(decrypted.uid().as_str(), raw_uid);
        assert_eq!(decrypted.site_id(), input.site_id);
        assert_eq!(decrypted.expiry(), Timestamp::from_millis(input.expires));
        assert!(decrypted.expiry() >= NOW, "an expired token decrypted");
        if input.version_byte.is_none() {
            assert_eq!(decrypted.version(), version);
        }
        assert_eq!(decrypted.identity_scope(), keys.identity_scope());
    }
}

#[derive(Debug, Arbitrary)]
struct PlaintextInput {
    version: u8,
    prefix: u8,
    euid: bool,
    site_key: bool,
    client: u8,
    domain: u8,
    /// Written over the start of a well-formed master head, so that most inputs keep a valid
    /// expiry and key id while any byte can change.
    head_patch: Vec<u8>,
    head_len: Option<u8>,
    site_patch: Vec<u8>,
    site_len: Option<u8>,
    patch_at: u8,
    uid_len: u8,
    nonce: [u8; 32],
}

/// Arbitrary decrypted bytes: both layers of a v2/v3/v4 token sealed under the fixture keys,
/// with plaintext that starts from a well-formed token and is then overwritten and cut or
/// grown at will, so decryption gets past authentication and into the checks that read the
/// plaintext. A success must report the expiry, site and raw UID that the plaintext holds, never
/// an expired token, and the same as `diagnose`; anything else is a typed error.
pub fn token_plaintext(data: &[u8]) {
    let _ = token_plaintext_status(data);
}

/// [`token_plaintext`], returning the status decryption gave (`None` when the input built no
/// token), so that the replay test can show which checks the corpus reaches.
pub fn token_plaintext_status(data: &[u8]) -> Option<DecryptStatus> {
    let Ok(input) = PlaintextInput::arbitrary_take_rest(Unstructured::new(data)) else {
        return None;
    };
    let keys = keys(scope_of(input.euid));
    let site_id = if input.site_key { 166 } else { 165 };
    let (Some(master), Some(site)) = (keys.key(164), keys.key(site_id)) else {
        unreachable!("the fixture key set has its keys");
    };
    let version = version_of(input.version);
    let expires = NOW.as_millis().saturating_add(3_600_000);
    let generated = NOW.as_millis();
    let uid = vec![0x42u8; usize::from(input.uid_len % 64)];
    let site_key_id = i32::try_from(site_id).unwrap_or_default();
    // A well-formed plaintext for the version, then the fuzz input's changes.
    let (mut head, mut site_pt) = if version == TokenVersion::V2 {
        let mut head = expires.to_be_bytes().to_vec();
        head.extend_from_slice(&site_key_id.to_be_bytes());
        let text = STANDARD.encode(&uid);
        let mut identity = 77i32.to_be_bytes().to_vec();
        identity.extend_from_slice(&i32::try_from(text.len()).unwrap_or_default().to_be_bytes());
        identity.extend_from_slice(text.as_bytes());
        identity.extend_from_slice(&0u32.to_be_bytes());
        identity.extend_from_slice(&generated.to_be_bytes());
        (head, identity)
    } else {
        let mut head = expires.to_be_bytes().to_vec();
        head.extend_from_slice(&generated.to_be_bytes());
        head.extend_from_slice(&[0; 13]);
        head.extend_from_slice(&site_key_id.to_be_bytes());
        let mut payload = 77i32.to_be_bytes().to_vec();
        payload.extend_from_slice(&[0; 16]);
        payload.extend_from_slice(&generated.to_be_bytes());
        payload.extend_from_slice(&generated.to_be_bytes());
        payload.extend_from_slice(&uid);
        (head, payload)
    };
    let patch = |buf: &mut Vec<u8>, with: &[u8], len: Option<u8>| {
        let at = usize::from(input.patch_at) % buf.len().saturating_add(1);
        for (i, b) in with.iter().enumerate() {
            match buf.get_mut(at.saturating_add(i)) {
                Some(slot) => *slot = *b,
                None => buf.push(*b),
            }
        }
        if let Some(len) = len {
            buf.resize(usize::from(len), 0);
        }
    };
    patch(&mut head, &input.head_patch, input.head_len);
    patch(&mut site_pt, &input.site_patch, input.site_len);
    let prefix = if version == TokenVersion::V2 {
        0
    } else {
        input.prefix
    };
    let layers = RawLayers {
        version,
        prefix,
        master_head: &head,
        site_plaintext: &site_pt,
    };
    let mut out = [0u8; 1024];
    let Ok(len) = seal_layers(
        &layers,
        master,
        site,
        &mut ReplayRandom::new(&input.nonce),
        &mut out,
    ) else {
        return None;
    };
    let bytes = out.get(..len).unwrap_or_default();
    let token = if version == TokenVersion::V4 {
        URL_SAFE.encode(bytes)
    } else {
        STANDARD.encode(bytes)
    };
    let client = client_of(input.client);
    let decrypted = match decrypt_and_check(&keys, &token, client, domain_of(input.domain)) {
        Ok(d) => d,
        Err(e) => return Some(e.as_status()),
    };
    assert_eq!(Some(decrypted.expiry().as_millis()), be_i64(&head, 0));
    assert!(decrypted.expiry() >= NOW, "an expired token decrypted");
    if version == TokenVersion::V2 {
        // v2 has no MAC: only when the head names the key that sealed the identity is the
        // identity the one written here.
        if be_i32(&head, 8) == Some(site_key_id) {
            assert_eq!(Some(decrypted.site_id()), be_i32(&site_pt, 0));
        }
    } else {
        assert_eq!(Some(decrypted.site_id()), be_i32(&site_pt, 0));
        assert_eq!(be_i32(&head, 29), Some(site_key_id));
        let raw = site_pt.get(36..).unwrap_or_default();
        assert_eq!(decrypted.uid().as_str(), STANDARD.encode(raw));
    }
    Some(DecryptStatus::Success)
}

/// The v4 token every key-set target decrypts: master 164, default-keyset key 165, site 77,
/// generated at [`NOW`], expiring an hour later.
fn fixture_token() -> &'static str {
    static TOKEN: OnceLock<String> = OnceLock::new();
    TOKEN.get_or_init(|| {
        let keys = keys(IdentityScope::Uid2);
        let (Some(master), Some(site)) = (keys.key(164), keys.key(165)) else {
            unreachable!("the fixture key set has both keys");
        };
        TokenBuilder::new(
            TokenVersion::V4,
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
            master,
            site,
            NOW,
        )
        .site_id(77)
        .build(&mut ReplayRandom::new(&[7; 32]))
        .map(|t| t.as_str().to_owned())
        .unwrap_or_default()
    })
}

/// Any bytes as a `/v2/key/sharing` or `/v2/key/bidstream` document: a key set or a typed
/// error. A parsed set answers lookups, and decrypts the fixture token only when it holds both
/// of its keys with their secrets.
pub fn keyset_parse(data: &[u8]) {
    let Ok(keys) = KeySet::parse(data) else {
        return;
    };
    let _ = keys.is_valid(NOW);
    let _ = keys.master_key(NOW);
    let _ = keys.default_key(NOW);
    for id in [0, 1, 2, 77, 164, 165, -1, i64::MAX] {
        if let Some(k) = keys.key(id) {
            assert_eq!(k.id(), id);
        }
        if let Some(k) = keys.active_key(id, NOW) {
            assert_eq!(k.keyset_id(), Some(id));
        }
        if let Some(s) = keys.site(id) {
            assert_eq!(s.id(), id);
        }
    }
    for client in [0, 1, 2].map(client_of) {
        if decrypt_and_check(&keys, fixture_token(), client, Some("example.com")).is_ok() {
            assert!(keys.key(164).is_some() && keys.key(165).is_some());
        }
    }
}

#[derive(Debug, Arbitrary)]
struct DocKey {
    /// 164, 165, 166 or another id.
    id: u8,
    right_secret: bool,
    keyset_id: Option<i8>,
    site_id: Option<i8>,
    /// Seconds from `NOW`.
    activates: i32,
    expires: i32,
    created: i32,
}

#[derive(Debug, Arbitrary)]
struct DocInput {
    euid: bool,
    caller_site_id: Option<i8>,
    master_keyset_id: Option<i8>,
    default_keyset_id: Option<i8>,
    bidstream_lifetime: Option<i32>,
    sharing_lifetime: Option<i32>,
    skew: Option<i32>,
    keys: Vec<DocKey>,
    sites: Vec<(i8, bool)>,
    client: u8,
    domain: u8,
}

/// Key-set documents built from any field values and holding the fixture token's keys (or
/// not, or with the wrong secret): the document parses, and the fixture token decrypts exactly
/// when the document holds both keys with their secrets, once each, in the token's scope, and
/// the token passes the document's lifetime, skew and domain rules.
pub fn keyset_tokens(data: &[u8]) {
    let Ok(input) = DocInput::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    let now_secs = NOW.as_secs_floor();
    let id_of = |k: &DocKey| match k.id % 4 {
        0 => 164,
        1 => 165,
        2 => 166,
        _ => i64::from(k.id),
    };
    let mut keys_json = Vec::new();
    for k in &input.keys {
        let id = id_of(k);
        let secret = if k.right_secret {
            STANDARD.encode([fill(id); 32])
        } else {
            STANDARD.encode([0x11; 32])
        };
        let mut entry = serde_json::json!({
            "id": id,
            "created": now_secs.saturating_add(i64::from(k.created)),
            "activates": now_secs.saturating_add(i64::from(k.activates)),
            "expires": now_secs.saturating_add(i64::from(k.expires)),
            "secret": secret,
        });
        if let Some(v) = k.keyset_id {
            entry["keyset_id"] = v.into();
        }
        if let Some(v) = k.site_id {
            entry["site_id"] = v.into();
        }
        keys_json.push(entry);
    }
    let mut body = serde_json::json!({
        "identity_scope": if input.euid { "EUID" } else { "UID2" },
        "keys": keys_json,
    });
    for (name, value) in [
        ("caller_site_id", input.caller_site_id.map(i32::from)),
        ("master_keyset_id", input.master_keyset_id.map(i32::from)),
        ("default_keyset_id", input.default_keyset_id.map(i32::from)),
        ("max_bidstream_lifetime_seconds", input.bidstream_lifetime),
        ("max_sharing_lifetime_seconds", input.sharing_lifetime),
        ("allow_clock_skew_seconds", input.skew),
    ] {
        if let Some(v) = value {
            body[name] = v.into();
        }
    }
    if !input.sites.is_empty() {
        let sites: Vec<_> = input
            .sites
            .iter()
            .map(|&(id, ours)| {
                let names = if ours {
                    vec!["example.com"]
                } else {
                    vec!["other.org"]
                };
                serde_json::json!({"id": id, "domain_names": names})
            })
            .collect();
        body["site_data"] = sites.into();
    }
    let doc = serde_json::json!({"status": "success", "body": body}).to_string();
    let parsed = KeySet::parse(doc.as_bytes());
    let Ok(keys) = parsed else {
        return;
    };
    let client = client_of(input.client);
    let domain = domain_of(input.domain);
    let result = decrypt_and_check(&keys, fixture_token(), client, domain);
    let entries = |id: i64| {
        input
            .keys
            .iter()
            .filter(|k| id_of(k) == id)
            .collect::<Vec<_>>()
    };
    let holds = |id: i64| {
        let e = entries(id);
        e.len() == 1 && e.iter().all(|k| k.right_secret)
    };
    if result.is_ok() {
        assert!(entries(164).iter().any(|k| k.right_secret));
        assert!(entries(165).iter().any(|k| k.right_secret));
        assert!(!input.euid, "a UID2 token decrypted with an EUID key set");
    }
    // The converse, where the decision does not depend on rules beyond these fields.
    // (Only for documents without repeated key ids: which copy counts is the parser's rule.)
    let mut ids: Vec<i64> = input.keys.iter().map(id_of).collect();
    ids.sort_unstable();
    let unique = ids.windows(2).all(|w| w.first() != w.last());
    let any_live = unique && input.keys.iter().any(|k| i64::from(k.expires) > 0);
    let lifetime_ok = |l: Option<i32>| l.is_none_or(|s| s >= 3600);
    let skew_ok = input.skew.is_none_or(|s| s >= 0);
    let client_ok = match client {
        ClientType::Bidstream => lifetime_ok(input.bidstream_lifetime) && domain.is_none(),
        ClientType::Sharing => lifetime_ok(input.sharing_lifetime),
        _ => domain.is_none(),
    };
    if holds(164) && holds(165) && !input.euid && any_live && skew_ok && client_ok {
        assert!(
            result.is_ok(),
            "a token under keys the document holds failed: {:?}",
            result.err()
        );
    }
}

#[derive(Debug, Arbitrary)]
struct EnvelopeInput {
    status: u16,
    binary: Option<bool>,
    body: Vec<u8>,
    document: Vec<u8>,
    now: i64,
    random: [u8; 32],
}

/// The v2 envelope from both ends. Any bytes as an operator reply, a sealed request or a
/// refresh reply: a typed error. Any document sealed by the operator side opens to exactly that
/// document on the client side.
pub fn envelope_open(data: &[u8]) {
    let Ok(input) = EnvelopeInput::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    let (Ok(client), Ok(server), Ok(refresh_key)) = (
        ClientSecret::from_base64(SECRET),
        Secret::<32>::from_base64(SECRET),
        uid2::envelope::RefreshResponseKey::from_base64(SECRET),
    ) else {
        unreachable!("the fixture secret is valid");
    };
    let now = Timestamp::from_millis(input.now);
    let content_type = input.binary.map(|b| {
        if b {
            "application/octet-stream"
        } else {
            "text/plain"
        }
    });
    let encoding = if input.binary == Some(true) {
        BodyEncoding::Binary
    } else {
        BodyEncoding::Text
    };
    let seal = |out: &mut [u8]| {
        seal_request(
            &client,
            now,
            &mut ReplayRandom::new(&input.random),
            br#"{"email_hash":"x"}"#,
            encoding,
            out,
        )
    };
    let mut sealed = vec![0u8; 256];
    let Ok((len, pending)) = seal(&mut sealed) else {
        panic!("a small request always seals");
    };
    sealed.truncate(len);

    let mut body = input.body.clone();
    let _ = pending.open(input.status, content_type, &mut body);
    let _ = uid2::server::open_request(&server, content_type, &input.body);
    let mut body = input.body.clone();
    let _ = open_refresh_response(&refresh_key, input.status, &mut body);

    let Ok(opened) = uid2::server::open_request(&server, content_type, &sealed) else {
        panic!("a request sealed with the client secret must open");
    };
    assert_eq!(opened.payload(), br#"{"email_hash":"x"}"#);
    let Ok(mut reply) = opened.seal_response(
        &server,
        now,
        &input.document,
        &mut ReplayRandom::new(&input.random),
    ) else {
        return;
    };
    let Ok((_, pending)) = seal(&mut sealed) else {
        panic!("a small request always seals");
    };
    let reply_type = if opened.encoding() == BodyEncoding::Binary {
        Some("application/octet-stream")
    } else {
        None
    };
    match pending.open(200, reply_type, &mut reply) {
        Ok(doc) => assert_eq!(doc.document(), input.document.as_slice()),
        Err(e) => panic!("a reply to this request must open: {e:?}"),
    }
}

/// Any bytes as a request body, raw or wrapped in a JSON object as a string member: sealed by
/// the client in both encodings, a JSON object (or an empty body) opens on the operator side to
/// exactly those bytes with the client's timestamp, and the operator's reply to it opens to
/// exactly the reply document; any other body is refused as `InvalidPayload`. A request whose
/// bytes were changed after sealing never opens.
pub fn envelope_request(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let wrapped;
    let payload = if selector & 2 == 2 {
        let text = String::from_utf8_lossy(rest);
        wrapped = serde_json::json!({"email": text, "n": rest.len()}).to_string();
        wrapped.as_bytes()
    } else {
        rest
    };
    let is_object = payload.is_empty()
        || serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(payload).is_ok();
    let (Ok(client), Ok(server)) = (
        ClientSecret::from_base64(SECRET),
        Secret::<32>::from_base64(SECRET),
    ) else {
        unreachable!("the fixture secret is valid");
    };
    let (encoding, content_type) = if selector & 1 == 1 {
        (BodyEncoding::Binary, Some("application/octet-stream"))
    } else {
        (BodyEncoding::Text, None)
    };
    let random = [selector; 32];
    let Some(len) = uid2::envelope::sealed_body_len(payload.len(), encoding) else {
        return;
    };
    let mut out = vec![0u8; len];
    let sealed = seal_request(
        &client,
        NOW,
        &mut ReplayRandom::new(&random),
        payload,
        encoding,
        &mut out,
    );
    let (n, pending) = match sealed {
        Ok(v) => v,
        Err(e) => panic!("a request of {} bytes did not seal: {e:?}", payload.len()),
    };
    assert_eq!(n, len);
    let opened = match uid2::server::open_request(&server, content_type, &out) {
        Ok(o) => o,
        Err(uid2::server::RequestError::InvalidPayload) if !is_object => return,
        Err(e) => panic!("a sealed request did not open: {e:?}"),
    };
    assert!(is_object, "a body that is not a JSON object was accepted");
    assert_eq!(opened.payload(), payload);
    assert!(opened.check_timestamp(NOW).is_ok());
    // One flipped bit anywhere in the binary form is refused.
    if encoding == BodyEncoding::Binary && !out.is_empty() {
        let at = usize::from(selector) % out.len();
        let mut tampered = out.clone();
        if let Some(b) = tampered.get_mut(at) {
            *b ^= 0x01;
        }
        assert!(uid2::server::open_request(&server, content_type, &tampered).is_err());
    }
    let doc = payload.get(..payload.len() / 2).unwrap_or_default();
    let Ok(mut reply) = opened.seal_response(&server, NOW, doc, &mut ReplayRandom::new(&random))
    else {
        return;
    };
    let reply_type = (encoding == BodyEncoding::Binary).then_some("application/octet-stream");
    match pending.open(200, reply_type, &mut reply) {
        Ok(d) => assert_eq!(d.document(), doc),
        Err(e) => panic!("the operator's reply did not open: {e:?}"),
    }
}

/// Any bytes as a decrypted operator document (token generate and refresh, identity map v2 and
/// v3, opt-out status, salt buckets) or as a Gigya response, JWK set, id_token, URL or `Date`
/// header: a value or a typed error; a parsed map answers only for the inputs sent.
pub fn operator_documents(data: &[u8]) {
    if let Ok(r) = TokenResponse::from_generate_document(data) {
        let _ = format!("{r:?}");
    }
    let _ = TokenResponse::from_refresh_document(data, NOW);
    let sent = ["a@example.com", "b@example.com"];
    if let Ok(input) = IdentityMapV3Input::from_emails(sent)
        && let Ok(response) = input.into_request().parse_response(data)
    {
        for k in response.mapped().keys().chain(response.unmapped().keys()) {
            assert!(
                sent.contains(&k.as_str()),
                "an answer for an input never sent"
            );
        }
    }
    if let Ok(request) = IdentityMapV2Request::from_emails(sent) {
        let _ = request.parse_response(data);
    }
    if let Ok(request) = OptoutStatusRequest::new(["AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="])
    {
        let _ = request.parse_response(data);
    }
    if let Ok(request) = SaltBucketsRequest::since(NOW) {
        let _ = request.parse_response(data);
    }
    let _ = Response::parse(data);
    let text = String::from_utf8_lossy(data);
    if let Ok(jwks) = Jwks::parse(data) {
        let _ = gigya::validate_id_token(&text, &jwks, "api-key", NOW, 300);
    }
    if let Ok(endpoint) = Endpoint::parse(&text) {
        // A parsed endpoint parses again from its own URL, and from its normalized URL, to the
        // same base-string URL and path.
        let normalized = endpoint.normalized_url();
        for url in [endpoint.url(), normalized.clone()] {
            match Endpoint::parse(&url) {
                Ok(again) => {
                    assert_eq!(again.normalized_url(), normalized, "{url}");
                    assert_eq!(again.path(), endpoint.path(), "{url}");
                }
                Err(e) => panic!("{url} (from {text:?}) does not parse: {e:?}"),
            }
        }
    }
    let _ = gigya::parse_http_date(&text);
    let _ = parse_utc_date_time(&text);
}

fn check_normalization(
    input: &str,
    normalize: fn(&str) -> Result<String, IdentityError>,
    hash: fn(&str) -> Result<identity::HashedIdentity, IdentityError>,
) {
    match normalize(input) {
        Ok(normalized) => {
            // Idempotent, and the hash is the hash of the normalized form.
            assert_eq!(
                normalize(&normalized).ok().as_deref(),
                Some(normalized.as_str())
            );
            let (a, b) = (hash(input), hash(&normalized));
            assert!(a.is_ok(), "a normalizable input did not hash");
            assert_eq!(a.ok(), b.ok());
        }
        Err(e) => assert!(hash(input).is_err(), "{e:?} yet the input hashed"),
    }
}

/// Identity normalization: for any text, normalizing twice gives the same as once, the hash of
/// an input is the hash of its normalized form, the in-place normalizer agrees with the owned
/// one and writes at most the length it announced, and an input that does not normalize does
/// not hash.
pub fn identity(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    check_normalization(&text, identity::normalized_email, identity::hash_email);
    check_normalization(&text, identity::normalized_phone, identity::hash_phone);
    if let Ok(len) = identity::normalized_email_len(&text) {
        let mut out = vec![0u8; len];
        let written = identity::normalize_email(&text, &mut out);
        let owned = identity::normalized_email(&text);
        match (written, owned) {
            (Ok(n), Ok(s)) => {
                assert!(n <= len);
                assert_eq!(out.get(..n), Some(s.as_bytes()));
            }
            (Err(_), Err(_)) => {}
            (a, b) => panic!("in-place and owned normalization disagree: {a:?} / {b:?}"),
        }
    }
    // A hash is accepted back as a pre-hashed input, and nothing else of another length.
    if let Ok(h) = identity::hash_email(&text) {
        assert_eq!(identity::hashed_email(h.as_str()).ok(), Some(h));
    }
    if let Ok(h) = identity::hashed_email(&text) {
        assert_eq!(STANDARD.decode(h.as_str()).map(|b| b.len()).ok(), Some(32));
    }
}

#[derive(Debug, Arbitrary)]
struct TokensInput {
    advertising: String,
    refresh: String,
    identity_expires: i64,
    refresh_expires: i64,
    refresh_from: i64,
    key: Option<[u8; 32]>,
    raw: Vec<u8>,
}

/// `IdentityTokens` JSON: any text parses to an identity or a typed error; a parsed identity
/// reads back the same from its own JSON; an identity built from any parts writes JSON that
/// parses back to those parts.
pub fn identity_tokens(data: &[u8]) {
    let Ok(input) = TokensInput::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    let same = |a: &IdentityTokens, b: &IdentityTokens| {
        assert_eq!(a.advertising_token(), b.advertising_token());
        assert_eq!(a.refresh_token(), b.refresh_token());
        assert_eq!(a.identity_expires(), b.identity_expires());
        assert_eq!(a.refresh_expires(), b.refresh_expires());
        assert_eq!(a.refresh_from(), b.refresh_from());
        assert_eq!(a.refresh_response_key(), b.refresh_response_key());
    };
    if let Ok(parsed) = IdentityTokens::from_json_slice(&input.raw) {
        match IdentityTokens::from_json_str(parsed.json_string()) {
            Ok(again) => same(&parsed, &again),
            Err(e) => panic!("an identity's own JSON did not parse: {e:?}"),
        }
    }
    let key = input.key.map(|k| {
        let text = STANDARD.encode(k);
        match uid2::envelope::RefreshResponseKey::from_base64(&text) {
            Ok(key) => key,
            Err(e) => unreachable!("32 bytes are a key: {e:?}"),
        }
    });
    let built = IdentityTokens::new(
        &input.advertising,
        &input.refresh,
        Timestamp::from_millis(input.identity_expires),
        Timestamp::from_millis(input.refresh_expires),
        Timestamp::from_millis(input.refresh_from),
        key,
    );
    match IdentityTokens::from_json_str(built.json_string()) {
        Ok(again) => same(&built, &again),
        // An identity with empty tokens is refused on parsing, as the official SDKs do.
        Err(e) => assert!(
            input.advertising.is_empty() || input.refresh.is_empty(),
            "built JSON did not parse: {e:?}"
        ),
    }
}

#[derive(Debug, Arbitrary)]
enum MapAnswer {
    Mapped { refreshed: bool, previous: bool },
    Unmapped(u8),
}

/// A pool of inputs in which several spellings share a hash.
const MAP_EMAILS: [&str; 6] = [
    "a@example.com",
    "A@Example.com",
    "a@EXAMPLE.COM",
    "b@example.com",
    "john.doe@gmail.com",
    "johndoe@gmail.com",
];

#[derive(Debug, Arbitrary)]
struct MapInput {
    emails: Vec<(u8, MapAnswer)>,
    phones: Vec<(bool, MapAnswer)>,
    raw: Vec<u8>,
}

/// Identity map v3 replies for requests that repeat hashes (the same input twice, or several
/// spellings of one email): every input gets, in each table, the answer of the last position
/// that carries its hash (computed here by brute force); arbitrary replies give an answer only
/// for inputs that were sent.
pub fn identity_map_v3(data: &[u8]) {
    let Ok(input) = MapInput::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    if input.emails.len() > 64 || input.phones.len() > 64 {
        return;
    }
    let phones = ["+12345678901", "+12345678902"];
    let mut request = IdentityMapV3Input::with_capacity(input.emails.len());
    let mut sent_emails = Vec::new();
    for (i, _) in &input.emails {
        let email = MAP_EMAILS
            .get(usize::from(*i) % MAP_EMAILS.len())
            .copied()
            .unwrap_or_default();
        if request.add_email(email).is_err() {
            unreachable!("the pool holds valid emails");
        }
        sent_emails.push(email);
    }
    let mut sent_phones = Vec::new();
    for (second, _) in &input.phones {
        let phone = if *second { phones[1] } else { phones[0] };
        if request.add_phone(phone).is_err() {
            unreachable!("the pool holds valid phones");
        }
        sent_phones.push(phone);
    }
    let request = request.into_request();
    let _ = request.parse_response(&input.raw).map(|r| {
        for k in r.mapped().keys().chain(r.unmapped().keys()) {
            assert!(
                sent_emails.contains(&k.as_str()) || sent_phones.contains(&k.as_str()),
                "an answer for an input never sent"
            );
        }
    });
    let entry = |pos: usize, a: &MapAnswer| match a {
        MapAnswer::Mapped {
            refreshed,
            previous,
        } => {
            let uid = STANDARD.encode([u8::try_from(pos % 256).unwrap_or_default(); 32]);
            let p = previous.then(|| STANDARD.encode([0xEE; 32]));
            serde_json::json!({"u": uid, "p": p, "r": if *refreshed { 1_700_000_000_000_i64 } else { 0 }})
        }
        MapAnswer::Unmapped(r) => {
            let reason = ["optout", "invalid identifier", "something new"]
                .get(usize::from(*r) % 3)
                .copied()
                .unwrap_or_default();
            serde_json::json!({"e": reason})
        }
    };
    let email_entries: Vec<_> = input
        .emails
        .iter()
        .enumerate()
        .map(|(i, (_, a))| entry(i, a))
        .collect();
    let phone_entries: Vec<_> = input
        .phones
        .iter()
        .enumerate()
        .map(|(i, (_, a))| entry(i.saturating_add(1000), a))
        .collect();
    let doc = serde_json::json!({
        "status": "success",
        "body": {"email_hash": email_entries, "phone_hash": phone_entries},
    })
    .to_string();
    let response = match request.parse_response(doc.as_bytes()) {
        Ok(r) => r,
        Err(e) => panic!("a well-formed reply was refused: {e:?}"),
    };
    // Brute force: process positions in order; a position's answer goes to every input whose
    // hash it carries, overwriting earlier answers in the same table.
    let mut mapped: BTreeMap<String, serde_json::Value> = BTreeMap::new();
    let mut unmapped: BTreeMap<String, serde_json::Value> = BTreeMap::new();
    type HashText = fn(&str) -> Option<String>;
    let lists: [(Vec<&str>, &[serde_json::Value], HashText); 2] = [
        (sent_emails, &email_entries, |s| {
            identity::hash_email(s).ok().map(|h| h.as_str().to_owned())
        }),
        (sent_phones, &phone_entries, |s| {
            identity::hash_phone(s).ok().map(|h| h.as_str().to_owned())
        }),
    ];
    for (sent, entries, hash) in &lists {
        for (i, answer) in entries.iter().enumerate() {
            let h = sent.get(i).and_then(|s| hash(s));
            for s in sent.iter().filter(|s| hash(s) == h) {
                let table = if answer.get("u").is_some() {
                    &mut mapped
                } else {
                    &mut unmapped
                };
                table.insert((*s).to_owned(), answer.clone());
            }
        }
    }
    assert_eq!(response.mapped().len(), mapped.len());
    assert_eq!(response.unmapped().len(), unmapped.len());
    for (s, want) in &mapped {
        let got = response
            .get_mapped(s)
            .map(|m| m.current_raw_uid().to_owned());
        assert_eq!(
            got.as_deref(),
            want.get("u").and_then(|u| u.as_str()),
            "{s}"
        );
    }
    for (s, want) in &unmapped {
        let got = response.get_unmapped(s).map(|u| u.raw_reason().to_owned());
        assert_eq!(
            got.as_deref(),
            want.get("e").and_then(|e| e.as_str()),
            "{s}"
        );
    }
}

/// The fuzz RSA key (1024 bits: enough to reach the checks quickly; the library does not judge
/// key sizes, the data center's JWKS does).
const RSA_PEM: &str = include_str!("../rsa-1024.pem");
/// Its modulus, base64url.
const RSA_N: &str = include_str!("../rsa-1024.n");

fn rsa_key() -> &'static rsa::PrivateKey {
    static KEY: OnceLock<rsa::PrivateKey> = OnceLock::new();
    KEY.get_or_init(|| {
        use rsa::pkcs1::DecodeRsaPrivateKey as _;
        match rsa::PrivateKey::from_pkcs1_pem(RSA_PEM) {
            Ok(k) => k,
            Err(e) => unreachable!("the fixture key parses: {e:?}"),
        }
    })
}

/// The base64url RS256 signature of `signed`. Signatures are cached (up to 65,536): most
/// mutations leave the signed part as it was, and signing costs far more than the checks.
fn sign(signed: &str) -> String {
    static CACHE: OnceLock<Mutex<HashMap<String, String>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Mutex::default);
    let mut cache = cache
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(s) = cache.get(signed) {
        return s.clone();
    }
    let signature = match rsa_key().pkcs1v15_sign::<Sha256>(signed.as_bytes()) {
        Ok(s) => URL_SAFE_NO_PAD.encode(s),
        Err(e) => unreachable!("the fixture key signs: {e:?}"),
    };
    if cache.len() >= 65_536 {
        cache.clear();
    }
    cache.insert(signed.to_owned(), signature.clone());
    signature
}

fn jwks() -> &'static Jwks {
    static JWKS: OnceLock<Jwks> = OnceLock::new();
    JWKS.get_or_init(|| {
        let doc = serde_json::json!({"keys": [
            {"kty": "RSA", "use": "sig", "kid": "k1", "n": RSA_N.trim(), "e": "AQAB"},
            {"kty": "EC", "kid": "k2"},
        ]});
        match Jwks::parse(doc.to_string().as_bytes()) {
            Ok(j) => j,
            Err(e) => unreachable!("the fixture JWKS parses: {e:?}"),
        }
    })
}

#[derive(Debug, Arbitrary)]
enum Claim {
    Absent,
    Int(i32),
    Text(String),
    Other(bool),
}

#[derive(Debug, Arbitrary)]
struct IdTokenInput {
    /// One input in eight is signed (RSA signing dominates the target's time).
    sign: u8,
    alg: u8,
    kid: u8,
    iss: u8,
    api_key: Option<u8>,
    exp: Claim,
    iat: Claim,
    extra: Vec<(String, String)>,
    tamper: Option<u16>,
    skew: u16,
    text: String,
}

const API_KEY: &str = "3_fuzz-api-key";

/// Gigya id_tokens against a JWKS: any text is refused with a typed error; tokens signed with
/// the JWKS's key and carrying any claims are accepted exactly when `alg`, `kid`, issuer, API
/// key, `exp` and `iat` pass (the expected result is computed here, check by check); a token
/// changed after signing is refused.
pub fn id_token(data: &[u8]) {
    let Ok(input) = IdTokenInput::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    let skew = u64::from(input.skew);
    // Text not signed with the fixture key is always refused.
    assert!(gigya::validate_id_token(&input.text, jwks(), API_KEY, NOW, skew).is_err());
    if input.sign % 8 != 0 {
        return;
    }
    let alg = ["RS256", "HS256", "none", "RS512"]
        .get(usize::from(input.alg) % 4)
        .copied()
        .unwrap_or_default();
    let kid = ["k1", "k2", "k3"]
        .get(usize::from(input.kid) % 3)
        .copied()
        .unwrap_or_default();
    let header = serde_json::json!({"alg": alg, "kid": kid, "typ": "JWT"});
    let mut claims = serde_json::Map::new();
    for (k, v) in &input.extra {
        claims.insert(k.clone(), v.clone().into());
    }
    let expected_iss = format!("https://fidm.gigya.com/jwt/{API_KEY}/");
    let iss = match input.iss % 4 {
        0 => None,
        1 => Some(expected_iss.clone()),
        2 => Some(format!("https://fidm.gigya.com/jwt/{API_KEY}")),
        _ => Some("https://evil.example/".to_owned()),
    };
    // The named claims are set (or removed) after the extra ones, which may use their names.
    match &iss {
        Some(iss) => claims.insert("iss".into(), iss.clone().into()),
        None => claims.remove("iss"),
    };
    let api_key = input
        .api_key
        .map(|b| if b % 2 == 0 { API_KEY } else { "3_other" });
    match api_key {
        Some(k) => claims.insert("apiKey".into(), k.into()),
        None => claims.remove("apiKey"),
    };
    let now = NOW.as_secs_floor();
    for (name, claim) in [("exp", &input.exp), ("iat", &input.iat)] {
        match claim {
            Claim::Absent => {
                claims.remove(name);
            }
            Claim::Int(d) => {
                claims.insert(name.into(), now.saturating_add(i64::from(*d)).into());
            }
            Claim::Text(s) => {
                claims.insert(name.into(), s.clone().into());
            }
            Claim::Other(b) => {
                claims.insert(name.into(), (*b).into());
            }
        }
    }
    let mut token = URL_SAFE_NO_PAD.encode(header.to_string());
    token.push('.');
    token.push_str(&URL_SAFE_NO_PAD.encode(serde_json::Value::Object(claims.clone()).to_string()));
    let signature = sign(&token);
    token.push('.');
    token.push_str(&signature);

    // What the checks must decide, in their order.
    let skew_i = i64::from(input.skew);
    let int = |c: &Claim| match c {
        Claim::Int(d) => Some(now.saturating_add(i64::from(*d))),
        _ => None,
    };
    let expected: Result<(), &str> = if alg != "RS256" {
        Err("alg")
    } else if kid != "k1" {
        Err("kid")
    } else if iss.is_none() {
        Err("iss missing")
    } else if iss.as_deref() != Some(expected_iss.as_str()) {
        Err("iss")
    } else if api_key.is_some_and(|k| k != API_KEY) {
        Err("apiKey")
    } else if let Some(exp) = int(&input.exp) {
        if now > exp.saturating_add(skew_i) {
            Err("expired")
        } else {
            match (&input.iat, int(&input.iat)) {
                (Claim::Absent, _) => Ok(()),
                (_, None) => Err("iat"),
                (_, Some(iat)) if iat > now.saturating_add(skew_i) => Err("not yet"),
                _ => Ok(()),
            }
        }
    } else {
        Err("exp")
    };
    let result = gigya::validate_id_token(&token, jwks(), API_KEY, NOW, skew);
    match (&result, expected) {
        (Ok(c), Ok(())) => {
            assert_eq!(Some(c.exp()), int(&input.exp));
        }
        (Err(GigyaError::UnsupportedAlgorithm), Err("alg"))
        | (Err(GigyaError::UnknownKeyId), Err("kid"))
        | (Err(GigyaError::MissingClaim { name: "iss" }), Err("iss missing"))
        | (Err(GigyaError::InvalidIssuer), Err("iss"))
        | (Err(GigyaError::InvalidApiKey), Err("apiKey"))
        | (Err(GigyaError::TokenExpired { .. }), Err("expired"))
        | (Err(GigyaError::MissingClaim { name: "exp" }), Err("exp"))
        | (Err(GigyaError::MissingClaim { name: "iat" }), Err("iat"))
        | (Err(GigyaError::TokenNotYetValid { .. }), Err("not yet")) => {}
        (got, want) => panic!("id_token check: got {got:?}, expected {want:?}"),
    }
    // Any changed character before the signature breaks it (or the token's form).
    if let Some(at) = input.tamper
        && result.is_ok()
    {
        let signed_len = token.rfind('.').unwrap_or_default();
        let at = usize::from(at) % signed_len.max(1);
        let mut bytes = token.clone().into_bytes();
        if let Some(b) = bytes.get_mut(at) {
            *b = if *b == b'A' { b'B' } else { b'A' };
        }
        let tampered = String::from_utf8_lossy(&bytes);
        if tampered != token {
            assert!(gigya::validate_id_token(&tampered, jwks(), API_KEY, NOW, skew).is_err());
        }
    }
}
