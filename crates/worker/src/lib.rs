//! The worker Lambda: delivers each queued event to its routes' handlers, and runs jobs.
//!
//! One pipeline, two thin adapters:
//!
//! * [`batch`] — **SQS batches** of event envelopes from the events queue. It answers with a
//!   partial batch response, so only the failed messages return to the queue (and, after
//!   `maxReceiveCount` deliveries, reach its dead-letter queue); an unreadable message fails alone.
//!   Before any handler runs, [`archive`] reads the claim-checked bodies back and archives the
//!   events seen for the first time: into the archive stream (Firehose), a `PutRecordBatch` per
//!   batch, or as one S3 object per batch (per hour, should it straddle two).
//! * [`job`] — **jobs** from `POST /jobs`, invoked asynchronously by API Gateway. A failing job
//!   returns an error, so Lambda retries it and finally sends it to the jobs dead-letter queue.
//! * [`pipeline`] — for each event: claim its idempotency record (a duplicate of a processed event
//!   is acknowledged, one in progress elsewhere is left for a retry) → the ordering guard (an event
//!   older than its entity's applied version is skipped) → the first matching route → one
//!   delivery per handler (those that succeeded before are skipped) → record the outcome. An
//!   event with deliveries left to make goes back to the events queue to wait for its next
//!   attempt ([`requeue`], [`schedule`]); one a destination refused for good, or whose retry
//!   schedule is used up, goes to the dead-letter queue. Every log line within carries the event
//!   id, source, type and attempt; each invocation ends with EMF metrics lines, one per source.
//!
//!
//! Beside a batch's deliveries, [`listen`] copies its new events to the developers' listeners
//! (`hookway listen`), if any are live: at most one `GetItem` per 5 s per instance while it
//! works, none while it is idle.
//!
//! [`retry`] is the deadline-aware retry policy of one series of attempts, [`schedule`] when the
//! next series starts, [`handler::forward`] one attempt to a URL and [`handler::target`] one to an
//! AWS resource (SQS, SNS, EventBridge, Lambda, Step Functions); [`breaker`] and [`rate_limit`]
//! protect each destination with state every instance shares ([`shared`]); [`secrets`] are the
//! destinations' credentials and [`signature`] their signatures.

// No unwrap or expect on request paths: every failure is an error with a status or an exit code.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod archive;
pub mod batch;
pub mod breaker;
pub mod dead_letter;
pub mod deadline;
pub mod event;
pub mod handler;
pub mod job;
pub mod listen;
pub mod metrics;
pub mod ordering;
pub mod pipeline;
pub mod rate_limit;
pub mod release;
pub mod requeue;
pub mod retry;
pub mod router;
pub mod schedule;
pub mod secrets;
pub mod shared;
pub mod signature;
pub mod verdict;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use aws_lambda_events::event::sqs::SqsEvent;
use hookway_core::Config;
use hookway_core::archive::{ObjectStore, RecordStream};
use hookway_core::job::JobEvent;
use hookway_core::store::{RecordKey, StateStore};
use serde_json::Value;

use crate::dead_letter::DeadLetterQueue;
use crate::deadline::Deadline;
use crate::event::{Event, EventError};
use crate::handler::Registry;
use crate::handler::target::TargetClients;
pub use crate::job::JobDone;
use crate::ordering::OrderingGuard;
pub use crate::pipeline::Processed;
use crate::requeue::EventsQueue;
use crate::router::{Router, RouterError, Shared};
use crate::secrets::Secrets;
use crate::shared::{MemoryShared, SharedState};

/// Time kept back from handlers to record their outcome before the invocation's deadline.
pub const FINISH_MARGIN: Duration = Duration::from_secs(1);
/// Events of one batch processed at once (an entity's events still go one after another).
pub const BATCH_CONCURRENCY: usize = 16;

