//! What an AWS-native target receives: a versioned JSON envelope around the event.
//!
//! ```json
//! {
//!   "version": "1",
//!   "id": "evt_1Q2w3E",
//!   "source": "stripe",
//!   "type": "invoice.paid",
//!   "receivedAt": "2026-12-06T20:00:00.123Z",
//!   "headers": {"stripe-signature": "…"},
//!   "body": {"id": "evt_1Q2w3E", "type": "invoice.paid", "data": {}},
//!   "replay": "r-20261206"
//! }
//! ```
//!
//! * `version` is `"1"`: fields may be added; none is removed or changes its meaning within it.
//! * `type` is absent when the source gives none; `headers` are those the source keeps.
//! * The body is one of: `body`, the JSON itself (when it is JSON, by its content type or, without
//!   one, by its text); `bodyText`, text that is not JSON (a form, XML); `bodyBase64`, bytes that
//!   are not UTF-8. With a `transform`, the body is what the jq program yields.
//! * `bodyRef` replaces the body when the envelope would be over the service's limit
//!   ([`Limit`]): the body is written to the archive bucket, under `bodies/`, and the envelope
//!   names it — `{"bucket", "key", "url"}`, `url` a pre-signed `GET` good for an hour
//!   ([`BODY_URL_LIFETIME`]). A body is never truncated nor dropped. The object holds the body's
//!   bytes as they would have been in `body`/`bodyText` (JSON, text or the raw bytes).
//! * `replay` names the `hookway replay` run that sent the event again, if one did: the `id` is
//!   the event's own, so a target that drops repeats by `id` drops a replay too unless it looks
//!   at `replay`.
//!
//! SQS, SNS, Lambda and Step Functions receive the envelope. EventBridge's `Detail` is the body
//! itself when it is a JSON object (so that rules match on the webhook's own fields), else the
//! envelope. SQS and SNS messages also carry the string attributes `hookway-id`,
//! `hookway-source`, `hookway-type` (when the event has a type), and those a transform sets with
//! `with_attributes({...})`.

use std::collections::BTreeMap;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::archive::{Stamp, body_key};

/// The envelope's version.
pub const VERSION: &str = "1";
/// How long a `bodyRef`'s pre-signed URL can be used.
pub const BODY_URL_LIFETIME: Duration = Duration::from_secs(3600);

/// The largest message each service takes (bytes, attributes included where the service counts
/// them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// SQS `SendMessage`: 1 MiB.
    Sqs,
    /// SNS `Publish`: 256 KiB.
    Sns,
    /// EventBridge `PutEvents`: 256 KiB an entry.
    EventBridge,
    /// Lambda `Invoke`, `Event`: 1 MiB.
    LambdaEvent,
    /// Lambda `Invoke`, `RequestResponse`: 6 MB.
    LambdaRequestResponse,
    /// Step Functions `StartExecution`'s input: 256 KiB.
    StepFunctions,
}

impl Limit {
    /// The limit, in bytes.
    pub fn bytes(self) -> usize {
        match self {
            Limit::Sqs | Limit::LambdaEvent => 1024 * 1024,
            Limit::Sns | Limit::EventBridge | Limit::StepFunctions => 256 * 1024,
            Limit::LambdaRequestResponse => 6 * 1024 * 1024,
        }
    }

    /// Whether a payload of `payload` bytes and `overhead` more (attributes, an entry's source
    /// and detail type) fits.
    pub fn fits(self, payload: usize, overhead: usize) -> bool {
        payload.saturating_add(overhead) <= self.bytes()
    }
}

/// The event, as a target's envelope says it.
#[derive(Debug, Clone, Copy)]
pub struct Inbound<'a> {
    /// Its id.
    pub id: &'a str,
    /// Its source.
    pub source: &'a str,
    /// Its type.
    pub event_type: Option<&'a str>,
    /// When Hookway received it, RFC 3339.
    pub received_at: &'a str,
    /// Its body's content type.
    pub content_type: Option<&'a str>,
    /// The headers the source keeps.
    pub headers: &'a BTreeMap<String, String>,
    /// Its body (a transform's output, if the destination has one).
    pub body: &'a [u8],
    /// The replay run that sent it again.
    pub replay: Option<&'a str>,
}

/// The body, as the envelope carries it.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// JSON.
    Json(Value),
    /// Text that is not JSON.
    Text(String),
    /// Bytes that are not UTF-8.
    Base64(String),
}

