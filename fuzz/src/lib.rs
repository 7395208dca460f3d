//! What the fuzz targets share: a key set with a master, a default-keyset and a site key, and a
//! fixed `now`.

use uid2::key::{KeyParams, KeySetBuilder, KeySetConfig};
use uid2::{IdentityScope, Key, KeySet, Secret, Timestamp};

/// The time every target decrypts at.
pub const NOW: Timestamp = Timestamp::from_millis(1_700_000_000_000);

const DAY: i64 = 86_400_000;

/// A key valid from a day before [`NOW`] until 400 days after.
#[must_use]
pub fn key(id: i64, keyset: i64, site_id: Option<i64>, fill: u8) -> Key {
    Key::new(
        KeyParams {
            id,
            keyset_id: Some(keyset),
            site_id,
            created: NOW,
            activates: NOW.saturating_sub_millis(DAY),
            expires: NOW.saturating_add_millis(400 * DAY),
        },
        Secret::new([fill; 32]),
    ).unwrap()
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
    for k in [
        key(164, 1, None, 0x5a),
        key(165, 2, None, 0xa5),
        key(166, 3, Some(77), 0x3c),
    ] {
        if b.key(k).is_err() {
            unreachable!("three keys fit any key set");
        }
    }
    if b.site(77, ["example.com", "com.example.app"]).is_err() {
        unreachable!("one site fits any key set");
    }
    b.build()
}
