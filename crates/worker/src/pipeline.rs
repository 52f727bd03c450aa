//! The pipeline every event goes through, whichever adapter brought it:
//!
//! 1. **claim** its record in the state table (a duplicate of a processed event is acknowledged,
//!    one in progress elsewhere is left for a retry, a leftover copy of one that waits is dropped);
//! 2. **ordering**: an event older than its entity's applied version is skipped;
//! 3. **route**: the first matching route names the handlers (an unrouted event is acknowledged,
//!    an unrouted job fails);
//! 4. **deliver** it to each handler at once — one *delivery* each; those that succeeded in an
//!    earlier attempt are skipped, and so are those whose next attempt has not come yet;
//! 5. **record** the outcome and every delivery's, in one write.
//!
//! An event from the events queue with deliveries still to make goes back to the queue, delayed
//! until the earliest of their next attempts (see [`crate::schedule`]), and the message it came in
//! is acknowledged: it waits in the queue, and `maxReceiveCount` only ever counts crashes and
//! poison messages. A message that arrives before its time goes back to wait the rest (a *hop*),
//! without touching the state table. When a destination refused the event for good, or a
//! delivery's retry schedule is used up, the event goes to the dead-letter queue with the reason.
//!
//! Each step returns early with the event's [`Processed`] outcome when the event goes no further.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use aws_lambda_events::event::sqs::SqsMessageAttribute;
use futures_util::future::join_all;
use hookway_core::archive::ArchiveLocation;
use hookway_core::dead_letter::{Cause, DeadLetter};
use hookway_core::envelope::Retry;
use hookway_core::store::{
    Claim, Claimed, Delivery, DeliveryStatus, HELD, Hold, NextAttempt, Outcome, Parking, RecordKey, StateStore,
    WaitReason,
};
use hookway_core::transform::TransformError;
use serde_json::Value;
use tracing::Instrument;
use tracing::field::Empty;

use crate::deadline::Deadline;
use crate::event::Event;
use crate::handler::Report;
use crate::ordering::Position;
use crate::requeue::{EventsQueue, with_retry};
use crate::router::Route;
use crate::schedule::{self, Decision, Setback, Window};
use crate::verdict::{self, Next, Verdict};
use crate::{FINISH_MARGIN, Worker};

/// A transform that failed, or yielded nothing: no attempt was made, and none would go otherwise,
/// so the event goes to the dead-letter queue with jq's error.
fn transform_failed(error: &TransformError) -> Report {
    Report {
        result: Err(format!("transform: {error}").into()),
        attempts: 0,
        last_status: None,
        latency: None,
        permanent: true,
        setback: None,
    }
}

/// The SQS message an event came in: what a dead letter, or the event's next wait, carries on,
/// and where the batch archived it.
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
    /// A destination refused it for good, or a delivery's retry schedule is used up: it is in
    /// the dead-letter queue, and acknowledged.
    DeadLettered(DeadLetter),
    /// Some deliveries are still to make: the event is back in the events queue, to be tried
    /// again at `until` (Unix ms), and acknowledged.
    Delayed {
        /// The next attempt.
        until: i64,
        /// Why, when a destination failed (or its circuit is open); none when they were only
        /// paced (asked to wait, rate-limited).
        failure: Option<String>,
        /// The deliveries put off by this attempt.
        destinations: Vec<String>,
        /// Where it waits.
        waits_in: WaitsIn,
    },
    /// It arrived before its next attempt: back in the queue to wait the rest, and acknowledged.
    Waiting,
}

/// Where an event waits for its next attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitsIn {
    /// In the events queue, delayed.
    Queue,
    /// Parked in its record, held for its destination if it is unwell or paused.
    Parked(Option<Hold>),
}

impl WaitsIn {
    /// How logs name it.
    pub fn name(self) -> &'static str {
        match self {
            WaitsIn::Queue => "queue",
            WaitsIn::Parked(None) => "parked",
            WaitsIn::Parked(Some(Hold::Circuit)) => "parked for its destination's circuit",
            WaitsIn::Parked(Some(Hold::Paused)) => "held while its destination is paused",
        }
    }
}