/// Where a body too large for its service is: an object of the archive bucket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BodyRef {
    /// The bucket.
    pub bucket: String,
    /// The object's key.
    pub key: String,
    /// A pre-signed `GET` of it, good for [`BODY_URL_LIFETIME`].
    pub url: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Wire<'a> {
    version: &'static str,
    id: &'a str,
    source: &'a str,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    event_type: Option<&'a str>,
    received_at: &'a str,
    headers: &'a BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    body_text: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    body_base64: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    body_ref: Option<&'a BodyRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    replay: Option<&'a str>,
}

impl<'a> Inbound<'a> {
    /// Whether its content type says JSON (`application/json`, `…+json`); `None` without one.
    fn says_json(&self) -> Option<bool> {
        let essence = self.content_type?.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
        Some(essence == "application/json" || essence.ends_with("+json"))
    }

    /// The body as the envelope carries it.
    pub fn body(&self) -> Body {
        if self.says_json() != Some(false)
            && let Ok(json) = serde_json::from_slice::<Value>(self.body)
        {
            return Body::Json(json);
        }
        match std::str::from_utf8(self.body) {
            Ok(text) => Body::Text(text.to_owned()),
            Err(_) => Body::Base64(BASE64.encode(self.body)),
        }
    }

    /// The envelope with its body inline.
    pub fn envelope(&self, body: &Body) -> String {
        let mut wire = self.wire();
        match body {
            Body::Json(json) => wire.body = Some(json),
            Body::Text(text) => wire.body_text = Some(text),
            Body::Base64(encoded) => wire.body_base64 = Some(encoded),
        }
        serde_json::to_string(&wire).unwrap_or_default()
    }

    /// The envelope with `bodyRef` instead of the body.
    pub fn envelope_with_ref(&self, body_ref: &BodyRef) -> String {
        let mut wire = self.wire();
        wire.body_ref = Some(body_ref);
        serde_json::to_string(&wire).unwrap_or_default()
    }

    fn wire(&self) -> Wire<'a> {
        Wire {
            version: VERSION,
            id: self.id,
            source: self.source,
            event_type: self.event_type,
            received_at: self.received_at,
            headers: self.headers,
            body: None,
            body_text: None,
            body_base64: None,
            body_ref: None,
            replay: self.replay,
        }
    }

    /// The key a body too large for its service is written to: under the claim checks'
    /// `bodies/` (kept as long as they are), named after the event and the body's digest, so that
    /// a retry writes the same object again rather than another.
    pub fn body_ref_key(&self, body: &[u8]) -> String {
        let received = Stamp::parse(self.received_at).unwrap_or_else(|| Stamp::of(std::time::SystemTime::now()));
        let digest = hex::encode(&Sha256::digest(body)[..8]);
        let id: String = self
            .id
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_') { c } else { '_' })
            .collect();
        body_key(self.source, &received, &format!("target-{id}-{digest}"))
    }
}

/// The bytes an object of a `bodyRef` holds for `body`.
pub fn body_bytes(body: &Body, raw: &[u8]) -> Vec<u8> {
    match body {
        Body::Json(json) => serde_json::to_vec(json).unwrap_or_default(),
        Body::Text(_) | Body::Base64(_) => raw.to_vec(),
    }
}

/// The most message attributes SQS and SNS take: Hookway's three and up to seven of a transform's.
pub const MAX_ATTRIBUTES: usize = 10;

/// The string attributes an SQS message or SNS notification carries: `hookway-id`,
/// `hookway-source`, `hookway-type` (if the event has one), then `extra` (a transform's).
pub fn attributes(event: &Inbound<'_>, extra: &[(String, String)]) -> Vec<(String, String)> {
    let mut attributes =
        vec![("hookway-id".to_owned(), event.id.to_owned()), ("hookway-source".to_owned(), event.source.to_owned())];
    if let Some(event_type) = event.event_type {
        attributes.push(("hookway-type".to_owned(), event_type.to_owned()));
    }
    for (name, value) in extra {
        if !attributes.iter().any(|(kept, _)| kept == name) {
            attributes.push((name.clone(), value.clone()));
        }
    }
    attributes
}

/// The bytes SQS and SNS count for `attributes`: each name, its type (`String`) and value.
pub fn attributes_size(attributes: &[(String, String)]) -> usize {
    attributes.iter().map(|(name, value)| name.len() + "String".len() + value.len()).sum()
}

