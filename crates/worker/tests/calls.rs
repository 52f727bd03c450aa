//! The AWS calls the worker makes per event on the happy path, counted as they leave the SDK
//! clients (an interceptor on each), against a real moto server and a real HTTP receiver: each one
//! is paid for a million times. DynamoDB: two writes per delivery (claim, outcome) and one
//! `BatchGetItem` per batch (which events are archived already); the ordering guard's read and
//! write only for a source with `ordering`; nothing from the circuit breaker on a healthy
//! destination, and nothing from the rate limiter where none is configured. SQS: nothing (the
//! event source mapping deletes what succeeded); the events a batch sends back to wait, one
//! `SendMessageBatch`. The archive, counted by moto's call log: one Firehose `PutRecordBatch` a
//! batch (or one S3 `PutObject`, with `archive.writer: "worker"`), never one per event.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_config::SdkConfig;
use aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::error::BoxError;
use hookway_core::Config;
use hookway_core::aws::firehose::FirehoseStream;
use hookway_core::aws::s3::S3Objects;
use hookway_core::config::ArchiveWriter;
use hookway_core::envelope::queued as envelope;
use hookway_core::local::resources::provision;
use hookway_core::store::{DynamoStore, StateStore as _};
use hookway_testkit::receiver::{Receiver, Reply};
use hookway_testkit::{MotoServer, queued_envelope};
use hookway_worker::dead_letter::SqsDeadLetterQueue;
use hookway_worker::deadline::Deadline;
use hookway_worker::handler::Registry;
use hookway_worker::requeue::{EventsQueue as _, SqsEventsQueue};
use hookway_worker::shared::DynamoShared;
use hookway_worker::{Outbound, Worker};
use serde_json::{Value, json};

/// Calls by service and operation (`DynamoDB.UpdateItem`, `SQS.SendMessage`), from the request's
/// `X-Amz-Target` header, which both services' JSON protocols set; a DynamoDB call on a shared
/// item is named after it (`DynamoDB.GetItem circuit#`, `rate#`, `entity#`), the event records'
/// are not.
#[derive(Debug, Clone, Default)]
struct Calls(Arc<Mutex<BTreeMap<String, usize>>>);

