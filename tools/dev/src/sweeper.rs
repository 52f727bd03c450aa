//! What the EventBridge schedule does in AWS: invokes the worker with `{"hookway": "release"}` so
//! that it sends parked events whose time has come back to the events queue. Deployed, it comes
//! every minute; here, every `interval` (a second by default), one sweep at a time.

use std::time::Duration;

use serde_json::json;
use tokio::sync::watch;

use crate::lambda::Lambda;

/// The worker, swept every `interval`.
#[derive(Debug, Clone)]
pub struct Sweeper {
    /// The functions' Runtime API.
    pub lambda: Lambda,
    /// The worker's name.
    pub function: String,
    /// Between the starts of two sweeps (one that overruns delays the next).
    pub interval: Duration,
}

impl Sweeper {
    /// Sweeps until `stop` turns true.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        let sweep = json!({"hookway": "release", "everySeconds": self.interval.as_secs().max(1)});
        // At a fixed rate, as the schedule fires: each sweep releases an interval's worth of a
        // rate-limited destination's events. One that overruns delays the next.
        let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + self.interval, self.interval);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = stop.changed() => return,
                _ = ticks.tick() => {}
            }
            if let Err(error) = self.lambda.invoke(&self.function, &sweep).await {
                eprintln!("[sweeper] {error}");
            }
        }
    }
}
