//! CloudWatch Embedded Metric Format lines at the end of each invocation: how many events were
//! processed, deduplicated, skipped as stale, left unrouted, failed or dead-lettered at once
//! (refused for good by a destination), and how long handlers took. CloudWatch turns the log lines
//! into metrics; no API call is made.
//!
//! One line per source the invocation saw, with the dimensions `Pipeline` and `Pipeline, Source`,
//! so that the dashboard graphs each source and the alarms see the whole; a message too broken to
//! name its source counts under `Pipeline` alone. An invocation with no event writes one line of
//! zeros.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use crate::pipeline::Processed;

/// The metrics' namespace.
pub const NAMESPACE: &str = "Hookway";

/// Counts over one invocation, by source.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Metrics {
    by_source: BTreeMap<Option<String>, Counts>,
}

/// Counts of one source (or of no source) over one invocation.
#[derive(Debug, Clone, Default, PartialEq)]
struct Counts {
    processed: u32,
    duplicates: u32,
    stale_skipped: u32,
    unrouted: u32,
    failed: u32,
    dead_lettered: u32,
    latencies_ms: Vec<f64>,
}

impl Metrics {
    /// Counts one event of `source` (`None`: a message that does not say).
    pub fn record(&mut self, source: Option<&str>, processed: &Processed) {
        self.by_source.entry(source.map(str::to_owned)).or_default().record(processed);
    }

    /// The EMF documents, for `pipeline` (`events` or `jobs`): one per source.
    pub fn to_emf(&self, pipeline: &str, at: SystemTime) -> Vec<Value> {
        if self.by_source.is_empty() {
            return vec![Counts::default().to_emf(pipeline, None, at)];
        }
        self.by_source.iter().map(|(source, counts)| counts.to_emf(pipeline, source.as_deref(), at)).collect()
    }

    /// Prints the EMF lines to stdout, where Lambda sends them to CloudWatch Logs.
    pub fn emit(&self, pipeline: &str) {
        for document in self.to_emf(pipeline, SystemTime::now()) {
            println!("{document}");
        }
    }
}

impl Counts {
    fn record(&mut self, processed: &Processed) {
        match processed {
            Processed::Handled { latency, .. } => {
                self.processed += 1;
                self.latencies_ms.push(latency.as_secs_f64() * 1000.0);
            }
            Processed::Duplicate => self.duplicates += 1,
            Processed::StaleSkipped => self.stale_skipped += 1,
            Processed::Unrouted => self.unrouted += 1,
            Processed::Busy | Processed::Failed(_) => self.failed += 1,
            Processed::DeadLettered(_) => self.dead_lettered += 1,
        }
    }

