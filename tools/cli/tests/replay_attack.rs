//! The replay attack on a provider that signs only the body, on the local stack: one GitHub
//! delivery, signed once and captured, re-sent as an attacker can — under new delivery ids, with
//! other `X-GitHub-Event` types, and after its record's ordinary lifetime — reaches the
//! destination once. Every re-send is answered 202, and the worker says it took each for a
//! duplicate; the test waits for that, and for the events queue to be drained, with a deadline.
//!
//! Time: GitHub signs no timestamp, so a captured request verifies whenever it is sent; what ends
//! a record is DynamoDB's TTL, which deletes an item some time after its `expiresAt`. moto keeps
//! every item, so the test deletes what DynamoDB's TTL would have deleted by a given day — every
//! item whose `expiresAt` is before it — and sends the captured request again.

mod local_stack;

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use hookway_core::local::state::DevState;
use hookway_testkit::receiver::Receiver;
use hookway_testkit::{queue_length, wait_for};
use local_stack::LocalStack;
use serde_json::{Value, json};

const STEP_DEADLINE: Duration = Duration::from_secs(90);
const DAY: i64 = 86_400;
/// `worker.idempotencyTtlDays`, `archive.retentionDays` and `worker.replayWindowDays`: the
/// defaults, said in the configuration.
const ID_TTL_DAYS: i64 = 7;
const ARCHIVE_DAYS: i64 = 30;
const REPLAY_WINDOW_DAYS: i64 = 90;

fn config_for(receiver: &Receiver) -> Value {
    json!({
        "worker": {"idempotencyTtlDays": ID_TTL_DAYS, "replayWindowDays": REPLAY_WINDOW_DAYS},
        "archive": {"retentionDays": ARCHIVE_DAYS},
        "sources": [
            {"name": "github", "scheme": "github", "secretParameters": ["/hookway/github/secret"],
             "acknowledge": ["unsigned-type"]},
            {"name": "svix", "scheme": "svix", "secretParameters": ["/hookway/svix/secret"]}
        ],
        "routes": [
            // Routed by the unsigned type, as the attack would like.
            {"source": "github", "type": "push", "handler": {"forward": {"url": format!("{}/push", receiver.url), "maxAttempts": 1}}},
            {"source": "*", "handler": {"forward": {"url": format!("{}/other", receiver.url), "maxAttempts": 1}}}
        ]
    })
}

/// A request as captured on the wire: its headers (GitHub's signature among them) and body.
struct Captured {
    headers: Vec<(String, String)>,
    body: String,
}

impl Captured {
    /// `hookway sign`'s headers for `body` with the source's secret, as GitHub would send them.
    fn sign(stack: &LocalStack, body: &str) -> Captured {
        let config = stack.config.to_str().unwrap();
        let file = stack.dir.join(format!("body-{}.json", hex_digest(body)));
        std::fs::write(&file, body).unwrap();
        let secrets = hookway_core::local::secrets::LocalSecrets::load(&stack.state_dir).unwrap();
        let secret = &secrets.values["/hookway/github/secret"];
        let sign = ["sign", "--source", "github", "--config", config, "--secret", secret, file.to_str().unwrap()];
        let (code, signed) = stack.hookway(&sign);
        assert_eq!(code, 0, "{signed}");
        let headers: Vec<(String, String)> = signed
            .lines()
            .filter_map(|line| line.split_once(": "))
            .map(|(name, value)| (name.to_owned(), value.to_owned()))
            .collect();
        assert!(headers.iter().any(|(name, _)| name.eq_ignore_ascii_case("x-hub-signature-256")), "{signed}");
        Captured { headers, body: body.to_owned() }
    }

    /// The captured request, with `delivery` and `event_type` in the headers GitHub does not sign.
    async fn send(&self, client: &reqwest::Client, url: &str, delivery: &str, event_type: &str) {
        let mut request = client
            .post(format!("{url}/webhooks/github"))
            .header("content-type", "application/json")
            .header("x-github-delivery", delivery)
            .header("x-github-event", event_type)
            .body(self.body.clone());
        for (name, value) in &self.headers {
            if !["x-github-delivery", "x-github-event"].contains(&name.to_ascii_lowercase().as_str()) {
                request = request.header(name, value);
            }
        }
        let answer = request.send().await.unwrap();
        assert_eq!(answer.status(), 202, "{delivery} {event_type}");
        assert_eq!(answer.json::<Value>().await.unwrap()["id"], delivery, "acknowledged under the id it came with");
    }

