//! Verification against the bare primitive over the same bytes, at 1 KiB and 64 KiB: the first
//! providers and the generic scheme against a bare HMAC-SHA256, and one provider of each other kind
//! — HMAC-SHA1 (Intercom), Ed25519 (Discord), ECDSA P-256 (SendGrid) — against its own primitive.
//! The target: within 1.3x of the primitive at 64 KiB, where it dominates and anything else —
//! header parsing, decoding, comparing, the descriptor's indirections — must be noise.
//!
//! Beside them, what the catalog's size costs a function's init: finding a source's provider by
//! name (the last of the catalog, the longest search) and preparing its key, as the intake does
//! once per source. Run it on two catalogs to compare them.
//!
//! `cargo bench -p hookway-providers --bench verify`

#![allow(missing_docs)]

use std::hint::black_box;

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use hmac::{Hmac, Mac};
use hookway_providers::key::generate;
use hookway_providers::{Algorithm, Custom, CustomSettings, Encoding, Key, Request, Scheme, SignRequest};
use http::HeaderMap;
use sha2::{Digest, Sha256};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const NOW: i64 = 1_700_000_000;
const URL: &str = "https://hooks.example.com/v1/webhooks/bench";

fn body(len: usize) -> Vec<u8> {
    let mut body = br#"{"id": "evt_1", "type": "invoice.paid", "data": ""#.to_vec();
    body.resize(len - 2, b'x');
    body.extend_from_slice(br#""}"#);
    body
}

/// Signs as the scheme would, checks it verifies, and measures the verification.
fn bench_scheme(
    group: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    scheme: &Scheme,
    signing: &Key,
    verifying: Key,
    body: &[u8],
) {
    let request = SignRequest { id: "evt_1", timestamp: NOW, body, method: "POST", url: URL };
    let signed = scheme.sign(signing, &request).unwrap();
    let headers: HeaderMap =
        signed.headers.into_iter().map(|(name, value)| (name.parse().unwrap(), value.parse().unwrap())).collect();
    let body = signed.body.unwrap_or_else(|| body.to_vec());
    let keys = [verifying];
    let sent = Request { method: "POST", url: URL, headers: &headers, body: &body };
    scheme.verify(&sent, &keys, 300, NOW).unwrap();
    group.bench_with_input(BenchmarkId::from_parameter(name), &body, |b, body| {
        b.iter(|| {
            let sent = Request { method: "POST", url: URL, headers: black_box(&headers), body: black_box(body) };
            scheme.verify(&sent, &keys, 300, NOW)
        })
    });
}

fn verification(c: &mut Criterion) {
    let generic = CustomSettings {
        signature_header: "X-Signature".into(),
        prefix: "sha256=".into(),
        template: "{timestamp}.{body}".into(),
        algorithm: Algorithm::HmacSha256,
        encoding: Encoding::Hex,
        timestamp_header: Some("X-Timestamp".into()),
        id_header: Some("X-Webhook-Id".into()),
        id_signed: Some(false),
        id_pointer: None,
        type_header: None,
        type_pointer: Some("/type".into()),
    };
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
        group.bench_function("bare-hmac-sha1", |b| {
            b.iter(|| {
                let mut mac = Hmac::<sha1::Sha1>::new_from_slice(SECRET.as_bytes()).unwrap();
                mac.update(black_box(&body));
                black_box(mac.finalize().into_bytes())
            })
        });
        // The providers sign the timestamp and the body: the primitives get the same bytes.
        let message = [NOW.to_string().as_bytes(), &body].concat();
        let ed25519 = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
        let ed25519_signature = ed25519_dalek::Signer::sign(&ed25519, &message);
        let ed25519_public = ed25519.verifying_key();
        group.bench_function("bare-ed25519", |b| {
            b.iter(|| {
                ed25519_dalek::Verifier::verify(&ed25519_public, black_box(&message), &ed25519_signature).unwrap()
            })
        });
        let p256 = p256::ecdsa::SigningKey::from_slice(&[7u8; 32]).unwrap();
        let p256_signature: p256::ecdsa::Signature =
            p256::ecdsa::signature::DigestSigner::sign_digest(&p256, Sha256::new_with_prefix(&message));
        let p256_public = *p256.verifying_key();
        group.bench_function("bare-ecdsa-p256", |b| {
            b.iter(|| {
                let digest = Sha256::new_with_prefix(black_box(&message));
                p256::ecdsa::signature::DigestVerifier::verify_digest(&p256_public, digest, &p256_signature).unwrap()
            })
        });

        let custom = Scheme::Custom(Box::new(Custom::new(&generic).unwrap()));
        let key = custom.key(SECRET, None).unwrap();
        bench_scheme(&mut group, "hmac", &custom, &key, key.clone(), &body);
        for name in ["github", "stripe", "slack", "shopify", "standard-webhooks", "intercom", "discord", "sendgrid"] {
            let scheme = Scheme::named(name).unwrap();
            let spec = scheme.spec();
            let (signing, verifying) = if spec.algorithm.is_public_key() {
                let generated = generate(spec.algorithm, spec.secret, [7u8; 32]);
                let private = scheme.private_key(generated.private_key.as_deref().unwrap()).unwrap();
                (private, scheme.key(&generated.secret, None).unwrap())
            } else {
                let key = scheme.key(SECRET, None).unwrap();
                (key.clone(), key)
            };
            bench_scheme(&mut group, name, &scheme, &signing, verifying, &body);
        }
        group.finish();
    }
}

fn catalog(c: &mut Criterion) {
    let mut group = c.benchmark_group("init");
    let last = hookway_providers::CATALOG.last().unwrap().name;
    group.bench_function(BenchmarkId::new("find-the-last-provider", hookway_providers::CATALOG.len()), |b| {
        b.iter(|| Scheme::named(black_box(last)).unwrap());
    });
    group.bench_function(BenchmarkId::new("a-stripe-source", hookway_providers::CATALOG.len()), |b| {
        b.iter(|| Scheme::named(black_box("stripe")).unwrap().key(black_box(SECRET), None).unwrap());
    });
    group.finish();
}

criterion_group!(benches, catalog, verification);
criterion_main!(benches);
