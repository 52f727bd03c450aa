//! Handlers: what processes an event. Routes in hookway.json pick one per event:
//!
//! * `"log"` — [`log::Log`]: log the event and acknowledge it;
//! * `{"forward": {...}}` — [`forward::Forward`]: POST the original body to a URL;
//! * `{"custom": "<name>"}` — a Rust handler of your own, registered under that name in
//!   [`Registry`] (see [`report::Report`] for an example, registered in `main.rs`).

pub mod forward;
pub mod log;
pub mod report;

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use serde_json::Value;

use crate::deadline::Deadline;
use crate::event::Event;

/// Why a handler failed. The event is retried (by the queue, or by Lambda for a job) and ends in
/// a dead-letter queue with this reason if it keeps failing.
pub type HandlerError = Box<dyn std::error::Error + Send + Sync>;

/// Processes events.
#[async_trait]
pub trait Handler: Send + Sync {
    /// Processes one event before `deadline`. A result is kept on a job's record.
    async fn handle(&self, event: &Event, deadline: Deadline) -> Result<Option<Value>, HandlerError>;
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
