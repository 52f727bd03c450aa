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

/// What the worker writes to CloudWatch Logs for one event forwarded to its destination: one line
/// at INFO, then its invocation's EMF lines (one per source). Printed with their bytes: each is
/// paid for once per event ($0.50 per GB ingested).
#[test]
fn a_forwarded_event_is_one_log_line_at_info_besides_its_invocations_metrics() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let receiver = runtime.block_on(hookway_testkit::receiver::Receiver::start());
    let config = json!({
        "sources": [{"name": "stripe", "scheme": "stripe", "secretParameters": ["/s"]}],
        "routes": [{"source": "stripe", "handler": {"forward": {"url": format!("{}/billing", receiver.url)}}}],
    });
    let config = Config::from_json(&config.to_string()).unwrap();
    let worker = Worker::new(&config, MemoryStore::default(), &Registry::new(), reqwest::Client::new()).unwrap();
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = hookway_core::telemetry::subscriber("info", move || writer.clone());
    let (response, metrics) = tracing::subscriber::with_default(subscriber, || {
        runtime.block_on(worker.batch(batch_of("evt_1", "{\"amount\": 1}"), Deadline::after(Duration::from_secs(10))))
    });
    assert!(response.batch_item_failures.is_empty(), "{response:?}");
    assert_eq!(receiver.received_at("/billing").len(), 1, "delivered");

    let text = capture.text();
    let lines: Vec<Value> = text.lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    let emf: Vec<String> = metrics
        .to_emf(hookway_worker::metrics::NAMESPACE, "events", std::time::SystemTime::now())
        .iter()
        .map(Value::to_string)
        .collect();
    let emf_bytes: usize = emf.iter().map(|line| line.len() + 1).sum();
    println!(
        "worker: {} line(s), {} bytes for one event, and {} EMF line(s), {emf_bytes} bytes, for its invocation:\n{text}{}",
        lines.len(),
        text.len(),
        emf.len(),
        emf.join("\n")
    );
    assert_eq!(lines.len(), 1, "one line per event: {text}");
    let line = &lines[0];
    assert_eq!((&line["level"], &line["message"]), (&"INFO".into(), &"handled".into()), "{line}");
    let span = &line["span"];
    assert_eq!(
        (&span["event_id"], &span["source"], &span["event_type"]),
        (&"evt_1".into(), &"stripe".into(), &"invoice.paid".into())
    );
    assert_eq!(span["attempt"], 1);
    assert!(line["latency_ms"].is_number(), "{line}");
    assert_eq!(emf.len(), 1, "one EMF document for the invocation's one source");
    assert!(text.len() < 300, "{} bytes: {text}", text.len());
}
