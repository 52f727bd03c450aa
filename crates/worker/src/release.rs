//! The sweep: parked events back to the events queue.
//!
//! An event waits *parked* in its own record (see [`hookway_core::store::Parking`]) when its wait
//! is longer than one hop of the queue, or when its destination holds it: its circuit is open, or
//! an operator paused it. A wait then costs nothing per minute, and a destination that is down
//! for a day keeps nothing in the events queue, where the other destinations' events flow.
//!
//! Every minute (an EventBridge schedule in AWS; `hookway dev` every second) the worker is invoked
//! with `{"hookway": "release"}` and walks its destinations (each once), reading their circuits in
//! one `BatchGetItem`, and every key events were ever parked under (an item of the state table
//! lists them), so that a destination removed from the configuration leaves none behind:
//!
//! * **gone from the configuration**: every event parked for it goes back, for the routes as they
//!   are now; once none is left, its key is forgotten;
//! * **paused**: what it holds stays held (only what is due by its schedule goes);
//! * **closed after an outage, or resumed** (its circuit's `drain`): every event held for it, and
//!   every event due, until none is left;
//! * **otherwise** the events whose time has come, and any a pause still holds once lifted — and,
//!   once an open circuit's cool-down is over, the first event held for it as its probe: when
//!   that succeeds, the circuit closes and the next sweep drains the rest.
//!
//! A paused destination's events that are due by their schedule still go (for the event's other
//! destinations; the paused one holds its delivery again), and each sweep keeps the pause from
//! expiring.
//!
//! Each event released is sent back to the events queue (a `SendMessageBatch` for ten), spread at
//! the destination's rate limit, then taken out of the index. Should the worker die in between,
//! the next sweep sends it again, and the claim keeps the copies from running twice (a copy of a
//! finished event is a duplicate; one of an event parked again under a newer sequence number is
//! stale).

use std::time::Duration;

use futures_util::future::join_all;
use futures_util::{StreamExt as _, stream};
use hookway_core::store::{HELD, ParkedEvent, StateStore};
use serde::Deserialize;

use crate::Worker;
use crate::router::Outlet;
use crate::shared::Circuit;

/// The most events one sweep releases for one destination.
pub const MAX_RELEASE: usize = 1_000;
/// Parked events taken out of the index at once.
const UNPARK_CONCURRENCY: usize = 32;
/// How often the deployed stack sweeps.
pub const EVERY: Duration = Duration::from_secs(60);

/// The invocation that sweeps: `{"hookway": "release"}`, with how often it comes (`everySeconds`,
/// a minute unless it says).
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Sweep {
    /// Always `release`.
    pub hookway: SweepName,
    /// Seconds between sweeps: a rate-limited destination gets this long's worth of events.
    #[serde(default)]
    pub every_seconds: Option<u64>,
}

/// The one name a sweep has.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SweepName {
    /// Release parked events.
    Release,
}

/// What a sweep did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Released {
    /// Events sent back to the queue, by destination.
    pub by_destination: Vec<(String, usize)>,
    /// Destinations whose parked events could not be read or sent (they are tried again next time).
    pub errors: usize,
}

impl Released {
    /// Events released in all.
    pub fn total(&self) -> usize {
        self.by_destination.iter().map(|(_, count)| count).sum()
    }
}

impl<S: StateStore> Worker<S> {
    /// One sweep, `every` after the one before.
    pub async fn release(&self, every: Duration) -> Released {
        let mut released = Released::default();
        let Some(queue) = &self.events_queue else { return released };
        let mut outlets: Vec<(Outlet, bool)> =
            self.router.outlets().iter().map(|outlet| (outlet.clone(), true)).collect();
        match self.shared.parked_keys().await {
            Ok(known) => {
                let missing: Vec<&str> = outlets
                    .iter()
                    .map(|(outlet, _)| outlet.key.as_str())
                    .filter(|key| !known.iter().any(|known| known == key))
                    .collect();
                if !missing.is_empty()
                    && let Err(error) = self.shared.note_parked(&missing).await
                {
                    tracing::warn!(%error, "cannot note the destinations events are parked for");
                }
                for key in known {
                    if !outlets.iter().any(|(outlet, _)| outlet.key == key) {
                        outlets.push((Outlet { key, per_second: None }, false));
                    }
                }
            }
            Err(error) => tracing::warn!(%error, "cannot read the keys events were parked under: configured ones only"),
        }
        let keys: Vec<&str> = outlets.iter().map(|(outlet, _)| outlet.key.as_str()).collect();
        let circuits = match self.shared.circuits(&keys).await {
            Ok(circuits) => circuits,
            Err(error) => {
                tracing::error!(%error, "cannot read the destinations' circuits: nothing released");
                released.errors += 1;
                return released;
            }
        };
        for (outlet, configured) in &outlets {
            let circuit = circuits.get(&outlet.key).copied().unwrap_or_default();
            match self.release_one(outlet, *configured, circuit, every, queue.as_ref()).await {
                Ok(0) => {}
                Ok(count) => {
                    tracing::info!(destination = %outlet.key, released = count, "parked events released");
                    released.by_destination.push((outlet.key.clone(), count));
                }
                Err(error) => {
                    tracing::error!(destination = %outlet.key, %error, "cannot release parked events: next sweep");
                    released.errors += 1;
                }
            }
        }
        released
    }

