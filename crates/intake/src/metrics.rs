//! What became of each webhook, as one CloudWatch Embedded Metric Format line: `Accepted`, or
//! `Rejected` with its `Reason` (`Signature`, `Ip`, `Size`, `UnknownSource`). CloudWatch turns
//! the log line into metrics in the stack's namespace (its name, `HOOKWAY_STACK`: `Hookway` for the
//! default stack); no API call is made.
//!
//! An accepted webhook's EMF line is also its only log line: EMF documents may carry members
//! that are neither metrics nor dimensions, so the line has `level` and `message` as every log
//! line has them, and the event's id (its source is the `Source` dimension) — about 300 bytes
//! (`tests/logging.rs` prints them). At $0.50 per GB ingested, 100 bytes is $0.05 per million
//! webhooks, so the line says no more: the event's type, size, arrival and API Gateway's request
//! id are in the archive (`hookway events show <id>`), and the intake's time is Lambda's
//! `Duration` metric. A refused webhook's line is its log line too, at the level the refusal
//! deserves, with its status, reason, path and request id: refusals are few, and what an
//! operator reads.
//!
//! Dimensions: `Pipeline` (`events`, as the worker's metrics of the same events), with and without
//! `Source`. A request for an unknown source is counted without its name: the name is the sender's
//! to choose, and every new dimension value would be a new metric to pay for.

use std::fmt;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// The default stack's metric namespace, shared with the worker's: a stack's is its name.
pub const NAMESPACE: &str = "Hookway";
/// The `Pipeline` dimension of webhooks.
pub const PIPELINE: &str = "events";

/// Why a webhook was refused, as far as the metrics tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// Missing, malformed, wrong or stale signature.
    Signature,
    /// From an address outside the source's `allowIps`.
    Ip,
    /// Body over the limit.
    Size,
    /// No source of that name.
    UnknownSource,
}

impl Reason {
    /// The `Reason` dimension's value.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Signature => "Signature",
            Reason::Ip => "Ip",
            Reason::Size => "Size",
            Reason::UnknownSource => "UnknownSource",
        }
    }
}

/// What became of one webhook.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Counted<'a> {
    /// Queued, answered 202.
    Accepted(Accepted<'a>),
    /// Refused.
    Rejected {
        /// The source, when it is one of the configuration's.
        source: Option<&'a str>,
        /// Why.
        reason: Reason,
        /// What the line tells besides, when it is the rejection's log line too.
        log: Option<RejectedLog<'a>>,
    },
}

/// A rejected webhook, as its line tells it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RejectedLog<'a> {
    /// The line's level: `INFO`, `WARN` or `ERROR`.
    pub level: &'static str,
    /// The answer's status.
    pub status: u16,
    /// Why, in full (what a rejection's log line has always said; never a secret).
    pub error: &'a str,
    /// The request's path (an unknown source's name is only there, never a dimension).
    pub path: &'a str,
    /// API Gateway's (or the Function URL's) id of the request.
    pub request_id: Option<&'a str>,
}

/// An accepted webhook, as its line tells it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Accepted<'a> {
    /// The source.
    pub source: &'a str,
    /// The event's id.
    pub event_id: &'a str,
}

