//! A batch's two steps with the archive bucket, before any handler runs:
//!
//! 1. **Bodies**: a claim-checked event's body is read back from the bucket and checked against
//!    the size and SHA-256 its envelope names. An event whose body cannot be read fails alone and
//!    returns to the queue.
//! 2. **Archive**: every event the state table does not yet place in the archive (one
//!    `BatchGetItem` for the batch) is written, as its envelope, into one object for the batch
//!    (one per hour of receipt, should the batch straddle two); each event's record keeps its
//!    place, written by the claim that follows (no write of its own). A replay is not archived
//!    again, nor is an event redriven or retried whose record already places it. If the bucket
//!    cannot be written, the events of that object are not processed now: they return to the
//!    queue and are archived on their next receive. An event is processed only once it is
//!    archived.
//!
//! One PUT per batch, whatever sources it holds: with full batches of 10, 0.1 PUT per event ($0.50
//! per million) instead of one ($5 per million), or 0.3 for a batch of three sources when each
//! had its object ($1.50).
//!
//! Why a read before the claims, and not the claims' own old values: the read costs half a read
//! unit an event ($0.06 per million). Learning it from the claims would mean claiming the whole
//! batch before its one PUT, so a second copy of an event in the batch would find the first's
//! lock (busy, another receive) instead of its outcome; a PUT that fails would leave every claim
//! locked until the deadline, or cost a write each to release them ($0.625 per million); and a
//! place recorded only by the outcome is lost with it, so the next attempt archives the event
//! again. Each costs more than the read saves.

use futures_util::future::join_all;
use hookway_core::archive::{ArchiveLocation, BatchWriter, read_body};
use hookway_core::envelope::BodyObject;
use hookway_core::store::{RecordKey, StateStore};

use crate::Worker;
use crate::batch::Prepared;

impl<S: StateStore> Worker<S> {
    /// Reads back the bodies that travel by claim check; the error of each message whose body
    /// could not be read, by index.
    pub(crate) async fn read_bodies(&self, batch: &mut [Prepared]) -> Vec<(usize, String)> {
        let pending: Vec<(usize, BodyObject<'static>)> = batch
            .iter()
            .enumerate()
            .filter_map(|(index, prepared)| Some((index, prepared.event.body_object.clone()?)))
            .collect();
        if pending.is_empty() {
            return Vec::new();
        }
        let Some(bucket) = &self.bucket else {
            let reason = "the body is in the archive bucket, and this worker has none";
            return pending.into_iter().map(|(index, _)| (index, reason.to_owned())).collect();
        };
        let reads = join_all(pending.iter().map(|(_, object)| read_body(bucket.as_ref(), object))).await;
        let mut failures = Vec::new();
        for ((index, _), read) in pending.into_iter().zip(reads) {
            let event = &mut batch[index].event;
            match read {
                Ok(body) => {
                    event.body = body.into();
                    event.body_object = None;
                }
                Err(error) => {
                    tracing::error!(event_id = %event.id, source = %event.source, %error, "cannot read the body back: left for a retry");
                    failures.push((index, error.to_string()));
                }
            }
        }
        failures
    }

    /// Archives the messages of the batch not archived yet, but those at `skip`. Returns, by
    /// index, the place of each event archived now (its claim records it), and the error of each
    /// that could not be archived.
    pub(crate) async fn archive(&self, batch: &[Prepared], skip: &[usize]) -> Archived {
        let mut archived = Archived::default();
        let Some(bucket) = &self.bucket else { return archived };
        let candidates: Vec<usize> =
            (0..batch.len()).filter(|index| !skip.contains(index) && batch[*index].event.replay.is_none()).collect();
        if candidates.is_empty() {
            return archived;
        }
        let keys: Vec<RecordKey> = candidates.iter().map(|index| self.record_key(&batch[*index].event)).collect();
        let known = match self.store.archived(&keys).await {
            Ok(known) => known,
            Err(error) => {
                // Archive them all: at worst an event is in the archive twice.
                tracing::warn!(%error, "cannot tell which events are archived already: archiving the batch");
                Default::default()
            }
        };
        let mut writer = BatchWriter::default();
        for (index, key) in candidates.into_iter().zip(&keys) {
            if !known.contains(key.pk()) {
                let prepared = &batch[index];
                writer.add(index, &prepared.event.source, &prepared.event.received_at, &prepared.body);
            }
        }
        if writer.is_empty() {
            return archived;
        }
        let objects = writer.objects();
        let puts = join_all(objects.iter().map(|object| bucket.put(&object.key, object.body.clone()))).await;
        for (object, put) in objects.into_iter().zip(puts) {
            match put {
                Ok(()) => {
                    tracing::debug!(key = %object.key, events = object.members.len(), bytes = object.body.len(), "archived");
                    archived.locations.extend(object.members);
                }
                Err(error) => {
                    tracing::error!(key = %object.key, %error, "cannot archive: its events are left for a retry");
                    archived.failures.extend(object.members.into_iter().map(|(index, _)| (index, error.to_string())));
                }
            }
        }
        archived
    }
}

/// What the archive step did.
#[derive(Debug, Default)]
pub(crate) struct Archived {
    /// Where each event archived now is, by index.
    pub locations: Vec<(usize, ArchiveLocation)>,
    /// Why each event that could not be archived was not, by index.
    pub failures: Vec<(usize, String)>,
}
