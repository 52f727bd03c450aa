//! The event store: one S3 bucket (SSE, TLS only, no public access) with these prefixes.
//!
//! * `events/_stream/{yyyy}/{mm}/{dd}/{hh}/{stream}-{version}-{yyyy}-{mm}-{dd}-{hh}-{mm}-{ss}-{uuid}`
//!   — the **archive** as Amazon Data Firehose writes it (`archive.writer: "firehose"`, the
//!   default). The worker puts each batch's new events into the stream with `PutRecordBatch`, one
//!   envelope a line (`\n`-terminated), many lines to a record ([`StreamWriter`]): Firehose bills
//!   each record rounded up to 5 KB, so a batch costs a record or two, not one per event. Firehose
//!   concatenates the records it buffered (60 s or 64 MiB) into one object, under the UTC hour of
//!   the oldest record's arrival: an event put in hour H lies under H, or H−1 when the buffer
//!   began in the hour before. The objects name no sources nor receipt times, so a reader lists
//!   the hours ([`StreamRange`]), reads the objects and filters their lines. An event's record in
//!   the state table keeps when it was put ([`ArchiveLocation::Stream`]), which narrows its
//!   search to the objects named within [`STREAM_SPAN`] of then. An event archived more than
//!   [`STREAM_LATENESS`] after its receipt (a backlog, a redrive) goes into a batch object
//!   instead, keyed by its receipt as below, so that a window of receipt times still finds it.
//! * `events/_batches/{yyyy}/{mm}/{dd}/{hh}/{first}_{last}_{unique}.{sources}.ndjson` — the
//!   archive as the worker writes it itself (`archive.writer: "worker"`, and the late events of
//!   the stream): every event it receives for the first time into one object
//!   per batch (and hour of receipt, should a batch straddle two), whatever sources it holds: one
//!   envelope per line, as the intake queued it (newline-delimited JSON). `first` and `last` are
//!   the earliest and latest `receivedAt` in the object (`20261122T054400123Z`), so a time window
//!   is found by listing one prefix per hour and reading only the objects whose span meets it;
//!   `sources` names the sources it holds, sorted, joined by `.` (which no source name holds), so
//!   a listing for one source reads only the objects that hold some of its events. Each event's
//!   record in the state table keeps its [`ArchiveLocation`]: the object, and its line's offset
//!   and length — one ranged GET finds it again. One PUT carries a whole batch: an S3 PUT per
//!   event would cost $5 per million, one per batch $0.50 in full batches of 10.
//! * `events/{source}/{yyyy}/{mm}/{dd}/{hh}/{first}_{last}_{unique}.ndjson` — the archive as
//!   stacks wrote it before: one object per batch, source and hour. Nothing writes it any more;
//!   every reader still reads it until it expires. `_stream` and `_batches` cannot be a source's
//!   name (a name starts with a letter or digit), so the layouts never meet.
//! * `bodies/{source}/{yyyy}/{mm}/{dd}/{hh}/{received}-{unique}` — **claim checks**: a body over
//!   [`INLINE_BODY_LIMIT`] is stored here by the intake before it answers `202`, and the queued
//!   envelope points at it ([`crate::envelope::BodyObject`]); the worker reads it back and checks
//!   its SHA-256, so the destination gets it byte for byte.
//!
//! Archived events expire after `archive.retentionDays`; bodies after
//! [`body_retention_days`], at least as long as a message can wait in the queues.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use bytes::Bytes;
use sha2::{Digest, Sha256};

use crate::Config;
use crate::aws::firehose::{MAX_BYTES_PER_CALL, MAX_RECORD_BYTES, MAX_RECORDS_PER_CALL};
use crate::envelope::BodyObject;

#[cfg(feature = "sdk-s3")]
mod sdk;
#[cfg(feature = "sdk-s3")]
pub use sdk::{S3Store, s3_client};

/// Where archived events are, in every layout.
pub const EVENTS_PREFIX: &str = "events/";
/// Where Firehose writes the archive stream's objects (it appends the hour, `yyyy/mm/dd/hh/`).
pub const STREAM_PREFIX: &str = "events/_stream/";
/// The name `events/` lists [`STREAM_PREFIX`] under.
pub const STREAM_DIR: &str = "_stream";
/// Where the worker archives events itself: one object per batch and hour, all sources together.
pub const BATCHES_PREFIX: &str = "events/_batches/";
/// The name `events/` lists [`BATCHES_PREFIX`] under, beside the old layout's sources.
pub const BATCHES_DIR: &str = "_batches";
/// How long after its receipt an event may be put into the archive stream. A later one (a
/// backlog in the queue, a redrive) goes into a batch object keyed by its receipt, so that a
/// reader of a window of receipt times needs to look at most this far past the window's end.
pub const STREAM_LATENESS: Duration = Duration::from_secs(10 * 60);
/// How far the time a stream object's name gives may be from the arrival of any record in it:
/// Firehose starts an object with the oldest record of its buffer, and closes it within the
/// buffer's interval (60 s here; 900 s at the most Firehose allows) — whichever of the two its
/// name gives (AWS does not say), every record arrived within this of it.
pub const STREAM_SPAN: Duration = Duration::from_secs(15 * 60);
/// How far apart the clocks of the worker, the intake and Firehose may be.
const CLOCK_SKEW: Duration = Duration::from_secs(60);
/// Where claim-checked bodies are.
pub const BODIES_PREFIX: &str = "bodies/";
/// The largest body carried inside its envelope. Base64-encoded with the largest headers API
/// Gateway passes (10 KB), the envelope stays under 360 KiB: a third of an SQS message, with room
/// for what later versions add. Larger bodies travel by claim check.
pub const INLINE_BODY_LIMIT: usize = 256 * 1024;
/// How long the dead-letter queues keep a message, in days.
pub const DEAD_LETTER_RETENTION_DAYS: u32 = 14;