impl Counted<'_> {
    /// The EMF line in `namespace`, at `at`. Source names are `[a-z0-9_-]` (the configuration
    /// checks it) and the namespace a stack name ([`hookway_core::env::is_stack_name`]), so they
    /// need no escaping.
    pub fn to_emf(&self, namespace: &str, at: SystemTime) -> String {
        let timestamp = at.duration_since(UNIX_EPOCH).unwrap_or_default().as_millis();
        let metrics = |name: &str, dimensions: &str| {
            format!(
                r#""_aws":{{"Timestamp":{timestamp},"CloudWatchMetrics":[{{"Namespace":"{namespace}","Dimensions":{dimensions},"Metrics":[{{"Name":"{name}","Unit":"Count"}}]}}]}}"#
            )
        };
        match *self {
            // The id is the sender's to choose: escaped as a JSON string.
            Counted::Accepted(accepted) => format!(
                r#"{{"level":"INFO","message":"accepted",{},"Pipeline":"{PIPELINE}","Source":"{}","Accepted":1,"event_id":{}}}"#,
                metrics("Accepted", r#"[["Pipeline"],["Pipeline","Source"]]"#),
                accepted.source,
                json_string(accepted.event_id),
            ),
            Counted::Rejected { source, reason, log } => {
                let mut line = String::from("{");
                if let Some(log) = log {
                    line.push_str(&format!(r#""level":"{}","message":"rejected","#, log.level));
                }
                match source {
                    Some(source) => line.push_str(&format!(
                        r#"{},"Pipeline":"{PIPELINE}","Source":"{source}","Reason":"{}","Rejected":1"#,
                        metrics("Rejected", r#"[["Pipeline","Reason"],["Pipeline","Source","Reason"]]"#),
                        reason.as_str()
                    )),
                    None => line.push_str(&format!(
                        r#"{},"Pipeline":"{PIPELINE}","Reason":"{}","Rejected":1"#,
                        metrics("Rejected", r#"[["Pipeline","Reason"]]"#),
                        reason.as_str()
                    )),
                }
                if let Some(log) = log {
                    line.push_str(&format!(
                        r#","status":{},"error":{},"path":{}"#,
                        log.status,
                        json_string(log.error),
                        json_string(log.path)
                    ));
                    if let Some(request_id) = log.request_id {
                        line.push_str(r#","request_id":"#);
                        line.push_str(&json_string(request_id));
                    }
                }
                line.push('}');
                line
            }
        }
    }
}

/// `text` as a JSON string, quotes included.
fn json_string(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| String::from("\"\""))
}

/// Where the EMF lines go (stdout in Lambda, where the runtime hands them to CloudWatch Logs), and
/// in which namespace: built once at start-up, so a request only borrows it.
#[derive(Clone)]
pub struct MetricsSink {
    namespace: Arc<str>,
    write: Arc<dyn Fn(&str) + Send + Sync>,
}

impl MetricsSink {
    /// Standard output, one line each, in the default stack's namespace.
    pub fn stdout() -> MetricsSink {
        MetricsSink::to(|line| println!("{line}"))
    }

    /// Nowhere (benchmarks).
    pub fn discard() -> MetricsSink {
        MetricsSink::to(|_| {})
    }

    /// Any function of the line (tests).
    pub fn to(write: impl Fn(&str) + Send + Sync + 'static) -> MetricsSink {
        MetricsSink { namespace: Arc::from(NAMESPACE), write: Arc::new(write) }
    }

    /// The same lines in `namespace`: the stack's name (`HOOKWAY_STACK`).
    pub fn in_namespace(self, namespace: &str) -> MetricsSink {
        MetricsSink { namespace: Arc::from(namespace), ..self }
    }

    /// Writes one webhook's metrics, now.
    pub fn count(&self, counted: Counted<'_>) {
        (self.write)(&counted.to_emf(&self.namespace, SystemTime::now()));
    }
}

impl Default for MetricsSink {
    fn default() -> MetricsSink {
        MetricsSink::stdout()
    }
}

impl fmt::Debug for MetricsSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MetricsSink")
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use serde_json::{Value, json};

    use super::*;

    fn emf(counted: Counted<'_>) -> Value {
        serde_json::from_str(&counted.to_emf(NAMESPACE, UNIX_EPOCH + Duration::from_secs(1_700_000_000))).unwrap()
    }

    /// Every dimension and metric a document declares has its value in it, as EMF requires.
    fn assert_complete(document: &Value) {
        let directive = &document["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], "Hookway");
        for set in directive["Dimensions"].as_array().unwrap() {
            for key in set.as_array().unwrap() {
                assert!(document[key.as_str().unwrap()].is_string(), "{key} in {document}");
            }
        }
        for metric in directive["Metrics"].as_array().unwrap() {
            assert!(document[metric["Name"].as_str().unwrap()].is_number(), "{metric} in {document}");
        }
    }

    fn accepted() -> Counted<'static> {
        Counted::Accepted(Accepted { source: "github", event_id: "d-\"1\"\n" })
    }

    #[test]
    fn an_accepted_webhook_counts_for_its_source_and_for_all() {
        let document = emf(accepted());
        assert_complete(&document);
        assert_eq!(document["_aws"]["Timestamp"], 1_700_000_000_000u64);
        assert_eq!(
            document["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
            json!([["Pipeline"], ["Pipeline", "Source"]])
        );
        assert_eq!((&document["Source"], &document["Accepted"]), (&json!("github"), &json!(1)));
    }

    #[test]
    fn an_accepted_webhooks_metrics_line_is_its_log_line() {
        let document = emf(accepted());
        assert_eq!(document["level"], "INFO", "Lambda filters application logs by `level`");
        assert_eq!(document["message"], "accepted");
        assert_eq!(document["event_id"], "d-\"1\"\n", "escaped: the sender chooses it");
        let members: Vec<&str> = document.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(members.len(), 7, "level, message, the metrics, their dimensions and value, the id: {members:?}");
    }

    #[test]
    fn a_rejection_counts_by_reason_and_source() {
        for reason in [Reason::Signature, Reason::Ip, Reason::Size] {
            let document = emf(Counted::Rejected { source: Some("stripe"), reason, log: None });
            assert_complete(&document);
            assert_eq!(
                document["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
                json!([["Pipeline", "Reason"], ["Pipeline", "Source", "Reason"]])
            );
            assert_eq!((&document["Reason"], &document["Rejected"]), (&json!(reason.as_str()), &json!(1)));
        }
    }

    #[test]
    fn a_stacks_lines_are_in_its_namespace() {
        let lines = Arc::new(std::sync::Mutex::new(Vec::new()));
        let kept = Arc::clone(&lines);
        let sink = MetricsSink::to(move |line| kept.lock().unwrap().push(line.to_owned()));
        sink.count(accepted());
        sink.in_namespace("hookway-staging").count(accepted());
        let namespaces: Vec<Value> = lines
            .lock()
            .unwrap()
            .iter()
            .map(|line| {
                serde_json::from_str::<Value>(line).unwrap()["_aws"]["CloudWatchMetrics"][0]["Namespace"].clone()
            })
            .collect();
        assert_eq!(namespaces, [json!("Hookway"), json!("hookway-staging")], "the default stack's, then another's");
    }

    #[test]
    fn an_unknown_source_is_counted_without_its_name() {
        let document = emf(Counted::Rejected { source: None, reason: Reason::UnknownSource, log: None });
        assert_complete(&document);
        assert_eq!(document["_aws"]["CloudWatchMetrics"][0]["Dimensions"], json!([["Pipeline", "Reason"]]));
        assert!(document.get("Source").is_none());
    }

    #[test]
    fn a_rejections_metrics_line_is_its_log_line() {
        let log = RejectedLog {
            level: "WARN",
            status: 401,
            error: "invalid signature: \"v1\" mismatch",
            path: "/webhooks/stripe",
            request_id: Some("req-2"),
        };
        let document = emf(Counted::Rejected { source: Some("stripe"), reason: Reason::Signature, log: Some(log) });
        assert_complete(&document);
        assert_eq!((&document["level"], &document["message"]), (&json!("WARN"), &json!("rejected")));
        assert_eq!(
            (&document["status"], &document["error"]),
            (&json!(401), &json!("invalid signature: \"v1\" mismatch"))
        );
        assert_eq!((&document["path"], &document["request_id"]), (&json!("/webhooks/stripe"), &json!("req-2")));
        assert_eq!(document["Reason"], "Signature");
    }
}
