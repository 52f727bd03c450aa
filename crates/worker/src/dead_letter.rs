//! The events dead-letter queue, for events a destination refused for good: the worker sends
//! them there itself, in the receive that found out, instead of spending `maxReceiveCount`
//! visibility timeouts on a failure that cannot heal.

use async_trait::async_trait;
use hookway_core::dead_letter::DeadLetter;

use crate::requeue::with_attributes;

/// Where refused events go.
#[async_trait]
pub trait DeadLetterQueue: Send + Sync + std::fmt::Debug {
    /// Sends the message `body` (the event's envelope, as received) with its original `attributes`
    /// (name, data type, value) and the letter's.
    async fn send(
        &self,
        body: &str,
        attributes: &[(String, String, String)],
        letter: &DeadLetter,
    ) -> Result<(), String>;
}

/// The events dead-letter queue in SQS.
#[derive(Debug, Clone)]
pub struct SqsDeadLetterQueue {
    client: aws_sdk_sqs::Client,
    queue_url: String,
}

impl SqsDeadLetterQueue {
    /// The queue at `queue_url`.
    pub fn new(client: aws_sdk_sqs::Client, queue_url: impl Into<String>) -> SqsDeadLetterQueue {
        SqsDeadLetterQueue { client, queue_url: queue_url.into() }
    }
}

#[async_trait]
impl DeadLetterQueue for SqsDeadLetterQueue {
    async fn send(
        &self,
        body: &str,
        attributes: &[(String, String, String)],
        letter: &DeadLetter,
    ) -> Result<(), String> {
        let request = self.client.send_message().queue_url(&self.queue_url).message_body(body);
        let letter_attributes = letter.attributes();
        let all = attributes
            .iter()
            .map(|(name, data_type, value)| (name.as_str(), data_type.as_str(), value.as_str()))
            .filter(|(name, _, _)| !hookway_core::dead_letter::ATTRIBUTES.contains(name))
            .chain(letter_attributes.iter().map(|(name, data_type, value)| (*name, *data_type, value.as_str())));
        let request = with_attributes(request, all)?;
        request.send().await.map(drop).map_err(|error| aws_sdk_sqs::error::DisplayErrorContext(error).to_string())
    }
}
