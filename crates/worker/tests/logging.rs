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
    assert!(lines.len() >= 2, "the log handler's line and the conflict's: {lines:?}");
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

/// What the worker writes to CloudWatch Logs for one event forwarded to its destination: no line
/// of its own at INFO, only its invocation's EMF line (one per source), which names it and its
/// latency. Printed with their bytes: a batch's line is paid for once ($0.50 per GB ingested).
#[test]
fn a_forwarded_event_is_named_by_its_invocations_metrics_line_alone() {
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
    let emf: Vec<String> = metrics
        .to_emf(hookway_worker::metrics::NAMESPACE, "events", std::time::SystemTime::now())
        .iter()
        .map(Value::to_string)
        .collect();
    let emf_bytes: usize = emf.iter().map(|line| line.len() + 1).sum();
    println!(
        "worker: {} bytes of lines at INFO for one event, and {} EMF line(s), {emf_bytes} bytes, for its invocation:\n{text}{}",
        text.len(),
        emf.len(),
        emf.join("\n")
    );
    assert_eq!(text, "", "no line of its own at INFO");
    assert_eq!(emf.len(), 1, "one EMF document for the invocation's one source");
    let line: Value = serde_json::from_str(&emf[0]).unwrap();
    assert_eq!(line["event_ids"], json!(["evt_1"]), "{line}");
    assert_eq!((&line["Source"], &line["Processed"]), (&json!("stripe"), &json!(1)));
    assert!(line["HandlerLatency"][0].is_number(), "{line}");
    assert!(emf_bytes < 340, "{emf_bytes} bytes: {}", emf[0]);
}