    async fn release_one(
        &self,
        outlet: &Outlet,
        configured: bool,
        circuit: Circuit,
        every: Duration,
        queue: &dyn crate::requeue::EventsQueue,
    ) -> Result<usize, String> {
        let now = hookway_core::unix_now_ms();
        let budget = outlet.per_second.map_or(MAX_RELEASE, |per_second| {
            let per_sweep = u64::from(per_second).saturating_mul(every.as_secs().max(1));
            usize::try_from(per_sweep).unwrap_or(MAX_RELEASE).clamp(1, MAX_RELEASE)
        });
        let failed = |error: hookway_core::store::StoreError| error.to_string();
        let mut events = if !configured {
            // Gone from the configuration: everything, for the routes as they are now.
            let (parked, _) = self.store.parked(&outlet.key, HELD, budget).await.map_err(failed)?;
            if parked.is_empty()
                && let Err(error) = self.shared.forget_parked(&outlet.key).await
            {
                tracing::warn!(destination = %outlet.key, %error, "cannot forget a key nothing is parked under");
            }
            parked
        } else if circuit.paused {
            // Paused: what it holds stays (and so does the pause, whatever else wrote its item,
            // unless it was resumed since it was read); what is due goes, for the event's other
            // destinations.
            if let Err(error) = self.shared.keep_paused(&outlet.key).await {
                tracing::warn!(destination = %outlet.key, %error, "cannot keep the destination paused");
            }
            self.store.parked(&outlet.key, now, budget).await.map_err(failed)?.0
        } else if circuit.drain && circuit.open_until.is_none() {
            // Back from an outage, or resumed: what was held for it, and what is due.
            let (parked, more) = self.store.releasable(&outlet.key, now, budget).await.map_err(failed)?;
            if !more && let Err(error) = self.shared.drained(&outlet.key).await {
                tracing::warn!(destination = %outlet.key, %error, "cannot mark the circuit drained");
            }
            parked
        } else {
            // What is due, and whatever a pause still holds though the destination is not paused
            // (an attempt that read the pause just before it was lifted).
            let mut parked = self.store.parked(&outlet.key, now, budget).await.map_err(failed)?.0;
            parked.extend(self.store.held_until_resumed(&outlet.key, budget).await.map_err(failed)?);
            parked
        };
        // An open circuit whose cool-down is over: the first event held for it is the probe.
        if events.is_empty() && configured && !circuit.paused && circuit.open_until.is_some_and(|until| until <= now) {
            events = self.store.releasable(&outlet.key, now, 1).await.map_err(failed)?.0;
        }
        let spacing_ms = outlet.per_second.map_or(0, |per_second| 1_000 / u64::from(per_second.max(1)));
        let sent = join_all(events.iter().enumerate().map(|(index, parked)| {
            let delay = Duration::from_millis(spacing_ms.saturating_mul(index as u64)).min(self.max_hop);
            self.send_back(queue, parked, delay)
        }))
        .await;
        let mut back = Vec::with_capacity(events.len());
        for (parked, sent) in events.iter().zip(sent) {
            match sent {
                Ok(()) => back.push(parked),
                Err(error) => {
                    tracing::error!(destination = %outlet.key, %error, "cannot send a parked event back: next sweep");
                }
            }
        }
        // Out of the index, UNPARK_CONCURRENCY at a time.
        let unparked = stream::iter(&back)
            .map(|parked| self.store.unpark(&parked.pk, &parked.parking))
            .buffer_unordered(UNPARK_CONCURRENCY)
            .collect::<Vec<_>>()
            .await;
        for error in unparked.into_iter().filter_map(Result::err) {
            tracing::warn!(destination = %outlet.key, %error, "sent back, but still parked: a copy may follow");
        }
        Ok(back.len())
    }

    async fn send_back(
        &self,
        queue: &dyn crate::requeue::EventsQueue,
        parked: &ParkedEvent,
        delay: Duration,
    ) -> Result<(), String> {
        queue.send(&parked.parking.message, &parked.parking.attributes, delay).await
    }
}
