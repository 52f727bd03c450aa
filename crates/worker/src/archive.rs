//! A batch's two steps with the archive, before any handler runs:
//!
//! 1. **Bodies**: a claim-checked event's body is read back from the bucket and checked against
//!    the size and SHA-256 its envelope names. An event whose body cannot be read fails alone and
//!    returns to the queue.
//! 2. **Archive**: every event the state table does not yet place in the archive (one
//!    `BatchGetItem` for the batch) is written, as its envelope, either
//!    - into the **archive stream** (`archive.writer: "firehose"`, when the worker has one): the
//!      batch's envelopes packed into as few records as fit, one `PutRecordBatch` for a batch
//!      (up to 4 MiB of them), whose record Firehose bills rounded up to 5 KB — a batch of one
//!      event costs one 5 KB record, a batch of ten a 15 KB record; or
//!    - into **one S3 object for the batch** (`archive.writer: "worker"`; one per hour of
//!      receipt, should the batch straddle two), a PUT per batch. The stream's writer puts here
//!      too the events it receives more than [`STREAM_LATENESS`] after their receipt (a backlog,
//!      a redrive) and any envelope too large for a record: keyed by their receipt, a reader of a
//!      window of receipt times finds them without reading the stream hours after it.
//!
//!    Each event's record keeps its place, written by the claim that follows (no write of its
//!    own): its object's line, or when it was put into the stream. A replay is not archived
//!    again, nor is an event redriven or retried whose record already places it. If a PUT fails,
//!    or a `PutRecordBatch` (as a call, or for a record: `FailedPutCount`, each failed record's
//!    `ErrorCode`) after the client's own retries, the events it carried are not processed now:
//!    they return to the queue and are archived on their next receive. An event is processed
//!    only once it is archived.
//!
//! Why a read before the claims, and not the claims' own old values: the read costs half a read
//! unit an event ($0.06 per million). Learning it from the claims would mean claiming the whole
//! batch before its one PUT, so a second copy of an event in the batch would find the first's
//! lock (busy, another receive) instead of its outcome; a PUT that fails would leave every claim
//! locked until the deadline, or cost a write each to release them ($0.625 per million); and a
//! place recorded only by the outcome is lost with it, so the next attempt archives the event
//! again. Each costs more than the read saves.

use std::time::SystemTime;

use futures_util::future::join_all;
use hookway_core::archive::{
    ArchiveLocation, BatchWriter, ObjectStore, RecordStream, STREAM_LATENESS, Stamp, StreamWriter, read_body,
};
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
                    event.body = body;
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
        // An event back for a later attempt was archived by the receive that first took it (a
        // message whose archiving failed is never processed, so never sent back): no read for it.
        let candidates: Vec<usize> = (0..batch.len())
            .filter(|index| !skip.contains(index))
            .filter(|index| batch[*index].event.replay.is_none() && batch[*index].event.retry.is_none())
            .collect();
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
        let now = SystemTime::now();
        let mut objects = BatchWriter::default();
        let mut records = StreamWriter::default();
        for (index, key) in candidates.into_iter().zip(&keys) {
            if known.contains(key.pk()) {
                continue;
            }
            let prepared = &batch[index];
            let event = &prepared.event;
            if self.stream.is_some() && timely(&event.received_at, now) && StreamWriter::fits(&prepared.body) {
                records.add(index, &prepared.body);
            } else {
                objects.add(index, &event.source, &event.received_at, &prepared.body);
            }
        }
        let (into_objects, into_stream) = futures_util::future::join(
            put_objects(bucket.as_ref(), objects),
            put_records(self.stream.as_deref(), records),
        )
        .await;
        for archived_now in [into_objects, into_stream] {
            archived.locations.extend(archived_now.locations);
            archived.failures.extend(archived_now.failures);
        }
        archived
    }
}

/// Whether an event received at `received_at` is put into the stream now: received at most
/// [`STREAM_LATENESS`] ago (or at a time that cannot be read, which a batch object would file
/// under now too).
fn timely(received_at: &str, now: SystemTime) -> bool {
    Stamp::parse(received_at)
        .and_then(|received| now.duration_since(received.time()).ok())
        .is_none_or(|late| late <= STREAM_LATENESS)
}

