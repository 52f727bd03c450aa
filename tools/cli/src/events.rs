//! `hookway events list|show`: the event store, read.
//!
//! * `list` — one line per archived event in a window (the last day unless `--since`): time, id,
//!   source, type, and where it stands in the state table; filtered by source, type (`*`
//!   patterns), ids and status. See [`crate::archive`] for how a day of 100,000 events is read.
//! * `tail` — new events as they arrive and their outcomes ([`crate::tail`]).
//! * `show ID` — an event in full: its envelope and headers as received, its body, its record
//!   (status, attempts, when its next attempt is if it waits for one) and each delivery's status, attempts, last answer, its latency, error and time of
//!   success, and the replay runs that sent it again. The record says where the event is
//!   archived (one ranged GET; or, put into the archive stream, the objects named near then, read
//!   nearest first); once the record has expired, the archive is searched instead.
//!
//! A record is keyed by source and event id — or, for a source whose signature does not cover its
//! ids (GitHub, Shopify), by source and body, with the id it first came under beside it, found by a
//! scan of the table; without `--source`, every source of the configuration (and `jobs`) is looked up.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use hookway_core::Config;
use hookway_core::archive::{ArchiveLocation, Stamp};
use hookway_core::config::JOBS_SOURCE;
use hookway_core::envelope::BodyEncoding;
use hookway_core::store::{Delivery, RecordKey, RecordStatus, StateStore, WaitReason};
use serde_json::{Value, json};

use crate::archive::{self, Archived, Searched, Status};
use crate::error::CliError;
use crate::filter::{Filter, Window, parse_time};
use crate::output::{json_line, outln, warnln};
use crate::stack::{Stack, StackArgs};

/// The window `list` reads, and `show` searches, without `--since`.
const DEFAULT_SPAN: Duration = Duration::from_secs(86_400);

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// One line per archived event, oldest first: time, id, source, type, status; the last day unless --since.
    List {
        #[command(flatten)]
        filter: Filter,
        /// Only events with this status.
        #[arg(long, value_enum)]
        status: Option<Status>,
        /// One JSON object a line, one per event (its keys: the docs' Scripting reference, docs/reference/scripting.md).
        #[arg(long)]
        json: bool,
        /// The configuration file (how long records are kept: older events are `expired`)
        /// [default: the local stack's, else hookway.json].
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        #[command(flatten)]
        stack: StackArgs,
    },
    /// An event in full: envelope, body, record, its next attempt if it waits for one, deliveries,
    /// replays; exits 1 if there is none.
    Show {
        /// The event's id (as `hookway send`, `events list` and `dlq list` print it).
        #[arg(value_name = "ID")]
        id: String,
        /// Its source [default: every source of the configuration, and `jobs`].
        #[arg(long, value_name = "NAME")]
        source: Option<String>,
        /// Print the body alone, byte for byte, and nothing else.
        #[arg(long)]
        body: bool,
        /// Print it as one JSON object (its keys: the docs' Scripting reference, docs/reference/scripting.md).
        #[arg(long, conflicts_with = "body")]
        json: bool,
        /// Where to search the archive once the record has expired: from TIME [default: 1d ago].
        #[arg(long, value_name = "TIME", value_parser = parse_time)]
        since: Option<std::time::SystemTime>,
        /// The configuration file the sources are read from [default: the local stack's, else
        /// hookway.json].
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        #[command(flatten)]
        stack: StackArgs,
    },
    /// Follow new events as they arrive, then each one's outcome as it changes, until Ctrl-C.
    /// Reads the archive and the state table (a poll: one ListObjectsV2, and one per source still
    /// archived in the per-source layout, `events/<source>/…`): the local stack's or a deployed one's.
    Tail(crate::tail::Args),
}

