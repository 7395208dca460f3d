//! The key set: every key a client may use, indexed for lookup by id and by keyset.

use core::fmt;

use super::KeySetError;
use super::key::Key;
use super::list::{FromText, List, Name, TryPush};
use crate::{IdentityScope, Timestamp};

/// Key capacity of a [`KeySet`] built without the `alloc` feature.
pub const FIXED_MAX_KEYS: usize = 16;
/// Site capacity of a [`KeySet`] built without the `alloc` feature.
pub const FIXED_MAX_SITES: usize = 16;
/// Domain/app names per site of a [`KeySet`] built without the `alloc` feature.
pub const FIXED_MAX_NAMES_PER_SITE: usize = 8;
/// Longest domain/app name (in bytes) of a [`KeySet`] built without the `alloc` feature.
pub const FIXED_MAX_NAME_LEN: usize = 128;

/// Sharing-token lifetime used when the key set gives none (or 0): 30 days.
pub const DEFAULT_TOKEN_EXPIRY_SECONDS: i64 = 2_592_000;
/// Clock skew allowed when the key set gives none: 30 minutes.
pub const DEFAULT_ALLOW_CLOCK_SKEW_SECONDS: i64 = 1_800;

/// The key set's header: everything but the keys and sites.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct KeySetConfig {
    /// Scope of the client and of the tokens it accepts and produces.
    pub identity_scope: IdentityScope,
    /// Site id of the API key's owner, written into tokens this client encrypts.
    pub caller_site_id: Option<i64>,
    /// Keyset whose active key is the master key for encryption.
    pub master_keyset_id: Option<i64>,
    /// Keyset whose active key encrypts the site layer of tokens this client encrypts.
    pub default_keyset_id: Option<i64>,
    /// Lifetime of tokens this client encrypts, in seconds.
    pub token_expiry_seconds: i64,
    /// Longest token lifetime a bidstream client accepts, in seconds; `None` = unlimited.
    pub max_bidstream_lifetime_seconds: Option<i64>,
    /// Longest token lifetime a sharing client accepts, in seconds; `None` = unlimited.
    pub max_sharing_lifetime_seconds: Option<i64>,
    /// How far in the future a token's generation time may lie, in seconds.
    pub allow_clock_skew_seconds: i64,
}

impl Default for KeySetConfig {
    fn default() -> Self {
        Self {
            identity_scope: IdentityScope::Uid2,
            caller_site_id: None,
            master_keyset_id: None,
            default_keyset_id: None,
            token_expiry_seconds: DEFAULT_TOKEN_EXPIRY_SECONDS,
            max_bidstream_lifetime_seconds: None,
            max_sharing_lifetime_seconds: None,
            allow_clock_skew_seconds: DEFAULT_ALLOW_CLOCK_SKEW_SECONDS,
        }
    }
}

/// The domain and app names a site allows for client-side generated tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    id: i64,
    names: List<Name<FIXED_MAX_NAME_LEN>, FIXED_MAX_NAMES_PER_SITE>,
}

impl Site {
    /// Site id.
    #[must_use]
    pub const fn id(&self) -> i64 {
        self.id
    }

    /// Domain and app names, in document order.
    pub fn names(&self) -> impl ExactSizeIterator<Item = &str> {
        self.names.iter().map(|n| n.as_str())
    }

    /// Whether `name` equals one of the site's names, ignoring ASCII case.
    #[must_use]
    pub fn allows(&self, name: &str) -> bool {
        self.names.iter().any(|n| n.eq_ignore_ascii_case(name))
    }
}

/// An immutable, loaded key set.
///
/// Built by [`KeySet::parse`] (feature `alloc`) from the operator's `/v2/key/sharing` or
/// `/v2/key/bidstream` document, or by [`KeySetBuilder`]. Lookups never allocate.
#[derive(Clone)]
pub struct KeySet {
    config: KeySetConfig,
    keys: List<Key, FIXED_MAX_KEYS>,
    /// `(key id, index)`, sorted by id, one entry per id (the last occurrence).
    by_id: List<(i64, u32), FIXED_MAX_KEYS>,
    /// `(keyset id, activates, index)` for keys with a positive keyset id, sorted.
    by_keyset: List<(i64, Timestamp, u32), FIXED_MAX_KEYS>,
    sites: List<Site, FIXED_MAX_SITES>,
    /// `(site id, index)`, sorted by id, one entry per id (the last occurrence).
    sites_by_id: List<(i64, u32), FIXED_MAX_SITES>,
    latest_expiry: Option<Timestamp>,
}

