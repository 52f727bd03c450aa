//! The event a handler sees, whether it came from the events queue or from `POST /jobs`.

use std::collections::BTreeMap;

use bytes::Bytes;
use hookway_core::config::JOBS_SOURCE;
use hookway_core::envelope::{BodyEncoding, BodyObject, Envelope, EnvelopeError};
use hookway_core::job::JobEvent;
use hookway_core::store::RecordKey;
use hookway_core::transform::{EventVars, Program, TransformError};
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

/// A webhook event or a job, ready for a handler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The event id (a job's id for a job).
    pub id: String,
    /// The source's name; `jobs` for a job.
    pub source: String,
    /// The event or job type.
    pub event_type: Option<String>,
    /// When Hookway received it, RFC 3339.
    pub received_at: String,
    /// The content type of `body`.
    pub content_type: Option<String>,
    /// The headers the source keeps (a job's: all its request headers), lowercase names.
    pub headers: BTreeMap<String, String>,
    /// The raw body as received (a job's: its `bodyJson`, serialised), held once: every
    /// destination's request shares it.
    pub body: Bytes,
    /// Where the body is while it has not been read from the archive bucket (a claim check): a
    /// batch reads it, and checks it, before any handler runs.
    pub body_object: Option<BodyObject<'static>>,
    /// The replay run that sent it again, if it is a replay: it has a record of its own.
    pub replay: Option<String>,
    /// This delivery's attempt, from 1; set once the event is claimed.
    pub attempt: u32,
    /// Where it stands in its retries, once it has waited in the queue for one.
    pub retry: Option<RetryState>,
    /// Headers (`forward`) or message attributes (targets) its destination's transform set
    /// (`with_headers`, `with_attributes`); empty without a transform.
    pub set_headers: Vec<(String, String)>,
}

/// An event's `retry` block, read: its times in Unix milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryState {
    /// The series of attempts this message is for (2: the first retry).
    pub attempt: u32,
    /// When the event was first attempted.
    pub first_attempt_at: i64,
    /// Not to be processed before then.
    pub not_before: i64,
    /// The worker's sequence number of this copy.
    pub sequence: u32,
}

/// Why a message or job cannot become an event.
#[derive(Debug, thiserror::Error)]
pub enum EventError {
    /// The SQS message is not an envelope.
    #[error(transparent)]
    Envelope(#[from] EnvelopeError),
    /// The message has no body.
    #[error("the message has no body")]
    NoBody,
    /// The job has no id.
    #[error("the job event has no context.request-id")]
    NoJobId,
    /// A claim-checked envelope names no object.
    #[error("the envelope's body is in the archive bucket, but it names no object")]
    NoBodyObject,
    /// A time of the `retry` block is not RFC 3339.
    #[error("the envelope's retry block has a time that is not RFC 3339: {0}")]
    RetryTime(String),
}

impl Event {
    /// The event an SQS message's envelope carries.
    pub fn from_envelope(json: &str) -> Result<Event, EventError> {
        let mut envelope = Envelope::from_json(json)?;
        let (body, body_object) = match (envelope.body_encoding, envelope.body_object.take()) {
            (BodyEncoding::S3, Some(object)) => (Bytes::new(), Some(object.into_owned())),
            (BodyEncoding::S3, None) => return Err(EventError::NoBodyObject),
            _ => (Bytes::from(envelope.body_bytes()?.into_owned()), None),
        };
        let retry = match &envelope.retry {
            Some(retry) => {
                let time = |text: &str| {
                    hookway_core::parse_rfc3339_ms(text).ok_or_else(|| EventError::RetryTime(text.to_owned()))
                };
                Some(RetryState {
                    attempt: retry.attempt,
                    first_attempt_at: time(&retry.first_attempt_at)?,
                    not_before: time(&retry.not_before)?,
                    sequence: retry.sequence,
                })
            }
            None => None,
        };
        Ok(Event {
            id: envelope.id.into_owned(),
            source: envelope.source.into_owned(),
            event_type: envelope.event_type.map(Into::into),
            received_at: envelope.received_at.into_owned(),
            content_type: envelope.content_type.map(Into::into),
            headers: envelope
                .headers
                .into_iter()
                .map(|(name, value)| (name.into_owned(), value.into_owned()))
                .collect(),
            body,
            body_object,
            replay: envelope.replay.map(Into::into),
            attempt: 0,
            retry,
            set_headers: Vec::new(),
        })
    }