pub async fn run(command: Command) -> Result<ExitCode, CliError> {
    match command {
        // The configuration is read before any AWS call: a file that cannot be read stops the
        // command, naming the file.
        Command::List { filter, status, json, config, stack } => {
            let config = stack.config(config.as_deref()).await?.config;
            list(&filter, status, json, &config, &stack.resolve().await?).await
        }
        Command::Show { id, source, body, json, since, config, stack } => {
            let config = stack.config(config.as_deref()).await?.config;
            let search = Filter { source: source.clone(), since, ids: vec![id.clone()], ..Filter::default() };
            let shown = match (body, json) {
                (true, _) => Shown::Body,
                (_, true) => Shown::Json,
                _ => Shown::Text,
            };
            show(&id, source, shown, &search, &config, &stack.resolve().await?).await
        }
        Command::Tail(args) => crate::tail::run(args).await,
    }
}

/// An archived event as `list` shows it: where it stands, and its record.
#[derive(Debug, Clone)]
pub struct Listed {
    /// The event.
    pub event: Archived,
    /// Where it stands.
    pub status: Status,
    /// Its record, if it has one.
    pub record: Option<RecordStatus>,
}

/// The archived events the filter selects in its window (the last day unless `--since`), oldest
/// first, with where each stands: what `events list` prints and the inspector's list shows.
pub async fn listed(
    filter: &Filter,
    status: Option<Status>,
    config: &Config,
    stack: &Stack,
) -> Result<(Vec<Listed>, Searched, Window), CliError> {
    let window = filter.window(DEFAULT_SPAN)?;
    let bucket = stack.bucket();
    let table = stack.store();
    let (events, searched) = archive::search(bucket, filter, &window).await?;
    let keys = archive::record_keys(bucket, &events, &config.unsigned_id_sources()).await?;
    let records = archive::records(table, &keys).await?;
    let ttl = config.record_ttl();
    let listed = events
        .into_iter()
        .zip(&keys)
        .filter_map(|(event, key)| {
            // Not `remove`: events of one body share its record (a body-keyed source re-sent).
            let record = records.get(key.pk()).cloned();
            let stands = Status::of(record.as_ref(), &event.envelope.received_at, ttl.duration(key));
            status.is_none_or(|wanted| wanted == stands).then_some(Listed { event, status: stands, record })
        })
        .collect();
    Ok((listed, searched, window))
}

async fn list(
    filter: &Filter,
    status: Option<Status>,
    json: bool,
    config: &Config,
    stack: &Stack,
) -> Result<ExitCode, CliError> {
    let (listed, searched, window) = listed(filter, status, config, stack).await?;
    let mut out = std::io::stdout().lock();
    for Listed { event, status, record } in &listed {
        let envelope = &event.envelope;
        if json {
            let line = json!({
                "receivedAt": envelope.received_at, "id": envelope.id, "source": envelope.source,
                "type": envelope.event_type, "status": status.name(),
                "attempts": record.as_ref().map(|record| record.attempts), "archived": event.location.to_string(),
            });
            writeln!(out, "{line}")?;
            continue;
        }
        let event_type = envelope.event_type.as_deref().unwrap_or("-");
        writeln!(
            out,
            "{}  {}  {}  {}  {}",
            envelope.received_at,
            envelope.id,
            envelope.source,
            event_type,
            status.name()
        )?;
    }
    warnln!(
        "{} event(s) received {} … {}: {} hour prefix(es) listed, {} object(s) read ({} KiB) in {} ms",
        listed.len(),
        window.since.as_str(),
        window.until.as_str(),
        searched.prefixes,
        searched.objects,
        searched.bytes / 1024,
        searched.elapsed.as_millis()
    );
    Ok(ExitCode::SUCCESS)
}

/// An event found by its id: under which source, its record, its archived envelope, and the
/// records of the replay runs that sent it again (`None`: sent, not processed yet).
#[derive(Debug, Clone)]
pub struct Found {
    /// Its source.
    pub source: String,
    /// The key of its record (by id, or by body).
    pub key: RecordKey,
    /// Its record.
    pub record: Option<RecordStatus>,
    /// Its envelope, from the archive.
    pub archived: Option<Archived>,
    /// Each replay run of it, with its record.
    pub replays: Vec<(String, Option<RecordStatus>)>,
}

