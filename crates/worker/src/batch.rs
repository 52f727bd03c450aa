//! The SQS adapter: a batch of envelopes from the events queue through the pipeline.
//!
//! Claim-checked bodies are read back and the events seen for the first time are archived first
//! ([`crate::archive`]). Messages contending for one state table item — an ordered entity's
//! events, or two copies of one event — form a *chain* and run one after another, oldest first;
//! chains run side by side. Only the messages that failed are reported (`batchItemFailures`), so
//! only they return to the queue; an unreadable message fails alone, and so does one whose body
//! cannot be read back or which cannot be archived. Beside the deliveries, the batch's new events
//! are copied to the listeners of `hookway listen`, if any ([`crate::listen`]): the batch waits for
//! the copies [`crate::listen::GRACE`] at most once its deliveries are done.

use std::collections::HashMap;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessageAttribute};
use futures_util::future::{self, Either};
use futures_util::stream::{self, StreamExt};
use hookway_core::archive::ArchiveLocation;
use hookway_core::store::StateStore;

use crate::deadline::Deadline;
use crate::event::{Event, EventError};
use crate::listen::GRACE;
use crate::metrics::Metrics;
use crate::ordering::Position;
use crate::pipeline::{Origin, Processed};
use crate::{BATCH_CONCURRENCY, Worker};

/// A batch message ready for the pipeline.
pub(crate) struct Prepared {
    pub message_id: String,
    pub event: Event,
    pub position: Option<Position>,
    /// The envelope as received, for the archive and a dead letter; the message's attributes.
    pub body: String,
    pub attributes: HashMap<String, SqsMessageAttribute>,
    /// Where the archive step put the event, if it did.
    pub archived: Option<ArchiveLocation>,
}

impl<S: StateStore> Worker<S> {
    /// An SQS batch: every event through the pipeline; only the failed ones are reported.
    pub async fn batch(&self, batch: SqsEvent, deadline: Deadline) -> (SqsBatchResponse, Metrics) {
        let mut response = SqsBatchResponse::default();
        let mut metrics = Metrics::default();
        let mut messages: Vec<Prepared> = Vec::with_capacity(batch.records.len());
        // Copies of the new events for the listeners of `hookway listen`: none at all while no
        // listener is known to be live.
        let copying = self.listening.as_ref().is_some_and(|listening| !listening.none_live());
        let mut copies: Vec<(String, String)> = Vec::new();
        for message in batch.records {
            let message_id = message.message_id.unwrap_or_default();
            let body = message.body.unwrap_or_default();
            let event = if body.is_empty() { Err(EventError::NoBody) } else { Event::from_envelope(&body) };
            let event = match event {
                Ok(event) => event,
                Err(error) => {
                    tracing::error!(%message_id, %error, "unreadable message: left to the dead-letter queue");
                    metrics.record(None, None, &Processed::Failed(error.to_string()));
                    response.add_failure(message_id);
                    continue;
                }
            };
            // A new event: on its first receive, neither the worker's retry nor a replay.
            let first_receive = message.attributes.get("ApproximateReceiveCount").is_none_or(|count| count == "1");
            if copying && first_receive && event.retry.is_none() && event.replay.is_none() {
                copies.push((event.source.clone(), body.clone()));
            }
            let attributes = message.message_attributes;
            messages.push(Prepared { message_id, event, position: None, body, attributes, archived: None });
        }
        let copy = async {
            if let Some(listening) = &self.listening {
                listening.copy(&copies).await;
            }
        };
        let delivery = std::pin::pin!(self.run_batch(messages, response, metrics, deadline));
        match future::select(delivery, std::pin::pin!(copy)).await {
            Either::Left((delivered, copy)) => {
                if tokio::time::timeout(GRACE, copy).await.is_err() {
                    tracing::warn!("the copies for the listeners outlasted the deliveries: dropped");
                }
                delivered
            }
            Either::Right(((), delivery)) => delivery.await,
        }
    }

