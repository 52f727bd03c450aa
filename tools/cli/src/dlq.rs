//! `hookway dlq list|show|redrive|delete`: what failed, why, another try, and letting one go.
//!
//! The events dead-letter queue holds envelopes SQS moved there after `maxReceiveCount`
//! deliveries (crashes, poison messages) — why each failed is on its record in the state table —
//! and those the worker sent there itself, because a destination refused them for good or a
//! delivery's retry schedule was used up, with the reason, the destination's status and the
//! delivery as message attributes. The jobs dead-letter queue
//! holds Lambda's on-failure records, with the last error in them. `list` and `show` leave the
//! messages where they are; `redrive` sends an event back to the events queue, or invokes the
//! worker again asynchronously with a job, and deletes the dead letter.
//!
//! `redrive` takes the filters of `hookway events list` (`--source`, `--type`, `--since`,
//! `--until`, `--id`; for jobs: source `jobs`, the job's type and id, the time it was given up) and
//! leaves the dead letters that do not match where they are; `--rate` paces it, `--dry-run` only
//! says what it would redrive. It goes through the queue once, redriving each match as it reads
//! it: an interrupted redrive is run again for the rest. A letter sent back but not yet deleted
//! when a run is cut short is sent back again by the next; the worker's idempotency record then
//! acknowledges the second copy without delivering it again. Without `--yes`, the matches are
//! counted first (a dry run); more than [`LARGE`] are confirmed on a terminal, and the run then
//! sends back no more than were counted.
//!
//! `delete --id` reads the queue through once in the same way and deletes each letter of that id
//! by its receipt handle: a letter understood that must not be tried again (an `id-conflict`).

use std::collections::{HashMap, HashSet};
use std::process::ExitCode;
use std::time::Duration;

use aws_sdk_sqs::types::{
    ChangeMessageVisibilityBatchRequestEntry, Message, MessageSystemAttributeName, QueueAttributeName,
};
use hookway_core::Envelope;
use hookway_core::config::JOBS_SOURCE;
use hookway_core::dead_letter::{Cause, DeadLetter as Refusal};
use hookway_core::job::DestinationRecord;
use hookway_core::store::{RecordKey, RecordStatus, StateStore};
use serde_json::{Value, json};

use crate::confirm::{LARGE, confirm};
use crate::error::CliError;
use crate::events::truncate;
use crate::filter::{Filter, Pace, parse_rate};
use crate::output::{json_line, outln, warnln};
use crate::stack::{Stack, StackArgs};

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// One line per dead letter: its id, source and type, and why it failed.
    List(Args),
    /// Every dead letter in full, with why it failed.
    Show(Args),
    /// Send the dead letters that match back for another try; the others stay. More than 100
    /// matches are sent back only once confirmed: on a terminal, by answering y (no sends nothing,
    /// exit 0); elsewhere with --yes (without it, exit 2).
    Redrive(RedriveArgs),
    /// Delete a dead letter for good, by its id (one understood, that must not be tried again);
    /// exits 1 if there is none.
    Delete(DeleteArgs),
}

#[derive(Debug, clap::Args)]
pub struct RedriveArgs {
    /// Which dead-letter queue.
    #[arg(long, value_enum, default_value = "events")]
    queue: Queue,
    #[command(flatten)]
    filter: Filter,
    /// At most this many [default: every match].
    #[arg(long, value_name = "N")]
    max: Option<usize>,
    /// Dead letters sent back a second, at most (`N/s`).
    #[arg(long, value_name = "N/s", default_value = "50/s", value_parser = parse_rate)]
    rate: f64,
    /// Print what would be redriven, and how many, and send nothing back.
    #[arg(long)]
    dry_run: bool,
    /// Send back without asking, however many dead letters match (without it, the matches are
    /// counted first; more than 100 are asked about on a terminal, refused elsewhere).
    #[arg(long, short = 'y')]
    yes: bool,
    #[command(flatten)]
    stack: StackArgs,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Which dead-letter queue.
    #[arg(long, value_enum, default_value = "events")]
    queue: Queue,
    /// At most this many messages.
    #[arg(long, value_name = "N", default_value_t = 10)]
    max: usize,
    /// One JSON object a line, one per dead letter (its keys: the docs' Scripting reference, docs/reference/scripting.md).
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    stack: StackArgs,
}

