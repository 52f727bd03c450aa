//! One CloudWatch Embedded Metric Format line per invocation: how many events were processed,
//! deduplicated, skipped as stale, left unrouted, failed or dead-lettered at once (refused for
//! good by a destination), and how long handlers took. CloudWatch
//! turns the log line into metrics; no API call is made.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use crate::pipeline::Processed;

/// The metrics' namespace.
pub const NAMESPACE: &str = "Hookway";

/// Counts over one invocation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Metrics {
    processed: u32,
    duplicates: u32,
    stale_skipped: u32,
    unrouted: u32,
    failed: u32,
    dead_lettered: u32,
    latencies_ms: Vec<f64>,
}

impl Metrics {
    /// Counts one event.
    pub fn record(&mut self, processed: &Processed) {
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

    /// The EMF document, for `pipeline` (`events` or `jobs`).
    pub fn to_emf(&self, pipeline: &str, at: SystemTime) -> Value {
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
        document["_aws"] = json!({
            "Timestamp": timestamp,
            "CloudWatchMetrics": [{"Namespace": NAMESPACE, "Dimensions": [["Pipeline"]], "Metrics": metrics}],
        });
        document
    }

    /// Prints the EMF line to stdout, where Lambda sends it to CloudWatch Logs.
    pub fn emit(&self, pipeline: &str) {
        println!("{}", self.to_emf(pipeline, SystemTime::now()));
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_batch_is_one_emf_document() {
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
            metrics.record(&processed);
        }
        let emf = metrics.to_emf("events", UNIX_EPOCH + Duration::from_secs(1_700_000_000));
        assert_eq!(emf["_aws"]["Timestamp"], 1_700_000_000_000u64);
        assert_eq!(emf["_aws"]["CloudWatchMetrics"][0]["Namespace"], "Hookway");
        assert_eq!(emf["_aws"]["CloudWatchMetrics"][0]["Dimensions"], json!([["Pipeline"]]));
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
        let emf = Metrics::default().to_emf("jobs", SystemTime::now());
        assert!(emf.get("HandlerLatency").is_none());
        assert_eq!(emf["_aws"]["CloudWatchMetrics"][0]["Metrics"].as_array().unwrap().len(), 6);
    }
}
