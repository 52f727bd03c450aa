//! Ecwid: `X-Ecwid-Webhook-Signature: <base64>`, HMAC-SHA256 of `{eventCreated}.{eventId}` — two
//! fields of the JSON body — with the application's `client_secret` as UTF-8 (not its `secret_…`
//! access token). Only those two fields are signed, not the rest of the body: a receiver that
//! acts on `data` should fetch the entity from Ecwid's API. `eventCreated` (Unix seconds) is when
//! the event happened, and Ecwid re-sends a failed webhook unchanged for 24 hours, so it is not
//! checked against the tolerance. The id is the body's `eventId`, the type its `eventType`
//! (`order.created`).

use std::borrow::Cow;

use serde::Deserialize;

use crate::VerifyError;
use crate::engine::{Presented, Request, SignRequest, Signed};
use crate::spec::*;
use crate::wire::{self, Signature};

/// Ecwid.
pub const PROVIDER: Provider = Provider {
    name: "ecwid",
    title: "Ecwid",
    docs: "https://api-docs.ecwid.com/reference/authenticate-webhooks-with-signature",
    setup: "Set the application's webhook URL to the Hookway URL `https://<api>/webhooks/<source>` in its \
            settings (or ask Ecwid's team to); the application's `client_secret`, given when it was \
            registered, is the source's secret.",
    evidence: Evidence::Rule,
    spec: Spec {
        signature: Carrier::Custom { shown: "X-Ecwid-Webhook-Signature over body: eventCreated.eventId" },
        signed: &[Part::Timestamp, Part::text("."), Part::Id],
        timestamp: Some(Timestamp { at: TimestampAt::Custom, format: TimeFormat::UnixSeconds, checked: false }),
        id: Some(Locate::Pointer("/eventId")),
        event_type: Some(Locate::Pointer("/eventType")),
        hooks: Hooks { presented: Some(presented), identify: None, sign: Some(sign), signed: None, url_variant: None },
        ..Spec::BODY_HMAC
    },
};

const HEADER: &str = "X-Ecwid-Webhook-Signature";

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Fields<'a> {
    event_created: i64,
    #[serde(borrow)]
    event_id: wire::JsonStr<'a>,
}

/// The signature header, and the body's `eventCreated` (as the timestamp) and `eventId`.
fn presented<'r>(request: &Request<'r>) -> Result<Presented<'r>, VerifyError> {
    let signature =
        Signature::decode(wire::header(request.headers, HEADER)?, Encoding::Base64).ok_or_else(|| wire::malformed(HEADER))?;
    let fields: Fields<'r> = serde_json::from_slice(request.body).map_err(|_| VerifyError::MalformedBody)?;
    Ok(Presented {
        signatures: vec![signature],
        tokens: Vec::new(),
        timestamp: Some((Cow::Owned(fields.event_created.to_string()), fields.event_created)),
        id: Some(fields.event_id.0),
    })
}

/// The body Ecwid would send: the given body with `eventCreated` and `eventId` set to what was
/// signed, and the signature header.
fn sign(request: &SignRequest<'_>, _timestamp: &str, signature: &[u8], _asymmetric: bool) -> Signed {
    let mut body: serde_json::Value = serde_json::from_slice(request.body).unwrap_or_else(|_| serde_json::json!({}));
    if let Some(object) = body.as_object_mut() {
        object.insert("eventId".to_owned(), request.id.into());
        object.insert("eventCreated".to_owned(), request.timestamp.into());
    }
    Signed {
        headers: vec![(HEADER.to_owned(), wire::encode(signature, Encoding::Base64))],
        body: Some(body.to_string().into_bytes()),
    }
}
