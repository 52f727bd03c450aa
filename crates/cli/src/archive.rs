//! The event store as the operator commands read it: the events a filter selects, found in the
//! archive bucket, with where each stands in the state table.
//!
//! How a day of 100,000 events is read quickly: the archive is keyed by hour
//! (`events/_batches/{yyyy}/{mm}/{dd}/{hh}/`), so a window is one listing per hour it touches, all
//! at once (32 at a time) — and, while it lasts, one per hour for each source the layout before
//! holds (`events/{source}/…`, one listing finds which); each object's key names the first
//! and last time it holds, and its sources, so objects outside the window, or without the source
//! asked for, are never read; the objects that are read are read 32 at a time, each a whole worker
//! batch (one GET for up to `worker.batchSize` events); and the records are read 100 to a
//! `BatchGetItem`, eight requests at a time.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use futures_util::stream::{self, StreamExt, TryStreamExt};
use hookway_core::Envelope;
use hookway_core::archive::{
    ArchiveLocation, EVENTS_PREFIX, ObjectStore, S3Store, batch_span, hour_prefixes, lines, may_hold,
    old_layout_sources, read_body,
};
use hookway_core::store::{DynamoStore, RecordKey, RecordStatus, StateStore};

use crate::error::CliError;
use crate::filter::{Filter, Window};

/// S3 requests in flight at once.
const PARALLEL_S3: usize = 32;
/// `BatchGetItem` requests in flight at once.
const PARALLEL_READS: usize = 8;
/// Records a task reads, 100 to a request.
const RECORDS_PER_TASK: usize = 500;

/// An archived event.
#[derive(Debug, Clone)]
pub struct Archived {
    /// Its envelope, as the intake queued it.
    pub envelope: Envelope<'static>,
    /// Where it is in the archive.
    pub location: ArchiveLocation,
}

impl Archived {
    /// Its body, wherever it travels: in the envelope, or by claim check in the bucket.
    pub async fn body(&self, bucket: &S3Store) -> Result<Vec<u8>, CliError> {
        match &self.envelope.body_object {
            Some(object) => Ok(read_body(bucket, object).await.map_err(aws)?.into()),
            None => Ok(self.envelope.body_bytes().map_err(aws)?.into_owned()),
        }
    }
}

/// The keys of their records in the state table, as the worker keys them: by id, or by source,
/// type and body where the source does not sign the id (`unsigned`, from
/// [`hookway_core::Config::unsigned_id_sources`]) — a claim-checked body is read for it.
pub async fn record_keys(
    bucket: &S3Store,
    events: &[Archived],
    unsigned: &HashSet<String>,
) -> Result<Vec<RecordKey>, CliError> {
    let mut keys = Vec::with_capacity(events.len());
    for event in events {
        let envelope = &event.envelope;
        let key = if unsigned.contains(envelope.source.as_ref()) {
            RecordKey::event_body(&envelope.source, envelope.event_type.as_deref(), &event.body(bucket).await?)
        } else {
            RecordKey::event(&envelope.source, &envelope.id)
        };
        keys.push(key);
    }
    Ok(keys)
}

/// How much a search read.
#[derive(Debug, Clone, Default)]
pub struct Searched {
    /// Prefixes listed (one per hour, and one per source and hour of the layout before).
    pub prefixes: usize,
    /// Objects read.
    pub objects: usize,
    /// Bytes read.
    pub bytes: usize,
    /// How long it took.
    pub elapsed: Duration,
}

