//! Generated keysets with rotation, and the key-set documents of `/v2/key/sharing` and
//! `/v2/key/bidstream`.

use serde_json::{Value, json};
use uid2::key::KeyParams;
use uid2::{Key, Secret, Timestamp};

use crate::derive::digest;

/// The master keyset's id inside the operator.
pub(crate) const MASTER_KEYSET_ID: i64 = 1;
/// The id the sharing document gives the master keyset (old SDKs index positive ids only).
pub(crate) const MASTER_KEYSET_ID_ON_WIRE: i64 = 9_999_999;
/// Key ids are `keyset id × KEY_ID_STRIDE + epoch mod KEY_ID_STRIDE`.
const KEY_ID_STRIDE: i64 = 1_000_000;

/// One generated key.
#[derive(Clone)]
pub(crate) struct GeneratedKey {
    pub(crate) id: i64,
    pub(crate) keyset_id: i64,
    pub(crate) created: Timestamp,
    pub(crate) activates: Timestamp,
    pub(crate) expires: Timestamp,
    secret: [u8; 32],
}

impl GeneratedKey {
    /// The core's key, or `None` when the crypto library cannot prepare it.
    pub(crate) fn to_core(&self) -> Option<Key> {
        Key::new(
            KeyParams {
                id: self.id,
                keyset_id: Some(self.keyset_id),
                site_id: None,
                created: self.created,
                activates: self.activates,
                expires: self.expires,
            },
            Secret::new(self.secret),
        )
        .ok()
    }

    /// The key object of a key-set document; `keyset_id` as given (`None` = omitted).
    fn to_json(&self, keyset_id: Option<i64>) -> Value {
        use base64::Engine as _;
        let mut key = json!({
            "id": self.id,
            "created": self.created.as_secs_floor(),
            "activates": self.activates.as_secs_floor(),
            "expires": self.expires.as_secs_floor(),
            "secret": base64::engine::general_purpose::STANDARD.encode(self.secret),
        });
        if let (Some(ks), Some(obj)) = (keyset_id, key.as_object_mut()) {
            obj.insert("keyset_id".into(), ks.into());
        }
        key
    }
}

/// The key schedule: every keyset gets a new key each `period`; a key is published one period
/// before it activates and stays active for two periods.
#[derive(Clone)]
pub(crate) struct KeySchedule {
    seed: [u8; 32],
    period_ms: i64,
}

impl KeySchedule {
    pub(crate) fn new(seed: [u8; 32], period_ms: i64) -> Self {
        Self {
            seed,
            period_ms: period_ms.max(1000),
        }
    }

    fn epoch(&self, now: Timestamp) -> i64 {
        now.as_millis().div_euclid(self.period_ms)
    }

    fn key(&self, keyset_id: i64, epoch: i64) -> GeneratedKey {
        let activates = epoch.saturating_mul(self.period_ms);
        let secret = digest(
            &self.seed,
            &[b"key", &keyset_id.to_be_bytes(), &epoch.to_be_bytes()],
        );
        GeneratedKey {
            id: keyset_id
                .saturating_mul(KEY_ID_STRIDE)
                .saturating_add(epoch.rem_euclid(KEY_ID_STRIDE)),
            keyset_id,
            created: Timestamp::from_millis(activates.saturating_sub(self.period_ms)),
            activates: Timestamp::from_millis(activates),
            expires: Timestamp::from_millis(
                activates.saturating_add(self.period_ms.saturating_mul(2)),
            ),
            secret,
        }
    }

    /// The keys of `keyset_id` published at `now`: the previous, current and next key.
    pub(crate) fn published(&self, keyset_id: i64, now: Timestamp) -> [GeneratedKey; 3] {
        let e = self.epoch(now);
        [
            self.key(keyset_id, e.saturating_sub(1)),
            self.key(keyset_id, e),
            self.key(keyset_id, e.saturating_add(1)),
        ]
    }