/// Days a claim-checked body is kept: the archive's retention, and at least as long as its message
/// can wait in the events queue and then its dead-letter queue, so that a redrive finds it.
pub fn body_retention_days(config: &Config) -> u32 {
    config.archive.retention_days.max(config.queue.retention_days + DEAD_LETTER_RETENTION_DAYS)
}

/// A line of an archive object: where one event is, once its object is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// The object's key.
    pub key: String,
    /// Where the event's line starts, in bytes.
    pub offset: u64,
    /// The line's length in bytes, without its newline.
    pub length: u64,
}

impl fmt::Display for Line {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} bytes {}-{}", self.key, self.offset, (self.offset + self.length).saturating_sub(1))
    }
}

/// Where an archived event is, as its record in the state table keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArchiveLocation {
    /// A line of a batch object (or of an object of the layout before): one ranged GET.
    Line(Line),
    /// Put into the archive stream at this time: in a stream object under that hour's prefix or
    /// the one before, named within [`STREAM_SPAN`] of it ([`StreamRange::put_at`]).
    Stream {
        /// When the worker put it.
        at: Stamp,
    },
}

impl fmt::Display for ArchiveLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ArchiveLocation::Line(line) => line.fmt(f),
            ArchiveLocation::Stream { at } => write!(f, "the archive stream, put at {}", at.as_str()),
        }
    }
}

/// A time as the keys write it: `2026-11-22T05:44:00.123Z`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Stamp(String);

impl Stamp {
    /// The time, to the millisecond.
    pub fn of(time: SystemTime) -> Stamp {
        Stamp(humantime::format_rfc3339_millis(time).to_string())
    }

    /// An RFC 3339 time such as an envelope's `receivedAt`; `None` if it is not one.
    pub fn parse(text: &str) -> Option<Stamp> {
        crate::parse_rfc3339(text).map(Stamp::of)
    }

    /// `20261122T054400123Z`: sorts as the time does.
    pub fn compact(&self) -> String {
        self.0.chars().filter(|c| !matches!(c, '-' | ':' | '.')).collect()
    }

    /// `2026/11/22/05`.
    pub fn hour_path(&self) -> String {
        let text = &self.0;
        format!("{}/{}/{}/{}", &text[0..4], &text[5..7], &text[8..10], &text[11..13])
    }

    /// The time itself.
    pub fn time(&self) -> SystemTime {
        crate::parse_rfc3339(&self.0).unwrap_or(SystemTime::UNIX_EPOCH)
    }

    /// The RFC 3339 text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The prefix of a source's archived events received in `hour`'s hour, in the layout before
/// [`BATCHES_PREFIX`].
pub fn hour_prefix(source: &str, hour: &Stamp) -> String {
    format!("{EVENTS_PREFIX}{source}/{}/", hour.hour_path())
}

/// The prefix of the batch objects of events received in `hour`'s hour.
pub fn batches_hour_prefix(hour: &Stamp) -> String {
    format!("{BATCHES_PREFIX}{}/", hour.hour_path())
}

/// The prefix of the stream objects Firehose began in `hour`'s hour.
pub fn stream_hour_prefix(hour: &Stamp) -> String {
    format!("{STREAM_PREFIX}{}/", hour.hour_path())
}

/// Each hour from `from` to `to`, both included, as the hour's first instant.
pub fn hours(from: SystemTime, to: SystemTime) -> Vec<Stamp> {
    const HOUR: u64 = 3600;
    let hour = |time: SystemTime| time.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default().as_secs() / HOUR;
    (hour(from)..=hour(to).max(hour(from)))
        .map(|hour| Stamp::of(SystemTime::UNIX_EPOCH + Duration::from_secs(hour * HOUR)))
        .collect()
}

/// The time a stream object's name gives (`…-2026-11-22-05-44-00-{uuid}`), if it is one.
pub fn stream_object_time(key: &str) -> Option<SystemTime> {
    let name = key.strip_prefix(STREAM_PREFIX)?.rsplit('/').next()?;
    // `{stream}-{version}-{yyyy}-{mm}-{dd}-{hh}-{mm}-{ss}-{uuid: five groups}`, the stream's own
    // name possibly holding `-`: read from the end.
    let parts: Vec<&str> = name.split('-').collect();
    let time = parts.get(parts.len().checked_sub(11)?..parts.len() - 5)?;
    let [year, month, day, hour, minute, second] = time else { return None };
    crate::parse_rfc3339(&format!("{year}-{month}-{day}T{hour}:{minute}:{second}Z"))
}

/// The stream objects that may hold some events, given when the events were put into the
/// stream (`from` to `to`): those under the hours from `from` − [`STREAM_SPAN`] to `to` (the
/// hour of their oldest record), whose names give a time within [`STREAM_SPAN`] of the range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamRange {
    from: SystemTime,
    to: SystemTime,
}

