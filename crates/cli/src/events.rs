//! `hookway events show ID`: where an event stands — its record in the state table, when its next
//! attempt is (if it waits for one), and each of its deliveries: status, attempts, the
//! destination's last answer and error, when it succeeded.
//!
//! A record is keyed by source and event id — or, for a source whose signature does not cover its
//! ids (GitHub, Shopify), by source, type and body, with the id beside it, found by a scan of the
//! table; without `--source`, every source of the configuration (and `jobs`) is looked up.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use hookway_core::Config;
use hookway_core::config::JOBS_SOURCE;
use hookway_core::store::{DynamoStore, RecordKey, RecordStatus, StateStore, WaitReason};

use crate::error::CliError;
use crate::stack::StackArgs;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// An event's record, its next attempt if it waits for one, and its deliveries; exits 1 if there
    /// is none.
    Show {
        /// The event's id (as `hookway send` and `hookway dlq list` print it).
        #[arg(value_name = "ID")]
        id: String,
        /// Its source [default: every source of the configuration, and `jobs`].
        #[arg(long, value_name = "NAME")]
        source: Option<String>,
        /// The configuration file the sources are read from.
        #[arg(long, value_name = "FILE", default_value = "hookway.json")]
        config: PathBuf,
        #[command(flatten)]
        stack: StackArgs,
    },
}

pub async fn run(command: Command) -> Result<ExitCode, CliError> {
    let Command::Show { id, source, config, stack } = command;
    let sources = match source {
        Some(source) => vec![source],
        None => {
            let config = Config::load(&config)?;
            config.sources.iter().map(|source| source.name.clone()).chain([JOBS_SOURCE.to_owned()]).collect()
        }
    };
    let stack = stack.resolve().await?;
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&stack.aws), &stack.table);
    let mut found = false;
    for source in &sources {
        let key = if source == JOBS_SOURCE { RecordKey::job(&id) } else { RecordKey::event(source, &id) };
        let mut record = store.status(&key).await.map_err(|error| CliError::Aws(error.to_string()))?;
        // A source that does not sign its ids keys its events by their body, with the id beside.
        if record.is_none() && source != JOBS_SOURCE {
            let aws = |error: hookway_core::store::StoreError| CliError::Aws(error.to_string());
            if let Some(key) = store.find_body_keyed(source, &id).await.map_err(aws)? {
                record = store.status(&key).await.map_err(aws)?;
            }
        }
        if let Some(record) = record {
            print_record(&id, source, &record);
            found = true;
        }
    }
    if !found {
        eprintln!(
            "no event `{id}` in the state table (sources: {}); records expire after worker.idempotencyTtlDays",
            sources.join(", ")
        );
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

fn print_record(id: &str, source: &str, record: &RecordStatus) {
    println!("event    {id} from {source}, type {}", record.event_type.as_deref().unwrap_or("-"));
    println!(
        "status   {} after {} attempt(s); first seen {}, last change {}",
        record.status, record.attempts, record.created_at, record.updated_at
    );
    if let Some(error) = &record.error {
        println!("error    {error}");
    }
    if let Some(next) = record.next_attempt() {
        println!("next     attempt at {} ({})", hookway_core::rfc3339_ms(next.at_ms), wait_reason(next.reason));
    }
    print_deliveries(record);
}

/// Why an event waits, as an operator reads it.
fn wait_reason(reason: WaitReason) -> &'static str {
    match reason {
        WaitReason::Schedule => "the retry schedule",
        WaitReason::RetryAfter => "the destination asked to wait",
        WaitReason::CircuitOpen => "the destination's circuit is open",
        WaitReason::RateLimit => "a slot of the destination's rate limit",
        WaitReason::NoTime => "the invocation ran out of time",
    }
}

/// One line per delivery, and its last error under it.
pub fn print_deliveries(record: &RecordStatus) {
    for delivery in &record.deliveries {
        let answer = delivery.last_status.map_or_else(|| "-".to_owned(), |status| status.to_string());
        let delivered = delivery.delivered_at.map(|at| format!("  delivered {}", rfc3339(at))).unwrap_or_default();
        println!(
            "delivery {}  {}  {} attempt(s)  last answer {}  {}{}",
            delivery.index,
            delivery.status.name(),
            delivery.attempts,
            answer,
            delivery.destination,
            delivered
        );
        if let Some(error) = &delivery.error {
            println!("         error: {error}");
        }
    }
}

fn rfc3339(seconds: i64) -> String {
    let at = std::time::UNIX_EPOCH + Duration::from_secs(u64::try_from(seconds).unwrap_or_default());
    humantime::format_rfc3339_seconds(at).to_string()
}
