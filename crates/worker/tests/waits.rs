//! What a waiting event costs: the AWS calls one event makes through a whole retry schedule while
//! its destination is down, counted by moto's call log against a real moto server. A wait longer
//! than one hop of the events queue is parked in the state table and released by the sweep, so
//! the calls grow with the schedule's entries, not with the length of the wait.
//!
//! The default schedule (5 s, 5 m, 30 m, 2 h, 5 h, 10 h, 10 h) is run at the same shape, scaled
//! down: its first two waits fit in one hop of the queue (half the oldest-message alarm's 10
//! minutes), the other five are parked; here the hop is a second and the waits 1 s, 1 s, then 2 s
//! to 5 s. Counted for the event: the intake's `SendMessage`; each receive that brings it (its
//! `ReceiveMessage`, the batch's archive read, the worker's calls, the `DeleteMessage`); what each
//! sweep that releases it does for it (its `SendMessageBatch`, the write that takes it out of the
//! index). Not counted: the event source mapping's empty polls, and the sweep's own reads — the
//! keys events are parked under (a `GetItem`), the circuits (a `BatchGetItem`) and a `Query` per
//! destination, every minute, which cost the same whether no event waits or a million (reported
//! apart).
//!
//! With `HOOKWAY_OUTAGE_CALLS=FILE` it also writes the counts there as JSON, for `make cost` to
//! price (`cost/outage.json`): `{"calls": {"sqs.ReceiveMessage": 8, …}, "total": 57,
//! "sweepReads": {…}, "receives": 8, "releases": 5}`.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hookway_core::Config;
use hookway_core::aws::firehose::FirehoseStream;
use hookway_core::aws::s3::S3Objects;
use hookway_core::envelope::queued as envelope;
use hookway_core::local::resources::provision;
use hookway_core::store::DynamoStore;
use hookway_dev::poller::Poller;
use hookway_testkit::MotoServer;
use hookway_testkit::receiver::Receiver;
use hookway_worker::dead_letter::SqsDeadLetterQueue;
use hookway_worker::deadline::Deadline;
use hookway_worker::handler::Registry;
use hookway_worker::requeue::SqsEventsQueue;
use hookway_worker::shared::DynamoShared;
use hookway_worker::{Outbound, Worker};
use serde_json::{Value, json};

/// The most calls one event may make through the default schedule.
const MOST_CALLS: usize = 60;

/// Every call moto has served so far, by service and operation.
async fn moto_calls(moto: &MotoServer) -> BTreeMap<String, usize> {
    let log = reqwest::get(format!("{}/_hookway/calls", moto.endpoint)).await.unwrap().bytes().await.unwrap();
    let mut calls = BTreeMap::new();
    for call in serde_json::from_slice::<Vec<Value>>(&log).unwrap() {
        let name = format!("{}.{}", call["service"].as_str().unwrap(), call["operation"].as_str().unwrap());
        *calls.entry(name).or_default() += usize::try_from(call["count"].as_u64().unwrap()).unwrap();
    }
    calls
}

/// The calls made between `before` and `after`.
fn made(before: &BTreeMap<String, usize>, after: BTreeMap<String, usize>) -> BTreeMap<String, usize> {
    after
        .into_iter()
        .map(|(name, count)| {
            let made = count - before.get(&name).copied().unwrap_or_default();
            (name, made)
        })
        .filter(|(_, made)| *made > 0)
        .collect()
}

