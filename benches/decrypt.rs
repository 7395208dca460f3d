//! Token decryption and sharing encryption, with a floor: the bare base64url decoding and two
//! AES-256-GCM decryptions that any v4 decryption has to do.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    unreachable_pub,
    reason = "test and bench code: a failed expectation panics; the core's no-panic and no_std lints do not apply"
)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use uid2::KeySet;
use uid2::token::{ClientType, TokenVersion};

mod support;
use support::{CounterRandom, EMAIL_RAW_UID, NOW, keys, keyset_document, token};

fn decrypt(c: &mut Criterion) {
    let keys = keys();
    let mut g = c.benchmark_group("decrypt");
    for (id, version) in [
        ("v2", TokenVersion::V2),
        ("v3", TokenVersion::V3),
        ("v4", TokenVersion::V4),
    ] {
        let t = token(&keys, version);
        assert!(keys.decrypt(&t, ClientType::Bidstream, None, NOW).is_ok());
        g.bench_function(id, |b| {
            b.iter(|| {
                let r = keys.decrypt(black_box(&t), ClientType::Bidstream, None, black_box(NOW));
                black_box(&r);
            })
        });
    }
    let t = token(&keys, TokenVersion::V4);
    let later = NOW.saturating_add_millis(7_200_000);
    assert!(
        keys.decrypt(&t, ClientType::Bidstream, None, later)
            .is_err()
    );
    g.bench_function("v4_expired", |b| {
        b.iter(|| {
            let r = keys.decrypt(black_box(&t), ClientType::Bidstream, None, black_box(later));
            black_box(&r);
        })
    });
    g.finish();
}

fn encrypt(c: &mut Criterion) {
    let keys = keys();
    let mut rng = CounterRandom(1);
    c.bench_function("encrypt/v4", |b| {
        b.iter(|| {
            let r = keys.encrypt(black_box(EMAIL_RAW_UID), black_box(NOW), &mut rng);
            black_box(&r);
        })
    });
}

/// The least work a v4 decryption can do: decode the text with the fastest decoder (SIMD), open
/// both GCM layers in place with ciphers prepared in advance, with the AES-GCM implementation the
/// build's decryption uses (AWS-LC with the `aws-lc` feature, else ring with the `ring` feature,
/// else RustCrypto's `aes-gcm`).
fn floor(c: &mut Criterion) {
    let keys = keys();
    let t = token(&keys, TokenVersion::V4);
    let master = floor_cipher::Cipher::new(keys.key(164).unwrap().secret().expose());
    let site = floor_cipher::Cipher::new(keys.key(165).unwrap().secret().expose());
    c.bench_function("floor/v4", |b| {
        b.iter(|| {
            let mut buf = [0u8; 256];
            let n = base64_simd::URL_SAFE_NO_PAD
                .decode(
                    black_box(t.as_bytes()),
                    base64_simd::Out::from_slice(&mut buf),
                )
                .unwrap()
                .len();
            let master_pt = master.open(&mut buf[6..n]);
            let site_pt = site.open(&mut master_pt[33..]);
            black_box(&site_pt);
        })
    });
}

#[cfg(not(any(feature = "aws-lc", feature = "ring")))]
mod floor_cipher {
    use aes_gcm::aead::KeyInit as _;
    use aes_gcm::{AeadInOut as _, Aes256Gcm};

    pub struct Cipher(Aes256Gcm);

    impl Cipher {
        pub fn new(key: &[u8; 32]) -> Self {
            Self(Aes256Gcm::new(key.into()))
        }

        /// Opens `nonce ‖ ciphertext ‖ tag` in place.
        pub fn open<'a>(&self, blob: &'a mut [u8]) -> &'a mut [u8] {
            let (nonce, rest) = blob.split_at_mut(12);
            let (ct, tag) = rest.split_at_mut(rest.len() - 16);
            let nonce = <&aes_gcm::Nonce<_>>::try_from(&*nonce).unwrap();
            let tag = <&aes_gcm::Tag>::try_from(&*tag).unwrap();
            self.0
                .decrypt_inout_detached(nonce, &[], ct.into(), tag)
                .unwrap();
            ct
        }
    }
}

