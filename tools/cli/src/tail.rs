//! `hookway events tail`: new events as they arrive, then each one's outcome as it changes.
//!
//! It reads what the operator commands read — the archive bucket and the state table — never the
//! logs, so it follows the local stack and a deployed one alike. It follows the layout the
//! configuration's `archive.writer` names (and the one a stack not yet updated writes: the only one
//! the bucket holds). A poll costs, for the archive stream,
//! one `ListObjectsV2` of the current hour's objects (and of the hour before, in an hour's first
//! [`LATE`]: Firehose files an object under the hour its buffer began); for the batch objects,
//! one of the current hour's *after* the last few minutes' keys (they are keyed by their first
//! event's time, so `StartAfter` skips everything older) — and one per source followed that the
//! layout before (`events/{source}/…`) held when the tail started; a `GetObject` per new object
//! that may hold a source followed (a stream object may hold any; a batch object's key names its
//! sources), and one `BatchGetItem` per 100 events still waiting for their outcome (none when
//! nothing waits). Each LIST is $0.005 per 1,000: every 2 s, $0.009 an hour.
//!
//! The worker archives an event when it first takes it from the queue, and Firehose writes it
//! within about a minute (its buffer), so the tail shows it then; an event archived more than
//! [`LATE`] after it was received (a backlog in the queue) is not shown. An event is followed
//! until it is delivered or failed, for at most [`FOLLOW`].

use std::collections::{HashMap, HashSet};
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime};

use hookway_core::Config;
use hookway_core::archive::{
    BATCHES_PREFIX, ObjectStore as _, S3Store, STREAM_PREFIX, Stamp, batch_span, hour_prefixes, hours, may_hold,
    stream_hour_prefix,
};
use hookway_core::config::ArchiveWriter;
use hookway_core::store::{DynamoStore, RecordKey, RecordStatus};
use serde_json::{Value, json};

use crate::archive::{self, Archived, Layouts};
use crate::error::CliError;
use crate::output::warnln;
use crate::stack::{Stack, StackArgs};

/// How late after its receipt an event may be archived and still be shown.
pub const LATE: Duration = Duration::from_secs(120);
/// How long an event is followed for its outcome.
pub const FOLLOW: Duration = Duration::from_secs(3600);

/// `hookway events tail`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only events of this source [default: every source of the configuration].
    #[arg(long, value_name = "NAME")]
    source: Option<String>,
    /// Only events of this type (`*` matches anything: `invoice.*`).
    #[arg(long = "type", value_name = "TYPE")]
    event_type: Option<String>,
    /// One JSON object a line: `{"event": "received", …}`, then `{"event": "outcome", …}` as it changes.
    #[arg(long)]
    json: bool,
    /// Seconds between polls (each costs a ListObjectsV2, and one per source still archived in the per-source layout, `events/<source>/…`).
    #[arg(long, value_name = "SECONDS", default_value_t = 2.0)]
    interval: f64,
    /// The configuration file (its sources, and which of them key events by their body)
    /// [default: the local stack's, else hookway.json].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(flatten)]
    stack: StackArgs,
}

/// An event followed for its outcome.
struct Followed {
    event: Archived,
    key: RecordKey,
    since: Instant,
    shown: Option<String>,
}

/// Follows new events until Ctrl-C (exit 0).
pub async fn run(args: Args) -> Result<ExitCode, CliError> {
    if !(args.interval.is_finite() && args.interval >= 0.1) {
        return Err(CliError::Usage("--interval: at least 0.1 seconds".into()));
    }
    // Read before any AWS call: a file that cannot be read stops the command, naming the file.
    let config = args.stack.config(args.config.as_deref()).await?.config;
    let stack = args.stack.resolve().await?;
    let mut tail = Tail::new(&args, &config, stack).await?;
    warnln!(
        "following {} (a poll every {} s: {} ListObjectsV2, a GetObject per new archive object, a BatchGetItem per 100 events awaiting their outcome); Ctrl-C to stop",
        tail.sources.join(", "),
        args.interval,
        // The stream's prefix, the batch objects', and each source's of the layout before.
        usize::from(tail.stream) + usize::from(tail.batches) + tail.old_sources.len()
    );
    let mut ticks = tokio::time::interval(Duration::from_secs_f64(args.interval));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let interrupted = tokio::signal::ctrl_c();
    tokio::pin!(interrupted);
    // The last failure said: a failure that repeats every poll is said once, until it changes.
    let mut failing: Option<String> = None;
    loop {
        let poll = async {
            ticks.tick().await;
            tail.poll().await
        };
        tokio::select! {
            _ = &mut interrupted => return Ok(ExitCode::SUCCESS),
            polled = poll => match polled {
                Ok(()) => failing = None,
                // `| head` closed its end: done, as any filter of a pipe.
                Err(CliError::Io(error)) if error.kind() == std::io::ErrorKind::BrokenPipe => return Ok(ExitCode::SUCCESS),
                // A timeout, a throttle, a network blip: said, and the next poll tries again (a tail
                // is left running unattended).
                Err(CliError::Aws(reason)) if failing.as_ref() != Some(&reason) => {
                    warnln!("poll failed, trying again: {reason}");
                    failing = Some(reason);
                }
                Err(CliError::Aws(_)) => {}
                Err(error) => return Err(error),
            },
        }
    }
}

