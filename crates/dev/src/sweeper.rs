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
    /// Between the end of one sweep and the start of the next.
    pub interval: Duration,
}

impl Sweeper {
    /// Sweeps until `stop` turns true.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        let sweep = json!({"hookway": "release", "everySeconds": self.interval.as_secs().max(1)});
        loop {
            tokio::select! {
                _ = stop.changed() => return,
                () = tokio::time::sleep(self.interval) => {}
            }
            if let Err(error) = self.lambda.invoke(&self.function, &sweep).await {
                eprintln!("[sweeper] {error}");
            }
        }
    }
}