fn add(total: &mut BTreeMap<String, usize>, calls: BTreeMap<String, usize>) {
    for (name, count) in calls {
        *total.entry(name).or_default() += count;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_waiting_through_the_default_schedule_makes_at_most_sixty_calls() {
    let moto = MotoServer::start();
    let aws = moto.sdk_config().await;
    let receiver = Receiver::start().await;
    receiver.go_down();
    // The default schedule's shape, a hop of a second; default attempts and breaker.
    let config = json!({
        "sources": [{"name": "stripe", "scheme": "stripe", "secretParameters": ["/hookway/stripe/secret"]}],
        "routes": [{"source": "stripe", "handler": {"forward": {"url": format!("{}/down", receiver.url),
            "retry": {"schedule": ["1s", "1s", "2s", "3s", "4s", "5s", "5s"]}}}}],
    });
    let config = Config::from_json(&config.to_string()).unwrap();
    let resources = provision(&aws, &config, Duration::from_secs(30)).await.unwrap();
    let sqs = aws_sdk_sqs::Client::new(&aws);
    let dynamodb = aws_sdk_dynamodb::Client::new(&aws);
    let outbound = Outbound {
        dead_letters: Some(Arc::new(SqsDeadLetterQueue::new(sqs.clone(), &resources.events_dlq_url))),
        events_queue: Some(Arc::new(SqsEventsQueue::new(sqs.clone(), &resources.events_queue_url))),
        shared: Arc::new(DynamoShared::new(dynamodb.clone(), &resources.table)),
        bucket: Some(Arc::new(S3Objects::new(&aws, &resources.archive_bucket))),
        stream: resources.archive_stream.as_ref().map(|stream| Arc::new(FirehoseStream::new(&aws, stream)) as _),
        ..Outbound::from(reqwest::Client::new())
    };
    let store = DynamoStore::new(dynamodb, &resources.table);
    let worker = Worker::new(&config, store, &Registry::new(), outbound).unwrap().with_max_hop(Duration::from_secs(1));
    let poller = Poller {
        sqs: sqs.clone(),
        queue_url: resources.events_queue_url.clone(),
        queue_arn: resources.events_queue_arn.clone(),
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

    let mut calls = BTreeMap::new();
    let mut sweep_reads = BTreeMap::new();
    let before = moto_calls(&moto).await;
    let message = envelope("stripe", "evt_down", "invoice.paid", r#"{"id": "evt_down"}"#);
    sqs.send_message().queue_url(&resources.events_queue_url).message_body(&message).send().await.unwrap();
    add(&mut calls, made(&before, moto_calls(&moto).await));
    let (mut receives, mut releases) = (0, 0);
    let started = Instant::now();
    loop {
        assert!(started.elapsed() < Duration::from_secs(120), "not dead-lettered in time: {calls:?}");
        let before = moto_calls(&moto).await;
        let swept =
            worker.invoke(json!({"hookway": "release"}), Deadline::after(Duration::from_secs(30))).await.unwrap();
        if swept["released"] != 0 {
            releases += 1;
            let (reads, marginal) = made(&before, moto_calls(&moto).await).into_iter().partition(|(name, _)| {
                matches!(name.as_str(), "dynamodb.BatchGetItem" | "dynamodb.Query" | "dynamodb.GetItem")
            });
            add(&mut calls, marginal);
            add(&mut sweep_reads, reads);
        }
        let before = moto_calls(&moto).await;
        let invoke = |batch| async {
            worker.invoke(batch, Deadline::after(Duration::from_secs(30))).await.map_err(|error| error.to_string())
        };
        if poller.poll_with(invoke).await.unwrap() > 0 {
            receives += 1;
            add(&mut calls, made(&before, moto_calls(&moto).await));
        }
        let letters = sqs.get_queue_attributes().queue_url(&resources.events_dlq_url);
        let letters = letters.attribute_names(aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessages);
        let letters = letters.send().await.unwrap().attributes.unwrap_or_default();
        if letters.values().any(|count| count != "0") {
            break;
        }
    }
    let total: usize = calls.values().sum();
    eprintln!(
        "one event through the default schedule's shape: {total} AWS calls ({receives} receives, {releases} releases, {:.1} s): {calls:#?}\nthe sweeps' own reads: {sweep_reads:?}",
        started.elapsed().as_secs_f64()
    );
    assert_eq!(receives, 8, "eight series of attempts, the last one dead-lettered");
    assert!(total <= MOST_CALLS, "{total} calls, more than {MOST_CALLS}: {calls:#?}");
    assert!(receiver.received().is_empty(), "the destination refused every connection");
    if let Some(path) = std::env::var_os("HOOKWAY_OUTAGE_CALLS") {
        let counts = json!({"calls": calls, "total": total, "sweepReads": sweep_reads, "receives": receives, "releases": releases});
        std::fs::write(&path, serde_json::to_string_pretty(&counts).unwrap() + "\n").unwrap();
    }
}
