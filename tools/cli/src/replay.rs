//! `hookway replay`: archived events sent through the worker again.
//!
//! The events a filter selects (as `hookway events list` finds them) are sent to the events queue
//! again, oldest first, at `--rate` a second. Each replayed envelope says it is a replay and names
//! its *run* (`"replay": "r-…"`): the worker keeps the run's delivery on a record of its own, so
//! the completed-event dedup does not swallow it, while a run still delivers an event at most
//! once; the event's own record lists the runs that sent it (`hookway events show`). A run is
//! named after its filter, times made absolute, unless `--run` names it: the same command again
//! is the same run, and skips what it sent already, so an interrupted replay is simply run again.
//! The destinations get the event's own id in `Idempotency-Key`, and `X-Hookway-Replay: <run>`.
//!
//! An event of a source that does not sign its ids is keyed by its body: however many copies of
//! that body the archive holds (re-sent under new ids, each archived), a run sends it once. A
//! replay by time reaches `worker.replayWindowDays` back at most: the records of body-keyed events
//! are kept at least that long, so every copy it finds is known for what it is.
//!
//! Events of an ordered source older than the version its entity is at are still skipped, as on
//! their first run.

use std::collections::HashSet;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use aws_sdk_sqs::types::{MessageAttributeValue, SendMessageBatchRequestEntry};
use hookway_core::Config;
use hookway_core::config::RecordTtl;
use hookway_core::store::RecordKey;
use sha2::{Digest, Sha256};

use crate::archive::{self, Archived, Status};
use crate::error::CliError;
use crate::filter::{Filter, Pace, Progress, Window, parse_rate};
use crate::output::{outln, warnln};
use crate::stack::{Stack, StackArgs};

/// Send archived events through the worker again: to every destination their routes name now.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    filter: Filter,
    /// Only events that stand so.
    #[arg(long, value_enum)]
    status: Option<Status>,
    /// Events sent a second, at most (`N/s`).
    #[arg(long, value_name = "N/s", default_value = "50/s", value_parser = parse_rate)]
    rate: f64,
    /// Print what would be sent, and how many, and send nothing.
    #[arg(long)]
    dry_run: bool,
    /// The run's name [default: one made from the filter, so the same command resumes the same
    /// run; after a relative --since such as 2h, resume with the name the first run printed].
    #[arg(long, value_name = "NAME")]
    run: Option<String>,
    /// Send without asking, however many events the filter selects. More than 100 are asked
    /// about on a terminal (answering no sends nothing, exit 0) and refused elsewhere (exit 2).
    #[arg(long, short = 'y')]
    yes: bool,
    /// The configuration file (how long records are kept) [default: the local stack's, else
    /// hookway.json].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(flatten)]
    stack: StackArgs,
}

/// What a replay run is to send: its name, the events selected, and those it has not sent yet.
#[derive(Debug)]
pub struct Plan {
    /// The run's name.
    pub run: String,
    /// The window the events were searched in (none for ids alone).
    pub window: Option<Window>,
    /// How many events selected this run sent already (skipped).
    pub earlier: usize,
    /// How many selected events were copies of a body selected already (an event keyed by its
    /// body, re-sent under new ids): sent once.
    pub copies: usize,
    /// The events selected it has not sent yet, with their records' keys, oldest first.
    pub pending: Vec<(Archived, RecordKey)>,
}

