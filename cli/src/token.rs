//! `uid2 token`: inspect, decrypt (with the reason for a failure), encrypt, generate, refresh.

use std::fmt::Write as _;
use std::path::Path;

use serde_json::json;
use uid2::operator::key_set::{BidstreamKeysRequest, SharingKeysRequest};
use uid2::operator::{IdentityTokens, TokenGenerateRequest, TokenResponse};
use uid2::token::{ClientType, DecryptedToken, FailedCheck, TokenVersion, diagnose, inspect};
use uid2::{KeySet, Timestamp};
use uid2_blocking::{OsRandom, PublisherClient};
use zeroize::Zeroizing;

use crate::args::{ClientArg, GenerateArgs, KeySource, TokenCommand};
use crate::config::{self, Settings};
use crate::error::{CliError, Exit};
use crate::keys;
use crate::output::{self, arg_or_stdin, rfc3339};

pub(crate) fn run(settings: &Settings<'_>, command: TokenCommand) -> Result<(), CliError> {
    match command {
        TokenCommand::Inspect { token } => inspect_token(settings, &token),
        TokenCommand::Decrypt {
            token,
            domain,
            client,
            at,
            source,
        } => decrypt(
            settings,
            &token,
            domain.as_deref(),
            client,
            at.as_deref(),
            &source,
        ),
        TokenCommand::Encrypt { raw_uid, source } => encrypt(settings, &raw_uid, &source),
        TokenCommand::Generate(args) => generate(settings, &args),
        TokenCommand::Refresh { identity } => refresh(settings, &identity),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

fn version_number(v: TokenVersion) -> u8 {
    v.number()
}

fn inspect_token(settings: &Settings<'_>, token: &str) -> Result<(), CliError> {
    let token = arg_or_stdin(token, "token")?;
    let header = inspect(token.trim()).map_err(|e| {
        CliError::new(Exit::InvalidToken, format!("not a UID2/EUID token: {e}"))
            .hint("pass the whole advertising or sharing token, as issued")
    })?;
    let scope = header.identity_scope.map(|s| s.as_str().to_owned());
    let kind = header.identity_type.map(|t| t.as_str().to_owned());
    let layout: Vec<_> = header.layout().collect();
    if settings.global.json {
        return output::print_json(&json!({
            "version": version_number(header.version),
            "identity_scope": scope,
            "identity_type": kind,
            "prefix": header.prefix,
            "master_key_id": header.master_key_id,
            "master_iv": hex(header.master_iv()),
            "alphabet": header.alphabet.as_str(),
            "padded": header.padded,
            "text_len": header.text_len,
            "decoded_len": header.decoded_len,
            "raw_uid_len": header.raw_uid_len,
            "layout": layout.iter().map(|s| json!({
                "field": s.name, "offset": s.offset, "len": s.len, "protection": s.protection.as_str(),
            })).collect::<Vec<_>>(),
        }));
    }
    let mut text = String::new();
    let _ = writeln!(text, "version         {}", version_number(header.version));
    let _ = writeln!(
        text,
        "identity scope  {}",
        scope
            .as_deref()
            .unwrap_or("(not in v2 tokens: the key set's)")
    );
    let _ = writeln!(
        text,
        "identity type   {}",
        kind.as_deref().unwrap_or("(not in v2 tokens)")
    );
    let _ = writeln!(text, "master key id   {}", header.master_key_id);
    let _ = writeln!(text, "master IV       {}", hex(header.master_iv()));
    let _ = writeln!(
        text,
        "text            {} characters, base64 ({} alphabet, {})",
        header.text_len,
        header.alphabet.as_str(),
        if header.padded { "padded" } else { "unpadded" }
    );
    let _ = writeln!(
        text,
        "decoded         {} bytes{}",
        header.decoded_len,
        header
            .raw_uid_len
            .map(|n| format!(", of which the raw UID is {n}"))
            .unwrap_or_default()
    );
    let _ = writeln!(text, "site key id     (inside the master-key layer)");
    let _ = writeln!(text, "layout");
    let _ = writeln!(text, "  offset  bytes  readable with          field");
    for s in &layout {
        let _ = writeln!(
            text,
            "  {:>6}  {:>5}  {:<21}  {}",
            s.offset,
            s.len,
            s.protection.as_str(),
            s.name
        );
    }
    output::print_text(&text)
}

/// The key set a command asks for: a snapshot file, or a download now.
fn key_set(settings: &Settings<'_>, source: &KeySource, sharing: bool) -> Result<KeySet, CliError> {
    if let Some(path) = &source.keys {
        return keys::load(path);
    }
    if !source.fetch {
        return Err(CliError::usage("no key set given")
            .hint("pass --keys FILE (from `uid2 keys fetch`) or --fetch"));
    }
    let document = if sharing {
        settings.call(&SharingKeysRequest)?
    } else {
        settings.call(&BidstreamKeysRequest)?
    };
    document
        .parse()
        .map_err(|e| CliError::failure(format!("the operator's key set was rejected: {e}")))
}

const fn client_type(c: ClientArg) -> ClientType {
    match c {
        ClientArg::Bidstream => ClientType::Bidstream,
        ClientArg::Sharing => ClientType::Sharing,
        #[allow(
            deprecated,
            reason = "the CLI still offers the deprecated client type, documented as such"
        )]
        ClientArg::Legacy => ClientType::Legacy,
    }
}

