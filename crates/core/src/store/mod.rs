//! The state table: what the worker has processed, which version of each entity it has applied,
//! and every job's status. One DynamoDB table (partition key `pk`, TTL attribute `expiresAt`)
//! holds three kinds of item:
//!
//! | `pk` | item |
//! |---|---|
//! | `event#<source>#<event id>`, or `event#<source>#body:<key>` where the source does not sign its ids (`<key>`: a digest of source and body, what the signature covers) | a webhook's idempotency record: `IN_PROGRESS` → `COMPLETED`, or `WAITING` for its next attempt in the events queue, or `FAILED` (left to the queue's retries, or dead-lettered), with its deliveries, its place in the archive (`archive`) and the replay runs that sent it again (`replays`) |
//! | the event's key and `#replay#<run>` | the record of a replay run's delivery of the event, as above |
//! | `job#<job id>` | a job's record: `ACCEPTED` → `RUNNING` → `SUCCEEDED` or `FAILED` |
//! | `entity#<source>#<entity key>` | the newest version applied to an entity |
//!
//! A record is *claimed* before its handler runs: it becomes running, locked until the
//! invocation's deadline. A second delivery finds it running (and is retried later, never run
//! twice at once) or finished (and is acknowledged without running the handler again). A lock
//! whose invocation died expires with it. A claim whose payload digest differs from the one the
//! record was created with never takes the record, whatever its state: it is a [`Claimed::Conflict`],
//! so that whoever sends first under an id cannot have a different payload acknowledged as a
//! duplicate of it, nor a different payload take over its retries. [`DynamoStore`] and [`MemoryStore`] keep exactly
//! these rules; one test suite holds both to them.
//!
//! Each handler a route names makes one [`Delivery`] of the event, kept in the event's own item
//! (a map `deliveries`, keyed by the handler's name): the claim hands back the deliveries of
//! earlier attempts, so one that succeeded is never repeated, and the outcome writes them with
//! the record's status. However many handlers an event has, it costs two writes: claim and
//! outcome. A delivery that is to be tried again keeps how much of its retry schedule it has used
//! and when it may be tried next ([`NextAttempt`]).
//!
//! An event sent back to the events queue to wait carries a sequence number, and so does its
//! record: a copy older than the record's (left by an invocation that died after sending the
//! newer one) is [`Claimed::Stale`], and dropped.

mod dynamo;
mod memory;

use std::collections::HashSet;
use std::future::Future;

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use self::dynamo::{DynamoStore, PARKED_INDEX, is_condition_failure, store_error, written};
pub use self::memory::MemoryStore;
use crate::archive::ArchiveLocation;

/// Before the key of an event record keyed by its body.
const BODY_KEYED: &str = "body:";

/// What a record tracks: it fixes the key and the names of the states.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A webhook event, by source and event id.
    Event,
    /// A `POST /jobs` job, by job id.
    Job,
}

/// Where a record stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// A job accepted and waiting for its (next) attempt; an event waiting in the events queue
    /// for its next attempt.
    Waiting,
    /// A handler is running it, until the lock expires.
    Running,
    /// Done: a re-delivery is acknowledged without running the handler.
    Done,
    /// Its last attempt failed. An event is retried by the queue; a job has no attempt left.
    Failed,
}

impl State {
    /// The `status` stored for this state.
    pub fn name(self, kind: Kind) -> &'static str {
        match (kind, self) {
            (Kind::Event, State::Waiting) => "WAITING",
            (Kind::Event, State::Running) => "IN_PROGRESS",
            (Kind::Event, State::Done) => "COMPLETED",
            (Kind::Job, State::Waiting) => "ACCEPTED",
            (Kind::Job, State::Running) => "RUNNING",
            (Kind::Job, State::Done) => "SUCCEEDED",
            (_, State::Failed) => "FAILED",
        }
    }

    fn parse(kind: Kind, name: &str) -> Option<State> {
        [State::Waiting, State::Running, State::Done, State::Failed].into_iter().find(|state| state.name(kind) == name)
    }
}

/// The key of a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordKey {
    kind: Kind,
    pk: String,
}

impl RecordKey {
    /// A webhook event's record.
    pub fn event(source: &str, id: &str) -> RecordKey {
        RecordKey { kind: Kind::Event, pk: format!("event#{source}#{id}") }
    }

    /// The record of a replay run's delivery of the event whose record is `event`: apart from the
    /// event's own, so a replay is not taken for a duplicate, and one replay run delivers it once —
    /// for an event keyed by its body, once however many copies of that body the run sends.
    pub fn replay(event: &RecordKey, run: &str) -> RecordKey {
        RecordKey { kind: Kind::Event, pk: format!("{}#replay#{run}", event.pk) }
    }

    /// A webhook event's record keyed by what its signature covers — its source and the body's
    /// SHA-256 ([`crate::scheme::body_key`]) — for a source whose signature does not cover its id
    /// (GitHub, Shopify): a signed body re-sent under any number of new ids, or with another type
    /// in an unsigned header, is one event.
    pub fn event_body(source: &str, body: &[u8]) -> RecordKey {
        let key = crate::scheme::body_key(source, body);
        RecordKey { kind: Kind::Event, pk: format!("event#{source}#{BODY_KEYED}{key}") }
    }

    /// Whether it is the record of an event keyed by its body, or of a replay run's delivery of one.
    pub fn is_body_keyed(&self) -> bool {
        self.kind == Kind::Event
            && self
                .pk
                .strip_prefix("event#")
                .and_then(|rest| rest.split_once('#'))
                .is_some_and(|(_, key)| key.starts_with(BODY_KEYED))
    }

    /// An event's record by its partition key, as read from the table.
    pub(crate) fn from_event_pk(pk: String) -> RecordKey {
        RecordKey { kind: Kind::Event, pk }
    }

    /// A job's record.
    pub fn job(id: &str) -> RecordKey {
        RecordKey { kind: Kind::Job, pk: format!("job#{id}") }
    }

