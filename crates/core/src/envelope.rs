//! The event envelope: what the intake puts in SQS and the worker takes out.
//!
//! ```json
//! {"version": 1, "id": "evt_1", "source": "stripe", "type": "invoice.paid",
//!  "receivedAt": "2026-11-22T05:44:00.123Z", "requestId": "c6af9ac6-...",
//!  "contentType": "application/json", "headers": {"user-agent": "Stripe/1.0"},
//!  "bodyEncoding": "utf8", "body": "{\"id\": \"evt_1\", ...}"}
//! ```
//!
//! The body is kept byte for byte: as text when it is UTF-8 that SQS accepts, else base64. A body
//! over [`crate::archive::INLINE_BODY_LIMIT`] travels by claim check: the intake stores it in the
//! archive bucket and the envelope names the object instead (`"bodyEncoding": "s3"`, `bodyObject`);
//! an older reader refuses the unknown encoding rather than deliver an empty body.
//!
//! ```json
//! {"version": 1, "id": "evt_2", ..., "bodyEncoding": "s3", "body": "",
//!  "bodyObject": {"key": "bodies/stripe/2026/11/22/05/20261122T054400123Z-5f0c…", "size": 3145728, "sha256": "9b1e…"}}
//! ```
//!
//! An event `hookway replay` sends again says so: `"replay": "<run>"`, the replay run's name.
//!
//! An event the worker sends back to the queue to wait for its next attempt carries a `retry`
//! block (absent until then, so version 1 readers and writers are unchanged):
//!
//! ```json
//! "retry": {"attempt": 3, "firstAttemptAt": "2026-11-22T05:44:01.200Z",
//!           "notBefore": "2026-11-22T06:20:06.000Z", "sequence": 4}
//! ```

use std::borrow::Cow;
use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Serialize};

/// The envelope format's version; a reader refuses versions it does not know.
pub const ENVELOPE_VERSION: u32 = 1;

/// The largest SQS message: 1 MiB. The queues are created with this `MaximumMessageSize`.
pub const SQS_MAX_MESSAGE_BYTES: usize = 1024 * 1024;

/// A received webhook, as queued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Envelope<'a> {
    /// [`ENVELOPE_VERSION`].
    pub version: u32,
    /// The event id: the sender's delivery id, else a digest of source and body.
    #[serde(borrow)]
    pub id: Cow<'a, str>,
    /// The source's name.
    #[serde(borrow)]
    pub source: Cow<'a, str>,
    /// The event type, where the sender names it.
    #[serde(borrow, rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub event_type: Option<Cow<'a, str>>,
    /// When the intake received it, RFC 3339 with milliseconds.
    #[serde(borrow)]
    pub received_at: Cow<'a, str>,
    /// The API request id that carried it.
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<Cow<'a, str>>,
    /// The request's `Content-Type`.
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<Cow<'a, str>>,
    /// The headers the source keeps, by lowercase name.
    #[serde(borrow, default)]
    pub headers: BTreeMap<Cow<'a, str>, Cow<'a, str>>,
    /// How `body` encodes the raw bytes.
    pub body_encoding: BodyEncoding,
    /// The raw body, encoded (empty when it is in the archive bucket).
    #[serde(borrow)]
    pub body: Cow<'a, str>,
    /// Where the body is, when it travels by claim check.
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub body_object: Option<BodyObject<'a>>,
    /// The replay run that sent this event again, if it is a replay.
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub replay: Option<Cow<'a, str>>,
    /// Where the event stands in its retries, once it has been sent back to wait.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry: Option<Retry>,
}

impl Default for Envelope<'_> {
    fn default() -> Self {
        Envelope {
            version: ENVELOPE_VERSION,
            id: Cow::Borrowed(""),
            source: Cow::Borrowed(""),
            event_type: None,
            received_at: Cow::Borrowed(""),
            request_id: None,
            content_type: None,
            headers: BTreeMap::new(),
            body_encoding: BodyEncoding::Utf8,
            body: Cow::Borrowed(""),
            body_object: None,
            replay: None,
            retry: None,
        }
    }
}