impl fmt::Debug for KeySet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeySet")
            .field("config", &self.config)
            .field("keys", &self.keys)
            .field("sites", &self.sites)
            .finish_non_exhaustive()
    }
}

impl KeySet {
    /// The header values, with defaults applied.
    #[must_use]
    pub const fn config(&self) -> &KeySetConfig {
        &self.config
    }

    /// The key set's identity scope.
    #[must_use]
    pub const fn identity_scope(&self) -> IdentityScope {
        self.config.identity_scope
    }

    /// Every key, in document order.
    #[must_use]
    pub fn keys(&self) -> &[Key] {
        &self.keys
    }

    /// Every site with a non-zero id, in document order.
    #[must_use]
    pub fn sites(&self) -> &[Site] {
        &self.sites
    }

    /// The key with this id, whatever its activation or expiry (the last one if the document
    /// repeats an id).
    #[must_use]
    pub fn key(&self, id: i64) -> Option<&Key> {
        let pos = self.by_id.binary_search_by_key(&id, |&(k, _)| k).ok()?;
        let &(_, idx) = self.by_id.get(pos)?;
        self.keys.get(usize::try_from(idx).ok()?)
    }

    /// The latest expiry over all keys, if there are any.
    #[must_use]
    pub const fn latest_expiry(&self) -> Option<Timestamp> {
        self.latest_expiry
    }

    /// Whether the key set is usable at `now`: some key expires strictly after it.
    #[must_use]
    pub fn is_valid(&self, now: Timestamp) -> bool {
        self.latest_expiry.is_some_and(|e| now < e)
    }

    /// The key of `keyset_id` used for encryption at `now`: among the keyset's keys active at
    /// `now`, the one activated last (on equal activation, the later one in the document).
    #[must_use]
    pub fn active_key(&self, keyset_id: i64, now: Timestamp) -> Option<&Key> {
        let start = self.by_keyset.partition_point(|&(ks, _, _)| ks < keyset_id);
        let end = self
            .by_keyset
            .partition_point(|&(ks, act, _)| ks < keyset_id || (ks == keyset_id && act <= now));
        self.by_keyset
            .get(start..end)?
            .iter()
            .rev()
            .filter_map(|&(_, _, idx)| self.keys.get(usize::try_from(idx).ok()?))
            .find(|k| k.is_active(now))
    }

    /// The ids of every keyset that has at least one key, ascending.
    pub fn keyset_ids(&self) -> impl Iterator<Item = i64> + '_ {
        let mut last = None;
        self.by_keyset.iter().filter_map(move |&(ks, _, _)| {
            if last == Some(ks) {
                None
            } else {
                last = Some(ks);
                Some(ks)
            }
        })
    }

    /// The master key used for encryption at `now`.
    #[must_use]
    pub fn master_key(&self, now: Timestamp) -> Option<&Key> {
        self.active_key(self.config.master_keyset_id?, now)
    }

    /// The default-keyset key used for encryption at `now`.
    #[must_use]
    pub fn default_key(&self, now: Timestamp) -> Option<&Key> {
        self.active_key(self.config.default_keyset_id?, now)
    }

    /// The site with this id (the last one if the document repeats an id).
    #[must_use]
    pub fn site(&self, site_id: i64) -> Option<&Site> {
        let pos = self
            .sites_by_id
            .binary_search_by_key(&site_id, |&(s, _)| s)
            .ok()?;
        let &(_, idx) = self.sites_by_id.get(pos)?;
        self.sites.get(usize::try_from(idx).ok()?)
    }

    /// Whether `name` is an allowed domain or app name of `site_id` (ASCII case-insensitive).
    /// `None`, an unknown site and a site without names allow nothing.
    #[must_use]
    pub fn is_domain_or_app_name_allowed(&self, site_id: i64, name: Option<&str>) -> bool {
        match (self.site(site_id), name) {
            (Some(site), Some(name)) => site.allows(name),
            _ => false,
        }
    }
}

/// Builds a [`KeySet`] key by key; usable without `alloc` (up to [`FIXED_MAX_KEYS`] keys and
/// [`FIXED_MAX_SITES`] sites).
#[derive(Debug, Clone)]
pub struct KeySetBuilder {
    set: KeySet,
}