    /// What the record tracks.
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// The partition key.
    pub fn pk(&self) -> &str {
        &self.pk
    }
}

/// A claim on a record, before its handler runs.
#[derive(Debug, Clone)]
pub struct Claim<'a> {
    /// The record.
    pub key: &'a RecordKey,
    /// A digest of the payload, to notice a different payload under the same id.
    pub digest: &'a str,
    /// The event or job type, kept on the record.
    pub event_type: Option<&'a str>,
    /// The lock's end, in Unix seconds: the invocation's deadline.
    pub locked_until: i64,
    /// Now, in Unix seconds.
    pub now: i64,
    /// When the record may be deleted, in Unix seconds.
    pub expires_at: i64,
    /// Where the event was archived, if this receive archived it: kept unless the record already
    /// has a place.
    pub archive: Option<&'a ArchiveLocation>,
    /// The event's retry sequence number (0 until the worker first sends it back to the queue).
    pub sequence: u32,
    /// The event's id, kept on a record keyed by its body ([`RecordKey::event_body`]), so that
    /// `hookway events show ID` can find it.
    pub event_id: Option<&'a str>,
}

/// What a claim found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claimed {
    /// This invocation holds the record now; `attempts` counts this one.
    Acquired {
        /// Attempts so far, this one included.
        attempts: u32,
        /// The deliveries earlier attempts recorded, by index.
        deliveries: Vec<Delivery>,
    },
    /// Processed already, with the same payload: acknowledge without running the handler.
    AlreadyDone,
    /// The record was created with another payload under the same id: not taken, whatever its
    /// state. The event is not the one the id names, nor a duplicate of it.
    Conflict {
        /// The digest the record was created with.
        stored: String,
    },
    /// Another invocation is running it: leave it for a later retry.
    Busy,
    /// A leftover copy: the event waits for a later attempt under a newer sequence number.
    Stale,
}

/// How a claimed record ends.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The handler succeeded, with an optional result (a job's).
    Succeeded(Option<Value>),
    /// The handler failed. `final_attempt`: no retry will follow (a job's last attempt).
    Failed {
        /// Why.
        error: String,
        /// Whether this was the last attempt.
        final_attempt: bool,
    },
    /// An event sent back to the events queue to wait for its next attempt, under this sequence
    /// number; with the failure that made it wait, if one did (an error recorded before stays).
    Waiting {
        /// The sequence number of the copy that waits.
        sequence: u32,
        /// Why, when an attempt failed.
        error: Option<String>,
    },
    /// An event parked in its own record, out of the events queue, until the sweep releases it
    /// back there (see [`Parking`]): it waits under this sequence number.
    Parked {
        /// The sequence number of the copy parked.
        sequence: u32,
        /// Why, when an attempt failed.
        error: Option<String>,
        /// What the sweep needs to release it.
        parking: Parking,
    },
}

/// A parked event: held in its record, indexed by destination and due time (the table's
/// `parked` index), so that a wait costs nothing per minute and a destination's outage keeps
/// nothing in the events queue. The sweep sends it back to the queue when it is due, or when its
/// destination's probe succeeds or it is resumed ([`StateStore::parked`], [`StateStore::unpark`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parking {
    /// The destination it waits for (its URL): the index's partition.
    pub destination: String,
    /// When its schedule releases it (Unix ms); [`HELD`] while its destination is paused.
    pub due_ms: i64,
    /// Why it is held beyond its time, if it is.
    pub hold: Option<Hold>,
    /// The message to send back to the events queue: the envelope, with its next retry.
    pub message: String,
    /// The message's attributes: name, data type, value.
    pub attributes: Vec<(String, String, String)>,
    /// When it was parked (Unix ms).
    pub parked_at: i64,
}

/// The due time of an event held until its destination is resumed: after any real time.
pub const HELD: i64 = 9_007_199_254_740_991;

/// Why a parked event is held for its destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hold {
    /// The destination's circuit is open: released when its probe succeeds, or when due.
    Circuit,
    /// An operator paused the destination: released when resumed.
    Paused,
}

impl Hold {
    /// The name stored (`parkedHold`).
    pub fn name(self) -> &'static str {
        match self {
            Hold::Circuit => "circuit",
            Hold::Paused => "paused",
        }
    }

    /// The hold of a stored name.
    pub fn parse(name: &str) -> Option<Hold> {
        [Hold::Circuit, Hold::Paused].into_iter().find(|hold| hold.name() == name)
    }
}

/// A parked event as the `parked` index lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParkedEvent {
    /// Its record's partition key.
    pub pk: String,
    /// Its parking.
    pub parking: Parking,
}

impl Outcome {
    /// The state a record in this outcome is left in.
    pub fn state(&self, kind: Kind) -> State {
        match (self, kind) {
            (Outcome::Succeeded(_), _) => State::Done,
            (Outcome::Failed { final_attempt: false, .. }, Kind::Job)
            | (Outcome::Waiting { .. } | Outcome::Parked { .. }, _) => State::Waiting,
            (Outcome::Failed { .. }, _) => State::Failed,
        }
    }
}

/// One handler's delivery of an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// The handler, as [`crate::config::HandlerConfig::delivery_name`] names it: `forward <url>`,
    /// `custom <name>` or `log`. It keys the delivery within its event.
    pub destination: String,
    /// Its place among the route's handlers.
    pub index: u32,
    /// Where it stands.
    pub status: DeliveryStatus,
    /// Attempts made (requests sent, for `forward`), over every receive of the event.
    pub attempts: u32,
    /// The destination's last HTTP status.
    pub last_status: Option<u16>,
    /// How long its last attempt took, in milliseconds: the last request sent, for `forward`.
    pub latency_ms: Option<u64>,
    /// The last attempt's error.
    pub error: Option<String>,
    /// When it succeeded, in Unix seconds.
    pub delivered_at: Option<i64>,
    /// When it last changed, in Unix seconds.
    pub updated_at: i64,
    /// Entries of its retry schedule used: series of attempts that failed.
    pub retries: u32,
    /// When it may be tried again, and why not before.
    pub next_attempt: Option<NextAttempt>,
}

