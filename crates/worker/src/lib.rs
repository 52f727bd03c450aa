//! The worker Lambda: one pipeline, two thin adapters.
//!
//! * **SQS batches** of event envelopes from the events queue. It answers with a partial batch
//!   response, so only the failed messages return to the queue (and, after `maxReceiveCount`
//!   deliveries, reach its dead-letter queue); an unreadable message fails alone.
//! * **Jobs** from `POST /jobs`, invoked asynchronously by API Gateway. A failing job returns an
//!   error, so Lambda retries it and finally sends it to the jobs dead-letter queue.
//!
//! The pipeline, for each event: claim its idempotency record (a duplicate of a processed event
//! is acknowledged, one in progress elsewhere is left for a retry) → the ordering guard (an event
//! older than its entity's applied version is skipped) → the first matching route's handler →
//! record the outcome. Every log line within carries the event id, source, type and attempt; each
//! invocation ends with EMF metrics lines, one per source.

// No unwrap or expect on request paths: every failure is an error with a status or an exit code.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod breaker;
pub mod deadline;
pub mod event;
pub mod handler;
pub mod metrics;
pub mod ordering;
pub mod retry;
pub mod router;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use futures_util::stream::{self, StreamExt};
use hookway_core::Config;
use hookway_core::config::JOBS_SOURCE;
use hookway_core::job::JobEvent;
use hookway_core::store::{Claim, Claimed, Outcome, RecordKey, StateStore};
use serde::Serialize;
use serde_json::Value;
use tracing::Instrument;
use tracing::field::Empty;

use crate::deadline::Deadline;
use crate::event::{Event, EventError};
use crate::handler::Registry;
use crate::metrics::{Metrics, Processed};
use crate::ordering::{OrderingGuard, Position};
use crate::router::{Router, RouterError};

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
    record_ttl_seconds: i64,
    job_attempts: u32,
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

/// A job's answer to Lambda when it succeeded.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JobDone {
    /// The job.
    pub job_id: String,
    /// `SUCCEEDED`.
    pub status: &'static str,
    /// Its result, when this invocation ran it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<Value>,
}

/// A batch message ready for the pipeline.
struct Prepared {
    message_id: String,
    event: Event,
    position: Option<Position>,
}

impl<S: StateStore> Worker<S> {
    /// Compiles the routes (custom handlers from `registry`; forward handlers share `client`).
    pub fn new(
        config: &Config,
        store: S,
        registry: &Registry,
        client: reqwest::Client,
    ) -> Result<Worker<S>, RouterError> {
        Ok(Worker {
            store,
            router: Router::new(&config.routes, registry, &client)?,
            ordering: OrderingGuard::new(config),
            record_ttl_seconds: i64::from(config.worker.idempotency_ttl_days) * 86_400,
            job_attempts: config.jobs.retry_attempts + 1,
        })
    }

    /// One invocation: an SQS batch (it has `Records`) or a job event.
    pub async fn invoke(&self, payload: Value, deadline: Deadline) -> Result<Value, WorkerError> {
        if payload.get("Records").is_some() {
            let batch: SqsEvent = serde_json::from_value(payload).map_err(WorkerError::Unrecognised)?;
            let (response, metrics) = self.batch(batch, deadline).await;
            metrics.emit("events");
            return serde_json::to_value(response).map_err(WorkerError::Unrecognised);
        }
        let job: JobEvent = serde_json::from_value(payload).map_err(WorkerError::Unrecognised)?;
        let (done, metrics) = self.job(&job, deadline).await;
        metrics.emit("jobs");
        serde_json::to_value(done?).map_err(WorkerError::Unrecognised)
    }