/// A body stored in the archive bucket: its key, size and SHA-256 (hex), checked when it is read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BodyObject<'a> {
    /// The object's key in the archive bucket.
    #[serde(borrow)]
    pub key: Cow<'a, str>,
    /// The body's size in bytes.
    pub size: u64,
    /// The body's SHA-256, hex.
    #[serde(borrow)]
    pub sha256: Cow<'a, str>,
}

impl BodyObject<'_> {
    /// The same, owning its text.
    pub fn into_owned(self) -> BodyObject<'static> {
        BodyObject {
            key: Cow::Owned(self.key.into_owned()),
            size: self.size,
            sha256: Cow::Owned(self.sha256.into_owned()),
        }
    }
}

/// Where an event stands in its retries: written by the worker when it sends the event back to
/// the events queue to wait (in hops of at most 15 minutes, SQS's longest delay).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Retry {
    /// The series of attempts this message is for: 2 for the first retry. Waits that are not
    /// failures (a destination's `Retry-After`, an open circuit, a rate limit) leave it as it is.
    pub attempt: u32,
    /// When the event was first attempted, RFC 3339 with milliseconds.
    pub first_attempt_at: String,
    /// The message is not to be processed before this time: received earlier, it goes back to
    /// wait the rest. RFC 3339 with milliseconds.
    pub not_before: String,
    /// How many times the worker has sent the event back; a copy with a lower number than its
    /// record's is a leftover and is dropped.
    pub sequence: u32,
}

/// How an envelope's body encodes the bytes received.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BodyEncoding {
    /// The bytes are the UTF-8 text itself.
    Utf8,
    /// The bytes are base64-encoded.
    Base64,
    /// The bytes are in the archive bucket, at `bodyObject`.
    S3,
}

/// Why an envelope cannot be read or written.
#[derive(Debug, thiserror::Error)]
pub enum EnvelopeError {
    /// Not JSON, or not an envelope.
    #[error("not an event envelope: {0}")]
    Malformed(#[from] serde_json::Error),
    /// Written by a newer Hookway.
    #[error("envelope version {0} is not supported (this build reads version {ENVELOPE_VERSION})")]
    Version(u32),
    /// The base64 body does not decode.
    #[error("the envelope's base64 body does not decode")]
    Body,
    /// Even base64-encoded, it does not fit one SQS message.
    #[error("the envelope does not fit an SQS message ({0} bytes)")]
    TooLarge(usize),
    /// The body travels by claim check: it is read from the archive bucket.
    #[error("the body is in the archive bucket, not in the envelope")]
    Stored,
}

impl<'a> Envelope<'a> {
    /// Encodes `body` as text where SQS accepts it as such, else as base64.
    pub fn encode_body(body: &'a [u8]) -> (BodyEncoding, Cow<'a, str>) {
        match std::str::from_utf8(body) {
            Ok(text) if is_sqs_text(text) => (BodyEncoding::Utf8, Cow::Borrowed(text)),
            _ => (BodyEncoding::Base64, Cow::Owned(BASE64.encode(body))),
        }
    }

    /// The raw body bytes.
    pub fn body_bytes(&self) -> Result<Cow<'_, [u8]>, EnvelopeError> {
        match self.body_encoding {
            BodyEncoding::Utf8 => Ok(Cow::Borrowed(self.body.as_bytes())),
            BodyEncoding::Base64 => {
                BASE64.decode(self.body.as_bytes()).map(Cow::Owned).map_err(|_| EnvelopeError::Body)
            }
            BodyEncoding::S3 => Err(EnvelopeError::Stored),
        }
    }