impl StreamRange {
    /// The objects that may hold events received from `since` to `until`, read at `now`: each was
    /// put when received, at most [`STREAM_LATENESS`] later (and not after now).
    pub fn received(since: SystemTime, until: SystemTime, now: SystemTime) -> StreamRange {
        let to = (until + STREAM_LATENESS).min(now) + CLOCK_SKEW;
        StreamRange { from: since.checked_sub(CLOCK_SKEW).unwrap_or(since), to: to.max(since) }
    }

    /// The objects that may hold an event put at `at` (the call took at most the SDK's
    /// operation timeout).
    pub fn put_at(at: &Stamp) -> StreamRange {
        let at = at.time();
        StreamRange {
            from: at.checked_sub(CLOCK_SKEW).unwrap_or(at),
            to: at + crate::aws::OPERATION_TIMEOUT + CLOCK_SKEW,
        }
    }

    /// The prefixes to list: one per hour.
    pub fn prefixes(&self) -> Vec<String> {
        hours(self.from.checked_sub(STREAM_SPAN).unwrap_or(self.from), self.to).iter().map(stream_hour_prefix).collect()
    }

    /// Whether the object at `key` may hold some of the events: a stream object named within
    /// [`STREAM_SPAN`] of the range, or whose name gives no time.
    pub fn may_hold(&self, key: &str) -> bool {
        key.starts_with(STREAM_PREFIX)
            && stream_object_time(key)
                .is_none_or(|time| time + STREAM_SPAN >= self.from && time <= self.to + STREAM_SPAN)
    }

    /// How far the time the object's name gives is from the range: the objects to read first are
    /// the nearest (those whose name gives no time, last).
    pub fn distance(&self, key: &str) -> Duration {
        match stream_object_time(key) {
            Some(time) if time < self.from => self.from.duration_since(time).unwrap_or_default(),
            Some(time) => time.duration_since(self.to).unwrap_or_default(),
            None => Duration::MAX,
        }
    }
}

/// Every prefix that may hold events of `source` (every source's, if `None`) received in
/// `hour`'s hour: the batch objects', and the old layout's of each source in `old_sources`.
pub fn hour_prefixes(hour: &Stamp, old_sources: &[String]) -> Vec<String> {
    std::iter::once(batches_hour_prefix(hour))
        .chain(old_sources.iter().map(|source| hour_prefix(source, hour)))
        .collect()
}

/// The sources of the old layout a listing of [`EVENTS_PREFIX`] with a delimiter found.
pub fn old_layout_sources(listing: &Listing) -> Vec<String> {
    listing
        .prefixes
        .iter()
        .filter_map(|prefix| prefix.strip_prefix(EVENTS_PREFIX)?.strip_suffix('/'))
        .filter(|name| *name != BATCHES_DIR && *name != STREAM_DIR)
        .map(str::to_owned)
        .collect()
}

/// The key of a claim-checked body received at `received`.
pub fn body_key(source: &str, received: &Stamp, unique: &str) -> String {
    format!("{BODIES_PREFIX}{source}/{}/{}-{unique}", received.hour_path(), received.compact())
}

/// The key of a batch object of the events of `sources` received from `first` to `last` (one
/// hour).
pub fn batch_key<'s>(first: &Stamp, last: &Stamp, unique: &str, sources: impl IntoIterator<Item = &'s str>) -> String {
    let sources: Vec<&str> = sources.into_iter().collect();
    let mut named = sources.join(".");
    // S3 keys end at 1,024 bytes: past a budget the key stops naming the batch's sources, and
    // every source's listing reads the object (its lines still say their source).
    if named.len() > MAX_SOURCES_IN_KEY {
        named = ANY_SOURCE.to_owned();
    }
    format!("{}{}_{}_{unique}.{named}.ndjson", batches_hour_prefix(first), first.compact(), last.compact())
}

/// The bytes of a batch key given to its sources' names (the rest of the key is about 110).
const MAX_SOURCES_IN_KEY: usize = 512;
/// What a batch key says when its sources are too many to name: it may hold any source's
/// events (a source name starts with a letter or a digit, so it is never this).
const ANY_SOURCE: &str = "_any";

/// The span `first`..=`last` a batch object's key names, compact (see [`Stamp::compact`]).
pub fn batch_span(key: &str) -> Option<(&str, &str)> {
    let name = key.rsplit('/').next()?.strip_suffix(".ndjson")?;
    let mut parts = name.splitn(3, '_');
    Some((parts.next()?, parts.next()?))
}

/// Whether the object at `key` may hold events of `source`: a batch object names its sources,
/// an object of the old layout is under its source's prefix, a stream object may hold any.
pub fn may_hold(key: &str, source: &str) -> bool {
    if key.starts_with(STREAM_PREFIX) {
        return true;
    }
    match key.strip_prefix(BATCHES_PREFIX) {
        Some(rest) => {
            let name = rest.rsplit('/').next().and_then(|name| name.strip_suffix(".ndjson")).unwrap_or_default();
            name.split('.').skip(1).any(|held| held == source || held == ANY_SOURCE)
        }
        None => key
            .strip_prefix(EVENTS_PREFIX)
            .and_then(|rest| rest.strip_prefix(source))
            .is_some_and(|rest| rest.starts_with('/')),
    }
}

