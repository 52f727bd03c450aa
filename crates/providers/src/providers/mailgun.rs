//! Mailgun: the signature travels in the JSON body, `{"signature": {"timestamp", "token",
//! "signature"}, "event-data": {...}}`: the hex HMAC-SHA256 of the timestamp followed by the token,
//! with the webhook signing key as UTF-8. Only those fields are signed, not the event data: a
//! receiver should also refuse a token it has seen (Hookway's idempotency does, by event id). The
//! timestamp is checked against the tolerance. The id and type are `event-data.id` and
//! `event-data.event`.

use std::borrow::Cow;

use serde::Deserialize;

use crate::VerifyError;
use crate::engine::{Presented, Request, SignRequest, Signed};
use crate::spec::*;
use crate::wire::{self, JsonStr, Signature};

/// Mailgun.
pub const PROVIDER: Provider = Provider {
    name: "mailgun",
    title: "Mailgun",
    docs: "https://documentation.mailgun.com/docs/mailgun/user-manual/webhooks/securing-webhooks",
    setup: "Sending → Webhooks (per domain): paste the Hookway URL for each event; the HTTP webhook signing key shown there is the secret.",
    evidence: Evidence::Rule,
    spec: Spec {
        signature: Carrier::Custom { shown: "body: signature.{timestamp, token, signature}" },
        // What the hook signs: the timestamp, then the token (presented as the id). Not the body.
        signed: &[Part::Timestamp, Part::Id],
        timestamp: Some(Timestamp { at: TimestampAt::Custom, format: TimeFormat::UnixSeconds, checked: true }),
        id: Some(Locate::Pointer("/event-data/id")),
        event_type: Some(Locate::Pointer("/event-data/event")),
        hooks: Hooks { presented: Some(presented), identify: None, sign: Some(sign), signed: Some(signed), url_variant: None },
        ..Spec::BODY_HMAC
    },
};

#[derive(Deserialize)]
struct Body<'a> {
    #[serde(borrow)]
    signature: Fields<'a>,
}

#[derive(Deserialize)]
struct Fields<'a> {
    #[serde(borrow)]
    timestamp: JsonStr<'a>,
    #[serde(borrow)]
    token: JsonStr<'a>,
    #[serde(borrow)]
    signature: JsonStr<'a>,
}

fn presented<'r>(request: &Request<'r>) -> Result<Presented<'r>, VerifyError> {
    let body: Body<'r> = serde_json::from_slice(request.body).map_err(|_| VerifyError::MalformedBody)?;
    let Fields { timestamp, token, signature } = body.signature;
    let seconds = wire::timestamp(&timestamp.0, TimeFormat::UnixSeconds, "signature.timestamp")?;
    let signature = Signature::decode(&signature.0, Encoding::Hex).ok_or(VerifyError::MalformedBody)?;
    Ok(Presented {
        signatures: vec![signature],
        tokens: Vec::new(),
        timestamp: Some((timestamp.0, seconds)),
        id: Some(token.0),
    })
}

/// The timestamp followed by the token (held as the presented id).
fn signed(_request: &Request<'_>, presented: &Presented<'_>) -> Vec<u8> {
    let timestamp = presented.timestamp.as_ref().map(|(text, _)| text.as_ref()).unwrap_or_default();
    [timestamp, presented.id.as_deref().unwrap_or_default()].concat().into_bytes()
}

/// The body Mailgun would send: the given body as `event-data`, with the signature fields; the
/// event id is the token.
fn sign(request: &SignRequest<'_>, timestamp: &str, signature: &[u8], _asymmetric: bool) -> Signed {
    let event: serde_json::Value =
        serde_json::from_slice(request.body).unwrap_or_else(|_| Cow::<str>::Owned(String::from_utf8_lossy(request.body).into_owned()).into());
    let body = serde_json::json!({
        "signature": {"timestamp": timestamp, "token": request.id, "signature": hex::encode(signature)},
        "event-data": event,
    });
    Signed { headers: Vec::new(), body: Some(body.to_string().into_bytes()) }
}