/// The worker and what it depends on, built once at start-up.
#[derive(Debug)]
pub struct Worker<S> {
    store: S,
    router: Router,
    ordering: OrderingGuard,
    dead_letters: Option<Arc<dyn DeadLetterQueue>>,
    bucket: Option<Arc<dyn ObjectStore>>,
    stream: Option<Arc<dyn RecordStream>>,
    events_queue: Option<Arc<dyn EventsQueue>>,
    /// How long a record is kept: a body-keyed event's as long as the archive and the replay window.
    record_ttl: hookway_core::config::RecordTtl,
    job_attempts: u32,
    /// How long the events queue keeps an event: no retry waits beyond it.
    retention: Duration,
    /// The longest delay of one hop.
    max_hop: Duration,
    /// The sources whose signature does not cover the event id: their events are keyed by body.
    unsigned_ids: HashSet<String>,
    /// The metrics' namespace: the stack's name.
    namespace: Arc<str>,
    /// The destinations' circuits: what the sweep reads.
    shared: Arc<dyn SharedState>,
    /// Where `hookway listen` gets copies of new events ([`listen`]); none: nowhere.
    listening: Option<Arc<listen::Listening>>,
}

/// What the worker reaches beyond its state table, built once at start-up.
#[derive(Debug, Clone)]
pub struct Outbound {
    /// The HTTP client every `forward` shares.
    pub client: reqwest::Client,
    /// The destinations' secrets (`sign`, `authorization`).
    pub secrets: Arc<Secrets>,
    /// Where events a destination refused for good (or whose retries are used up) go; without
    /// one, they are left to the queue's retries.
    pub dead_letters: Option<Arc<dyn DeadLetterQueue>>,
    /// Where events wait for their next attempt; without it, a failed event is left to the
    /// queue's own retries (its visibility timeout, then `maxReceiveCount`).
    pub events_queue: Option<Arc<dyn EventsQueue>>,
    /// The destinations' circuits and rate limits, shared by every instance.
    pub shared: Arc<dyn SharedState>,
    /// The archive bucket: events are archived there, and claim-checked bodies read from it.
    /// Without one, nothing is archived and a claim-checked event fails.
    pub bucket: Option<Arc<dyn ObjectStore>>,
    /// The archive stream (`archive.writer: "firehose"`): with one, events are archived into it
    /// (but those received long ago, into the bucket); without, into the bucket, an object a batch.
    pub stream: Option<Arc<dyn RecordStream>>,
    /// The AWS clients the `sqs`, `sns`, `eventBridge`, `lambda` and `stepFunctions` targets
    /// call through; without them, a route naming a target is refused at start-up.
    pub targets: Option<Arc<TargetClients>>,
}

/// A client alone: no secrets to read, no queue to write, no archive, circuits and rate limits
/// of this process only (tests, benchmarks).
impl From<reqwest::Client> for Outbound {
    fn from(client: reqwest::Client) -> Outbound {
        Outbound {
            client,
            secrets: Arc::new(Secrets::none()),
            dead_letters: None,
            events_queue: None,
            shared: Arc::new(MemoryShared::default()),
            bucket: None,
            stream: None,
            targets: None,
        }
    }
}

/// Why an invocation failed as a whole (a job's failure: Lambda retries it).
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    /// Neither an SQS batch nor a job event.
    #[error("not an SQS batch nor a job event: {0}")]
    Unrecognised(serde_json::Error),
    /// The job event cannot be read.
    #[error("malformed job event: {0}")]
    MalformedJob(#[from] EventError),
    /// The job failed.
    #[error("job {job_id} failed: {reason}")]
    JobFailed {
        /// The job.
        job_id: String,
        /// Why.
        reason: String,
    },
}

impl From<WorkerError> for lambda_runtime::Diagnostic {
    /// What Lambda records of a failed invocation; a job's dead letter carries it as its reason.
    fn from(error: WorkerError) -> lambda_runtime::Diagnostic {
        let error_type = match error {
            WorkerError::Unrecognised(_) => "Unrecognised",
            WorkerError::MalformedJob(_) => "MalformedJob",
            WorkerError::JobFailed { .. } => "JobFailed",
        };
        lambda_runtime::Diagnostic { error_type: error_type.into(), error_message: error.to_string() }
    }
}

