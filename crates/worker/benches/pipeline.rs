//! The worker pipeline's CPU per event: envelope parsing, claim, ordering guard, routing, handler
//! and outcome, with the state table and the handlers replaced by in-memory sinks — to one
//! handler, and fanned out to three (three deliveries, recorded with the outcome).
//!
//! And what a destination's circuit breaker and rate limit add to a delivery: the breaker's
//! cached check and report, and each DynamoDB call they make — a circuit read (GetItem) and a
//! rate-limit slot (UpdateItem) — through the real SDK client (request, SigV4 signature, response
//! parsing) against a local HTTP stand-in that answers at once, so that the time is the worker's.
//!
//! And what a destination's `transform` (jq) adds: a batch forwarded to a local receiver with and
//! without one, and the program alone on a 1 KiB body.
//!
//! `cargo bench -p hookway-worker --bench pipeline`

#![allow(missing_docs)]

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use aws_lambda_events::event::sqs::SqsEvent;
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use hookway_core::Config;
use hookway_core::envelope::Envelope;
use hookway_core::store::MemoryStore;
use hookway_core::transform::Program;
use hookway_testkit::receiver::{Receiver, Reply};
use hookway_worker::Worker;
use hookway_worker::breaker::CircuitBreaker;
use hookway_worker::deadline::Deadline;
use hookway_worker::event::Event;
use hookway_worker::handler::{Handler, HandlerError, Registry};
use hookway_worker::rate_limit::RateLimiter;
use hookway_worker::shared::{DynamoShared, MemoryShared, SharedState};
use serde_json::{Value, json};

/// A handler that only looks at the body.
struct Sink;

#[async_trait]
impl Handler for Sink {
    async fn handle(&self, event: &Event, _deadline: Deadline) -> Result<Option<Value>, HandlerError> {
        black_box(&event.body);
        Ok(None)
    }
}

const BATCH: usize = 10;

/// A batch of 1 KiB Stripe events, each with a fresh id and entity.
fn batch(serial: &mut u64) -> SqsEvent {
    let records: Vec<Value> = (0..BATCH)
        .map(|_| {
            *serial += 1;
            let id = format!("evt_{serial}");
            let mut body = json!({"id": id, "type": "invoice.paid", "created": serial, "data": {"object": {"id": format!("in_{serial}"), "memo": ""}}})
                .to_string();
            body.insert_str(body.len() - 4, &"x".repeat(1024 - body.len()));
            let (body_encoding, encoded) = Envelope::encode_body(body.as_bytes());
            let mut envelope = Envelope {
                id: id.as_str().into(),
                source: "stripe".into(),
                event_type: Some("invoice.paid".into()),
                received_at: "2026-11-22T05:44:00.123Z".into(),
                request_id: Some("JKJaXmPLvHcESHA=".into()),
                content_type: Some("application/json".into()),
                headers: [("user-agent".into(), "Stripe/1.0".into())].into(),
                body_encoding,
                body: encoded,
                ..Envelope::default()
            };
            json!({"messageId": id, "body": envelope.to_message().unwrap()})
        })
        .collect();
    serde_json::from_value(json!({ "Records": records })).unwrap()
}

fn worker(route: serde_json::Value) -> Worker<MemoryStore> {
    let config = Config::from_json(
        &json!({
            "sources": [{"name": "stripe", "scheme": "stripe", "secretParameters": ["/s"],
                         "ordering": {"entityPointer": "/data/object/id", "versionPointer": "/created"}}],
            "routes": [route],
        })
        .to_string(),
    )
    .unwrap();
    let registry = Registry::new().with("sink", Sink).with("audit", Sink).with("archive", Sink);
    Worker::new(&config, MemoryStore::default(), &registry, reqwest::Client::new()).unwrap()
}

fn pipeline(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let single = worker(json!({"source": "*", "handler": {"custom": "sink"}}));
    let fan_out = worker(json!({"source": "*", "where": [{"pointer": "/type", "equals": "invoice.paid"}],
        "handlers": [{"custom": "sink"}, {"custom": "audit"}, {"custom": "archive"}]}));
    batches(c, &runtime, "worker/1KiB", [("batch-of-10", &single), ("batch-of-10/fan-out-of-3", &fan_out)]);
}