/// Puts a batch's objects, all at once.
async fn put_objects(bucket: &dyn ObjectStore, writer: BatchWriter) -> Archived {
    let mut archived = Archived::default();
    if writer.is_empty() {
        return archived;
    }
    let objects = writer.objects();
    let puts = join_all(objects.iter().map(|object| bucket.put(&object.key, object.body.clone()))).await;
    for (object, put) in objects.into_iter().zip(puts) {
        match put {
            Ok(()) => {
                tracing::debug!(key = %object.key, events = object.members.len(), bytes = object.body.len(), "archived");
                let lines = object.members.into_iter().map(|(index, line)| (index, ArchiveLocation::Line(line)));
                archived.locations.extend(lines);
            }
            Err(error) => {
                tracing::error!(key = %object.key, %error, "cannot archive: its events are left for a retry");
                archived.failures.extend(object.members.into_iter().map(|(index, _)| (index, error.to_string())));
            }
        }
    }
    archived
}

/// Puts a batch's records into the stream, a `PutRecordBatch` per call, all at once.
async fn put_records(stream: Option<&dyn RecordStream>, writer: StreamWriter) -> Archived {
    let mut archived = Archived::default();
    let Some(stream) = stream.filter(|_| !writer.is_empty()) else { return archived };
    let calls = writer.calls();
    let at = Stamp::of(SystemTime::now());
    let puts = join_all(calls.iter().map(|call| stream.put_records(&call.records))).await;
    for (call, put) in calls.into_iter().zip(puts) {
        let events: usize = call.members.iter().map(Vec::len).sum();
        let bytes: usize = call.records.iter().map(bytes::Bytes::len).sum();
        let outcomes = match put {
            Ok(outcomes) if outcomes.len() == call.records.len() => outcomes,
            // A record without its outcome is not known to be archived: none of the call's is.
            Ok(outcomes) => {
                let reason = format!("{} outcomes for {} records", outcomes.len(), call.records.len());
                vec![Err(reason); call.records.len()]
            }
            Err(error) => vec![Err(error.to_string()); call.records.len()],
        };
        let mut failed = 0;
        for (members, outcome) in call.members.into_iter().zip(outcomes) {
            match outcome {
                Ok(()) => archived
                    .locations
                    .extend(members.into_iter().map(|index| (index, ArchiveLocation::Stream { at: at.clone() }))),
                Err(reason) => {
                    failed += members.len();
                    tracing::error!(events = members.len(), %reason, "cannot archive into the stream: these events are left for a retry");
                    archived.failures.extend(members.into_iter().map(|index| (index, reason.clone())));
                }
            }
        }
        tracing::debug!(records = call.records.len(), events, bytes, failed, "archived into the stream");
    }
    archived
}

/// What the archive step did.
#[derive(Debug, Default)]
pub(crate) struct Archived {
    /// Where each event archived now is, by index.
    pub locations: Vec<(usize, ArchiveLocation)>,
    /// Why each event that could not be archived was not, by index.
    pub failures: Vec<(usize, String)>,
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use hookway_core::Config;
    use hookway_core::archive::{MemoryObjects, MemoryStream, ObjectStore as _, STREAM_PREFIX};
    use hookway_core::store::MemoryStore;
    use serde_json::{Value, json};

    use crate::deadline::Deadline;
    use crate::handler::Registry;
    use crate::{Outbound, Worker};

    /// A worker that archives into `stream` (and `bucket`), and delivers every event to its log.
    fn worker(stream: &Arc<MemoryStream>, bucket: &Arc<MemoryObjects>) -> Worker<MemoryStore> {
        let config = json!({
            "sources": [{"name": "stripe", "scheme": "stripe", "secretParameters": ["/s"]}],
            "routes": [{"source": "*", "handler": "log"}],
        });
        let config = Config::from_json(&config.to_string()).unwrap();
        let outbound = Outbound {
            bucket: Some(Arc::clone(bucket) as _),
            stream: Some(Arc::clone(stream) as _),
            ..Outbound::from(reqwest::Client::new())
        };
        Worker::new(&config, MemoryStore::default(), &Registry::new(), outbound).unwrap()
    }

    /// A batch of these envelopes: the ids of the messages that failed.
    async fn deliver(worker: &Worker<MemoryStore>, envelopes: &[String]) -> Vec<String> {
        let records: Vec<Value> = envelopes
            .iter()
            .enumerate()
            .map(|(index, body)| json!({"messageId": format!("m{index}"), "body": body, "eventSource": "aws:sqs"}))
            .collect();
        let response = worker.invoke(json!({"Records": records}), Deadline::after(Duration::from_secs(30))).await;
        let failures = response.unwrap()["batchItemFailures"].as_array().unwrap().clone();
        failures.iter().map(|failure| failure["itemIdentifier"].as_str().unwrap().to_owned()).collect()
    }