/// Every archived event the filter selects in the window, oldest first, each once.
pub async fn search(bucket: &S3Store, filter: &Filter, window: &Window) -> Result<(Vec<Archived>, Searched), CliError> {
    let started = Instant::now();
    // The sources the old layout still holds (one listing), or only the one asked for: once it
    // has expired, a window is one listing per hour.
    let old_sources: Vec<String> = old_layout_sources(&bucket.list(EVENTS_PREFIX, true).await.map_err(aws)?)
        .into_iter()
        .filter(|source| filter.source.as_deref().is_none_or(|wanted| wanted == source))
        .collect();
    let prefixes: Vec<String> = window.hours().iter().flat_map(|hour| hour_prefixes(hour, &old_sources)).collect();
    let (since, until) = (window.since.compact(), window.until.compact());
    // Owned prefixes and `async move`: the future stays `Send` (the inspector serves it).
    let keys: Vec<String> = stream::iter(prefixes.clone())
        .map(|prefix| async move { bucket.list(&prefix, false).await })
        .buffer_unordered(PARALLEL_S3)
        .map_ok(|listing| listing.keys)
        .try_concat()
        .await
        .map_err(aws)?
        .into_iter()
        // Only objects whose span meets the window, and that hold the source asked for.
        .filter(|key| batch_span(key).is_some_and(|(first, last)| first < until.as_str() && last >= since.as_str()))
        .filter(|key| filter.source.as_deref().is_none_or(|source| may_hold(key, source)))
        .collect();
    let objects: Vec<(String, bytes::Bytes)> = stream::iter(keys)
        .map(|key| async move { bucket.get(&key, None).await.map(|object| (key, object)) })
        .buffer_unordered(PARALLEL_S3)
        .try_collect()
        .await
        .map_err(aws)?;
    let mut searched = Searched { prefixes: prefixes.len(), objects: objects.len(), ..Searched::default() };
    let mut found = Vec::new();
    for (key, object) in &objects {
        searched.bytes += object.len();
        for (offset, line) in lines(object) {
            let Ok(text) = std::str::from_utf8(line) else { continue };
            let Ok(envelope) = Envelope::from_json(text) else { continue };
            let event_type = envelope.event_type.as_deref();
            if filter.matches(&envelope.id, &envelope.source, event_type, &envelope.received_at, window) {
                let location = ArchiveLocation { key: key.clone(), offset, length: line.len() as u64 };
                found.push(Archived { envelope: envelope.into_owned(), location });
            }
        }
    }
    found.sort_by(|a, b| {
        (&a.envelope.received_at, &a.envelope.source, &a.envelope.id).cmp(&(
            &b.envelope.received_at,
            &b.envelope.source,
            &b.envelope.id,
        ))
    });
    let mut seen = HashSet::new();
    found.retain(|event| seen.insert((event.envelope.source.clone(), event.envelope.id.clone())));
    searched.elapsed = started.elapsed();
    Ok((found, searched))
}

/// The archived events of these ids, found through their records (each source's, of `sources`);
/// and the ids not found so.
pub async fn by_ids(
    bucket: &S3Store,
    table: &DynamoStore,
    ids: &[String],
    sources: &[String],
) -> Result<(Vec<Archived>, Vec<String>), CliError> {
    let keys: Vec<RecordKey> =
        ids.iter().flat_map(|id| sources.iter().map(move |source| RecordKey::event(source, id))).collect();
    let records = records(table, &keys).await?;
    let mut found = Vec::new();
    let mut missing = Vec::new();
    for id in ids {
        let before = found.len();
        for source in sources {
            let mut location = records.get(RecordKey::event(source, id).pk()).and_then(|record| record.archive.clone());
            // A source that does not sign its ids keys its events by their body, the id beside.
            if location.is_none()
                && let Some(key) = table.find_body_keyed(source, id).await.map_err(aws)?
            {
                location = table.status(&key).await.map_err(aws)?.and_then(|record| record.archive);
            }
            if let Some(location) = location {
                found.push(read(bucket, &location).await?);
            }
        }
        if found.len() == before {
            missing.push(id.clone());
        }
    }
    Ok((found, missing))
}