/// When a delivery may be tried again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NextAttempt {
    /// The time, in Unix milliseconds.
    pub at_ms: i64,
    /// Why not before.
    pub reason: WaitReason,
}

/// Why a delivery waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitReason {
    /// A series of attempts failed: the next starts when the retry schedule says.
    Schedule,
    /// The destination asked for it (`Retry-After`, or a 429).
    RetryAfter,
    /// The destination's circuit is open, until its cool-down ends.
    CircuitOpen,
    /// A slot of the destination's rate limit is reserved for it, at exactly this time.
    RateLimit,
    /// The invocation ran out of time before it was tried.
    NoTime,
    /// An operator paused the destination: held until it is resumed.
    Paused,
}

impl WaitReason {
    /// The name stored.
    pub fn name(self) -> &'static str {
        match self {
            WaitReason::Schedule => "schedule",
            WaitReason::RetryAfter => "retry-after",
            WaitReason::CircuitOpen => "circuit-open",
            WaitReason::RateLimit => "rate-limit",
            WaitReason::NoTime => "no-time",
            WaitReason::Paused => "paused",
        }
    }

    /// The reason of a stored name.
    pub fn parse(name: &str) -> Option<WaitReason> {
        [
            WaitReason::Schedule,
            WaitReason::RetryAfter,
            WaitReason::CircuitOpen,
            WaitReason::RateLimit,
            WaitReason::NoTime,
            WaitReason::Paused,
        ]
        .into_iter()
        .find(|reason| reason.name() == name)
    }
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    /// Done: a later attempt of the event skips it.
    Succeeded,
    /// Failed; the event is retried, and this delivery with it.
    Failed,
    /// Put off without a failure of its own (the destination asked to wait, its circuit is open,
    /// or its rate limit is reached): tried again at its next attempt.
    Delayed,
    /// The destination refused it for good: the event went to the dead-letter queue. A redrive
    /// tries it again.
    DeadLettered,
}

impl DeliveryStatus {
    /// The `status` stored.
    pub fn name(self) -> &'static str {
        match self {
            DeliveryStatus::Succeeded => "SUCCEEDED",
            DeliveryStatus::Failed => "FAILED",
            DeliveryStatus::Delayed => "DELAYED",
            DeliveryStatus::DeadLettered => "DEAD_LETTERED",
        }
    }

    /// The status of a stored name.
    pub fn parse(name: &str) -> Option<DeliveryStatus> {
        [DeliveryStatus::Succeeded, DeliveryStatus::Failed, DeliveryStatus::Delayed, DeliveryStatus::DeadLettered]
            .into_iter()
            .find(|status| status.name() == name)
    }
}

/// Where a record stands: a webhook event's or a job's.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordStatus {
    /// `IN_PROGRESS`, `WAITING`, `COMPLETED`, `ACCEPTED`, `RUNNING`, `SUCCEEDED` or `FAILED`.
    pub status: String,
    /// Attempts so far.
    pub attempts: u32,
    /// The event or job type.
    pub event_type: Option<String>,
    /// When it was first seen, RFC 3339.
    pub created_at: String,
    /// When it last changed, RFC 3339.
    pub updated_at: String,
    /// The handler's result, once succeeded.
    pub result: Option<Value>,
    /// The last attempt's error.
    pub error: Option<String>,
    /// Its deliveries, by index.
    pub deliveries: Vec<Delivery>,
    /// Where the event is archived.
    pub archive: Option<ArchiveLocation>,
    /// The replay runs that sent it again, by name.
    pub replays: Vec<String>,
}

impl RecordStatus {
    /// The next attempt of an event waiting for one: the earliest of its deliveries still to make.
    pub fn next_attempt(&self) -> Option<NextAttempt> {
        if self.status != State::Waiting.name(Kind::Event) {
            return None;
        }
        self.deliveries
            .iter()
            .filter(|delivery| delivery.status != DeliveryStatus::Succeeded)
            .filter_map(|delivery| delivery.next_attempt)
            .min_by_key(|next| next.at_ms)
    }
}

/// A job's status, as `GET /jobs/{id}` answers it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobStatus {
    /// The job id (the API request id of its `POST /jobs`).
    pub job_id: String,
    /// `ACCEPTED`, `RUNNING`, `SUCCEEDED` or `FAILED`.
    pub status: String,
    /// Attempts so far.
    pub attempts: u32,
    /// The job's type.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub job_type: Option<String>,
    /// When it was first seen, RFC 3339.
    pub created_at: String,
    /// When it last changed, RFC 3339.
    pub updated_at: String,
    /// The handler's result, once succeeded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Value>,
    /// The last attempt's error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The Step Functions execution the job started, if its route's `stepFunctions` target did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_arn: Option<String>,
}

impl JobStatus {
    /// A job's status from its record. A job that started a Step Functions execution is `RUNNING`
    /// until the execution's end is cached in its record ([`crate::job::with_end`]), then
    /// `SUCCEEDED` with the execution's output as its result, or `FAILED` with its error.
    pub fn of(id: &str, record: RecordStatus) -> JobStatus {
        let execution = crate::job::started_execution(&record.status, record.result.as_ref(), &record.deliveries)
            .map(|(arn, end)| (arn.to_owned(), end));
        let mut status = JobStatus {
            job_id: id.to_owned(),
            status: record.status,
            attempts: record.attempts,
            job_type: record.event_type,
            created_at: record.created_at,
            updated_at: record.updated_at,
            result: record.result,
            error: record.error,
            execution_arn: None,
        };
        if let Some((arn, end)) = execution {
            status.execution_arn = Some(arn);
            match end {
                Some(end) => {
                    status.status = end.job_status().to_owned();
                    status.error = end.failure();
                    status.result = end.output;
                }
                None => {
                    status.status = State::Running.name(Kind::Job).to_owned();
                    status.result = None;
                }
            }
        }
        status
    }