    fn to_emf(&self, pipeline: &str, source: Option<&str>, at: SystemTime) -> Value {
        let timestamp = at.duration_since(UNIX_EPOCH).unwrap_or_default().as_millis();
        let mut metrics = vec![
            json!({"Name": "Processed", "Unit": "Count"}),
            json!({"Name": "Duplicates", "Unit": "Count"}),
            json!({"Name": "StaleSkipped", "Unit": "Count"}),
            json!({"Name": "Unrouted", "Unit": "Count"}),
            json!({"Name": "Failed", "Unit": "Count"}),
            json!({"Name": "DeadLettered", "Unit": "Count"}),
        ];
        let mut document = json!({
            "Pipeline": pipeline,
            "Processed": self.processed,
            "Duplicates": self.duplicates,
            "StaleSkipped": self.stale_skipped,
            "Unrouted": self.unrouted,
            "Failed": self.failed,
            "DeadLettered": self.dead_lettered,
        });
        if !self.latencies_ms.is_empty() {
            metrics.push(json!({"Name": "HandlerLatency", "Unit": "Milliseconds"}));
            document["HandlerLatency"] = json!(self.latencies_ms);
        }
        let dimensions = match source {
            Some(source) => {
                document["Source"] = json!(source);
                json!([["Pipeline"], ["Pipeline", "Source"]])
            }
            None => json!([["Pipeline"]]),
        };
        document["_aws"] = json!({
            "Timestamp": timestamp,
            "CloudWatchMetrics": [{"Namespace": NAMESPACE, "Dimensions": dimensions, "Metrics": metrics}],
        });
        document
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_source_is_one_emf_document() {
        let mut metrics = Metrics::default();
        for processed in [
            Processed::Handled { latency: Duration::from_millis(12), result: None },
            Processed::Handled { latency: Duration::from_micros(1500), result: None },
            Processed::Duplicate,
            Processed::StaleSkipped,
            Processed::Busy,
            Processed::Failed("503".into()),
            Processed::DeadLettered(hookway_core::dead_letter::DeadLetter {
                reason: "400".into(),
                status: Some(400),
                destination: "forward http://x".into(),
            }),
        ] {
            metrics.record(Some("github"), &processed);
        }
        let documents = metrics.to_emf("events", UNIX_EPOCH + Duration::from_secs(1_700_000_000));
        assert_eq!(documents.len(), 1);
        let emf = &documents[0];
        assert_eq!(emf["_aws"]["Timestamp"], 1_700_000_000_000u64);
        assert_eq!(emf["_aws"]["CloudWatchMetrics"][0]["Namespace"], "Hookway");
        assert_eq!(emf["_aws"]["CloudWatchMetrics"][0]["Dimensions"], json!([["Pipeline"], ["Pipeline", "Source"]]));
        assert_eq!((emf["Pipeline"].as_str(), emf["Source"].as_str()), (Some("events"), Some("github")));
        let declared: Vec<&str> = emf["_aws"]["CloudWatchMetrics"][0]["Metrics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|metric| metric["Name"].as_str().unwrap())
            .collect();
        for name in &declared {
            assert!(!emf[*name].is_null(), "{name} has a value");
        }
        assert_eq!((emf["Processed"].as_u64(), emf["Duplicates"].as_u64()), (Some(2), Some(1)));
        assert_eq!((emf["StaleSkipped"].as_u64(), emf["Failed"].as_u64()), (Some(1), Some(2)));
        assert_eq!(emf["DeadLettered"].as_u64(), Some(1));
        assert_eq!(emf["HandlerLatency"], json!([12.0, 1.5]));
    }

    #[test]
    fn without_handled_events_no_latency_is_declared() {
        let documents = Metrics::default().to_emf("jobs", SystemTime::now());
        assert_eq!(documents.len(), 1, "an empty invocation still reports its zeros");
        let emf = &documents[0];
        assert!(emf.get("HandlerLatency").is_none());
        assert_eq!(emf["_aws"]["CloudWatchMetrics"][0]["Metrics"].as_array().unwrap().len(), 6);
        assert_eq!(emf["_aws"]["CloudWatchMetrics"][0]["Dimensions"], json!([["Pipeline"]]));
    }

    #[test]
    fn each_source_is_counted_apart_and_an_unnamed_message_under_the_pipeline_alone() {
        let mut metrics = Metrics::default();
        metrics.record(Some("stripe"), &Processed::Handled { latency: Duration::from_millis(3), result: None });
        metrics.record(Some("github"), &Processed::Failed("503".into()));
        metrics.record(Some("stripe"), &Processed::Duplicate);
        metrics.record(None, &Processed::Failed("not an envelope".into()));
        let documents = metrics.to_emf("events", SystemTime::now());
        let by_source: BTreeMap<Option<&str>, &Value> =
            documents.iter().map(|document| (document["Source"].as_str(), document)).collect();
        assert_eq!(by_source.len(), 3);
        assert_eq!(
            (by_source[&Some("stripe")]["Processed"].as_u64(), by_source[&Some("stripe")]["Duplicates"].as_u64()),
            (Some(1), Some(1))
        );
        assert_eq!(by_source[&Some("github")]["Failed"].as_u64(), Some(1));
        assert_eq!(by_source[&None]["Failed"].as_u64(), Some(1));
        assert_eq!(by_source[&None]["_aws"]["CloudWatchMetrics"][0]["Dimensions"], json!([["Pipeline"]]));
        assert_eq!(by_source[&Some("stripe")]["HandlerLatency"], json!([3.0]));
    }
}
