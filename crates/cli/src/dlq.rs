//! `hookway dlq list|show|redrive`: what failed, why, and another try.
//!
//! The events dead-letter queue holds envelopes SQS moved there after `maxReceiveCount`
//! deliveries (crashes, poison messages) — why each failed is on its record in the state table —
//! and those the worker sent there itself, because a destination refused them for good or a
//! delivery's retry schedule was used up, with the reason, the destination's status and the
//! delivery as message attributes. The jobs dead-letter queue
//! holds Lambda's on-failure records, with the last error in them. `list` and `show` leave the
//! messages where they are; `redrive` sends an event back to the events queue, or invokes the
//! worker again asynchronously with a job, and deletes the dead letter.

use std::collections::HashSet;
use std::process::ExitCode;

use aws_sdk_sqs::types::{ChangeMessageVisibilityBatchRequestEntry, Message, MessageSystemAttributeName};
use hookway_core::Envelope;
use hookway_core::dead_letter::{Cause, DeadLetter as Refusal};
use hookway_core::store::{DynamoStore, RecordKey, RecordStatus, StateStore};
use hookway_dev::lambda::DestinationRecord;

use crate::error::CliError;
use crate::stack::{Stack, StackArgs};

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// One line per dead letter: its id, source and type, and why it failed.
    List(Args),
    /// Every dead letter in full, with why it failed.
    Show(Args),
    /// Send dead letters back for another try.
    Redrive(Args),
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Which dead-letter queue.
    #[arg(long, value_enum, default_value = "events")]
    queue: Queue,
    /// At most this many messages.
    #[arg(long, value_name = "N", default_value_t = 10)]
    max: usize,
    #[command(flatten)]
    stack: StackArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Queue {
    /// Webhook events that failed every delivery.
    Events,
    /// Jobs that failed every attempt.
    Jobs,
}

/// How long messages being read are hidden from other readers.
const READ_VISIBILITY_SECONDS: i32 = 30;

/// A dead letter, read.
struct DeadLetter {
    message: Message,
    kind: Letter,
}

