//! The SQS adapter: a batch of envelopes from the events queue through the pipeline.
//!
//! Claim-checked bodies are read back and the events seen for the first time are archived first
//! ([`crate::archive`]). Messages contending for one state table item — an ordered entity's
//! events, or two copies of one event — form a *chain* and run one after another, oldest first;
//! chains run side by side. Only the messages that failed are reported (`batchItemFailures`), so
//! only they return to the queue; an unreadable message fails alone, and so does one whose body
//! cannot be read back or which cannot be archived. Beside the deliveries, the batch's new events
//! are copied to the listeners of `hookway listen`, if any ([`crate::listen`]).

use std::collections::HashMap;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessageAttribute};
use futures_util::stream::{self, StreamExt};
use hookway_core::archive::ArchiveLocation;
use hookway_core::store::StateStore;

use crate::deadline::Deadline;
use crate::event::{Event, EventError};
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
            let attributes = message.message_attributes;
            messages.push(Prepared { message_id, event, position: None, body, attributes, archived: None });
        }
        // Copies of the new events for the listeners of `hookway listen`, sent beside the
        // deliveries: first attempts only (no retry, no replay), and no copy at all while no
        // listener is known to be live.
        let copies: Vec<(String, String)> = match &self.listening {
            Some(listening) if !listening.none_live() => messages
                .iter()
                .filter(|prepared| prepared.event.retry.is_none() && prepared.event.replay.is_none())
                .map(|prepared| (prepared.event.source.clone(), prepared.body.clone()))
                .collect(),
            _ => Vec::new(),
        };
        let listen = async {
            if let Some(listening) = &self.listening {
                listening.copy(&copies).await;
            }
        };
        let (delivered, ()) = tokio::join!(self.run_batch(messages, response, metrics, deadline), listen);
        delivered
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
                    let processed = self.process(prepared.event, prepared.position, Some(origin), deadline).await;
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
