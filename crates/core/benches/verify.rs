//! Verification of each scheme against a bare HMAC-SHA256 of the same bytes, at 1 KiB and 64 KiB.
//! The target: every scheme within 1.3x of the bare HMAC at 64 KiB, where the MAC dominates and
//! anything else — header parsing, decoding, comparing — must be noise.
//!
//! `cargo bench -p hookway-core --bench verify`

#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use hmac::{Hmac, Mac};
use hookway_core::scheme::SignRequest;
use hookway_core::{Config, Source};
use http::HeaderMap;
use sha2::Sha256;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const NOW: i64 = 1_700_000_000;

fn body(len: usize) -> Vec<u8> {
    let mut body = br#"{"id": "evt_1", "type": "invoice.paid", "data": ""#.to_vec();
    body.resize(len - 2, b'x');
    body.extend_from_slice(br#""}"#);
    body
}

fn verification(c: &mut Criterion) {
    let config = Config::from_json(include_str!("../../../hookway.json")).unwrap();
    for size in [1024, 64 * 1024] {
        let body = body(size);
        let mut group = c.benchmark_group(format!("verify/{}KiB", size / 1024));
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_function("bare-hmac-sha256", |b| {
            b.iter(|| {
                let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
                mac.update(black_box(&body));
                black_box(mac.finalize().into_bytes())
            })
        });
        for source in &config.sources {
            let source = Source::new(source).unwrap();
            let key = source.scheme.key(SECRET, None).unwrap();
            let request = SignRequest { id: "evt_1", timestamp: NOW, body: &body };
            let headers: HeaderMap = source
                .scheme
                .sign(&key, &request)
                .into_iter()
                .map(|(name, value)| (name.parse().unwrap(), value.parse().unwrap()))
                .collect();
            let keys = [key];
            source.verify(&headers, &body, &keys, NOW).unwrap();
            group.bench_with_input(BenchmarkId::from_parameter(&source.name), &body, |b, body| {
                b.iter(|| source.verify(black_box(&headers), black_box(body), &keys, NOW))
            });
        }
        group.finish();
    }
}

criterion_group!(benches, verification);
criterion_main!(benches);