    /// How many requests with this body the receiver got.
    fn delivered(&self, receiver: &Receiver) -> usize {
        receiver.received().iter().filter(|request| request.body == self.body.as_bytes()).count()
    }
}

fn hex_digest(text: &str) -> String {
    use sha2::Digest as _;
    hex::encode(&sha2::Sha256::digest(text)[..8])
}

/// The worker's log lines saying it took the event of `delivery` for a duplicate.
fn duplicates_of(stack: &LocalStack, delivery: &str) -> usize {
    stack
        .function_lines()
        .iter()
        .filter(|line| {
            line["message"].as_str().is_some_and(|message| message.starts_with("duplicate of a processed event"))
                && line["span"]["event_id"] == delivery
        })
        .count()
}

/// Waits until the worker has taken each of `deliveries` for a duplicate and the events queue is
/// empty: nothing left that could still reach the destination.
async fn processed_as_duplicates(stack: &LocalStack, state: &DevState, deliveries: &[String]) {
    let aws = hookway_core::local::sdk_config(&state.aws_endpoint).await;
    wait_for("every re-send to be taken for a duplicate, and the queue drained", STEP_DEADLINE, || async {
        let all = deliveries.iter().all(|delivery| duplicates_of(stack, delivery) == 1);
        (all && queue_length(&aws, &state.events_queue_url).await == 0).then_some(())
    })
    .await;
}

/// What DynamoDB's TTL has deleted by `at` (Unix seconds): every item that expired before then.
/// Returns how many items it deleted.
async fn expire_before(state: &DevState, at: i64) -> usize {
    let aws = hookway_core::local::sdk_config(&state.aws_endpoint).await;
    let dynamodb = aws_sdk_dynamodb::Client::new(&aws);
    let items = dynamodb
        .scan()
        .table_name(&state.table)
        .filter_expression("expiresAt < :at")
        .expression_attribute_values(":at", AttributeValue::N(at.to_string()))
        .projection_expression("pk")
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .unwrap();
    for item in &items {
        dynamodb.delete_item().table_name(&state.table).key("pk", item["pk"].clone()).send().await.unwrap();
    }
    items.len()
}

/// Envelopes of `body` under each of `ids`, sent to the events queue in one request, as the
/// intake queues them (with the `source` and `type` attributes).
async fn queue_together(aws: &aws_config::SdkConfig, queue_url: &str, ids: &[&str], body: &str) {
    let received_at = hookway_core::rfc3339_now();
    let mut entries = Vec::new();
    for (index, id) in ids.iter().enumerate() {
        let message = hookway_testkit::queued_envelope("github", id, "push", &received_at, body);
        let mut entry =
            aws_sdk_sqs::types::SendMessageBatchRequestEntry::builder().id(index.to_string()).message_body(message);
        for (name, value) in [("source", "github"), ("type", "push")] {
            let attribute = aws_sdk_sqs::types::MessageAttributeValue::builder()
                .data_type("String")
                .string_value(value)
                .build()
                .unwrap();
            entry = entry.message_attributes(name, attribute);
        }
        entries.push(entry.build().unwrap());
    }
    let sent = aws_sdk_sqs::Client::new(aws)
        .send_message_batch()
        .queue_url(queue_url)
        .set_entries(Some(entries))
        .send()
        .await
        .unwrap();
    assert!(sent.failed().is_empty(), "{sent:?}");
}

/// The item of the body-keyed record first received under `delivery`, as the table holds it.
async fn body_keyed_item(state: &DevState, delivery: &str) -> HashMap<String, AttributeValue> {
    let aws = hookway_core::local::sdk_config(&state.aws_endpoint).await;
    let items = aws_sdk_dynamodb::Client::new(&aws)
        .scan()
        .table_name(&state.table)
        .filter_expression("eventId = :id")
        .expression_attribute_values(":id", AttributeValue::S(delivery.to_owned()))
        .send()
        .await
        .unwrap()
        .items
        .unwrap_or_default();
    assert_eq!(items.len(), 1, "{items:?}");
    items.into_iter().next().unwrap()
}

