//! Brex: Standard Webhooks — `Webhook-Id`, `Webhook-Timestamp` (Unix seconds, checked against the
//! tolerance) and `Webhook-Signature`, space-separated `v1,<base64>` entries (two while a rotated
//! secret is revoked), HMAC-SHA256 of `{id}.{timestamp}.{body}` keyed with the base64 after the
//! secret's `whsec_`. The id is `Webhook-Id`, the type the body's `event_type`
//! (`TRANSFER_PROCESSED`).

use super::standard_webhooks::PROVIDER as STANDARD_WEBHOOKS;
use crate::spec::*;

/// Brex.
pub const PROVIDER: Provider = Provider {
    name: "brex",
    title: "Brex",
    docs: "https://developer.brex.com/docs/webhooks/",
    setup: "Register `https://<api>/webhooks/<source>` with Brex's Webhooks API (POST /v1/webhooks); the secret that GET /v1/webhooks/secrets returns is the key (add both while one is revoked).",
    evidence: Evidence::Rule,
    spec: Spec {
        signature: Carrier::Custom { shown: "Webhook-Signature (v1), Webhook-Id, Webhook-Timestamp" },
        id: Some(Locate::Header("webhook-id")),
        event_type: Some(Locate::Pointer("/event_type")),
        kept_headers: &["webhook-timestamp"],
        hooks: Hooks { identify: None, ..STANDARD_WEBHOOKS.spec.hooks },
        ..STANDARD_WEBHOOKS.spec
    },
};
