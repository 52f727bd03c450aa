//! The worker against a real moto server (DynamoDB, SSM, SQS) and a real HTTP receiver, invoked
//! through [`Worker::invoke`] with the payloads Lambda sends: SQS batches and job events. Events
//! that wait for a later attempt go back to the real events queue; [`Harness::pump`] does what
//! the event source mapping does with it.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_config::SdkConfig;
use aws_sdk_sqs::types::QueueAttributeName;
use hookway_core::Config;
use hookway_core::aws::firehose::FirehoseStream;
use hookway_core::aws::s3::S3Objects;
use hookway_core::envelope::queued as envelope;
use hookway_core::job::JobEvent;
use hookway_core::local::resources::{Resources, provision};
use hookway_core::secret_cache::SsmSecretStore;
use hookway_core::store::{DeliveryStatus, DynamoStore, HELD, Hold, RecordKey, StateStore, WaitReason, contract};
use hookway_dev::poller::Poller;
use hookway_testkit::receiver::{Receiver, Reply};
use hookway_testkit::{MotoServer, create_table, put_secret, wait_for, workspace_root};
use hookway_worker::dead_letter::SqsDeadLetterQueue;
use hookway_worker::deadline::Deadline;
use hookway_worker::handler::Registry;
use hookway_worker::handler::report::Report;
use hookway_worker::requeue::SqsEventsQueue;
use hookway_worker::secrets::Secrets;
use hookway_worker::shared::{Circuit, DynamoShared, MemoryShared, SharedState};
use hookway_worker::{Outbound, Worker};
use serde_json::{Value, json};

const JOB_FIXTURE: &str = include_str!("../../../fixtures/apigw-async-job-event.json");
/// How long a received message stays hidden: short, so that the queue's own retries are quick.
const VISIBILITY_TIMEOUT: Duration = Duration::from_secs(1);

struct Harness {
    _moto: MotoServer,
    aws: SdkConfig,
    config: Config,
    resources: Resources,
    store: DynamoStore,
    worker: Worker<DynamoStore>,
    receiver: Receiver,
    dead_letter_queue: String,
}

impl Harness {
    /// A worker whose routes forward stripe and github events to a local receiver.
    async fn start() -> Harness {
        Harness::with_routes(|url| {
            json!([
                {"source": "jobs", "type": "report.generate", "handler": {"custom": "report"}},
                {"source": "stripe", "handler": {"forward": {"url": format!("{url}/stripe"), "timeoutSeconds": 1, "maxAttempts": 4}}},
                {"source": "github", "type": "push", "handler": {"forward": {"url": format!("{url}/github"), "maxAttempts": 1,
                    "circuitBreaker": {"failureThreshold": 2, "cooldownSeconds": 60}}}},
                {"source": "*", "handler": "log"}
            ])
        })
        .await
    }

    async fn with_routes(routes: impl FnOnce(&str) -> Value) -> Harness {
        Harness::with_parameters(&[], routes).await
    }

    /// A worker whose destinations' parameters hold these values in SSM.
    async fn with_parameters(parameters: &[(&str, &str)], routes: impl FnOnce(&str) -> Value) -> Harness {
        let moto = MotoServer::start();
        let aws = moto.sdk_config().await;
        for (name, value) in parameters {
            put_secret(&aws, name, value).await;
        }
        let receiver = Receiver::start().await;
        let config = json!({
            "jobs": {"retryAttempts": 2},
            "queue": {"maxReceiveCount": 2},
            "sources": [
                {"name": "stripe", "scheme": "stripe", "secretParameters": ["/hookway/stripe/secret"],
                 "ordering": {"entityPointer": "/data/object/id", "versionPointer": "/created"}},
                {"name": "github", "scheme": "github", "secretParameters": ["/hookway/github/secret"]},
                {"name": "slack", "scheme": "slack", "secretParameters": ["/hookway/slack/secret"]}
            ],
            "routes": routes(&receiver.url),
        });
        let config = Config::from_json(&config.to_string()).unwrap();
        // What the stack creates: the events queue, redriven to its DLQ after maxReceiveCount
        // receives, and the state table.
        let resources = provision(&aws, &config, VISIBILITY_TIMEOUT).await.unwrap();
        let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&aws), &resources.table);
        let worker = Harness::build_worker(&aws, &config, &resources).await;
        let dead_letter_queue = resources.events_dlq_url.clone();
        Harness { _moto: moto, aws, config, resources, store, worker, receiver, dead_letter_queue }
    }

    /// A worker as main.rs builds it: the parameters read in one batch at start-up, the events
    /// queue to wait in, SQS for dead letters, circuits and rate limits in the state table, the
    /// archive stream (Firehose) and bucket (S3).
    async fn build_worker(aws: &SdkConfig, config: &Config, resources: &Resources) -> Worker<DynamoStore> {
        let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(aws), &resources.table);
        let registry = Registry::new().with("report", Report);
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let secrets = Secrets::new(Box::new(SsmSecretStore::new(aws_sdk_ssm::Client::new(aws))));
        let names: Vec<String> = config.outbound_parameters().iter().map(|(name, _)| (*name).to_owned()).collect();
        secrets.preload(&names).await;
        let sqs = aws_sdk_sqs::Client::new(aws);
        let outbound = Outbound {
            client,
            secrets: Arc::new(secrets),
            dead_letters: Some(Arc::new(SqsDeadLetterQueue::new(sqs.clone(), &resources.events_dlq_url))),
            events_queue: Some(Arc::new(SqsEventsQueue::new(sqs, &resources.events_queue_url))),
            shared: Arc::new(DynamoShared::new(aws_sdk_dynamodb::Client::new(aws), &resources.table)),
            bucket: Some(Arc::new(S3Objects::new(aws, &resources.archive_bucket))),
            stream: resources.archive_stream.as_ref().map(|stream| Arc::new(FirehoseStream::new(aws, stream)) as _),
            targets: None,
        };
        Worker::new(config, store, &registry, outbound).unwrap()
    }

    /// Another worker instance: the same table, the same queues.
    async fn another_worker(&self) -> Worker<DynamoStore> {
        Harness::build_worker(&self.aws, &self.config, &self.resources).await
    }

    /// Sends an envelope to the events queue, as the intake does.
    async fn queue(&self, message: &str) {
        let envelope: Value = serde_json::from_str(message).unwrap();
        let mut request = aws_sdk_sqs::Client::new(&self.aws)
            .send_message()
            .queue_url(&self.resources.events_queue_url)
            .message_body(message);
        for name in ["source", "type"] {
            let value = envelope[name].as_str().unwrap();
            let attribute = aws_sdk_sqs::types::MessageAttributeValue::builder()
                .data_type("String")
                .string_value(value)
                .build()
                .unwrap();
            request = request.message_attributes(name, attribute);
        }
        request.send().await.unwrap();
    }

    /// What the schedule and the event source mapping do, once: the sweep (parked events due
    /// back to the queue), then a batch from the events queue to `worker`, and the messages it
    /// acknowledged deleted. How many it received.
    async fn pump(&self, worker: &Worker<DynamoStore>) -> usize {
        let sweep = json!({"hookway": "release", "everySeconds": 1});
        worker.invoke(sweep, Deadline::after(Duration::from_secs(30))).await.unwrap();
        let poller = Poller {
            sqs: aws_sdk_sqs::Client::new(&self.aws),
            queue_url: self.resources.events_queue_url.clone(),
            queue_arn: self.resources.events_queue_arn.clone(),
            region: "us-east-1".into(),
            // Never invoked: the batches go to `worker` in this process.
            lambda: hookway_dev::lambda::Lambda::new("http://127.0.0.1:9", Duration::from_secs(1)).unwrap(),
            function: "hookway-worker".into(),
            batch_size: 10,
            batching_window: Duration::ZERO,
            long_poll_seconds: 1,
            pause_file: None,
            concurrency: 1,
        };
        let invoke = |batch| async move {
            worker.invoke(batch, Deadline::after(Duration::from_secs(30))).await.map_err(|error| error.to_string())
        };
        poller.poll_with(invoke).await.unwrap()
    }

    /// Pumps the events queue to `worker` until `done` holds, failing after `timeout`.
    async fn pump_until(&self, worker: &Worker<DynamoStore>, what: &str, timeout: Duration, done: impl Fn() -> bool) {
        let deadline = Instant::now() + timeout;
        while !done() {
            assert!(Instant::now() < deadline, "timed out after {timeout:?} waiting for {what}");
            self.pump(worker).await;
        }
    }

    /// How many messages the events queue holds: visible, in flight and delayed.
    async fn queued(&self) -> BTreeMap<&'static str, u64> {
        let attributes = aws_sdk_sqs::Client::new(&self.aws)
            .get_queue_attributes()
            .queue_url(&self.resources.events_queue_url)
            .attribute_names(QueueAttributeName::All)
            .send()
            .await
            .unwrap()
            .attributes
            .unwrap_or_default();
        let count = |name| attributes.get(&name).and_then(|count| count.parse().ok()).unwrap_or_default();
        BTreeMap::from([
            ("visible", count(QueueAttributeName::ApproximateNumberOfMessages)),
            ("in flight", count(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)),
            ("delayed", count(QueueAttributeName::ApproximateNumberOfMessagesDelayed)),
        ])
    }

    /// The envelopes waiting in the events queue, once their delay is over.
    async fn next_in_queue(&self) -> Value {
        let sqs = aws_sdk_sqs::Client::new(&self.aws);
        let message = wait_for("a message in the events queue", Duration::from_secs(20), || async {
            let output = sqs
                .receive_message()
                .queue_url(&self.resources.events_queue_url)
                .wait_time_seconds(1)
                .visibility_timeout(0)
                .send()
                .await
                .unwrap();
            output.messages.unwrap_or_default().into_iter().next()
        })
        .await;
        serde_json::from_str(message.body().unwrap()).unwrap()
    }

    /// Every message in the events dead-letter queue: its body and attributes.
    async fn dead_letters(&self) -> Vec<(String, Vec<(String, String)>)> {
        let output = aws_sdk_sqs::Client::new(&self.aws)
            .receive_message()
            .queue_url(&self.dead_letter_queue)
            .max_number_of_messages(10)
            .message_attribute_names("All")
            .send()
            .await
            .unwrap();
        let mut letters = Vec::new();
        for message in output.messages.unwrap_or_default() {
            let mut attributes: Vec<(String, String)> = message
                .message_attributes()
                .unwrap()
                .iter()
                .map(|(name, value)| (name.clone(), value.string_value().unwrap().to_owned()))
                .collect();
            attributes.sort();
            letters.push((message.body().unwrap().to_owned(), attributes));
        }
        letters
    }

    /// Delivers a batch; the ids of the messages reported as failed.
    async fn deliver(&self, messages: &[(&str, String)]) -> Vec<String> {
        self.deliver_within(messages, Duration::from_secs(30)).await
    }

    async fn deliver_within(&self, messages: &[(&str, String)], budget: Duration) -> Vec<String> {
        let response = self.worker.invoke(sqs_batch(messages), Deadline::after(budget)).await.unwrap();
        response["batchItemFailures"]
            .as_array()
            .unwrap()
            .iter()
            .map(|failure| failure["itemIdentifier"].as_str().unwrap().to_owned())
            .collect()
    }

    /// An event's record: by its id, or — GitHub does not sign its delivery ids, so its events are
    /// keyed by their body — by the id it first came under.
    async fn record(&self, source: &str, id: &str) -> Option<hookway_core::store::RecordStatus> {
        if let Some(record) = self.store.status(&RecordKey::event(source, id)).await.unwrap() {
            return Some(record);
        }
        let key = self.store.find_body_keyed(source, id).await.unwrap()?;
        self.store.status(&key).await.unwrap()
    }

    async fn run_job(&self, job: &Value) -> Result<Value, String> {
        self.worker.invoke(job.clone(), Deadline::after(Duration::from_secs(30))).await.map_err(|e| e.to_string())
    }
}

