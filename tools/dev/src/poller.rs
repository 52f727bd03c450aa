//! What the SQS event source mapping does: long-poll the events queue, gather a batch (SQS hands
//! at most 10 messages per receive: a larger `batchSize` is gathered by receiving again until it
//! is full or the batching window is over), hand the worker batches (several at once, up to its
//! concurrency), delete what succeeded per `batchItemFailures` (10 to a `DeleteMessageBatch`), and
//! leave the failures to the visibility timeout and the queue's redrive policy.
//!
//! Delayed messages — the events that wait for their next attempt — are moto's to hold back, as
//! SQS does: moto keeps a message sent with `DelaySeconds` out of every receive until its delay
//! is over, so the poller needs nothing of its own for them.

use std::collections::HashSet;
use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

use aws_sdk_sqs::types::{DeleteMessageBatchRequestEntry, Message, MessageSystemAttributeName};
use serde_json::{Map, Value, json};
use tokio::sync::watch;

use super::lambda::Lambda;

pub use hookway_core::local::PAUSE_FILE;

/// The event source mapping's long poll, as Lambda's: an idle queue costs a receive per poller
/// every 20 s, and a message is handed over as soon as it arrives.
pub const LONG_POLL_SECONDS: i32 = 20;

/// The event source mapping of one queue to one function.
#[derive(Debug, Clone)]
pub struct Poller {
    /// The client.
    pub sqs: aws_sdk_sqs::Client,
    /// The queue.
    pub queue_url: String,
    /// The queue's ARN, as records name it.
    pub queue_arn: String,
    /// The region.
    pub region: String,
    /// The function's Invoke API.
    pub lambda: Lambda,
    /// The function.
    pub function: String,
    /// Messages per batch (SQS hands at most 10 per receive).
    pub batch_size: i32,
    /// How long a batch is gathered for, past its first receive, while it is not full.
    pub batching_window: Duration,
    /// How long a receive waits for a first message (SQS allows 1–20 s; Lambda waits 20).
    pub long_poll_seconds: i32,
    /// While this file exists, the mapping is paused, as a disabled one: it starts no receive, and
    /// holds what a receive already under way brings back until it is resumed. (`make cost`
    /// queues a batch's worth at once this way, as traffic at volume does.)
    pub pause_file: Option<PathBuf>,
    /// Batches handed to the function at once.
    pub concurrency: usize,
}

impl Poller {
    /// Polls until `stop` turns true, `concurrency` batches at a time.
    pub async fn run(self, stop: watch::Receiver<bool>) {
        let pollers: Vec<_> =
            (0..self.concurrency.max(1)).map(|_| tokio::spawn(self.clone().run_one(stop.clone()))).collect();
        for poller in pollers {
            let _ = poller.await;
        }
    }