/// A fresh suffix that keeps two objects of the same time apart.
pub fn unique() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// The lines of a batch object, each with its location's offset.
pub fn lines(object: &[u8]) -> impl Iterator<Item = (u64, &[u8])> {
    let mut offset = 0u64;
    object.split(|byte| *byte == b'\n').filter_map(move |line| {
        let at = offset;
        offset += line.len() as u64 + 1;
        (!line.is_empty()).then_some((at, line))
    })
}

/// One batch's archive objects, built from the envelopes as received.
#[derive(Debug, Default)]
pub struct BatchWriter {
    groups: BTreeMap<String, Group>,
}

#[derive(Debug)]
struct Group {
    sources: BTreeSet<String>,
    first: Stamp,
    last: Stamp,
    lines: Vec<u8>,
    members: Vec<(usize, u64, u64)>,
}

/// An object to put, and where each of its events is in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchObject {
    /// Its key.
    pub key: String,
    /// Its content: one envelope a line.
    pub body: Bytes,
    /// The caller's index of each event, and its line.
    pub members: Vec<(usize, Line)>,
}

impl BatchWriter {
    /// Adds event `index`'s envelope (the message as received, one line of JSON), received at
    /// `received_at` (now, if that is not a time).
    pub fn add(&mut self, index: usize, source: &str, received_at: &str, envelope: &str) {
        let stamp = Stamp::parse(received_at).unwrap_or_else(|| Stamp::of(SystemTime::now()));
        let group = self.groups.entry(stamp.hour_path()).or_insert_with(|| Group {
            sources: BTreeSet::new(),
            first: stamp.clone(),
            last: stamp.clone(),
            lines: Vec::new(),
            members: Vec::new(),
        });
        if !group.sources.contains(source) {
            group.sources.insert(source.to_owned());
        }
        group.first = group.first.clone().min(stamp.clone());
        group.last = group.last.clone().max(stamp);
        let offset = group.lines.len() as u64;
        group.lines.extend_from_slice(envelope.trim_end().as_bytes());
        group.members.push((index, offset, group.lines.len() as u64 - offset));
        group.lines.push(b'\n');
    }

    /// Whether nothing was added.
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// The objects: one per hour of receipt the batch holds (one, but for a batch that straddles
    /// an hour, or events redriven after their archive expired).
    pub fn objects(self) -> Vec<BatchObject> {
        self.groups
            .into_values()
            .map(|group| {
                let key = batch_key(&group.first, &group.last, &unique(), group.sources.iter().map(String::as_str));
                let members = group
                    .members
                    .into_iter()
                    .map(|(index, offset, length)| (index, Line { key: key.clone(), offset, length }))
                    .collect();
                BatchObject { key, body: Bytes::from(group.lines), members }
            })
            .collect()
    }
}

/// One batch's records for the archive stream: each envelope a line ending in `\n`, packed in
/// order into as few records as fit ([`MAX_RECORD_BYTES`] each), and the records into as few
/// `PutRecordBatch` calls as fit ([`MAX_RECORDS_PER_CALL`] records and [`MAX_BYTES_PER_CALL`]
/// bytes each). Firehose bills a record rounded up to 5 KB: a batch of ten 1.5 KB events is one
/// 15 KB record, billed 15 KB, where ten records would be billed 50 KB.
#[derive(Debug, Default)]
pub struct StreamWriter {
    calls: Vec<StreamCall>,
    record: Vec<u8>,
    members: Vec<usize>,
}

/// One `PutRecordBatch`: its records, and the caller's index of each event in each.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StreamCall {
    /// The records.
    pub records: Vec<Bytes>,
    /// By record, the events it holds.
    pub members: Vec<Vec<usize>>,
}

impl StreamCall {
    fn bytes(&self) -> usize {
        self.records.iter().map(Bytes::len).sum()
    }
}

impl StreamWriter {
    /// Whether an envelope fits in a record at all (one too large goes into a batch object).
    pub fn fits(envelope: &str) -> bool {
        envelope.trim_end().len() < MAX_RECORD_BYTES
    }

    /// Adds event `index`'s envelope (the message as received, one line of JSON); it must
    /// [`StreamWriter::fits`].
    pub fn add(&mut self, index: usize, envelope: &str) {
        let line = envelope.trim_end().as_bytes();
        if self.record.len() + line.len() + 1 > MAX_RECORD_BYTES {
            self.close_record();
        }
        self.record.extend_from_slice(line);
        self.record.push(b'\n');
        self.members.push(index);
    }

    /// Whether nothing was added.
    pub fn is_empty(&self) -> bool {
        self.calls.is_empty() && self.members.is_empty()
    }

    /// The calls to make.
    pub fn calls(mut self) -> Vec<StreamCall> {
        self.close_record();
        self.calls
    }

