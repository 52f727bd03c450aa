//! The worker's log lines, captured through the same JSON subscriber the Lambda installs.
//!
//! A test binary of its own: `tracing` caches per call site whether anyone listens, process-wide,
//! so a test that emits spans on another thread while this one installs its scoped subscriber can
//! leave this test's spans unrecorded.

use std::time::Duration;

use aws_lambda_events::event::sqs::SqsEvent;
use hookway_core::Config;
use hookway_core::store::MemoryStore;
use hookway_testkit::logs::Capture;
use hookway_worker::Worker;
use hookway_worker::deadline::Deadline;
use hookway_worker::handler::Registry;
use serde_json::{Value, json};

fn batch_of(id: &str, body: &str) -> SqsEvent {
    let message = hookway_core::envelope::queued("stripe", id, "invoice.paid", body);
    serde_json::from_value(json!({"Records": [{"messageId": "m", "body": message}]})).unwrap()
}

#[test]
fn every_log_line_names_the_event_and_a_conflicting_payload_is_logged() {
    let config = json!({
        // Stripe signs its ids: another body under one is a conflict.
        "sources": [{"name": "stripe", "scheme": "stripe", "secretParameters": ["/s"]}],
        "routes": [{"source": "*", "handler": "log"}],
    });
    let config = Config::from_json(&config.to_string()).unwrap();
    let worker = Worker::new(&config, MemoryStore::default(), &Registry::new(), reqwest::Client::new()).unwrap();
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = hookway_core::telemetry::subscriber("info", move || writer.clone());
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    tracing::subscriber::with_default(subscriber, || {
        runtime.block_on(async {
            let deadline = Deadline::after(Duration::from_secs(10));
            worker.batch(batch_of("d1", "{\"ref\": 1}"), deadline).await;
            worker.batch(batch_of("d1", "{\"ref\": 2}"), deadline).await;
        })
    });
    let lines: Vec<Value> = capture.text().lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    assert!(lines.len() >= 3, "{lines:?}");
    for line in &lines {
        let span = &line["span"];
        assert_eq!((span["event_id"].as_str(), span["source"].as_str()), (Some("d1"), Some("stripe")), "{line}");
        assert_eq!(span["event_type"], "invoice.paid", "{line}");
    }
    let handled = lines.iter().find(|line| line["message"] == "logged").unwrap();
    assert_eq!(handled["span"]["attempt"], 1);
    let conflict = lines.iter().find(|line| line["message"].as_str().unwrap().starts_with("id-conflict")).unwrap();
    assert_eq!(conflict["level"], "ERROR");
    assert!(conflict["stored_digest"] != conflict["delivered_digest"]);
}