    /// The batch's readable messages through the pipeline.
    async fn run_batch(
        &self,
        mut messages: Vec<Prepared>,
        mut response: SqsBatchResponse,
        mut metrics: Metrics,
        deadline: Deadline,
    ) -> (SqsBatchResponse, Metrics) {
        // The archive bucket first: bodies back, then the events seen for the first time archived.
        let mut failures = self.read_bodies(&mut messages).await;
        let skip: Vec<usize> = failures.iter().map(|(index, _)| *index).collect();
        let archived = self.archive(&messages, &skip).await;
        for (index, location) in archived.locations {
            messages[index].archived = Some(location);
        }
        failures.extend(archived.failures);
        let mut failed = vec![None; messages.len()];
        for (index, reason) in failures {
            failed[index] = Some(reason);
        }
        let mut chains: Vec<Vec<Prepared>> = Vec::new();
        let mut chain_of_item: HashMap<String, usize> = HashMap::new();
        for (mut prepared, failure) in messages.into_iter().zip(failed) {
            if let Some(reason) = failure {
                metrics.record(
                    Some(&prepared.event.source),
                    Some(prepared.event.id.as_str()),
                    &Processed::Failed(reason),
                );
                response.add_failure(prepared.message_id);
                continue;
            }
            let position = self.ordering.position(&prepared.event);
            // Chained by the state table item they contend for: the entity's where the source
            // orders events, else the event's own, as SQS may hand one message over twice.
            let item = match &position {
                Some(position) => position.entity.clone(),
                None => self.record_key(&prepared.event).pk().to_owned(),
            };
            let chain = *chain_of_item.entry(item).or_insert_with(|| {
                chains.push(Vec::new());
                chains.len() - 1
            });
            prepared.position = position;
            chains[chain].push(prepared);
        }
        // A chain runs one event after another, oldest first: an entity's newest event is applied
        // last, and the second copy of an event finds the first done instead of busy.
        for chain in &mut chains {
            chain.sort_by_key(|prepared| prepared.position.as_ref().map(|position| position.version));
        }
        let outcomes: Vec<(String, String, String, Processed)> = stream::iter(chains)
            .map(|chain| async move {
                let mut outcomes = Vec::with_capacity(chain.len());
                for prepared in chain {
                    let origin = Origin {
                        body: &prepared.body,
                        attributes: &prepared.attributes,
                        archived: prepared.archived.as_ref(),
                    };
                    let (source, id) = (prepared.event.source.clone(), prepared.event.id.clone());
                    // The batch's sends back to the queue wait for this event while it runs.
                    let processing = self.events_queue.as_ref().map(|queue| queue.enter());
                    let processed = self.process(prepared.event, prepared.position, Some(origin), deadline).await;
                    drop(processing);
                    outcomes.push((prepared.message_id, source, id, processed));
                }
                outcomes
            })
            .buffer_unordered(BATCH_CONCURRENCY)
            .flat_map(stream::iter)
            .collect()
            .await;
        for (message_id, source, id, processed) in outcomes {
            metrics.record(Some(&source), Some(id.as_str()), &processed);
            if !processed.is_acknowledged() {
                response.add_failure(message_id);
            }
        }
        (response, metrics)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use hookway_core::Config;
    use hookway_core::store::MemoryStore;
    use serde_json::{Value, json};

    use crate::deadline::Deadline;
    use crate::handler::Registry;
    use crate::listen::{GRACE, Listener, Listeners};
    use crate::{Outbound, Worker};

    /// Listeners that hang, or fail, wherever they are asked.
    #[derive(Debug)]
    enum Broken {
        /// The registry read never answers.
        HangsReading,
        /// One listener is live; sending to it never answers.
        HangsSending,
        /// Every call fails.
        Fails,
    }

    #[async_trait::async_trait]
    impl Listeners for Broken {
        async fn registered(&self) -> Result<Vec<Listener>, String> {
            match self {
                Broken::HangsReading => std::future::pending().await,
                Broken::HangsSending => Ok(vec![Listener {
                    queue_url: "https://q/hangs".into(),
                    expires_at: hookway_core::unix_now() + 120,
                    sources: None,
                }]),
                Broken::Fails => Err("ProvisionedThroughputExceededException: slow down".into()),
            }
        }

        async fn send(&self, _queue_url: &str, _bodies: &[&str]) -> Result<bool, String> {
            match self {
                Broken::Fails => Err("InternalError".into()),
                _ => std::future::pending().await,
            }
        }
    }

    fn worker() -> Worker<MemoryStore> {
        let config = json!({
            "sources": [{"name": "stripe", "scheme": "stripe", "secretParameters": ["/s"]}],
            "routes": [{"source": "*", "handler": "log"}],
        });
        let config = Config::from_json(&config.to_string()).unwrap();
        Worker::new(&config, MemoryStore::default(), &Registry::new(), Outbound::from(reqwest::Client::new())).unwrap()
    }

    /// Two new events and a message that is not one.
    fn batch() -> Value {
        let event = |id: &str| hookway_core::envelope::queued("stripe", id, "invoice.paid", "{}");
        json!({"Records": [
            {"messageId": "m0", "body": event("evt_0"), "eventSource": "aws:sqs", "attributes": {"ApproximateReceiveCount": "1"}},
            {"messageId": "m1", "body": "not an envelope", "eventSource": "aws:sqs"},
            {"messageId": "m2", "body": event("evt_2"), "eventSource": "aws:sqs"},
        ]})
    }

    #[tokio::test]
    async fn listeners_that_hang_or_fail_leave_the_batch_as_it_is_and_delay_it_by_the_grace_at_most() {
        let deadline = || Deadline::after(Duration::from_secs(30));
        let alone = worker().invoke(batch(), deadline()).await.unwrap();
        assert_eq!(alone["batchItemFailures"], json!([{"itemIdentifier": "m1"}]));
        for broken in [Broken::HangsReading, Broken::HangsSending, Broken::Fails] {
            let case = format!("{broken:?}");
            let worker = worker().with_listeners(Arc::new(broken));
            let started = Instant::now();
            let answered = tokio::time::timeout(Duration::from_secs(10), worker.invoke(batch(), deadline())).await;
            let answered = answered.expect("the batch answers though its listeners do not").unwrap();
            assert_eq!(answered, alone, "{case}");
            assert!(started.elapsed() < GRACE + Duration::from_millis(500), "{case}: {:?}", started.elapsed());
        }
    }
}
