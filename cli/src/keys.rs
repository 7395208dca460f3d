//! `uid2 keys`: download a key set to a file (owner-only), and describe one.
//!
//! A snapshot file is the operator's decrypted document, byte for byte, with one member added
//! in front: `"uid2_cli_snapshot": {"fetched_at": ms, "endpoint": …, "base_url": …}`. The core's
//! key-set parser ignores members it does not know, so the file is still a key-set document.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs::{self, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::json;
use uid2::operator::OperatorCall as _;
use uid2::operator::key_set::{BidstreamKeysRequest, KeySetDocument, SharingKeysRequest};
use uid2::{KeySet, Timestamp};
use zeroize::Zeroizing;

use crate::args::{KeyRole, KeysCommand};
use crate::checkpoint::sync_dir;
use crate::config::{self, Settings};
use crate::error::CliError;
use crate::output::{self, rfc3339};

/// The member a snapshot adds.
const SNAPSHOT_MEMBER: &str = "uid2_cli_snapshot";

#[derive(Debug, Deserialize)]
struct SnapshotMeta {
    fetched_at: i64,
    endpoint: String,
    base_url: String,
}

#[derive(Deserialize)]
struct SnapshotHead {
    uid2_cli_snapshot: Option<SnapshotMeta>,
}

pub(crate) fn run(settings: &Settings<'_>, command: KeysCommand) -> Result<(), CliError> {
    match command {
        KeysCommand::Fetch { role, output } => fetch(settings, role, &output),
        KeysCommand::Show { file } => show(settings, &file),
    }
}

/// Reads a key set from a snapshot (or any decrypted key-set document).
pub(crate) fn load(path: &Path) -> Result<KeySet, CliError> {
    let bytes = Zeroizing::new(fs::read(path).map_err(|e| CliError::io("read", path, &e))?);
    KeySet::parse(&bytes).map_err(|e| {
        CliError::failure(format!("{} is not a usable key set: {e}", path.display()))
            .hint("write one with `uid2 keys fetch`")
    })
}

fn fetch(settings: &Settings<'_>, role: KeyRole, output: &Path) -> Result<(), CliError> {
    let base_url = settings.base_url()?;
    let (document, endpoint): (KeySetDocument, &str) = match role {
        KeyRole::Bidstream => (
            settings.call(&BidstreamKeysRequest)?,
            BidstreamKeysRequest::PATH,
        ),
        KeyRole::Sharing => (
            settings.call(&SharingKeysRequest)?,
            SharingKeysRequest::PATH,
        ),
    };
    let keys = document
        .parse()
        .map_err(|e| CliError::failure(format!("the operator's key set was rejected: {e}")))?;
    let fetched_at = config::now();
    let meta = json!({
        "fetched_at": fetched_at.as_millis(),
        "endpoint": endpoint,
        "base_url": base_url.as_str(),
    });
    let bytes = document.as_bytes();
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .filter(|&i| bytes.get(i) == Some(&b'{'))
        .ok_or_else(|| CliError::failure("the operator's key set is not a JSON object"))?;
    let rest = bytes.get(start.saturating_add(1)..).unwrap_or_default();
    let empty_object = rest.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'}');
    let mut snapshot = Zeroizing::new(Vec::with_capacity(bytes.len().saturating_add(200)));
    snapshot.extend_from_slice(format!("{{\"{SNAPSHOT_MEMBER}\":{meta}").as_bytes());
    if !empty_object {
        snapshot.push(b',');
    }
    snapshot.extend_from_slice(rest);
    if !snapshot.ends_with(b"\n") {
        snapshot.push(b'\n');
    }
    write_private(output, &snapshot)?;
    describe(
        settings,
        &keys,
        Some((fetched_at, endpoint, &base_url)),
        output,
    )
}

/// Writes `bytes` to `path` through a temporary file created with mode 0600, then renames it.
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let write = || -> std::io::Result<()> {
        let mut options = OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            options.mode(0o600);
        }
        let mut file = options.open(&tmp)?;
        #[cfg(unix)]
        {
            // An existing file keeps its mode through `open`: set it.
            use std::os::unix::fs::PermissionsExt as _;
            file.set_permissions(fs::Permissions::from_mode(0o600))?;
        }
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&tmp, path)?;
        sync_dir(path)
    };
    write().map_err(|e| {
        let _ = fs::remove_file(&tmp);
        CliError::io("write", path, &e)
    })
}

fn show(settings: &Settings<'_>, path: &Path) -> Result<(), CliError> {
    let bytes = Zeroizing::new(fs::read(path).map_err(|e| CliError::io("read", path, &e))?);
    let keys = KeySet::parse(&bytes).map_err(|e| {
        CliError::failure(format!("{} is not a usable key set: {e}", path.display()))
    })?;
    let meta = serde_json::from_slice::<SnapshotHead>(&bytes)
        .ok()
        .and_then(|h| h.uid2_cli_snapshot);
    let origin = meta.as_ref().map(|m| {
        (
            Timestamp::from_millis(m.fetched_at),
            m.endpoint.as_str(),
            m.base_url.as_str(),
        )
    });
    // A document saved some other way: its age is the file's.
    let modified = fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .map(Timestamp::from);
    match origin {
        Some(o) => describe(settings, &keys, Some(o), path),
        None => describe_with_age(settings, &keys, None, modified, path),
    }
}

