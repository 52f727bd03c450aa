//! What the intake writes to CloudWatch Logs for one webhook, captured through the JSON subscriber
//! the Lambda installs and its metrics sink: at INFO, one line, its EMF metrics and what an
//! operator looks for together — for an accepted webhook and for a forged one. Every byte is paid for once per webhook ($0.50 per GB ingested).
//!
//! A test binary of its own: `tracing` caches per call site whether anyone listens, process-wide.

use std::io::Write as _;
use std::sync::Arc;

use hookway_core::archive::MemoryObjects;
use hookway_core::scheme::SignRequest;
use hookway_core::secret_cache::{OneSecret, SecretCache};
use hookway_core::store::MemoryStore;
use hookway_core::{Config, Source};
use hookway_intake::Intake;
use hookway_intake::metrics::MetricsSink;
use hookway_intake::queue::MemoryQueue;
use hookway_testkit::logs::Capture;
use hookway_testkit::rest_proxy_event;
use serde_json::Value;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

#[test]
fn an_accepted_webhook_is_one_log_line_at_info_its_metrics_included() {
    let config = Config::from_json(include_str!("../../../hookway.json")).unwrap();
    let queue: &'static MemoryQueue = Box::leak(Box::default());
    let capture = Capture::default();
    let (writer, sink) = (capture.clone(), capture.clone());
    let second_writer = capture.clone();
    let intake = Intake::new(
        &config,
        queue,
        SecretCache::new(OneSecret(SECRET)),
        MemoryStore::default(),
        Arc::new(MemoryObjects::default()),
    )
    .unwrap()
    .with_metrics(MetricsSink::to(move |line| {
        let mut sink = sink.clone();
        writeln!(sink, "{line}").unwrap();
    }));
    let source = Source::new(config.source("github").unwrap()).unwrap();
    let body = br#"{"ref":"refs/heads/main","after":"6113728f27ae82c7b1a177c8d03f9e96e0adf246"}"#;
    let key = source.scheme.key(SECRET, None).unwrap();
    let request = SignRequest {
        id: "72d3162e-cc78-11e3-81ab-4c9367dc0958",
        timestamp: hookway_core::unix_now(),
        body,
        method: "POST",
        url: "",
    };
    let mut headers = source.scheme.sign(&key, &request).unwrap().headers;
    headers.push(("X-GitHub-Event".into(), "push".into()));
    let event = rest_proxy_event("POST", "/webhooks/github", &headers, body);
    let forged_body = br#"{"ref":"refs/heads/main","after":"0000000000000000000000000000000000000000"}"#;
    let forged = rest_proxy_event("POST", "/webhooks/github", &headers, forged_body);

    let subscriber = hookway_core::telemetry::subscriber("info", move || writer.clone());
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    tracing::subscriber::with_default(subscriber, || {
        runtime.block_on(async {
            intake.preload_secrets().await;
            let answer = intake.handle_event(&event, lambda_http::Context::default()).await;
            assert_eq!(serde_json::to_value(answer).unwrap()["statusCode"], 202);
        })
    });
    assert_eq!(queue.take().len(), 1, "queued");
    let text = capture.text();
    let lines: Vec<Value> = text.lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    println!("intake: {} line(s), {} bytes for one webhook:\n{text}", lines.len(), text.len());
    assert_eq!(lines.len(), 1, "one line per webhook: {text}");
    let line = &lines[0];
    assert_eq!((&line["level"], &line["message"]), (&"INFO".into(), &"accepted".into()), "{line}");
    assert_eq!(line["Source"], "github");
    assert_eq!(line["event_id"], "72d3162e-cc78-11e3-81ab-4c9367dc0958");
    assert_eq!(line["Accepted"], 1, "the metrics are on the line: {line}");
    assert!(line["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Name"] == "Accepted", "{line}");
    assert!(text.len() < 320, "{} bytes: {text}", text.len());

    // A forgery: one line too, at WARN, with why, beside its metrics. (The first also reads the
    // secrets again, in case they were rotated, and says so: at most once a refresh interval.)
    let subscriber = hookway_core::telemetry::subscriber("info", move || second_writer.clone());
    let mut before = 0;
    tracing::subscriber::with_default(subscriber, || {
        runtime.block_on(async {
            for _ in 0..2 {
                before = capture.text().len();
                let answer = intake.handle_event(&forged, lambda_http::Context::default()).await;
                assert_eq!(serde_json::to_value(answer).unwrap()["statusCode"], 401);
            }
        })
    });
    assert!(queue.take().is_empty(), "nothing queued");
    let all = capture.text();
    let rejected = &all[before..];
    println!("intake: {} bytes for a forged webhook:\n{rejected}", rejected.len());
    let lines: Vec<Value> = rejected.lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    assert_eq!(lines.len(), 1, "one line per rejection: {rejected}");
    let line = &lines[0];
    assert_eq!((&line["level"], &line["message"]), (&"WARN".into(), &"rejected".into()), "{line}");
    assert_eq!(
        (&line["Source"], &line["Reason"], &line["Rejected"]),
        (&"github".into(), &"Signature".into(), &1.into())
    );
    assert_eq!((&line["status"], &line["path"]), (&401.into(), &"/v1/webhooks/github".into()), "{line}");
    assert!(line["error"].as_str().is_some_and(|error| !error.is_empty()), "{line}");
}
