//! A destination's `Authorization` value reaches it, and no log line says it — at the most verbose
//! level, through the same JSON subscriber the Lambda installs, with the request failing and
//! retried as well as succeeding; the 401 makes the worker read its parameters again, once.
//!
//! A test binary of its own, as `logging.rs` explains: `tracing` caches per call site whether
//! anyone listens, process-wide.

use std::sync::Arc;
use std::time::Duration;

use aws_lambda_events::event::sqs::SqsEvent;
use hookway_core::Config;
use hookway_core::secret_cache::MemorySecrets;
use hookway_core::store::MemoryStore;
use hookway_testkit::logs::Capture;
use hookway_testkit::receiver::{Receiver, Reply};
use hookway_worker::deadline::Deadline;
use hookway_worker::handler::Registry;
use hookway_worker::secrets::Secrets;
use hookway_worker::{Outbound, Worker};
use serde_json::json;

const TOKEN: &str = "Bearer 7f3a9c-only-the-destination-may-see-this";
const SIGNING: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

#[test]
fn the_authorization_value_arrives_and_no_log_line_holds_a_secret() {
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = hookway_core::telemetry::subscriber("trace", move || writer.clone());
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let received = tracing::subscriber::with_default(subscriber, || {
        runtime.block_on(async {
            let receiver = Receiver::start().await;
            receiver.script([Reply::Status(503), Reply::Status(401)]);
            let config = json!({
                "sources": [{"name": "github", "scheme": "github", "secretParameters": ["/g"]}],
                "routes": [{"source": "*", "handler": {"forward": {"url": format!("{}/hooks", receiver.url), "maxAttempts": 2,
                    "authorization": {"parameter": "/out/token"}, "sign": {"secretParameters": ["/out/signing"]}}}}],
            });
            let config = Config::from_json(&config.to_string()).unwrap();
            let store = MemorySecrets::with(&[("/out/token", TOKEN), ("/out/signing", SIGNING)]);
            let secrets = Secrets::new(Box::new(store.clone()));
            secrets.preload(&["/out/token".into(), "/out/signing".into()]).await;
            let outbound = Outbound { secrets: Arc::new(secrets), ..Outbound::from(reqwest::Client::new()) };
            let worker = Worker::new(&config, MemoryStore::default(), &Registry::new(), outbound).unwrap();
            let deadline = Deadline::after(Duration::from_secs(20));
            for _ in 0..2 {
                worker.batch(batch_of("d1", "{}"), deadline).await;
            }
            assert_eq!(store.calls(), 2, "read at start-up, and once more after the 401");
            receiver.received()
        })
    });
    assert_eq!(received.len(), 3, "503 and a retry refused with 401; then a redelivery: {received:?}");
    assert!(received.iter().all(|request| request.headers["authorization"] == TOKEN), "sent verbatim each time");
    let logs = capture.text();
    assert!(logs.lines().count() > 10, "trace level logs plenty: {logs}");
    assert!(logs.contains("answered 401 Unauthorized"), "the failures are logged: {logs}");
    for secret in [TOKEN, &TOKEN[7..], SIGNING, &SIGNING[6..]] {
        assert!(!logs.contains(secret), "a log line holds a secret:\n{logs}");
    }
}

fn batch_of(id: &str, body: &str) -> SqsEvent {
    let message = hookway_core::envelope::queued("github", id, "push", body);
    serde_json::from_value(json!({"Records": [{"messageId": "m", "body": message}]})).unwrap()
}
