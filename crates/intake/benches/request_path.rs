//! The intake's request path, with the network replaced by in-memory sinks: a REST API proxy
//! event in, the envelope and SendMessage content out. Target: under 20 µs at 1 KiB.
//!
//! * `handle` — from the parsed request (what `lambda_http` hands the handler) to the response;
//! * `event-json+handle` — the same, starting from the event's JSON as the Runtime API sends it.
//!
//! And the large-body path (a body over the inline limit, by claim check), beside the S3 round
//! trip it waits for:
//!
//! * `intake/large-body/handle` — 1 MiB and 4 MiB bodies through `handle`, the bucket replaced by
//!   a sink: the intake's own work (the signature over the body, its SHA-256, the envelope);
//! * `intake/large-body/s3-put-moto` — one `PutObject` of the same body to a local moto server:
//!   the round trip on this machine (AWS's own takes tens of milliseconds more for megabytes).
//!
//! `cargo bench -p hookway-intake --bench request_path`

#![allow(missing_docs)]

use std::hint::black_box;
use std::sync::Arc;

use async_trait::async_trait;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use bytes::Bytes;
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use hookway_core::Config;
use hookway_core::archive::{ArchiveError, MemoryObjects, ObjectStore};
use hookway_core::aws::s3::S3Objects;
use hookway_core::scheme::SignRequest;
use hookway_core::secret_cache::{OneSecret, SecretCache};
use hookway_core::store::MemoryStore;
use hookway_intake::Intake;
use hookway_intake::metrics::MetricsSink;
use hookway_intake::queue::{EventQueue, OutgoingMessage, QueueError};
use serde_json::value::RawValue;
use serde_json::{Value, json};

const SECRET: &str = "bench-secret";

/// Keeps nothing: the message is built, then handed to `black_box`.
struct Sink;

impl EventQueue for Sink {
    async fn send(&self, message: OutgoingMessage) -> Result<(), QueueError> {
        black_box(message);
        Ok(())
    }
}

/// Keeps no object: the body is handed to `black_box`.
#[derive(Debug)]
struct Bucket;

#[async_trait]
impl ObjectStore for Bucket {
    async fn put(&self, _key: &str, body: Bytes) -> Result<(), ArchiveError> {
        black_box(body);
        Ok(())
    }

    async fn get(&self, key: &str, _range: Option<(u64, u64)>) -> Result<Bytes, ArchiveError> {
        Err(ArchiveError::NotFound(key.to_owned()))
    }
}

/// A GitHub-style delivery of `size` bytes as an API Gateway REST proxy event.
fn event_json(config: &Config, size: usize) -> String {
    let mut body = br#"{"action": "opened", "number": 1, "pull_request": {"title": ""#.to_vec();
    body.resize(size - 4, b'x');
    body.extend_from_slice(br#""}}"#);
    let source = hookway_core::Source::new(config.source("github").unwrap()).unwrap();
    let key = source.scheme.key(SECRET, None).unwrap();
    let id = "72d3162e-cc78-11e3-81ab-4c9367dc0958";
    let request = SignRequest { id, timestamp: 0, body: &body, method: "POST", url: "" };
    let signed = source.scheme.sign(&key, &request).unwrap();
    let mut headers: serde_json::Map<String, Value> =
        signed.headers.into_iter().map(|(name, value)| (name, json!(value))).collect();
    headers.insert("Content-Type".into(), json!("application/json"));
    headers.insert("X-GitHub-Event".into(), json!("pull_request"));
    headers.insert("User-Agent".into(), json!("GitHub-Hookshot/044aadd"));
    let mut event: Value = serde_json::from_str(include_str!("../../../fixtures/apigw-rest-proxy-event.json")).unwrap();
    event["multiValueHeaders"] = Value::Object(headers.iter().map(|(n, v)| (n.clone(), json!([v]))).collect());
    event["headers"] = Value::Object(headers);
    event["body"] = json!(BASE64.encode(&body));
    event.to_string()
}

fn request_path(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let config = Config::from_json(include_str!("../../../hookway.json")).unwrap();
    let intake = Intake::new(
        &config,
        Sink,
        SecretCache::new(OneSecret(SECRET)),
        MemoryStore::default(),
        Arc::new(MemoryObjects::default()),
    )
    .unwrap()
    .with_metrics(MetricsSink::discard());
    runtime.block_on(intake.preload_secrets());
    let event = event_json(&config, 1024);
    let check = runtime.block_on(intake.handle(lambda_http::request::from_str(&event).unwrap()));
    assert_eq!(check.status(), 202, "{:?}", check.body());

    let mut group = c.benchmark_group("intake/1KiB");
    group.throughput(Throughput::Elements(1));
    group.bench_function("handle", |b| {
        b.iter_batched(
            || lambda_http::request::from_str(&event).unwrap(),
            |request| runtime.block_on(intake.handle(request)),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("event-json+handle", |b| {
        b.iter(|| runtime.block_on(intake.handle(lambda_http::request::from_str(black_box(&event)).unwrap())))
    });
    // What Lambda runs: the runtime checks the event is JSON and hands over its text, which the
    // intake converts itself.
    group.bench_function("event-json+handle_event", |b| {
        b.iter(|| {
            let payload: Box<RawValue> = serde_json::from_str(black_box(&event)).unwrap();
            runtime.block_on(intake.handle_event(payload.get(), lambda_http::Context::default()))
        })
    });
    group.finish();
}

fn large_body(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let mut config = Config::from_json(include_str!("../../../hookway.json")).unwrap();
    config.intake.max_body_bytes = hookway_core::config::MAX_BODY_BYTES_LIMIT;
    let intake =
        Intake::new(&config, Sink, SecretCache::new(OneSecret(SECRET)), MemoryStore::default(), Arc::new(Bucket))
            .unwrap()
            .with_metrics(MetricsSink::discard());
    runtime.block_on(intake.preload_secrets());
    let moto = hookway_testkit::MotoServer::start();
    let aws = runtime.block_on(moto.sdk_config());
    runtime.block_on(hookway_testkit::create_bucket(&aws, "bench-archive"));
    let bucket = S3Objects::new(&aws, "bench-archive");

    let mut group = c.benchmark_group("intake/large-body");
    group.sample_size(20);
    for mib in [1, 4] {
        let size = mib * 1024 * 1024;
        let event = event_json(&config, size);
        let check = runtime.block_on(intake.handle(lambda_http::request::from_str(&event).unwrap()));
        assert_eq!(check.status(), 202, "{:?}", check.body());
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_function(format!("handle/{mib}MiB"), |b| {
            b.iter_batched(
                || lambda_http::request::from_str(&event).unwrap(),
                |request| runtime.block_on(intake.handle(request)),
                BatchSize::LargeInput,
            )
        });
        let body = Bytes::from(vec![b'x'; size]);
        group.bench_function(format!("s3-put-moto/{mib}MiB"), |b| {
            b.iter(|| runtime.block_on(bucket.put("bodies/bench/object", body.clone())).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, request_path, large_body);
criterion_main!(benches);
