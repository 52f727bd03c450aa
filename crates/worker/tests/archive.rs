//! The event store, from the intake to the destination, against a real moto server (SQS, SSM,
//! DynamoDB, S3, Firehose) and a real HTTP receiver: a large body by claim check, byte for byte;
//! every event archived once, a batch at a time, by either writer — through the archive stream
//! (Firehose, which moto writes into the bucket at once) or as the worker's own batch objects;
//! and nothing processed that could not be archived.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_config::SdkConfig;
use hookway_core::Config;
use hookway_core::archive::{ArchiveLocation, ObjectStore, S3Store, STREAM_PREFIX, Stamp, lines, s3_client};
use hookway_core::aws::firehose::FirehoseStream;
use hookway_core::aws::s3::S3Objects;
use hookway_core::config::ArchiveWriter;
use hookway_core::envelope::{Envelope, SQS_MAX_MESSAGE_BYTES};
use hookway_core::local::resources::create_archive_stream;
use hookway_core::scheme::SignRequest;
use hookway_core::secret_cache::{SecretCache, SsmSecretStore};
use hookway_core::store::{DynamoStore, RecordKey, StateStore};
use hookway_intake::Intake;
use hookway_intake::queue::SqsQueue;
use hookway_testkit::receiver::{Receiver, Reply};
use hookway_testkit::{
    MotoServer, closed_endpoint, create_bucket, create_queue, create_table, drain_queue, put_secret, queued_envelope,
    rest_proxy_event, sdk_config_for,
};
use hookway_worker::deadline::Deadline;
use hookway_worker::handler::Registry;
use hookway_worker::{Outbound, Worker};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const TABLE: &str = "hookway-state";
const BUCKET: &str = "hookway-archive";
const STREAM: &str = "hookway-archive";
const SECRET: &str = "It's a Secret to Everybody";

struct Harness {
    _moto: MotoServer,
    aws: SdkConfig,
    writer: ArchiveWriter,
    config: Config,
    queue_url: String,
    store: DynamoStore,
    bucket: S3Store,
    receiver: Receiver,
}

