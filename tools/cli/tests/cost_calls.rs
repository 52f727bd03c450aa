//! The AWS calls an event costs, counted on the `make cost` mix (a small one: the full run is a
//! benchmark, `make cost`). A change that adds a call per event fails here, with the count.

use std::path::PathBuf;

use hookway_cost::{Call, Phase, measured_batch};
use hookway_cost_run::{Options, measure};

const WEBHOOKS: u64 = 60;
const FAILING_ONE_IN: u64 = 20;
const JOBS: u64 = 2;

/// Calls of `operation` by `caller` in a phase, per event.
fn per_event(phase: &Phase, caller: &str, operation: &str) -> f64 {
    let count: u64 =
        phase.calls.iter().filter(|c| c.caller == caller && c.operation == operation).map(|c| c.count).sum();
    count as f64 / phase.events as f64
}

fn describe(calls: &[Call]) -> String {
    calls
        .iter()
        .map(|c| format!("{} {}:{} ×{}", c.caller, c.service, c.operation, c.count))
        .collect::<Vec<_>>()
        .join(", ")
}

#[tokio::test(flavor = "multi_thread")]
async fn an_event_costs_the_calls_it_should_and_no_more() {
    let dir = TempDir::new();
    let options = Options {
        hookway: PathBuf::from(env!("CARGO_BIN_EXE_hookway")),
        endpoint: "rest".into(),
        profile: "default".into(),
        settings: serde_json::json!({"worker": {"batchSize": 20, "batchingWindowSeconds": 1}}),
        webhooks: WEBHOOKS,
        failing_one_in: FAILING_ONE_IN,
        jobs: JOBS,
        body_bytes: 1024,
        release: false,
        dir: dir.0.clone(),
    };
    let (mix, run) = measure(&options, |line| eprintln!("{line}")).await.unwrap();
    let webhooks = &run.webhooks;
    let all = describe(&webhooks.calls);
    let events = WEBHOOKS as f64;
    let failures = mix.failed_once as f64 / events;
    let batches = 1.0 / measured_batch(webhooks);
    assert_eq!(mix.failed_once, WEBHOOKS / FAILING_ONE_IN, "the destination refused as scripted");

    // Exactly what each call is for. (caller, operation, at most per event, why)
    let budget = [
        ("hookway-intake", "SendMessage", 1.0, "the intake queues each webhook"),
        ("hookway-intake", "GetParameters", 1.0 / events, "the sources' secrets, once at init"),
        (
            "hookway-worker",
            "UpdateItem",
            2.0 + 4.0 * failures,
            "the claim and the outcome of each attempt, and a failure's to the breaker",
        ),
        (
            "hookway-worker",
            "PutItem",
            2.0 + 4.0 * failures,
            "the claim and the outcome of each attempt, and a failure's to the breaker",
        ),
        (
            "hookway-worker",
            "GetItem",
            0.5,
            "each destination's breaker state, read once a second by an instance, and the listeners of `hookway listen`, once in 5 s: not once an event",
        ),
        ("hookway-worker", "BatchGetItem", batches, "which events of a batch are new, once a batch"),
        ("hookway-worker", "PutRecordBatch", batches, "the archive stream: one PutRecordBatch a batch"),
        (
            "hookway-worker",
            "PutObject",
            batches,
            "the archive (archive.writer worker, or events put late): one object a batch",
        ),
        ("hookway-worker", "SendMessageBatch", failures, "events refused once, sent back for their next attempt"),
        ("hookway-worker", "GetParameters", 1.0 / events, "the destinations' secrets, once at init"),
        ("lambda-service", "ReceiveMessage", 1.0, "the event source mapping's polls"),
        ("lambda-service", "DeleteMessageBatch", batches * 2.0, "what a batch processed, 10 to a call"),
    ];
    for call in &webhooks.calls {
        let Some((_, _, most, why)) =
            budget.iter().find(|(caller, operation, _, _)| *caller == call.caller && *operation == call.operation)
        else {
            panic!(
                "{} makes {}:{} ({} calls for {WEBHOOKS} webhooks), which no event should: {all}",
                call.caller, call.service, call.operation, call.count
            );
        };
        let measured = per_event(webhooks, &call.caller, &call.operation);
        assert!(
            measured <= most + 1e-9,
            "{} {}:{}: {measured:.3} calls per event ({} for {WEBHOOKS} webhooks), at most {most:.3} ({why}); all: {all}",
            call.caller,
            call.service,
            call.operation,
            call.count
        );
    }
    assert_eq!(per_event(webhooks, "hookway-intake", "SendMessage"), 1.0, "one SendMessage per webhook: {all}");
    let writes: f64 =
        webhooks.calls.iter().filter(|c| c.caller == "hookway-worker").map(|c| c.write_units).sum::<f64>() / events;
    assert!(
        writes <= 2.0 + 4.0 * failures + 1e-9,
        "DynamoDB writes per event: {writes:.3}, at most 2 per attempt and 2 per failure (the breaker's): {all}"
    );
    assert!(
        webhooks.largest_item_bytes <= 1024,
        "a state item of {} bytes costs more than a write unit",
        webhooks.largest_item_bytes
    );
    assert!(webhooks.log_bytes > 0, "the functions' log lines were counted");

    let jobs = &run.jobs;
    assert_eq!(
        jobs.invocations_of("hookway-worker").count,
        JOBS,
        "one worker invocation per job: {}",
        describe(&jobs.calls)
    );
}

/// The stack's folder, removed however the test ends.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        let dir = std::env::temp_dir().join(format!("hookway-cost-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
