//! The events queue, as the worker writes to it: an event that is to be tried later goes back
//! there as a new message, delayed (at most 15 minutes a hop), with its `retry` block; the
//! message it came in is then acknowledged. So between attempts an event waits in the queue, not
//! in a visibility timeout, and `maxReceiveCount` only counts crashes and poison messages.
//!
//! The events of a batch that go back together — a destination down sends back every event of
//! the batch bound for it — go in one `SendMessageBatch` (up to 10 messages, 256 KiB in all), not
//! a `SendMessage` each: a send waits until every event the batch is still processing waits to
//! send too ([`EventsQueue::enter`]), so that no event that could still join is left out, and
//! then the messages go together. Each sender still learns whether its own message was taken,
//! and records that the event waits only once it was.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_sqs::operation::send_message::builders::SendMessageFluentBuilder;
use aws_sdk_sqs::types::{MessageAttributeValue, SendMessageBatchRequestEntry};
use hookway_core::envelope::{Envelope, EnvelopeError, Retry};
use tokio::sync::{Notify, oneshot};

/// How long a send made outside a batch's events (the sweep's releases) waits for others to join
/// its `SendMessageBatch`: such sends are made together, within one poll of each other.
pub const LINGER: Duration = Duration::from_millis(20);
/// How long a batch's send waits at most for the batch's other events to finish or send too. The
/// wait costs nothing — the invocation lasts as long as the events still processing anyway —
/// and this bound only keeps a message from waiting on an event that hangs.
pub const GATHER_AT_MOST: Duration = Duration::from_secs(2);
/// Messages in one `SendMessageBatch`, SQS's most.
const BATCH_ENTRIES: usize = 10;
/// Bytes of messages in one `SendMessageBatch` (bodies and attributes), SQS's most before its
/// limits grew to 1 MiB: a larger message goes alone.
const BATCH_BYTES: usize = 256 * 1024;

/// Where events wait for their next attempt.
#[async_trait]
pub trait EventsQueue: Send + Sync + std::fmt::Debug {
    /// Sends the message `body` with its `attributes` (name, data type, value), to be received
    /// no sooner than `delay` (whole seconds, at most 15 minutes).
    async fn send(&self, body: &str, attributes: &[(String, String, String)], delay: Duration) -> Result<(), String>;

    /// One event of a batch begins processing: until the guard is dropped, sends wait for it to
    /// send too, or to end.
    fn enter(&self) -> Processing<'_>;
}

/// An event being processed, which the sends of its batch wait for.
#[derive(Debug)]
#[must_use = "the event counts as processing until this is dropped"]
pub struct Processing<'a> {
    gathering: &'a Gathering,
}

impl Drop for Processing<'_> {
    fn drop(&mut self) {
        self.gathering.state().processing -= 1;
        self.gathering.changed.notify_waiters();
    }
}

/// The events queue in SQS: the sends of a batch's events go in as few `SendMessageBatch`es as
/// they fit in.
#[derive(Debug, Clone)]
pub struct SqsEventsQueue {
    client: aws_sdk_sqs::Client,
    queue_url: String,
    gathering: Arc<Gathering>,
}

/// The messages waiting for their `SendMessageBatch`, and the events that may still join them.
#[derive(Debug, Default)]
struct Gathering {
    state: Mutex<Gathered>,
    changed: Notify,
}

#[derive(Debug, Default)]
struct Gathered {
    pending: Vec<Pending>,
    /// Events processing, each of which may still send.
    processing: usize,
    /// How many times the pending messages were taken to be sent.
    taken: u64,
}

impl Gathering {
    fn state(&self) -> std::sync::MutexGuard<'_, Gathered> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A message waiting for its batch, and where its sender waits for the answer.
#[derive(Debug)]
struct Pending {
    entry: SendMessageBatchRequestEntry,
    bytes: usize,
    answer: oneshot::Sender<Result<(), String>>,
}

impl SqsEventsQueue {
    /// The queue at `queue_url`.
    pub fn new(client: aws_sdk_sqs::Client, queue_url: impl Into<String>) -> SqsEventsQueue {
        SqsEventsQueue { client, queue_url: queue_url.into(), gathering: Arc::default() }
    }

    /// Sends what is pending, in batches of at most [`BATCH_ENTRIES`] and [`BATCH_BYTES`], and
    /// answers each sender.
    async fn flush(&self, pending: Vec<Pending>) {
        let mut batches: Vec<Vec<Pending>> = Vec::new();
        for message in pending {
            match batches.last_mut() {
                Some(batch)
                    if batch.len() < BATCH_ENTRIES
                        && batch.iter().map(|m| m.bytes).sum::<usize>() + message.bytes <= BATCH_BYTES =>
                {
                    batch.push(message);
                }
                _ => batches.push(vec![message]),
            }
        }
        futures_util::future::join_all(batches.into_iter().map(|batch| self.send_batch(batch))).await;
    }

