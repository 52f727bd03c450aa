//! The event store: one S3 bucket (SSE, TLS only, no public access) with two prefixes.
//!
//! * `events/_batches/{yyyy}/{mm}/{dd}/{hh}/{first}_{last}_{unique}.{sources}.ndjson` — the
//!   **archive**. The worker writes every event it receives for the first time into one object
//!   per batch (and hour of receipt, should a batch straddle two), whatever sources it holds: one
//!   envelope per line, as the intake queued it (newline-delimited JSON). `first` and `last` are
//!   the earliest and latest `receivedAt` in the object (`20261122T054400123Z`), so a time window
//!   is found by listing one prefix per hour and reading only the objects whose span meets it;
//!   `sources` names the sources it holds, sorted, joined by `.` (which no source name holds), so
//!   a listing for one source reads only the objects that hold some of its events. Each event's
//!   record in the state table keeps its [`ArchiveLocation`]: the object, and its line's offset
//!   and length — one ranged GET finds it again. One PUT carries a whole batch: an S3 PUT per
//!   event would cost $5 per million, one per source and hour of a batch (the layout before)
//!   $1.50 with three sources in full batches of 10, one per batch $0.50.
//! * `events/{source}/{yyyy}/{mm}/{dd}/{hh}/{first}_{last}_{unique}.ndjson` — the archive as
//!   stacks wrote it before: one object per batch, source and hour. Nothing writes it any more;
//!   every reader still reads it until it expires. `_batches` cannot be a source's name (a name
//!   starts with a letter or digit), so the two layouts never meet.
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
use std::time::SystemTime;

use async_trait::async_trait;
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::Config;
use crate::envelope::BodyObject;

#[cfg(feature = "sdk-s3")]
mod sdk;
#[cfg(feature = "sdk-s3")]
pub use sdk::{S3Store, s3_client};

/// Where archived events are, in either layout.
pub const EVENTS_PREFIX: &str = "events/";
/// Where the worker archives events: one object per batch and hour, all sources together.
pub const BATCHES_PREFIX: &str = "events/_batches/";
/// The name `events/` lists [`BATCHES_PREFIX`] under, beside the old layout's sources.
pub const BATCHES_DIR: &str = "_batches";
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

/// Where an archived event is: its batch object, and its line within it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArchiveLocation {
    /// The object's key.
    pub key: String,
    /// Where the event's line starts, in bytes.
    pub offset: u64,
    /// The line's length in bytes, without its newline.
    pub length: u64,
}

impl fmt::Display for ArchiveLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} bytes {}-{}", self.key, self.offset, (self.offset + self.length).saturating_sub(1))
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
        .filter(|name| *name != BATCHES_DIR)
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
/// an object of the old layout is under its source's prefix.
pub fn may_hold(key: &str, source: &str) -> bool {
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
    /// The caller's index of each event, and its location.
    pub members: Vec<(usize, ArchiveLocation)>,
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
                    .map(|(index, offset, length)| (index, ArchiveLocation { key: key.clone(), offset, length }))
                    .collect();
                BatchObject { key, body: Bytes::from(group.lines), members }
            })
            .collect()
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
    async fn line(&self, location: &ArchiveLocation) -> Result<Bytes, ArchiveError> {
        self.get(&location.key, Some((location.offset, location.length))).await
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
