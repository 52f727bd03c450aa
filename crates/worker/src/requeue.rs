//! The events queue, as the worker writes to it: an event that is to be tried later goes back
//! there as a new message, delayed (at most 15 minutes a hop), with its `retry` block; the
//! message it came in is then acknowledged. So between attempts an event waits in the queue, not
//! in a visibility timeout, and `maxReceiveCount` only counts crashes and poison messages.

use std::borrow::Cow;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_sqs::operation::send_message::builders::SendMessageFluentBuilder;
use aws_sdk_sqs::types::MessageAttributeValue;
use hookway_core::envelope::{Envelope, EnvelopeError, Retry};

/// Where events wait for their next attempt.
#[async_trait]
pub trait EventsQueue: Send + Sync + std::fmt::Debug {
    /// Sends the message `body` with its `attributes` (name, data type, value), to be received
    /// no sooner than `delay` (whole seconds, at most 15 minutes).
    async fn send(&self, body: &str, attributes: &[(String, String, String)], delay: Duration) -> Result<(), String>;
}

/// The events queue in SQS.
#[derive(Debug, Clone)]
pub struct SqsEventsQueue {
    client: aws_sdk_sqs::Client,
    queue_url: String,
}

impl SqsEventsQueue {
    /// The queue at `queue_url`.
    pub fn new(client: aws_sdk_sqs::Client, queue_url: impl Into<String>) -> SqsEventsQueue {
        SqsEventsQueue { client, queue_url: queue_url.into() }
    }
}

#[async_trait]
impl EventsQueue for SqsEventsQueue {
    async fn send(&self, body: &str, attributes: &[(String, String, String)], delay: Duration) -> Result<(), String> {
        let delay = i32::try_from(delay.as_secs()).unwrap_or(i32::MAX).min(900);
        let request = self.client.send_message().queue_url(&self.queue_url).message_body(body).delay_seconds(delay);
        let attributes =
            attributes.iter().map(|(name, data_type, value)| (name.as_str(), data_type.as_str(), value.as_str()));
        let request = with_attributes(request, attributes)?;
        request.send().await.map(drop).map_err(|error| aws_sdk_sqs::error::DisplayErrorContext(error).to_string())
    }
}

/// A message with these attributes (name, data type, value).
pub(crate) fn with_attributes<'a>(
    mut request: SendMessageFluentBuilder,
    attributes: impl IntoIterator<Item = (&'a str, &'a str, &'a str)>,
) -> Result<SendMessageFluentBuilder, String> {
    for (name, data_type, value) in attributes {
        let attribute = MessageAttributeValue::builder()
            .data_type(data_type)
            .string_value(value)
            .build()
            .map_err(|e| e.to_string())?;
        request = request.message_attributes(name, attribute);
    }
    Ok(request)
}

/// The envelope `body` with `retry` as its retry block (none: as the intake queued it).
pub fn with_retry(body: &str, retry: Option<Retry>) -> Result<Cow<'_, str>, EnvelopeError> {
    let mut envelope = Envelope::from_json(body)?;
    if envelope.retry.is_none() && retry.is_none() {
        return Ok(Cow::Borrowed(body));
    }
    envelope.retry = retry;
    envelope.to_message().map(Cow::Owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_retry_block_is_set_replaced_or_taken_away_and_the_rest_kept() {
        let queued = hookway_core::envelope::queued("stripe", "evt_1", "invoice.paid", r#"{"a": 1}"#);
        assert!(matches!(with_retry(&queued, None).unwrap(), Cow::Borrowed(_)), "unchanged, not rewritten");
        let retry = Retry {
            attempt: 2,
            first_attempt_at: "2026-11-22T05:44:01.200Z".into(),
            not_before: "2026-11-22T05:44:06.200Z".into(),
            sequence: 1,
        };
        let waiting = with_retry(&queued, Some(retry.clone())).unwrap().into_owned();
        let read = Envelope::from_json(&waiting).unwrap();
        assert_eq!(read.retry, Some(retry));
        assert_eq!(read.body, r#"{"a": 1}"#);
        assert_eq!(with_retry(&waiting, None).unwrap(), queued, "as the intake queued it");
    }
}