#[derive(Debug, clap::Args)]
pub struct DeleteArgs {
    /// The dead letter's id: its event's or job's id, as `dlq list` prints it, or its message id,
    /// as `dlq show` prints it. Every dead letter of that id is deleted.
    #[arg(long, value_name = "ID")]
    id: String,
    /// Which dead-letter queue.
    #[arg(long, value_enum, default_value = "events")]
    queue: Queue,
    #[command(flatten)]
    stack: StackArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Queue {
    /// Webhook events that failed every delivery.
    Events,
    /// Jobs that failed every attempt.
    Jobs,
}

/// How long messages being read are hidden from other readers.
const READ_VISIBILITY_SECONDS: i32 = 30;
/// How long a redrive hides the letters it has read and leaves, while it reads on.
const REDRIVE_VISIBILITY_SECONDS: i32 = 300;

/// A dead letter, read.
#[derive(Debug)]
pub struct DeadLetter {
    message: Message,
    kind: Letter,
}

// A handful of letters at a time: their size does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
enum Letter {
    Event { envelope: Envelope<'static>, record: Option<RecordStatus>, refusal: Option<Refusal> },
    Job(DestinationRecord),
    Unreadable(String),
}

pub async fn run(command: Command) -> Result<ExitCode, CliError> {
    let (args, full) = match command {
        Command::List(args) => (args, false),
        Command::Show(args) => (args, true),
        Command::Redrive(args) => return redrive(args).await,
        Command::Delete(args) => return delete(args).await,
    };
    let stack = args.stack.resolve().await?;
    let letters = letters(&stack, args.queue, args.max).await?;
    if letters.is_empty() {
        let empty = format!("the {} dead-letter queue is empty", queue_name(args.queue));
        // `--json` prints nothing for nothing: the sentence is for whoever reads along.
        if args.json {
            warnln!("{empty}")
        } else {
            outln!("{empty}")?
        }
        return Ok(ExitCode::SUCCESS);
    }
    for letter in &letters {
        match (args.json, full) {
            (true, _) => json_line(&letter.json(args.queue, full))?,
            (false, true) => print_full(letter)?,
            (false, false) => print_line(letter)?,
        }
    }
    // The rest of the queue, said where it does not mix with what a script reads.
    // A count that cannot be read (denied, throttled) leaves the hint out; the list stands.
    if let Some(held) = held(&stack, args.queue).await.ok().filter(|held| *held > letters.len()) {
        warnln!("{} of about {held} dead letter(s) shown: give --max N to see more", letters.len());
    } else if letters.len() >= args.max {
        warnln!("{} dead letter(s) shown, as many as --max asks: there may be more", letters.len());
    }
    Ok(ExitCode::SUCCESS)
}

/// About how many letters the queue holds: those visible and those being read.
async fn held(stack: &Stack, queue: Queue) -> Result<usize, CliError> {
    let attributes = stack
        .sqs()
        .get_queue_attributes()
        .queue_url(queue_url(stack, queue))
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
        .send()
        .await
        .map_err(CliError::aws)?;
    let count = |name: QueueAttributeName| {
        attributes.attributes().and_then(|all| all.get(&name)).and_then(|n| n.parse::<usize>().ok()).unwrap_or(0)
    };
    Ok(count(QueueAttributeName::ApproximateNumberOfMessages)
        + count(QueueAttributeName::ApproximateNumberOfMessagesNotVisible))
}

/// Up to `max` dead letters of `queue`, each read with why it failed, and left where they are
/// (visible again at once): what `dlq list|show` print and the inspector shows.
pub async fn letters(stack: &Stack, queue: Queue, max: usize) -> Result<Vec<DeadLetter>, CliError> {
    let sqs = stack.sqs();
    let url = queue_url(stack, queue);
    let messages = receive(sqs, url, max, READ_VISIBILITY_SECONDS).await?;
    let letters = read(stack, queue, messages).await;
    release(sqs, url, &letters).await;
    Ok(letters)
}

fn queue_url(stack: &Stack, queue: Queue) -> &str {
    match queue {
        Queue::Events => &stack.events_dlq_url,
        Queue::Jobs => &stack.jobs_dlq_url,
    }
}

fn queue_name(queue: Queue) -> &'static str {
    match queue {
        Queue::Events => "events",
        Queue::Jobs => "jobs",
    }
}

/// Up to `max` messages, each once, hidden for `visibility` seconds.
async fn receive(sqs: &aws_sdk_sqs::Client, url: &str, max: usize, visibility: i32) -> Result<Vec<Message>, CliError> {
    let mut seen = HashSet::new();
    let mut messages = Vec::new();
    while messages.len() < max {
        let batch = receive_batch(sqs, url, (max - messages.len()).min(10), visibility).await?;
        if batch.is_empty() {
            break;
        }
        messages.extend(batch.into_iter().filter(|message| seen.insert(message.message_id().map(str::to_owned))));
    }
    Ok(messages)
}

/// One receive of up to `count` (at most 10) messages.
async fn receive_batch(
    sqs: &aws_sdk_sqs::Client,
    url: &str,
    count: usize,
    visibility: i32,
) -> Result<Vec<Message>, CliError> {
    Ok(sqs
        .receive_message()
        .queue_url(url)
        .max_number_of_messages(i32::try_from(count.clamp(1, 10)).unwrap_or(10))
        .visibility_timeout(visibility)
        // Long polling, if only for a second: a short poll samples some of SQS's servers and can
        // come back empty while the queue holds letters, which would end a read through it early.
        .wait_time_seconds(1)
        .message_system_attribute_names(MessageSystemAttributeName::All)
        .message_attribute_names("All")
        .send()
        .await
        .map_err(CliError::aws)?
        .messages
        .unwrap_or_default())
}

/// What each message is, and why it failed.
async fn read(stack: &Stack, queue: Queue, messages: Vec<Message>) -> Vec<DeadLetter> {
    let store = stack.store();
    let mut letters = Vec::with_capacity(messages.len());
    for message in messages {
        let body = message.body().unwrap_or_default().to_owned();
        let kind = match queue {
            Queue::Events => match Envelope::from_json(&body) {
                Ok(envelope) => {
                    let envelope = envelope.into_owned();
                    let mut record = store
                        .status(&RecordKey::event(&envelope.source, &envelope.id))
                        .await
                        .ok()
                        .flatten()
                        .filter(|record| !record.status.is_empty());
                    // A source that does not sign its ids keys its events by their body.
                    if let (None, Ok(body)) = (&record, envelope.body_bytes()) {
                        let key = RecordKey::event_body(&envelope.source, &body);
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

fn receive_count(message: &Message) -> String {
    message
        .attributes()
        .and_then(|attributes| attributes.get(&MessageSystemAttributeName::ApproximateReceiveCount))
        .cloned()
        .unwrap_or_else(|| "?".into())
}

impl DeadLetter {
    /// Its id, source, type and time (an event's receipt; a job's giving up), for the filters.
    pub fn summary(&self) -> Option<(&str, &str, Option<&str>, &str)> {
        match &self.kind {
            Letter::Event { envelope, .. } => {
                Some((&envelope.id, &envelope.source, envelope.event_type.as_deref(), &envelope.received_at))
            }
            Letter::Job(record) => Some((
                record.request_payload["context"]["request-id"].as_str().unwrap_or("?"),
                JOBS_SOURCE,
                record.request_payload["bodyJson"]["type"].as_str(),
                &record.timestamp,
            )),
            Letter::Unreadable(_) => None,
        }
    }

    /// Why it failed.
    pub fn reason(&self) -> String {
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

    /// How many times SQS delivered it.
    pub fn receive_count(&self) -> String {
        receive_count(&self.message)
    }

    /// As `--json` prints it: one object, the same keys for every letter (`null` where a kind of
    /// letter has nothing to say); `full` (`dlq show`) adds the record and the body.
    pub fn json(&self, queue: Queue, full: bool) -> Value {
        let (id, source, event_type, at) = match self.summary() {
            Some((id, source, event_type, at)) => (Some(id), Some(source), event_type, Some(at)),
            None => (None, None, None, None),
        };
        let (cause, destination, status) = match &self.kind {
            Letter::Event { refusal: Some(refusal), .. } => {
                (Some(refusal.cause.name()), Some(refusal.destination.as_str()), refusal.status)
            }
            _ => (None, None, None),
        };
        let mut letter = json!({
            "queue": queue_name(queue), "messageId": self.message.message_id(), "id": id, "source": source,
            "type": event_type, "at": at, "receiveCount": self.receive_count().parse::<u64>().ok(),
            "reason": self.reason(), "cause": cause, "destination": destination, "lastStatus": status,
        });
        if full {
            letter["record"] = self.record().map_or(Value::Null, crate::events::record_json);
            letter["body"] = match &self.kind {
                // The text; not UTF-8, `null` (`events show --body` prints the bytes).
                Letter::Event { envelope, .. } => {
                    json!(envelope.body_bytes().ok().and_then(|bytes| String::from_utf8(bytes.to_vec()).ok()))
                }
                Letter::Job(record) => Value::String(record.request_payload["bodyJson"].to_string()),
                Letter::Unreadable(_) => json!(self.message.body()),
            };
        }
        letter
    }

    /// Its event's record, for an event's letter that has one.
    pub fn record(&self) -> Option<&RecordStatus> {
        match &self.kind {
            Letter::Event { record, .. } => record.as_ref(),
            _ => None,
        }
    }
}

fn print_line(letter: &DeadLetter) -> std::io::Result<()> {
    match &letter.kind {
        Letter::Event { envelope, .. } => outln!(
            "{}  {}/{}  delivered {}x  {}",
            envelope.id,
            envelope.source,
            envelope.event_type.as_deref().unwrap_or("-"),
            receive_count(&letter.message),
            letter.reason()
        ),
        Letter::Job(record) => outln!(
            "{}  {}  {} attempts  {}",
            record.request_payload["context"]["request-id"].as_str().unwrap_or("?"),
            record.request_payload["bodyJson"]["type"].as_str().unwrap_or("-"),
            record.request_context.approximate_invoke_count,
            letter.reason()
        ),
        Letter::Unreadable(_) => outln!("{}  {}", letter.message.message_id().unwrap_or("?"), letter.reason()),
    }
}

fn print_full(letter: &DeadLetter) -> std::io::Result<()> {
    outln!("message {} (delivered {}x)", letter.message.message_id().unwrap_or("?"), receive_count(&letter.message))?;
    match &letter.kind {
        Letter::Event { envelope, record, .. } => {
            outln!(
                "  event    {} from {}, type {}",
                envelope.id,
                envelope.source,
                envelope.event_type.as_deref().unwrap_or("-")
            )?;
            outln!("  received {} (request {})", envelope.received_at, envelope.request_id.as_deref().unwrap_or("-"))?;
            if let Some(record) = record {
                outln!(
                    "  record   {} after {} attempt(s), last at {}",
                    record.status,
                    record.attempts,
                    record.updated_at
                )?;
                crate::events::print_deliveries(record)?;
            }
            outln!("  reason   {}", letter.reason())?;
            let body =
                envelope.body_bytes().map(|bytes| String::from_utf8_lossy(&bytes).into_owned()).unwrap_or_default();
            outln!("  body     {}", truncate(&body, 2048))?;
        }
        Letter::Job(record) => {
            outln!("  job      {}", record.request_payload["context"]["request-id"].as_str().unwrap_or("?"))?;
            outln!(
                "  given up {} ({}, {} attempts)",
                record.timestamp,
                record.request_context.condition,
                record.request_context.approximate_invoke_count
            )?;
            outln!("  reason   {}", letter.reason())?;
            outln!("  body     {}", truncate(&record.request_payload["bodyJson"].to_string(), 2048))?;
        }
        Letter::Unreadable(_) => {
            outln!("  reason   {}", letter.reason())?;
            outln!("  body     {}", truncate(letter.message.body().unwrap_or_default(), 2048))?;
        }
    }
    outln!()
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

/// Which dead letters a redrive sends back, and how.
#[derive(Debug, Clone)]
pub struct Redrive {
    /// Which dead-letter queue.
    pub queue: Queue,
    /// Which letters.
    pub filter: Filter,
    /// At most this many.
    pub max: usize,
    /// Letters a second, at most.
    pub rate: f64,
    /// Only say what would be sent back.
    pub dry_run: bool,
}

/// What a redrive did with a letter that matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Redriven {
    /// Sent back (and deleted from the dead-letter queue), by its id.
    Sent(String),
    /// Would be sent back (a dry run): id, source/type, time.
    Would(String),
    /// Could not be sent back, and stays: its message id, and why.
    Failed(String, String),
}

/// How a redrive ended.
#[derive(Debug, Clone, Copy, Default)]
pub struct Redrove {
    /// Letters that matched.
    pub matched: usize,
    /// Of those, letters that could not be sent back.
    pub failed: usize,
    /// Letters left where they were.
    pub left: usize,
}

/// Sends the matching dead letters back, as it reads them, telling `each` of each; leaves the
/// others. What `hookway dlq redrive` and the inspector's "redrive" button both run.
pub async fn redrive_matching(
    stack: &Stack,
    redrive: &Redrive,
    mut each: impl FnMut(Redriven),
) -> Result<Redrove, CliError> {
    let sqs = stack.sqs();
    let url = queue_url(stack, redrive.queue);
    let filter = &redrive.filter;
    let timed = filter.since.is_some() || filter.until.is_some();
    let window = if timed { Some(filter.window(Duration::from_secs(366 * 86_400))?) } else { None };
    let lambda = lambda_client(stack);
    let mut pace = Pace::new(redrive.rate);
    let max = redrive.max;
    let (mut seen, mut left) = (HashSet::new(), HashMap::new());
    let (mut matched, mut failed) = (0, 0);
    while matched < max {
        let batch = receive_batch(sqs, url, 10, REDRIVE_VISIBILITY_SECONDS).await?;
        let fresh: Vec<Message> =
            batch.into_iter().filter(|message| seen.insert(message.message_id().map(str::to_owned))).collect();
        if fresh.is_empty() {
            break;
        }
        for letter in read(stack, redrive.queue, fresh).await {
            let matches = letter.summary().is_some_and(|(id, source, event_type, at)| match &window {
                Some(window) => filter.matches(id, source, event_type, at, window),
                None => filter.matches_any_time(id, source, event_type),
            });
            if !matches || matched >= max {
                left.insert(letter.message.message_id().unwrap_or_default().to_owned(), letter);
                continue;
            }
            matched += 1;
            if redrive.dry_run {
                let (id, source, event_type, at) = letter.summary().unwrap_or_default();
                each(Redriven::Would(format!("{id}  {source}/{}  {at}", event_type.unwrap_or("-"))));
                left.insert(letter.message.message_id().unwrap_or_default().to_owned(), letter);
                continue;
            }
            pace.tick().await;
            match send_back(stack, sqs, &lambda, &letter).await {
                Ok(id) => {
                    let receipt = letter.message.receipt_handle().unwrap_or_default();
                    sqs.delete_message().queue_url(url).receipt_handle(receipt).send().await.map_err(CliError::aws)?;
                    each(Redriven::Sent(id));
                }
                Err(reason) => {
                    failed += 1;
                    each(Redriven::Failed(letter.message.message_id().unwrap_or("?").to_owned(), reason));
                    left.insert(letter.message.message_id().unwrap_or_default().to_owned(), letter);
                }
            }
        }
    }
    let left: Vec<DeadLetter> = left.into_values().collect();
    release(sqs, url, &left).await;
    Ok(Redrove { matched, failed, left: left.len() })
}

/// `dlq redrive`: each letter as it goes, then what was done.
async fn redrive(args: RedriveArgs) -> Result<ExitCode, CliError> {
    let stack = args.stack.resolve().await?;
    let mut redrive = Redrive {
        queue: args.queue,
        filter: args.filter,
        max: args.max.unwrap_or(usize::MAX),
        rate: args.rate,
        dry_run: args.dry_run,
    };
    if !args.dry_run && !args.yes {
        // How many match, counted by a dry run (the letters stay where they are): more than
        // LARGE are asked about, and the run sends back no more than were counted and agreed to.
        let counting = Redrive { dry_run: true, ..redrive.clone() };
        let counted = redrive_matching(&stack, &counting, |_| ()).await?.matched;
        if !confirm(counted, "redrive", "dead letters")? {
            // Declining is an answer, not a failure.
            warnln!("nothing was redriven");
            return Ok(ExitCode::SUCCESS);
        }
        redrive.max = redrive.max.min(counted.max(LARGE));
    }
    // A reader gone does not cut the run short: each letter is sent back before it is told of.
    let mut written = Ok(());
    let done = redrive_matching(&stack, &redrive, |redriven| {
        if written.is_ok() {
            written = match redriven {
                Redriven::Sent(id) => outln!("redriven: {id}"),
                Redriven::Would(letter) => outln!("would redrive: {letter}"),
                Redriven::Failed(message, reason) => outln!("not redriven: {message}: {reason}"),
            };
        }
    })
    .await?;
    written?;
    if redrive.dry_run {
        outln!("dry run: {} dead letter(s) would be redriven, none was; {} left as they are", done.matched, done.left)?;
    } else if done.matched == 0 {
        outln!("no dead letter in the {} dead-letter queue matches", queue_name(redrive.queue))?;
    }
    Ok(if done.failed == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// `dlq delete --id`: reads the queue through once, deletes each letter of that id by its receipt
/// handle, and leaves the others as they were — visible again at once, however the run ends.
async fn delete(args: DeleteArgs) -> Result<ExitCode, CliError> {
    let stack = args.stack.resolve().await?;
    let (sqs, url) = (stack.sqs(), queue_url(&stack, args.queue));
    let mut left = Vec::new();
    let deleted = delete_matching(&stack, &args, &mut left).await;
    release(sqs, url, &left).await;
    if deleted? == 0 {
        warnln!("no dead letter `{}` in the {} dead-letter queue", args.id, queue_name(args.queue));
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

/// Deletes the letters of `args.id`, saying each, and keeps the others in `left`: how many it deleted.
async fn delete_matching(stack: &Stack, args: &DeleteArgs, left: &mut Vec<DeadLetter>) -> Result<usize, CliError> {
    let (sqs, url) = (stack.sqs(), queue_url(stack, args.queue));
    let (mut seen, mut deleted, mut written) = (HashSet::new(), 0, Ok(()));
    loop {
        let batch = receive_batch(sqs, url, 10, REDRIVE_VISIBILITY_SECONDS).await?;
        let fresh: Vec<Message> =
            batch.into_iter().filter(|message| seen.insert(message.message_id().map(str::to_owned))).collect();
        if fresh.is_empty() {
            break;
        }
        for letter in read(stack, args.queue, fresh).await {
            let id = letter.summary().map(|(id, ..)| id);
            if id != Some(args.id.as_str()) && letter.message.message_id() != Some(args.id.as_str()) {
                left.push(letter);
                continue;
            }
            let receipt = letter.message.receipt_handle().unwrap_or_default();
            sqs.delete_message().queue_url(url).receipt_handle(receipt).send().await.map_err(CliError::aws)?;
            deleted += 1;
            if written.is_ok() {
                let message = letter.message.message_id().unwrap_or("?");
                written = outln!("deleted: {} (message {message})", id.unwrap_or("-"));
            }
        }
    }
    written?;
    Ok(deleted)
}

/// Another try for one letter: an event back to the events queue, a job back to the worker. The
/// id it was sent back with.
async fn send_back(
    stack: &Stack,
    sqs: &aws_sdk_sqs::Client,
    lambda: &aws_sdk_lambda::Client,
    letter: &DeadLetter,
) -> Result<String, String> {
    match &letter.kind {
        Letter::Event { envelope, .. } => {
            // The envelope's own attributes; the worker's reasons stay behind.
            let mut attributes = letter.message.message_attributes().cloned().unwrap_or_default();
            attributes.retain(|name, _| !hookway_core::dead_letter::ATTRIBUTES.contains(&name.as_str()));
            sqs.send_message()
                .queue_url(&stack.events_queue_url)
                .message_body(letter.message.body().unwrap_or_default())
                .set_message_attributes(Some(attributes))
                .send()
                .await
                .map(|_| envelope.id.to_string())
                .map_err(|error| CliError::aws(error).to_string())
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
                .map_err(|error| CliError::aws(error).to_string())
        }
        Letter::Unreadable(reason) => Err(format!("left in place, {reason}")),
    }
}

/// Lambda, or the local gateway that stands in for its Invoke API.
fn lambda_client(stack: &Stack) -> aws_sdk_lambda::Client {
    let mut config = aws_sdk_lambda::config::Builder::from(&stack.aws);
    if let Some(endpoint) = &stack.lambda_endpoint {
        config = config.endpoint_url(endpoint);
    }
    aws_sdk_lambda::Client::from_conf(config.build())
}
