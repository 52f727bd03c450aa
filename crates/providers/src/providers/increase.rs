//! Increase: Standard Webhooks headers — `webhook-id`, `webhook-timestamp` (Unix seconds, checked
//! against the tolerance) and `webhook-signature` (`v1,<base64>` entries) — over
//! `{id}.{timestamp}.{body}`, but keyed with the event subscription's shared secret as UTF-8 (not
//! a `whsec_` base64 secret): Increase's SDK hands the secret's bytes to the Standard Webhooks
//! library. The id and type are the body's `id` and `category` (`transaction.created`).

use super::standard_webhooks::PROVIDER as STANDARD_WEBHOOKS;
use crate::spec::*;

/// Increase.
pub const PROVIDER: Provider = Provider {
    name: "increase",
    title: "Increase",
    docs: "https://increase.com/documentation/webhooks",
    setup: "In the Increase Dashboard, Developers → Webhooks (or the Event Subscriptions API): create an event subscription with `https://<api>/webhooks/<source>` as its URL and a shared secret; that secret is the key.",
    evidence: Evidence::Sdk("increase 0.552.0"),
    spec: Spec {
        signature: Carrier::Custom { shown: "webhook-signature (v1), webhook-id, webhook-timestamp" },
        id: Some(Locate::Pointer("/id")),
        event_type: Some(Locate::Pointer("/category")),
        naming_required: true,
        secret: SecretFormat::Text,
        id_style: IdStyle::Prefixed("event_"),
        kept_headers: &["webhook-id", "webhook-timestamp"],
        hooks: Hooks { identify: None, ..STANDARD_WEBHOOKS.spec.hooks },
        ..STANDARD_WEBHOOKS.spec
    },
};