/// A replay's selection: the events `filter` and `status` select (by their window, or by their
/// ids through their records), and which of them the run `run` (or the run the filter names) sent
/// already. What `hookway replay` and the inspector's "replay" button both run.
pub async fn plan(
    filter: &Filter,
    status: Option<Status>,
    run: Option<String>,
    config: &Config,
    stack: &Stack,
) -> Result<Plan, CliError> {
    if filter.since.is_none() && filter.ids.is_empty() {
        return Err(CliError::Usage(
            "say what to replay: --since TIME (and --until), or --id ID; a replay sends events to your destinations again"
                .into(),
        ));
    }
    let bucket = stack.bucket();
    let table = stack.store();
    let window = match filter.since {
        Some(since) => {
            within_reach(since, SystemTime::now(), config.worker.replay_window_days)?;
            Some(filter.window(Duration::ZERO)?)
        }
        None => None,
    };
    let run = run.unwrap_or_else(|| run_name(&filter.canonical(window.as_ref()), status));
    let events = match &window {
        Some(window) => archive::search(bucket, filter, window).await?.0,
        // Ids alone: found through their records, whatever their time.
        None => {
            let sources = match &filter.source {
                Some(source) => vec![source.clone()],
                None => config.sources.iter().map(|source| source.name.clone()).collect(),
            };
            let (found, missing) = archive::by_ids(bucket, table, &filter.ids, &sources).await?;
            if !missing.is_empty() {
                return Err(CliError::Usage(format!(
                    "no archived event {} in the state table (records expire after worker.idempotencyTtlDays): \
                     give --since (and --until) to search the archive itself",
                    missing.join(", ")
                )));
            }
            let anywhen = Filter { since: None, until: None, ..filter.clone() };
            found
                .into_iter()
                .filter(|event| {
                    let envelope = &event.envelope;
                    anywhen.matches_any_time(&envelope.id, &envelope.source, envelope.event_type.as_deref())
                })
                .collect()
        }
    };
    let keys = archive::record_keys(bucket, &events, &config.unsigned_id_sources()).await?;
    let records = archive::records(table, &keys).await?;
    let ttl = config.record_ttl();
    let (mut earlier, mut copies) = (0, 0);
    let mut pending = Vec::new();
    let mut selected = HashSet::new();
    for (event, key) in events.into_iter().zip(keys) {
        let record = records.get(key.pk());
        let stands = Status::of(record, &event.envelope.received_at, ttl.duration(&key));
        if status.is_some_and(|wanted| wanted != stands) {
            continue;
        }
        // One event a record: the copies of a body-keyed event are one event.
        if !selected.insert(key.pk().to_owned()) {
            copies += 1;
            continue;
        }
        if record.is_some_and(|record| record.replays.contains(&run)) {
            earlier += 1;
        } else {
            pending.push((event, key));
        }
    }
    Ok(Plan { run, window, earlier, copies, pending })
}

/// A replay by time reaches `days` (`worker.replayWindowDays`) back from `now` at most.
fn within_reach(since: SystemTime, now: SystemTime, days: u32) -> Result<(), CliError> {
    let reach = Duration::from_secs(u64::from(days) * 86_400);
    let limit = now.checked_sub(reach).unwrap_or(SystemTime::UNIX_EPOCH);
    if since >= limit {
        return Ok(());
    }
    Err(CliError::Usage(format!(
        "--since {} is further back than a replay may reach: worker.replayWindowDays is {days} day(s), so {} at the \
         earliest (an event keyed by its body is known for what it is that long, no longer)",
        humantime::format_rfc3339_seconds(since),
        humantime::format_rfc3339_seconds(limit)
    )))
}

pub async fn run(args: Args) -> Result<ExitCode, CliError> {
    // Read before any AWS call: a file that cannot be read stops the command, naming the file.
    let config = args.stack.config(args.config.as_deref()).await?.config;
    let stack = args.stack.resolve().await?;
    let plan = plan(&args.filter, args.status, args.run.clone(), &config, &stack).await?;
    let run = &plan.run;
    let received = plan
        .window
        .as_ref()
        .map_or_else(String::new, |window| format!(" received {} … {}", window.since.as_str(), window.until.as_str()));
    let (earlier, copies, pending) = (plan.earlier, plan.copies, &plan.pending);
    let mut skipped =
        if earlier > 0 { format!(", {earlier} sent already by this run (skipped)") } else { String::new() };
    if copies > 0 {
        skipped.push_str(&format!(", {copies} more copies of a body among them (sent once)"));
    }
    outln!("replay {run}: {} event(s){received}{skipped}", earlier + pending.len())?;
    if args.dry_run {
        for (event, _) in pending {
            let envelope = &event.envelope;
            let event_type = envelope.event_type.as_deref().unwrap_or("-");
            outln!("would replay {}  {}  {}  {}", envelope.received_at, envelope.id, envelope.source, event_type)?;
        }
        outln!("dry run: {} event(s) would be replayed, none was sent", pending.len())?;
        return Ok(ExitCode::SUCCESS);
    }
    if !args.yes && !crate::confirm::confirm(pending.len(), "replay", "events")? {
        // Declining is an answer, not a failure.
        warnln!("nothing was replayed");
        return Ok(ExitCode::SUCCESS);
    }
    let sent = send(&stack, run, pending, args.rate, config.record_ttl()).await?;
    outln!("replayed {sent} event(s) (run {run})")?;
    Ok(ExitCode::SUCCESS)
}