impl Harness {
    /// Archiving with `writer` (the archive stream is created for `firehose`).
    async fn start(writer: ArchiveWriter) -> Harness {
        let moto = MotoServer::start();
        let aws = moto.sdk_config().await;
        let queue_url = create_queue(&aws, "hookway-events").await;
        create_table(&aws, TABLE).await;
        create_bucket(&aws, BUCKET).await;
        if writer == ArchiveWriter::Firehose {
            create_archive_stream(&aws, STREAM, BUCKET).await.unwrap();
        }
        put_secret(&aws, "/hookway/github/secret", SECRET).await;
        let receiver = Receiver::start().await;
        let config = json!({
            "intake": {"maxBodyBytes": 4_669_440},
            "archive": {"writer": writer.as_str()},
            "sources": [
                {"name": "github", "scheme": "github", "secretParameters": ["/hookway/github/secret"]},
                {"name": "stripe", "scheme": "stripe", "secretParameters": ["/hookway/stripe/secret"]}
            ],
            "routes": [
                {"source": "github", "handler": {"forward": {"url": format!("{}/github", receiver.url), "maxAttempts": 1}}},
                {"source": "stripe", "handler": {"forward": {"url": format!("{}/stripe", receiver.url), "maxAttempts": 1}}}
            ],
        });
        let config = Config::from_json(&config.to_string()).unwrap();
        let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&aws), TABLE);
        let bucket = S3Store::new(s3_client(&aws), BUCKET);
        Harness { _moto: moto, aws, writer, config, queue_url, store, bucket, receiver }
    }

    /// A worker as main.rs builds it, whose bucket and stream (`stream`) are reached through
    /// `archive_aws`.
    fn worker_with(&self, archive_aws: &SdkConfig, stream: &str) -> Worker<DynamoStore> {
        let outbound = Outbound {
            bucket: Some(Arc::new(S3Objects::new(archive_aws, BUCKET))),
            stream: match self.writer {
                ArchiveWriter::Firehose => Some(Arc::new(FirehoseStream::new(archive_aws, stream))),
                ArchiveWriter::Worker => None,
            },
            ..Outbound::from(reqwest::Client::new())
        };
        Worker::new(&self.config, self.store.clone(), &Registry::new(), outbound).unwrap()
    }

    /// A worker as main.rs builds it, whose bucket and stream are reached through `archive_aws`.
    fn worker(&self, archive_aws: &SdkConfig) -> Worker<DynamoStore> {
        self.worker_with(archive_aws, STREAM)
    }

    /// The envelope of `source`'s event `id` the record `key` places in the archive: its line, or
    /// the line of the stream objects that holds it.
    async fn archived(&self, key: &RecordKey, source: &str, id: &str) -> (ArchiveLocation, Envelope<'static>) {
        let location = self.store.status(key).await.unwrap().unwrap().archive.unwrap();
        let line = match &location {
            ArchiveLocation::Line(line) => self.bucket.line(line).await.unwrap().to_vec(),
            ArchiveLocation::Stream { .. } => {
                let mut found = Vec::new();
                for key in self.bucket.list(STREAM_PREFIX, false).await.unwrap().keys {
                    let object = self.bucket.get(&key, None).await.unwrap();
                    found.extend(lines(&object).map(|(_, line)| line.to_vec()).filter(|line| {
                        let envelope = Envelope::from_json(std::str::from_utf8(line).unwrap()).unwrap();
                        envelope.source == source && envelope.id == id
                    }));
                }
                assert_eq!(found.len(), 1, "{source} {id} once in the stream's objects");
                found.remove(0)
            }
        };
        (location, Envelope::from_json(std::str::from_utf8(&line).unwrap()).unwrap().into_owned())
    }

    /// Every message in the events queue, removed: (message id, body).
    async fn drain(&self) -> Vec<(String, String)> {
        let messages = drain_queue(&self.aws, &self.queue_url).await;
        messages.into_iter().map(|m| (m.message_id().unwrap().to_owned(), m.body().unwrap().to_owned())).collect()
    }

    /// Every archive object, by key.
    async fn archive_objects(&self) -> Vec<String> {
        self.bucket.list("events/", false).await.unwrap().keys
    }
}