// A handful of letters at a time: their size does not matter.
#[allow(clippy::large_enum_variant)]
enum Letter {
    Event { envelope: Envelope<'static>, record: Option<RecordStatus>, refusal: Option<Refusal> },
    Job(DestinationRecord),
    Unreadable(String),
}

pub async fn run(command: Command) -> Result<ExitCode, CliError> {
    let (args, action) = match &command {
        Command::List(args) => (args, "list"),
        Command::Show(args) => (args, "show"),
        Command::Redrive(args) => (args, "redrive"),
    };
    let stack = args.stack.resolve().await?;
    let sqs = aws_sdk_sqs::Client::new(&stack.aws);
    let url = match args.queue {
        Queue::Events => &stack.events_dlq_url,
        Queue::Jobs => &stack.jobs_dlq_url,
    };
    let messages = receive(&sqs, url, args.max).await?;
    if messages.is_empty() {
        println!("the {} dead-letter queue is empty", queue_name(args.queue));
        return Ok(ExitCode::SUCCESS);
    }
    let letters = read(&stack, args.queue, messages).await;
    match action {
        "redrive" => redrive(&stack, &sqs, url, letters).await,
        action => {
            for letter in &letters {
                if action == "list" { print_line(letter) } else { print_full(letter) }
            }
            release(&sqs, url, &letters).await;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn queue_name(queue: Queue) -> &'static str {
    match queue {
        Queue::Events => "events",
        Queue::Jobs => "jobs",
    }
}

/// Up to `max` messages, each once.
async fn receive(sqs: &aws_sdk_sqs::Client, url: &str, max: usize) -> Result<Vec<Message>, CliError> {
    let mut seen = HashSet::new();
    let mut messages = Vec::new();
    while messages.len() < max {
        let batch = sqs
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(i32::try_from((max - messages.len()).min(10)).unwrap_or(10))
            .visibility_timeout(READ_VISIBILITY_SECONDS)
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .message_attribute_names("All")
            .send()
            .await
            .map_err(|error| CliError::Aws(aws_sdk_sqs::error::DisplayErrorContext(error).to_string()))?
            .messages
            .unwrap_or_default();
        if batch.is_empty() {
            break;
        }
        messages.extend(batch.into_iter().filter(|message| seen.insert(message.message_id().map(str::to_owned))));
    }
    Ok(messages)
}

/// What each message is, and why it failed.
async fn read(stack: &Stack, queue: Queue, messages: Vec<Message>) -> Vec<DeadLetter> {
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&stack.aws), &stack.table);
    let mut letters = Vec::with_capacity(messages.len());
    for message in messages {
        let body = message.body().unwrap_or_default().to_owned();
        let kind = match queue {
            Queue::Events => match Envelope::from_json(&body) {
                Ok(envelope) => {
                    let envelope = owned(envelope);
                    let mut record =
                        store.status(&RecordKey::event(&envelope.source, &envelope.id)).await.ok().flatten();
                    // A source that does not sign its ids keys its events by their body.
                    if let (None, Ok(body)) = (&record, envelope.body_bytes()) {
                        let key = RecordKey::event_body(&envelope.source, envelope.event_type.as_deref(), &body);
                        record = store.status(&key).await.ok().flatten();
                    }
                    let refusal = Refusal::from_attributes(|name| {
                        message.message_attributes()?.get(name)?.string_value().map(str::to_owned)
                    });
                    Letter::Event { envelope, record, refusal }
                }
                Err(error) => Letter::Unreadable(error.to_string()),
            },
            Queue::Jobs => match serde_json::from_str::<DestinationRecord>(&body) {
                Ok(record) => Letter::Job(record),
                Err(error) => Letter::Unreadable(format!("not an on-failure record: {error}")),
            },
        };
        letters.push(DeadLetter { message, kind });
    }
    letters
}

fn owned(envelope: Envelope<'_>) -> Envelope<'static> {
    let text = |value: std::borrow::Cow<'_, str>| std::borrow::Cow::Owned(value.into_owned());
    Envelope {
        version: envelope.version,
        id: text(envelope.id),
        source: text(envelope.source),
        event_type: envelope.event_type.map(text),
        received_at: text(envelope.received_at),
        request_id: envelope.request_id.map(text),
        content_type: envelope.content_type.map(text),
        headers: envelope.headers.into_iter().map(|(name, value)| (text(name), text(value))).collect(),
        body_encoding: envelope.body_encoding,
        body: text(envelope.body),
        retry: envelope.retry,
    }
}

fn receive_count(message: &Message) -> String {
    message
        .attributes()
        .and_then(|attributes| attributes.get(&MessageSystemAttributeName::ApproximateReceiveCount))
        .cloned()
        .unwrap_or_else(|| "?".into())
}

impl DeadLetter {
    /// Why it failed.
    fn reason(&self) -> String {
        match &self.kind {
            Letter::Event { refusal: Some(refusal), .. } => match refusal.cause {
                Cause::Refused => format!("{} (refused for good)", refusal.reason),
                Cause::RetriesExhausted | Cause::IdConflict => refusal.reason.clone(),
            },
            Letter::Event { record: Some(record), .. } => {
                record.error.clone().unwrap_or_else(|| format!("no error recorded (status {})", record.status))
            }
            Letter::Event { record: None, .. } => "no record: the worker never claimed it".into(),
            Letter::Job(record) => record.response_payload["errorMessage"].as_str().unwrap_or("?").to_owned(),
            Letter::Unreadable(reason) => format!("unreadable: {reason}"),
        }
    }
}

fn print_line(letter: &DeadLetter) {
    match &letter.kind {
        Letter::Event { envelope, .. } => println!(
            "{}  {}/{}  delivered {}x  {}",
            envelope.id,
            envelope.source,
            envelope.event_type.as_deref().unwrap_or("-"),
            receive_count(&letter.message),
            letter.reason()
        ),
        Letter::Job(record) => println!(
            "{}  {}  {} attempts  {}",
            record.request_payload["context"]["request-id"].as_str().unwrap_or("?"),
            record.request_payload["bodyJson"]["type"].as_str().unwrap_or("-"),
            record.request_context.approximate_invoke_count,
            letter.reason()
        ),
        Letter::Unreadable(_) => println!("{}  {}", letter.message.message_id().unwrap_or("?"), letter.reason()),
    }
}

fn print_full(letter: &DeadLetter) {
    println!("message {} (delivered {}x)", letter.message.message_id().unwrap_or("?"), receive_count(&letter.message));
    match &letter.kind {
        Letter::Event { envelope, record, .. } => {
            println!(
                "  event    {} from {}, type {}",
                envelope.id,
                envelope.source,
                envelope.event_type.as_deref().unwrap_or("-")
            );
            println!("  received {} (request {})", envelope.received_at, envelope.request_id.as_deref().unwrap_or("-"));
            if let Some(record) = record {
                println!(
                    "  record   {} after {} attempt(s), last at {}",
                    record.status, record.attempts, record.updated_at
                );
                crate::events::print_deliveries(record);
            }
            println!("  reason   {}", letter.reason());
            let body =
                envelope.body_bytes().map(|bytes| String::from_utf8_lossy(&bytes).into_owned()).unwrap_or_default();
            println!("  body     {}", truncate(&body, 2048));
        }
        Letter::Job(record) => {
            println!("  job      {}", record.request_payload["context"]["request-id"].as_str().unwrap_or("?"));
            println!(
                "  given up {} ({}, {} attempts)",
                record.timestamp, record.request_context.condition, record.request_context.approximate_invoke_count
            );
            println!("  reason   {}", letter.reason());
            println!("  body     {}", truncate(&record.request_payload["bodyJson"].to_string(), 2048));
        }
        Letter::Unreadable(_) => {
            println!("  reason   {}", letter.reason());
            println!("  body     {}", truncate(letter.message.body().unwrap_or_default(), 2048));
        }
    }
    println!();
}

fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => format!("{}… ({} bytes)", &text[..end], text.len()),
        None => text.to_owned(),
    }
}