    /// The same envelope, owning its text.
    pub fn into_owned(self) -> Envelope<'static> {
        let text = |value: Cow<'_, str>| Cow::Owned(value.into_owned());
        Envelope {
            version: self.version,
            id: text(self.id),
            source: text(self.source),
            event_type: self.event_type.map(text),
            received_at: text(self.received_at),
            request_id: self.request_id.map(text),
            content_type: self.content_type.map(text),
            headers: self.headers.into_iter().map(|(name, value)| (text(name), text(value))).collect(),
            body_encoding: self.body_encoding,
            body: text(self.body),
            body_object: self.body_object.map(BodyObject::into_owned),
            replay: self.replay.map(text),
            retry: self.retry,
        }
    }

    /// Reads an envelope, borrowing from `json` where it can.
    pub fn from_json(json: &'a str) -> Result<Envelope<'a>, EnvelopeError> {
        let envelope: Envelope<'a> = serde_json::from_str(json)?;
        if envelope.version != ENVELOPE_VERSION {
            return Err(EnvelopeError::Version(envelope.version));
        }
        Ok(envelope)
    }

    /// The SQS message body. Text that JSON escaping swells past the limit (control characters
    /// become six bytes each) is sent as base64 instead, which always fits a body within
    /// [`crate::archive::INLINE_BODY_LIMIT`].
    pub fn to_message(&mut self) -> Result<String, EnvelopeError> {
        let json = serde_json::to_string(self)?;
        if json.len() <= SQS_MAX_MESSAGE_BYTES {
            return Ok(json);
        }
        if self.body_encoding == BodyEncoding::Utf8 {
            self.body = Cow::Owned(BASE64.encode(self.body.as_bytes()));
            self.body_encoding = BodyEncoding::Base64;
            return self.to_message();
        }
        Err(EnvelopeError::TooLarge(json.len()))
    }
}

/// SQS accepts `#x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF`; JSON escapes
/// the control characters, which leaves the two noncharacters U+FFFE and U+FFFF.
fn is_sqs_text(text: &str) -> bool {
    !text.contains(['\u{FFFE}', '\u{FFFF}'])
}