/// An SQS batch as the event source mapping hands it to Lambda.
fn sqs_batch(messages: &[(&str, String)]) -> Value {
    let records: Vec<Value> = messages
        .iter()
        .map(|(id, body)| {
            // The intake's message attributes, as Lambda shows them.
            let envelope: Value = serde_json::from_str(body).unwrap_or_default();
            let mut attributes = serde_json::Map::new();
            for name in ["source", "type"] {
                if let Some(value) = envelope[name].as_str() {
                    let attribute = json!({"stringValue": value, "stringListValues": [], "binaryListValues": [], "dataType": "String"});
                    attributes.insert(name.to_owned(), attribute);
                }
            }
            json!({
                "messageId": id, "receiptHandle": format!("handle-{id}"), "body": body,
                "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": attributes, "md5OfBody": "",
                "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:hookway-events",
                "awsRegion": "us-east-1"
            })
        })
        .collect();
    json!({ "Records": records })
}

/// A GitHub push of its own: GitHub does not sign its delivery ids, so two events with one body are
/// one event (keyed by the body); each test event's body names its delivery.
fn push(id: &str) -> String {
    envelope("github", id, "push", &json!({"delivery": id}).to_string())
}

fn invoice(id: &str, entity: &str, version: i64) -> String {
    json!({"id": id, "type": "invoice.updated", "created": version, "data": {"object": {"id": entity, "version": version}}}).to_string()
}

fn bodies(receiver: &Receiver) -> Vec<Value> {
    receiver.received().iter().map(|request| serde_json::from_slice(&request.body).unwrap()).collect()
}

#[tokio::test]
async fn the_dynamodb_store_keeps_the_same_contract_as_the_memory_store() {
    let moto = MotoServer::start();
    let aws = moto.sdk_config().await;
    create_table(&aws, "contract").await;
    contract::check(&DynamoStore::new(aws_sdk_dynamodb::Client::new(&aws), "contract")).await;
}

/// The rules both kinds of shared state keep: circuits and rate-limit slots.
async fn shared_state_contract(shared: &dyn SharedState) {
    const NOW: i64 = 1_795_996_800_000;
    let key = "https://a.example.com/hooks";
    assert_eq!(shared.circuit(key).await.unwrap(), Circuit::default(), "closed until told otherwise");
    assert_eq!(shared.add_failures(key, 1, NOW, NOW).await.unwrap().since, Some(NOW), "the streak's start");
    assert_eq!(
        shared.add_failures(key, 1, NOW + 5, NOW + 5).await.unwrap(),
        Circuit { failures: 2, since: Some(NOW), ..Circuit::default() }
    );
    assert!(shared.open(key, NOW + 30_000, NOW).await.unwrap());
    assert!(!shared.open(key, NOW + 60_000, NOW).await.unwrap(), "another instance found it open");
    let open = Circuit { failures: 2, open_until: Some(NOW + 30_000), since: Some(NOW), ..Circuit::default() };
    assert_eq!(shared.circuit(key).await.unwrap(), open);
    let later = NOW + 31_000;
    assert!(shared.take_trial(key, NOW + 30_000, later + 11_000, later).await.unwrap());
    assert!(!shared.take_trial(key, NOW + 30_000, later + 11_000, later).await.unwrap(), "taken already");
    let reopened = shared.reopen(key, later + 60_000, later).await.unwrap();
    assert_eq!(reopened, Circuit { failures: 3, open_until: Some(later + 60_000), trials: 1, ..open });
    shared.close(key, later, true).await.unwrap();
    assert_eq!(
        shared.circuit(key).await.unwrap(),
        Circuit { drain: true, ..Circuit::default() },
        "closed after an outage"
    );
    let circuits = shared.circuits(&[key, "https://never.example.com"]).await.unwrap();
    assert_eq!(circuits.len(), 2, "{circuits:?}");
    assert!(circuits[key].drain && circuits["https://never.example.com"] == Circuit::default());
    shared.drained(key).await.unwrap();
    assert_eq!(shared.circuit(key).await.unwrap(), Circuit::default(), "drained");
    shared.pause(key, true, later).await.unwrap();
    shared.keep_paused(key).await.unwrap();
    assert!(shared.circuit(key).await.unwrap().paused);
    shared.drained(key).await.unwrap();
    shared.pause(key, false, later).await.unwrap();
    shared.keep_paused(key).await.unwrap();
    assert_eq!(
        shared.circuit(key).await.unwrap(),
        Circuit { drain: true, ..Circuit::default() },
        "resumed (a sweep that read the pause before does not undo it): drained next"
    );

    let key = "https://b.example.com/hooks";
    assert_eq!(shared.reserve(key, NOW, 200, true).await.unwrap(), NOW, "idle: at once");
    assert_eq!(shared.reserve(key, NOW + 10, 200, true).await.unwrap(), NOW + 200, "a wrong guess costs a write");
    assert_eq!(shared.reserve(key, NOW + 20, 200, false).await.unwrap(), NOW + 400);
    assert_eq!(shared.reserve(key, NOW + 5_000, 200, false).await.unwrap(), NOW + 5_000, "idle again");
    assert_eq!(shared.reserve("https://c.example.com", NOW, 200, false).await.unwrap(), NOW, "each destination apart");
}