struct Tail {
    bucket: S3Store,
    table: DynamoStore,
    /// The sources followed: `--source`, else the configuration's.
    sources: Vec<String>,
    /// The sources followed that the archive's layout before holds, when the tail started.
    old_sources: Vec<String>,
    /// Whether Firehose's stream objects are followed.
    stream: bool,
    /// Whether the worker's batch objects are followed.
    batches: bool,
    event_type: Option<String>,
    unsigned: HashSet<String>,
    started: SystemTime,
    seen: HashSet<String>,
    followed: Vec<Followed>,
    json: bool,
    colour: bool,
}

impl Tail {
    async fn new(args: &Args, config: &Config, stack: Stack) -> Result<Tail, CliError> {
        let bucket = stack.bucket().clone();
        let sources = match &args.source {
            Some(source) => vec![source.clone()],
            None => config.sources.iter().map(|s| s.name.clone()).collect(),
        };
        let layouts = Layouts::of(&bucket).await?;
        let old_sources = layouts.old_sources.iter().filter(|source| sources.contains(source)).cloned().collect();
        // The writer the configuration names, and whichever layout alone the bucket holds: a stack
        // not yet updated writes it.
        let writer = config.archive.writer;
        let stream = writer == ArchiveWriter::Firehose || (layouts.stream && !layouts.batches);
        let batches = writer == ArchiveWriter::Worker || (layouts.batches && !layouts.stream);
        let colour = !args.json && crate::colour::on_stdout();
        let mut tail = Tail {
            table: stack.store().clone(),
            bucket,
            sources,
            old_sources,
            stream,
            batches,
            event_type: args.event_type.clone(),
            unsigned: config.unsigned_id_sources(),
            started: SystemTime::now(),
            seen: HashSet::new(),
            followed: Vec::new(),
            json: args.json,
            colour,
        };
        // The stream objects already written are not new: events archived from now on are.
        tail.seen = tail.stream_keys(tail.started).await?.into_iter().collect();
        Ok(tail)
    }

    /// The keys of the stream objects Firehose may have written lately: those of the current
    /// hour, and of the hour before within [`LATE`] of it.
    async fn stream_keys(&self, now: SystemTime) -> Result<Vec<String>, CliError> {
        let mut keys = Vec::new();
        if self.stream {
            for hour in hours(now.checked_sub(LATE).unwrap_or(now), now) {
                keys.extend(self.bucket.list(&stream_hour_prefix(&hour), false).await.map_err(aws)?.keys);
            }
        }
        Ok(keys)
    }

    /// One poll: new archive objects, then the outcomes of the events followed.
    async fn poll(&mut self) -> Result<(), CliError> {
        let now = SystemTime::now();
        let from = Stamp::of(now.checked_sub(LATE).unwrap_or(self.started).max(self.started));
        let mut hours = vec![from.clone()];
        let current = Stamp::of(now);
        if current.hour_path() != from.hour_path() {
            hours.push(current);
        }
        let mut fresh: Vec<String> =
            self.stream_keys(now).await?.into_iter().filter(|key| !self.seen.contains(key)).collect();
        for hour in &hours {
            for prefix in hour_prefixes(hour, &self.old_sources) {
                if !self.batches && prefix.starts_with(BATCHES_PREFIX) {
                    continue;
                }
                // Keys of this hour from `from` on (an earlier hour's prefix: all of them after it).
                let after = if hour.hour_path() == from.hour_path() {
                    format!("{prefix}{}", from.compact())
                } else {
                    prefix.clone()
                };
                let keys = self.bucket.list_after(&prefix, &after).await.map_err(aws)?;
                fresh.extend(
                    keys.into_iter()
                        .filter(|key| !self.seen.contains(key) && self.sources.iter().any(|s| may_hold(key, s))),
                );
            }
        }
        // Keys that can no more be listed: forget them (a stream object's hour is past, a batch
        // object's first event older than the window).
        let horizon = from.compact();
        let stream_horizon = stream_hour_prefix(&Stamp::of(now.checked_sub(LATE).unwrap_or(now)));
        self.seen.retain(|key| match key.starts_with(STREAM_PREFIX) {
            true => *key >= stream_horizon,
            false => batch_span(key).is_some_and(|(first, _)| first >= horizon.as_str()),
        });
        let mut received = Vec::new();
        for key in fresh {
            let object = self.bucket.get(&key, None).await.map_err(aws)?;
            received.extend(archive::archived_lines(&key, &object, |envelope| {
                self.sources.iter().any(|s| *s == envelope.source)
                    && self.event_type.as_deref().is_none_or(|pattern| {
                        envelope.event_type.as_deref().is_some_and(|t| hookway_core::config::glob_matches(pattern, t))
                    })
            }));
            self.seen.insert(key);
        }
        received.sort_by(|a, b| a.envelope.received_at.cmp(&b.envelope.received_at));
        let keys = archive::record_keys(&self.bucket, &received, &self.unsigned).await?;
        for (event, key) in received.into_iter().zip(keys) {
            self.show_received(&event)?;
            self.followed.push(Followed { event, key, since: Instant::now(), shown: None });
        }
        self.outcomes().await
    }

