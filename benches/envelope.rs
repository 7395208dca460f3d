//! Envelope throughput: sealing requests and opening replies of 1 KB and 1 MB, in the text
//! (base64) and binary body encodings.
#![allow(
    clippy::unwrap_used,
    clippy::arithmetic_side_effects,
    reason = "benchmark setup: a panic aborts the run"
)]

use core::hint::black_box;

use aes_gcm::Aes256Gcm;
use aes_gcm::aead::{AeadInOut, KeyInit};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use uid2::Timestamp;
use uid2::envelope::{BodyEncoding, ClientSecret, PendingResponse, seal_request, sealed_body_len};
use uid2::random::SecureRandom;

const SECRET: [u8; 32] = [0x42; 32];
const NONCE: [u8; 8] = [7; 8];
const NOW: Timestamp = Timestamp::from_millis(1_717_243_200_000);

/// A deterministic source that yields a fixed IV and nonce (benchmarks only).
struct Fixed;

impl SecureRandom for Fixed {
    fn fill(&mut self, dest: &mut [u8]) -> Result<(), uid2::RandomError> {
        dest.fill(7);
        Ok(())
    }
}

fn pending() -> PendingResponse {
    let mut out = [0u8; 64];
    seal_request(
        &ClientSecret::new(SECRET),
        NOW,
        &mut Fixed,
        b"",
        BodyEncoding::Binary,
        &mut out,
    )
    .unwrap()
    .1
}

/// An operator reply carrying `document`, sealed for [`pending`]'s nonce.
fn reply(document: &[u8], encoding: BodyEncoding) -> Vec<u8> {
    let mut buf = [&NOW.as_millis().to_be_bytes()[..], &NONCE[..], document].concat();
    let iv = [3u8; 12];
    let tag = Aes256Gcm::new(&SECRET.into())
        .encrypt_inout_detached(
            &aes_gcm::aead::Nonce::<Aes256Gcm>::from(iv),
            &[],
            buf.as_mut_slice().into(),
        )
        .unwrap();
    let blob = [&iv[..], &buf, &tag[..]].concat();
    match encoding {
        BodyEncoding::Binary => blob,
        _ => STANDARD.encode(blob).into_bytes(),
    }
}

fn envelope(c: &mut Criterion) {
    let secret = ClientSecret::new(SECRET);
    for (label, size) in [("1KB", 1024usize), ("1MB", 1024 * 1024)] {
        let payload = vec![b'a'; size];
        let mut group = c.benchmark_group(format!("envelope/{label}"));
        group.throughput(Throughput::Bytes(u64::try_from(size).unwrap()));
        if size > 4096 {
            group.sample_size(20);
        }
        for (name, encoding) in [
            ("text", BodyEncoding::Text),
            ("binary", BodyEncoding::Binary),
        ] {
            let mut out = vec![0u8; sealed_body_len(size, encoding).unwrap()];
            group.bench_function(format!("seal_{name}"), |b| {
                b.iter(|| {
                    let (n, pending) = seal_request(
                        &secret,
                        NOW,
                        &mut Fixed,
                        black_box(&payload),
                        encoding,
                        &mut out,
                    )
                    .unwrap();
                    black_box((n, pending))
                });
            });
            let body = reply(&payload, encoding);
            let content_type = encoding.content_type();
            group.bench_function(format!("open_{name}"), |b| {
                b.iter_batched_ref(
                    || (Some(pending()), body.clone()),
                    |(pending, body)| {
                        let opened = pending
                            .take()
                            .unwrap()
                            .open(200, Some(content_type), body)
                            .unwrap();
                        black_box(opened.document().len())
                    },
                    BatchSize::LargeInput,
                );
            });
        }
        group.finish();
    }
}

criterion_group!(benches, envelope);
criterion_main!(benches);