    async fn send_batch(&self, batch: Vec<Pending>) {
        let mut answers: HashMap<String, oneshot::Sender<Result<(), String>>> = HashMap::with_capacity(batch.len());
        let mut request = self.client.send_message_batch().queue_url(&self.queue_url);
        for (index, message) in batch.into_iter().enumerate() {
            let id = index.to_string();
            let mut entry = message.entry;
            entry.id = id.clone();
            request = request.entries(entry);
            answers.insert(id, message.answer);
        }
        let output = match request.send().await {
            Ok(output) => output,
            Err(error) => {
                let error = aws_sdk_sqs::error::DisplayErrorContext(error).to_string();
                for (_, answer) in answers {
                    let _ = answer.send(Err(error.clone()));
                }
                return;
            }
        };
        for failed in output.failed() {
            if let Some(answer) = answers.remove(failed.id()) {
                let reason = failed.message().unwrap_or("no reason given");
                let _ = answer.send(Err(format!("SendMessageBatch refused it: {} ({reason})", failed.code())));
            }
        }
        for sent in output.successful() {
            if let Some(answer) = answers.remove(sent.id()) {
                let _ = answer.send(Ok(()));
            }
        }
        for (_, answer) in answers {
            let _ = answer.send(Err("SendMessageBatch did not say whether it took the message".into()));
        }
    }
}

#[async_trait]
impl EventsQueue for SqsEventsQueue {
    async fn send(&self, body: &str, attributes: &[(String, String, String)], delay: Duration) -> Result<(), String> {
        let delay = i32::try_from(delay.as_secs()).unwrap_or(i32::MAX).min(900);
        let mut entry = SendMessageBatchRequestEntry::builder().id("0").message_body(body).delay_seconds(delay);
        let mut bytes = body.len();
        for (name, data_type, value) in attributes {
            bytes += name.len() + data_type.len() + value.len();
            entry = entry.message_attributes(name, attribute(data_type, value)?);
        }
        let entry = entry.build().map_err(|error| error.to_string())?;
        let (answer, answered) = oneshot::channel();
        let (mine, alone) = {
            let mut state = self.gathering.state();
            state.pending.push(Pending { entry, bytes, answer });
            (state.taken, state.processing == 0)
        };
        // Sent when a batch is full, or every event processing waits to send; else when the wait
        // is over. Whoever finds its messages due sends them all; the others learn their fate
        // from it.
        let wait = if alone { LINGER } else { GATHER_AT_MOST };
        let until = tokio::time::Instant::now() + wait;
        loop {
            let changed = self.gathering.changed.notified();
            let mut changed = std::pin::pin!(changed);
            changed.as_mut().enable();
            let turn = {
                let mut state = self.gathering.state();
                if state.taken != mine {
                    Turn::Taken
                } else if state.pending.len() >= BATCH_ENTRIES
                    || (state.processing > 0 && state.pending.len() >= state.processing)
                    || tokio::time::Instant::now() >= until
                {
                    state.taken += 1;
                    Turn::Send(std::mem::take(&mut state.pending))
                } else {
                    Turn::Wait
                }
            };
            match turn {
                Turn::Taken => break,
                Turn::Send(pending) => {
                    self.gathering.changed.notify_waiters();
                    self.flush(pending).await;
                    break;
                }
                Turn::Wait => {
                    let _ = tokio::time::timeout_at(until, changed).await;
                }
            }
        }
        answered.await.unwrap_or_else(|_| Err("the batch it was in was never sent".into()))
    }

    fn enter(&self) -> Processing<'_> {
        self.gathering.state().processing += 1;
        Processing { gathering: &self.gathering }
    }
}

/// What a sender does with the messages pending, its own among them.
enum Turn {
    /// Another sender took them to send.
    Taken,
    /// They are due: send them.
    Send(Vec<Pending>),
    /// Wait for more to join, or for the wait to end.
    Wait,
}

/// A message attribute.
fn attribute(data_type: &str, value: &str) -> Result<MessageAttributeValue, String> {
    MessageAttributeValue::builder().data_type(data_type).string_value(value).build().map_err(|e| e.to_string())
}

/// A message with these attributes (name, data type, value).
pub(crate) fn with_attributes<'a>(
    mut request: SendMessageFluentBuilder,
    attributes: impl IntoIterator<Item = (&'a str, &'a str, &'a str)>,
) -> Result<SendMessageFluentBuilder, String> {
    for (name, data_type, value) in attributes {
        request = request.message_attributes(name, attribute(data_type, value)?);
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