    fn close_record(&mut self) {
        if self.members.is_empty() {
            return;
        }
        let record = Bytes::from(std::mem::take(&mut self.record));
        let members = std::mem::take(&mut self.members);
        let fits = self.calls.last().is_some_and(|call| {
            call.records.len() < MAX_RECORDS_PER_CALL && call.bytes() + record.len() <= MAX_BYTES_PER_CALL
        });
        if !fits {
            self.calls.push(StreamCall::default());
        }
        if let Some(call) = self.calls.last_mut() {
            call.records.push(record);
            call.members.push(members);
        }
    }
}

/// The archive stream, as the worker writes it: records put, one `PutRecordBatch` a call
/// ([`crate::aws::firehose::FirehoseStream`]).
#[async_trait]
pub trait RecordStream: Send + Sync + fmt::Debug {
    /// Puts `records` in one call: each one's outcome, in order (`Err`: why it was not written);
    /// `Err` if the call failed as a whole.
    async fn put_records(&self, records: &[Bytes]) -> Result<Vec<Result<(), String>>, ArchiveError>;
}

/// The archive stream in memory, for unit tests: each call's records are written at once into
/// one object under [`STREAM_PREFIX`] of `objects`, as moto's Firehose does; it can be told to
/// fail whole calls, or the records that hold a given text.
#[derive(Debug, Default)]
pub struct MemoryStream {
    /// Where the records go.
    pub objects: MemoryObjects,
    failing_records: Mutex<Option<String>>,
    calls: Mutex<usize>,
}

impl MemoryStream {
    /// From now on, every record that holds `text` fails (`None`: none does).
    pub fn fail_records_holding(&self, text: Option<&str>) {
        *self.failing_records.lock().unwrap_or_else(PoisonError::into_inner) = text.map(str::to_owned);
    }

    /// The calls made so far.
    pub fn calls(&self) -> usize {
        *self.calls.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait]
impl RecordStream for MemoryStream {
    async fn put_records(&self, records: &[Bytes]) -> Result<Vec<Result<(), String>>, ArchiveError> {
        self.objects.check()?;
        *self.calls.lock().unwrap_or_else(PoisonError::into_inner) += 1;
        let failing = self.failing_records.lock().unwrap_or_else(PoisonError::into_inner).clone();
        let fails = |record: &Bytes| {
            failing.as_deref().is_some_and(|text| record.windows(text.len()).any(|window| window == text.as_bytes()))
        };
        let written: Vec<u8> = records.iter().filter(|record| !fails(record)).flatten().copied().collect();
        if !written.is_empty() {
            let now = Stamp::of(SystemTime::now());
            let time = now.as_str()[..19].replace(['T', ':'], "-");
            let key = format!("{}memory-1-{time}-{}", stream_hour_prefix(&now), uuid::Uuid::new_v4());
            self.objects.put(&key, Bytes::from(written)).await?;
        }
        Ok(records
            .iter()
            .map(|record| if fails(record) { Err("InternalFailure: told to fail".to_owned()) } else { Ok(()) })
            .collect())
    }
}

/// The bucket cannot be read or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArchiveError {
    /// No such object (expired, or never written).
    #[error("archive: no object {0}")]
    NotFound(String),
    /// S3 failed or could not be reached.
    #[error("archive: {0}")]
    Unavailable(String),
    /// A claim-checked body is not the one the envelope names.
    #[error("archive: {key} is not the body the envelope names ({reason})")]
    Mismatch {
        /// The object.
        key: String,
        /// What differs.
        reason: String,
    },
}

/// What a listing found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Listing {
    /// The keys under the prefix (without a delimiter: all of them).
    pub keys: Vec<String>,
    /// With a delimiter: the next level of prefixes, e.g. `events/github/`.
    pub prefixes: Vec<String>,
}

/// The archive bucket, as the Lambdas use it: objects written and read by key. Listing is the
/// command line's (`S3Store::list`, feature `sdk-s3`); the Lambdas' store is
/// [`crate::aws::s3::S3Objects`].
#[async_trait]
pub trait ObjectStore: Send + Sync + fmt::Debug {
    /// Writes an object.
    async fn put(&self, key: &str, body: Bytes) -> Result<(), ArchiveError>;

    /// Reads an object, or `length` bytes of it from `offset`.
    async fn get(&self, key: &str, range: Option<(u64, u64)>) -> Result<Bytes, ArchiveError>;

    /// Reads an archived event's line.
    async fn line(&self, line: &Line) -> Result<Bytes, ArchiveError> {
        self.get(&line.key, Some((line.offset, line.length))).await
    }
}

/// Reads a claim-checked body back, and checks that it is, byte for byte, the one the envelope
/// names: its size and its SHA-256.
pub async fn read_body(store: &dyn ObjectStore, object: &BodyObject<'_>) -> Result<Bytes, ArchiveError> {
    let body = store.get(&object.key, None).await?;
    let mismatch = |reason: String| ArchiveError::Mismatch { key: object.key.clone().into_owned(), reason };
    if body.len() as u64 != object.size {
        return Err(mismatch(format!("{} bytes, not {}", body.len(), object.size)));
    }
    if !hex::encode(Sha256::digest(&body)).eq_ignore_ascii_case(&object.sha256) {
        return Err(mismatch("its SHA-256 differs".into()));
    }
    Ok(body)
}

