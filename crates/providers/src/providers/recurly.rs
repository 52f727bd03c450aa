//! Recurly: `recurly-signature: <timestamp>,<hex>[,<hex>...]` — the timestamp (Unix milliseconds)
//! first, then one signature, or two for a day after the endpoint's secret key is regenerated —
//! each the HMAC-SHA256 of `{timestamp}.{body}` with the endpoint's secret key as UTF-8. The
//! timestamp is checked against the tolerance. Only JSON webhooks are signed. The id is the body's
//! `id`; the type is its `event_type` (`created`), of the `object_type` it names (`account`).

use std::borrow::Cow;

use crate::engine::{Presented, Request, SignRequest, Signed};
use crate::spec::*;
use crate::wire::{self, Signature};
use crate::VerifyError;

const HEADER: &str = "recurly-signature";

/// Recurly.
pub const PROVIDER: Provider = Provider {
    name: "recurly",
    title: "Recurly",
    docs: "https://docs.recurly.com/v1.3/docs/signature-verification",
    setup: "In Recurly, Integrations → Webhooks → Configure → New Endpoint: paste `https://<api>/webhooks/<source>` as the URL with the JSON format; the endpoint's secret key on the Webhook Endpoints page is the key.",
    evidence: Evidence::Rule,
    spec: Spec {
        signature: Carrier::Custom { shown: "recurly-signature (timestamp, signatures)" },
        signed: &[Part::Timestamp, Part::text("."), Part::Body],
        timestamp: Some(Timestamp { at: TimestampAt::Custom, format: TimeFormat::UnixMillis, checked: true }),
        id: Some(Locate::Pointer("/id")),
        event_type: Some(Locate::Pointer("/event_type")),
        hooks: Hooks { presented: Some(presented), identify: None, sign: Some(sign), signed: None, url_variant: None },
        ..Spec::BODY_HMAC
    },
};

/// The timestamp, then every signature, comma-separated.
fn presented<'r>(request: &Request<'r>) -> Result<Presented<'r>, VerifyError> {
    let mut fields = wire::header(request.headers, HEADER)?.split(',').map(str::trim);
    let text = fields.next().unwrap_or_default();
    let seconds = wire::timestamp(text, TimeFormat::UnixMillis, HEADER)?;
    let signatures: Vec<Signature> = fields.filter_map(|field| Signature::decode(field, Encoding::Hex)).collect();
    if signatures.is_empty() {
        return Err(wire::malformed(HEADER));
    }
    Ok(Presented { signatures, tokens: Vec::new(), timestamp: Some((Cow::Borrowed(text), seconds)), id: None })
}

fn sign(_: &SignRequest<'_>, timestamp: &str, signature: &[u8], _: bool) -> Signed {
    let value = format!("{timestamp},{}", wire::encode(signature, Encoding::Hex));
    Signed { headers: vec![(HEADER.to_owned(), value)], body: None }
}
