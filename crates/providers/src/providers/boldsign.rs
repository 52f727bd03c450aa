//! BoldSign: `X-BoldSign-Signature: t=<seconds>, s0=<hex>` — and `s1=<hex>` while a rotated key
//! still signs — each the hex HMAC-SHA256 of `{t}.{body}` with a webhook secret key as UTF-8, `t`
//! in Unix seconds and checked against the tolerance (BoldSign's SDK allows 300 seconds). A request
//! verifies when either signature matches a configured key. The id is the body's `event.id`, the
//! type `event.eventType` (`Completed`, also sent as `X-BoldSign-Event`).

use super::workos::pairs;
use crate::VerifyError;
use crate::engine::{Presented, Request, SignRequest, Signed};
use crate::spec::*;

const HEADER: &str = "X-BoldSign-Signature";

/// BoldSign.
pub const PROVIDER: Provider = Provider {
    name: "boldsign",
    title: "BoldSign",
    docs: "https://developers.boldsign.com/webhooks/verify-webhook-events",
    setup: "In the BoldSign web app, open API > Webhooks, add a webhook with the URL https://<api>/webhooks/<source>, and copy its secret key from the webhook's details.",
    evidence: Evidence::Sdk("boldsign 3.3.4"),
    spec: Spec {
        signature: Carrier::Custom { shown: "X-BoldSign-Signature: t=…, s0=…, s1=…" },
        signed: &[Part::Timestamp, Part::text("."), Part::Body],
        timestamp: Some(Timestamp { at: TimestampAt::Custom, format: TimeFormat::UnixSeconds, checked: true }),
        id: Some(Locate::Pointer("/event/id")),
        event_type: Some(Locate::Pointer("/event/eventType")),
        hooks: Hooks { presented: Some(presented), identify: None, sign: Some(sign), signed: None, url_variant: None },
        ..Spec::BODY_HMAC
    },
};

fn presented<'r>(request: &Request<'r>) -> Result<Presented<'r>, VerifyError> {
    pairs(request, HEADER, TimeFormat::UnixSeconds, &["s0", "s1"])
}

fn sign(request: &SignRequest<'_>, timestamp: &str, signature: &[u8], _asymmetric: bool) -> Signed {
    let event_type = crate::wire::pointer(request.body, "/event/eventType").ok().flatten();
    let mut headers = vec![(HEADER.to_owned(), format!("t={timestamp}, s0={}", hex::encode(signature)))];
    headers.extend(event_type.map(|event_type| ("X-BoldSign-Event".to_owned(), event_type.into_owned())));
    Signed { headers, body: None }
}