    /// Reads the records of the events followed, and shows each one whose outcome changed.
    async fn outcomes(&mut self) -> Result<(), CliError> {
        self.followed.retain(|followed| followed.since.elapsed() < FOLLOW);
        if self.followed.is_empty() {
            return Ok(());
        }
        let keys: Vec<RecordKey> = self.followed.iter().map(|followed| followed.key.clone()).collect();
        let records: HashMap<String, RecordStatus> = archive::records(&self.table, &keys).await?;
        let mut done = Vec::new();
        for (index, followed) in self.followed.iter_mut().enumerate() {
            let Some(record) = records.get(followed.key.pk()).filter(|record| !record.status.is_empty()) else {
                continue;
            };
            let line = outcome_line(record);
            if followed.shown.as_ref() != Some(&line) {
                show_outcome(&followed.event, record, self.json, self.colour)?;
                followed.shown = Some(line);
            }
            if matches!(record.status.as_str(), "COMPLETED" | "FAILED") {
                done.push(index);
            }
        }
        for index in done.into_iter().rev() {
            self.followed.remove(index);
        }
        Ok(())
    }

    fn show_received(&self, event: &Archived) -> Result<(), CliError> {
        let envelope = &event.envelope;
        let mut out = std::io::stdout().lock();
        if self.json {
            let line = json!({
                "event": "received", "receivedAt": envelope.received_at, "id": envelope.id,
                "source": envelope.source, "type": envelope.event_type,
            });
            writeln!(out, "{line}")?;
        } else {
            let received = paint("received", "36", self.colour);
            let event_type = envelope.event_type.as_deref().unwrap_or("-");
            writeln!(out, "{}  {}  {}  {event_type}  {received}", envelope.received_at, envelope.id, envelope.source)?;
        }
        out.flush()?;
        Ok(())
    }
}

/// What an outcome line says, to tell a change.
fn outcome_line(record: &RecordStatus) -> String {
    let deliveries: Vec<String> = record
        .deliveries
        .iter()
        .map(|delivery| {
            format!(
                "{}={}/{}/{:?}",
                delivery.destination,
                delivery.status.name(),
                delivery.attempts,
                delivery.last_status
            )
        })
        .collect();
    format!("{} {} {}", record.status, record.attempts, deliveries.join(","))
}

/// An event's outcome as the tail names it.
fn outcome_name(record: &RecordStatus) -> &'static str {
    match record.status.as_str() {
        "COMPLETED" => "delivered",
        "FAILED" => "failed",
        "WAITING" => "waiting",
        _ => "in progress",
    }
}

fn show_outcome(event: &Archived, record: &RecordStatus, json: bool, colour: bool) -> Result<(), CliError> {
    let envelope = &event.envelope;
    let at = hookway_core::rfc3339_now();
    let mut out = std::io::stdout().lock();
    if json {
        let deliveries: Vec<Value> = record.deliveries.iter().map(crate::events::delivery_json).collect();
        let next = record.next_attempt().map(|next| hookway_core::rfc3339_ms(next.at_ms));
        let line = json!({
            "event": "outcome", "at": at, "id": envelope.id, "source": envelope.source, "type": envelope.event_type,
            "status": outcome_name(record), "record": record.status, "attempts": record.attempts,
            "error": record.error, "nextAttemptAt": next, "deliveries": deliveries,
        });
        writeln!(out, "{line}")?;
    } else {
        let name = outcome_name(record);
        let code = match name {
            "delivered" => "32",
            "failed" => "31",
            _ => "33",
        };
        let deliveries: Vec<String> = record
            .deliveries
            .iter()
            .map(|delivery| {
                let answer = delivery.last_status.map_or_else(|| "-".to_owned(), |status| status.to_string());
                let latency = delivery.latency_ms.map(|latency| format!(" in {latency} ms")).unwrap_or_default();
                format!(
                    "{} {} ({}x, last {answer}{latency})",
                    delivery.destination,
                    delivery.status.name(),
                    delivery.attempts
                )
            })
            .collect();
        let event_type = envelope.event_type.as_deref().unwrap_or("-");
        let error = record.error.as_deref().map(|error| format!("  error: {error}")).unwrap_or_default();
        writeln!(
            out,
            "{at}  {}  {}  {event_type}  {}  {}{error}",
            envelope.id,
            envelope.source,
            paint(name, code, colour),
            deliveries.join("; ")
        )?;
    }
    out.flush()?;
    Ok(())
}

/// `text` in an ANSI colour on a terminal, as it is otherwise.
fn paint(text: &str, code: &str, colour: bool) -> String {
    if colour { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_owned() }
}

fn aws(error: impl std::fmt::Display) -> CliError {
    CliError::aws_said(error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_only_when_asked() {
        assert_eq!(paint("delivered", "32", false), "delivered");
        assert_eq!(paint("delivered", "32", true), "\x1b[32mdelivered\x1b[0m");
    }
}