/// The SQS message the intake would queue for a JSON body: for tests of what reads the queue
/// (feature `testing`).
#[cfg(any(test, feature = "testing"))]
#[allow(clippy::unwrap_used)]
pub fn queued(source: &str, id: &str, event_type: &str, body: &str) -> String {
    let (body_encoding, body) = Envelope::encode_body(body.as_bytes());
    Envelope {
        id: id.into(),
        source: source.into(),
        event_type: Some(event_type.into()),
        received_at: "2026-11-22T05:44:00.123Z".into(),
        content_type: Some("application/json; charset=utf-8".into()),
        body_encoding,
        body,
        ..Envelope::default()
    }
    .to_message()
    .unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn envelope(body: &[u8]) -> Envelope<'_> {
        let (body_encoding, body) = Envelope::encode_body(body);
        Envelope {
            version: ENVELOPE_VERSION,
            id: "evt_1".into(),
            source: "stripe".into(),
            event_type: Some("invoice.paid".into()),
            received_at: "2026-11-22T05:44:00.123Z".into(),
            request_id: Some("c6af9ac6-7b61-11e6-9a41-93e8deadbeef".into()),
            content_type: Some("application/json".into()),
            headers: [("user-agent".into(), "Stripe/1.0".into())].into(),
            body_encoding,
            body,
            ..Envelope::default()
        }
    }

    #[test]
    fn a_json_body_round_trips_as_text() {
        let body = br#"{"id": "evt_1", "note": "caf\u00e9 \"quoted\""}"#;
        let message = envelope(body).to_message().unwrap();
        let read = Envelope::from_json(&message).unwrap();
        assert_eq!(read, envelope(body));
        assert_eq!(read.body_encoding, BodyEncoding::Utf8);
        assert_eq!(&*read.body_bytes().unwrap(), body);
    }

    #[test]
    fn binary_bodies_round_trip_as_base64() {
        let body: Vec<u8> = (0..=255).collect();
        let message = envelope(&body).to_message().unwrap();
        let read = Envelope::from_json(&message).unwrap();
        assert_eq!(read.body_encoding, BodyEncoding::Base64);
        assert_eq!(&*read.body_bytes().unwrap(), &body[..]);
    }

    #[test]
    fn text_that_sqs_refuses_goes_as_base64() {
        let body = "ok \u{FFFF}".as_bytes();
        let read_back = envelope(body).to_message().unwrap();
        let read = Envelope::from_json(&read_back).unwrap();
        assert_eq!(read.body_encoding, BodyEncoding::Base64);
        assert_eq!(&*read.body_bytes().unwrap(), body);
    }

    #[test]
    fn text_that_escaping_swells_past_the_limit_goes_as_base64() {
        let body = vec![0x01u8; crate::archive::INLINE_BODY_LIMIT];
        let mut envelope = envelope(&body);
        assert_eq!(envelope.body_encoding, BodyEncoding::Utf8);
        let message = envelope.to_message().unwrap();
        assert!(message.len() <= SQS_MAX_MESSAGE_BYTES);
        assert_eq!(&*Envelope::from_json(&message).unwrap().body_bytes().unwrap(), &body[..]);
    }

    #[test]
    fn the_wire_form_is_the_documented_one() {
        let message = envelope(b"{}").to_message().unwrap();
        let json: serde_json::Value = serde_json::from_str(&message).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "version": 1, "id": "evt_1", "source": "stripe", "type": "invoice.paid",
                "receivedAt": "2026-11-22T05:44:00.123Z", "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
                "contentType": "application/json", "headers": {"user-agent": "Stripe/1.0"},
                "bodyEncoding": "utf8", "body": "{}"
            })
        );
    }

    #[test]
    fn a_claim_checked_envelope_names_its_object_and_an_older_reader_cannot_mistake_it() {
        let mut envelope = envelope(b"");
        envelope.body_encoding = BodyEncoding::S3;
        envelope.body_object = Some(BodyObject { key: "bodies/stripe/x".into(), size: 3, sha256: "abc".into() });
        envelope.replay = Some("r-1".into());
        let message = envelope.to_message().unwrap();
        let json: serde_json::Value = serde_json::from_str(&message).unwrap();
        assert_eq!(json["bodyEncoding"], "s3");
        assert_eq!(json["bodyObject"], serde_json::json!({"key": "bodies/stripe/x", "size": 3, "sha256": "abc"}));
        assert_eq!(json["replay"], "r-1");
        let read = Envelope::from_json(&message).unwrap();
        assert_eq!(read, envelope);
        assert!(matches!(read.body_bytes(), Err(EnvelopeError::Stored)));
        assert_eq!(read.clone().into_owned(), read);
        // A reader refuses an encoding it does not know, as one from before claim checks refuses `s3`.
        let older = message.replace("\"s3\"", "\"utf9\"");
        assert!(matches!(Envelope::from_json(&older), Err(EnvelopeError::Malformed(_))));
    }

    #[test]
    fn a_retry_block_round_trips_and_is_absent_until_the_first_retry() {
        let mut waiting = envelope(b"{}");
        waiting.retry = Some(Retry {
            attempt: 3,
            first_attempt_at: "2026-11-22T05:44:01.200Z".into(),
            not_before: "2026-11-22T06:20:06.000Z".into(),
            sequence: 4,
        });
        let message = waiting.to_message().unwrap();
        let json: serde_json::Value = serde_json::from_str(&message).unwrap();
        assert_eq!(
            json["retry"],
            serde_json::json!({"attempt": 3, "firstAttemptAt": "2026-11-22T05:44:01.200Z",
                               "notBefore": "2026-11-22T06:20:06.000Z", "sequence": 4})
        );
        assert_eq!(Envelope::from_json(&message).unwrap(), waiting);
        let first = envelope(b"{}").to_message().unwrap();
        assert!(!first.contains("retry"), "{first}");
    }

    #[test]
    fn an_unknown_version_is_refused() {
        let message = envelope(b"{}").to_message().unwrap().replacen("\"version\":1", "\"version\":2", 1);
        assert!(matches!(Envelope::from_json(&message), Err(EnvelopeError::Version(2))));
    }
}