impl<S: StateStore> Worker<S> {
    /// Compiles the routes (custom handlers from `registry`; forward handlers share the
    /// `outbound` client and secrets).
    pub fn new(
        config: &Config,
        store: S,
        registry: &Registry,
        outbound: impl Into<Outbound>,
    ) -> Result<Worker<S>, RouterError> {
        let outbound = outbound.into();
        let shared = Shared {
            client: &outbound.client,
            secrets: &outbound.secrets,
            state: &outbound.shared,
            targets: outbound.targets.as_deref(),
        };
        let oldest_message_alarm = Duration::from_secs(u64::from(config.alarms.oldest_message_age_seconds));
        Ok(Worker {
            store,
            router: Router::new(&config.routes, registry, &shared)?,
            ordering: OrderingGuard::new(config),
            dead_letters: outbound.dead_letters,
            bucket: outbound.bucket,
            stream: outbound.stream,
            events_queue: outbound.events_queue,
            record_ttl: config.record_ttl(),
            job_attempts: config.jobs.retry_attempts + 1,
            retention: Duration::from_secs(u64::from(config.queue.retention_days) * 86_400),
            max_hop: schedule::max_hop(oldest_message_alarm),
            unsigned_ids: config.unsigned_id_sources(),
            namespace: Arc::from(metrics::NAMESPACE),
            shared: outbound.shared,
            listening: None,
        })
    }

    /// Writes the metrics in `namespace`, the stack's name (`HOOKWAY_STACK`), instead of the
    /// default stack's.
    pub fn in_namespace(self, namespace: &str) -> Worker<S> {
        Worker { namespace: Arc::from(namespace), ..self }
    }

    /// Copies each new event to the listeners `listeners` registers (`hookway listen`), beside
    /// its delivery.
    pub fn with_listeners(self, listeners: Arc<dyn listen::Listeners>) -> Worker<S> {
        Worker { listening: Some(Arc::new(listen::Listening::new(listeners))), ..self }
    }

    /// Lets a waiting event stay in the events queue for at most `max_hop` before it is parked
    /// instead (half the oldest-message alarm's threshold, unless told): a schedule scaled down
    /// keeps the shape of its waits with a hop scaled as much.
    pub fn with_max_hop(self, max_hop: Duration) -> Worker<S> {
        Worker { max_hop: max_hop.clamp(Duration::from_secs(1), schedule::MAX_HOP), ..self }
    }

    /// The key of an event's state record: by its id where its source signs the id, else by its
    /// source and body (never by the type: the source's signature does not cover its header).
    pub(crate) fn record_key(&self, event: &Event) -> RecordKey {
        event.record_key(!self.unsigned_ids.contains(&event.source))
    }

    /// One invocation: an SQS batch (it has `Records`), the sweep (`{"hookway": "release"}`) or a
    /// job event.
    pub async fn invoke(&self, payload: Value, deadline: Deadline) -> Result<Value, WorkerError> {
        if payload.get("hookway").is_some() {
            let sweep: release::Sweep = serde_json::from_value(payload).map_err(WorkerError::Unrecognised)?;
            let every = sweep.every_seconds.map_or(release::EVERY, Duration::from_secs);
            let released = self.release(every).await;
            metrics::emit_released(&self.namespace, &released);
            return Ok(serde_json::json!({"released": released.total(), "errors": released.errors}));
        }
        if payload.get("Records").is_some() {
            let batch: SqsEvent = serde_json::from_value(payload).map_err(WorkerError::Unrecognised)?;
            let (response, metrics) = self.batch(batch, deadline).await;
            metrics.emit(&self.namespace, "events");
            return serde_json::to_value(response).map_err(WorkerError::Unrecognised);
        }
        let job: JobEvent = serde_json::from_value(payload).map_err(WorkerError::Unrecognised)?;
        let (done, metrics) = self.job(&job, deadline).await;
        metrics.emit(&self.namespace, "jobs");
        serde_json::to_value(done?).map_err(WorkerError::Unrecognised)
    }
}