    /// An SQS batch: every event through the pipeline; only the failed ones are reported.
    pub async fn batch(&self, batch: SqsEvent, deadline: Deadline) -> (SqsBatchResponse, Metrics) {
        let mut response = SqsBatchResponse::default();
        let mut metrics = Metrics::default();
        let mut chains: Vec<Vec<Prepared>> = Vec::new();
        let mut chain_of_item: HashMap<String, usize> = HashMap::new();
        for message in batch.records {
            let message_id = message.message_id.unwrap_or_default();
            let event = message.body.as_deref().ok_or(EventError::NoBody).and_then(Event::from_envelope);
            let event = match event {
                Ok(event) => event,
                Err(error) => {
                    tracing::error!(%message_id, %error, "unreadable message: left to the dead-letter queue");
                    metrics.record(None, &Processed::Failed(error.to_string()));
                    response.add_failure(message_id);
                    continue;
                }
            };
            let position = self.ordering.position(&event);
            // Chained by the state table item they contend for: the entity's where the source
            // orders events, else the event's own, as SQS may hand one message over twice.
            let item = match &position {
                Some(position) => position.entity.clone(),
                None => event.record_key().pk().to_owned(),
            };
            let chain = *chain_of_item.entry(item).or_insert_with(|| {
                chains.push(Vec::new());
                chains.len() - 1
            });
            chains[chain].push(Prepared { message_id, event, position });
        }
        // A chain runs one event after another, oldest first: an entity's newest event is applied
        // last, and the second copy of an event finds the first done instead of busy.
        for chain in &mut chains {
            chain.sort_by_key(|prepared| prepared.position.as_ref().map(|position| position.version));
        }
        let outcomes: Vec<(String, String, Processed)> = stream::iter(chains)
            .map(|chain| async move {
                let mut outcomes = Vec::with_capacity(chain.len());
                for prepared in chain {
                    let source = prepared.event.source.clone();
                    let processed = self.process(prepared.event, prepared.position, deadline).await;
                    outcomes.push((prepared.message_id, source, processed));
                }
                outcomes
            })
            .buffer_unordered(BATCH_CONCURRENCY)
            .flat_map(stream::iter)
            .collect()
            .await;
        for (message_id, source, processed) in outcomes {
            metrics.record(Some(&source), &processed);
            if !processed.is_acknowledged() {
                response.add_failure(message_id);
            }
        }
        (response, metrics)
    }

    /// A job: through the pipeline; an error makes Lambda retry it.
    pub async fn job(&self, job: &JobEvent, deadline: Deadline) -> (Result<JobDone, WorkerError>, Metrics) {
        let mut metrics = Metrics::default();
        let event = match Event::from_job(job) {
            Ok(event) => event,
            Err(error) => {
                metrics.record(Some(JOBS_SOURCE), &Processed::Failed(error.to_string()));
                return (Err(error.into()), metrics);
            }
        };
        let job_id = event.id.clone();
        let processed = self.process(event, None, deadline).await;
        metrics.record(Some(JOBS_SOURCE), &processed);
        let done = match processed {
            Processed::Handled { result, .. } => Ok(JobDone { job_id, status: "SUCCEEDED", result }),
            Processed::Duplicate => Ok(JobDone { job_id, status: "SUCCEEDED", result: None }),
            Processed::Busy => {
                Err(WorkerError::JobFailed { job_id, reason: "it is running in another invocation".into() })
            }
            Processed::Failed(reason) => Err(WorkerError::JobFailed { job_id, reason }),
            // Jobs have no ordering guard, and an unrouted job fails (see `run`).
            Processed::StaleSkipped | Processed::Unrouted => Ok(JobDone { job_id, status: "SUCCEEDED", result: None }),
        };
        (done, metrics)
    }

    /// One event through the pipeline, in a span naming it.
    async fn process(&self, event: Event, position: Option<Position>, deadline: Deadline) -> Processed {
        let span = tracing::info_span!(
            "event",
            event_id = %event.id,
            source = %event.source,
            event_type = event.event_type.as_deref(),
            attempt = Empty,
        );
        self.run(event, position, deadline).instrument(span).await
    }

    async fn run(&self, mut event: Event, position: Option<Position>, deadline: Deadline) -> Processed {
        let key = event.record_key();
        let now = hookway_core::unix_now();
        let digest = event.digest();
        let claim = Claim {
            key: &key,
            digest: &digest,
            event_type: event.event_type.as_deref(),
            locked_until: deadline.unix_seconds(),
            now,
            expires_at: deadline.unix_seconds() + self.record_ttl_seconds,
        };
        let (attempts, conflict) = match self.store.claim(&claim).await {
            Ok(Claimed::Acquired { attempts, conflict }) => (attempts, conflict),
            Ok(Claimed::AlreadyDone { conflict }) => {
                log_conflict(conflict.as_deref(), &digest);
                tracing::info!("duplicate of a processed event: acknowledged without running the handler");
                return Processed::Duplicate;
            }
            Ok(Claimed::Busy) => {
                tracing::warn!("in progress in another invocation: left for a later retry");
                return Processed::Busy;
            }
            Err(error) => {
                tracing::error!(%error, "cannot claim the event: left for a retry");
                return Processed::Failed(error.to_string());
            }
        };
        log_conflict(conflict.as_deref(), &digest);
        event.attempt = attempts;
        tracing::Span::current().record("attempt", attempts);

        if let Some(position) = &position {
            match self.store.applied_version(&position.entity).await {
                Ok(Some(applied)) if position.version < applied => {
                    tracing::info!(version = position.version, applied, "older than the applied version: skipped");
                    self.finish(&key, &Outcome::Succeeded(None)).await;
                    return Processed::StaleSkipped;
                }
                Ok(_) => {}
                Err(error) => return self.fail(&event, &key, error.to_string()).await,
            }
        }

        let Some(route) = self.router.route(&event) else {
            if event.is_job() {
                let reason = format!("no route for job type `{}`", event.event_type.as_deref().unwrap_or_default());
                return self.fail(&event, &key, reason).await;
            }
            tracing::info!("no route matches: acknowledged");
            self.finish(&key, &Outcome::Succeeded(None)).await;
            return Processed::Unrouted;
        };
        tracing::debug!(handler = %route.name, "routed");
        let started = Instant::now();
        let result = route.handler.handle(&event, deadline.earlier_by(FINISH_MARGIN)).await;
        let latency = started.elapsed();
        match result {
            Ok(result) => {
                if let Some(position) = &position {
                    let expires_at = hookway_core::unix_now() + self.record_ttl_seconds;
                    if let Err(error) =
                        self.store.record_version(&position.entity, position.version, &event.id, expires_at).await
                    {
                        tracing::error!(%error, "handled, but the applied version was not recorded");
                    }
                }
                self.finish(&key, &Outcome::Succeeded(result.clone())).await;
                tracing::info!(handler = %route.name, latency_ms = latency.as_secs_f64() * 1000.0, "handled");
                Processed::Handled { latency, result }
            }
            Err(error) => {
                tracing::warn!(handler = %route.name, %error, "handler failed");
                self.fail(&event, &key, error.to_string()).await
            }
        }
    }

