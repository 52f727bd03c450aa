//! CloudWatch Embedded Metric Format lines at the end of each invocation: how many events were
//! processed, deduplicated, skipped as stale, left unrouted, failed, dead-lettered by the worker
//! (refused for good by a destination, or out of retries, or an id conflict) or delayed (sent back
//! to the queue for a later attempt), and how long handlers took. `IdConflicts` counts the events
//! dead-lettered because their id was first processed with another body (they count as
//! `DeadLettered` too): one is enough to page, as it is a forged or broken sender. CloudWatch turns the log lines into metrics
//! in the stack's namespace (its name, `HOOKWAY_STACK`); no API call is made.
//!
//! One line per source the invocation saw, with the dimensions `Pipeline` and `Pipeline, Source`,
//! so that the dashboard graphs each source and the alarms see the whole; a message too broken to
//! name its source counts under `Pipeline` alone. An invocation with no event writes one line of
//! zeros. An event delayed after a failed attempt counts as `Failed` too: the failure-rate alarm
//! sees a destination that is down while its events wait.
//!
//! A line is also the log line of the events it counts: `event_ids` names them (a handled event
//! has no line of its own; one that failed, waits or is dead-lettered has its warning besides),
//! and `HandlerLatency` lists the handled ones' times, to a tenth of a millisecond. Every byte is
//! paid for ($0.50 per GB ingested), and a line is written for each source of each batch: a
//! line declares `Processed` always and the other counts only when they are not zero. A count
//! left out is no data point rather than a zero, which a `Sum` and the alarms read alike (they
//! treat missing data as not breaching, and the failure rate fills its terms with 0).
//!
//! Deliveries put off (`DeliveriesDelayed`) are counted by destination, one more line each, with
//! the dimensions `Pipeline, Destination` (the delivery's name, `forward <url>`). Of the events
//! delayed, those parked in the state table count as `Parked` too, and those held for a paused
//! destination as `Paused` (no alarm watches it: a pause is an operator's choice). The sweep
//! writes one line, `Released`, under the pipeline `release`.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use hookway_core::dead_letter::Cause;
use serde_json::{Value, json};

use hookway_core::store::Hold;

use crate::pipeline::{Processed, WaitsIn};
use crate::release::Released;

/// The default stack's metric namespace: a stack's is its name.
pub const NAMESPACE: &str = "Hookway";

/// Counts over one invocation, by source.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Metrics {
    by_source: BTreeMap<Option<String>, Counts>,
    delayed_by_destination: BTreeMap<String, u32>,
}

/// Counts of one source (or of no source) over one invocation.
#[derive(Debug, Clone, Default, PartialEq)]
struct Counts {
    event_ids: Vec<String>,
    processed: u32,
    duplicates: u32,
    stale_skipped: u32,
    unrouted: u32,
    failed: u32,
    dead_lettered: u32,
    id_conflicts: u32,
    delayed: u32,
    parked: u32,
    paused: u32,
    latencies_ms: Vec<f64>,
}

impl Metrics {
    /// Counts one event of `source` (`None`: a message that does not say), named by its id
    /// when it has one.
    pub fn record(&mut self, source: Option<&str>, event_id: Option<&str>, processed: &Processed) {
        let counts = self.by_source.entry(source.map(str::to_owned)).or_default();
        counts.event_ids.extend(event_id.map(str::to_owned));
        counts.record(processed);
        if let Processed::Delayed { destinations, .. } = processed {
            for destination in destinations {
                *self.delayed_by_destination.entry(destination.clone()).or_default() += 1;
            }
        }
    }

    /// The EMF documents in `namespace`, for `pipeline` (`events` or `jobs`): one per source.
    pub fn to_emf(&self, namespace: &str, pipeline: &str, at: SystemTime) -> Vec<Value> {
        let timestamp = at.duration_since(UNIX_EPOCH).unwrap_or_default().as_millis();
        let by_destination = self.delayed_by_destination.iter().map(|(destination, delayed)| {
            json!({
                "Pipeline": pipeline,
                "Destination": destination,
                "DeliveriesDelayed": delayed,
                "_aws": {
                    "Timestamp": timestamp,
                    "CloudWatchMetrics": [{"Namespace": namespace, "Dimensions": [["Pipeline", "Destination"]],
                                           "Metrics": [{"Name": "DeliveriesDelayed", "Unit": "Count"}]}],
                },
            })
        });
        if self.by_source.is_empty() {
            let zeros = Counts::default().to_emf(namespace, pipeline, None, at);
            return std::iter::once(zeros).chain(by_destination).collect();
        }
        self.by_source
            .iter()
            .map(|(source, counts)| counts.to_emf(namespace, pipeline, source.as_deref(), at))
            .chain(by_destination)
            .collect()
    }