    /// The event a job carries: source `jobs`, the job's id and `bodyJson.type`.
    pub fn from_job(job: &JobEvent) -> Result<Event, EventError> {
        if job.job_id().is_empty() {
            return Err(EventError::NoJobId);
        }
        Ok(Event {
            id: job.job_id().to_owned(),
            source: JOBS_SOURCE.to_owned(),
            event_type: job.job_type().map(str::to_owned),
            received_at: hookway_core::rfc3339_now(),
            content_type: Some("application/json".to_owned()),
            headers: job.params.header.iter().map(|(name, value)| (name.to_ascii_lowercase(), value.clone())).collect(),
            body: Bytes::from(job.body_json.to_string()),
            body_object: None,
            replay: None,
            attempt: 0,
            retry: None,
            set_headers: Vec::new(),
        })
    }

    /// Whether this is a `POST /jobs` job.
    pub fn is_job(&self) -> bool {
        self.source == JOBS_SOURCE
    }

    /// The key of its state record: by its id, or — where its source does not sign the id
    /// (`id_signed` false) — by what the signature covers, its source and body (never its type,
    /// which such a source sends in an unsigned header), so that a captured request re-sent under
    /// new ids or types is one event. A replay's is its run's own beside that record: a run
    /// delivers a body once, however many copies of it the archive holds.
    pub fn record_key(&self, id_signed: bool) -> RecordKey {
        if self.is_job() {
            return RecordKey::job(&self.id);
        }
        let key = match id_signed {
            true => RecordKey::event(&self.source, &self.id),
            false => RecordKey::event_body(&self.source, &self.body),
        };
        match &self.replay {
            Some(run) => RecordKey::replay(&key, run),
            None => key,
        }
    }

    /// A SHA-256 of the body, to tell a re-delivery from a different payload under the same id.
    pub fn digest(&self) -> String {
        hex::encode(Sha256::digest(&self.body))
    }

    /// The body as JSON.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_slice(&self.body)
    }

