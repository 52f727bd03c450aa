//! The event store as the operator commands read it: the events a filter selects, found in the
//! archive bucket, with where each stands in the state table.
//!
//! How a day of 100,000 events is read quickly: one listing of `events/` says which layouts the
//! bucket holds. The stream's objects (`events/_stream/{yyyy}/{mm}/{dd}/{hh}/`, Firehose's) are
//! listed one prefix per hour the window touches — from the hour before it, where a buffer that
//! began then may hold its first events, to [`hookway_core::archive::STREAM_LATENESS`] past its end, the latest an event
//! is put into the stream — and their names' times leave out those too far from the window; the
//! objects read are filtered line by line. The batch objects (`events/_batches/…`) are listed
//! one prefix per hour the window touches, and — while it lasts — one per hour for each source the
//! layout before holds (`events/{source}/…`); a batch object's key names the first and last time
//! it holds, and its sources, so objects outside the window, or without the source asked for, are
//! never read. Listings and reads go 32 at a time, each object a whole buffer or batch; the
//! records are read 100 to a `BatchGetItem`, eight requests at a time.
//!
//! An event's record says where it is: a line of a batch object (one ranged GET), or when it was
//! put into the stream — then the objects named near that time, under its hour or the one
//! before, are read nearest first until its line is found (at low traffic one or two).

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant, SystemTime};

use futures_util::stream::{self, StreamExt, TryStreamExt};
use hookway_core::Envelope;
use hookway_core::archive::{
    ArchiveLocation, BATCHES_PREFIX, EVENTS_PREFIX, Line, Listing, ObjectStore, S3Store, STREAM_PREFIX, Stamp,
    StreamRange, batch_span, hour_prefixes, lines, may_hold, old_layout_sources, read_body,
};
use hookway_core::store::{DynamoStore, RecordKey, RecordStatus, StateStore};

use crate::error::CliError;
use crate::filter::{Filter, Window};

/// S3 requests in flight at once.
const PARALLEL_S3: usize = 32;
/// Stream objects read at once while looking for one event (the nearest first).
const PARALLEL_LOOKUP: usize = 4;
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
    pub location: Line,
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

/// The keys of their records in the state table, as the worker keys them: by id, or by source
/// and body where the source does not sign the id (`unsigned`, from
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
            RecordKey::event_body(&envelope.source, &event.body(bucket).await?)
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

/// The layouts an archive bucket holds, from one delimited listing of `events/`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Layouts {
    /// Firehose's objects (`events/_stream/`).
    pub stream: bool,
    /// The worker's batch objects (`events/_batches/`).
    pub batches: bool,
    /// The sources of the layout before (`events/{source}/`).
    pub old_sources: Vec<String>,
}

impl Layouts {
    /// What `bucket` holds.
    pub async fn of(bucket: &S3Store) -> Result<Layouts, CliError> {
        Ok(Layouts::from_listing(&bucket.list(EVENTS_PREFIX, true).await.map_err(aws)?))
    }

    /// What a delimited listing of `events/` shows.
    pub fn from_listing(listing: &Listing) -> Layouts {
        Layouts {
            stream: listing.prefixes.iter().any(|prefix| prefix == STREAM_PREFIX),
            batches: listing.prefixes.iter().any(|prefix| prefix == BATCHES_PREFIX),
            old_sources: old_layout_sources(listing),
        }
    }
}

/// Every archived event the filter selects in the window, oldest first, each once.
pub async fn search(bucket: &S3Store, filter: &Filter, window: &Window) -> Result<(Vec<Archived>, Searched), CliError> {
    let started = Instant::now();
    // Which layouts to read (one listing); of the old one, only the source asked for: once it
    // has expired, a window is one listing per hour and layout.
    let layouts = Layouts::of(bucket).await?;
    let old_sources: Vec<String> = layouts
        .old_sources
        .into_iter()
        .filter(|source| filter.source.as_deref().is_none_or(|wanted| wanted == source))
        .collect();
    let mut prefixes: Vec<String> = window
        .hours()
        .iter()
        .flat_map(|hour| hour_prefixes(hour, &old_sources))
        .filter(|prefix| layouts.batches || !prefix.starts_with(BATCHES_PREFIX))
        .collect();
    let stream = StreamRange::received(window.since.time(), window.until.time(), SystemTime::now());
    if layouts.stream {
        prefixes.extend(stream.prefixes());
    }
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
        // Only stream objects named near the window; only batch objects whose span meets it, and
        // that hold the source asked for.
        .filter(|key| {
            if key.starts_with(STREAM_PREFIX) {
                return stream.may_hold(key);
            }
            batch_span(key).is_some_and(|(first, last)| first < until.as_str() && last >= since.as_str())
                && filter.source.as_deref().is_none_or(|source| may_hold(key, source))
        })
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
        found.extend(archived_lines(key, object, |envelope| {
            let event_type = envelope.event_type.as_deref();
            filter.matches(&envelope.id, &envelope.source, event_type, &envelope.received_at, window)
        }));
    }
    found.sort_by(|a, b| {
        (&a.envelope.received_at, &a.envelope.source, &a.envelope.id).cmp(&(
            &b.envelope.received_at,
            &b.envelope.source,
            &b.envelope.id,
        ))
    });
    // An event may be archived twice (a batch retried after a write whose answer was lost).
    let mut seen = HashSet::new();
    found.retain(|event| seen.insert((event.envelope.source.clone(), event.envelope.id.clone())));
    searched.elapsed = started.elapsed();
    Ok((found, searched))
}