fn decrypt(
    settings: &Settings<'_>,
    token: &str,
    domain: Option<&str>,
    client: ClientArg,
    at: Option<&str>,
    source: &KeySource,
) -> Result<(), CliError> {
    let token = arg_or_stdin(token, "token")?;
    let now = match at {
        Some(t) => output::parse_time(t)?,
        None => config::now(),
    };
    let keys = key_set(settings, source, client == ClientArg::Sharing)?;
    match diagnose(Some(&keys), token.trim(), client_type(client), domain, now) {
        Ok(decrypted) => print_decrypted(settings, &decrypted),
        Err(diagnosis) => {
            let status = diagnosis.error().as_status().as_str();
            let reason = explain(&diagnosis.check(), &keys, domain);
            if settings.global.json {
                output::print_json(&json!({
                    "status": status,
                    "check": check_json(&diagnosis.check()),
                    "reason": reason,
                }))?;
            } else {
                output::print_text(&format!("status  {status}\nreason  {reason}\n"))?;
            }
            Err(CliError::new(
                Exit::InvalidToken,
                format!("the token did not decrypt: {status}"),
            ))
        }
    }
}

fn print_decrypted(settings: &Settings<'_>, t: &DecryptedToken) -> Result<(), CliError> {
    let info = t.info();
    if settings.global.json {
        return output::print_json(&json!({
            "status": "SUCCESS",
            "uid": t.uid().as_str(),
            "version": version_number(t.version()),
            "identity_scope": t.identity_scope().as_str(),
            "identity_type": t.identity_type().map(|k| k.as_str()),
            "site_id": t.site_id(),
            "site_key_site_id": info.site_key_site_id,
            "established": t.established().as_millis(),
            "generated": info.generated.map(Timestamp::as_millis),
            "expires": t.expiry().as_millis(),
            "privacy_bits": info.privacy_bits,
            "client_side_generated": t.is_client_side_generated(),
            "opted_out": t.is_opted_out(),
        }));
    }
    let mut text = String::new();
    let _ = writeln!(text, "status          SUCCESS");
    let _ = writeln!(text, "raw UID         {}", t.uid().as_str());
    let _ = writeln!(text, "version         {}", version_number(t.version()));
    let _ = writeln!(text, "identity scope  {}", t.identity_scope().as_str());
    if let Some(k) = t.identity_type() {
        let _ = writeln!(text, "identity type   {}", k.as_str());
    }
    let _ = writeln!(text, "site id         {}", t.site_id());
    let _ = writeln!(text, "established     {}", rfc3339(t.established()));
    if let Some(g) = info.generated {
        let _ = writeln!(text, "generated       {}", rfc3339(g));
    }
    let _ = writeln!(text, "expires         {}", rfc3339(t.expiry()));
    let _ = writeln!(
        text,
        "privacy bits    {:#x}{}{}",
        info.privacy_bits,
        if t.is_client_side_generated() {
            " (client-side generated)"
        } else {
            ""
        },
        if t.is_opted_out() {
            " (opted out: do not use this identity)"
        } else {
            ""
        }
    );
    output::print_text(&text)
}

fn duration(seconds: i64) -> String {
    let s = seconds.unsigned_abs();
    let (d, h, m) = (s / 86_400, s % 86_400 / 3600, s % 3600 / 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{s} s"),
        (0, 0, _) => format!("{m} min {} s", s % 60),
        (0, _, _) => format!("{h} h {m} min"),
        _ => format!("{d} d {h} h"),
    }
}

