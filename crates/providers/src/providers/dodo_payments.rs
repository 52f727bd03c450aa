//! Dodo Payments: Standard Webhooks — `webhook-id`, `webhook-timestamp` (Unix seconds, checked
//! against the tolerance) and `webhook-signature`, space-separated `v1,<base64>` entries,
//! HMAC-SHA256 of `{id}.{timestamp}.{body}` keyed with the base64 after the endpoint's `whsec_`
//! secret. The id is `webhook-id`, the type the body's `type` (`payment.succeeded`).

use super::standard_webhooks::PROVIDER as STANDARD_WEBHOOKS;
use crate::spec::*;

/// Dodo Payments.
pub const PROVIDER: Provider = Provider {
    name: "dodo-payments",
    title: "Dodo Payments",
    docs: "https://docs.dodopayments.com/developer-resources/webhooks",
    setup: "In the Dodo Payments dashboard, Developer → Webhooks → Add Endpoint: paste `https://<api>/webhooks/<source>` as the URL; the endpoint's signing secret (`whsec_…`) is the key.",
    evidence: Evidence::Sdk("dodopayments 1.123.0"),
    spec: Spec {
        signature: Carrier::Custom { shown: "webhook-signature (v1), webhook-id, webhook-timestamp" },
        kept_headers: &["webhook-id", "webhook-timestamp"],
        ..STANDARD_WEBHOOKS.spec
    },
};