fn describe(
    settings: &Settings<'_>,
    keys: &KeySet,
    origin: Option<(Timestamp, &str, &str)>,
    path: &Path,
) -> Result<(), CliError> {
    describe_with_age(settings, keys, origin, origin.map(|o| o.0), path)
}

fn describe_with_age(
    settings: &Settings<'_>,
    keys: &KeySet,
    origin: Option<(Timestamp, &str, &str)>,
    written: Option<Timestamp>,
    path: &Path,
) -> Result<(), CliError> {
    let now = config::now();
    let c = keys.config();
    let all = keys.keys();
    let active = all.iter().filter(|k| k.is_active(now)).count();
    let oldest_activation = all.iter().map(uid2::Key::activates).min();
    let newest_activation = all.iter().map(uid2::Key::activates).max();
    let earliest_expiry = all.iter().map(uid2::Key::expires).min();
    let latest_expiry = keys.latest_expiry();
    let mut keysets: BTreeMap<Option<i64>, usize> = BTreeMap::new();
    for k in all {
        let n = keysets.entry(k.keyset_id()).or_insert(0);
        *n = n.saturating_add(1);
    }
    let sites = keys.sites();
    let names: usize = sites.iter().map(|s| s.names().len()).sum();
    let age_s = written.map(|w| now.saturating_millis_since(w).div_euclid(1000));
    let opt = |t: Option<Timestamp>| t.map(rfc3339);
    if settings.global.json {
        return output::print_json(&json!({
            "file": path.display().to_string(),
            "identity_scope": c.identity_scope.as_str(),
            "caller_site_id": c.caller_site_id,
            "master_keyset_id": c.master_keyset_id,
            "default_keyset_id": c.default_keyset_id,
            "token_expiry_seconds": c.token_expiry_seconds,
            "max_bidstream_lifetime_seconds": c.max_bidstream_lifetime_seconds,
            "max_sharing_lifetime_seconds": c.max_sharing_lifetime_seconds,
            "allow_clock_skew_seconds": c.allow_clock_skew_seconds,
            "keys": all.len(),
            "active_keys": active,
            "keysets": keysets.iter().map(|(id, n)| json!({"keyset_id": id, "keys": n})).collect::<Vec<_>>(),
            "sites": sites.len(),
            "site_names": names,
            "oldest_activation": opt(oldest_activation),
            "newest_activation": opt(newest_activation),
            "earliest_expiry": opt(earliest_expiry),
            "latest_expiry": opt(latest_expiry),
            "valid_now": keys.is_valid(now),
            "fetched_at": origin.map(|o| rfc3339(o.0)),
            "endpoint": origin.map(|o| o.1),
            "base_url": origin.map(|o| o.2),
            "age_seconds": age_s,
        }));
    }
    let mut t = String::new();
    let _ = writeln!(t, "file               {}", path.display());
    if let Some((at, endpoint, base_url)) = origin {
        let _ = writeln!(
            t,
            "fetched            {} from {base_url}{endpoint}",
            rfc3339(at)
        );
    }
    if let Some(age) = age_s {
        let _ = writeln!(t, "age                {}", age_text(age));
    }
    let _ = writeln!(t, "identity scope     {}", c.identity_scope.as_str());
    if let Some(site) = c.caller_site_id {
        let _ = writeln!(t, "caller site id     {site}");
    }
    if let (Some(m), Some(d)) = (c.master_keyset_id, c.default_keyset_id) {
        let _ = writeln!(t, "keysets            master {m}, default {d}");
    }
    let _ = writeln!(t, "keys               {} ({active} active now)", all.len());
    for (id, n) in &keysets {
        let _ = writeln!(
            t,
            "  keyset {:<10} {n} key{}",
            id.map_or_else(|| "(none)".to_owned(), |i| i.to_string()),
            if *n == 1 { "" } else { "s" }
        );
    }
    let _ = writeln!(
        t,
        "sites              {} ({names} domain/app names)",
        sites.len()
    );
    let _ = writeln!(
        t,
        "oldest activation  {}",
        opt(oldest_activation).unwrap_or_else(|| "-".into())
    );
    let _ = writeln!(
        t,
        "newest activation  {}",
        opt(newest_activation).unwrap_or_else(|| "-".into())
    );
    let _ = writeln!(
        t,
        "earliest expiry    {}",
        opt(earliest_expiry).unwrap_or_else(|| "-".into())
    );
    let _ = writeln!(
        t,
        "latest expiry      {}",
        opt(latest_expiry).unwrap_or_else(|| "-".into())
    );
    let _ = writeln!(
        t,
        "usable now         {}",
        if keys.is_valid(now) {
            "yes"
        } else {
            "no: every key has expired (decryption reports KEYS_NOT_SYNCED); fetch again"
        }
    );
    let _ = writeln!(t, "token expiry       {} s", c.token_expiry_seconds);
    if let Some(s) = c.max_bidstream_lifetime_seconds {
        let _ = writeln!(t, "max bidstream life {s} s");
    }
    if let Some(s) = c.max_sharing_lifetime_seconds {
        let _ = writeln!(t, "max sharing life   {s} s");
    }
    let _ = writeln!(t, "allowed clock skew {} s", c.allow_clock_skew_seconds);
    output::print_text(&t)
}

fn age_text(seconds: i64) -> String {
    match seconds {
        s if s < 120 => format!("{s} s"),
        s if s < 7200 => format!("{} min", s / 60),
        s if s < 172_800 => format!("{} h", s / 3600),
        s => format!("{} days", s / 86_400),
    }
}