#[cfg(feature = "aws-lc")]
mod floor_cipher {
    use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};

    pub struct Cipher(LessSafeKey);

    impl Cipher {
        pub fn new(key: &[u8; 32]) -> Self {
            Self(LessSafeKey::new(
                UnboundKey::new(&AES_256_GCM, key).unwrap(),
            ))
        }

        /// Opens `nonce ‖ ciphertext ‖ tag` in place.
        pub fn open<'a>(&self, blob: &'a mut [u8]) -> &'a mut [u8] {
            let (nonce, rest) = blob.split_at_mut(12);
            let (ct, tag) = rest.split_at_mut(rest.len() - 16);
            let nonce = Nonce::try_assume_unique_for_key(nonce).unwrap();
            self.0
                .open_in_place_separate_tag(nonce, Aad::empty(), tag, ct)
                .unwrap()
        }
    }
}

#[cfg(all(feature = "ring", not(feature = "aws-lc")))]
mod floor_cipher {
    use ring::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};

    pub struct Cipher(LessSafeKey);

    impl Cipher {
        pub fn new(key: &[u8; 32]) -> Self {
            Self(LessSafeKey::new(
                UnboundKey::new(&AES_256_GCM, key).unwrap(),
            ))
        }

        /// Opens `nonce ‖ ciphertext ‖ tag` in place.
        pub fn open<'a>(&self, blob: &'a mut [u8]) -> &'a mut [u8] {
            let (nonce, rest) = blob.split_at_mut(12);
            let (ct, tag) = rest.split_at_mut(rest.len() - 16);
            let nonce = Nonce::try_assume_unique_for_key(nonce).unwrap();
            let tag = ring::aead::Tag::try_from(&*tag).unwrap();
            self.0
                .open_in_place_separate_tag(nonce, Aad::empty(), tag, ct, 0..)
                .unwrap()
        }
    }
}

fn keyset(c: &mut Criterion) {
    let doc = keyset_document(1000);
    assert_eq!(KeySet::parse(doc.as_bytes()).unwrap().keys().len(), 1000);
    c.bench_function("keyset/parse_1000", |b| {
        b.iter(|| KeySet::parse(black_box(doc.as_bytes())))
    });
}

/// A `/v2/key/sharing` reply as it arrives: open the envelope, then parse 1,000 keys.
fn keyset_response(c: &mut Criterion) {
    use criterion::BatchSize;
    use uid2::envelope::{BodyEncoding, ClientSecret, seal_request};
    use uid2::random::ReplayRandom;

    let secret_bytes = [0x33u8; 32];
    let secret = ClientSecret::new(secret_bytes);
    let fixed = [5u8; 20]; // the same IV and nonce for every request, so one reply fits all
    let request = |out: &mut Vec<u8>| {
        out.resize(128, 0);
        let (n, pending) = seal_request(
            &secret,
            NOW,
            &mut ReplayRandom::new(&fixed),
            &[],
            BodyEncoding::Text,
            out,
        )
        .unwrap();
        out.truncate(n);
        pending
    };
    let mut body = Vec::new();
    let _ = request(&mut body);
    let reply = support::seal_reply(&secret_bytes, &body, &keyset_document(1000));
    c.bench_function("keyset/open_parse_1000", |b| {
        b.iter_batched(
            || (request(&mut Vec::new()), reply.clone()),
            |(pending, mut reply)| {
                let opened = pending.open(200, Some("text/plain"), &mut reply).unwrap();
                KeySet::parse(opened.document()).unwrap()
            },
            BatchSize::SmallInput,
        )
    });
}

criterion_group!(benches, decrypt, encrypt, floor, keyset, keyset_response);
criterion_main!(benches);