    /// The key of `keyset_id` used for encryption at `now`.
    pub(crate) fn active(&self, keyset_id: i64, now: Timestamp) -> GeneratedKey {
        self.key(keyset_id, self.epoch(now))
    }
}

/// Header values of the key-set documents.
pub(crate) struct KeySetHeader<'a> {
    pub(crate) scope: &'static str,
    pub(crate) caller_site_id: i64,
    pub(crate) default_keyset_id: Option<i64>,
    pub(crate) token_expiry_seconds: u64,
    pub(crate) max_sharing_lifetime_seconds: u64,
    pub(crate) max_bidstream_lifetime_seconds: u64,
    pub(crate) allow_clock_skew_seconds: u64,
    /// `(site id, keyset id, domain names)` of every site.
    pub(crate) sites: &'a [(i64, i64, Vec<String>)],
}

fn site_data(sites: &[(i64, i64, Vec<String>)]) -> Value {
    Value::Array(
        sites
            .iter()
            .map(|(id, _, names)| {
                let mut names = names.clone();
                names.sort();
                json!({ "id": id, "domain_names": names })
            })
            .collect(),
    )
}

/// The `body` of `/v2/key/sharing`: master keys with keyset id 9999999, the caller's keys with
/// their keyset id, every other site's keys without one (granted for decryption).
pub(crate) fn sharing_body(schedule: &KeySchedule, h: &KeySetHeader<'_>, now: Timestamp) -> Value {
    let mut keys = Vec::new();
    for k in schedule.published(MASTER_KEYSET_ID, now) {
        keys.push(k.to_json(Some(MASTER_KEYSET_ID_ON_WIRE)));
    }
    for (_, keyset_id, _) in h.sites {
        let own = Some(*keyset_id) == h.default_keyset_id;
        for k in schedule.published(*keyset_id, now) {
            keys.push(k.to_json(own.then_some(*keyset_id)));
        }
    }
    let mut body = json!({
        "caller_site_id": h.caller_site_id,
        "master_keyset_id": MASTER_KEYSET_ID_ON_WIRE,
        "token_expiry_seconds": h.token_expiry_seconds.to_string(),
        "max_sharing_lifetime_seconds": h.max_sharing_lifetime_seconds,
        "identity_scope": h.scope,
        "allow_clock_skew_seconds": h.allow_clock_skew_seconds,
        "keys": keys,
        "site_data": site_data(h.sites),
    });
    if let (Some(ks), Some(obj)) = (h.default_keyset_id, body.as_object_mut()) {
        obj.insert("default_keyset_id".into(), ks.into());
    }
    body
}

/// The `body` of `/v2/key/bidstream`: every key, without keyset ids, and the site data.
pub(crate) fn bidstream_body(
    schedule: &KeySchedule,
    h: &KeySetHeader<'_>,
    now: Timestamp,
) -> Value {
    let mut keys = Vec::new();
    for keyset_id in std::iter::once(MASTER_KEYSET_ID).chain(h.sites.iter().map(|&(_, ks, _)| ks)) {
        for k in schedule.published(keyset_id, now) {
            keys.push(k.to_json(None));
        }
    }
    json!({
        "max_bidstream_lifetime_seconds": h.max_bidstream_lifetime_seconds,
        "identity_scope": h.scope,
        "allow_clock_skew_seconds": h.allow_clock_skew_seconds,
        "keys": keys,
        "site_data": site_data(h.sites),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_rotates() {
        let s = KeySchedule::new([1; 32], 10_000);
        let now = Timestamp::from_millis(1_700_000_005_000);
        let [prev, cur, next] = s.published(7, now);
        assert!(prev.activates < cur.activates && cur.activates < next.activates);
        assert!(cur.activates <= now && now < cur.expires);
        assert!(next.activates > now);
        assert!(prev.expires > now, "the previous key still decrypts");
        assert_eq!(s.active(7, now).id, cur.id);
        let later = now.saturating_add_millis(10_000);
        assert_eq!(s.active(7, later).id, next.id);
        assert_ne!(s.active(8, now).secret, cur.secret);
    }
}
