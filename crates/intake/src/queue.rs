//! Where accepted events go: the events queue.

use std::collections::HashMap;
use std::future::Future;

use aws_sdk_sqs::error::DisplayErrorContext;
use aws_sdk_sqs::types::MessageAttributeValue;
use hookway_core::Envelope;

/// An SQS SendMessage's content: the envelope, and the string attributes a subscriber can filter on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMessage {
    /// The envelope's JSON.
    pub body: String,
    /// `source`, and `type` where the event has one.
    pub attributes: Vec<(&'static str, String)>,
}

impl OutgoingMessage {
    /// The message for an envelope whose JSON is `body`.
    pub fn new(envelope: &Envelope<'_>, body: String) -> OutgoingMessage {
        let mut attributes = vec![("source", envelope.source.clone().into_owned())];
        if let Some(event_type) = &envelope.event_type {
            attributes.push(("type", event_type.clone().into_owned()));
        }
        OutgoingMessage { body, attributes }
    }
}

/// The queue could not take the message.
#[derive(Debug, thiserror::Error)]
#[error("the events queue did not take the message: {0}")]
pub struct QueueError(pub String);

/// A queue of events.
pub trait EventQueue: Send + Sync {
    /// Sends a message; `Ok` only once the queue has it.
    fn send(&self, message: OutgoingMessage) -> impl Future<Output = Result<(), QueueError>> + Send;
}

/// A queue in memory that keeps what it is sent, for tests and benchmarks.
#[derive(Debug, Default)]
pub struct MemoryQueue(std::sync::Mutex<Vec<OutgoingMessage>>);

impl MemoryQueue {
    /// What it was sent since the last call, taken out.
    pub fn take(&self) -> Vec<OutgoingMessage> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner))
    }
}

impl EventQueue for &MemoryQueue {
    async fn send(&self, message: OutgoingMessage) -> Result<(), QueueError> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(message);
        Ok(())
    }
}

/// The events queue in SQS.
#[derive(Debug, Clone)]
pub struct SqsQueue {
    client: aws_sdk_sqs::Client,
    url: String,
}

impl SqsQueue {
    /// The queue at `url`.
    pub fn new(client: aws_sdk_sqs::Client, url: impl Into<String>) -> SqsQueue {
        SqsQueue { client, url: url.into() }
    }
}

impl EventQueue for SqsQueue {
    async fn send(&self, message: OutgoingMessage) -> Result<(), QueueError> {
        let mut attributes = HashMap::with_capacity(message.attributes.len());
        for (name, value) in message.attributes {
            let value = MessageAttributeValue::builder()
                .data_type("String")
                .string_value(value)
                .build()
                .map_err(|error| QueueError(error.to_string()))?;
            attributes.insert(name.to_owned(), value);
        }
        self.client
            .send_message()
            .queue_url(&self.url)
            .message_body(message.body)
            .set_message_attributes(Some(attributes))
            .send()
            .await
            .map(drop)
            .map_err(|error| QueueError(DisplayErrorContext(error).to_string()))
    }
}