impl KeySetBuilder {
    /// An empty key set with this header.
    #[must_use]
    pub fn new(config: KeySetConfig) -> Self {
        Self {
            set: KeySet {
                config,
                keys: List::new(),
                by_id: List::new(),
                by_keyset: List::new(),
                sites: List::new(),
                sites_by_id: List::new(),
                latest_expiry: None,
            },
        }
    }

    /// Pre-allocates room for `n` keys.
    #[cfg(feature = "alloc")]
    pub fn reserve_keys(&mut self, n: usize) -> &mut Self {
        self.set.keys.reserve(n);
        self.set.by_id.reserve(n);
        self.set.by_keyset.reserve(n);
        self
    }

    /// Adds a key.
    ///
    /// # Errors
    /// [`KeySetError::TooManyKeys`] when a fixed-capacity key set is full.
    pub fn key(&mut self, key: Key) -> Result<&mut Self, KeySetError> {
        let set = &mut self.set;
        let idx = u32::try_from(set.keys.len()).map_err(|_| KeySetError::TooManyKeys)?;
        let (id, keyset, activates, expires) =
            (key.id(), key.keyset_id(), key.activates(), key.expires());
        set.keys
            .try_push(key)
            .map_err(|_| KeySetError::TooManyKeys)?;
        set.by_id
            .try_push((id, idx))
            .map_err(|_| KeySetError::TooManyKeys)?;
        if let Some(ks) = keyset.filter(|&ks| ks > 0) {
            set.by_keyset
                .try_push((ks, activates, idx))
                .map_err(|_| KeySetError::TooManyKeys)?;
        }
        set.latest_expiry = Some(set.latest_expiry.map_or(expires, |e| e.max(expires)));
        Ok(self)
    }

    /// Adds a site's domain and app names. Sites with id 0 are ignored.
    ///
    /// # Errors
    /// [`KeySetError::TooManySites`] or [`KeySetError::InvalidField`] (`domain_names`) when a
    /// fixed-capacity key set cannot hold the site or a name.
    pub fn site<'n>(
        &mut self,
        site_id: i64,
        names: impl IntoIterator<Item = &'n str>,
    ) -> Result<&mut Self, KeySetError> {
        if site_id == 0 {
            return Ok(self);
        }
        let bad_names = KeySetError::InvalidField {
            field: "domain_names",
            index: None,
        };
        let mut site = Site {
            id: site_id,
            names: List::new(),
        };
        for n in names {
            let n = Name::<FIXED_MAX_NAME_LEN>::from_text(n).ok_or(bad_names)?;
            site.names.try_push(n).map_err(|_| bad_names)?;
        }
        let idx = u32::try_from(self.set.sites.len()).map_err(|_| KeySetError::TooManySites)?;
        self.set
            .sites
            .try_push(site)
            .map_err(|_| KeySetError::TooManySites)?;
        self.set
            .sites_by_id
            .try_push((site_id, idx))
            .map_err(|_| KeySetError::TooManySites)?;
        Ok(self)
    }

    /// Finishes the indexes.
    #[must_use]
    pub fn build(self) -> KeySet {
        let mut set = self.set;
        // Sort by (id, index) and keep the last occurrence of each id.
        set.by_id.sort_unstable();
        let n = dedup_keep_last(&mut set.by_id);
        set.by_id.truncate(n);
        // A repeated id is the last occurrence everywhere: earlier copies neither encrypt nor
        // keep the key set valid.
        let (keys, by_id) = (&set.keys, &set.by_id);
        set.by_keyset
            .retain(|&(_, _, idx)| is_last_occurrence(keys, by_id, idx));
        set.latest_expiry = set
            .by_id
            .iter()
            .filter_map(|&(_, idx)| set.keys.get(usize::try_from(idx).ok()?))
            .map(Key::expires)
            .max();
        set.by_keyset.sort_unstable();
        set.sites_by_id.sort_unstable();
        let n = dedup_keep_last(&mut set.sites_by_id);
        set.sites_by_id.truncate(n);
        set
    }
}