/// A failed check in words, with times in RFC 3339.
fn explain(check: &FailedCheck, keys: &KeySet, domain: Option<&str>) -> String {
    match *check {
        FailedCheck::KeySetExpired {
            latest_expiry: Some(at),
            now,
        } => format!(
            "every key of the key set has expired (the last at {}, checked at {}): fetch a new key set",
            rfc3339(at),
            rfc3339(now)
        ),
        FailedCheck::MasterKeyMissing { key_id } => format!(
            "the token needs master key {key_id}, which the key set ({} keys) does not have: the key set is older than the token, or from another environment",
            keys.keys().len()
        ),
        FailedCheck::SiteKeyMissing { key_id } => format!(
            "the token needs {}, which the key set does not have: the token's publisher has not shared with this participant (or the key set is older than the token)",
            key_id.map_or_else(|| "its site key".to_owned(), |id| format!("site key {id}"))
        ),
        FailedCheck::Expired { expiry, now } => format!(
            "the token expired at {}, {} before the check at {}",
            rfc3339(expiry),
            duration(now.saturating_millis_since(expiry).div_euclid(1000)),
            rfc3339(now)
        ),
        FailedCheck::GeneratedInFuture {
            generated,
            now,
            ahead_seconds,
            allowed_seconds,
        } => format!(
            "the token was generated at {}, {} after the check at {}; at most {} of clock skew is allowed: check this machine's clock",
            rfc3339(generated),
            duration(ahead_seconds),
            rfc3339(now),
            duration(allowed_seconds)
        ),
        FailedCheck::LifetimeTooLong {
            from,
            expiry,
            lifetime_seconds,
            max_seconds,
        } => format!(
            "the token lives from {} to {} ({}), longer than the {} this client type allows",
            rfc3339(from),
            rfc3339(expiry),
            duration(lifetime_seconds),
            duration(max_seconds)
        ),
        FailedCheck::DomainNotAllowed { site_id, .. } => {
            let names: Vec<&str> = keys
                .site(i64::from(site_id))
                .map(|s| s.names().collect())
                .unwrap_or_default();
            format!(
                "the token was generated client-side for site {site_id}, which allows {}; {}",
                if names.is_empty() {
                    "no domain or app name".to_owned()
                } else {
                    names.join(", ")
                },
                match domain {
                    Some(d) => format!("{d:?} is not one of them"),
                    None => "pass the bid request's --domain".to_owned(),
                }
            )
        }
        other => other.to_string(),
    }
}

fn check_json(check: &FailedCheck) -> serde_json::Value {
    let t = |t: Timestamp| json!(rfc3339(t));
    match *check {
        FailedCheck::NoKeySet => json!({"check": "key_set_loaded"}),
        FailedCheck::KeySetExpired { latest_expiry, now } => json!({
            "check": "key_set_valid", "latest_expiry": latest_expiry.map(rfc3339), "now": t(now)}),
        FailedCheck::TooLong { len, max } => json!({"check": "length", "len": len, "max": max}),
        FailedCheck::NotAToken => json!({"check": "format"}),
        FailedCheck::UnsupportedVersion => json!({"check": "version"}),
        FailedCheck::ScopeMismatch { token, key_set } => json!({
            "check": "identity_scope", "token": token.as_str(), "key_set": key_set.as_str()}),
        FailedCheck::MasterKeyMissing { key_id } => {
            json!({"check": "master_key", "key_id": key_id})
        }
        FailedCheck::MasterLayerRejected { key_id } => json!({
            "check": "master_layer_authentication", "key_id": key_id}),
        FailedCheck::SiteKeyMissing { key_id } => json!({"check": "site_key", "key_id": key_id}),
        FailedCheck::SiteLayerRejected { key_id } => json!({
            "check": "site_layer_authentication", "key_id": key_id}),
        FailedCheck::Malformed => json!({"check": "content"}),
        FailedCheck::Expired { expiry, now } => json!({
            "check": "expiry", "expiry": t(expiry), "now": t(now)}),
        FailedCheck::DomainNotAllowed {
            site_id,
            name_given,
            allowed_names,
        } => json!({
            "check": "domain_or_app_name", "site_id": site_id, "name_given": name_given,
            "allowed_names": allowed_names}),
        FailedCheck::LifetimeTooLong {
            from,
            expiry,
            lifetime_seconds,
            max_seconds,
        } => json!({
            "check": "lifetime", "from": t(from), "expiry": t(expiry),
            "lifetime_seconds": lifetime_seconds, "max_seconds": max_seconds}),
        FailedCheck::GeneratedInFuture {
            generated,
            now,
            ahead_seconds,
            allowed_seconds,
        } => json!({
            "check": "clock_skew", "generated": t(generated), "now": t(now),
            "ahead_seconds": ahead_seconds, "allowed_seconds": allowed_seconds}),
        _ => json!({"check": "other", "reason": check.to_string()}),
    }
}

