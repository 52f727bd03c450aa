//! The pipeline every event goes through, whichever adapter brought it:
//!
//! 1. **claim** its record in the state table (a duplicate of a processed event is acknowledged,
//!    one in progress elsewhere is left for a retry);
//! 2. **ordering**: an event older than its entity's applied version is skipped;
//! 3. **route**: the first matching route names the handlers (an unrouted event is acknowledged,
//!    an unrouted job fails);
//! 4. **deliver** it to each handler at once — one *delivery* each; those that succeeded in an
//!    earlier attempt are skipped;
//! 5. **record** the outcome and every delivery's, in one write. When a destination refused the
//!    event for good, the event goes straight to the dead-letter queue with the reason.
//!
//! Each step returns early with the event's [`Processed`] outcome when the event goes no further.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use aws_lambda_events::event::sqs::SqsMessageAttribute;
use futures_util::future::join_all;
use hookway_core::archive::ArchiveLocation;
use hookway_core::dead_letter::DeadLetter;
use hookway_core::store::{Claim, Claimed, Delivery, DeliveryStatus, Outcome, RecordKey, StateStore};
use serde_json::Value;
use tracing::Instrument;
use tracing::field::Empty;

use crate::deadline::Deadline;
use crate::event::Event;
use crate::ordering::Position;
use crate::router::Route;
use crate::{FINISH_MARGIN, Worker};

/// The SQS message an event came in: what a dead letter carries on, and where the batch archived
/// it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Origin<'m> {
    /// The envelope, as received.
    pub body: &'m str,
    /// Its message attributes.
    pub attributes: &'m HashMap<String, SqsMessageAttribute>,
    /// Where this receive archived the event, if it did: the claim records it.
    pub archived: Option<&'m ArchiveLocation>,
}

/// What became of one event.
#[derive(Debug, Clone, PartialEq)]
pub enum Processed {
    /// Its handler succeeded.
    Handled {
        /// How long the handler took.
        latency: Duration,
        /// The handler's result.
        result: Option<Value>,
    },
    /// Processed before: acknowledged without running the handler.
    Duplicate,
    /// Older than the version already applied to its entity: acknowledged and skipped.
    StaleSkipped,
    /// No route matches: acknowledged and logged.
    Unrouted,
    /// Another invocation is processing it: left for a later retry.
    Busy,
    /// It failed, and is left for a retry (then the dead-letter queue).
    Failed(String),
    /// A destination refused it for good: it is in the dead-letter queue, and acknowledged.
    DeadLettered(DeadLetter),
}

impl Processed {
    /// Whether the event is done with: acknowledged, not retried.
    pub fn is_acknowledged(&self) -> bool {
        !matches!(self, Processed::Busy | Processed::Failed(_))
    }
}

impl<S: StateStore> Worker<S> {
    /// One event through the pipeline, in a span naming it.
    pub(crate) async fn process(
        &self,
        event: Event,
        position: Option<Position>,
        origin: Option<Origin<'_>>,
        deadline: Deadline,
    ) -> Processed {
        let span = tracing::info_span!(
            "event",
            event_id = %event.id,
            source = %event.source,
            event_type = event.event_type.as_deref(),
            attempt = Empty,
        );
        self.run(event, position, origin, deadline).instrument(span).await
    }

    async fn run(
        &self,
        mut event: Event,
        position: Option<Position>,
        origin: Option<Origin<'_>>,
        deadline: Deadline,
    ) -> Processed {
        let key = event.record_key();
        let archived = origin.and_then(|origin| origin.archived);
        let earlier = match self.claim(&mut event, &key, archived, deadline).await {
            Ok(earlier) => earlier,
            Err(processed) => return processed,
        };
        if let Some(position) = &position
            && let Err(processed) = self.check_order(&event, &key, position).await
        {
            return processed;
        }
        let Some(route) = self.router.route(&event) else {
            if event.is_job() {
                let reason = format!("no route for job type `{}`", event.event_type.as_deref().unwrap_or_default());
                return self.fail(&event, &key, reason, &[]).await;
            }
            tracing::info!("no route matches: acknowledged");
            self.finish(&key, &Outcome::Succeeded(None), &[]).await;
            return Processed::Unrouted;
        };
        let delivered = self.deliver(&event, route, &earlier, deadline).await;
        if delivered.failures.is_empty() {
            self.record_applied(&event, position.as_ref()).await;
            let result = delivered.result;
            self.finish(&key, &Outcome::Succeeded(result.clone()), &delivered.records).await;
            let latency = delivered.latency;
            tracing::info!(
                deliveries = route.destinations.len(),
                latency_ms = latency.as_secs_f64() * 1000.0,
                "handled"
            );
            return Processed::Handled { latency, result };
        }
        let reason = match delivered.failures.as_slice() {
            [only] if route.destinations.len() == 1 => only.clone(),
            failures => {
                format!("{} of {} deliveries failed: {}", failures.len(), route.destinations.len(), failures.join("; "))
            }
        };
        let processed = self.fail(&event, &key, reason.clone(), &delivered.records).await;
        match (delivered.refused, origin) {
            (Some((destination, status)), Some(origin)) if !event.is_job() => {
                self.dead_letter(origin, DeadLetter { reason, status, destination }).await
            }
            _ => processed,
        }
    }

