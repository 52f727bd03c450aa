//! `hookway events tail`: new events as they arrive, then each one's outcome as it changes.
//!
//! It reads what the operator commands read — the archive bucket and the state table — never the
//! logs, so it follows the local stack and a deployed one alike. A poll costs one `ListObjectsV2`
//! of the current hour's batch objects *after* the last few minutes' keys (batch objects are
//! keyed by their first event's time, so `StartAfter` skips everything older) — and one per source
//! followed that the layout before (`events/{source}/…`) held when the tail started, as a stack
//! not yet updated still writes it — a `GetObject` per new batch object that holds a source
//! followed (its key names them; up to `worker.batchSize` events), and one `BatchGetItem` per 100
//! events still waiting for their outcome (none when nothing waits). Each LIST is $0.005 per
//! 1,000: every 2 s, $0.009 an hour.
//!
//! The worker archives an event when it first takes it from the queue, so the tail shows it then;
//! an event archived more than [`LATE`] after it was received (a backlog in the queue) is not
//! shown. An event is followed until it is delivered or failed, for at most [`FOLLOW`].

use std::collections::{HashMap, HashSet};
use std::io::{IsTerminal as _, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime};

use hookway_core::Config;
use hookway_core::Envelope;
use hookway_core::archive::{
    ArchiveLocation, EVENTS_PREFIX, ObjectStore as _, S3Store, Stamp, hour_prefixes, lines, may_hold,
    old_layout_sources,
};
use hookway_core::store::{DynamoStore, RecordKey, RecordStatus};
use serde_json::{Value, json};

use crate::archive::{self, Archived};
use crate::error::CliError;
use crate::events::unsigned_id_sources;
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
    /// Seconds between polls (each costs a ListObjectsV2, and one per source of the layout before).
    #[arg(long, value_name = "SECONDS", default_value_t = 2.0)]
    interval: f64,
    /// The configuration file (its sources, and which of them key events by their body).
    #[arg(long, value_name = "FILE", default_value = "hookway.json")]
    config: PathBuf,
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
    let stack = args.stack.resolve().await?;
    let mut tail = Tail::new(&args, stack).await?;
    eprintln!(
        "following {} (a poll every {} s: {} ListObjectsV2, a GetObject per new batch, a BatchGetItem per 100 events awaiting their outcome); Ctrl-C to stop",
        tail.sources.as_ref().map_or_else(|| "every source".to_owned(), |sources| sources.join(", ")),
        args.interval,
        // The batch objects' prefix, and each source's of the layout before it still holds.
        1 + tail.old_sources.len()
    );
    let mut ticks = tokio::time::interval(Duration::from_secs_f64(args.interval));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let interrupted = tokio::signal::ctrl_c();
    tokio::pin!(interrupted);
    loop {
        let poll = async {
            ticks.tick().await;
            tail.poll().await
        };
        tokio::select! {
            _ = &mut interrupted => return Ok(ExitCode::SUCCESS),
            polled = poll => match polled {
                Ok(()) => {}
                // `| head` closed its end: done, as any filter of a pipe.
                Err(CliError::Io(error)) if error.kind() == std::io::ErrorKind::BrokenPipe => return Ok(ExitCode::SUCCESS),
                // A timeout, a throttle, a network blip: said, and the next poll tries again (a tail
                // is left running unattended).
                Err(CliError::Aws(reason)) => eprintln!("poll failed, trying again: {reason}"),
                Err(error) => return Err(error),
            },
        }
    }
}

struct Tail {
    bucket: S3Store,
    table: DynamoStore,
    /// The sources followed: `--source`, else the configuration's; none named: every one.
    sources: Option<Vec<String>>,
    /// The sources followed that the archive's layout before holds, when the tail started.
    old_sources: Vec<String>,
    event_type: Option<String>,
    unsigned: HashSet<String>,
    started: SystemTime,
    seen: HashSet<String>,
    followed: Vec<Followed>,
    json: bool,
    colour: bool,
}

impl Tail {
    async fn new(args: &Args, stack: Stack) -> Result<Tail, CliError> {
        let bucket = stack.bucket().clone();
        let sources = match &args.source {
            Some(source) => Some(vec![source.clone()]),
            None => {
                Config::load(&args.config).ok().map(|config| config.sources.iter().map(|s| s.name.clone()).collect())
            }
        };
        let old_layout = bucket.list(EVENTS_PREFIX, true).await.map_err(|error| CliError::Aws(error.to_string()))?;
        let old_sources = old_layout_sources(&old_layout)
            .into_iter()
            .filter(|source| sources.as_ref().is_none_or(|followed| followed.contains(source)))
            .collect();
        let colour = !args.json && std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        Ok(Tail {
            table: stack.store().clone(),
            bucket,
            sources,
            old_sources,
            event_type: args.event_type.clone(),
            unsigned: unsigned_id_sources(&args.config),
            started: SystemTime::now(),
            seen: HashSet::new(),
            followed: Vec::new(),
            json: args.json,
            colour,
        })
    }

    /// One poll: new batch objects, then the outcomes of the events followed.
    async fn poll(&mut self) -> Result<(), CliError> {
        let now = SystemTime::now();
        let from = Stamp::of(now.checked_sub(LATE).unwrap_or(self.started).max(self.started));
        let mut hours = vec![from.clone()];
        let current = Stamp::of(now);
        if current.hour_path() != from.hour_path() {
            hours.push(current);
        }
        let mut fresh = Vec::new();
        for hour in &hours {
            for prefix in hour_prefixes(hour, &self.old_sources) {
                // Keys of this hour from `from` on (an earlier hour's prefix: all of them after it).
                let after = if hour.hour_path() == from.hour_path() {
                    format!("{prefix}{}", from.compact())
                } else {
                    prefix.clone()
                };
                let keys = self.bucket.list_after(&prefix, &after).await.map_err(aws)?;
                fresh.extend(keys.into_iter().filter(|key| {
                    !self.seen.contains(key)
                        && self.sources.as_ref().is_none_or(|sources| sources.iter().any(|s| may_hold(key, s)))
                }));
            }
        }
        // Keys older than the window can no more be listed: forget them.
        let horizon = from.compact();
        self.seen
            .retain(|key| hookway_core::archive::batch_span(key).is_some_and(|(first, _)| first >= horizon.as_str()));
        let mut received = Vec::new();
        for key in fresh {
            let object = self.bucket.get(&key, None).await.map_err(aws)?;
            for (offset, line) in lines(&object) {
                let Some(envelope) = std::str::from_utf8(line).ok().and_then(|text| Envelope::from_json(text).ok())
                else {
                    continue;
                };
                if self.sources.as_ref().is_some_and(|sources| !sources.iter().any(|s| *s == envelope.source)) {
                    continue;
                }
                if self.event_type.as_deref().is_some_and(|pattern| {
                    !envelope.event_type.as_deref().is_some_and(|t| hookway_core::config::glob_matches(pattern, t))
                }) {
                    continue;
                }
                let location = ArchiveLocation { key: key.clone(), offset, length: line.len() as u64 };
                received.push(Archived { envelope: envelope.into_owned(), location });
            }
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
        let deliveries: Vec<Value> = record
            .deliveries
            .iter()
            .map(|delivery| {
                json!({
                    "destination": delivery.destination, "status": delivery.status.name(), "attempts": delivery.attempts,
                    "lastStatus": delivery.last_status, "latencyMs": delivery.latency_ms, "error": delivery.error,
                })
            })
            .collect();
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
    CliError::Aws(error.to_string())
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