/// The events of an archive object that `wanted` selects, each with its line.
pub fn archived_lines(key: &str, object: &[u8], wanted: impl Fn(&Envelope<'_>) -> bool) -> Vec<Archived> {
    let mut found = Vec::new();
    for (offset, line) in lines(object) {
        let Some(envelope) = std::str::from_utf8(line).ok().and_then(|text| Envelope::from_json(text).ok()) else {
            continue;
        };
        if wanted(&envelope) {
            let location = Line { key: key.to_owned(), offset, length: line.len() as u64 };
            found.push(Archived { envelope: envelope.into_owned(), location });
        }
    }
    found
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
            if let Some(location) = location
                && let Some(event) = read(bucket, &location, source, id).await?
            {
                found.push(event);
            }
        }
        if found.len() == before {
            missing.push(id.clone());
        }
    }
    Ok((found, missing))
}

/// Reads the archived event `id` of `source` at its place: its line, or, put into the stream,
/// the objects named near then, nearest first. `None` if the stream's objects do not hold it
/// (yet: Firehose writes its buffer within about a minute).
pub async fn read(
    bucket: &S3Store,
    location: &ArchiveLocation,
    source: &str,
    id: &str,
) -> Result<Option<Archived>, CliError> {
    let line = match location {
        ArchiveLocation::Line(line) => line,
        ArchiveLocation::Stream { at } => return find_streamed(bucket, at, source, id).await,
    };
    let read = bucket.line(line).await.map_err(aws)?;
    let text = std::str::from_utf8(&read).map_err(|error| CliError::Aws(format!("{line}: {error}")))?;
    let envelope = Envelope::from_json(text).map_err(|error| CliError::Aws(format!("{line}: {error}")))?;
    Ok(Some(Archived { envelope: envelope.into_owned(), location: line.clone() }))
}

/// The event `id` of `source` put into the stream at `at`: the hours its object may be under
/// listed, the objects named near `at` read nearest first, a few at a time, until its line is.
async fn find_streamed(bucket: &S3Store, at: &Stamp, source: &str, id: &str) -> Result<Option<Archived>, CliError> {
    let range = StreamRange::put_at(at);
    let mut keys = Vec::new();
    for prefix in range.prefixes() {
        keys.extend(bucket.list(&prefix, false).await.map_err(aws)?.keys.into_iter().filter(|key| range.may_hold(key)));
    }
    keys.sort_by_key(|key| range.distance(key));
    for nearest in keys.chunks(PARALLEL_LOOKUP) {
        let objects =
            futures_util::future::try_join_all(nearest.iter().map(|key| bucket.get(key, None))).await.map_err(aws)?;
        for (key, object) in nearest.iter().zip(objects) {
            let mut lines = archived_lines(key, &object, |envelope| envelope.source == source && envelope.id == id);
            if !lines.is_empty() {
                return Ok(Some(lines.swap_remove(0)));
            }
        }
    }
    Ok(None)
}

/// The records of these events, by partition key.
pub async fn records(table: &DynamoStore, keys: &[RecordKey]) -> Result<HashMap<String, RecordStatus>, CliError> {
    let chunks: Vec<Vec<RecordKey>> = keys.chunks(RECORDS_PER_TASK).map(<[RecordKey]>::to_vec).collect();
    let maps: Vec<HashMap<String, RecordStatus>> = stream::iter(chunks)
        .map(|chunk| async move { table.statuses(&chunk).await })
        .buffer_unordered(PARALLEL_READS)
        .try_collect()
        .await
        .map_err(CliError::aws_said)?;
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
    /// Its record has expired (`worker.idempotencyTtlDays`; keyed by body, also
    /// `archive.retentionDays` and `worker.replayWindowDays`): only the archive remembers it.
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
    CliError::aws_said(error)
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