    /// Step 1: the event's record, held until the invocation's deadline (and where the event is
    /// archived, if this receive archived it); its attempt set. The deliveries earlier attempts
    /// made come back with it.
    async fn claim(
        &self,
        event: &mut Event,
        key: &RecordKey,
        archived: Option<&ArchiveLocation>,
        deadline: Deadline,
    ) -> Result<Vec<Delivery>, Processed> {
        let now = hookway_core::unix_now();
        let digest = event.digest();
        let claim = Claim {
            key,
            digest: &digest,
            event_type: event.event_type.as_deref(),
            locked_until: deadline.unix_seconds(),
            now,
            expires_at: deadline.unix_seconds() + self.record_ttl_seconds,
            archive: archived,
        };
        let (attempts, conflict, deliveries) = match self.store.claim(&claim).await {
            Ok(Claimed::Acquired { attempts, conflict, deliveries }) => (attempts, conflict, deliveries),
            Ok(Claimed::AlreadyDone { conflict }) => {
                log_conflict(conflict.as_deref(), &digest);
                tracing::info!("duplicate of a processed event: acknowledged without running the handler");
                return Err(Processed::Duplicate);
            }
            Ok(Claimed::Busy) => {
                tracing::warn!("in progress in another invocation: left for a later retry");
                return Err(Processed::Busy);
            }
            Err(error) => {
                tracing::error!(%error, "cannot claim the event: left for a retry");
                return Err(Processed::Failed(error.to_string()));
            }
        };
        log_conflict(conflict.as_deref(), &digest);
        event.attempt = attempts;
        tracing::Span::current().record("attempt", attempts);
        Ok(deliveries)
    }

    /// Step 2: skips an event older than the version its entity is at.
    async fn check_order(&self, event: &Event, key: &RecordKey, position: &Position) -> Result<(), Processed> {
        match self.store.applied_version(&position.entity).await {
            Ok(Some(applied)) if position.version < applied => {
                tracing::info!(version = position.version, applied, "older than the applied version: skipped");
                self.finish(key, &Outcome::Succeeded(None), &[]).await;
                Err(Processed::StaleSkipped)
            }
            Ok(_) => Ok(()),
            Err(error) => Err(self.fail(event, key, error.to_string(), &[]).await),
        }
    }

