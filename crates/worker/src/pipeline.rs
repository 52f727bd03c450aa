//! The pipeline every event goes through, whichever adapter brought it:
//!
//! 1. **claim** its record in the state table (a duplicate of a processed event is acknowledged,
//!    one in progress elsewhere is left for a retry);
//! 2. **ordering**: an event older than its entity's applied version is skipped;
//! 3. **route**: the first matching route names the handler (an unrouted event is acknowledged,
//!    an unrouted job fails);
//! 4. **deliver** it to the handler;
//! 5. **record** the outcome.
//!
//! Each step returns early with the event's [`Processed`] outcome when the event goes no further.

use std::time::{Duration, Instant};

use hookway_core::store::{Claim, Claimed, Outcome, RecordKey, StateStore};
use serde_json::Value;
use tracing::Instrument;
use tracing::field::Empty;

use crate::deadline::Deadline;
use crate::event::Event;
use crate::ordering::Position;
use crate::{FINISH_MARGIN, Worker};

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
}

impl Processed {
    /// Whether the event is done with: acknowledged, not retried.
    pub fn is_acknowledged(&self) -> bool {
        !matches!(self, Processed::Busy | Processed::Failed(_))
    }
}

impl<S: StateStore> Worker<S> {
    /// One event through the pipeline, in a span naming it.
    pub(crate) async fn process(&self, event: Event, position: Option<Position>, deadline: Deadline) -> Processed {
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
        if let Err(processed) = self.claim(&mut event, &key, deadline).await {
            return processed;
        }
        if let Some(position) = &position
            && let Err(processed) = self.check_order(&event, &key, position).await
        {
            return processed;
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
                self.record_applied(&event, position.as_ref()).await;
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

    /// Step 1: the event's record, held until the invocation's deadline; its attempt set.
    async fn claim(&self, event: &mut Event, key: &RecordKey, deadline: Deadline) -> Result<(), Processed> {
        let now = hookway_core::unix_now();
        let digest = event.digest();
        let claim = Claim {
            key,
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
        Ok(())
    }

    /// Step 2: skips an event older than the version its entity is at.
    async fn check_order(&self, event: &Event, key: &RecordKey, position: &Position) -> Result<(), Processed> {
        match self.store.applied_version(&position.entity).await {
            Ok(Some(applied)) if position.version < applied => {
                tracing::info!(version = position.version, applied, "older than the applied version: skipped");
                self.finish(key, &Outcome::Succeeded(None)).await;
                Err(Processed::StaleSkipped)
            }
            Ok(_) => Ok(()),
            Err(error) => Err(self.fail(event, key, error.to_string()).await),
        }
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