    /// Records a failure: an event is retried by the queue; a job by Lambda, until its last attempt.
    async fn fail(&self, event: &Event, key: &RecordKey, reason: String) -> Processed {
        let final_attempt = event.is_job() && event.attempt >= self.job_attempts;
        self.finish(key, &Outcome::Failed { error: reason.clone(), final_attempt }).await;
        Processed::Failed(reason)
    }

    /// Records an outcome. Should that fail, the record stays locked until the invocation's
    /// deadline and a re-delivery is processed again: at least once, never lost.
    async fn finish(&self, key: &RecordKey, outcome: &Outcome) {
        let now = hookway_core::unix_now();
        if let Err(error) = self.store.finish(key, outcome, now, now + self.record_ttl_seconds).await {
            tracing::error!(%error, "cannot record the outcome");
        }
    }
}

fn log_conflict(stored: Option<&str>, delivered: &str) {
    if let Some(stored) = stored {
        tracing::warn!(
            stored_digest = stored,
            delivered_digest = delivered,
            "conflict: this id was first delivered with another payload"
        );
    }
}

#[cfg(test)]
mod tests {
    use hookway_core::store::MemoryStore;
    use serde_json::json;

    use super::*;

    fn batch_of(id: &str, body: &str) -> SqsEvent {
        let message = hookway_core::envelope::queued("github", id, "push", body);
        serde_json::from_value(json!({"Records": [{"messageId": "m", "body": message}]})).unwrap()
    }

    /// A handler that never returns: the invocation dies with it.
    struct Hang;

    #[async_trait::async_trait]
    impl handler::Handler for Hang {
        async fn handle(&self, _event: &Event, _deadline: Deadline) -> Result<Option<Value>, handler::HandlerError> {
            std::future::pending().await
        }
    }

    #[tokio::test]
    async fn the_lock_of_an_invocation_that_died_expires_with_its_deadline() {
        use hookway_core::store::{Claim, RecordKey, StateStore};
        let config = json!({
            "sources": [{"name": "github", "scheme": "github", "secretParameters": ["/g"]}],
            "routes": [{"source": "*", "handler": {"custom": "hang"}}],
        });
        let config = Config::from_json(&config.to_string()).unwrap();
        let store = MemoryStore::default();
        let worker = Worker::new(&config, &store, &Registry::new().with("hang", Hang), reqwest::Client::new()).unwrap();
        let deadline = Deadline::after(Duration::from_secs(30));
        let died = tokio::time::timeout(Duration::from_millis(200), worker.batch(batch_of("d1", "{}"), deadline)).await;
        assert!(died.is_err(), "the invocation is cut off mid-handler");

        let key = RecordKey::event("github", "d1");
        let now = hookway_core::unix_now();
        let claim_at =
            |now| Claim { key: &key, digest: "x", event_type: None, locked_until: now + 30, now, expires_at: now + 60 };
        assert_eq!(
            store.claim(&claim_at(now + 1)).await.unwrap(),
            Claimed::Busy,
            "locked while its invocation could still run"
        );
        assert!(
            matches!(store.claim(&claim_at(now + 32)).await.unwrap(), Claimed::Acquired { attempts: 2, .. }),
            "free after its deadline"
        );
    }
}
