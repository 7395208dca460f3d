//! Identity map v3 request building: normalize, hash and serialize 5,000 emails, and seal the
//! request as it is sent.
#![allow(missing_docs, reason = "criterion generates the entry point")]

use core::hint::black_box;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use uid2::operator::identity_map_v3::{BatchLimits, IdentityMapV3Input};

fn emails(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| match i % 4 {
            0 => format!("user.{i}@example.com"),
            1 => format!("  First.Last+{i}@GMail.com "),
            2 => format!("SOMEONE{i}@Example.ORG"),
            _ => format!("x{i}+tag@sub.domain.example"),
        })
        .collect()
}

fn build(c: &mut Criterion) {
    const N: usize = 5_000;
    let inputs = emails(N);
    let mut group = c.benchmark_group("identity_map_v3");
    group.throughput(Throughput::Elements(u64::try_from(N).unwrap_or(u64::MAX)));
    group.bench_with_input(
        BenchmarkId::new("build_request", N),
        &inputs,
        |b, inputs| {
            b.iter(|| {
                let mut input = IdentityMapV3Input::with_capacity(inputs.len());
                for e in inputs {
                    input.add_email(e).ok();
                }
                let request = input.into_request();
                black_box(request.body().len())
            });
        },
    );
    let credentials = uid2::envelope::Credentials::from_strings(
        "bench-api-key",
        "ioG3wKxAokmp+rERx6A4kM/13qhyolUXIu14WN16Spo=",
    )
    .ok();
    let now = uid2::Timestamp::from_millis(1_700_000_000_000);
    group.bench_with_input(
        BenchmarkId::new("build_and_seal", N),
        &inputs,
        |b, inputs| {
            use uid2::operator::OperatorCall as _;
            b.iter(|| {
                let mut input = IdentityMapV3Input::with_capacity(inputs.len());
                for e in inputs {
                    input.add_email(e).ok();
                }
                let request = input.into_request();
                let mut rng = uid2::random::ReplayRandom::new(&[7; 20]);
                let sealed = credentials
                    .as_ref()
                    .and_then(|c| request.seal(c, now, &mut rng).ok())
                    .map(|(sealed, _pending)| sealed.request().body().len());
                black_box(sealed)
            });
        },
    );
    group.bench_with_input(BenchmarkId::new("into_batches", N), &inputs, |b, inputs| {
        b.iter(|| {
            let input = IdentityMapV3Input::from_emails(inputs).ok();
            let batches = input.map(|i| i.into_batches(BatchLimits::DEFAULT));
            black_box(batches.map(|b| b.map(|b| b.len())))
        });
    });
    group.bench_function("hash_email_only", |b| {
        b.iter(|| {
            for e in &inputs {
                black_box(uid2::identity::hash_email(e).ok());
            }
        });
    });
    group.finish();
}

criterion_group!(benches, build);
criterion_main!(benches);