    /// A stripe event received now with a body of `size` bytes.
    fn envelope(id: &str, size: usize) -> String {
        let mut envelope: Value =
            serde_json::from_str(&hookway_core::envelope::queued("stripe", id, "t", "{}")).unwrap();
        envelope["receivedAt"] = json!(hookway_core::rfc3339_now());
        envelope["body"] = json!(format!("{{\"pad\":\"{}\"}}", "p".repeat(size)));
        envelope.to_string()
    }

    #[tokio::test]
    async fn a_record_the_stream_refuses_leaves_its_events_alone_for_a_retry() {
        // Three 300 KiB envelopes fill a record: the fourth is in a record of its own.
        let envelopes: Vec<String> = (0..4).map(|index| envelope(&format!("evt-{index}"), 300 * 1024)).collect();
        let (stream, bucket) = (Arc::new(MemoryStream::default()), Arc::new(MemoryObjects::default()));
        let worker = worker(&stream, &bucket);
        stream.fail_records_holding(Some("\"evt-3\""));
        assert_eq!(deliver(&worker, &envelopes).await, ["m3"], "its record failed: it returns to the queue");
        assert_eq!(stream.calls(), 1, "one PutRecordBatch for the batch");
        let written: Vec<String> = stream.objects.keys();
        assert_eq!(written.len(), 1);
        assert!(written[0].starts_with(STREAM_PREFIX));
        let object = stream.objects.get(&written[0], None).await.unwrap();
        assert_eq!(object.iter().filter(|byte| **byte == b'\n').count(), 3, "the three written, a line each");
        assert!(bucket.keys().is_empty(), "nothing in a batch object");

        // The batch again (the failed event's retry, the others redelivered by SQS): only the
        // failed one is archived now, and the others are duplicates of what was processed.
        stream.fail_records_holding(None);
        assert_eq!(deliver(&worker, &envelopes).await, Vec::<String>::new());
        let now_written = stream.objects.keys();
        assert_eq!(now_written.len(), 2);
        let new = now_written.iter().find(|key| **key != written[0]).unwrap();
        let again = stream.objects.get(new, None).await.unwrap();
        let again = String::from_utf8(again.to_vec()).unwrap();
        assert!(again.lines().count() == 1 && again.contains("\"evt-3\""), "only evt-3: {}", &again[..80]);
    }

    /// A stream that answers a call with no outcome for its records.
    #[derive(Debug)]
    struct Silent;

    #[async_trait::async_trait]
    impl hookway_core::archive::RecordStream for Silent {
        async fn put_records(
            &self,
            _records: &[bytes::Bytes],
        ) -> Result<Vec<Result<(), String>>, hookway_core::archive::ArchiveError> {
            Ok(Vec::new())
        }
    }

    #[tokio::test]
    async fn a_record_without_an_outcome_is_not_taken_as_archived() {
        let config = json!({
            "sources": [{"name": "stripe", "scheme": "stripe", "secretParameters": ["/s"]}],
            "routes": [{"source": "*", "handler": "log"}],
        });
        let config = Config::from_json(&config.to_string()).unwrap();
        let outbound = Outbound {
            bucket: Some(Arc::new(MemoryObjects::default()) as _),
            stream: Some(Arc::new(Silent) as _),
            ..Outbound::from(reqwest::Client::new())
        };
        let worker = Worker::new(&config, MemoryStore::default(), &Registry::new(), outbound).unwrap();
        let mut failed = deliver(&worker, &[envelope("evt-a", 10), envelope("evt-b", 10)]).await;
        failed.sort();
        assert_eq!(failed, ["m0", "m1"], "neither is processed before it is archived");
    }

    #[tokio::test]
    async fn with_the_stream_down_no_event_is_processed() {
        let (stream, bucket) = (Arc::new(MemoryStream::default()), Arc::new(MemoryObjects::default()));
        stream.objects.fail(true);
        let mut failed = deliver(&worker(&stream, &bucket), &[envelope("evt-a", 10), envelope("evt-b", 10)]).await;
        failed.sort();
        assert_eq!(failed, ["m0", "m1"]);
    }
}
