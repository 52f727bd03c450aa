//! Attio: `Attio-Signature: <hex>` (repeated as `X-Attio-Signature`), HMAC-SHA256 of the body with
//! the webhook's secret as UTF-8. Nothing is timestamped. The type is the first event's
//! `event_type` (`record.created`); a delivery may carry several events, so the body's digest
//! stands for the id.

use crate::spec::*;

/// Attio.
pub const PROVIDER: Provider = Provider {
    name: "attio",
    title: "Attio",
    docs: "https://docs.attio.com/rest-api/guides/webhooks",
    setup: "In Attio, Workspace settings > Developers, open your integration and add a webhook with the target URL https://<api>/webhooks/<source> (or create it with the webhooks API); the webhook's secret is shown there and returned on creation.",
    evidence: Evidence::Rule,
    spec: Spec {
        signature: Carrier::Header { name: "Attio-Signature", prefix: "", encoding: Encoding::Hex },
        event_type: Some(Locate::Pointer("/events/0/event_type")),
        ..Spec::BODY_HMAC
    },
};