/// The events of this id, by source (`source`, or every source of the configuration and `jobs`):
/// what `events show` prints and the inspector's detail shows. The record says where the event
/// is archived; once it has expired, the archive is searched over `search`'s window.
pub async fn lookup(
    id: &str,
    source: Option<String>,
    search: &Filter,
    config: &Config,
    stack: &Stack,
) -> Result<(Vec<Found>, Vec<String>), CliError> {
    let sources = match source {
        Some(source) => vec![source],
        None => config.sources.iter().map(|source| source.name.clone()).chain([JOBS_SOURCE.to_owned()]).collect(),
    };
    let bucket = stack.bucket();
    let table = stack.store();
    let aws = CliError::aws_said::<hookway_core::store::StoreError>;
    let mut found = Vec::new();
    for source in &sources {
        let mut key = if source == JOBS_SOURCE { RecordKey::job(id) } else { RecordKey::event(source, id) };
        // An item without a status only notes the replay runs that sent the event (see `replay`).
        let mut record = table.status(&key).await.map_err(aws)?.filter(|record| !record.status.is_empty());
        // A source that does not sign its ids keys its events by their body, with the id beside.
        if record.is_none()
            && source != JOBS_SOURCE
            && let Some(body_key) = table.find_body_keyed(source, id).await.map_err(aws)?
        {
            record = table.status(&body_key).await.map_err(aws)?;
            key = body_key;
        }
        let record = record.filter(|record| !record.status.is_empty());
        let archived = match record.as_ref().and_then(|record| record.archive.as_ref()) {
            Some(location) => archive::read(bucket, location, source, id).await?,
            None => None,
        };
        if record.is_some() || archived.is_some() {
            found.push(Found { source: source.clone(), key, record, archived, replays: Vec::new() });
        }
    }
    let placed = found.iter().any(|found| found.record.as_ref().is_some_and(|record| record.archive.is_some()));
    if !placed && found.iter().all(|found| found.archived.is_none()) {
        // The record has expired (or never placed the event): the archive still has it.
        let window = search.window(DEFAULT_SPAN)?;
        let (events, _) = archive::search(bucket, search, &window).await?;
        for event in events {
            match found.iter_mut().find(|found| *found.source == *event.envelope.source) {
                Some(entry) => entry.archived = Some(event),
                None => found.push(Found {
                    source: event.envelope.source.to_string(),
                    key: RecordKey::event(&event.envelope.source, id),
                    record: None,
                    archived: Some(event),
                    replays: Vec::new(),
                }),
            }
        }
    }
    for found in &mut found {
        let runs = found.record.as_ref().map(|record| record.replays.clone()).unwrap_or_default();
        for run in runs {
            let replayed = table.status(&RecordKey::replay(&found.key, &run)).await.map_err(aws)?;
            found.replays.push((run, replayed));
        }
    }
    Ok((found, sources))
}

/// How `events show` prints an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shown {
    /// For a person to read.
    Text,
    /// The body alone, byte for byte.
    Body,
    /// One JSON object.
    Json,
}