/// Makes read messages visible again at once.
async fn release(sqs: &aws_sdk_sqs::Client, url: &str, letters: &[DeadLetter]) {
    for chunk in letters.chunks(10) {
        let entries: Vec<_> = chunk
            .iter()
            .enumerate()
            .filter_map(|(index, letter)| {
                ChangeMessageVisibilityBatchRequestEntry::builder()
                    .id(index.to_string())
                    .receipt_handle(letter.message.receipt_handle()?)
                    .visibility_timeout(0)
                    .build()
                    .ok()
            })
            .collect();
        let _ = sqs.change_message_visibility_batch().queue_url(url).set_entries(Some(entries)).send().await;
    }
}

/// Another try for each letter: events back to the events queue, jobs back to the worker.
async fn redrive(
    stack: &Stack,
    sqs: &aws_sdk_sqs::Client,
    url: &str,
    letters: Vec<DeadLetter>,
) -> Result<ExitCode, CliError> {
    let lambda = lambda_client(stack);
    let mut failed = 0;
    for letter in &letters {
        let result = match &letter.kind {
            Letter::Event { envelope, .. } => {
                // The envelope's own attributes; the worker's reasons stay behind.
                let mut attributes = letter.message.message_attributes().cloned().unwrap_or_default();
                attributes.retain(|name, _| !hookway_core::dead_letter::ATTRIBUTES.contains(&name.as_str()));
                let request = sqs
                    .send_message()
                    .queue_url(&stack.events_queue_url)
                    .message_body(letter.message.body().unwrap_or_default())
                    .set_message_attributes(Some(attributes));
                request
                    .send()
                    .await
                    .map(|_| envelope.id.to_string())
                    .map_err(|e| aws_sdk_sqs::error::DisplayErrorContext(e).to_string())
            }
            Letter::Job(record) => {
                let payload = serde_json::to_vec(&record.request_payload).unwrap_or_default();
                lambda
                    .invoke()
                    .function_name(&stack.worker_function)
                    .invocation_type(aws_sdk_lambda::types::InvocationType::Event)
                    .payload(aws_sdk_lambda::primitives::Blob::new(payload))
                    .send()
                    .await
                    .map(|_| record.request_payload["context"]["request-id"].as_str().unwrap_or("?").to_owned())
                    .map_err(|e| aws_sdk_lambda::error::DisplayErrorContext(e).to_string())
            }
            Letter::Unreadable(reason) => Err(format!("left in place, {reason}")),
        };
        match result {
            Ok(id) => {
                let receipt = letter.message.receipt_handle().unwrap_or_default();
                sqs.delete_message()
                    .queue_url(url)
                    .receipt_handle(receipt)
                    .send()
                    .await
                    .map_err(|error| CliError::Aws(aws_sdk_sqs::error::DisplayErrorContext(error).to_string()))?;
                println!("redriven: {id}");
            }
            Err(reason) => {
                failed += 1;
                println!("not redriven: {}: {reason}", letter.message.message_id().unwrap_or("?"));
            }
        }
    }
    release(sqs, url, &letters).await;
    Ok(if failed == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// Lambda, or the local gateway that stands in for its Invoke API.
fn lambda_client(stack: &Stack) -> aws_sdk_lambda::Client {
    let mut config = aws_sdk_lambda::config::Builder::from(&stack.aws);
    if let Some(endpoint) = &stack.lambda_endpoint {
        config = config.endpoint_url(endpoint);
    }
    aws_sdk_lambda::Client::from_conf(config.build())
}

#[cfg(test)]
mod tests {
    use super::truncate;

    #[test]
    fn long_bodies_are_cut_with_their_size() {
        assert_eq!(truncate("short", 10), "short");
        assert_eq!(truncate("abcdef", 3), "abc… (6 bytes)");
        assert_eq!(truncate("ééé", 2), "éé… (6 bytes)");
    }
}
