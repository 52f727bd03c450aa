//! An example of a handler you write in Rust: it answers `report.generate` jobs with a summary of
//! their payload. Register yours in `main.rs` with `Registry::with("<name>", YourHandler)` and
//! route to it with `"handler": {"custom": "<name>"}`.

use async_trait::async_trait;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::{Handler, HandlerError};
use crate::deadline::Deadline;
use crate::event::Event;

/// Summarises a job's payload: its fields and a digest of it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Report;

/// A `report.generate` job's body.
#[derive(Deserialize)]
struct ReportJob {
    payload: Map<String, Value>,
}

#[async_trait]
impl Handler for Report {
    async fn handle(&self, event: &Event, _deadline: Deadline) -> Result<Option<Value>, HandlerError> {
        let job: ReportJob = event.json().map_err(|_| "a report.generate job needs a JSON object `payload`")?;
        let canonical = Value::Object(job.payload.clone()).to_string();
        let fields: Vec<&String> = job.payload.keys().collect();
        tracing::info!(fields = fields.len(), "report generated");
        Ok(Some(json!({
            "fields": fields,
            "sha256": hex::encode(Sha256::digest(canonical.as_bytes())),
        })))
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn job(body: &str) -> Event {
        Event {
            id: "job-1".into(),
            source: "jobs".into(),
            event_type: Some("report.generate".into()),
            received_at: String::new(),
            content_type: Some("application/json".into()),
            headers: Default::default(),
            body: bytes::Bytes::copy_from_slice(body.as_bytes()),
            body_object: None,
            replay: None,
            attempt: 1,
            retry: None,
            set_headers: Vec::new(),
        }
    }

    #[tokio::test]
    async fn it_summarises_the_payload() {
        let result = Report
            .handle(
                &job(r#"{"type": "report.generate", "payload": {"b": 1, "a": 2}}"#),
                Deadline::after(Duration::from_secs(1)),
            )
            .await;
        let result = result.unwrap().unwrap();
        assert_eq!(result["fields"], json!(["a", "b"]));
        assert_eq!(result["sha256"].as_str().unwrap().len(), 64);
    }

    #[tokio::test]
    async fn a_job_without_a_payload_object_fails_with_its_reason() {
        let error = Report
            .handle(&job(r#"{"type": "report.generate"}"#), Deadline::after(Duration::from_secs(1)))
            .await
            .unwrap_err();
        assert_eq!(error.to_string(), "a report.generate job needs a JSON object `payload`");
    }
}