/// An item's size by DynamoDB's rules: each attribute's name and value — a string its UTF-8
/// bytes, a number 1 byte per two significant digits and 1 more, a map or list 3 bytes and 1 per
/// element beside the elements' own.
fn item_size(item: &HashMap<String, AttributeValue>) -> usize {
    fn value(attribute: &AttributeValue) -> usize {
        match attribute {
            AttributeValue::S(text) => text.len(),
            AttributeValue::N(number) => {
                let digits = number.trim_start_matches('-').replace('.', "");
                digits.trim_matches('0').len().div_ceil(2) + 1
            }
            AttributeValue::Bool(_) | AttributeValue::Null(_) => 1,
            AttributeValue::Ss(texts) => texts.iter().map(String::len).sum(),
            AttributeValue::M(map) => 3 + map.iter().map(|(name, item)| name.len() + value(item) + 1).sum::<usize>(),
            AttributeValue::L(list) => 3 + list.iter().map(|item| value(item) + 1).sum::<usize>(),
            other => panic!("not in a record: {other:?}"),
        }
    }
    item.iter().map(|(name, item)| name.len() + value(item)).sum()
}

/// The body of `hookway events show ID`, once it says the event is `status`.
async fn shown(stack: &LocalStack, id: &str, status: &str) -> String {
    let config = stack.config.to_str().unwrap().to_owned();
    wait_for(&format!("`events show {id}` to say {status}"), STEP_DEADLINE, || {
        let (code, shown) = stack.local(&["events", "show", id, "--config", &config]);
        std::future::ready((code == 0 && shown.contains(&format!("status   {status}"))).then_some(shown))
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_captured_github_delivery_reaches_the_destination_once() {
    let receiver = Receiver::start().await;
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("replay-attack-{}", std::process::id()));
    let mut stack = LocalStack::start(&dir, &config_for(&receiver));
    let client = reqwest::Client::new();
    let url = stack.url.clone();
    let config = stack.config.to_str().unwrap().to_owned();
    stack.running().await;
    let state = stack.state().unwrap();

    // GitHub's delivery, signed once with the source's secret, as an attacker captures it.
    let captured =
        Captured::sign(&stack, r#"{"ref": "refs/heads/main", "after": "9f2c1e", "pusher": {"name": "octocat"}}"#);
    let delivered = || captured.delivered(&receiver);

    // The genuine delivery reaches the destination.
    captured.send(&client, &url, "d-0", "push").await;
    wait_for("the genuine delivery at the destination", STEP_DEADLINE, || {
        std::future::ready((receiver.received_at("/push").len() == 1).then_some(()))
    })
    .await;
    let record = shown(&stack, "d-0", "COMPLETED").await;
    assert!(record.contains("from github"), "{record}");
    // What the record costs to keep: its size as DynamoDB counts it (the README's storage cost).
    let item = body_keyed_item(&state, "d-0").await;
    eprintln!("a body-keyed record with one delivery: {} bytes as DynamoDB counts them: {item:?}", item_size(&item));

    // (a) Under 5 new delivery ids, and (b) with 5 other types under new ids: each one 202, each
    // one a duplicate — the type header routes, it does not make another event.
    let mut resent = Vec::new();
    for n in 1..=5 {
        let delivery = format!("a-{n}");
        captured.send(&client, &url, &delivery, "push").await;
        resent.push(delivery);
    }
    for event_type in ["issues", "release", "delete", "workflow_run", "ping"] {
        let delivery = format!("b-{event_type}");
        captured.send(&client, &url, &delivery, event_type).await;
        resent.push(delivery);
    }
    processed_as_duplicates(&stack, &state, &resent).await;
    assert_eq!(delivered(), 1, "re-sent under 5 new ids and 5 other types: delivered once");
    assert!(receiver.received_at("/other").is_empty(), "no other type's route reached");

    // A signed-id source's record, for comparison: Svix signs its ids, so its record may end with
    // idempotencyTtlDays (a re-send under its id is refused by its signed timestamp by then).
    let (code, said) = stack.local(&["send", &url, "--source", "svix", "--config", &config, "--id", "msg_1"]);
    assert_eq!(code, 0, "{said}");
    shown(&stack, "msg_1", "COMPLETED").await;

    // (c) After idempotencyTtlDays (and a day of DynamoDB's lag): the id-keyed record is gone, the
    // body-keyed one is not, and the captured request is still a duplicate.
    let now = hookway_core::unix_now();
    let expired = expire_before(&state, now + (ID_TTL_DAYS + 1) * DAY).await;
    assert!(expired >= 1, "the id-keyed record expired");
    let (code, said) = stack.local(&["events", "show", "msg_1", "--source", "svix", "--config", &config]);
    assert!(said.contains("no record"), "svix's record expired with idempotencyTtlDays ({code}): {said}");
    shown(&stack, "d-0", "COMPLETED").await;
    captured.send(&client, &url, "c-1", "push").await;
    processed_as_duplicates(&stack, &state, &["c-1".to_owned()]).await;
    assert_eq!(delivered(), 1, "after idempotencyTtlDays: still delivered once");

    // Another body, whose copies reach the events queue together (one SendMessageBatch, as the
    // intake queues envelopes): the worker takes them in one batch and archives each copy (a
    // batch archives its new events before any of them has a record), then delivers one.
    let copied = Captured::sign(&stack, r#"{"ref": "refs/heads/release", "after": "77aa01"}"#);
    let aws = hookway_core::local::sdk_config(&state.aws_endpoint).await;
    let copies = ["q-0", "q-1", "q-2", "q-3"];
    queue_together(&aws, &state.events_queue_url, &copies, &copied.body).await;
    wait_for("the copies' body at the destination, 3 copies taken for duplicates", STEP_DEADLINE, || async {
        let duplicates = copies.iter().filter(|delivery| duplicates_of(&stack, delivery) == 1).count();
        let drained = queue_length(&aws, &state.events_queue_url).await == 0;
        (copied.delivered(&receiver) == 1 && duplicates == 3 && drained).then_some(())
    })
    .await;
    assert_eq!(copied.delivered(&receiver), 1, "4 copies: delivered once");
    wait_for("the 4 copies in the archive", STEP_DEADLINE, || {
        let (code, listed) =
            stack.local(&["events", "list", "--source", "github", "--since", "1h", "--config", &config]);
        let archived = listed.lines().filter(|line| line.contains("  q-")).count();
        std::future::ready((code == 0 && archived == 4).then_some(()))
    })
    .await;

    // A window replay delivers each body once, however many copies of it the archive holds.
    let (code, said) =
        stack.local(&["replay", "--source", "github", "--since", "1h", "--config", &config, "--run", "r-attack"]);
    assert_eq!(code, 0, "{said}");
    assert!(said.contains("replayed 2 event(s)"), "{said}");
    assert!(said.contains("3 more copies of a body among them (sent once)"), "{said}");
    wait_for("the replay at the destination, and the queue drained", STEP_DEADLINE, || async {
        let replays =
            receiver.received().into_iter().filter(|request| request.headers.contains_key("x-hookway-replay")).count();
        (replays == 2 && queue_length(&aws, &state.events_queue_url).await == 0).then_some(())
    })
    .await;
    assert_eq!((delivered(), copied.delivered(&receiver)), (2, 2), "each body: its delivery, and the replay once");
    // Nor further back than worker.replayWindowDays.
    let (code, said) = stack.local(&["replay", "--source", "github", "--since", "91days", "--config", &config]);
    assert_ne!(code, 0, "{said}");
    assert!(said.contains("worker.replayWindowDays is 90 day(s)"), "{said}");

    // The limit SECURITY.md states: once the body-keyed record is gone too (replayWindowDays, the
    // longest of the three here), the captured body is a new event again.
    let expired = expire_before(&state, now + (REPLAY_WINDOW_DAYS + 1) * DAY).await;
    assert!(expired >= 1, "the body-keyed record expired");
    captured.send(&client, &url, "e-1", "push").await;
    wait_for("the captured body, processed again once its record is gone", STEP_DEADLINE, || {
        std::future::ready((delivered() == 3).then_some(()))
    })
    .await;

    stack.stop().await;
}