/// Each worker's CPU per event, a batch of 10 at a time (after one batch that warms it up).
fn batches<const N: usize>(
    c: &mut Criterion,
    runtime: &tokio::runtime::Runtime,
    group: &str,
    workers: [(&str, &Worker<MemoryStore>); N],
) {
    let deadline = Deadline::after(Duration::from_secs(3600));
    let mut serial = 0;
    for (_, worker) in workers {
        let (response, _) = runtime.block_on(worker.batch(batch(&mut serial), deadline));
        assert!(response.batch_item_failures.is_empty());
    }
    let mut group = c.benchmark_group(group);
    group.throughput(Throughput::Elements(BATCH as u64));
    for (name, worker) in workers {
        group.bench_function(name, |b| {
            b.iter_batched(
                || batch(&mut serial),
                |batch| runtime.block_on(worker.batch(batch, deadline)),
                BatchSize::SmallInput,
            )
        });
    }
    group.finish();
}

fn destination_state(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    // DynamoDB's answer to a read of a missing item, and to an update without return values.
    let dynamodb = runtime.block_on(Receiver::start());
    dynamodb.always(Reply::Body(200, "application/x-amz-json-1.0", "{}".into()));
    let aws = runtime.block_on(hookway_testkit::sdk_config_for(&dynamodb.url));
    let table: Arc<dyn SharedState> = Arc::new(DynamoShared::new(aws_sdk_dynamodb::Client::new(&aws), "bench"));
    let memory: Arc<dyn SharedState> = Arc::new(MemoryShared::default());
    let key = "https://billing.example.com/hooks";
    let now = hookway_core::unix_now_ms;
    let cooldown = Duration::from_secs(30);
    let breaker = CircuitBreaker::new(key, 5, cooldown, Duration::from_secs(11), Arc::clone(&table));
    let limiter = RateLimiter::new(key, 1000, Arc::clone(&memory));

    let mut group = c.benchmark_group("destination");
    group.bench_function("breaker: check and report, closed and healthy (cached)", |b| {
        b.iter(|| {
            runtime.block_on(async {
                let permit = breaker.acquire(now()).await.unwrap();
                breaker.record(permit, true, now()).await;
            })
        })
    });
    group.bench_function("rate limit: reserve a slot (in memory)", |b| {
        b.iter(|| runtime.block_on(limiter.reserve(black_box(now()))).unwrap())
    });
    group.bench_function("dynamodb: read a circuit (GetItem)", |b| {
        b.iter(|| runtime.block_on(table.circuit(black_box(key))).unwrap())
    });
    group.bench_function("dynamodb: reserve a rate-limit slot (UpdateItem)", |b| {
        b.iter(|| runtime.block_on(table.reserve(black_box(key), now(), 200, true)).unwrap())
    });
    group.finish();
}

/// Reshapes a Stripe event and sets a header: what a typical transform does.
const TRANSFORM: &str =
    r#"{id, type, invoice: .data.object.id, version: .created} | with_headers({"X-Invoice": .invoice})"#;

fn transform(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let receiver = runtime.block_on(Receiver::start());
    let url = format!("{}/hooks", receiver.url);
    let plain = worker(json!({"source": "*", "handler": {"forward": {"url": url}}}));
    let shaped = worker(json!({"source": "*", "handler": {"forward": {"url": url, "transform": TRANSFORM}}}));
    batches(c, &runtime, "worker/1KiB/forward", [("batch-of-10", &plain), ("batch-of-10/with-transform", &shaped)]);
    assert!(receiver.received_at("/hooks").last().unwrap().headers.contains_key("x-invoice"));

    let program = Program::compile(TRANSFORM).unwrap();
    let message = &batch(&mut 0).records[0];
    let event = Event::from_envelope(message.body.as_deref().unwrap()).unwrap();
    let mut group = c.benchmark_group("transform");
    group.bench_function("compile", |b| b.iter(|| Program::compile(black_box(TRANSFORM)).unwrap()));
    group.bench_function("run on 1KiB", |b| b.iter(|| event.transformed(black_box(&program)).unwrap()));
    group.finish();
}

criterion_group!(benches, pipeline, destination_state, transform);
criterion_main!(benches);
