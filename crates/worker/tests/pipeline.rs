//! The worker against a real moto server (DynamoDB, SSM, SQS) and a real HTTP receiver, invoked
//! through [`Worker::invoke`] with the payloads Lambda sends: SQS batches and job events.

use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_config::SdkConfig;
use hookway_core::Config;
use hookway_core::archive::{S3Store, s3_client};
use hookway_core::envelope::queued as envelope;
use hookway_core::job::JobEvent;
use hookway_core::secret_cache::SsmSecretStore;
use hookway_core::store::{DeliveryStatus, DynamoStore, RecordKey, StateStore, contract};
use hookway_testkit::receiver::{Receiver, Reply};
use hookway_testkit::{MotoServer, create_bucket, create_queue, create_table, put_secret, wait_for, workspace_root};
use hookway_worker::dead_letter::SqsDeadLetterQueue;
use hookway_worker::deadline::Deadline;
use hookway_worker::handler::Registry;
use hookway_worker::handler::report::Report;
use hookway_worker::secrets::Secrets;
use hookway_worker::{Outbound, Worker};
use serde_json::{Value, json};

const JOB_FIXTURE: &str = include_str!("../../../fixtures/apigw-async-job-event.json");

struct Harness {
    _moto: MotoServer,
    aws: SdkConfig,
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
        create_table(&aws, "hookway-state").await;
        let dead_letter_queue = create_queue(&aws, "hookway-events-dlq").await;
        for (name, value) in parameters {
            put_secret(&aws, name, value).await;
        }
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
        // As main.rs builds them: the parameters read in one batch at start-up, SQS for dead
        // letters, the archive bucket in S3.
        let secrets = Secrets::new(SsmSecretStore::new(aws_sdk_ssm::Client::new(&aws)));
        let names: Vec<String> = config.outbound_parameters().iter().map(|(name, _)| (*name).to_owned()).collect();
        secrets.preload(&names).await;
        let dead_letters = SqsDeadLetterQueue::new(aws_sdk_sqs::Client::new(&aws), &dead_letter_queue);
        create_bucket(&aws, "hookway-archive").await;
        let bucket = S3Store::new(s3_client(&aws), "hookway-archive");
        let outbound = Outbound {
            client,
            secrets: Arc::new(secrets),
            dead_letters: Some(Arc::new(dead_letters)),
            bucket: Some(Arc::new(bucket)),
        };
        let worker = Worker::new(&config, store.clone(), &registry, outbound).unwrap();
        Harness { _moto: moto, aws, store, worker, receiver, dead_letter_queue }
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

    // 410 Gone is as final; 408 and 429 are not.
    harness.receiver.script([Reply::Status(410)]);
    let gone = envelope("stripe", "evt_2", "invoice.updated", &invoice("evt_2", "in_2", 1));
    assert!(harness.deliver(&[("m2", gone)]).await.is_empty());
    assert_eq!(harness.dead_letters().await.len(), 1, "the second letter");
    harness.receiver.script([Reply::Status(408), Reply::Status(429)]);
    let failures =
        harness.deliver(&[("m3", envelope("stripe", "evt_3", "invoice.updated", &invoice("evt_3", "in_3", 1)))]).await;
    assert!(failures.is_empty());
    assert_eq!(harness.receiver.received().len(), 5);
    assert!(harness.dead_letters().await.is_empty(), "retried until delivered: no letter");
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

/// A route to two destinations: `/billing`, and `/audit`.
fn fan_out(url: &str, max_attempts: u32) -> Value {
    json!([
        {"source": "github", "type": "push", "handlers": [
            {"forward": {"url": format!("{url}/billing"), "maxAttempts": max_attempts}},
            {"forward": {"url": format!("{url}/audit"), "maxAttempts": max_attempts}}
        ]},
        {"source": "*", "handler": "log"}
    ])
}

#[tokio::test]
async fn a_retry_repeats_only_the_deliveries_that_failed() {
    let harness = Harness::with_routes(|url| fan_out(url, 1)).await;
    harness.receiver.script_at("/billing", [Reply::Status(503), Reply::Status(502)]);
    let message = envelope("github", "d1", "push", "{\"ref\": \"main\"}");
    for receive in 1..=2 {
        let failures = harness.deliver(&[(&format!("m{receive}"), message.clone())]).await;
        assert_eq!(failures, [format!("m{receive}")], "receive {receive}: the billing delivery failed");
    }
    assert!(harness.deliver(&[("m3", message)]).await.is_empty(), "the third receive delivers it");
    assert_eq!(harness.receiver.received_at("/audit").len(), 1, "the audit delivery succeeded at once: not repeated");
    let billing = harness.receiver.received_at("/billing");
    assert_eq!(billing.iter().map(|request| request.status).collect::<Vec<_>>(), [Some(503), Some(502), Some(200)]);
    assert!(
        harness.receiver.received().iter().all(|request| request.headers["idempotency-key"] == "d1"),
        "each destination gets the event id as its key"
    );

    let record = harness.store.status(&RecordKey::event("github", "d1")).await.unwrap().unwrap();
    assert_eq!((record.status.as_str(), record.attempts), ("COMPLETED", 3));
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
    let failures = harness.deliver(&[("m1", envelope("github", "d1", "push", "{}"))]).await;
    assert!(failures.is_empty());
    let letters = harness.dead_letters().await;
    let reason = &letters[0].1.iter().find(|(name, _)| name == "hookway-reason").unwrap().1;
    assert!(
        reason.starts_with("1 of 2 deliveries failed: ")
            && reason.ends_with("/billing answered 422 Unprocessable Entity"),
        "{reason}"
    );
    assert_eq!(harness.receiver.received_at("/billing").len(), 1, "a refusal is not retried");
    let record = harness.store.status(&RecordKey::event("github", "d1")).await.unwrap().unwrap();
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
    let failures = harness.deliver(&[("m1", envelope("github", "d1", "push", "{}"))]).await;
    assert_eq!(failures, ["m1"], "the audit token is not in SSM: that delivery fails, to be retried");
    let billing = harness.receiver.received_at("/billing");
    assert_eq!(billing.len(), 1);
    assert_eq!(billing[0].headers["authorization"], TOKEN, "sent verbatim");
    assert_eq!(billing[0].headers["x-tenant"], "acme");
    assert!(harness.receiver.received_at("/audit").is_empty(), "never sent without its Authorization");
    let record = harness.store.status(&RecordKey::event("github", "d1")).await.unwrap().unwrap();
    let error = record.error.unwrap();
    assert!(error.contains("parameter /hookway/out/audit/token not found"), "{error}");
    assert!(!error.contains(TOKEN));
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