/// The bucket in memory, for unit tests and benchmarks; it can be told to fail.
#[derive(Debug, Default)]
pub struct MemoryObjects {
    objects: Mutex<BTreeMap<String, Bytes>>,
    failing: Mutex<bool>,
}

impl MemoryObjects {
    /// From now on, every call fails as if S3 could not be reached (or works again).
    pub fn fail(&self, failing: bool) {
        *self.failing.lock().unwrap_or_else(PoisonError::into_inner) = failing;
    }

    /// Every key, in order.
    pub fn keys(&self) -> Vec<String> {
        self.objects.lock().unwrap_or_else(PoisonError::into_inner).keys().cloned().collect()
    }

    /// Lists a prefix as `S3Store::list` does.
    pub async fn list(&self, prefix: &str, delimited: bool) -> Result<Listing, ArchiveError> {
        self.check()?;
        let objects = self.objects.lock().unwrap_or_else(PoisonError::into_inner);
        let mut listing = Listing::default();
        for key in objects.keys().filter(|key| key.starts_with(prefix)) {
            match key[prefix.len()..].find('/') {
                Some(slash) if delimited => {
                    let next = key[..prefix.len() + slash + 1].to_owned();
                    if listing.prefixes.last() != Some(&next) {
                        listing.prefixes.push(next);
                    }
                }
                _ => listing.keys.push(key.clone()),
            }
        }
        Ok(listing)
    }

    fn check(&self) -> Result<(), ArchiveError> {
        if *self.failing.lock().unwrap_or_else(PoisonError::into_inner) {
            return Err(ArchiveError::Unavailable("unreachable (told to fail)".into()));
        }
        Ok(())
    }
}

#[async_trait]
impl ObjectStore for MemoryObjects {
    async fn put(&self, key: &str, body: Bytes) -> Result<(), ArchiveError> {
        self.check()?;
        self.objects.lock().unwrap_or_else(PoisonError::into_inner).insert(key.to_owned(), body);
        Ok(())
    }