impl Processed {
    /// Whether the event is done with here: acknowledged, not retried by the queue.
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
        // Where the event can wait for its next attempt: in the events queue it came from.
        let waiting_room = match (origin, &self.events_queue) {
            (Some(origin), Some(queue)) if !event.is_job() => Some((origin, queue.as_ref())),
            _ => None,
        };
        let now = hookway_core::unix_now_ms();
        if let (Some((origin, queue)), Some(retry)) = (waiting_room, event.retry)
            && let Some(delay) = schedule::hop(retry.not_before, now, self.max_hop)
        {
            return self.hop(queue, origin, delay).await;
        }
        let key = self.record_key(&event);
        let earlier = match self.claim(&mut event, &key, origin, deadline).await {
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
        let window = waiting_room.map(|_| Window {
            first_attempt_at: event.retry.map_or(now, |retry| retry.first_attempt_at),
            now,
            retention: self.retention,
        });
        let delivered = self.deliver(&event, route, &earlier, deadline, window).await;
        let next = match window {
            Some(window) => {
                verdict::next(&delivered.verdicts, window.now.max(hookway_core::unix_now_ms()), self.max_hop)
            }
            None if delivered.verdicts.iter().all(|verdict| *verdict == Verdict::Delivered) => Next::Done,
            None => match delivered.verdicts.iter().position(|verdict| *verdict == Verdict::Refused) {
                Some(index) => Next::Refused(index),
                None => Next::Fail,
            },
        };
        if next == Next::Done {
            self.record_applied(&event, position.as_ref()).await;
            let result = delivered.result;
            self.finish(&key, &Outcome::Succeeded(result.clone()), &delivered.records).await;
            let latency = delivered.latency;
            // No line of its own at INFO: its batch's metrics line names it, with its latency.
            tracing::debug!(deliveries = route.destinations.len(), "handled");
            return Processed::Handled { latency, result };
        }
        let failure = match delivered.failures.as_slice() {
            [] => None,
            [only] if route.destinations.len() == 1 => Some(only.clone()),
            failures => Some(format!(
                "{} of {} deliveries failed: {}",
                failures.len(),
                route.destinations.len(),
                failures.join("; ")
            )),
        };
        let reason = || failure.clone().unwrap_or_else(|| delivered.put_off.join("; "));
        let destination = |index: usize| route.destinations[index].name.clone();
        let status = |index: usize| delivered.statuses[index];
        if let (Next::Refused(index), Some(origin)) = (next, origin)
            && !event.is_job()
        {
            let processed = self.fail(&event, &key, reason(), &delivered.records).await;
            let letter = DeadLetter {
                reason: reason(),
                status: status(index),
                destination: destination(index),
                cause: Cause::Refused,
            };
            return self.dead_letter(origin, letter).await.unwrap_or(processed);
        }
        match (next, waiting_room, window) {
            (Next::GaveUp(index), Some((origin, _)), Some(window)) => {
                let series = delivered.series[index];
                let reason = format!(
                    "gave up after {series} series of attempts since {} (its retry schedule is used up): {}",
                    hookway_core::rfc3339_ms(window.first_attempt_at),
                    reason()
                );
                let processed = self.fail(&event, &key, reason.clone(), &delivered.records).await;
                let letter = DeadLetter {
                    reason,
                    status: status(index),
                    destination: destination(index),
                    cause: Cause::RetriesExhausted,
                };
                self.dead_letter(origin, letter).await.unwrap_or(processed)
            }
            (Next::Queue(wake), Some(room), Some(window)) => {
                self.wait(&event, &key, room, window, delivered, failure, Parked::Queue(wake)).await
            }
            (Next::Park { index, due, hold }, Some(room), Some(window)) => {
                let parking = Parked::Park { key: route.destinations[index].key.clone(), due, hold };
                self.wait(&event, &key, room, window, delivered, failure, parking).await
            }
            _ => self.fail(&event, &key, reason(), &delivered.records).await,
        }
    }

