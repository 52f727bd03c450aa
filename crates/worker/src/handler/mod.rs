//! Handlers: what processes an event. Routes in hookway.json pick one per event:
//!
//! * `"log"` — [`log::Log`]: log the event and acknowledge it;
//! * `{"forward": {...}}` — [`forward::Forward`]: POST the original body to a URL;
//! * `{"custom": "<name>"}` — a Rust handler of your own, registered under that name in
//!   [`Registry`] (see [`report::Report`] for an example, registered in `main.rs`);
//! * `{"sqs": …}`, `{"sns": …}`, `{"eventBridge": …}`, `{"lambda": …}`, `{"stepFunctions": …}` —
//!   [`target::Target`]: put the event on an AWS resource of the user's, named by its ARN.
//!
//! `forward` and the targets try a delivery the same way (`guard`): a series of attempts under
//! the resource's circuit breaker and rate limit, then the retry schedule.
//!
//! A route may name several handlers; each makes a *delivery* of the event, recorded on its own
//! ([`Handler::deliver`] says what the record keeps of it).

pub mod forward;
mod guard;
pub mod log;
pub mod report;
pub mod target;

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use serde_json::Value;

use crate::deadline::Deadline;
use crate::event::Event;
use crate::schedule::Setback;

/// Why a handler failed. The event is retried (on the handler's retry schedule, or by Lambda for
/// a job) and ends in a dead-letter queue with this reason if it keeps failing.
pub type HandlerError = Box<dyn std::error::Error + Send + Sync>;

/// Processes events.
#[async_trait]
pub trait Handler: Send + Sync {
    /// Processes one event before `deadline`. A result is kept on a job's record.
    async fn handle(&self, event: &Event, deadline: Deadline) -> Result<Option<Value>, HandlerError>;

    /// One delivery of the event: [`Handler::handle`], and what its record keeps of it. A
    /// handler that makes several attempts or talks HTTP says more (see [`forward::Forward`]).
    /// `slot` is a rate-limit slot an earlier attempt reserved for this delivery (Unix ms).
    async fn deliver(&self, event: &Event, deadline: Deadline, slot: Option<i64>) -> Report {
        let _ = slot;
        let started = std::time::Instant::now();
        let result = self.handle(event, deadline).await;
        let latency = Some(started.elapsed());
        let setback = result.is_err().then_some(Setback::Failed { not_before: None });
        Report { result, attempts: 1, last_status: None, latency, permanent: false, setback }
    }
}

/// How a delivery went.
#[derive(Debug)]
pub struct Report {
    /// The handler's result.
    pub result: Result<Option<Value>, HandlerError>,
    /// Attempts made (requests sent, for `forward`).
    pub attempts: u32,
    /// The destination's last HTTP status.
    pub last_status: Option<u16>,
    /// How long the last attempt took (the last request sent, for `forward`).
    pub latency: Option<std::time::Duration>,
    /// The failure cannot heal by retrying: the event goes straight to the dead-letter queue.
    pub permanent: bool,
    /// Why it did not succeed, as far as its next attempt is concerned (none: it succeeded, or
    /// was refused for good).
    pub setback: Option<Setback>,
}

/// The Rust handlers a deployment adds, by the name its routes give them.
#[derive(Clone, Default)]
pub struct Registry {
    handlers: HashMap<String, Arc<dyn Handler>>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Registry {
        Registry::default()
    }

    /// Registers `handler` as `{"custom": "<name>"}`.
    pub fn with(mut self, name: impl Into<String>, handler: impl Handler + 'static) -> Registry {
        self.handlers.insert(name.into(), Arc::new(handler));
        self
    }

    /// The handler registered as `name`.
    pub fn get(&self, name: &str) -> Option<Arc<dyn Handler>> {
        self.handlers.get(name).cloned()
    }

    /// The registered names, sorted.
    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.handlers.keys().map(String::as_str).collect();
        names.sort_unstable();
        names
    }
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registry").field("handlers", &self.names()).finish()
    }
}