    /// The execution it waits for: its ARN while it runs.
    pub fn running_execution(&self) -> Option<&str> {
        self.execution_arn.as_deref().filter(|_| self.status == State::Running.name(Kind::Job))
    }
}

/// The table could not be read or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("state table: {0}")]
pub struct StoreError(pub String);

/// The state table.
pub trait StateStore: Send + Sync {
    /// Claims a record before running its handler.
    fn claim(&self, claim: &Claim<'_>) -> impl Future<Output = Result<Claimed, StoreError>> + Send;

    /// Records how a claimed record ended, with the deliveries this attempt made (those not
    /// given keep what they were); `expires_at` is when it may be deleted.
    fn finish(
        &self,
        key: &RecordKey,
        outcome: &Outcome,
        deliveries: &[Delivery],
        now: i64,
        expires_at: i64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The newest version applied to an entity.
    fn applied_version(&self, entity: &str) -> impl Future<Output = Result<Option<i64>, StoreError>> + Send;

    /// Records a version as applied, unless a newer one already is; `false` then.
    fn record_version(
        &self,
        entity: &str,
        version: i64,
        event_id: &str,
        expires_at: i64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Where a record stands, if it exists.
    fn status(&self, key: &RecordKey) -> impl Future<Output = Result<Option<RecordStatus>, StoreError>> + Send;

    /// Which of these records know where their event is archived (by partition key): the events
    /// a batch need not archive again. A read the worker makes once per batch.
    fn archived(&self, keys: &[RecordKey]) -> impl Future<Output = Result<HashSet<String>, StoreError>> + Send;

    /// The events parked for `destination` due by `due_by` (Unix ms), earliest first, at most
    /// `limit`; whether more are left beside them.
    fn parked(
        &self,
        destination: &str,
        due_by: i64,
        limit: usize,
    ) -> impl Future<Output = Result<(Vec<ParkedEvent>, bool), StoreError>> + Send;

    /// The events parked for `destination` that are held for it or due by `now` (Unix ms),
    /// earliest first, at most `limit`; whether more are left beside them. What a destination back
    /// from an outage, or resumed, releases at once.
    fn releasable(
        &self,
        destination: &str,
        now: i64,
        limit: usize,
    ) -> impl Future<Output = Result<(Vec<ParkedEvent>, bool), StoreError>> + Send;

    /// The events held for `destination` until it is resumed (due [`HELD`]), at most `limit`.
    fn held_until_resumed(
        &self,
        destination: &str,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<ParkedEvent>, StoreError>> + Send;

    /// Takes a parked event out of the index once its message is back in the queue, unless it was
    /// parked again meanwhile (it is no longer this `parking`): `false` then.
    fn unpark(&self, pk: &str, parking: &Parking) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// A job's status.
    fn job(&self, id: &str) -> impl Future<Output = Result<Option<JobStatus>, StoreError>> + Send {
        async move { Ok(self.status(&RecordKey::job(id)).await?.map(|record| JobStatus::of(id, record))) }
    }

    /// Replaces the result of a job that succeeded (the end of the execution it started, beside
    /// the start): `false` if the job's record is not a succeeded one.
    fn set_job_result(
        &self,
        id: &str,
        result: &Value,
        now: i64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
}

/// A shared store is a store (a test keeps the store to look into it while a worker uses it).
impl<T: StateStore> StateStore for &T {
    fn claim(&self, claim: &Claim<'_>) -> impl Future<Output = Result<Claimed, StoreError>> + Send {
        (**self).claim(claim)
    }

    fn finish(
        &self,
        key: &RecordKey,
        outcome: &Outcome,
        deliveries: &[Delivery],
        now: i64,
        expires_at: i64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        (**self).finish(key, outcome, deliveries, now, expires_at)
    }

    fn applied_version(&self, entity: &str) -> impl Future<Output = Result<Option<i64>, StoreError>> + Send {
        (**self).applied_version(entity)
    }

    fn record_version(
        &self,
        entity: &str,
        version: i64,
        event_id: &str,
        expires_at: i64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        (**self).record_version(entity, version, event_id, expires_at)
    }

    fn status(&self, key: &RecordKey) -> impl Future<Output = Result<Option<RecordStatus>, StoreError>> + Send {
        (**self).status(key)
    }

    fn archived(&self, keys: &[RecordKey]) -> impl Future<Output = Result<HashSet<String>, StoreError>> + Send {
        (**self).archived(keys)
    }

    fn parked(
        &self,
        destination: &str,
        due_by: i64,
        limit: usize,
    ) -> impl Future<Output = Result<(Vec<ParkedEvent>, bool), StoreError>> + Send {
        (**self).parked(destination, due_by, limit)
    }

    fn releasable(
        &self,
        destination: &str,
        now: i64,
        limit: usize,
    ) -> impl Future<Output = Result<(Vec<ParkedEvent>, bool), StoreError>> + Send {
        (**self).releasable(destination, now, limit)
    }

    fn held_until_resumed(
        &self,
        destination: &str,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<ParkedEvent>, StoreError>> + Send {
        (**self).held_until_resumed(destination, limit)
    }

    fn unpark(&self, pk: &str, parking: &Parking) -> impl Future<Output = Result<bool, StoreError>> + Send {
        (**self).unpark(pk, parking)
    }

    fn set_job_result(
        &self,
        id: &str,
        result: &Value,
        now: i64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        (**self).set_job_result(id, result, now)
    }
}

/// The key of an entity's version item.
pub fn entity_key(source: &str, entity: &str) -> String {
    format!("entity#{source}#{entity}")
}

/// RFC 3339 of a Unix time in seconds.
pub fn rfc3339(seconds: i64) -> String {
    let seconds = u64::try_from(seconds).unwrap_or_default();
    humantime::format_rfc3339_seconds(std::time::UNIX_EPOCH + std::time::Duration::from_secs(seconds)).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_have_the_documented_names() {
        let names = |kind| [State::Waiting, State::Running, State::Done, State::Failed].map(|s| s.name(kind));
        assert_eq!(names(Kind::Job), ["ACCEPTED", "RUNNING", "SUCCEEDED", "FAILED"]);
        assert_eq!(names(Kind::Event), ["WAITING", "IN_PROGRESS", "COMPLETED", "FAILED"]);
        assert_eq!(State::parse(Kind::Event, "IN_PROGRESS"), Some(State::Running));
        assert_eq!(State::parse(Kind::Event, "WAITING"), Some(State::Waiting));
        assert_eq!(State::parse(Kind::Job, "ACCEPTED"), Some(State::Waiting));
    }

    #[test]
    fn a_body_key_is_what_the_signature_covers_and_nothing_else() {
        let key = RecordKey::event_body("github", br#"{"ref": "main"}"#);
        assert!(key.pk().starts_with("event#github#body:") && key.is_body_keyed(), "{}", key.pk());
        assert_eq!(key, RecordKey::event_body("github", br#"{"ref": "main"}"#), "one body, one record");
        assert_ne!(key, RecordKey::event_body("github", br#"{"ref": "dev"}"#), "another body, another record");
        assert_ne!(key, RecordKey::event_body("github-2", br#"{"ref": "main"}"#), "another source, another record");
        assert!(!RecordKey::event("github", "body").is_body_keyed());
        assert!(!RecordKey::event("github", "x#body:1").is_body_keyed(), "an id is never taken for a body key");
        assert!(!RecordKey::job("body:1").is_body_keyed());
    }

    #[test]
    fn a_replay_run_has_a_record_of_its_own_beside_the_events() {
        let by_id = RecordKey::event("stripe", "evt_1");
        assert_eq!(RecordKey::replay(&by_id, "r-1").pk(), "event#stripe#evt_1#replay#r-1");
        assert!(!RecordKey::replay(&by_id, "r-1").is_body_keyed());
        let by_body = RecordKey::event_body("github", b"{}");
        let replayed = RecordKey::replay(&by_body, "r-1");
        assert_eq!(replayed.pk(), format!("{}#replay#r-1", by_body.pk()), "one record a run, whatever id a copy has");
        assert!(replayed.is_body_keyed(), "kept as long as the body's own record");
        assert_ne!(replayed, RecordKey::replay(&by_body, "r-2"));
    }

    #[test]
    fn a_failed_job_waits_for_its_retry_until_its_last_attempt() {
        let failed = |final_attempt| Outcome::Failed { error: "boom".into(), final_attempt };
        assert_eq!(failed(false).state(Kind::Job), State::Waiting);
        assert_eq!(failed(true).state(Kind::Job), State::Failed);
        assert_eq!(failed(false).state(Kind::Event), State::Failed);
        assert_eq!(Outcome::Succeeded(None).state(Kind::Event), State::Done);
        assert_eq!(Outcome::Waiting { sequence: 1, error: None }.state(Kind::Event), State::Waiting);
    }
}

/// The contract both stores keep, run against [`MemoryStore`] here and against DynamoDB on moto
/// by the worker's integration tests (feature `testing`).
#[cfg(any(test, feature = "testing"))]
#[allow(clippy::unwrap_used)]
pub mod contract {
    use super::*;
    use crate::archive::{Line, Stamp};

    const NOW: i64 = 1_700_000_000;

    fn claim<'a>(key: &'a RecordKey, digest: &'a str, now: i64) -> Claim<'a> {
        Claim {
            key,
            digest,
            event_type: Some("invoice.paid"),
            locked_until: now + 60,
            now,
            expires_at: now + 3600,
            archive: None,
            sequence: 0,
            event_id: None,
        }
    }

    /// Runs every rule against `store`; panics on the first broken one.
    pub async fn check(store: &impl StateStore) {
        first_claim_acquires_and_a_second_finds_it_busy(store).await;
        an_expired_lock_is_taken_over(store).await;
        a_completed_event_is_done_and_a_different_payload_is_a_conflict(store).await;
        a_different_payload_never_takes_a_record_in_any_state(store).await;
        a_failed_event_is_claimed_again(store).await;
        deliveries_are_kept_across_attempts(store).await;
        a_waiting_event_is_claimed_by_its_newest_copy_only(store).await;
        a_job_moves_through_its_states(store).await;
        a_job_that_started_an_execution_runs_until_its_end_is_recorded(store).await;
        versions_only_move_forward(store).await;
        the_first_archive_location_is_kept(store).await;
        a_parked_event_is_listed_by_destination_and_due_time_until_taken_back(store).await;
    }

    async fn a_parked_event_is_listed_by_destination_and_due_time_until_taken_back(store: &impl StateStore) {
        const MS: i64 = NOW * 1000;
        let destination = "https://parked.example.com/hooks";
        let park = |id: &str, due_ms: i64, hold: Option<Hold>, sequence: u32| Outcome::Parked {
            sequence,
            error: Some("503".into()),
            parking: Parking {
                destination: destination.into(),
                due_ms,
                hold,
                message: format!("{{\"id\":\"{id}\"}}"),
                attributes: vec![("source".into(), "String".into(), "stripe".into())],
                parked_at: MS,
            },
        };
        let (soon, later, held) = (
            RecordKey::event("stripe", "evt_soon"),
            RecordKey::event("stripe", "evt_later"),
            RecordKey::event("stripe", "evt_held"),
        );
        for (key, due, hold) in [
            (&later, MS + 7_200_000, None),
            (&soon, MS + 5_000, Some(Hold::Circuit)),
            (&held, HELD, Some(Hold::Paused)),
        ] {
            store.claim(&claim(key, "d1", NOW)).await.unwrap();
            store.finish(key, &park(key.pk(), due, hold, 1), &[], NOW, NOW + 3600).await.unwrap();
            assert_eq!(store.status(key).await.unwrap().unwrap().status, "WAITING");
        }
        let (due, more) = store.parked(destination, MS + 5_000, 10).await.unwrap();
        assert_eq!((due.len(), more), (1, false), "only what is due");
        assert_eq!(due[0].pk, soon.pk());
        assert_eq!(
            due[0].parking,
            match park(soon.pk(), MS + 5_000, Some(Hold::Circuit), 1) {
                Outcome::Parked { parking, .. } => parking,
                _ => unreachable!(),
            }
        );
        let (all, more) = store.parked(destination, HELD, 2).await.unwrap();
        let order: Vec<&str> = all.iter().map(|parked| parked.pk.as_str()).collect();
        assert_eq!((order, more), (vec![soon.pk(), later.pk()], true), "earliest first, a page at a time");
        assert!(store.parked("https://other.example.com", HELD, 10).await.unwrap().0.is_empty(), "by destination");
        let (releasable, _) = store.releasable(destination, MS, 10).await.unwrap();
        let order: Vec<&str> = releasable.iter().map(|parked| parked.pk.as_str()).collect();
        assert_eq!(
            order,
            vec![soon.pk(), held.pk()],
            "held for the destination, or due: not the one parked for its time"
        );
        let parking = due[0].parking.clone();
        let again = Parking { parked_at: MS + 1, ..parking.clone() };
        assert!(
            !store.unpark(soon.pk(), &again).await.unwrap(),
            "parked again meanwhile, with the same due: left alone"
        );
        assert!(store.unpark(soon.pk(), &parking).await.unwrap());
        assert_eq!(store.parked(destination, MS + 5_000, 10).await.unwrap().0, vec![], "out of the index");
        // A released copy claims the record and takes it out of the index; a stale one cannot.
        assert_eq!(store.claim(&Claim { sequence: 0, ..claim(&later, "d1", NOW + 1) }).await.unwrap(), Claimed::Stale);
        let taken = store.claim(&Claim { sequence: 1, ..claim(&later, "d1", NOW + 1) }).await.unwrap();
        assert!(matches!(taken, Claimed::Acquired { attempts: 2, .. }), "{taken:?}");
        let left: Vec<String> =
            store.parked(destination, HELD, 10).await.unwrap().0.into_iter().map(|parked| parked.pk).collect();
        assert_eq!(left, vec![held.pk().to_owned()], "the claim took it out");
    }

    async fn the_first_archive_location_is_kept(store: &impl StateStore) {
        let key = RecordKey::event("stripe", "evt_archived");
        let other = RecordKey::event("stripe", "evt_not_archived");
        let first = ArchiveLocation::Line(Line {
            key: "events/_batches/2023/11/14/22/a.ndjson".into(),
            offset: 10,
            length: 20,
        });
        let second = ArchiveLocation::Stream { at: Stamp::parse("2023-11-14T22:13:20.123Z").unwrap() };
        store.claim(&Claim { archive: Some(&first), ..claim(&key, "d1", NOW) }).await.unwrap();
        store.claim(&claim(&other, "d1", NOW)).await.unwrap();
        let failed = Outcome::Failed { error: "503".into(), final_attempt: false };
        store.finish(&key, &failed, &[], NOW + 1, NOW + 3600).await.unwrap();
        store.claim(&Claim { archive: Some(&second), ..claim(&key, "d1", NOW + 2) }).await.unwrap();
        assert_eq!(store.status(&key).await.unwrap().unwrap().archive, Some(first), "the first place stays");
        assert_eq!(store.status(&other).await.unwrap().unwrap().archive, None);
        let streamed = RecordKey::event("stripe", "evt_streamed");
        store.claim(&Claim { archive: Some(&second), ..claim(&streamed, "d1", NOW) }).await.unwrap();
        assert_eq!(store.status(&streamed).await.unwrap().unwrap().archive, Some(second), "put into the stream then");
        let missing = RecordKey::event("stripe", "evt_never_seen");
        let archived = store.archived(&[key.clone(), other, missing, streamed.clone()]).await.unwrap();
        assert_eq!(archived, HashSet::from([key.pk().to_owned(), streamed.pk().to_owned()]));
        assert_eq!(store.archived(&[]).await.unwrap(), HashSet::new());
    }

    async fn first_claim_acquires_and_a_second_finds_it_busy(store: &impl StateStore) {
        let key = RecordKey::event("stripe", "evt_busy");
        let first = store.claim(&claim(&key, "d1", NOW)).await.unwrap();
        assert_eq!(first, Claimed::Acquired { attempts: 1, deliveries: vec![] });
        assert_eq!(store.claim(&claim(&key, "d1", NOW + 1)).await.unwrap(), Claimed::Busy);
    }

    async fn an_expired_lock_is_taken_over(store: &impl StateStore) {
        let key = RecordKey::event("stripe", "evt_expired");
        store.claim(&claim(&key, "d1", NOW)).await.unwrap();
        let after_lock = claim(&key, "d1", NOW + 61);
        assert_eq!(store.claim(&after_lock).await.unwrap(), Claimed::Acquired { attempts: 2, deliveries: vec![] });
    }

    async fn a_completed_event_is_done_and_a_different_payload_is_a_conflict(store: &impl StateStore) {
        let key = RecordKey::event("stripe", "evt_done");
        store.claim(&claim(&key, "d1", NOW)).await.unwrap();
        store.finish(&key, &Outcome::Succeeded(None), &[], NOW + 1, NOW + 3600).await.unwrap();
        assert_eq!(store.claim(&claim(&key, "d1", NOW + 2)).await.unwrap(), Claimed::AlreadyDone);
        let other = store.claim(&claim(&key, "d2", NOW + 2)).await.unwrap();
        assert_eq!(other, Claimed::Conflict { stored: "d1".into() });
        assert_eq!(
            store.claim(&claim(&key, "d1", NOW + 10_000)).await.unwrap(),
            Claimed::AlreadyDone,
            "done stays done; the TTL removes the record"
        );
    }

    async fn a_different_payload_never_takes_a_record_in_any_state(store: &impl StateStore) {
        let key = RecordKey::event("stripe", "evt_conflict");
        store.claim(&claim(&key, "d1", NOW)).await.unwrap();
        let conflict = Claimed::Conflict { stored: "d1".into() };
        assert_eq!(store.claim(&claim(&key, "d2", NOW + 1)).await.unwrap(), conflict, "running");
        assert_eq!(store.claim(&claim(&key, "d2", NOW + 61)).await.unwrap(), conflict, "running, its lock expired");
        let failed = Outcome::Failed { error: "503".into(), final_attempt: false };
        store.finish(&key, &failed, &[], NOW + 62, NOW + 3600).await.unwrap();
        assert_eq!(store.claim(&claim(&key, "d2", NOW + 63)).await.unwrap(), conflict, "failed");
        let retry = store.claim(&claim(&key, "d1", NOW + 64)).await.unwrap();
        assert!(matches!(retry, Claimed::Acquired { attempts: 2, .. }), "its own payload takes it: {retry:?}");
        let status = store.status(&key).await.unwrap().unwrap();
        assert_eq!(status.attempts, 2, "a conflicting claim counts no attempt");
    }

    async fn a_failed_event_is_claimed_again(store: &impl StateStore) {
        let key = RecordKey::event("stripe", "evt_failed");
        store.claim(&claim(&key, "d1", NOW)).await.unwrap();
        let failed = Outcome::Failed { error: "503 from destination".into(), final_attempt: false };
        store.finish(&key, &failed, &[], NOW + 1, NOW + 3600).await.unwrap();
        let status = store.status(&key).await.unwrap().unwrap();
        assert_eq!((status.status.as_str(), status.error.as_deref()), ("FAILED", Some("503 from destination")));
        let retry = store.claim(&claim(&key, "d1", NOW + 2)).await.unwrap();
        assert_eq!(retry, Claimed::Acquired { attempts: 2, deliveries: vec![] });
    }

    fn delivery(destination: &str, index: u32, status: DeliveryStatus, attempts: u32, now: i64) -> Delivery {
        let succeeded = status == DeliveryStatus::Succeeded;
        Delivery {
            destination: destination.to_owned(),
            index,
            status,
            attempts,
            last_status: Some(if succeeded { 200 } else { 503 }),
            latency_ms: Some(u64::from(attempts) * 40),
            error: (!succeeded).then(|| format!("{destination} answered 503 Service Unavailable")),
            delivered_at: succeeded.then_some(now),
            updated_at: now,
            retries: u32::from(!succeeded),
            next_attempt: (!succeeded)
                .then_some(NextAttempt { at_ms: now * 1000 + 5_500, reason: WaitReason::Schedule }),
        }
    }

    async fn deliveries_are_kept_across_attempts(store: &impl StateStore) {
        let key = RecordKey::event("stripe", "evt_fanout");
        // A name with the characters of a URL: it keys a map in DynamoDB.
        let (billing, audit) =
            ("forward https://billing.example.com/hooks?x=1#a", "forward https://audit.example.com/in");
        store.claim(&claim(&key, "d1", NOW)).await.unwrap();
        let first = [
            delivery(billing, 0, DeliveryStatus::Failed, 2, NOW + 1),
            delivery(audit, 1, DeliveryStatus::Succeeded, 1, NOW + 1),
        ];
        let failed = Outcome::Failed { error: "1 of 2 deliveries failed".into(), final_attempt: false };
        store.finish(&key, &failed, &first, NOW + 1, NOW + 3600).await.unwrap();
        let Claimed::Acquired { attempts: 2, deliveries, .. } = store.claim(&claim(&key, "d1", NOW + 2)).await.unwrap()
        else {
            panic!("a failed event is claimed again")
        };
        assert_eq!(deliveries, first, "the claim hands back what earlier attempts did, by index");

        let second = [delivery(billing, 0, DeliveryStatus::Succeeded, 3, NOW + 3)];
        store.finish(&key, &Outcome::Succeeded(None), &second, NOW + 3, NOW + 3600).await.unwrap();
        let status = store.status(&key).await.unwrap().unwrap();
        assert_eq!(status.status, "COMPLETED");
        assert_eq!(status.deliveries, [second[0].clone(), first[1].clone()], "a delivery not given keeps its state");
    }

    async fn a_waiting_event_is_claimed_by_its_newest_copy_only(store: &impl StateStore) {
        let key = RecordKey::event("stripe", "evt_waiting");
        store.claim(&claim(&key, "d1", NOW)).await.unwrap();
        let throttled = Delivery {
            status: DeliveryStatus::Delayed,
            retries: 2,
            error: None,
            last_status: Some(429),
            next_attempt: Some(NextAttempt { at_ms: NOW * 1000 + 2_250, reason: WaitReason::RetryAfter }),
            ..delivery("forward https://billing.example.com/hooks", 0, DeliveryStatus::Failed, 3, NOW + 1)
        };
        let waiting = Outcome::Waiting { sequence: 1, error: Some("503 from destination".into()) };
        store.finish(&key, &waiting, std::slice::from_ref(&throttled), NOW + 1, NOW + 3600).await.unwrap();
        let status = store.status(&key).await.unwrap().unwrap();
        assert_eq!((status.status.as_str(), status.error.as_deref()), ("WAITING", Some("503 from destination")));
        assert_eq!(status.deliveries, std::slice::from_ref(&throttled), "retries and the next attempt are kept");
        assert_eq!(status.next_attempt(), throttled.next_attempt);

        let leftover = store.claim(&claim(&key, "d1", NOW + 2)).await.unwrap();
        assert_eq!(leftover, Claimed::Stale, "a copy from before the event was sent back");
        let newest = Claim { sequence: 1, ..claim(&key, "d1", NOW + 3) };
        let Claimed::Acquired { attempts: 2, deliveries, .. } = store.claim(&newest).await.unwrap() else {
            panic!("the copy that waits is claimed")
        };
        assert_eq!(deliveries, [throttled]);
        let paced = Outcome::Waiting { sequence: 2, error: None };
        store.finish(&key, &paced, &[], NOW + 4, NOW + 3600).await.unwrap();
        let status = store.status(&key).await.unwrap().unwrap();
        assert_eq!(status.error.as_deref(), Some("503 from destination"), "a wait without a failure keeps the error");
        let redriven = store.claim(&Claim { sequence: 2, ..claim(&key, "d1", NOW + 5) }).await.unwrap();
        assert!(matches!(redriven, Claimed::Acquired { attempts: 3, .. }), "{redriven:?}");
        let failed = Outcome::Failed { error: "given up".into(), final_attempt: false };
        store.finish(&key, &failed, &[], NOW + 6, NOW + 3600).await.unwrap();
        let again = store.claim(&claim(&key, "d1", NOW + 7)).await.unwrap();
        assert!(matches!(again, Claimed::Acquired { attempts: 4, .. }), "a redrive of a dead letter: {again:?}");
    }

    async fn a_job_moves_through_its_states(store: &impl StateStore) {
        let key = RecordKey::job("job-1");
        assert_eq!(store.job("job-1").await.unwrap(), None);
        store.claim(&claim(&key, "d1", NOW)).await.unwrap();
        let running = store.job("job-1").await.unwrap().unwrap();
        assert_eq!((running.status.as_str(), running.attempts), ("RUNNING", 1));
        assert_eq!(running.job_type.as_deref(), Some("invoice.paid"));

        let retrying = Outcome::Failed { error: "boom".into(), final_attempt: false };
        store.finish(&key, &retrying, &[], NOW + 1, NOW + 3600).await.unwrap();
        let waiting = store.job("job-1").await.unwrap().unwrap();
        assert_eq!((waiting.status.as_str(), waiting.error.as_deref()), ("ACCEPTED", Some("boom")));

        assert_eq!(
            store.claim(&claim(&key, "d1", NOW + 2)).await.unwrap(),
            Claimed::Acquired { attempts: 2, deliveries: vec![] }
        );
        let result = serde_json::json!({"rows": 3});
        store.finish(&key, &Outcome::Succeeded(Some(result.clone())), &[], NOW + 3, NOW + 3600).await.unwrap();
        let done = store.job("job-1").await.unwrap().unwrap();
        assert_eq!((done.status.as_str(), done.attempts, done.result), ("SUCCEEDED", 2, Some(result)));
        assert_eq!(done.error, None, "the earlier error is cleared");
        assert_eq!(
            (done.created_at.as_str(), done.updated_at.as_str()),
            ("2023-11-14T22:13:20Z", "2023-11-14T22:13:23Z")
        );

        let failing = RecordKey::job("job-2");
        store.claim(&claim(&failing, "d1", NOW)).await.unwrap();
        let last = Outcome::Failed { error: "payload is not an object".into(), final_attempt: true };
        store.finish(&failing, &last, &[], NOW + 1, NOW + 3600).await.unwrap();
        let failed = store.job("job-2").await.unwrap().unwrap();
        assert_eq!((failed.status.as_str(), failed.error.as_deref()), ("FAILED", Some("payload is not an object")));
    }

    async fn a_job_that_started_an_execution_runs_until_its_end_is_recorded(store: &impl StateStore) {
        let key = RecordKey::job("job-sfn");
        let arn = "arn:aws:states:us-east-1:123456789012:execution:orders:job-sfn";
        let machine = "stepFunctions arn:aws:states:us-east-1:123456789012:stateMachine:orders";
        assert!(!store.set_job_result("job-sfn", &serde_json::json!({}), NOW).await.unwrap(), "no such job");
        store.claim(&claim(&key, "d1", NOW)).await.unwrap();
        let started = serde_json::json!({"executionArn": arn, "startDate": 1_700_000_001.5});
        let delivered = [delivery(machine, 0, DeliveryStatus::Succeeded, 1, NOW + 1)];
        store.finish(&key, &Outcome::Succeeded(Some(started.clone())), &delivered, NOW + 1, NOW + 3600).await.unwrap();
        let running = store.job("job-sfn").await.unwrap().unwrap();
        assert_eq!((running.status.as_str(), running.running_execution()), ("RUNNING", Some(arn)));
        assert_eq!(running.result, None, "the start is not the job's result");

        let end = crate::job::Execution {
            status: "SUCCEEDED".into(),
            output: Some(serde_json::json!({"shipped": true})),
            error: None,
            cause: None,
        };
        assert!(store.set_job_result("job-sfn", &crate::job::with_end(&started, &end), NOW + 5).await.unwrap());
        let done = store.job("job-sfn").await.unwrap().unwrap();
        assert_eq!((done.status.as_str(), &done.result), ("SUCCEEDED", &Some(serde_json::json!({"shipped": true}))));
        assert_eq!((done.execution_arn.as_deref(), done.running_execution()), (Some(arn), None));
        assert_eq!(done.updated_at, "2023-11-14T22:13:25Z");
    }

    async fn versions_only_move_forward(store: &impl StateStore) {
        let entity = entity_key("stripe", "in_1");
        assert_eq!(store.applied_version(&entity).await.unwrap(), None);
        assert!(store.record_version(&entity, 20, "evt_20", NOW + 3600).await.unwrap());
        assert!(!store.record_version(&entity, 10, "evt_10", NOW + 3600).await.unwrap(), "older refused");
        assert!(store.record_version(&entity, 30, "evt_30", NOW + 3600).await.unwrap());
        assert_eq!(store.applied_version(&entity).await.unwrap(), Some(30));
    }

    #[cfg(test)]
    #[tokio::test]
    async fn the_memory_store_keeps_the_contract() {
        check(&MemoryStore::default()).await;
    }
}
