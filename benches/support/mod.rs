//! Shared fixtures for the benches: the spec's test keys and tokens built from them.

use uid2::key::{KeyParams, KeySetBuilder, KeySetConfig};
use uid2::token::{TokenBuilder, TokenVersion};
use uid2::{Key, KeySet, RandomError, Secret, SecureRandom, Timestamp};

pub const NOW: Timestamp = Timestamp::from_millis(1_700_000_000_000);
pub const EMAIL_RAW_UID: &str = "ywsvDNINiZOVSsfkHpLpSJzXzhr6Jx9Z/4Q0+lsEUvM=";

/// A fast deterministic byte source (a counter). Benchmarks only.
pub struct CounterRandom(pub u64);

impl SecureRandom for CounterRandom {
    fn fill(&mut self, dest: &mut [u8]) -> Result<(), RandomError> {
        for chunk in dest.chunks_mut(8) {
            self.0 = self.0.wrapping_add(1);
            let bytes = self.0.to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
        Ok(())
    }
}

pub fn key(id: i64, keyset: i64, secret: &str) -> Key {
    Key::new(
        KeyParams {
            id,
            keyset_id: Some(keyset),
            site_id: None,
            created: NOW.saturating_sub_millis(86_400_000),
            activates: NOW.saturating_sub_millis(86_400_000),
            expires: NOW.saturating_add_millis(86_400_000),
        },
        Secret::from_base64(secret).unwrap(),
    )
    .unwrap()
}

pub fn keys() -> KeySet {
    let mut config = KeySetConfig::default();
    config.caller_site_id = Some(9000);
    config.master_keyset_id = Some(1);
    config.default_keyset_id = Some(99999);
    config.max_bidstream_lifetime_seconds = Some(259_200);
    let mut b = KeySetBuilder::new(config);
    b.key(key(164, 1, "iyXxrRJcJOilqBcSJsN7XKCIuShbraXdqBCppCaLCJs="))
        .unwrap();
    b.key(key(
        165,
        99999,
        "IPsHwoSa+lbKdGgdg8CL1zCkC0HibqcObDP+fUEYF4U=",
    ))
    .unwrap();
    b.site(9000, ["example.com"]).unwrap();
    b.build()
}

pub fn token(keys: &KeySet, version: TokenVersion) -> String {
    let (master, site) = (keys.key(164).unwrap(), keys.key(165).unwrap());
    TokenBuilder::new(version, EMAIL_RAW_UID, master, site, NOW)
        .build(&mut CounterRandom(7))
        .unwrap()
        .as_str()
        .to_owned()
}

/// A key-set document with `n` keys, shaped as the operator sends it.
pub fn keyset_document(n: usize) -> String {
    let mut keys = Vec::with_capacity(n);
    for i in 0..n {
        keys.push(format!(
            r#"{{"id":{},"keyset_id":{},"created":1690000000,"activates":1690000000,"expires":1800000000,"secret":"iyXxrRJcJOilqBcSJsN7XKCIuShbraXdqBCppCaLCJs="}}"#,
            1000 + i,
            if i % 10 == 0 { 9999999 } else { 100 + i % 7 }
        ));
    }
    format!(
        r#"{{"body":{{"caller_site_id":9000,"master_keyset_id":9999999,"default_keyset_id":101,"token_expiry_seconds":"2592000","identity_scope":"UID2","allow_clock_skew_seconds":1800,"max_sharing_lifetime_seconds":2592010,"keys":[{}],"site_data":[{{"id":9000,"domain_names":["example.com","example.org"]}}]}},"status":"success"}}"#,
        keys.join(",")
    )
}

/// The operator's side of an envelope: opens `request` (base64 text) and seals `document` as the
/// reply to it.
pub fn seal_reply(secret: &[u8; 32], request: &[u8], document: &str) -> Vec<u8> {
    let secret = Secret::new(*secret);
    let opened = uid2::server::open_request(&secret, Some("text/plain"), request).unwrap();
    opened
        .seal_response(&secret, NOW, document.as_bytes(), &mut CounterRandom(3))
        .unwrap()
}