/// Sends each event again, up to ten to a request at `rate` a second, and marks each on its
/// record once sent; a re-run skips the marked ones, and the worker's record of the run catches
/// one sent but not yet marked when the run was cut short.
pub async fn send(
    stack: &Stack,
    run: &str,
    events: &[(Archived, RecordKey)],
    rate: f64,
    record_ttl: RecordTtl,
) -> Result<usize, CliError> {
    let sqs = stack.sqs();
    let mut pace = Pace::new(rate);
    let mut progress = Progress::new("replayed", events.len());
    let per_request = (rate.ceil() as usize).clamp(1, 10);
    let mut sent = 0;
    for chunk in events.chunks(per_request) {
        let mut entries = Vec::with_capacity(chunk.len());
        for (index, (event, _)) in chunk.iter().enumerate() {
            pace.tick().await;
            let mut envelope = event.envelope.clone();
            envelope.replay = Some(run.to_owned().into());
            // A replay starts its retry schedule afresh, whatever copy was archived.
            envelope.retry = None;
            let body = envelope.to_message().map_err(|error| CliError::Aws(error.to_string()))?;
            let mut entry = SendMessageBatchRequestEntry::builder().id(index.to_string()).message_body(body);
            for (name, value) in [("source", Some(&envelope.source)), ("type", envelope.event_type.as_ref())] {
                if let Some(value) = value {
                    let attribute = MessageAttributeValue::builder()
                        .data_type("String")
                        .string_value(value.as_ref())
                        .build()
                        .map_err(|error| CliError::Aws(error.to_string()))?;
                    entry = entry.message_attributes(name, attribute);
                }
            }
            entries.push(entry.build().map_err(|error| CliError::Aws(error.to_string()))?);
        }
        let output = sqs
            .send_message_batch()
            .queue_url(&stack.events_queue_url)
            .set_entries(Some(entries))
            .send()
            .await
            .map_err(CliError::aws)?;
        if let Some(failed) = output.failed().first() {
            return Err(CliError::Aws(format!(
                "the events queue refused a replayed event: {} (run again to go on)",
                failed.message().unwrap_or("no reason given")
            )));
        }
        for (_, key) in chunk {
            stack
                .store()
                .mark_replayed(key, run, hookway_core::unix_now() + record_ttl.seconds(key))
                .await
                .map_err(CliError::aws_said)?;
        }
        sent += chunk.len();
        progress.update(sent);
    }
    Ok(sent)
}

/// `r-` and 12 hex digits of the filter's digest.
pub fn run_name(canonical: &str, status: Option<Status>) -> String {
    let digest = Sha256::digest(format!("{canonical} status={}", status.map_or("*", Status::name)));
    format!("r-{}", &hex::encode(digest)[..12])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_replay_by_time_reaches_the_replay_window_back_at_most() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let days = |n: u64| Duration::from_secs(n * 86_400);
        within_reach(now - days(90), now, 90).unwrap();
        within_reach(now - days(1), now, 90).unwrap();
        let error = within_reach(now - days(91), now, 90).unwrap_err().to_string();
        assert!(
            error.contains("--since 2026-10-16T08:00:00Z is further back than a replay may reach: worker.replayWindowDays is 90 day(s), so 2026-10-17T08:00:00Z at the earliest"),
            "{error}"
        );
        within_reach(now - days(200), now, 365).unwrap();
    }

    #[test]
    fn a_run_is_named_by_its_filter() {
        let a = run_name("source=stripe since=1 until=2", None);
        assert!(a.starts_with("r-") && a.len() == 14, "{a}");
        assert_eq!(a, run_name("source=stripe since=1 until=2", None), "the same command, the same run");
        assert_ne!(a, run_name("source=stripe since=1 until=3", None));
        assert_ne!(a, run_name("source=stripe since=1 until=2", Some(Status::Failed)));
    }
}