async fn show(
    id: &str,
    source: Option<String>,
    shown: Shown,
    search: &Filter,
    config: &Config,
    stack: &Stack,
) -> Result<ExitCode, CliError> {
    let (found, sources) = lookup(id, source, search, config, stack).await?;
    if found.is_empty() {
        warnln!(
            "no event `{id}` in the state table (sources: {}) nor in the archive since {}: give --since to search further back",
            sources.join(", "),
            search.window(DEFAULT_SPAN)?.since.as_str()
        );
        return Ok(ExitCode::FAILURE);
    }
    let bucket = stack.bucket();
    if shown == Shown::Json {
        let mut events = Vec::new();
        for found in &found {
            events.push(found_json(found, bucket).await?);
        }
        json_line(&json!({"id": id, "events": events}))?;
        return Ok(ExitCode::SUCCESS);
    }
    let body_only = shown == Shown::Body;
    for Found { source, record, archived, replays, .. } in &found {
        if body_only {
            if let Some(event) = archived {
                let body = event.body(bucket).await?;
                std::io::stdout().lock().write_all(&body)?;
                return Ok(ExitCode::SUCCESS);
            }
            continue;
        }
        if let Some(event) = archived {
            print_envelope(event)?;
        } else {
            outln!("event    {id} from {source}, type {}", record_type(record.as_ref()))?;
            if let Some(location) = record.as_ref().and_then(|record| record.archive.as_ref()) {
                outln!("archived {location}: {}", not_found(location))?;
            }
        }
        if let Some(record) = record {
            print_record(record)?;
            for (run, replayed) in replays {
                match replayed {
                    Some(replayed) => {
                        outln!(
                            "replay   {run}: {} after {} attempt(s); first seen {}, last change {}",
                            replayed.status,
                            replayed.attempts,
                            replayed.created_at,
                            replayed.updated_at
                        )?;
                        print_deliveries(replayed)?;
                    }
                    None => outln!("replay   {run}: sent, not processed yet")?,
                }
            }
        } else {
            outln!(
                "status   no record: not processed yet, or expired (worker.idempotencyTtlDays; keyed by body, also \
                 archive.retentionDays and worker.replayWindowDays)"
            )?;
        }
        if let Some(event) = archived {
            let body = event.body(bucket).await?;
            outln!("body     {}", truncate(&String::from_utf8_lossy(&body), 2048))?;
        }
        outln!()?;
    }
    if body_only {
        warnln!("event `{id}` has a record but no archived envelope (the archive keeps archive.retentionDays)");
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

/// Why an event its record places is not in the bucket: put into the stream moments ago, Firehose
/// has not written it yet; else it has expired.
fn not_found(location: &ArchiveLocation) -> &'static str {
    let recent = |at: &Stamp| at.time().elapsed().is_ok_and(|age| age < Duration::from_secs(300));
    match location {
        ArchiveLocation::Stream { at } if recent(at) => {
            "not in the bucket yet (Firehose writes its buffer within about a minute)"
        }
        _ => "no longer in the bucket (the archive keeps archive.retentionDays)",
    }
}

fn record_type(record: Option<&RecordStatus>) -> &str {
    record_type_of(record).unwrap_or("-")
}

fn record_type_of(record: Option<&RecordStatus>) -> Option<&str> {
    record.and_then(|record| record.event_type.as_deref())
}

/// An event found, as `events show --json` prints it.
async fn found_json(found: &Found, bucket: &hookway_core::archive::S3Store) -> Result<Value, CliError> {
    let Found { source, record, archived, replays, .. } = found;
    let envelope = archived.as_ref().map(|event| &event.envelope);
    let body = match archived {
        Some(event) => Some(event.body(bucket).await?),
        None => None,
    };
    let replays: Vec<Value> = replays
        .iter()
        .map(|(run, replayed)| json!({"run": run, "record": replayed.as_ref().map(record_json)}))
        .collect();
    Ok(json!({
        "source": source,
        "type": envelope.and_then(|envelope| envelope.event_type.as_deref()).or(record_type_of(record.as_ref())),
        "receivedAt": envelope.map(|envelope| &envelope.received_at),
        "requestId": envelope.and_then(|envelope| envelope.request_id.as_deref()),
        "archived": archived.as_ref().map(|event| event.location.to_string())
            .or_else(|| record.as_ref()?.archive.as_ref().map(ToString::to_string)),
        "contentType": envelope.and_then(|envelope| envelope.content_type.as_deref()),
        "headers": envelope.map(|envelope| &envelope.headers),
        "bodyBytes": body.as_ref().map(Vec::len),
        "body": body.and_then(|body| String::from_utf8(body).ok()),
        "record": record.as_ref().map(record_json),
        "replays": replays,
    }))
}

/// A record as `--json` prints it (`events show`, `dlq show`).
pub fn record_json(record: &RecordStatus) -> Value {
    let next = record.next_attempt();
    json!({
        "status": record.status, "attempts": record.attempts, "type": record.event_type,
        "createdAt": record.created_at, "updatedAt": record.updated_at, "error": record.error,
        "result": record.result,
        "nextAttemptAt": next.filter(|next| next.reason != WaitReason::Paused).map(|next| hookway_core::rfc3339_ms(next.at_ms)),
        "nextAttemptReason": next.map(|next| wait_reason(next.reason)),
        "deliveries": record.deliveries.iter().map(delivery_json).collect::<Vec<_>>(),
    })
}

/// A delivery as `--json` prints it (`events show`, `dlq show`, `events tail`).
pub fn delivery_json(delivery: &Delivery) -> Value {
    json!({
        "index": delivery.index, "destination": delivery.destination, "status": delivery.status.name(),
        "attempts": delivery.attempts, "lastStatus": delivery.last_status, "latencyMs": delivery.latency_ms,
        "error": delivery.error, "deliveredAt": delivery.delivered_at.map(hookway_core::store::rfc3339),
    })
}

fn print_envelope(event: &Archived) -> std::io::Result<()> {
    let envelope = &event.envelope;
    outln!(
        "event    {} from {}, type {}",
        envelope.id,
        envelope.source,
        envelope.event_type.as_deref().unwrap_or("-")
    )?;
    outln!("received {} (request {})", envelope.received_at, envelope.request_id.as_deref().unwrap_or("-"))?;
    outln!("archived {}", event.location)?;
    let content_type = envelope.content_type.as_deref().unwrap_or("-");
    match (&envelope.body_object, envelope.body_encoding) {
        (Some(object), _) => outln!(
            "content  {content_type}, {} bytes, by claim check: {} (sha256 {})",
            object.size,
            object.key,
            object.sha256
        ),
        (None, BodyEncoding::Base64) => outln!("content  {content_type}, binary (base64 in the envelope)"),
        (None, _) => outln!("content  {content_type}, {} bytes", envelope.body.len()),
    }?;
    for (name, value) in &envelope.headers {
        outln!("header   {name}: {value}")?;
    }
    Ok(())
}

fn print_record(record: &RecordStatus) -> std::io::Result<()> {
    outln!(
        "status   {} after {} attempt(s); first seen {}, last change {}",
        record.status,
        record.attempts,
        record.created_at,
        record.updated_at
    )?;
    if let Some(error) = &record.error {
        outln!("error    {error}")?;
    }
    match record.next_attempt() {
        Some(next) if next.reason == WaitReason::Paused => outln!("next     attempt when its destination is resumed")?,
        Some(next) => {
            outln!("next     attempt at {} ({})", hookway_core::rfc3339_ms(next.at_ms), wait_reason(next.reason))?;
        }
        None => {}
    }
    print_deliveries(record)
}

/// Why an event waits, as an operator reads it.
pub fn wait_reason(reason: WaitReason) -> &'static str {
    match reason {
        WaitReason::Schedule => "the retry schedule",
        WaitReason::RetryAfter => "the destination asked to wait",
        WaitReason::CircuitOpen => "the destination's circuit is open",
        WaitReason::RateLimit => "a slot of the destination's rate limit",
        WaitReason::NoTime => "the invocation ran out of time",
        WaitReason::Paused => "the destination is paused",
    }
}

/// One line per delivery, and its last error under it.
pub fn print_deliveries(record: &RecordStatus) -> std::io::Result<()> {
    for delivery in &record.deliveries {
        let answer = delivery.last_status.map_or_else(|| "-".to_owned(), |status| status.to_string());
        let delivered = delivery
            .delivered_at
            .map(|at| format!("  delivered {}", hookway_core::store::rfc3339(at)))
            .unwrap_or_default();
        let latency = delivery.latency_ms.map(|latency| format!("  took {latency} ms")).unwrap_or_default();
        outln!(
            "delivery {}  {}  {} attempt(s)  last answer {}  {}{}{}",
            delivery.index,
            delivery.status.name(),
            delivery.attempts,
            answer,
            delivery.destination,
            delivered,
            latency
        )?;
        if let Some(error) = &delivery.error {
            outln!("         error: {error}")?;
        }
    }
    Ok(())
}

/// `text`, cut at `max` characters with its full size said.
pub fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => format!("{}… ({} bytes)", &text[..end], text.len()),
        None => text.to_owned(),
    }
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
