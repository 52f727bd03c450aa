//! The worker against a real moto server (DynamoDB) and a real HTTP receiver, invoked through
//! [`Worker::invoke`] with the payloads Lambda sends: SQS batches and job events.

use std::time::{Duration, Instant};

use hookway_core::Config;
use hookway_core::envelope::queued as envelope;
use hookway_core::job::JobEvent;
use hookway_core::store::{DynamoStore, StateStore, contract};
use hookway_testkit::receiver::{Receiver, Reply};
use hookway_testkit::{MotoServer, create_table, wait_for};
use hookway_worker::Worker;
use hookway_worker::deadline::Deadline;
use hookway_worker::handler::Registry;
use hookway_worker::handler::report::Report;
use serde_json::{Value, json};

const JOB_FIXTURE: &str = include_str!("../../../fixtures/apigw-async-job-event.json");

struct Harness {
    _moto: MotoServer,
    store: DynamoStore,
    worker: Worker<DynamoStore>,
    receiver: Receiver,
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
        let moto = MotoServer::start();
        let aws = moto.sdk_config().await;
        create_table(&aws, "hookway-state").await;
        let receiver = Receiver::start().await;
        let config = json!({
            "jobs": {"retryAttempts": 2},
            "sources": [
                {"name": "stripe", "scheme": "stripe", "secretParameters": ["/hookway/stripe/secret"],
                 "ordering": {"entityPointer": "/data/object/id", "versionPointer": "/created"}},
                {"name": "github", "scheme": "github", "secretParameters": ["/hookway/github/secret"]},
                {"name": "slack", "scheme": "slack", "secretParameters": ["/hookway/slack/secret"]}
            ],
            "routes": routes(&receiver.url),
        });
        let config = Config::from_json(&config.to_string()).unwrap();
        let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&aws), "hookway-state");
        let registry = Registry::new().with("report", Report);
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let worker = Worker::new(&config, store.clone(), &registry, client).unwrap();
        Harness { _moto: moto, store, worker, receiver }
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

    async fn run_job(&self, job: &Value) -> Result<Value, String> {
        self.worker.invoke(job.clone(), Deadline::after(Duration::from_secs(30))).await.map_err(|e| e.to_string())
    }
}

/// An SQS batch as the event source mapping hands it to Lambda.
fn sqs_batch(messages: &[(&str, String)]) -> Value {
    let records: Vec<Value> = messages
        .iter()
        .map(|(id, body)| {
            json!({
                "messageId": id, "receiptHandle": format!("handle-{id}"), "body": body,
                "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {}, "md5OfBody": "",
                "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:hookway-events",
                "awsRegion": "us-east-1"
            })
        })
        .collect();
    json!({ "Records": records })
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
async fn a_client_error_is_not_retried_but_408_and_429_are() {
    let harness = Harness::start().await;
    harness.receiver.script([Reply::Status(400)]);
    let failures =
        harness.deliver(&[("m1", envelope("stripe", "evt_1", "invoice.updated", &invoice("evt_1", "in_1", 1)))]).await;
    assert_eq!(failures, ["m1"], "the event fails: the queue retries it later, then dead-letters it");
    assert_eq!(harness.receiver.received().len(), 1, "no retry within the invocation");

    harness.receiver.script([Reply::Status(408), Reply::Status(429)]);
    let failures =
        harness.deliver(&[("m2", envelope("stripe", "evt_2", "invoice.updated", &invoice("evt_2", "in_2", 1)))]).await;
    assert!(failures.is_empty());
    assert_eq!(harness.receiver.received().len(), 4);
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let harness = Harness::start().await;
    harness.receiver.script([Reply::RetryAfter(429, "2".into())]);
    let failures =
        harness.deliver(&[("m1", envelope("stripe", "evt_1", "invoice.updated", &invoice("evt_1", "in_1", 1)))]).await;
    assert!(failures.is_empty());
    let received = harness.receiver.received();
    assert_eq!(received.len(), 2);
    let waited = received[1].at - received[0].at;
    assert!(waited >= Duration::from_secs(2), "waited {waited:?}, the server asked for 2 s");
}

#[tokio::test]
async fn a_retry_after_beyond_the_deadline_leaves_the_event_to_the_queue() {
    let harness = Harness::start().await;
    harness.receiver.script([Reply::RetryAfter(503, "3600".into())]);
    let started = Instant::now();
    let message = envelope("stripe", "evt_1", "invoice.updated", &invoice("evt_1", "in_1", 1));
    let failures = harness.deliver_within(&[("m1", message)], Duration::from_secs(10)).await;
    assert_eq!(failures, ["m1"]);
    assert!(started.elapsed() < Duration::from_secs(5), "it does not sleep past its deadline");
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
    assert_eq!(failures, ["m1"]);
    assert!(elapsed < budget, "returned after {elapsed:?}, within the {budget:?} invocation");
    let attempts = harness.receiver.received().len();
    assert!((2..=3).contains(&attempts), "1 s attempts within a 3 s handler budget: {attempts}");
}

#[tokio::test]
async fn an_open_circuit_fails_fast_without_calling_the_destination() {
    let harness = Harness::start().await;
    harness.receiver.always(Reply::Status(503));
    for id in ["d1", "d2"] {
        let failures = harness.deliver(&[(id, envelope("github", id, "push", "{}"))]).await;
        assert_eq!(failures, [id]);
    }
    assert_eq!(harness.receiver.received().len(), 2, "threshold 2: the circuit is open now");
    let failures = harness.deliver(&[("d3", envelope("github", "d3", "push", "{}"))]).await;
    assert_eq!(failures, ["d3"], "failed at once");
    assert_eq!(harness.receiver.received().len(), 2, "the destination was spared");
}

#[tokio::test]
async fn the_same_event_delivered_twice_is_forwarded_once() {
    let harness = Harness::start().await;
    let message = envelope("stripe", "evt_1", "invoice.updated", &invoice("evt_1", "in_1", 1));
    assert!(harness.deliver(&[("m1", message.clone())]).await.is_empty());
    assert!(harness.deliver(&[("m2", message.clone())]).await.is_empty(), "the duplicate is acknowledged");
    assert_eq!(harness.receiver.received().len(), 1);

    // Twice in one batch: the copies run one after the other, and the second is acknowledged.
    let twice = envelope("github", "d1", "push", "{}");
    assert!(harness.deliver(&[("a", twice.clone()), ("b", twice)]).await.is_empty());
    assert_eq!(harness.receiver.received().len(), 2, "forwarded once");
}

#[tokio::test]
async fn a_duplicate_of_an_event_in_progress_is_left_for_a_retry() {
    let harness = Harness::start().await;
    let message = envelope("github", "d1", "push", "{}");
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
    assert!(harness.deliver(&[("m1", envelope("github", "d1", "push", "{}"))]).await.is_empty());
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
