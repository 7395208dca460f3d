//! The token path, N rounds: v2/v3/v4 decryption (success, expired, domain check, tampered
//! token), sharing encryption and decryption of the result.

use uid2::key::{KeyParams, KeySetBuilder, KeySetConfig};
use uid2::random::ReplayRandom;
use uid2::token::{ClientType, TokenBuilder, TokenVersion};
use uid2::{Key, KeySet, RandomError, Secret, SecureRandom, Timestamp};

/// A counter, not a random source: enough for a heap count.
struct Counter(u8);

impl SecureRandom for Counter {
    fn fill(&mut self, dest: &mut [u8]) -> Result<(), RandomError> {
        for b in dest {
            self.0 = self.0.wrapping_add(1);
            *b = self.0;
        }
        Ok(())
    }
}

const NOW: Timestamp = Timestamp::from_millis(1_700_000_000_000);
const RAW_UID: &str = "ywsvDNINiZOVSsfkHpLpSJzXzhr6Jx9Z/4Q0+lsEUvM=";

fn key(id: i64, keyset: i64, fill: u8) -> Key {
    Key::new(
        KeyParams {
            id,
            keyset_id: Some(keyset),
            site_id: None,
            created: NOW,
            activates: NOW.saturating_sub_millis(1000),
            expires: NOW.saturating_add_millis(86_400_000),
        },
        Secret::new([fill; 32]),
    ).unwrap()
}

fn keys() -> Option<KeySet> {
    let mut config = KeySetConfig::default();
    config.master_keyset_id = Some(1);
    config.default_keyset_id = Some(2);
    config.caller_site_id = Some(9000);
    config.max_bidstream_lifetime_seconds = Some(3600);
    let mut b = KeySetBuilder::new(config);
    b.key(key(10, 1, 1)).ok()?.key(key(20, 2, 2)).ok()?;
    b.site(9000, ["example.com"]).ok()?;
    Some(b.build())
}

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(1);
    let Some(keys) = keys() else {
        eprintln!("heap-check: key set setup failed");
        std::process::exit(2);
    };
    let (Some(m), Some(s)) = (keys.key(10), keys.key(20)) else {
        std::process::exit(2);
    };
    let nonces = [9u8; 64];
    let mut tokens = Vec::new();
    for v in [TokenVersion::V2, TokenVersion::V3, TokenVersion::V4] {
        match TokenBuilder::new(v, RAW_UID, m, s, NOW)
            .privacy_bits(0b10)
            .build(&mut ReplayRandom::new(&nonces))
        {
            Ok(t) => tokens.push(t.as_str().to_owned()),
            Err(e) => {
                eprintln!("heap-check: token build failed: {e}");
                std::process::exit(2);
            }
        }
    }
    let tampered: Vec<String> = tokens
        .iter()
        .map(|t| {
            let mut b = t.clone().into_bytes();
            if let Some(c) = b.get_mut(40) {
                *c = if *c == b'A' { b'B' } else { b'A' };
            }
            String::from_utf8(b).unwrap_or_default()
        })
        .collect();
    let later = NOW.saturating_add_millis(86_000_000);
    let (mut ok, mut failed) = (0usize, 0usize);
    let mut rng = Counter(0);
    for _ in 0..rounds {
        for t in &tokens {
            for (domain, now) in [
                (Some("example.com"), NOW),
                (Some("other.example"), NOW),
                (None, later),
            ] {
                match keys.decrypt(t, ClientType::Bidstream, domain, now) {
                    Ok(_) => ok += 1,
                    Err(_) => failed += 1,
                }
            }
        }
        for t in &tampered {
            failed += usize::from(keys.decrypt_sharing(t, NOW).is_err());
        }
        match keys.encrypt(RAW_UID, NOW, &mut rng) {
            Ok(shared) => ok += usize::from(keys.decrypt_sharing(shared.as_str(), NOW).is_ok()),
            Err(_) => failed += 1,
        }
    }
    // 3 successes and 1 encrypt+decrypt per round; the rest fail.
    if ok != rounds * 4 || failed != rounds * 9 {
        eprintln!("heap-check: unexpected outcome: {ok} ok, {failed} failed over {rounds} rounds");
        std::process::exit(1);
    }
    println!("heap-check: {rounds} rounds, {ok} ok, {failed} failed");
}