    async fn get(&self, key: &str, range: Option<(u64, u64)>) -> Result<Bytes, ArchiveError> {
        self.check()?;
        let objects = self.objects.lock().unwrap_or_else(PoisonError::into_inner);
        let object = objects.get(key).ok_or_else(|| ArchiveError::NotFound(key.to_owned()))?;
        Ok(match range {
            Some((offset, length)) => {
                let start = usize::try_from(offset).unwrap_or(usize::MAX).min(object.len());
                let end = usize::try_from(offset + length).unwrap_or(usize::MAX).min(object.len());
                object.slice(start..end)
            }
            None => object.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_of_many_long_named_sources_stays_within_s3s_key_limit() {
        let at = Stamp::parse("2026-11-22T05:44:00.123Z").unwrap();
        let names: Vec<String> = (0..20).map(|index| format!("{index:02}{}", "s".repeat(62))).collect();
        let key = batch_key(&at, &at, &unique(), names.iter().map(String::as_str));
        assert!(key.len() <= 1024, "{} bytes: {key}", key.len());
        assert!(names.iter().all(|name| may_hold(&key, name)), "every source's listing reads it: {key}");
        assert_eq!(batch_span(&key).map(|(first, _)| first), Some("20261122T054400123Z"));
    }

    #[test]
    fn keys_list_by_hour_name_their_sources_and_sort_by_time() {
        let received = Stamp::parse("2026-11-22T05:44:00.123Z").unwrap();
        assert_eq!(received.compact(), "20261122T054400123Z");
        assert_eq!(hour_prefix("stripe", &received), "events/stripe/2026/11/22/05/");
        assert_eq!(batches_hour_prefix(&received), "events/_batches/2026/11/22/05/");
        assert_eq!(body_key("stripe", &received, "u1"), "bodies/stripe/2026/11/22/05/20261122T054400123Z-u1");
        let last = Stamp::parse("2026-11-22T05:59:59Z").unwrap();
        let key = batch_key(&received, &last, "u2", ["github", "my_shop-2"]);
        assert_eq!(
            key,
            "events/_batches/2026/11/22/05/20261122T054400123Z_20261122T055959000Z_u2.github.my_shop-2.ndjson"
        );
        assert_eq!(batch_span(&key), Some(("20261122T054400123Z", "20261122T055959000Z")));
        assert!(may_hold(&key, "github") && may_hold(&key, "my_shop-2"));
        assert!(!may_hold(&key, "git") && !may_hold(&key, "shop-2") && !may_hold(&key, "u2"));
        let old = "events/stripe/2026/11/22/05/20261122T054400123Z_20261122T055959000Z_u2.ndjson";
        assert_eq!(batch_span(old), Some(("20261122T054400123Z", "20261122T055959000Z")), "the old layout's keys");
        assert!(may_hold(old, "stripe") && !may_hold(old, "str"));
        assert_eq!(batch_span("events/stripe/2026/11/22/05/other"), None);
        assert!(Stamp::parse("yesterday").is_none());
        let top = Listing {
            keys: Vec::new(),
            prefixes: vec!["events/2026/".into(), "events/_batches/".into(), "events/stripe/".into()],
        };
        assert_eq!(old_layout_sources(&top), ["2026", "stripe"], "a source named 2026 is a source of the old layout");
        assert_eq!(
            hour_prefixes(&received, &["stripe".into()]),
            ["events/_batches/2026/11/22/05/", "events/stripe/2026/11/22/05/"]
        );
    }

    #[test]
    fn a_batch_is_one_object_per_hour_whatever_its_sources_and_every_line_is_found_again() {
        let mut writer = BatchWriter::default();
        let envelopes = [
            ("stripe", "2026-11-22T05:44:00.123Z", r#"{"id":"evt_1"}"#),
            ("github", "2026-11-22T05:44:01Z", r#"{"id":"gh_1"}"#),
            ("stripe", "2026-11-22T05:10:00Z", r#"{"id":"evt_0"}"#),
            ("shopify", "2026-11-22T05:50:00Z", r#"{"id":"sh_1"}"#),
            ("stripe", "2026-11-22T06:00:00Z", r#"{"id":"evt_2"}"#),
        ];
        for (index, (source, at, envelope)) in envelopes.iter().enumerate() {
            writer.add(index, source, at, envelope);
        }
        let objects = writer.objects();
        assert_eq!(objects.len(), 2, "05h (three sources) and 06h: {objects:?}");
        let five = &objects[0];
        assert_eq!(five.members.len(), 4);
        assert_eq!(batch_span(&five.key), Some(("20261122T051000000Z", "20261122T055000000Z")));
        assert!(five.key.starts_with("events/_batches/2026/11/22/05/"), "{}", five.key);
        assert!(five.key.ends_with(".github.shopify.stripe.ndjson"), "sources sorted, each once: {}", five.key);
        assert!(objects[1].key.ends_with(".stripe.ndjson"), "{}", objects[1].key);
        for object in &objects {
            for (index, location) in &object.members {
                let (start, end) = (location.offset as usize, (location.offset + location.length) as usize);
                assert_eq!(&object.body[start..end], envelopes[*index].2.as_bytes());
            }
            let read: Vec<(u64, &[u8])> = lines(&object.body).collect();
            assert_eq!(read.len(), object.members.len());
            assert_eq!(read[0].0, 0);
        }
    }

    #[test]
    fn a_stream_objects_name_gives_its_time_and_a_range_lists_the_hours_it_may_be_under() {
        let key = "events/_stream/2026/11/22/05/hookway-staging-archive-1-2026-11-22-05-44-00-0f8e3c52-6a0b-4c1e-9d7a-5b2e1f3a4c6d";
        let time = stream_object_time(key).unwrap();
        assert_eq!(Stamp::of(time).as_str(), "2026-11-22T05:44:00.000Z", "a stream name with dashes");
        assert_eq!(stream_object_time("events/_stream/2026/11/22/05/short-1-2026"), None);
        assert_eq!(stream_object_time("events/_batches/2026/11/22/05/x-1-2026-11-22-05-44-00-a-b-c-d-e"), None);
        assert!(may_hold(key, "stripe") && may_hold(key, "github"), "a stream object may hold any source");
        let top = Listing {
            keys: Vec::new(),
            prefixes: vec!["events/_batches/".into(), "events/_stream/".into(), "events/stripe/".into()],
        };
        assert_eq!(old_layout_sources(&top), ["stripe"]);

        // Put at 06:05: under 06 or 05 (its buffer may have begun in the hour before).
        let at = |text: &str| Stamp::parse(text).unwrap();
        let put = StreamRange::put_at(&at("2026-11-22T06:05:00Z"));
        assert_eq!(put.prefixes(), ["events/_stream/2026/11/22/05/", "events/_stream/2026/11/22/06/"]);
        let named =
            |time: &str| format!("events/_stream/2026/11/22/06/s-1-{time}-0f8e3c52-6a0b-4c1e-9d7a-5b2e1f3a4c6d");
        assert!(put.may_hold(&named("2026-11-22-06-05-30")) && put.may_hold(&named("2026-11-22-05-51-00")));
        assert!(!put.may_hold(&named("2026-11-22-05-40-00")) && !put.may_hold(&named("2026-11-22-06-30-00")));
        assert!(put.may_hold("events/_stream/2026/11/22/06/unnamed"), "a name without a time is read");
        assert!(!put.may_hold("events/_batches/2026/11/22/06/x.ndjson"));
        assert!(put.distance(&named("2026-11-22-06-05-10")) < put.distance(&named("2026-11-22-05-55-00")));
        assert_eq!(put.distance(&named("2026-11-22-06-05-10")), Duration::ZERO);

        // Received 07:10 to 07:20, read long after: the hours from 06 (a buffer begun before) to
        // 07 (put at most ten minutes late); read now, nothing past now.
        let (since, until) = (at("2026-11-22T07:10:00Z").time(), at("2026-11-22T07:20:00Z").time());
        let window = StreamRange::received(since, until, at("2026-11-23T00:00:00Z").time());
        assert_eq!(window.prefixes(), ["events/_stream/2026/11/22/06/", "events/_stream/2026/11/22/07/"]);
        assert!(window.may_hold(&named("2026-11-22-07-40-00")) && !window.may_hold(&named("2026-11-22-07-50-00")));
        let now = StreamRange::received(since, until, at("2026-11-22T07:25:00Z").time());
        assert!(!now.may_hold(&named("2026-11-22-07-45-00")), "not past now and its span");
        assert_eq!(hours(at("2026-11-22T23:59:00Z").time(), at("2026-11-23T00:00:00Z").time()).len(), 2);
    }

    #[test]
    fn a_batch_is_packed_into_as_few_records_and_calls_as_fit() {
        let mut writer = StreamWriter::default();
        assert!(writer.is_empty());
        let small = format!("{{\"id\":\"{}\"}}\n", "x".repeat(1500));
        for index in 0..10 {
            writer.add(index, &small);
        }
        let calls = writer.calls();
        assert_eq!(calls.len(), 1);
        assert_eq!((calls[0].records.len(), calls[0].members[0].len()), (1, 10), "ten events, one record");
        let record = &calls[0].records[0];
        assert_eq!(record.iter().filter(|byte| **byte == b'\n').count(), 10, "each line ends in a newline");
        assert!(record.ends_with(b"\n") && !record.windows(2).any(|pair| pair == b"\n\n"));

        // 300 KiB envelopes: three to a record (1,000 KiB), four records to a call (4 MiB).
        let large = "y".repeat(300 * 1024);
        assert!(StreamWriter::fits(&large) && !StreamWriter::fits(&"z".repeat(MAX_RECORD_BYTES)));
        let mut writer = StreamWriter::default();
        for index in 0..45 {
            writer.add(index, &large);
        }
        let calls = writer.calls();
        assert!(
            calls.iter().all(|call| call.bytes() <= MAX_BYTES_PER_CALL && call.records.len() <= MAX_RECORDS_PER_CALL)
        );
        assert!(calls.iter().flat_map(|call| &call.records).all(|record| record.len() <= MAX_RECORD_BYTES));
        assert_eq!(calls.iter().map(|call| call.records.len()).sum::<usize>(), 15);
        assert_eq!((calls.len(), calls[0].records.len()), (4, 4));
        let members: Vec<usize> = calls.iter().flat_map(|call| call.members.iter().flatten().copied()).collect();
        assert_eq!(members, (0..45).collect::<Vec<_>>(), "every event once, in order");

        // An envelope that does not fit beside the one before starts a record of its own.
        let mut writer = StreamWriter::default();
        let mid = "w".repeat(600 * 1024);
        for index in 0..3 {
            writer.add(index, &mid);
        }
        assert_eq!(writer.calls()[0].records.len(), 3, "600 KiB each: one a record");
    }

    #[tokio::test]
    async fn the_memory_stream_writes_what_succeeds_and_fails_on_cue() {
        let stream = MemoryStream::default();
        let records = [Bytes::from_static(b"{\"id\":\"a\"}\n"), Bytes::from_static(b"{\"id\":\"b\"}\n")];
        stream.fail_records_holding(Some("\"b\""));
        let outcomes = stream.put_records(&records).await.unwrap();
        assert!(outcomes[0].is_ok() && outcomes[1].is_err());
        let keys = stream.objects.keys();
        assert_eq!(keys.len(), 1);
        assert!(stream_object_time(&keys[0]).is_some(), "named as Firehose names: {}", keys[0]);
        assert_eq!(stream.objects.get(&keys[0], None).await.unwrap(), Bytes::from_static(b"{\"id\":\"a\"}\n"));
        stream.objects.fail(true);
        assert!(stream.put_records(&records).await.is_err());
        assert_eq!(stream.calls(), 1);
    }

    #[tokio::test]
    async fn a_body_reads_back_only_if_it_is_the_one_named() {
        let store = MemoryObjects::default();
        store.put("bodies/a", Bytes::from_static(b"hello")).await.unwrap();
        let sha256 = hex::encode(Sha256::digest(b"hello"));
        let named = |size, sha256: &str| BodyObject { key: "bodies/a".into(), size, sha256: sha256.to_owned().into() };
        assert_eq!(read_body(&store, &named(5, &sha256)).await.unwrap(), Bytes::from_static(b"hello"));
        assert!(matches!(read_body(&store, &named(6, &sha256)).await, Err(ArchiveError::Mismatch { .. })));
        assert!(matches!(read_body(&store, &named(5, "00")).await, Err(ArchiveError::Mismatch { .. })));
        let gone = BodyObject { key: "bodies/gone".into(), size: 5, sha256: sha256.into() };
        assert!(matches!(read_body(&store, &gone).await, Err(ArchiveError::NotFound(_))));
    }

    #[tokio::test]
    async fn the_memory_store_lists_reads_ranges_and_fails_on_cue() {
        let store = MemoryObjects::default();
        store.put("events/a/1", Bytes::from_static(b"0123456789")).await.unwrap();
        store.put("events/b/2", Bytes::from_static(b"x")).await.unwrap();
        assert_eq!(store.get("events/a/1", Some((2, 3))).await.unwrap(), Bytes::from_static(b"234"));
        let top = store.list(EVENTS_PREFIX, true).await.unwrap();
        assert_eq!(top.prefixes, ["events/a/", "events/b/"]);
        assert_eq!(store.list("events/a/", false).await.unwrap().keys, ["events/a/1"]);
        assert_eq!(store.get("events/c", None).await, Err(ArchiveError::NotFound("events/c".into())));
        store.fail(true);
        assert!(matches!(store.put("k", Bytes::new()).await, Err(ArchiveError::Unavailable(_))));
    }
}