    /// What `$event` shows a jq program.
    pub fn vars(&self) -> EventVars<'_> {
        EventVars {
            id: &self.id,
            source: &self.source,
            event_type: self.event_type.as_deref(),
            received_at: &self.received_at,
        }
    }

    /// The event as a destination with a transform sees it: the program's output as its JSON
    /// body, and the headers or attributes it set. The body must be JSON.
    pub fn transformed(&self, program: &Program) -> Result<Event, TransformError> {
        let output = program.run_bytes(&self.body, &self.vars())?;
        let body = serde_json::to_vec(&output.body).map_err(|error| TransformError::Output(error.to_string()))?;
        Ok(Event {
            body: Bytes::from(body),
            content_type: Some("application/json".to_owned()),
            set_headers: output.headers,
            ..self.clone()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_becomes_an_event_of_the_jobs_source() {
        let job: JobEvent = serde_json::from_str(include_str!("../../../fixtures/apigw-async-job-event.json")).unwrap();
        let event = Event::from_job(&job).unwrap();
        assert_eq!((event.id.as_str(), event.source.as_str()), ("c6af9ac6-7b61-11e6-9a41-93e8deadbeef", "jobs"));
        assert_eq!(event.event_type.as_deref(), Some("report.generate"));
        assert_eq!(event.json::<serde_json::Value>().unwrap(), job.body_json);
        assert_eq!(event.headers["user-agent"], "curl/8.5.0");
        assert_eq!(event.record_key(true), RecordKey::job("c6af9ac6-7b61-11e6-9a41-93e8deadbeef"));
    }

    #[test]
    fn an_envelope_becomes_an_event_with_its_raw_body() {
        let json = r#"{"version": 1, "id": "evt_1", "source": "stripe", "type": "invoice.paid",
            "receivedAt": "2026-11-22T05:44:00.123Z", "headers": {"user-agent": "Stripe/1.0"},
            "bodyEncoding": "base64", "body": "AAEC"}"#;
        let event = Event::from_envelope(json).unwrap();
        assert_eq!(event.body, [0, 1, 2].as_slice());
        assert_eq!(event.record_key(true), RecordKey::event("stripe", "evt_1"));
        let body_key = RecordKey::event_body("stripe", &event.body);
        assert_eq!(event.record_key(false), body_key);
        assert!(body_key.pk().starts_with("event#stripe#body:"), "{}", body_key.pk());
        assert_eq!(event.retry, None);
        assert!(Event::from_envelope("not json").is_err());

        let replayed = json.replace(r#""body": "AAEC""#, r#""body": "AAEC", "replay": "r-1""#);
        let event = Event::from_envelope(&replayed).unwrap();
        assert_eq!(event.record_key(true), RecordKey::replay(&RecordKey::event("stripe", "evt_1"), "r-1"), "its own");
        assert_eq!(event.record_key(false), RecordKey::replay(&body_key, "r-1"), "by body where the id is unsigned");

        let claimed = json.replace(
            r#""bodyEncoding": "base64", "body": "AAEC""#,
            r#""bodyEncoding": "s3", "body": "", "bodyObject": {"key": "bodies/stripe/k", "size": 3, "sha256": "ab"}"#,
        );
        let event = Event::from_envelope(&claimed).unwrap();
        assert_eq!((event.body.len(), event.body_object.unwrap().key.as_ref()), (0, "bodies/stripe/k"));
        let nameless = claimed.replace(r#", "bodyObject": {"key": "bodies/stripe/k", "size": 3, "sha256": "ab"}"#, "");
        assert!(matches!(Event::from_envelope(&nameless), Err(EventError::NoBodyObject)));
    }

    #[test]
    fn an_unsigned_id_or_type_never_makes_another_record() {
        let envelope = |id: &str, event_type: &str, replay: &str| {
            let json = format!(
                r#"{{"version": 1, "id": "{id}", "source": "github", "type": "{event_type}", "receivedAt": "2026-11-22T05:44:00.123Z",
                "bodyEncoding": "utf8", "body": "{{}}"{replay}}}"#
            );
            Event::from_envelope(&json).unwrap()
        };
        let first = envelope("d-1", "push", "").record_key(false);
        for (id, event_type) in [("d-2", "push"), ("d-1", "issues"), ("d-3", "release")] {
            assert_eq!(envelope(id, event_type, "").record_key(false), first, "{id} {event_type}");
            let replayed = envelope(id, event_type, r#", "replay": "r-1""#).record_key(false);
            assert_eq!(replayed, RecordKey::replay(&first, "r-1"), "one replay record a run: {id} {event_type}");
        }
        assert_ne!(envelope("d-2", "push", "").record_key(true), envelope("d-1", "push", "").record_key(true));
    }

    #[test]
    fn the_retry_block_is_read_in_milliseconds() {
        let json = r#"{"version": 1, "id": "evt_1", "source": "stripe", "receivedAt": "2026-11-22T05:44:00.123Z",
            "bodyEncoding": "utf8", "body": "{}", "retry": {"attempt": 2, "firstAttemptAt": "2026-11-22T05:44:01.200Z",
            "notBefore": "2026-11-22T05:44:06.200Z", "sequence": 1}}"#;
        let retry = Event::from_envelope(json).unwrap().retry.unwrap();
        assert_eq!((retry.attempt, retry.sequence), (2, 1));
        assert_eq!(retry.not_before - retry.first_attempt_at, 5_000);
        assert_eq!(hookway_core::rfc3339_ms(retry.first_attempt_at), "2026-11-22T05:44:01.200Z");
        let broken = json.replace("2026-11-22T05:44:06.200Z", "soon");
        assert!(matches!(Event::from_envelope(&broken), Err(EventError::RetryTime(_))));
    }
}