    async fn run_one(self, mut stop: watch::Receiver<bool>) {
        loop {
            tokio::select! {
                _ = stop.changed() => return,
                result = async { self.while_paused().await; self.poll_once().await } => {
                    if let Err(error) = result {
                        eprintln!("[poller] {error}");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            }
        }
    }

    /// One batch gathered, one invocation of the function, its processed messages deleted.
    pub async fn poll_once(&self) -> Result<usize, String> {
        self.poll_with(|event| async move {
            let response = self.lambda.invoke(&self.function, &event).await.map_err(|error| error.to_string())?;
            Ok(serde_json::from_slice(&response).unwrap_or_default())
        })
        .await
    }

    /// One batch gathered, `invoke` with it as Lambda's SQS event, and the messages its answer
    /// does not list in `batchItemFailures` deleted (10 to a call). The number of messages received.
    pub async fn poll_with<F, Fut>(&self, invoke: F) -> Result<usize, String>
    where
        F: FnOnce(Value) -> Fut,
        Fut: Future<Output = Result<Value, String>>,
    {
        let messages = self.gather().await?;
        if messages.is_empty() {
            return Ok(0);
        }
        let event = json!({ "Records": messages.iter().map(|m| self.record(m)).collect::<Vec<_>>() });
        let failed: HashSet<String> = match invoke(event).await {
            Ok(response) => response
                .get("batchItemFailures")
                .and_then(Value::as_array)
                .map(|failures| {
                    failures.iter().filter_map(|f| f.get("itemIdentifier")?.as_str().map(str::to_owned)).collect()
                })
                .unwrap_or_default(),
            Err(error) => {
                // As the event source mapping does: the whole batch returns to the queue.
                eprintln!("[poller] the worker failed on a batch of {}: {error}", messages.len());
                return Ok(messages.len());
            }
        };
        let done: Vec<DeleteMessageBatchRequestEntry> = messages
            .iter()
            .filter(|message| message.message_id().is_some_and(|id| !failed.contains(id)))
            .filter_map(|message| {
                DeleteMessageBatchRequestEntry::builder()
                    .id(message.message_id()?)
                    .receipt_handle(message.receipt_handle()?)
                    .build()
                    .ok()
            })
            .collect();
        for entries in done.chunks(10) {
            self.sqs
                .delete_message_batch()
                .queue_url(&self.queue_url)
                .set_entries(Some(entries.to_vec()))
                .send()
                .await
                .map_err(|error| format!("cannot delete: {}", aws_sdk_sqs::error::DisplayErrorContext(error)))?;
        }
        Ok(messages.len())
    }

    /// One batch: a long poll, then more receives while the batch is not full and its window
    /// lasts. Empty when the long poll found nothing.
    async fn gather(&self) -> Result<Vec<Message>, String> {
        let batch_size = usize::try_from(self.batch_size).unwrap_or(10).max(1);
        let mut messages = self.receive(batch_size, self.long_poll_seconds).await?;
        self.while_paused().await;
        // The window opens with the batch's first message.
        let deadline = tokio::time::Instant::now() + self.batching_window;
        while !messages.is_empty() && messages.len() < batch_size {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            if left.is_zero() {
                break;
            }
            // Long polls for the rest of the window (SQS waits whole seconds: the last may
            // overrun it by less than one).
            let seconds = left.as_secs() + u64::from(left.subsec_nanos() > 0);
            let wait = i32::try_from(seconds).unwrap_or(LONG_POLL_SECONDS).clamp(1, LONG_POLL_SECONDS);
            let more = self.receive(batch_size - messages.len(), wait).await?;
            if more.is_empty() {
                break;
            }
            messages.extend(more);
        }
        Ok(messages)
    }

    /// Waits while the mapping is paused.
    async fn while_paused(&self) {
        while self.pause_file.as_ref().is_some_and(|file| file.exists()) {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// One `ReceiveMessage` of up to `wanted` messages (10 at most), long-polling `wait` seconds.
    async fn receive(&self, wanted: usize, wait: i32) -> Result<Vec<Message>, String> {
        let received = self
            .sqs
            .receive_message()
            .queue_url(&self.queue_url)
            .max_number_of_messages(i32::try_from(wanted.min(10)).unwrap_or(10))
            .wait_time_seconds(wait)
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .message_attribute_names("All")
            .send()
            .await
            .map_err(|error| format!("cannot receive: {}", aws_sdk_sqs::error::DisplayErrorContext(error)))?;
        Ok(received.messages.unwrap_or_default())
    }

    /// A message as the event source mapping hands it to Lambda.
    fn record(&self, message: &Message) -> Value {
        let attributes: Map<String, Value> = message
            .attributes()
            .map(|attributes| attributes.iter().map(|(name, value)| (name.as_str().to_owned(), json!(value))).collect())
            .unwrap_or_default();
        let message_attributes: Map<String, Value> = message
            .message_attributes()
            .map(|attributes| {
                attributes
                    .iter()
                    .map(|(name, value)| {
                        let value = json!({
                            "stringValue": value.string_value(),
                            "stringListValues": [],
                            "binaryListValues": [],
                            "dataType": value.data_type(),
                        });
                        (name.clone(), value)
                    })
                    .collect()
            })
            .unwrap_or_default();
        json!({
            "messageId": message.message_id(),
            "receiptHandle": message.receipt_handle(),
            "body": message.body(),
            "attributes": attributes,
            "messageAttributes": message_attributes,
            "md5OfBody": message.md5_of_body(),
            "eventSource": "aws:sqs",
            "eventSourceARN": self.queue_arn,
            "awsRegion": self.region,
        })
    }
}