/// Reads one archived event at its place.
pub async fn read(bucket: &S3Store, location: &ArchiveLocation) -> Result<Archived, CliError> {
    let line = bucket.line(location).await.map_err(aws)?;
    let text = std::str::from_utf8(&line).map_err(|error| CliError::Aws(format!("{location}: {error}")))?;
    let envelope = Envelope::from_json(text).map_err(|error| CliError::Aws(format!("{location}: {error}")))?;
    Ok(Archived { envelope: envelope.into_owned(), location: location.clone() })
}

/// The records of these events, by partition key.
pub async fn records(table: &DynamoStore, keys: &[RecordKey]) -> Result<HashMap<String, RecordStatus>, CliError> {
    let chunks: Vec<Vec<RecordKey>> = keys.chunks(RECORDS_PER_TASK).map(<[RecordKey]>::to_vec).collect();
    let maps: Vec<HashMap<String, RecordStatus>> = stream::iter(chunks)
        .map(|chunk| async move { table.statuses(&chunk).await })
        .buffer_unordered(PARALLEL_READS)
        .try_collect()
        .await
        .map_err(|error| CliError::Aws(error.to_string()))?;
    Ok(maps.into_iter().flatten().collect())
}

/// Where an event stands, as `--status` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Status {
    /// Every delivery succeeded (or nothing had to be delivered: unrouted, stale, a duplicate).
    Delivered,
    /// It failed for good: refused, out of retries (in the dead-letter queue), or left to the
    /// queue's own retries.
    Failed,
    /// Not processed yet, being processed, or waiting in the events queue for its next attempt.
    Pending,
    /// Its record has expired (`worker.idempotencyTtlDays`): only the archive remembers it.
    Expired,
}

impl Status {
    /// The status of an event received at `received_at` whose record is `record`, given how long
    /// records are kept.
    pub fn of(record: Option<&RecordStatus>, received_at: &str, record_ttl: Duration) -> Status {
        match record.map(|record| record.status.as_str()) {
            Some("COMPLETED") => Status::Delivered,
            Some("FAILED") => Status::Failed,
            Some("IN_PROGRESS" | "WAITING") => Status::Pending,
            _ => {
                let age = hookway_core::parse_rfc3339(received_at).and_then(|at| at.elapsed().ok()).unwrap_or_default();
                if age > record_ttl { Status::Expired } else { Status::Pending }
            }
        }
    }

    /// Its name in a listing.
    pub fn name(self) -> &'static str {
        match self {
            Status::Delivered => "delivered",
            Status::Failed => "failed",
            Status::Pending => "pending",
            Status::Expired => "expired",
        }
    }
}

fn aws(error: impl std::fmt::Display) -> CliError {
    CliError::Aws(error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(status: &str) -> RecordStatus {
        RecordStatus {
            status: status.into(),
            attempts: 1,
            event_type: None,
            created_at: String::new(),
            updated_at: String::new(),
            result: None,
            error: None,
            deliveries: Vec::new(),
            archive: None,
            replays: Vec::new(),
        }
    }

    #[test]
    fn a_status_comes_from_the_record_or_from_the_events_age() {
        let week = Duration::from_secs(7 * 86_400);
        let now = hookway_core::rfc3339_now();
        assert_eq!(Status::of(Some(&record("COMPLETED")), &now, week), Status::Delivered);
        assert_eq!(Status::of(Some(&record("FAILED")), &now, week), Status::Failed);
        assert_eq!(Status::of(Some(&record("IN_PROGRESS")), &now, week), Status::Pending);
        let old = "2020-01-01T00:00:00Z";
        assert_eq!(Status::of(Some(&record("WAITING")), old, week), Status::Pending, "retried, however long");
        assert_eq!(Status::of(None, &now, week), Status::Pending, "not claimed yet");
        assert_eq!(Status::of(None, "2020-01-01T00:00:00Z", week), Status::Expired);
        assert_eq!(Status::of(Some(&record("")), "2020-01-01T00:00:00Z", week), Status::Expired, "a replay mark alone");
    }
}