    /// Step 4: the route's deliveries that have not succeeded yet, all at once.
    async fn deliver(&self, event: &Event, route: &Route, earlier: &[Delivery], deadline: Deadline) -> Delivered {
        let started = Instant::now();
        let pending: Vec<_> = route
            .destinations
            .iter()
            .zip(0u32..)
            .filter_map(|(destination, index)| {
                let before = earlier.iter().find(|delivery| delivery.destination == destination.name);
                if before.is_some_and(|delivery| delivery.status == DeliveryStatus::Succeeded) {
                    tracing::info!(destination = %destination.name, "delivered in an earlier attempt: skipped");
                    return None;
                }
                Some((destination, index, before))
            })
            .collect();
        let handler_deadline = deadline.earlier_by(FINISH_MARGIN);
        let reports =
            join_all(pending.iter().map(|(destination, _, _)| destination.handler.deliver(event, handler_deadline)))
                .await;
        let now = hookway_core::unix_now();
        let mut delivered = Delivered { latency: started.elapsed(), ..Delivered::default() };
        for ((destination, index, before), report) in pending.into_iter().zip(reports) {
            let mut record = Delivery {
                destination: destination.name.clone(),
                index,
                status: DeliveryStatus::Succeeded,
                attempts: before.map_or(0, |delivery| delivery.attempts) + report.attempts,
                last_status: report.last_status.or(before.and_then(|delivery| delivery.last_status)),
                error: None,
                delivered_at: Some(now),
                updated_at: now,
            };
            match report.result {
                Ok(result) => delivered.result = delivered.result.take().or(result),
                Err(error) => {
                    let error = error.to_string();
                    let permanent = report.permanent;
                    tracing::warn!(destination = %destination.name, %error, permanent, "delivery failed");
                    record.status = if permanent { DeliveryStatus::DeadLettered } else { DeliveryStatus::Failed };
                    record.delivered_at = None;
                    record.error = Some(error.clone());
                    if permanent && delivered.refused.is_none() {
                        delivered.refused = Some((destination.name.clone(), report.last_status));
                    }
                    delivered.failures.push(error);
                }
            }
            delivered.records.push(record);
        }
        delivered
    }

    /// Records the version an event applied to its entity.
    async fn record_applied(&self, event: &Event, position: Option<&Position>) {
        let Some(position) = position else { return };
        let expires_at = hookway_core::unix_now() + self.record_ttl_seconds;
        if let Err(error) = self.store.record_version(&position.entity, position.version, &event.id, expires_at).await {
            tracing::error!(%error, "handled, but the applied version was not recorded");
        }
    }

    /// Records a failure: an event is retried by the queue; a job by Lambda, until its last attempt.
    async fn fail(&self, event: &Event, key: &RecordKey, reason: String, deliveries: &[Delivery]) -> Processed {
        let final_attempt = event.is_job() && event.attempt >= self.job_attempts;
        self.finish(key, &Outcome::Failed { error: reason.clone(), final_attempt }, deliveries).await;
        Processed::Failed(reason)
    }

    /// Sends an event a destination refused for good to the dead-letter queue and acknowledges
    /// it; should that fail, it is left to the queue's retries.
    async fn dead_letter(&self, origin: Origin<'_>, letter: DeadLetter) -> Processed {
        let Some(queue) = &self.dead_letters else {
            return Processed::Failed(letter.reason);
        };
        let attributes: Vec<(String, String, String)> = origin
            .attributes
            .iter()
            .filter_map(|(name, attribute)| {
                Some((name.clone(), attribute.data_type.clone()?, attribute.string_value.clone()?))
            })
            .collect();
        match queue.send(origin.body, &attributes, &letter).await {
            Ok(()) => {
                tracing::warn!(reason = %letter.reason, "refused for good: sent to the dead-letter queue");
                Processed::DeadLettered(letter)
            }
            Err(error) => {
                tracing::error!(%error, "cannot send to the dead-letter queue: left for a retry");
                Processed::Failed(letter.reason)
            }
        }
    }

    /// Records an outcome. Should that fail, the record stays locked until the invocation's
    /// deadline and a re-delivery is processed again: at least once, never lost.
    async fn finish(&self, key: &RecordKey, outcome: &Outcome, deliveries: &[Delivery]) {
        let now = hookway_core::unix_now();
        if let Err(error) = self.store.finish(key, outcome, deliveries, now, now + self.record_ttl_seconds).await {
            tracing::error!(%error, "cannot record the outcome");
        }
    }
}

/// What the deliveries of one attempt came to.
#[derive(Default)]
struct Delivered {
    /// How long they took, side by side.
    latency: Duration,
    /// The first handler's result (a job's).
    result: Option<Value>,
    /// Each delivery made.
    records: Vec<Delivery>,
    /// Why those that failed did.
    failures: Vec<String>,
    /// The first delivery refused for good, with the destination's status.
    refused: Option<(String, Option<u16>)>,
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
    use aws_lambda_events::event::sqs::SqsEvent;
    use hookway_core::Config;
    use hookway_core::store::MemoryStore;
    use serde_json::json;

    use super::*;
    use crate::handler::{self, Registry};

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
        let claim_at = |now| Claim {
            key: &key,
            digest: "x",
            event_type: None,
            locked_until: now + 30,
            now,
            expires_at: now + 60,
            archive: None,
        };
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
