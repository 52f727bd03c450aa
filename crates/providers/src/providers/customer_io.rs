//! Customer.io (reporting webhooks): `X-CIO-Signature: <hex>`, HMAC-SHA256 of
//! `v0:{timestamp}:{body}` with the webhook's signing key as UTF-8, the timestamp in
//! `X-CIO-Timestamp` (Unix seconds), checked against the tolerance. The id is the body's
//! `event_id`, the type `{object_type}.{metric}` (`email.delivered`).

use crate::MalformedEvent;
use crate::engine::{Named, Request};
use crate::spec::*;

/// Customer.io.
pub const PROVIDER: Provider = Provider {
    name: "customer-io",
    title: "Customer.io",
    docs: "https://docs.customer.io/journeys/webhooks/#securely-verify-requests",
    setup: "In Customer.io, Data & Integrations > Integrations > Reporting Webhooks: add a webhook with the endpoint https://<api>/webhooks/<source>; its page shows the webhook signing key.",
    evidence: Evidence::Rule,
    spec: Spec {
        signature: Carrier::Header { name: "X-CIO-Signature", prefix: "", encoding: Encoding::Hex },
        signed: &[Part::text("v0:"), Part::Timestamp, Part::text(":"), Part::Body],
        timestamp: Some(Timestamp { at: TimestampAt::Header("X-CIO-Timestamp"), format: TimeFormat::UnixSeconds, checked: true }),
        hooks: Hooks { presented: None, identify: Some(identify), sign: None, signed: None, url_variant: None },
        ..Spec::BODY_HMAC
    },
};

fn identify<'r>(request: &Request<'r>) -> Result<Named<'r>, MalformedEvent> {
    Ok(super::close::dotted(request.body, "/event_id", "/object_type", "/metric"))
}
