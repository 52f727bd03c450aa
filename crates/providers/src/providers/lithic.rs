//! Lithic: Standard Webhooks — `webhook-id`, `webhook-timestamp` (Unix seconds, checked against
//! the tolerance) and `webhook-signature`, space-separated `v1,<base64>` entries (several during a
//! secret's rotation), HMAC-SHA256 of `{id}.{timestamp}.{body}` keyed with the base64 after the
//! subscription's `whsec_` secret. The id is `webhook-id`, the type the body's `event_type`
//! (`card.created`).

use super::standard_webhooks::PROVIDER as STANDARD_WEBHOOKS;
use crate::spec::*;

/// Lithic.
pub const PROVIDER: Provider = Provider {
    name: "lithic",
    title: "Lithic",
    docs: "https://github.com/lithic-com/lithic-python#webhooks",
    setup: "In the Lithic Dashboard (or with the Event Subscriptions API), create an event subscription with `https://<api>/webhooks/<source>` as its URL; its secret (`whsec_…`) is the key.",
    evidence: Evidence::Sdk("lithic 0.133.0"),
    spec: Spec {
        signature: Carrier::Custom { shown: "webhook-signature (v1), webhook-id, webhook-timestamp" },
        id: Some(Locate::Header("webhook-id")),
        event_type: Some(Locate::Pointer("/event_type")),
        kept_headers: &["webhook-timestamp"],
        hooks: Hooks { identify: None, ..STANDARD_WEBHOOKS.spec.hooks },
        ..STANDARD_WEBHOOKS.spec
    },
};