    /// Step 1: the event's record, held until the invocation's deadline (and where the event is
    /// archived, if this receive archived it); its attempt set. The deliveries earlier attempts
    /// made come back with it. An event whose id was first processed with another body is neither
    /// that event nor its duplicate: it goes to the dead-letter queue.
    async fn claim(
        &self,
        event: &mut Event,
        key: &RecordKey,
        origin: Option<Origin<'_>>,
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
            expires_at: deadline.unix_seconds() + self.record_ttl.seconds(key),
            archive: origin.and_then(|origin| origin.archived),
            sequence: event.retry.map_or(0, |retry| retry.sequence),
            event_id: key.is_body_keyed().then_some(event.id.as_str()),
        };
        let (attempts, deliveries) = match self.store.claim(&claim).await {
            Ok(Claimed::Acquired { attempts, deliveries }) => (attempts, deliveries),
            Ok(Claimed::AlreadyDone) => {
                tracing::info!("duplicate of a processed event: acknowledged without running the handler");
                return Err(Processed::Duplicate);
            }
            Ok(Claimed::Conflict { stored }) => return Err(self.conflict(origin, &stored, &digest).await),
            Ok(Claimed::Stale) => {
                tracing::info!("a leftover copy of an event that waits under a newer one: dropped");
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
        event.attempt = attempts;
        tracing::Span::current().record("attempt", attempts);
        Ok(deliveries)
    }

    /// An id conflict: to the dead-letter queue with both digests, never acknowledged as a
    /// duplicate. Without a message to dead-letter (a job), it fails.
    async fn conflict(&self, origin: Option<Origin<'_>>, stored: &str, delivered: &str) -> Processed {
        let reason = format!(
            "id-conflict: this id was first processed with a body of SHA-256 {stored}; this body's is {delivered}"
        );
        tracing::error!(
            stored_digest = stored,
            delivered_digest = delivered,
            "id-conflict: this id was first processed with another body"
        );
        let letter =
            DeadLetter { reason: reason.clone(), status: None, destination: String::new(), cause: Cause::IdConflict };
        match origin {
            Some(origin) => self.dead_letter(origin, letter).await.unwrap_or(Processed::Failed(reason)),
            None => Processed::Failed(reason),
        }
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

    /// Step 4: the route's deliveries that have not succeeded yet and whose time has come, all at
    /// once. With a `window`, the event can wait in the queue: each delivery that did not succeed
    /// gets its next attempt from its handler's retry schedule.
    async fn deliver(
        &self,
        event: &Event,
        route: &Route,
        earlier: &[Delivery],
        deadline: Deadline,
        window: Option<Window>,
    ) -> Delivered {
        let started = Instant::now();
        let count = route.destinations.len();
        let mut delivered = Delivered {
            verdicts: vec![Verdict::Delivered; count],
            statuses: vec![None; count],
            series: vec![0; count],
            ..Delivered::default()
        };
        let mut pending = Vec::with_capacity(count);
        for (destination, index) in route.destinations.iter().zip(0u32..) {
            let before = earlier.iter().find(|delivery| delivery.destination == destination.name);
            if before.is_some_and(|delivery| delivery.status == DeliveryStatus::Succeeded) {
                tracing::info!(destination = %destination.name, "delivered in an earlier attempt: skipped");
                continue;
            }
            let next = before.and_then(|delivery| delivery.next_attempt);
            // One held for its destination is tried whenever the event comes: it was released
            // because the destination is back.
            let held = next.filter(|next| matches!(next.reason, WaitReason::CircuitOpen | WaitReason::Paused));
            if let (Some(window), Some(next)) = (window, next)
                && !schedule::is_due(next, window.now)
                && held.is_none()
            {
                delivered.verdicts[index as usize] = Verdict::WaitUntil(next);
                continue;
            }
            let early = held.filter(|held| window.is_some_and(|window| !schedule::is_due(*held, window.now)));
            let slot = next.filter(|next| next.reason == WaitReason::RateLimit).map(|next| next.at_ms);
            pending.push((destination, index, before, slot, early));
        }
        let handler_deadline = deadline.earlier_by(FINISH_MARGIN);
        let reports = join_all(pending.iter().map(|(destination, _, _, slot, _)| async move {
            // A destination with a transform sees what its program yields; one without, the event
            // as it came (its body never parsed here).
            match destination.transform.as_deref().map(|program| event.transformed(program)) {
                None => destination.handler.deliver(event, handler_deadline, *slot).await,
                Some(Ok(transformed)) => destination.handler.deliver(&transformed, handler_deadline, *slot).await,
                Some(Err(error)) => transform_failed(&error),
            }
        }))
        .await;
        let now = hookway_core::unix_now();
        let now_ms = hookway_core::unix_now_ms();
        delivered.latency = started.elapsed();
        for ((destination, index, before, _, early), report) in pending.into_iter().zip(reports) {
            // A delivery dead-lettered before is being redriven: its schedule starts again.
            let retries = before.filter(|delivery| delivery.status != DeliveryStatus::DeadLettered);
            let retries = retries.map_or(0, |delivery| delivery.retries);
            let mut record = Delivery {
                destination: destination.name.clone(),
                index,
                status: DeliveryStatus::Succeeded,
                attempts: before.map_or(0, |delivery| delivery.attempts) + report.attempts,
                last_status: report.last_status.or(before.and_then(|delivery| delivery.last_status)),
                latency_ms: report
                    .latency
                    .map(|latency| u64::try_from(latency.as_millis()).unwrap_or(u64::MAX))
                    .or(before.and_then(|delivery| delivery.latency_ms)),
                error: None,
                delivered_at: Some(now),
                updated_at: now,
                retries,
                next_attempt: None,
            };
            let slot = index as usize;
            delivered.statuses[slot] = report.last_status;
            delivered.series[slot] = retries + 1;
            let error = match report.result {
                Ok(result) => {
                    delivered.result = delivered.result.take().or(result);
                    delivered.records.push(record);
                    continue;
                }
                Err(error) => error.to_string(),
            };
            record.delivered_at = None;
            record.error = Some(error.clone());
            record.status = DeliveryStatus::Failed;
            let name = &destination.name;
            if report.permanent {
                tracing::warn!(destination = %name, %error, "refused for good");
                record.status = DeliveryStatus::DeadLettered;
                delivered.verdicts[slot] = Verdict::Refused;
                delivered.failures.push(error);
                delivered.records.push(record);
                continue;
            }
            let (Some(window), Some(setback)) = (window, report.setback) else {
                tracing::warn!(destination = %name, %error, "delivery failed");
                delivered.verdicts[slot] = Verdict::Failed;
                delivered.failures.push(error);
                delivered.records.push(record);
                continue;
            };
            // A destination that failed, or whose circuit is open, is unwell; one that paced us,
            // or that an operator paused, is not.
            let unwell = match setback {
                Setback::Failed { .. } | Setback::CircuitOpen { .. } => true,
                Setback::Throttled { .. } => report.last_status.is_some_and(|status| status >= 500),
                Setback::RateLimited { .. } | Setback::NoTime | Setback::Paused => false,
            };
            // Held for the destination: its circuit is open (or opened during the series), or it
            // is paused.
            let hold = match setback {
                Setback::CircuitOpen { .. } | Setback::Failed { not_before: Some(_) } => Some(Hold::Circuit),
                Setback::Paused => Some(Hold::Paused),
                _ => None,
            };
            // Released before its time, it found the destination still closed to it: nothing was
            // sent, and it waits on as it did.
            let same_hold = |early: NextAttempt, hold: Hold| {
                matches!(
                    (early.reason, hold),
                    (WaitReason::CircuitOpen, Hold::Circuit) | (WaitReason::Paused, Hold::Paused)
                )
            };
            if let (Some(early), Some(hold), Some(before)) = (early, hold, before)
                && report.attempts == 0
                && same_hold(early, hold)
            {
                record = Delivery { updated_at: now, ..before.clone() };
                delivered.verdicts[slot] = Verdict::Park(early, hold);
                delivered.delayed.push(name.clone());
                delivered.put_off.push(error);
                delivered.records.push(record);
                continue;
            }
            match destination.schedule.decide(retries, setback, Window { now: now_ms, ..window }) {
                Decision::Retry { next, retries: used } => {
                    let at = hookway_core::rfc3339_ms(next.at_ms);
                    tracing::warn!(destination = %name, %error, next_attempt = %at, wait = next.reason.name(), "delivery put off");
                    record.status = if used > retries { DeliveryStatus::Failed } else { DeliveryStatus::Delayed };
                    record.retries = used;
                    record.next_attempt = Some(next);
                    delivered.used_entry |= used > retries;
                    delivered.verdicts[slot] = match hold {
                        Some(hold) => Verdict::Park(next, hold),
                        None => Verdict::WaitUntil(next),
                    };
                    delivered.delayed.push(name.clone());
                    if unwell { delivered.failures.push(error) } else { delivered.put_off.push(error) }
                }
                Decision::Hold => {
                    tracing::info!(destination = %name, "held: the destination is paused");
                    let next = NextAttempt { at_ms: HELD, reason: WaitReason::Paused };
                    record.status = DeliveryStatus::Delayed;
                    record.next_attempt = Some(next);
                    delivered.verdicts[slot] = Verdict::Park(next, Hold::Paused);
                    delivered.delayed.push(name.clone());
                    delivered.put_off.push(error);
                }
                Decision::GiveUp => {
                    tracing::warn!(destination = %name, %error, "delivery given up: its retry schedule is used up");
                    record.status = DeliveryStatus::DeadLettered;
                    delivered.verdicts[slot] = Verdict::GaveUp;
                    delivered.failures.push(error);
                }
            }
            delivered.records.push(record);
        }
        delivered
    }

    /// Puts the event back to wait for its next attempt: in the events queue, delayed until then,
    /// or parked in its record; then records its deliveries. Should the queue or the table refuse
    /// it, the message is left to the queue's retries.
    #[allow(clippy::too_many_arguments)]
    async fn wait(
        &self,
        event: &Event,
        key: &RecordKey,
        (origin, queue): (Origin<'_>, &dyn EventsQueue),
        window: Window,
        delivered: Delivered,
        failure: Option<String>,
        parked: Parked,
    ) -> Processed {
        // A parked event's message is due whenever the sweep sends it: its deliveries' next
        // attempts, in its record, say which are to be made then.
        let (wake, not_before) = match &parked {
            Parked::Queue(wake) => (*wake, *wake),
            Parked::Park { due, .. } => (*due, hookway_core::unix_now_ms()),
        };
        let sequence = event.retry.map_or(0, |retry| retry.sequence) + 1;
        let attempt = event.retry.map_or(1, |retry| retry.attempt) + u32::from(delivered.used_entry);
        let retry = Retry {
            attempt,
            first_attempt_at: hookway_core::rfc3339_ms(window.first_attempt_at),
            not_before: hookway_core::rfc3339_ms(not_before),
            sequence,
        };
        let message = match with_retry(origin.body, Some(retry)) {
            Ok(message) => message,
            Err(error) => return self.fail(event, key, error.to_string(), &delivered.records).await,
        };
        let (waits_in, stored) = match parked {
            Parked::Queue(wake) => {
                let delay = schedule::hop(wake, hookway_core::unix_now_ms(), self.max_hop).unwrap_or_default();
                if let Err(error) = queue.send(&message, &attributes(origin), delay).await {
                    tracing::error!(%error, "cannot send the event back to wait: left for the queue's retry");
                    let reason = failure.unwrap_or_else(|| format!("cannot wait in the events queue: {error}"));
                    return self.fail(event, key, reason, &delivered.records).await;
                }
                // Sent first, recorded next: a record that says it waits has its copy in the queue.
                let outcome = Outcome::Waiting { sequence, error: failure.clone() };
                self.finish(key, &outcome, &delivered.records).await;
                (WaitsIn::Queue, Ok(()))
            }
            Parked::Park { key: destination, due, hold } => {
                let parking = Parking {
                    destination,
                    due_ms: due,
                    hold,
                    message: message.into_owned(),
                    attributes: attributes(origin),
                    parked_at: hookway_core::unix_now_ms(),
                };
                let outcome = Outcome::Parked { sequence, error: failure.clone(), parking };
                let now = hookway_core::unix_now();
                // Held until its destination is resumed, however long that is: the record stays
                // (its next claim sets its expiry again).
                let expires_at =
                    if due == HELD { now + HELD_RECORD_SECONDS } else { now + self.record_ttl.seconds(key) };
                let stored = self.store.finish(key, &outcome, &delivered.records, now, expires_at).await;
                (WaitsIn::Parked(hold), stored)
            }
        };
        if let Err(error) = stored {
            // Nothing holds the event but its message: left to the queue's retry.
            tracing::error!(%error, "cannot park the event: left for the queue's retry");
            return Processed::Failed(format!("cannot park the event: {error}"));
        }
        tracing::info!(
            next_attempt = %if verdict::is_timed(wake) { hookway_core::rfc3339_ms(wake) } else { "when resumed".into() },
            series = attempt,
            waits_in = waits_in.name(),
            "waits for its next attempt"
        );
        Processed::Delayed { until: wake, failure, destinations: delivered.delayed, waits_in }
    }

    /// A message that arrived before its time: back to the queue, unchanged, for the rest.
    async fn hop(&self, queue: &dyn EventsQueue, origin: Origin<'_>, delay: Duration) -> Processed {
        match queue.send(origin.body, &attributes(origin), delay).await {
            Ok(()) => {
                tracing::debug!(delay_seconds = delay.as_secs(), "not its time yet: waits on");
                Processed::Waiting
            }
            Err(error) => {
                tracing::error!(%error, "cannot send the event back to wait: left for the queue's retry");
                Processed::Failed(error)
            }
        }
    }

    /// Records the version an event applied to its entity.
    async fn record_applied(&self, event: &Event, position: Option<&Position>) {
        let Some(position) = position else { return };
        let expires_at = hookway_core::unix_now() + i64::from(self.record_ttl.by_id_days) * 86_400;
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

    /// Sends an event to the dead-letter queue — as the intake queued it, so that a redrive starts
    /// its retries afresh — and acknowledges it; `None` if it could not be sent (the event is
    /// then left to the queue's retries).
    async fn dead_letter(&self, origin: Origin<'_>, letter: DeadLetter) -> Option<Processed> {
        let queue = self.dead_letters.as_ref()?;
        let sent = match with_retry(origin.body, None) {
            Ok(body) => queue.send(&body, &attributes(origin), &letter).await,
            Err(error) => Err(error.to_string()),
        };
        match sent {
            Ok(()) => {
                tracing::warn!(reason = %letter.reason, cause = letter.cause.name(), "sent to the dead-letter queue");
                Some(Processed::DeadLettered(letter))
            }
            Err(error) => {
                tracing::error!(%error, "cannot send to the dead-letter queue: left for a retry");
                None
            }
        }
    }

    /// Records an outcome. Should that fail, the record stays locked until the invocation's
    /// deadline and a re-delivery is processed again: at least once, never lost.
    async fn finish(&self, key: &RecordKey, outcome: &Outcome, deliveries: &[Delivery]) {
        let now = hookway_core::unix_now();
        if let Err(error) = self.store.finish(key, outcome, deliveries, now, now + self.record_ttl.seconds(key)).await {
            tracing::error!(%error, "cannot record the outcome");
        }
    }
}

/// A message's attributes, as SQS takes them: the envelope's own (`source`, `type`), never a
/// dead letter's reasons.
fn attributes(origin: Origin<'_>) -> Vec<(String, String, String)> {
    origin
        .attributes
        .iter()
        .filter(|(name, _)| !hookway_core::dead_letter::ATTRIBUTES.contains(&name.as_str()))
        .filter_map(|(name, attribute)| {
            Some((name.clone(), attribute.data_type.clone()?, attribute.string_value.clone()?))
        })
        .collect()
}

/// How long the record of an event held for a paused destination is kept: until it is resumed,
/// in practice (ten years).
const HELD_RECORD_SECONDS: i64 = 10 * 365 * 86_400;

/// What the deliveries of one attempt came to.
#[derive(Default)]
struct Delivered {
    /// How long they took, side by side.
    latency: Duration,
    /// The first handler's result (a job's).
    result: Option<Value>,
    /// Each delivery made.
    records: Vec<Delivery>,
    /// How each of the route's deliveries ended, by index.
    verdicts: Vec<Verdict>,
    /// The destinations' last statuses, by index.
    statuses: Vec<Option<u16>>,
    /// The series of attempts each has made, this one included, by index.
    series: Vec<u32>,
    /// Why those that failed did (or found their destination's circuit open).
    failures: Vec<String>,
    /// Why those put off without a failure were: asked to wait, rate-limited, paused, out of time.
    put_off: Vec<String>,
    /// The deliveries put off by this attempt, by name.
    delayed: Vec<String>,
    /// Whether a failed series used an entry of a retry schedule.
    used_entry: bool,
}

/// Where an event waits for its next attempt.
enum Parked {
    /// In the events queue, to arrive then (Unix ms).
    Queue(i64),
    /// Parked for a destination (its key), due then (Unix ms, or [`HELD`]).
    Park { key: String, due: i64, hold: Option<Hold> },
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

        // GitHub does not sign its delivery ids: its events are keyed by their body.
        let key = RecordKey::event_body("github", b"{}");
        let digest = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(b"{}"));
        let now = hookway_core::unix_now();
        let claim_at = |now| Claim {
            key: &key,
            digest: &digest,
            event_type: None,
            locked_until: now + 30,
            now,
            expires_at: now + 60,
            archive: None,
            sequence: 0,
            event_id: None,
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