#[tokio::test]
async fn circuits_and_rate_limits_keep_one_contract_in_dynamodb_and_in_memory() {
    shared_state_contract(&MemoryShared::default()).await;
    let moto = MotoServer::start();
    let aws = moto.sdk_config().await;
    create_table(&aws, "shared").await;
    shared_state_contract(&DynamoShared::new(aws_sdk_dynamodb::Client::new(&aws), "shared")).await;
}

#[tokio::test]
async fn a_webhook_is_forwarded_with_its_body_content_type_and_idempotency_key() {
    let harness = Harness::start().await;
    let body = invoice("evt_1", "in_1", 1);
    assert!(harness.deliver(&[("m1", envelope("stripe", "evt_1", "invoice.updated", &body))]).await.is_empty());
    let received = harness.receiver.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].path, "/stripe");
    assert_eq!(received[0].body, body.as_bytes(), "the original bytes");
    assert_eq!(received[0].headers["content-type"], "application/json; charset=utf-8");
    assert_eq!(received[0].headers["idempotency-key"], "evt_1");
    assert_eq!(received[0].headers["x-hookway-source"], "stripe");
    assert_eq!(received[0].headers["x-hookway-event-type"], "invoice.updated");
}

#[tokio::test]
async fn server_errors_are_retried_until_delivered() {
    let harness = Harness::start().await;
    harness.receiver.script([Reply::Status(503), Reply::Status(500)]);
    let failures =
        harness.deliver(&[("m1", envelope("stripe", "evt_1", "invoice.updated", &invoice("evt_1", "in_1", 1)))]).await;
    assert!(failures.is_empty());
    let received = harness.receiver.received();
    assert_eq!(received.len(), 3, "two failures, then delivered");
    assert!(received.iter().all(|request| request.headers["idempotency-key"] == "evt_1"), "the same key each time");
}

#[tokio::test]
async fn a_refused_event_goes_to_the_dead_letter_queue_in_the_same_receive_but_408_and_429_are_retried() {
    let harness = Harness::start().await;
    harness.receiver.script([Reply::Status(400)]);
    let message = envelope("stripe", "evt_1", "invoice.updated", &invoice("evt_1", "in_1", 1));
    let failures = harness.deliver(&[("m1", message.clone())]).await;
    assert!(failures.is_empty(), "acknowledged: no visibility timeout spent on it");
    assert_eq!(harness.receiver.received().len(), 1, "no retry");
    let letters = harness.dead_letters().await;
    assert_eq!(letters.len(), 1, "{letters:?}");
    let (body, attributes) = &letters[0];
    assert_eq!(body, &message, "the envelope as it was queued");
    let url = format!("{}/stripe", harness.receiver.url);
    assert_eq!(
        attributes,
        &[
            ("hookway-cause".to_owned(), "refused".to_owned()),
            ("hookway-destination".to_owned(), format!("forward {url}")),
            ("hookway-reason".to_owned(), format!("{url} answered 400 Bad Request")),
            ("hookway-status".to_owned(), "400".to_owned()),
            ("source".to_owned(), "stripe".to_owned()),
            ("type".to_owned(), "invoice.updated".to_owned()),
        ]
    );
    let record = harness.store.status(&RecordKey::event("stripe", "evt_1")).await.unwrap().unwrap();
    assert_eq!(record.status, "FAILED");
    assert_eq!(record.deliveries[0].status, DeliveryStatus::DeadLettered);
    assert_eq!(record.deliveries[0].last_status, Some(400));

    // 410 Gone is as final; 408 is not.
    harness.receiver.script([Reply::Status(410)]);
    let gone = envelope("stripe", "evt_2", "invoice.updated", &invoice("evt_2", "in_2", 1));
    assert!(harness.deliver(&[("m2", gone)]).await.is_empty());
    assert_eq!(harness.dead_letters().await.len(), 1, "the second letter");
    harness.receiver.script([Reply::Status(408)]);
    let failures =
        harness.deliver(&[("m3", envelope("stripe", "evt_3", "invoice.updated", &invoice("evt_3", "in_3", 1)))]).await;
    assert!(failures.is_empty());
    assert_eq!(harness.receiver.received().len(), 4, "the 408 retried in the same series");
    assert!(harness.dead_letters().await.is_empty(), "retried until delivered: no letter");
}

#[tokio::test]
async fn a_429_with_retry_after_2_waits_about_2_s_in_the_queue_and_uses_no_retry() {
    // One retry in the schedule: were the 429s counted, the event would be out of retries at the
    // second one.
    let harness = Harness::with_routes(|url| {
        json!([{"source": "*", "handler": {"forward": {"url": format!("{url}/hooks"), "maxAttempts": 1,
            "retry": {"schedule": ["1s", "10s"]}}}}])
    })
    .await;
    let throttle = || Reply::RetryAfter(429, "2".into());
    harness.receiver.script([throttle(), throttle(), Reply::Status(503)]);
    harness.queue(&push("d1")).await;
    harness.pump(&harness.worker).await;
    let waiting = harness.next_in_queue().await;
    assert_eq!(waiting["retry"]["attempt"], 1, "still the first series: {waiting}");
    assert_eq!(waiting["retry"]["sequence"], 1);
    let record = harness.record("github", "d1").await.unwrap();
    assert_eq!(record.status, "WAITING");
    let delivery = &record.deliveries[0];
    assert_eq!((delivery.status, delivery.retries, delivery.last_status), (DeliveryStatus::Delayed, 0, Some(429)));
    assert_eq!(delivery.next_attempt.unwrap().reason, WaitReason::RetryAfter);

    harness
        .pump_until(&harness.worker, "the event delivered", Duration::from_secs(30), || {
            harness.receiver.received().iter().any(|request| request.status == Some(200))
        })
        .await;
    let received = harness.receiver.received();
    let statuses: Vec<Option<u16>> = received.iter().map(|request| request.status).collect();
    assert_eq!(statuses, [Some(429), Some(429), Some(503), Some(200)]);
    for pair in received[..3].windows(2) {
        let waited = pair[1].at - pair[0].at;
        assert!(
            waited >= Duration::from_secs(2) && waited < Duration::from_millis(4500),
            "waited {waited:?}, the destination asked for 2 s"
        );
    }
    let record = harness.record("github", "d1").await.unwrap();
    assert_eq!(record.status, "COMPLETED");
    assert_eq!((record.deliveries[0].retries, record.deliveries[0].attempts), (1, 4), "only the 503 used a retry");
    assert!(harness.dead_letters().await.is_empty());
}

#[tokio::test]
async fn a_retry_after_of_an_hour_is_waited_parked_without_holding_the_invocation() {
    let harness = Harness::start().await;
    harness.receiver.script([Reply::RetryAfter(503, "3600".into())]);
    let started = Instant::now();
    let message = envelope("stripe", "evt_1", "invoice.updated", &invoice("evt_1", "in_1", 1));
    let failures = harness.deliver_within(&[("m1", message)], Duration::from_secs(10)).await;
    assert!(failures.is_empty(), "acknowledged: it waits, parked");
    assert!(started.elapsed() < Duration::from_secs(5), "it does not sleep");
    let record = harness.store.status(&RecordKey::event("stripe", "evt_1")).await.unwrap().unwrap();
    let next = record.next_attempt().unwrap();
    let hour_from_now = hookway_core::unix_now_ms() + 3_600_000;
    assert!((hour_from_now - 10_000..=hour_from_now).contains(&next.at_ms), "in an hour: {next:?}");
    assert_eq!(harness.queued().await.values().sum::<u64>(), 0, "nothing hops through the queue meanwhile");
    let url = format!("{}/stripe", harness.receiver.url);
    let (parked, _) = harness.store.parked(&url, HELD, 10).await.unwrap();
    assert_eq!(parked.len(), 1, "parked for its destination");
    assert_eq!((parked[0].parking.due_ms, parked[0].parking.hold), (next.at_ms, None), "due in an hour, not held");
    harness.pump(&harness.worker).await;
    assert_eq!(harness.store.parked(&url, HELD, 10).await.unwrap().0.len(), 1, "a sweep leaves it until its time");
}

