//! Polar: Standard Webhooks headers — `webhook-id`, `webhook-timestamp` (Unix seconds, checked
//! against the tolerance) and `webhook-signature` (`v1,<base64>` entries) — over
//! `{id}.{timestamp}.{body}`, keyed with the endpoint's secret as UTF-8 (Polar's SDK keys with the
//! secret's text; the Standard Webhooks libraries need it base64-encoded first). The id is
//! `webhook-id`, the type the body's `type` (`order.paid`).

use super::standard_webhooks::PROVIDER as STANDARD_WEBHOOKS;
use crate::spec::*;

/// Polar.
pub const PROVIDER: Provider = Provider {
    name: "polar",
    title: "Polar",
    docs: "https://polar.sh/docs/integrate/webhooks/delivery",
    setup: "In the Polar dashboard, Settings → Webhooks → Add Endpoint: paste `https://<api>/webhooks/<source>` as the URL with the Raw format; the endpoint's secret is the key.",
    evidence: Evidence::Sdk("polar-sdk 1.0.2"),
    spec: Spec {
        signature: Carrier::Custom { shown: "webhook-signature (v1), webhook-id, webhook-timestamp" },
        secret: SecretFormat::Text,
        kept_headers: &["webhook-id", "webhook-timestamp"],
        ..STANDARD_WEBHOOKS.spec
    },
};