/// Whether the key at `idx` is the occurrence of its id that lookups by id return.
fn is_last_occurrence(keys: &[Key], by_id: &[(i64, u32)], idx: u32) -> bool {
    let Some(key) = usize::try_from(idx).ok().and_then(|i| keys.get(i)) else {
        return false;
    };
    by_id
        .binary_search_by_key(&key.id(), |&(id, _)| id)
        .ok()
        .and_then(|pos| by_id.get(pos))
        .is_some_and(|&(_, kept)| kept == idx)
}

/// Keeps, for each id of a list sorted by `(id, index)`, only the entry with the highest index,
/// moving the kept entries to the front; returns how many were kept.
fn dedup_keep_last(list: &mut [(i64, u32)]) -> usize {
    let mut write = 0usize;
    for read in 0..list.len() {
        let Some(&cur) = list.get(read) else { break };
        let next_same = list.get(read.wrapping_add(1)).is_some_and(|n| n.0 == cur.0);
        if !next_same {
            if let Some(slot) = list.get_mut(write) {
                *slot = cur;
            }
            write = write.wrapping_add(1);
        }
    }
    write
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Secret;
    use crate::key::KeyParams;

    fn key(id: i64, keyset: Option<i64>, activates: i64, expires: i64) -> Key {
        Key::new(
            KeyParams {
                id,
                keyset_id: keyset,
                site_id: None,
                created: Timestamp::from_millis(0),
                activates: Timestamp::from_millis(activates),
                expires: Timestamp::from_millis(expires),
            },
            Secret::new([u8::try_from(id).unwrap(); 32]),
        )
        .unwrap()
    }

    #[test]
    fn active_key_follows_java_selection() {
        // A[100,1000), B[100,1000) after A, C[200,300), D[500,2000).
        let mut b = KeySetBuilder::new(KeySetConfig::default());
        b.key(key(1, Some(7), 100, 1000)).unwrap();
        b.key(key(2, Some(7), 100, 1000)).unwrap();
        b.key(key(3, Some(7), 200, 300)).unwrap();
        b.key(key(4, Some(7), 500, 2000)).unwrap();
        let set = b.build();
        let at = |t| set.active_key(7, Timestamp::from_millis(t)).map(Key::id);
        assert_eq!(at(99), None);
        assert_eq!(at(150), Some(2));
        assert_eq!(at(250), Some(3));
        assert_eq!(at(300), Some(2));
        assert_eq!(at(500), Some(4));
        assert_eq!(at(2000), None);
        assert_eq!(
            set.active_key(8, Timestamp::from_millis(500)).map(Key::id),
            None
        );
    }

    #[test]
    fn duplicate_ids_last_wins() {
        let mut b = KeySetBuilder::new(KeySetConfig::default());
        b.key(key(5, None, 0, 10)).unwrap();
        b.key(key(5, None, 0, 20)).unwrap();
        b.key(key(3, None, 0, 30)).unwrap();
        let set = b.build();
        assert_eq!(set.key(5).map(|k| k.expires().as_millis()), Some(20));
        assert_eq!(set.key(3).map(|k| k.expires().as_millis()), Some(30));
        assert!(set.key(4).is_none());
        assert_eq!(set.keys().len(), 3);
        assert!(set.is_valid(Timestamp::from_millis(29)));
        assert!(!set.is_valid(Timestamp::from_millis(30)));
    }

    #[test]
    fn repeated_id_is_the_last_occurrence_everywhere() {
        // The first copy of id 5 activates later, but the last copy is the one decryption uses,
        // so it must also be the one encryption picks; the first copy's expiry does not count.
        let mut b = KeySetBuilder::new(KeySetConfig::default());
        b.key(key(5, Some(1), 200, 5000)).unwrap();
        b.key(key(6, Some(1), 50, 1000)).unwrap();
        b.key(key(5, Some(1), 100, 1000)).unwrap();
        let set = b.build();
        let at = |t| {
            set.active_key(1, Timestamp::from_millis(t))
                .map(|k| (k.id(), k.activates().as_millis()))
        };
        assert_eq!(at(300), Some((5, 100)));
        assert_eq!(set.latest_expiry(), Some(Timestamp::from_millis(1000)));
        assert_eq!(set.keys().len(), 3);
    }

    #[test]
    fn empty_set_is_never_valid() {
        let set = KeySetBuilder::new(KeySetConfig::default()).build();
        assert!(!set.is_valid(Timestamp::from_millis(i64::MIN)));
    }
}