#[tokio::test]
async fn a_hanging_destination_is_abandoned_before_the_deadline() {
    let harness = Harness::start().await;
    harness.receiver.always(Reply::Hang);
    let budget = Duration::from_secs(4);
    let started = Instant::now();
    let message = envelope("stripe", "evt_1", "invoice.updated", &invoice("evt_1", "in_1", 1));
    let failures = harness.deliver_within(&[("m1", message)], budget).await;
    let elapsed = started.elapsed();
    assert!(failures.is_empty(), "acknowledged: it waits for its next series in the queue");
    assert!(elapsed < budget, "returned after {elapsed:?}, within the {budget:?} invocation");
    let attempts = harness.receiver.received().len();
    assert!((2..=3).contains(&attempts), "1 s attempts within a 3 s handler budget: {attempts}");
    let record = harness.store.status(&RecordKey::event("stripe", "evt_1")).await.unwrap().unwrap();
    assert_eq!((record.status.as_str(), record.deliveries[0].retries), ("WAITING", 1));
    assert!(record.error.unwrap().contains("timed out"));
}

#[tokio::test]
async fn an_open_circuit_parks_events_without_calling_the_destination_and_its_probe_releases_them() {
    let harness = Harness::with_routes(|url| {
        json!([{"source": "github", "handler": {"forward": {"url": format!("{url}/github"), "maxAttempts": 1,
            "circuitBreaker": {"failureThreshold": 2, "cooldownSeconds": 2}}}}])
    })
    .await;
    harness.receiver.always(Reply::Status(503));
    let url = format!("{}/github", harness.receiver.url);
    let shared = DynamoShared::new(aws_sdk_dynamodb::Client::new(&harness.aws), &harness.resources.table);
    // Failures in a row open it once they have gone on for a while without a success.
    let mut sent = 0;
    let (harness_ref, shared_ref, url_ref) = (&harness, &shared, &url);
    wait_for("the circuit to open", Duration::from_secs(20), || {
        sent += 1;
        let id = format!("d{sent}");
        async move {
            assert!(harness_ref.deliver(&[(id.as_str(), push(&id))]).await.is_empty(), "they wait");
            shared_ref.circuit(url_ref).await.unwrap().open_until.map(drop)
        }
    })
    .await;
    tokio::time::sleep(hookway_worker::breaker::CACHE_TTL).await;
    let calls = harness.receiver.received().len();
    assert!(harness.deliver(&[("spared", push("spared"))]).await.is_empty());
    assert_eq!(harness.receiver.received().len(), calls, "the destination was spared");
    let record = harness.record("github", "spared").await.unwrap();
    let delivery = &record.deliveries[0];
    assert_eq!((record.status.as_str(), delivery.attempts, delivery.retries), ("WAITING", 0, 1), "an entry used");
    assert_eq!(delivery.next_attempt.unwrap().reason, WaitReason::CircuitOpen);
    let key = harness.store.find_body_keyed("github", "spared").await.unwrap().unwrap();
    let (parked, _) = harness.store.parked(&url, HELD, 100).await.unwrap();
    let spared = parked.iter().find(|parked| parked.pk == key.pk()).expect("parked, not in the events queue");
    assert_eq!(spared.parking.hold, Some(Hold::Circuit), "held for the circuit");

    // The destination is back: once the cool-down is over the sweep sends one event as the probe;
    // its success closes the circuit and the next sweep releases every event held for it.
    harness.receiver.always(Reply::Status(200));
    let expected: BTreeMap<String, usize> =
        (1..=sent).map(|n| format!("d{n}")).chain(["spared".into()]).map(|id| (id, 1)).collect();
    harness
        .pump_until(&harness.worker, "every event delivered", Duration::from_secs(30), || {
            delivered_by_id(&harness.receiver) == expected
        })
        .await;
    assert!(harness.store.parked(&url, HELD, 100).await.unwrap().0.is_empty(), "nothing left parked");
    assert!(!shared.circuit(&url).await.unwrap().drain || harness.pump(&harness.worker).await == 0);
}

#[tokio::test]
async fn events_parked_for_a_destination_gone_from_the_configuration_go_where_the_routes_now_say() {
    let routes = |url: &str, path: &str| {
        json!([{"source": "github", "handler": {"forward": {"url": format!("{url}/{path}"), "maxAttempts": 1,
            "retry": {"schedule": ["1h"]}}}}])
    };
    let harness = Harness::with_routes(|url| routes(url, "old")).await;
    harness.receiver.always(Reply::Status(503));
    assert!(harness.deliver(&[("d1", push("d1"))]).await.is_empty());
    let old = format!("{}/old", harness.receiver.url);
    assert_eq!(harness.store.parked(&old, HELD, 10).await.unwrap().0.len(), 1, "parked for an hour");
    harness.pump(&harness.worker).await;

    // A deploy moves the route: the event parked for the old destination is not left behind.
    let mut config: Value = serde_json::from_str(
        &serde_json::to_string(&json!({
            "queue": {"maxReceiveCount": 2},
            "sources": [{"name": "github", "scheme": "github", "secretParameters": ["/hookway/github/secret"]}],
            "routes": routes(&harness.receiver.url, "new"),
        }))
        .unwrap(),
    )
    .unwrap();
    config["jobs"] = json!({"retryAttempts": 2});
    let config = Config::from_json(&config.to_string()).unwrap();
    let redeployed = Harness::build_worker(&harness.aws, &config, &harness.resources).await;
    harness.receiver.always(Reply::Status(200));
    harness
        .pump_until(&redeployed, "the event at the new destination", Duration::from_secs(20), || {
            harness.receiver.received().iter().any(|request| request.path == "/new" && request.status == Some(200))
        })
        .await;
    assert!(harness.store.parked(&old, HELD, 10).await.unwrap().0.is_empty());
    harness.pump(&redeployed).await;
    let shared = DynamoShared::new(aws_sdk_dynamodb::Client::new(&harness.aws), &harness.resources.table);
    assert!(!shared.parked_keys().await.unwrap().contains(&old), "its key forgotten once nothing is parked under it");
}

#[tokio::test]
async fn the_same_event_delivered_twice_is_forwarded_once() {
    let harness = Harness::start().await;
    let message = envelope("stripe", "evt_1", "invoice.updated", &invoice("evt_1", "in_1", 1));
    assert!(harness.deliver(&[("m1", message.clone())]).await.is_empty());
    assert!(harness.deliver(&[("m2", message.clone())]).await.is_empty(), "the duplicate is acknowledged");
    assert_eq!(harness.receiver.received().len(), 1);

    // Twice in one batch: the copies run one after the other, and the second is acknowledged.
    let twice = push("d1");
    assert!(harness.deliver(&[("a", twice.clone()), ("b", twice)]).await.is_empty());
    assert_eq!(harness.receiver.received().len(), 2, "forwarded once");
}

/// The SHA-256 of a body, in hex, as the worker's digests are.
fn sha256(body: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(body.as_bytes()))
}

#[tokio::test]
async fn a_different_body_under_a_processed_id_goes_to_the_dead_letter_queue_as_an_id_conflict() {
    let harness = Harness::start().await;
    // Stripe signs its ids (they are in the signed body): two bodies under one id are a conflict.
    let genuine = invoice("evt_c", "in_c", 1);
    let forged = invoice("evt_c", "in_c", 2);
    assert!(harness.deliver(&[("m1", envelope("stripe", "evt_c", "invoice.updated", &genuine))]).await.is_empty());
    let response = harness
        .worker
        .invoke(
            sqs_batch(&[("m2", envelope("stripe", "evt_c", "invoice.updated", &forged))]),
            Deadline::after(Duration::from_secs(30)),
        )
        .await
        .unwrap();
    assert_eq!(response["batchItemFailures"], json!([]), "acknowledged: it is in the dead-letter queue");
    assert_eq!(harness.receiver.received().len(), 1, "the second body never reaches the destination");
    let letters = harness.dead_letters().await;
    assert_eq!(letters.len(), 1, "{letters:?}");
    let (body, attributes) = &letters[0];
    let letter: Value = serde_json::from_str(body).unwrap();
    assert_eq!(letter["body"], forged, "the conflicting event is what is kept");
    let attribute =
        |name: &str| attributes.iter().find(|(attribute, _)| attribute == name).map(|(_, value)| value.as_str());
    assert_eq!(attribute("hookway-cause"), Some("id-conflict"));
    let reason = attribute("hookway-reason").unwrap();
    assert!(
        reason.starts_with("id-conflict") && reason.contains(&sha256(&genuine)) && reason.contains(&sha256(&forged)),
        "{reason}"
    );
    let record = harness.store.status(&RecordKey::event("stripe", "evt_c")).await.unwrap().unwrap();
    assert_eq!((record.status.as_str(), record.attempts), ("COMPLETED", 1), "the first event's record is untouched");

    // Sent first, another body does not take over the first one's retries either.
    let first = invoice("evt_w", "in_w", 1);
    harness.receiver.script([Reply::Status(503), Reply::Status(503), Reply::Status(503), Reply::Status(503)]);
    let failures = harness.deliver(&[("m3", envelope("stripe", "evt_w", "invoice.updated", &first))]).await;
    assert!(failures.is_empty(), "waits in the queue for its next attempt: {failures:?}");
    let other = invoice("evt_w", "in_w", 2);
    assert!(harness.deliver(&[("m4", envelope("stripe", "evt_w", "invoice.updated", &other))]).await.is_empty());
    assert_eq!(harness.dead_letters().await.len(), 1, "the second conflict");
    let record = harness.store.status(&RecordKey::event("stripe", "evt_w")).await.unwrap().unwrap();
    assert_eq!((record.status.as_str(), record.attempts), ("WAITING", 1));
}