/// `template` with `{type}` and `{source}` replaced by the event's (its source for a missing type).
pub fn fill(template: &str, event: &Inbound<'_>) -> String {
    template.replace("{type}", event.event_type.unwrap_or(event.source)).replace("{source}", event.source)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn event<'a>(content_type: Option<&'a str>, body: &'a [u8], headers: &'a BTreeMap<String, String>) -> Inbound<'a> {
        Inbound {
            id: "evt_1",
            source: "stripe",
            event_type: Some("invoice.paid"),
            received_at: "2026-12-06T20:00:00.123Z",
            content_type,
            headers,
            body,
            replay: None,
        }
    }

    #[test]
    fn the_envelope_carries_json_as_json_text_as_text_and_bytes_as_base64() {
        let headers = BTreeMap::from([("stripe-signature".to_owned(), "t=1".to_owned())]);
        let json_event = event(Some("application/json; charset=utf-8"), br#"{"a": 1}"#, &headers);
        let envelope: Value = serde_json::from_str(&json_event.envelope(&json_event.body())).unwrap();
        assert_eq!(
            envelope,
            json!({"version": "1", "id": "evt_1", "source": "stripe", "type": "invoice.paid",
                   "receivedAt": "2026-12-06T20:00:00.123Z", "headers": {"stripe-signature": "t=1"}, "body": {"a": 1}})
        );
        let form = event(Some("application/x-www-form-urlencoded"), b"1", &headers);
        assert_eq!(form.body(), Body::Text("1".into()), "a form that parses as JSON is still a form");
        assert_eq!(event(None, b"[1,2]", &headers).body(), Body::Json(json!([1, 2])), "no content type: by its text");
        assert_eq!(event(None, b"a=b", &headers).body(), Body::Text("a=b".into()));
        let bytes = event(Some("application/octet-stream"), &[0xff, 0x00], &headers);
        let envelope: Value = serde_json::from_str(&bytes.envelope(&bytes.body())).unwrap();
        assert_eq!(envelope["bodyBase64"], "/wA=");
        assert!(envelope.get("body").is_none() && envelope.get("replay").is_none());
    }

    #[test]
    fn a_body_past_the_limit_travels_as_a_reference_with_the_rest_of_the_envelope() {
        let headers = BTreeMap::new();
        let big = format!("{{\"data\": \"{}\"}}", "x".repeat(300 * 1024));
        let inbound = event(Some("application/json"), big.as_bytes(), &headers);
        let inline = inbound.envelope(&inbound.body());
        assert!(!Limit::Sns.fits(inline.len(), 0) && Limit::Sqs.fits(inline.len(), 0));
        assert!(!Limit::StepFunctions.fits(inline.len(), 0) && !Limit::EventBridge.fits(inline.len(), 0));
        let key = inbound.body_ref_key(big.as_bytes());
        assert!(key.starts_with("bodies/stripe/2026/12/06/20/20261206T200000123Z-target-evt_1-"), "{key}");
        assert_eq!(key, inbound.body_ref_key(big.as_bytes()), "a retry writes the same object");
        let body_ref = BodyRef { bucket: "archive".into(), key, url: "https://example/signed".into() };
        let envelope: Value = serde_json::from_str(&inbound.envelope_with_ref(&body_ref)).unwrap();
        assert_eq!(envelope["bodyRef"]["bucket"], "archive");
        assert_eq!(envelope["id"], "evt_1");
        assert!(envelope.get("body").is_none());
        assert!(Limit::Sns.fits(inbound.envelope_with_ref(&body_ref).len(), 0));
        let stored = body_bytes(&inbound.body(), big.as_bytes());
        assert_eq!(serde_json::from_slice::<Value>(&stored).unwrap(), serde_json::from_str::<Value>(&big).unwrap());
    }

    #[test]
    fn attributes_name_the_event_then_add_the_transforms_own() {
        let headers = BTreeMap::new();
        let inbound = event(None, b"{}", &headers);
        let extra = [("tenant".to_owned(), "acme".to_owned()), ("hookway-id".to_owned(), "forged".to_owned())];
        let attributes = attributes(&inbound, &extra);
        assert_eq!(
            attributes,
            [
                ("hookway-id", "evt_1"),
                ("hookway-source", "stripe"),
                ("hookway-type", "invoice.paid"),
                ("tenant", "acme")
            ]
            .map(|(name, value)| (name.to_owned(), value.to_owned()))
        );
        assert_eq!(attributes_size(&attributes[..1]), "hookway-id".len() + 6 + 5);
        assert_eq!(fill("hookway.{source}", &inbound), "hookway.stripe");
        assert_eq!(fill("{type}", &Inbound { event_type: None, ..inbound }), "stripe");
    }
}
