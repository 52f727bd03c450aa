//! `cost/latency.json`: what the batching window adds to a webhook's delivery, measured on the
//! local stack (`make latency`): webhooks sent at a steady rate, each timed from the intake's 202
//! to the destination's receipt, with the window and without.

use serde::{Deserialize, Serialize};

/// One `make latency` run.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LatencyReport {
    /// The day it ran (UTC).
    pub date: String,
    /// The commit it measured.
    pub commit: String,
    /// The local event source mapping's pollers.
    pub pollers: usize,
    /// One per rate and window.
    pub runs: Vec<PacedRun>,
}

/// Webhooks at one steady rate through one batching window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PacedRun {
    /// Webhooks a second.
    pub rate: f64,
    /// `worker.batchingWindowSeconds`.
    pub batching_window_seconds: u32,
    /// `worker.batchSize`.
    pub batch_size: u32,
    /// Webhooks timed.
    pub events: u64,
    /// From the 202 to the destination's receipt: the median, in milliseconds.
    pub median_ms: f64,
    /// …and the 90th percentile.
    pub p90_ms: f64,
    /// Events per worker invocation, as counted.
    pub events_per_batch: f64,
    /// The event source mapping's receives per event, as counted.
    pub receives_per_event: f64,
    /// Events per batch as the model reckons them for the local stack's pollers.
    #[serde(default)]
    pub model_events_per_batch: f64,
    /// Receives per event as the model reckons them.
    #[serde(default)]
    pub model_receives_per_event: f64,
}

impl LatencyReport {
    /// The run at `rate` with `window`, if measured.
    pub fn run(&self, rate: f64, window: u32) -> Option<&PacedRun> {
        self.runs.iter().find(|run| (run.rate - rate).abs() < 1e-9 && run.batching_window_seconds == window)
    }
}

/// The `share` quantile of `values` (nearest rank), 0 for none.
pub fn quantile(values: &[f64], share: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    if sorted.is_empty() {
        return 0.0;
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
    let rank = ((share * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_by_nearest_rank() {
        let values = [5.0, 1.0, 4.0, 2.0, 3.0];
        assert_eq!(quantile(&values, 0.5), 3.0);
        assert_eq!(quantile(&values, 0.9), 5.0);
        assert_eq!(quantile(&[], 0.5), 0.0);
    }
}