#[tokio::test]
async fn a_github_body_re_sent_under_five_new_delivery_ids_reaches_the_destination_once() {
    let harness = Harness::start().await;
    let body = r#"{"ref": "refs/heads/main", "after": "9f2c1e"}"#;
    // GitHub signs the body only: a captured request verifies under any X-GitHub-Delivery.
    let replays: Vec<(String, String)> =
        (0..6).map(|n| (format!("m{n}"), envelope("github", &format!("delivery-{n}"), "push", body))).collect();
    assert!(harness.deliver(&[(&replays[0].0, replays[0].1.clone())]).await.is_empty());
    let batch: Vec<(&str, String)> = replays[1..].iter().map(|(id, message)| (id.as_str(), message.clone())).collect();
    assert!(harness.deliver(&batch).await.is_empty(), "the replays are acknowledged as duplicates");
    assert_eq!(harness.receiver.received_at("/github").len(), 1, "one event, however many ids");
    assert!(harness.dead_letters().await.is_empty(), "a replay is a duplicate, not a conflict");

    // Its record is keyed by its body, and found by the id it first came under.
    let key = harness.store.find_body_keyed("github", "delivery-0").await.unwrap().expect("the record, by its id");
    let record = harness.store.status(&key).await.unwrap().unwrap();
    assert_eq!((record.status.as_str(), record.attempts), ("COMPLETED", 1));
    assert!(harness.store.status(&RecordKey::event("github", "delivery-0")).await.unwrap().is_none(), "not by the id");

    // GitHub does not sign X-GitHub-Event either: the body under other types is the same event.
    let retyped: Vec<(String, String)> = ["push", "issues", "release"]
        .iter()
        .enumerate()
        .map(|(n, event_type)| (format!("t{n}"), envelope("github", &format!("retyped-{n}"), event_type, body)))
        .collect();
    let batch: Vec<(&str, String)> = retyped.iter().map(|(id, message)| (id.as_str(), message.clone())).collect();
    assert!(harness.deliver(&batch).await.is_empty(), "acknowledged as duplicates");
    assert_eq!(harness.receiver.received_at("/github").len(), 1, "one event, whatever type it claims");
    // Kept as long as the replay window (90 days by default), not the 7 days of an id's record.
    let item = aws_sdk_dynamodb::Client::new(&harness.aws)
        .get_item()
        .table_name(&harness.resources.table)
        .key("pk", aws_sdk_dynamodb::types::AttributeValue::S(key.pk().to_owned()))
        .send()
        .await
        .unwrap();
    let expires_at: i64 = item.item.unwrap()["expiresAt"].as_n().unwrap().parse().unwrap();
    let days = (expires_at - hookway_core::unix_now()) as f64 / 86_400.0;
    assert!((89.9..=90.1).contains(&days), "kept {days} days");
    // Another body is another event.
    assert!(
        harness.deliver(&[("t", envelope("github", "delivery-9", "push", r#"{"ref": "other"}"#))]).await.is_empty()
    );
    assert_eq!(harness.receiver.received_at("/github").len(), 2);
    // Stripe signs its ids (in the body): its events stay keyed by id.
    let stripe = envelope("stripe", "evt_k", "invoice.updated", &invoice("evt_k", "in_k", 1));
    assert!(harness.deliver(&[("s", stripe)]).await.is_empty());
    assert!(harness.store.status(&RecordKey::event("stripe", "evt_k")).await.unwrap().is_some());
}

#[tokio::test]
async fn a_replay_run_delivers_a_github_body_once_however_many_copies_it_sends() {
    let harness = Harness::start().await;
    let body = r#"{"ref": "refs/heads/main", "after": "77aa01"}"#;
    assert!(harness.deliver(&[("m0", envelope("github", "copy-0", "push", body))]).await.is_empty());
    // Copies archived under other ids, replayed by one run: the run's record is the body's.
    let replayed = |id: &str, run: &str| {
        let mut message: Value = serde_json::from_str(&envelope("github", id, "push", body)).unwrap();
        message["replay"] = json!(run);
        message.to_string()
    };
    let run = [("r0", replayed("copy-0", "r-1")), ("r1", replayed("copy-1", "r-1")), ("r2", replayed("copy-2", "r-1"))];
    let batch: Vec<(&str, String)> = run.iter().map(|(id, message)| (*id, message.clone())).collect();
    assert!(harness.deliver(&batch).await.is_empty());
    let again: Vec<(&str, String)> = vec![("r3", replayed("copy-3", "r-1"))];
    assert!(harness.deliver(&again).await.is_empty());
    let received = harness.receiver.received_at("/github");
    assert_eq!(received.len(), 2, "the delivery, and the run's replay once");
    assert_eq!(received.iter().filter(|request| request.headers.contains_key("x-hookway-replay")).count(), 1);
    // Another run is another replay.
    assert!(harness.deliver(&[("r4", replayed("copy-1", "r-2"))]).await.is_empty());
    assert_eq!(harness.receiver.received_at("/github").len(), 3);
}

#[tokio::test]
async fn a_duplicate_of_an_event_in_progress_is_left_for_a_retry() {
    let harness = Harness::start().await;
    let message = push("d1");
    harness.receiver.script([Reply::Slow(Duration::from_secs(2), 200)]);
    let batch = [("a", message.clone())];
    let first = harness.deliver(&batch);
    let second = async {
        wait_for("the first delivery at the destination", Duration::from_secs(10), || async {
            (!harness.receiver.received().is_empty()).then_some(())
        })
        .await;
        harness.deliver(&[("b", message.clone())]).await
    };
    let (first, second) = tokio::join!(first, second);
    assert!(first.is_empty(), "{first:?}");
    assert_eq!(second, ["b"], "never run twice at once: the duplicate fails for a later retry");
    assert!(harness.deliver(&[("c", message)]).await.is_empty(), "the retry finds it done");
    assert_eq!(harness.receiver.received().len(), 1);
}

#[tokio::test]
async fn versions_delivered_out_of_order_leave_the_newest_applied() {
    let harness = Harness::start().await;
    for (message, version) in [("m3", 3), ("m1", 1), ("m2", 2)] {
        let id = format!("evt_{version}");
        let body = invoice(&id, "in_1", version);
        assert!(harness.deliver(&[(message, envelope("stripe", &id, "invoice.updated", &body))]).await.is_empty());
    }
    let versions: Vec<i64> = bodies(&harness.receiver).iter().map(|body| body["created"].as_i64().unwrap()).collect();
    assert_eq!(versions, [3], "the older ones are acknowledged and skipped");
    assert_eq!(harness.store.applied_version("entity#stripe#in_1").await.unwrap(), Some(3));

    let batch: Vec<(&str, String)> = [("n2", 2), ("n3", 3), ("n1", 1)]
        .into_iter()
        .map(|(message, version)| {
            let id = format!("evt_b{version}");
            (message, envelope("stripe", &id, "invoice.updated", &invoice(&id, "in_2", version)))
        })
        .collect();
    assert!(harness.deliver(&batch).await.is_empty());
    let applied: Vec<i64> = bodies(&harness.receiver)
        .iter()
        .filter(|body| body["data"]["object"]["id"] == "in_2")
        .map(|body| body["created"].as_i64().unwrap())
        .collect();
    assert_eq!(applied.last(), Some(&3), "in one batch, an entity's events go oldest first: {applied:?}");
    assert_eq!(harness.store.applied_version("entity#stripe#in_2").await.unwrap(), Some(3));
}

#[tokio::test]
async fn a_poison_message_fails_alone() {
    let harness = Harness::start().await;
    let good = |id: &str| envelope("slack", id, "app_mention", "{}");
    let failures = harness
        .deliver(&[("ok-1", good("Ev1")), ("poison", "{\"not\": \"an envelope\"}".into()), ("ok-2", good("Ev2"))])
        .await;
    assert_eq!(failures, ["poison"]);
}

#[tokio::test]
async fn an_event_no_route_matches_is_acknowledged() {
    let harness = Harness::with_routes(|url| json!([{"source": "stripe", "handler": {"forward": {"url": url}}}])).await;
    assert!(harness.deliver(&[("m1", push("d1"))]).await.is_empty());
    assert!(harness.receiver.received().is_empty());
}

#[tokio::test]
async fn the_shared_job_fixture_runs_to_succeeded() {
    let harness = Harness::start().await;
    let job: Value = serde_json::from_str(JOB_FIXTURE).unwrap();
    let job_id = serde_json::from_value::<JobEvent>(job.clone()).unwrap().job_id().to_owned();
    let answer = harness.run_job(&job).await.unwrap();
    assert_eq!(answer["status"], "SUCCEEDED");
    let status = harness.store.job(&job_id).await.unwrap().unwrap();
    assert_eq!((status.status.as_str(), status.attempts), ("SUCCEEDED", 1));
    assert_eq!(status.result.unwrap()["fields"], json!(["key"]));

    let again = harness.run_job(&job).await.unwrap();
    assert_eq!((again["status"].as_str(), again.get("result")), (Some("SUCCEEDED"), None), "not run twice");
    assert_eq!(harness.store.job(&job_id).await.unwrap().unwrap().attempts, 1);
}

#[tokio::test]
async fn a_failing_job_is_retried_then_failed_with_its_error() {
    let harness = Harness::start().await;
    let mut job: Value = serde_json::from_str(JOB_FIXTURE).unwrap();
    job["bodyJson"] = json!({"type": "report.generate"});
    job["context"]["request-id"] = json!("job-without-payload");
    for attempt in 1..=3 {
        let error = harness.run_job(&job).await.unwrap_err();
        assert!(error.contains("needs a JSON object `payload`"), "{error}");
        let status = harness.store.job("job-without-payload").await.unwrap().unwrap();
        let expected = if attempt < 3 { "ACCEPTED" } else { "FAILED" };
        assert_eq!((status.status.as_str(), status.attempts), (expected, attempt), "after attempt {attempt}");
        assert_eq!(status.error.as_deref(), Some("a report.generate job needs a JSON object `payload`"));
    }
}

#[tokio::test]
async fn a_job_type_without_a_route_fails_rather_than_vanishing() {
    let harness = Harness::with_routes(|_| json!([{"source": "stripe", "handler": "log"}])).await;
    let job: Value = serde_json::from_str(JOB_FIXTURE).unwrap();
    let error = harness.run_job(&job).await.unwrap_err();
    assert!(error.contains("no route for job type `report.generate`"), "{error}");
}

#[tokio::test]
async fn neither_a_batch_nor_a_job_is_an_error() {
    let harness = Harness::start().await;
    let error = harness.run_job(&json!({"hello": "world"})).await.unwrap_err();
    assert!(error.starts_with("not an SQS batch nor a job event"), "{error}");
}

/// A route to two destinations: `/billing`, and `/audit`, retried after a second, twice.
fn fan_out(url: &str, max_attempts: u32) -> Value {
    let retry = json!({"schedule": ["1s", "1s"]});
    json!([
        {"source": "github", "type": "push", "handlers": [
            {"forward": {"url": format!("{url}/billing"), "maxAttempts": max_attempts, "retry": retry}},
            {"forward": {"url": format!("{url}/audit"), "maxAttempts": max_attempts, "retry": retry}}
        ]},
        {"source": "*", "handler": "log"}
    ])
}

#[tokio::test]
async fn a_retry_repeats_only_the_deliveries_that_failed() {
    let harness = Harness::with_routes(|url| fan_out(url, 1)).await;
    harness.receiver.script_at("/billing", [Reply::Status(503), Reply::Status(502)]);
    harness.queue(&envelope("github", "d1", "push", "{\"ref\": \"main\"}")).await;
    harness
        .pump_until(&harness.worker, "the billing delivery", Duration::from_secs(30), || {
            harness.receiver.received_at("/billing").len() == 3
        })
        .await;
    assert_eq!(harness.receiver.received_at("/audit").len(), 1, "the audit delivery succeeded at once: not repeated");
    let billing = harness.receiver.received_at("/billing");
    assert_eq!(billing.iter().map(|request| request.status).collect::<Vec<_>>(), [Some(503), Some(502), Some(200)]);
    assert!(
        harness.receiver.received().iter().all(|request| request.headers["idempotency-key"] == "d1"),
        "each destination gets the event id as its key"
    );

    let record = wait_for("the event completed", Duration::from_secs(10), || async {
        let record = harness.record("github", "d1").await.unwrap();
        (record.status == "COMPLETED").then_some(record)
    })
    .await;
    assert_eq!(record.attempts, 3, "three series");
    let deliveries: Vec<_> = record
        .deliveries
        .iter()
        .map(|delivery| (delivery.destination.rsplit('/').next().unwrap(), delivery.status, delivery.attempts))
        .collect();
    assert_eq!(deliveries, [("billing", DeliveryStatus::Succeeded, 3), ("audit", DeliveryStatus::Succeeded, 1)]);
    assert!(record.deliveries.iter().all(|delivery| delivery.delivered_at.is_some()));
    assert_eq!(record.deliveries[0].last_status, Some(200));
}

#[tokio::test]
async fn one_destination_refusing_for_good_sends_the_event_to_the_dead_letter_queue_with_its_reason() {
    let harness = Harness::with_routes(|url| fan_out(url, 3)).await;
    harness.receiver.always_at("/billing", Reply::Status(422));
    let failures = harness.deliver(&[("m1", push("d1"))]).await;
    assert!(failures.is_empty());
    let letters = harness.dead_letters().await;
    let reason = &letters[0].1.iter().find(|(name, _)| name == "hookway-reason").unwrap().1;
    assert!(
        reason.starts_with("1 of 2 deliveries failed: ")
            && reason.ends_with("/billing answered 422 Unprocessable Entity"),
        "{reason}"
    );
    assert_eq!(harness.receiver.received_at("/billing").len(), 1, "a refusal is not retried");
    let record = harness.record("github", "d1").await.unwrap();
    let statuses: Vec<_> = record.deliveries.iter().map(|delivery| delivery.status).collect();
    assert_eq!(statuses, [DeliveryStatus::DeadLettered, DeliveryStatus::Succeeded]);
}

#[tokio::test]
async fn a_filter_that_excludes_an_event_means_no_request() {
    let harness = Harness::with_routes(|url| {
        json!([
            {"source": "github", "where": [{"pointer": "/ref", "equals": "refs/heads/main"}, {"pointer": "/deleted", "exists": false}],
             "handler": {"forward": {"url": format!("{url}/deploys")}}},
            {"source": "*", "handler": "log"}
        ])
    })
    .await;
    let bodies = [
        ("d1", r#"{"ref": "refs/heads/main"}"#),
        ("d2", r#"{"ref": "refs/heads/feature"}"#),
        ("d3", r#"{"ref": "refs/heads/main", "deleted": true}"#),
        ("d4", "not json"),
    ];
    let batch: Vec<(&str, String)> =
        bodies.iter().map(|(id, body)| (*id, envelope("github", id, "push", body))).collect();
    assert!(harness.deliver(&batch).await.is_empty(), "the others are taken by the log route");
    let keys: Vec<String> = harness
        .receiver
        .received()
        .iter()
        .map(|request| request.headers["idempotency-key"].to_str().unwrap().to_owned())
        .collect();
    assert_eq!(keys, ["d1"]);
}

#[tokio::test]
async fn transforms_reshape_each_delivery_and_one_that_fails_sends_the_event_to_the_dead_letter_queue_with_jq_s_error()
{
    let harness = Harness::with_routes(|url| {
        json!([
            {"source": "github", "where": [{"jq": ".ref | startswith(\"refs/heads/\")"}], "handlers": [
                {"forward": {"url": format!("{url}/shaped"), "transform": "{ref, by: $event.source, id: $event.id} | with_headers({\"X-Ref\": .ref})"}},
                {"forward": {"url": format!("{url}/checked"), "transform": "if .amount then {amount} else error(\"no amount\") end"}},
                {"forward": {"url": format!("{url}/original")}}
            ]},
            {"source": "slack", "handler": {"forward": {"url": format!("{url}/reserved"), "transform": "with_headers({\"Idempotency-Key\": \"mine\"})"}}},
            {"source": "*", "handler": "log"}
        ])
    })
    .await;
    let batch = [
        ("m1", envelope("github", "d1", "push", r#"{"ref": "refs/heads/main", "amount": 5, "token": "t"}"#)),
        ("m2", envelope("github", "d2", "push", r#"{"ref": "refs/heads/main"}"#)),
        ("m3", envelope("github", "d3", "push", r#"{"ref": "refs/tags/v1", "amount": 1}"#)),
        ("m4", envelope("slack", "s1", "event_callback", r#"{"type": "event_callback"}"#)),
    ];
    assert!(harness.deliver(&batch).await.is_empty(), "every message is done with: delivered, logged or dead-lettered");

    let shaped = harness.receiver.received_at("/shaped");
    let mut shaped_bodies: Vec<Value> =
        shaped.iter().map(|request| serde_json::from_slice(&request.body).unwrap()).collect();
    // The events of a batch are delivered concurrently: in either order.
    shaped_bodies.sort_by_key(|body| body["id"].to_string());
    assert_eq!(
        shaped_bodies,
        [
            json!({"ref": "refs/heads/main", "by": "github", "id": "d1"}),
            json!({"ref": "refs/heads/main", "by": "github", "id": "d2"})
        ],
        "d3 is a tag: the jq condition does not hold, and the log route takes it"
    );
    assert_eq!(shaped[0].headers["x-ref"], "refs/heads/main");
    assert_eq!(shaped[0].headers["content-type"], "application/json");
    let checked = harness.receiver.received_at("/checked");
    assert_eq!(checked.len(), 1, "d2 has no amount: nothing is sent for it");
    assert_eq!(checked[0].body, br#"{"amount":5}"#);
    let original = harness.receiver.received_at("/original");
    assert_eq!(original.len(), 2);
    assert_eq!(original[0].headers["content-type"], "application/json; charset=utf-8", "no transform: as it came");
    assert!(original.iter().all(|request| request.headers.get("x-ref").is_none()));
    assert!(harness.receiver.received_at("/reserved").is_empty(), "a header Hookway sets itself is never sent");

    let mut reasons: Vec<(String, String)> = harness
        .dead_letters()
        .await
        .into_iter()
        .map(|(_, attributes)| {
            let attribute = |name: &str| attributes.iter().find(|(key, _)| key == name).unwrap().1.clone();
            (attribute("hookway-reason"), attribute("hookway-destination"))
        })
        .collect();
    reasons.sort();
    let url = &harness.receiver.url;
    assert_eq!(
        reasons,
        [
            ("1 of 3 deliveries failed: transform: no amount".to_owned(), format!("forward {url}/checked")),
            (
                "transform: with_headers: `Idempotency-Key` is set by Hookway".to_owned(),
                format!("forward {url}/reserved")
            ),
        ]
    );
    let record = harness.record("github", "d2").await.unwrap();
    let statuses: Vec<_> = record.deliveries.iter().map(|delivery| delivery.status).collect();
    assert_eq!(statuses, [DeliveryStatus::Succeeded, DeliveryStatus::DeadLettered, DeliveryStatus::Succeeded]);
}

const TOKEN: &str = "Bearer e2c4f1d6a9b0-never-in-a-log";

#[tokio::test]
async fn the_authorization_value_and_static_headers_arrive_and_a_missing_token_sends_nothing() {
    let harness = Harness::with_parameters(&[("/hookway/out/billing/token", TOKEN)], |url| {
        json!([
            {"source": "github", "handlers": [
                {"forward": {"url": format!("{url}/billing"), "authorization": {"parameter": "/hookway/out/billing/token"},
                             "headers": {"X-Tenant": "acme"}}},
                {"forward": {"url": format!("{url}/audit"), "maxAttempts": 1, "authorization": {"parameter": "/hookway/out/audit/token"}}}
            ]}
        ])
    })
    .await;
    let failures = harness.deliver(&[("m1", push("d1"))]).await;
    assert!(failures.is_empty(), "the audit token is not in SSM: that delivery waits for its next series");
    let billing = harness.receiver.received_at("/billing");
    assert_eq!(billing.len(), 1);
    assert_eq!(billing[0].headers["authorization"], TOKEN, "sent verbatim");
    assert_eq!(billing[0].headers["x-tenant"], "acme");
    assert!(harness.receiver.received_at("/audit").is_empty(), "never sent without its Authorization");
    let record = harness.record("github", "d1").await.unwrap();
    let error = record.error.unwrap();
    assert!(error.contains("parameter /hookway/out/audit/token not found"), "{error}");
    assert!(!error.contains(TOKEN));
}

#[tokio::test]
async fn a_401_reads_the_credentials_again_and_retries_and_a_second_within_the_gap_is_final() {
    let harness = Harness::with_parameters(&[("/hookway/out/billing/token", TOKEN)], |url| {
        json!([{"source": "github", "handler": {"forward": {"url": format!("{url}/billing"), "maxAttempts": 1,
            "authorization": {"parameter": "/hookway/out/billing/token"}}}}])
    })
    .await;
    // Perhaps the token was rotated: it is read again, and the event waits for its next series.
    harness.receiver.script([Reply::Status(401), Reply::Status(401)]);
    assert!(harness.deliver(&[("m1", push("d1"))]).await.is_empty());
    assert!(harness.dead_letters().await.is_empty(), "not final: the credentials are read again first");
    // A second refusal within the minimum gap between reads is the destination's answer.
    assert!(harness.deliver(&[("m2", push("d2"))]).await.is_empty());
    let letters = harness.dead_letters().await;
    assert_eq!(letters.len(), 1, "{letters:?}");
    assert!(letters[0].1.contains(&("hookway-status".to_owned(), "401".to_owned())), "{letters:?}");
}

/// Verifies a request with the Python `standardwebhooks` package: argv[1] the secret, stdin a
/// JSON object with the headers and the body. Exits 0 if it verifies.
const VERIFY_PY: &str = r#"
import json, sys
from standardwebhooks.webhooks import Webhook
request = json.load(sys.stdin)
Webhook(sys.argv[1]).verify(request["body"], request["headers"])
"#;

fn python_verifies(secret: &str, request: &hookway_testkit::receiver::Received) -> bool {
    use std::io::Write;
    let headers: serde_json::Map<String, Value> =
        request.headers.iter().map(|(name, value)| (name.to_string(), Value::from(value.to_str().unwrap()))).collect();
    let input = json!({"headers": headers, "body": String::from_utf8(request.body.clone()).unwrap()});
    let python = workspace_root().join(".venv/bin/python");
    let mut child = std::process::Command::new(&python)
        .args(["-c", VERIFY_PY, secret])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap_or_else(|error| panic!("{}: {error} (make test installs tools/requirements.txt)", python.display()));
    child.stdin.take().unwrap().write_all(input.to_string().as_bytes()).unwrap();
    child.wait().unwrap().success()
}

#[tokio::test]
async fn signed_deliveries_verify_with_the_standard_webhooks_library_during_a_rotation() {
    let new = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
    let old = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let rotation =
        format!(r#"{{"secrets": [{{"value": "{new}"}}, {{"value": "{old}", "expiresAt": "2999-01-01T00:00:00Z"}}]}}"#);
    let harness = Harness::with_parameters(
        &[("/hookway/out/billing/signing", &rotation), ("/hookway/out/audit/signing", new)],
        |url| {
            json!([{"source": "github", "handlers": [
                {"forward": {"url": format!("{url}/billing"), "sign": {"secretParameters": ["/hookway/out/billing/signing"]}}},
                {"forward": {"url": format!("{url}/audit"), "sign": {"secretParameters": ["/hookway/out/audit/signing"]}}}
            ]}])
        },
    )
    .await;
    let body = r#"{"ref": "refs/heads/main", "note": "café"}"#;
    assert!(harness.deliver(&[("m1", envelope("github", "d-signed", "push", body))]).await.is_empty());
    let billing = harness.receiver.received_at("/billing").remove(0);
    assert_eq!(billing.headers["webhook-id"], "d-signed");
    let signatures = billing.headers["webhook-signature"].to_str().unwrap();
    assert_eq!(signatures.split(' ').filter(|entry| entry.starts_with("v1,")).count(), 2, "{signatures}");
    assert!(python_verifies(new, &billing), "the new secret verifies");
    assert!(python_verifies(old, &billing), "so does the old one, until it expires");
    assert!(!python_verifies("whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", &billing), "another secret does not");

    let audit = harness.receiver.received_at("/audit").remove(0);
    assert!(python_verifies(new, &audit));
    assert!(!python_verifies(old, &audit), "one secret: one signature");
}

/// Receivers's successful requests, by event id.
fn delivered_by_id(receiver: &Receiver) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for request in receiver.received().iter().filter(|request| request.status == Some(200)) {
        *counts.entry(request.headers["idempotency-key"].to_str().unwrap().to_owned()).or_default() += 1;
    }
    counts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outage_longer_than_the_queues_own_retries_leaves_nothing_in_the_dead_letter_queue() {
    // The queue alone would give each event maxReceiveCount (2) receives, a second apart: an
    // outage of 6 s would send them all to the DLQ. The schedule rides it out.
    let harness = Harness::with_routes(|url| {
        json!([{"source": "*", "handler": {"forward": {"url": format!("{url}/hooks"), "maxAttempts": 2, "timeoutSeconds": 1,
            "retry": {"schedule": ["1s", "1s", "2s", "2s", "4s", "4s", "8s"]},
            "circuitBreaker": {"failureThreshold": 3, "cooldownSeconds": 1}}}}])
    })
    .await;
    harness.receiver.go_down();
    let ids: Vec<String> = (1..=6).map(|n| format!("out-{n}")).collect();
    for id in &ids {
        harness.queue(&push(id)).await;
    }
    let outage = Instant::now();
    let worker = &harness.worker;
    let second = harness.another_worker().await;
    while outage.elapsed() < Duration::from_secs(6) {
        tokio::join!(harness.pump(worker), harness.pump(&second));
    }
    assert!(harness.receiver.received().is_empty(), "nothing got through: the port refused every connection");
    let waiting = harness.record("github", "out-1").await.unwrap();
    assert_eq!(waiting.status, "WAITING", "{waiting:?}");
    assert!(waiting.next_attempt().is_some());

    harness.receiver.come_up().await;
    let expected: BTreeMap<String, usize> = ids.iter().map(|id| (id.clone(), 1)).collect();
    let deadline = Instant::now() + Duration::from_secs(40);
    while delivered_by_id(&harness.receiver) != expected {
        assert!(Instant::now() < deadline, "not all delivered: {:?}", delivered_by_id(&harness.receiver));
        tokio::join!(harness.pump(worker), harness.pump(&second));
    }
    // Whatever copies are still in the queue find their events done.
    while harness.queued().await.values().sum::<u64>() > 0 {
        tokio::join!(harness.pump(worker), harness.pump(&second));
    }
    assert_eq!(delivered_by_id(&harness.receiver), expected, "each event delivered exactly once");
    assert!(harness.dead_letters().await.is_empty(), "nothing in the dead-letter queue");
    for id in &ids {
        let record = harness.record("github", id).await.unwrap();
        assert_eq!(record.status, "COMPLETED", "{id}");
    }
}

#[tokio::test]
async fn an_event_out_of_retries_goes_to_the_dead_letter_queue_with_why_and_a_redrive_starts_afresh() {
    let harness = Harness::with_routes(|url| {
        json!([{"source": "*", "handler": {"forward": {"url": format!("{url}/hooks"), "maxAttempts": 1,
            "retry": {"schedule": ["1s"]}}}}])
    })
    .await;
    harness.receiver.always(Reply::Status(503));
    let message = push("d1");
    harness.queue(&message).await;
    let letters = wait_for("the event in the dead-letter queue", Duration::from_secs(30), || async {
        harness.pump(&harness.worker).await;
        let letters = harness.dead_letters().await;
        (!letters.is_empty()).then_some(letters)
    })
    .await;
    assert_eq!(harness.receiver.received().len(), 2, "two series: the first, and the one retry");
    let (body, attributes) = &letters[0];
    assert_eq!(body, &message, "as the intake queued it: a redrive starts its retries afresh");
    let attribute =
        |name: &str| attributes.iter().find(|(attribute, _)| attribute == name).map(|(_, value)| value.as_str());
    assert_eq!(attribute("hookway-cause"), Some("retries-exhausted"));
    assert_eq!(attribute("hookway-status"), Some("503"));
    let reason = attribute("hookway-reason").unwrap();
    assert!(
        reason.starts_with("gave up after 2 series of attempts since ")
            && reason.ends_with("answered 503 Service Unavailable"),
        "{reason}"
    );
    let record = harness.record("github", "d1").await.unwrap();
    assert_eq!((record.status.as_str(), record.deliveries[0].status), ("FAILED", DeliveryStatus::DeadLettered));

    harness.receiver.always(Reply::Status(200));
    harness.queue(body).await;
    harness
        .pump_until(&harness.worker, "the redriven event", Duration::from_secs(10), || {
            harness.receiver.received().iter().any(|request| request.status == Some(200))
        })
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_share_one_circuit() {
    let harness = Harness::with_routes(|url| {
        json!([{"source": "*", "handler": {"forward": {"url": format!("{url}/down"), "maxAttempts": 1,
            "circuitBreaker": {"failureThreshold": 3, "cooldownSeconds": 60}}}}])
    })
    .await;
    harness.receiver.always(Reply::Status(503));
    let second = harness.another_worker().await;
    let url = format!("{}/down", harness.receiver.url);
    let shared = DynamoShared::new(aws_sdk_dynamodb::Client::new(&harness.aws), &harness.resources.table);
    // Both instances at the same time, an event each, until their failures together open it.
    let mut round = 0;
    let (shared_ref, url_ref) = (&shared, &url);
    wait_for("the shared circuit to open", Duration::from_secs(20), || {
        round += 1;
        let (one, two) = (format!("a{round}"), format!("b{round}"));
        let (first, second) = (&harness.worker, &second);
        async move {
            let deadline = Deadline::after(Duration::from_secs(10));
            let (a, b) = tokio::join!(
                first.invoke(sqs_batch(&[(one.as_str(), push(&one))]), deadline),
                second.invoke(sqs_batch(&[(two.as_str(), push(&two))]), deadline),
            );
            a.unwrap();
            b.unwrap();
            shared_ref.circuit(url_ref).await.unwrap().open_until.map(drop)
        }
    })
    .await;
    let failures = shared.circuit(&url).await.unwrap().failures;
    assert!(failures >= 3, "counted together: {failures}");
    tokio::time::sleep(hookway_worker::breaker::CACHE_TTL).await;
    let calls = harness.receiver.received().len();
    let deadline = Deadline::after(Duration::from_secs(10));
    let (a, b) = tokio::join!(
        harness.worker.invoke(sqs_batch(&[("x1", push("x1"))]), deadline),
        second.invoke(sqs_batch(&[("x2", push("x2"))]), deadline),
    );
    a.unwrap();
    b.unwrap();
    assert_eq!(harness.receiver.received().len(), calls, "both instances spare it now");
    for id in ["x1", "x2"] {
        let record = harness.record("github", id).await.unwrap();
        assert_eq!(record.deliveries[0].next_attempt.unwrap().reason, WaitReason::CircuitOpen, "{id}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_share_one_rate_limit() {
    let harness = Harness::with_routes(|url| {
        json!([{"source": "*", "handler": {"forward": {"url": format!("{url}/limited"), "rateLimit": {"perSecond": 5}}}}])
    })
    .await;
    let ids: Vec<String> = (0..100).map(|n| format!("r{n:03}")).collect();
    for id in &ids {
        harness.queue(&push(id)).await;
    }
    let second = harness.another_worker().await;
    let started = Instant::now();
    let deadline = started + Duration::from_secs(90);
    while delivered_by_id(&harness.receiver).len() < ids.len() {
        assert!(Instant::now() < deadline, "{} of 100 delivered", delivered_by_id(&harness.receiver).len());
        tokio::join!(harness.pump(&harness.worker), harness.pump(&second));
    }
    let elapsed = started.elapsed();
    let received = harness.receiver.received();
    assert_eq!(received.len(), 100, "each event once, nothing refused or failed");
    let mut times: Vec<Instant> = received.iter().map(|request| request.at).collect();
    times.sort();
    let busiest = times
        .iter()
        .map(|start| times.iter().filter(|at| **at >= *start && **at - *start <= Duration::from_secs(1)).count())
        .max()
        .unwrap();
    assert!(busiest <= 6, "at most 5 requests in any second, 6 with one on each edge: {busiest}");
    assert!(elapsed >= Duration::from_secs(19), "100 requests at 5 a second take 20 s: {elapsed:?}");
    eprintln!("100 events at 5/s through two workers: {elapsed:?}, busiest second {busiest}");
    assert!(harness.dead_letters().await.is_empty());
}