    /// Prints the EMF lines to stdout, where Lambda sends them to CloudWatch Logs.
    pub fn emit(&self, namespace: &str, pipeline: &str) {
        for document in self.to_emf(namespace, pipeline, SystemTime::now()) {
            println!("{document}");
        }
    }
}

/// The sweep's line: the events it released.
pub fn released_emf(namespace: &str, released: &Released, at: SystemTime) -> Value {
    let timestamp = at.duration_since(UNIX_EPOCH).unwrap_or_default().as_millis();
    json!({
        "Pipeline": "release",
        "Released": released.total(),
        "_aws": {
            "Timestamp": timestamp,
            "CloudWatchMetrics": [{"Namespace": namespace, "Dimensions": [["Pipeline"]],
                                   "Metrics": [{"Name": "Released", "Unit": "Count"}]}],
        },
    })
}

/// Prints the sweep's line to stdout.
pub fn emit_released(namespace: &str, released: &Released) {
    println!("{}", released_emf(namespace, released, SystemTime::now()));
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
            Processed::DeadLettered(letter) => {
                self.dead_lettered += 1;
                self.id_conflicts += u32::from(letter.cause == Cause::IdConflict);
            }
            Processed::Delayed { failure, waits_in, .. } => {
                self.delayed += 1;
                self.failed += u32::from(failure.is_some());
                self.parked += u32::from(matches!(waits_in, WaitsIn::Parked(_)));
                self.paused += u32::from(*waits_in == WaitsIn::Parked(Some(Hold::Paused)));
            }
            // A message that came back before its time: nothing happened to the event.
            Processed::Waiting => {}
        }
    }

    fn to_emf(&self, namespace: &str, pipeline: &str, source: Option<&str>, at: SystemTime) -> Value {
        let timestamp = at.duration_since(UNIX_EPOCH).unwrap_or_default().as_millis();
        let mut document = json!({"Pipeline": pipeline, "Processed": self.processed});
        let mut metrics = vec![json!({"Name": "Processed", "Unit": "Count"})];
        for (name, count) in [
            ("Duplicates", self.duplicates),
            ("StaleSkipped", self.stale_skipped),
            ("Unrouted", self.unrouted),
            ("Failed", self.failed),
            ("DeadLettered", self.dead_lettered),
            ("IdConflicts", self.id_conflicts),
            ("Delayed", self.delayed),
            ("Parked", self.parked),
            ("Paused", self.paused),
        ] {
            if count > 0 {
                metrics.push(json!({"Name": name, "Unit": "Count"}));
                document[name] = json!(count);
            }
        }
        if !self.latencies_ms.is_empty() {
            metrics.push(json!({"Name": "HandlerLatency", "Unit": "Milliseconds"}));
            let tenths: Vec<f64> = self.latencies_ms.iter().map(|ms| (ms * 10.0).round() / 10.0).collect();
            document["HandlerLatency"] = json!(tenths);
        }
        if !self.event_ids.is_empty() {
            document["event_ids"] = json!(self.event_ids);
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
            "CloudWatchMetrics": [{"Namespace": namespace, "Dimensions": dimensions, "Metrics": metrics}],
        });
        document
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// The names of the metrics a document declares.
    fn declared(document: &Value) -> Vec<&str> {
        document["_aws"]["CloudWatchMetrics"][0]["Metrics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|metric| metric["Name"].as_str().unwrap())
            .collect()
    }

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
                cause: Cause::Refused,
            }),
            Processed::DeadLettered(hookway_core::dead_letter::DeadLetter {
                reason: "id-conflict".into(),
                status: None,
                destination: String::new(),
                cause: Cause::IdConflict,
            }),
            Processed::Delayed {
                until: 0,
                failure: Some("503".into()),
                destinations: vec!["forward http://x".into()],
                waits_in: WaitsIn::Parked(Some(Hold::Circuit)),
            },
            Processed::Delayed {
                until: 0,
                failure: None,
                destinations: vec!["forward http://x".into(), "log".into()],
                waits_in: WaitsIn::Parked(Some(Hold::Paused)),
            },
            Processed::Waiting,
        ] {
            metrics.record(Some("github"), Some("evt_1"), &processed);
        }
        let documents = metrics.to_emf("hookway-staging", "events", UNIX_EPOCH + Duration::from_secs(1_700_000_000));
        assert_eq!(documents.len(), 3, "the source's, then one per destination put off");
        let emf = &documents[0];
        assert_eq!(emf["_aws"]["Timestamp"], 1_700_000_000_000u64);
        assert_eq!(emf["_aws"]["CloudWatchMetrics"][0]["Namespace"], "hookway-staging", "the stack's");
        assert_eq!(emf["_aws"]["CloudWatchMetrics"][0]["Dimensions"], json!([["Pipeline"], ["Pipeline", "Source"]]));
        assert_eq!((emf["Pipeline"].as_str(), emf["Source"].as_str()), (Some("events"), Some("github")));
        let declared = declared(emf);
        for name in &declared {
            assert!(!emf[*name].is_null(), "{name} has a value");
        }
        assert_eq!((emf["Processed"].as_u64(), emf["Duplicates"].as_u64()), (Some(2), Some(1)));
        assert_eq!(
            (emf["StaleSkipped"].as_u64(), emf["Failed"].as_u64()),
            (Some(1), Some(3)),
            "busy, failed, and delayed after a failure"
        );
        assert_eq!((emf["DeadLettered"].as_u64(), emf["Delayed"].as_u64()), (Some(2), Some(2)));
        assert_eq!((emf["Parked"].as_u64(), emf["Paused"].as_u64()), (Some(2), Some(1)), "a pause is counted apart");
        assert_eq!(emf["IdConflicts"].as_u64(), Some(1), "the refusal is not a conflict");
        assert_eq!(emf["HandlerLatency"], json!([12.0, 1.5]));
        assert_eq!(emf["event_ids"].as_array().map(Vec::len), Some(11), "the line names each event it counts");
        let by_destination: Vec<(&str, u64)> = documents[1..]
            .iter()
            .map(|document| {
                (document["Destination"].as_str().unwrap(), document["DeliveriesDelayed"].as_u64().unwrap())
            })
            .collect();
        assert_eq!(by_destination, [("forward http://x", 2), ("log", 1)]);
        assert_eq!(documents[1]["_aws"]["CloudWatchMetrics"][0]["Dimensions"], json!([["Pipeline", "Destination"]]));
    }

    #[test]
    fn without_handled_events_no_latency_is_declared() {
        let documents = Metrics::default().to_emf(NAMESPACE, "jobs", SystemTime::now());
        assert_eq!(documents.len(), 1, "an empty invocation still reports its zero");
        let emf = &documents[0];
        assert!(emf.get("HandlerLatency").is_none() && emf.get("event_ids").is_none());
        assert_eq!(emf["_aws"]["CloudWatchMetrics"][0]["Metrics"], json!([{"Name": "Processed", "Unit": "Count"}]));
        assert_eq!(emf["Processed"], 0);
        assert_eq!(emf["_aws"]["CloudWatchMetrics"][0]["Dimensions"], json!([["Pipeline"]]));
    }

    #[test]
    fn a_count_is_declared_when_it_is_not_zero_and_latencies_to_a_tenth() {
        let mut metrics = Metrics::default();
        for (id, micros) in [("evt_1", 5_453), ("evt_2", 5_453_868)] {
            let handled = Processed::Handled { latency: Duration::from_micros(micros), result: None };
            metrics.record(Some("stripe"), Some(id), &handled);
        }
        let emf = &metrics.to_emf(NAMESPACE, "events", SystemTime::now())[0];
        let declared = declared(emf);
        assert_eq!(declared, ["Processed", "HandlerLatency"], "no zero counts: {emf}");
        for absent in ["Duplicates", "StaleSkipped", "Unrouted", "Failed", "DeadLettered", "IdConflicts", "Delayed"] {
            assert!(emf.get(absent).is_none(), "{absent} in {emf}");
        }
        assert_eq!(emf["HandlerLatency"], json!([5.5, 5453.9]));
        assert_eq!(emf["event_ids"], json!(["evt_1", "evt_2"]));
        assert_eq!(emf["Processed"], 2);
    }

    #[test]
    fn each_source_is_counted_apart_and_an_unnamed_message_under_the_pipeline_alone() {
        let mut metrics = Metrics::default();
        metrics.record(
            Some("stripe"),
            Some("a"),
            &Processed::Handled { latency: Duration::from_millis(3), result: None },
        );
        metrics.record(Some("github"), Some("b"), &Processed::Failed("503".into()));
        metrics.record(Some("stripe"), Some("c"), &Processed::Duplicate);
        metrics.record(None, None, &Processed::Failed("not an envelope".into()));
        let documents = metrics.to_emf(NAMESPACE, "events", SystemTime::now());
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
        assert_eq!(by_source[&Some("stripe")]["event_ids"], json!(["a", "c"]));
        assert!(by_source[&None].get("event_ids").is_none(), "an unreadable message has no id");
    }
}
