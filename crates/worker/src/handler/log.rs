//! The `log` handler: records that the event arrived, and acknowledges it.

use async_trait::async_trait;
use serde_json::Value;

use super::{Handler, HandlerError};
use crate::deadline::Deadline;
use crate::event::Event;

/// Logs the event.
#[derive(Debug, Clone, Copy, Default)]
pub struct Log;

#[async_trait]
impl Handler for Log {
    async fn handle(&self, event: &Event, _deadline: Deadline) -> Result<Option<Value>, HandlerError> {
        tracing::info!(bytes = event.body.len(), content_type = event.content_type.as_deref(), "logged");
        Ok(None)
    }
}