impl Calls {
    /// Every call so far, taken out.
    fn take(&self) -> BTreeMap<String, usize> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

impl Intercept for Calls {
    fn name(&self) -> &'static str {
        "Calls"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _bag: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let target = context.request().headers().get("x-amz-target").unwrap_or("?");
        let (service, operation) = target.split_once('.').unwrap_or(("?", target));
        let service = if service.starts_with("DynamoDB") { "DynamoDB" } else { "SQS" };
        let body = context.request().body().bytes().and_then(|body| std::str::from_utf8(body).ok()).unwrap_or("");
        let item =
            ["circuit#", "rate#", "entity#"].into_iter().find(|prefix| body.contains(&format!(r#""S":"{prefix}"#)));
        let call = match item {
            Some(item) => format!("{service}.{operation} {item}"),
            None => format!("{service}.{operation}"),
        };
        *self.0.lock().unwrap().entry(call).or_default() += 1;
        Ok(())
    }
}

struct Harness {
    moto: MotoServer,
    aws: SdkConfig,
    queue_url: String,
    table: String,
    receiver: Receiver,
    worker: Worker<DynamoStore>,
    calls: Calls,
}

impl Harness {
    /// A worker as main.rs builds it, whose DynamoDB and SQS clients count their calls, with these
    /// routes to a receiver that answers 200.
    async fn start(routes: impl FnOnce(&str) -> Value) -> Harness {
        Harness::with_writer(ArchiveWriter::default(), routes).await
    }

    /// The same, archiving with `writer`.
    async fn with_writer(writer: ArchiveWriter, routes: impl FnOnce(&str) -> Value) -> Harness {
        let moto = MotoServer::start();
        let aws = moto.sdk_config().await;
        let receiver = Receiver::start().await;
        receiver.always(Reply::Status(200));
        let config = json!({
            "archive": {"writer": writer.as_str()},
            "sources": [
                {"name": "stripe", "scheme": "stripe", "secretParameters": ["/hookway/stripe/secret"],
                 "ordering": {"entityPointer": "/data/object/id", "versionPointer": "/created"}},
                {"name": "github", "scheme": "github", "secretParameters": ["/hookway/github/secret"]}
            ],
            "routes": routes(&receiver.url),
        });
        let config = Config::from_json(&config.to_string()).unwrap();
        let resources = provision(&aws, &config, Duration::from_secs(30)).await.unwrap();
        let calls = Calls::default();
        let dynamodb = dynamodb_client(&aws, &calls);
        let sqs =
            aws_sdk_sqs::Client::from_conf(aws_sdk_sqs::config::Builder::from(&aws).interceptor(calls.clone()).build());
        let outbound = Outbound {
            dead_letters: Some(Arc::new(SqsDeadLetterQueue::new(sqs.clone(), &resources.events_dlq_url))),
            events_queue: Some(Arc::new(SqsEventsQueue::new(sqs, &resources.events_queue_url))),
            shared: Arc::new(DynamoShared::new(dynamodb.clone(), &resources.table)),
            bucket: Some(Arc::new(S3Objects::new(&aws, &resources.archive_bucket))),
            stream: resources.archive_stream.as_ref().map(|stream| Arc::new(FirehoseStream::new(&aws, stream)) as _),
            ..Outbound::from(reqwest::Client::new())
        };
        let store = DynamoStore::new(dynamodb, &resources.table);
        let worker = Worker::new(&config, store, &Registry::new(), outbound).unwrap();
        let (queue_url, table) = (resources.events_queue_url, resources.table);
        Harness { moto, aws, queue_url, table, receiver, worker, calls }
    }

    /// One batch of these envelopes, as the event source mapping hands it over: every one
    /// delivered, and the calls it took.
    async fn batch(&self, envelopes: &[String]) -> BTreeMap<String, usize> {
        let before = self.receiver.received().len();
        let (response, calls) = self.invoke(envelopes).await;
        assert_eq!(response["batchItemFailures"], json!([]), "all delivered");
        assert_eq!(self.receiver.received().len() - before, envelopes.len());
        calls
    }

    /// One batch of these envelopes: the worker's answer, and the calls it took.
    async fn invoke(&self, envelopes: &[String]) -> (Value, BTreeMap<String, usize>) {
        self.calls.take();
        let records: Vec<Value> = envelopes
            .iter()
            .enumerate()
            .map(|(i, body)| json!({"messageId": format!("m{i}"), "body": body, "eventSource": "aws:sqs"}))
            .collect();
        let response =
            self.worker.invoke(json!({"Records": records}), Deadline::after(Duration::from_secs(30))).await.unwrap();
        (response, self.calls.take())
    }
}

impl Harness {
    /// Every call moto has served so far, by service and operation (its call log, which counts
    /// the calls made without an SDK client too: S3's and Firehose's).
    async fn moto_calls(&self) -> BTreeMap<String, usize> {
        let log = reqwest::get(format!("{}/_hookway/calls", self.moto.endpoint)).await.unwrap().bytes().await.unwrap();
        let mut calls = BTreeMap::new();
        for call in serde_json::from_slice::<Vec<Value>>(&log).unwrap() {
            let name = format!("{}.{}", call["service"].as_str().unwrap(), call["operation"].as_str().unwrap());
            *calls.entry(name).or_default() += call["count"].as_u64().unwrap() as usize;
        }
        calls
    }

    /// The archive's calls a batch of these envelopes makes: Firehose's and S3's writes.
    async fn archive_calls(&self, envelopes: &[String]) -> BTreeMap<String, usize> {
        let before = self.moto_calls().await;
        self.batch(envelopes).await;
        let after = self.moto_calls().await;
        after
            .into_iter()
            .filter(|(name, _)| matches!(name.as_str(), "firehose.PutRecordBatch" | "s3.PutObject"))
            .map(|(name, count)| {
                let made = count - before.get(&name).copied().unwrap_or(0);
                (name, made)
            })
            .filter(|(_, made)| *made > 0)
            .collect()
    }
}

fn dynamodb_client(aws: &SdkConfig, calls: &Calls) -> aws_sdk_dynamodb::Client {
    aws_sdk_dynamodb::Client::from_conf(aws_sdk_dynamodb::config::Builder::from(aws).interceptor(calls.clone()).build())
}

fn counts(entries: &[(&str, usize)]) -> BTreeMap<String, usize> {
    entries.iter().map(|(name, count)| ((*name).to_owned(), *count)).collect()
}

fn github(id: &str) -> String {
    envelope("github", id, "push", &format!(r#"{{"id": "{id}"}}"#))
}

/// A github event received now (an event received long ago is archived by its receipt instead).
fn github_now(id: &str) -> String {
    queued_envelope("github", id, "push", &hookway_core::rfc3339_now(), &format!(r#"{{"id": "{id}"}}"#))
}

#[tokio::test]
async fn archiving_costs_one_call_a_batch_never_one_an_event() {
    let route = |url: &str| json!([{"source": "github", "handler": {"forward": {"url": format!("{url}/hooks")}}}]);
    let harness = Harness::start(route).await;
    let one = harness.archive_calls(&[github_now("gh-0")]).await;
    assert_eq!(one, counts(&[("firehose.PutRecordBatch", 1)]), "a batch of one");
    let ids: Vec<String> = (1..=10).map(|i| github_now(&format!("gh-{i}"))).collect();
    assert_eq!(harness.archive_calls(&ids).await, counts(&[("firehose.PutRecordBatch", 1)]), "a batch of ten");

    let harness = Harness::with_writer(ArchiveWriter::Worker, route).await;
    assert_eq!(harness.archive_calls(&ids).await, counts(&[("s3.PutObject", 1)]), "the worker's own object");
}

#[tokio::test]
async fn a_healthy_delivery_costs_two_writes_and_the_batch_one_read_whatever_its_breaker() {
    let harness = Harness::start(|url| {
        json!([{"source": "github", "handler": {"forward": {"url": format!("{url}/hooks"),
            "circuitBreaker": {"failureThreshold": 2, "cooldownSeconds": 60}}}}])
    })
    .await;
    // One event: its claim and its outcome; which events are new, one read for the batch; the
    // breaker reads its circuit (cached for a second per worker instance) and writes nothing.
    let one = harness.batch(&[github("gh-0")]).await;
    assert_eq!(
        one,
        counts(&[("DynamoDB.BatchGetItem", 1), ("DynamoDB.GetItem circuit#", 1), ("DynamoDB.UpdateItem", 2)]),
        "one event"
    );
    // Ten events: two writes each, still one read for the batch, and the circuit's state cached.
    let ids: Vec<String> = (1..=10).map(|i| github(&format!("gh-{i}"))).collect();
    let ten = harness.batch(&ids).await;
    assert!(ten.get("DynamoDB.GetItem circuit#").copied().unwrap_or(0) <= 1, "the circuit read at most once: {ten:?}");
    assert_eq!(
        without_circuit(ten),
        counts(&[("DynamoDB.BatchGetItem", 1), ("DynamoDB.UpdateItem", 20)]),
        "two writes per event, one read for the batch, nothing sent back to SQS"
    );
}

#[tokio::test]
async fn the_ordering_guard_costs_a_read_and_a_write_only_where_the_source_orders_events() {
    let harness =
        Harness::start(|url| json!([{"source": "*", "handler": {"forward": {"url": format!("{url}/hooks")}}}])).await;
    let unordered = without_circuit(harness.batch(&[github("gh-1")]).await);
    assert_eq!(unordered, counts(&[("DynamoDB.BatchGetItem", 1), ("DynamoDB.UpdateItem", 2)]), "github");
    let ordered =
        envelope("stripe", "evt_1", "customer.updated", r#"{"created": 7, "data": {"object": {"id": "cus_1"}}}"#);
    let ordered = without_circuit(harness.batch(&[ordered]).await);
    assert_eq!(
        ordered,
        counts(&[
            ("DynamoDB.BatchGetItem", 1),
            ("DynamoDB.GetItem entity#", 1),
            ("DynamoDB.UpdateItem", 2),
            ("DynamoDB.UpdateItem entity#", 1)
        ]),
        "stripe: the entity's applied version read, and the new one written"
    );
}

/// The calls but the breaker's read of its circuit (once a second per worker instance).
fn without_circuit(mut calls: BTreeMap<String, usize>) -> BTreeMap<String, usize> {
    calls.remove("DynamoDB.GetItem circuit#");
    calls
}

#[tokio::test]
async fn a_rate_limit_costs_one_write_per_request() {
    let harness = Harness::start(|url| {
        json!([{"source": "github", "handler": {"forward": {"url": format!("{url}/limited"), "rateLimit": {"perSecond": 2}}}}])
    })
    .await;
    harness.batch(&[github("gh-0")]).await;
    // Each attempt reserves its slot: one write, two when the destination just turned from idle to
    // busy or back (the worker guesses which from the slot it last took); beside the claim and
    // the outcome. Two a second: a slot is good for 250 ms after its time, which a busy machine's
    // moto always meets (a slot missed is reserved again, by design).
    let mut calls = without_circuit(harness.batch(&[github("gh-1")]).await);
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&harness.aws), &harness.table);
    let key = hookway_core::store::RecordKey::event_body("github", br#"{"id": "gh-1"}"#);
    let record = store.status(&key).await.unwrap().unwrap();
    let attempts = record.deliveries.iter().map(|delivery| delivery.attempts).sum::<u32>() as usize;
    let reserved = calls.remove("DynamoDB.UpdateItem rate#").unwrap_or(0);
    assert!((attempts..=2 * attempts).contains(&reserved), "{reserved} writes for {attempts} attempt(s)");
    assert_eq!(calls, counts(&[("DynamoDB.BatchGetItem", 1), ("DynamoDB.UpdateItem", 2)]), "{calls:?}");
}

#[tokio::test]
async fn the_events_a_batch_sends_back_to_wait_go_in_send_message_batches() {
    let harness = Harness::start(|url| {
        json!([{"source": "github", "handler": {"forward": {"url": format!("{url}/down"), "maxAttempts": 1,
            "circuitBreaker": {"failureThreshold": 100, "cooldownSeconds": 60}}}}])
    })
    .await;
    harness.receiver.always(Reply::Status(503));
    let ids: Vec<String> = (0..10).map(|i| github(&format!("gh-{i}"))).collect();
    let (response, calls) = harness.invoke(&ids).await;
    assert_eq!(response["batchItemFailures"], json!([]), "each waits in the queue, acknowledged here");
    // A send waits until every event of the batch still processing waits to send too: the ten
    // go in one call, however far apart their deliveries fail; never a SendMessage. Sends made
    // outside a batch's events, together, are one call too, below.
    let batches = calls.get("SQS.SendMessageBatch").copied().unwrap_or(0);
    assert_eq!(batches, 1, "ten events sent back in one SendMessageBatch: {calls:?}");
    assert_eq!(calls.get("SQS.SendMessage"), None, "{calls:?}");
    assert_eq!(calls.get("DynamoDB.UpdateItem"), Some(&20), "the claim and the outcome, as any attempt: {calls:?}");
    assert_eq!(queued(&harness).await, 10, "all ten wait in the queue");

    // Sends made together are one call, each sender told of its own message.
    let calls = Calls::default();
    let sqs = aws_sdk_sqs::Client::from_conf(
        aws_sdk_sqs::config::Builder::from(&harness.aws).interceptor(calls.clone()).build(),
    );
    let queue = SqsEventsQueue::new(sqs, &harness.queue_url);
    let attributes = [("source".to_owned(), "String".to_owned(), "github".to_owned())];
    let bodies: Vec<String> = (10..22).map(|i| github(&format!("gh-{i}"))).collect();
    let sent = futures_util::future::join_all(
        bodies.iter().map(|body| queue.send(body, &attributes, Duration::from_secs(60))),
    )
    .await;
    assert!(sent.iter().all(Result::is_ok), "{sent:?}");
    assert_eq!(calls.take(), counts(&[("SQS.SendMessageBatch", 2)]), "twelve messages: ten, then two");
    assert_eq!(queued(&harness).await, 22);
}

/// Messages in the events queue, delayed or not.
async fn queued(harness: &Harness) -> usize {
    use aws_sdk_sqs::types::QueueAttributeName;
    let attributes = aws_sdk_sqs::Client::new(&harness.aws)
        .get_queue_attributes()
        .queue_url(&harness.queue_url)
        .attribute_names(QueueAttributeName::All)
        .send()
        .await
        .unwrap();
    let count = |name: QueueAttributeName| -> usize {
        attributes.attributes().and_then(|all| all.get(&name)).and_then(|value| value.parse().ok()).unwrap_or(0)
    };
    count(QueueAttributeName::ApproximateNumberOfMessagesDelayed)
        + count(QueueAttributeName::ApproximateNumberOfMessages)
}