fn encrypt(settings: &Settings<'_>, raw_uid: &str, source: &KeySource) -> Result<(), CliError> {
    let raw_uid = arg_or_stdin(raw_uid, "raw UID")?;
    let keys = key_set(settings, source, true)?;
    let token = keys
        .encrypt(raw_uid.trim(), config::now(), &mut OsRandom)
        .map_err(|e| {
            CliError::new(
                Exit::InvalidToken,
                format!("cannot encrypt: {} ({e})", e.as_status().as_str()),
            )
            .hint("encryption needs a sharing key set (`uid2 keys fetch --role sharing`) with active keys")
        })?;
    if settings.global.json {
        return output::print_json(&json!({"status": "SUCCESS", "token": token.as_str()}));
    }
    output::print_text(&format!("{}\n", token.as_str()))
}

fn generate(settings: &Settings<'_>, args: &GenerateArgs) -> Result<(), CliError> {
    let invalid = |e: uid2::IdentityError| CliError::usage(format!("cannot generate: {e}"));
    let mut request = if let Some(email) = &args.email {
        TokenGenerateRequest::from_email(&arg_or_stdin(email, "email")?).map_err(invalid)?
    } else if let Some(phone) = &args.phone {
        TokenGenerateRequest::from_phone(&arg_or_stdin(phone, "phone number")?).map_err(invalid)?
    } else if let Some(hash) = &args.email_hash {
        TokenGenerateRequest::from_hashed_email(hash.trim()).map_err(invalid)?
    } else if let Some(hash) = &args.phone_hash {
        TokenGenerateRequest::from_hashed_phone(hash.trim()).map_err(invalid)?
    } else {
        return Err(CliError::usage("no identity given")
            .hint("pass --email, --phone, --email-hash or --phone-hash"));
    };
    if let Some(tcf) = &args.tcf_consent {
        request = request.with_tcf_consent_string(tcf);
    }
    let config = settings.client_config()?;
    let base_url = config.base_url.clone();
    let client = PublisherClient::new(config)
        .map_err(|e| CliError::client("cannot create the client", &e, &base_url))?;
    let response = client
        .generate_token(request)
        .map_err(|e| CliError::client("token generate failed", &e, &base_url))?;
    print_identity(settings, response)
}

fn print_identity(settings: &Settings<'_>, response: TokenResponse) -> Result<(), CliError> {
    match response {
        TokenResponse::Success(identity) => {
            output::print_text(&format!("{}\n", identity.json_string()))
        }
        TokenResponse::OptOut => {
            if settings.global.json {
                output::print_json(&json!({"status": "optout"}))?;
            } else if !settings.global.quiet {
                eprintln!("the user has opted out: no identity was issued");
            }
            Ok(())
        }
        _ => Err(CliError::failure(
            "the operator answered with an outcome this tool does not know",
        )),
    }
}

fn refresh(settings: &Settings<'_>, identity: &str) -> Result<(), CliError> {
    let text = if identity == "-" {
        arg_or_stdin("-", "identity JSON")?
    } else {
        let path = Path::new(identity);
        Zeroizing::new(std::fs::read_to_string(path).map_err(|e| CliError::io("read", path, &e))?)
    };
    let identity = IdentityTokens::from_json_str(text.trim()).map_err(|e| {
        CliError::usage(format!("cannot read the identity: {e}"))
            .hint("pass the JSON that `uid2 token generate` or `uid2 token refresh` printed")
    })?;
    let now = config::now();
    if !identity.is_refreshable(now) {
        return Err(CliError::failure(format!(
            "the refresh token expired at {}",
            rfc3339(identity.refresh_expires())
        ))
        .hint("generate a new identity"));
    }
    let config = settings.client_config()?;
    let base_url = config.base_url.clone();
    let client = PublisherClient::new(config)
        .map_err(|e| CliError::client("cannot create the client", &e, &base_url))?;
    let response = client
        .refresh_token(&identity)
        .map_err(|e| CliError::client("token refresh failed", &e, &base_url))?;
    print_identity(settings, response)
}