/// A batch as the event source mapping hands it over; the ids of the messages it failed.
async fn deliver(worker: &Worker<DynamoStore>, messages: &[(String, String)]) -> Vec<String> {
    let records: Vec<Value> = messages
        .iter()
        .map(|(id, body)| json!({"messageId": id, "receiptHandle": format!("h-{id}"), "body": body, "eventSource": "aws:sqs"}))
        .collect();
    let response = worker.invoke(json!({"Records": records}), Deadline::after(Duration::from_secs(30))).await.unwrap();
    response["batchItemFailures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["itemIdentifier"].as_str().unwrap().to_owned())
        .collect()
}

/// The key of an event's record, as the worker keys it: GitHub does not sign its delivery ids, so
/// its events are keyed by source and body; Stripe's by id.
fn record_key(source: &str, id: &str, body: &[u8]) -> RecordKey {
    match source {
        "github" => RecordKey::event_body(source, body),
        _ => RecordKey::event(source, id),
    }
}

/// An envelope as the intake queues it, received at `received_at`.
fn envelope(source: &str, id: &str, received_at: &str, body: &str) -> String {
    queued_envelope(source, id, "thing.happened", received_at, body)
}

/// `seconds` ago.
fn ago(seconds: u64) -> Stamp {
    Stamp::of(SystemTime::now() - Duration::from_secs(seconds))
}

#[tokio::test]
async fn a_3_mib_body_reaches_its_destination_byte_for_byte_by_claim_check() {
    let harness = Harness::start(ArchiveWriter::Firehose).await;
    let secrets = SecretCache::new(SsmSecretStore::new(aws_sdk_ssm::Client::new(&harness.aws)));
    let queue = SqsQueue::new(aws_sdk_sqs::Client::new(&harness.aws), &harness.queue_url);
    let intake =
        Intake::new(&harness.config, queue, secrets, harness.store.clone(), Arc::new(harness.bucket.clone())).unwrap();
    intake.preload_secrets().await;

    let body: Vec<u8> = (0..3 * 1024 * 1024).map(|i| (i * 31 % 256) as u8).collect();
    let source = hookway_core::Source::new(harness.config.source("github").unwrap()).unwrap();
    let key = source.scheme.key(SECRET, None).unwrap();
    let request =
        SignRequest { id: "large-1", timestamp: hookway_core::unix_now(), body: &body, method: "POST", url: "" };
    let mut headers = source.scheme.sign(&key, &request).unwrap().headers;
    headers.push(("X-GitHub-Event".into(), "push".into()));
    headers.push(("Content-Type".into(), "application/octet-stream".into()));
    let request =
        lambda_http::request::from_str(&rest_proxy_event("POST", "/webhooks/github", &headers, &body)).unwrap();
    assert_eq!(intake.handle(request).await.status(), 202);

    let messages = harness.drain().await;
    assert_eq!(messages.len(), 1);
    assert!(messages[0].1.len() < SQS_MAX_MESSAGE_BYTES / 256, "{} bytes queued for 3 MiB", messages[0].1.len());

    let worker = harness.worker(&harness.aws);
    assert_eq!(deliver(&worker, &messages).await, Vec::<String>::new());
    let delivered = harness.receiver.received_at("/github");
    assert_eq!(delivered.len(), 1);
    assert_eq!(Sha256::digest(&delivered[0].body), Sha256::digest(&body), "SHA-256 equal");
    assert_eq!(delivered[0].headers["content-type"], "application/octet-stream");

    // Archived too, into the stream: its envelope, which names the body.
    let (_, archived) = harness.archived(&record_key("github", "large-1", &body), "github", "large-1").await;
    assert_eq!(archived.body_object.unwrap().size, body.len() as u64);
}

#[tokio::test]
async fn a_batch_is_archived_as_one_object_per_hour_whatever_its_sources_and_nothing_is_archived_twice() {
    let harness = Harness::start(ArchiveWriter::Worker).await;
    let worker = harness.worker(&harness.aws);
    harness.receiver.always_at("/stripe", Reply::Status(503));
    let messages: Vec<(String, String)> = [
        ("github", "gh-1", "2026-11-22T05:01:00.000Z"),
        ("github", "gh-2", "2026-11-22T05:02:00.000Z"),
        ("github", "gh-3", "2026-11-22T06:00:00.000Z"),
        ("stripe", "evt-1", "2026-11-22T05:03:00.000Z"),
    ]
    .iter()
    .map(|(source, id, at)| (format!("m-{id}"), envelope(source, id, at, &format!(r#"{{"id": "{id}"}}"#))))
    .collect();
    let failed = deliver(&worker, &messages).await;
    assert_eq!(failed, ["m-evt-1"], "stripe's destination is down");
    let objects = harness.archive_objects().await;
    // Two PUTs for the batch, where one per source and hour took three.
    assert_eq!(objects.len(), 2, "05h (github and stripe), 06h (github): {objects:?}");
    let five = objects
        .iter()
        .find(|key| key.starts_with("events/_batches/2026/11/22/05/20261122T050100000Z_20261122T050300000Z_"))
        .unwrap_or_else(|| panic!("{objects:?}"));
    assert!(five.ends_with(".github.stripe.ndjson"), "{five}");
    assert!(
        objects.iter().any(|key| key.starts_with("events/_batches/2026/11/22/06/") && key.ends_with(".github.ndjson"))
    );

    for (source, id) in [("github", "gh-1"), ("github", "gh-2"), ("github", "gh-3"), ("stripe", "evt-1")] {
        let body = format!(r#"{{"id": "{id}"}}"#);
        let key = record_key(source, id, body.as_bytes());
        let (location, archived) = harness.archived(&key, source, id).await;
        assert!(matches!(location, ArchiveLocation::Line(_)), "{location:?}");
        assert_eq!((archived.source.as_ref(), archived.id.as_ref()), (source, id), "the record places its event");
    }

    // The failed event retried, and a sender's redelivery of a delivered one: neither archived again.
    harness.receiver.always_at("/stripe", Reply::Status(200));
    let again = vec![messages[3].clone(), ("m-gh-1-again".into(), messages[0].1.clone())];
    assert_eq!(deliver(&worker, &again).await, Vec::<String>::new());
    assert_eq!(harness.archive_objects().await, objects, "no new object");
    assert_eq!(harness.receiver.received_at("/github").len(), 3, "the redelivery was a duplicate");
}

#[tokio::test]
async fn with_the_bucket_unreachable_no_event_is_processed_and_every_one_returns_to_the_queue() {
    let harness = Harness::start(ArchiveWriter::Worker).await;
    let unreachable = sdk_config_for(&closed_endpoint()).await;
    let worker = harness.worker(&unreachable);
    let messages = vec![
        ("m-1".to_owned(), envelope("github", "gh-1", "2026-11-22T05:01:00.000Z", "{}")),
        ("m-2".to_owned(), envelope("stripe", "evt-1", "2026-11-22T05:01:00.000Z", "{}")),
    ];
    let mut failed = deliver(&worker, &messages).await;
    failed.sort();
    assert_eq!(failed, ["m-1", "m-2"]);
    assert!(harness.receiver.received().is_empty(), "nothing is delivered before it is archived");
    assert_eq!(harness.store.status(&record_key("github", "gh-1", b"{}")).await.unwrap(), None, "nor claimed");

    // Once the bucket is back, the same messages are archived and delivered.
    let worker = harness.worker(&harness.aws);
    assert_eq!(deliver(&worker, &messages).await, Vec::<String>::new());
    assert_eq!(harness.receiver.received().len(), 2);
    assert_eq!(harness.archive_objects().await.len(), 1, "one object for the batch's two sources");
}

#[tokio::test]
async fn a_claim_checked_body_that_cannot_be_read_fails_alone() {
    let harness = Harness::start(ArchiveWriter::Firehose).await;
    let worker = harness.worker(&harness.aws);
    let lost = envelope("github", "gh-lost", "2026-11-22T05:01:00.000Z", "").replace(
        r#""bodyEncoding":"utf8","body":"""#,
        r#""bodyEncoding":"s3","body":"","bodyObject":{"key":"bodies/github/gone","size":3,"sha256":"00"}"#,
    );
    assert!(lost.contains("bodies/github/gone"), "{lost}");
    let messages = vec![
        ("m-lost".to_owned(), lost),
        ("m-ok".to_owned(), envelope("github", "gh-ok", "2026-11-22T05:01:00.000Z", "{}")),
    ];
    assert_eq!(deliver(&worker, &messages).await, ["m-lost"]);
    assert_eq!(harness.receiver.received_at("/github").len(), 1);
}

#[tokio::test]
async fn through_the_stream_a_batch_is_one_put_record_batch_and_nothing_is_archived_twice() {
    let harness = Harness::start(ArchiveWriter::Firehose).await;
    let worker = harness.worker(&harness.aws);
    harness.receiver.always_at("/stripe", Reply::Status(503));
    // Received moments ago, and one three hours ago (a backlog): that one is filed by its receipt.
    let late = ago(3 * 3600);
    let messages: Vec<(String, String)> = [
        ("github", "gh-1", ago(5)),
        ("github", "gh-2", ago(4)),
        ("stripe", "evt-1", ago(3)),
        ("github", "gh-late", late.clone()),
    ]
    .iter()
    .map(|(source, id, at)| (format!("m-{id}"), envelope(source, id, at.as_str(), &format!(r#"{{"id": "{id}"}}"#))))
    .collect();
    let before = Stamp::of(SystemTime::now());
    let failed = deliver(&worker, &messages).await;
    let after = Stamp::of(SystemTime::now());
    assert_eq!(failed, ["m-evt-1"], "stripe's destination is down");

    // One stream object (moto writes each PutRecordBatch at once): the three envelopes, a line each.
    let streamed = harness.bucket.list(STREAM_PREFIX, false).await.unwrap().keys;
    assert_eq!(streamed.len(), 1, "{streamed:?}");
    assert!(streamed[0].starts_with(&format!("{STREAM_PREFIX}{}/{STREAM}-1-", before.hour_path())), "{streamed:?}");
    let object = harness.bucket.get(&streamed[0], None).await.unwrap();
    let expected: String = messages[..3].iter().map(|(_, body)| format!("{body}\n")).collect();
    assert_eq!(String::from_utf8(object.to_vec()).unwrap(), expected, "every envelope as queued, in order");
    let batches = harness.bucket.list("events/_batches/", false).await.unwrap().keys;
    assert_eq!(batches.len(), 1, "{batches:?}");
    assert!(batches[0].starts_with(&format!("events/_batches/{}/", late.hour_path())), "by its receipt: {batches:?}");

    for (source, id) in [("github", "gh-1"), ("github", "gh-2"), ("stripe", "evt-1"), ("github", "gh-late")] {
        let key = record_key(source, id, format!(r#"{{"id": "{id}"}}"#).as_bytes());
        let (location, archived) = harness.archived(&key, source, id).await;
        assert_eq!((archived.source.as_ref(), archived.id.as_ref()), (source, id));
        match location {
            ArchiveLocation::Stream { at } => {
                assert!(id != "gh-late" && before <= at && at <= after, "{id} put at {at:?}")
            }
            ArchiveLocation::Line(line) => assert!(id == "gh-late" && line.key == batches[0], "{id}: {line}"),
        }
    }

    // The failed event retried, and a sender's redelivery of a delivered one: neither archived again.
    harness.receiver.always_at("/stripe", Reply::Status(200));
    let again = vec![messages[2].clone(), ("m-gh-1-again".into(), messages[0].1.clone())];
    assert_eq!(deliver(&worker, &again).await, Vec::<String>::new());
    assert_eq!(harness.bucket.list("events/", false).await.unwrap().keys.len(), 2, "no new object");
    assert_eq!(harness.receiver.received_at("/github").len(), 3, "the redelivery was a duplicate");
}

#[tokio::test]
async fn with_the_stream_refusing_no_event_is_processed_and_every_one_returns_to_the_queue() {
    let harness = Harness::start(ArchiveWriter::Firehose).await;
    // A stream that does not exist: Firehose answers ResourceNotFoundException.
    let worker = harness.worker_with(&harness.aws, "hookway-no-such-stream");
    let now = hookway_core::rfc3339_now();
    let messages = vec![
        ("m-1".to_owned(), envelope("github", "gh-1", &now, "{}")),
        ("m-2".to_owned(), envelope("stripe", "evt-1", &now, "{}")),
    ];
    let mut failed = deliver(&worker, &messages).await;
    failed.sort();
    assert_eq!(failed, ["m-1", "m-2"]);
    assert!(harness.receiver.received().is_empty(), "nothing is delivered before it is archived");
    assert_eq!(harness.store.status(&record_key("github", "gh-1", b"{}")).await.unwrap(), None);
    assert!(harness.archive_objects().await.is_empty());

    // Unreachable, as well.
    let unreachable = sdk_config_for(&closed_endpoint()).await;
    assert_eq!(deliver(&harness.worker(&unreachable), &messages).await.len(), 2);
    assert!(harness.receiver.received().is_empty());

    // Once the stream is there, the same messages are archived and delivered.
    assert_eq!(deliver(&harness.worker(&harness.aws), &messages).await, Vec::<String>::new());
    assert_eq!(harness.receiver.received().len(), 2);
    assert_eq!(harness.archive_objects().await.len(), 1, "one stream object for the batch's two sources");
}
